"""销售目标责任书: real PDFs, read back through their text, outline, fonts and file names."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pypdf
import pytest
from click.testing import CliRunner
from conftest import TODAY, headers, write_book, write_targets

from salesbook.chunks import safe_name
from salesbook.cli import cli
from salesbook.fonts import missing_characters


def run(folder: Path, output: Path, *args: str) -> str:
    result = CliRunner().invoke(
        cli, ["run", str(folder), "-o", str(output), "--today", TODAY, "--period", "2023Q4", *args]
    )
    assert result.exit_code in (0, 1), (result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.output


def text(path: Path, first: int | None = None, last: int | None = None) -> str:
    """The PDF's text, spaces removed (pdftotext spaces CJK text as it likes)."""
    args = ["pdftotext"]
    if first:
        args += ["-f", str(first), "-l", str(last or first)]
    out = subprocess.run([*args, str(path), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(out.split())


@pytest.mark.slow
def test_one_letter_per_owner_with_the_seed_figures(seed_org: Path, tmp_path: Path) -> None:
    output = tmp_path / "out"
    run(seed_org, output)
    letters = sorted(p.name for p in (output / "责任书").glob("*.pdf"))  # beside their .docx
    assert set(letters) == {
        "2023Q4-张经理.pdf",
        "2023Q4-李明.pdf",
        "2023Q4-王总.pdf",
        "2023Q4-王芳.pdf",
    }  # 华东一组 owns two product targets but is a group, not a person: no letter (SB-T014)
    east = text(output / "责任书" / "2023Q4-张经理.pdf")
    assert "销售目标责任书" in east
    assert "区域-华东区域" in east
    assert "400,000.00元" in east
    assert "肆拾万元整" in east
    assert "133,333.33元" in east  # the seed's 月度销售额≥13.3万元: 40万 ÷ 3 months
    assert "月度销售额≥13.3万元" in east
    assert "本责任书一式两份，甲乙双方各执一份" in east
    assert "第1页/共1页" in east
    li = text(output / "责任书" / "2023Q4-李明.pdf")
    assert "个人-李明" in li
    assert "8个" in li
    assert "客户转化率≥15%" in li
    assert "区域-华东区域" not in li  # another owner's target never lands on this letter


@pytest.mark.slow
def test_combined_file_has_a_bookmark_per_owner_and_stable_numbers(
    seed_org: Path, tmp_path: Path
) -> None:
    output = tmp_path / "out"
    run(seed_org, output)
    combined = pypdf.PdfReader(output / "责任书-2023Q4-全部.pdf")
    outline = [
        (item.title, combined.get_destination_page_number(item)) for item in combined.outline
    ]
    assert [title for title, _ in outline] == ["张经理", "王总", "李明", "王芳"]
    assert len(combined.pages) == 4
    numbers = [
        text(output / "责任书-2023Q4-全部.pdf", i + 1).split("编号：")[1][:13] for i in range(4)
    ]
    assert numbers == [f"XS-2023Q4-{n:03d}" for n in range(1, 5)]
    before = (output / "责任书-2023Q4-全部.pdf").read_bytes()
    # a new owner later gets the next number; nobody else's number moves
    write_book(
        seed_org / "追加.xlsx",
        {
            "目标分解": (
                headers("target_breakdown", keys=["overall", "dimension", "target", "owner"]),
                [["季度销售额100万元", "个人-赵新", "1万元", "赵新"]],
            ),
            "团队名册": (
                headers("roster"),
                [
                    [
                        "赵新",
                        "S009",
                        "销售代表",
                        "华东",
                        "华东一组",
                        "张经理",
                        "2023-10-01",
                        "",
                        "在职",
                    ]
                ],
            ),
        },
    )
    run(seed_org, output)
    after = text(output / "责任书" / "2023Q4-赵新.pdf")
    assert "XS-2023Q4-005" in after
    assert "XS-2023Q4-001" in text(output / "责任书" / "2023Q4-张经理.pdf")
    assert before != (output / "责任书-2023Q4-全部.pdf").read_bytes()


@pytest.mark.slow
def test_same_inputs_give_byte_identical_pdfs(seed_org: Path, tmp_path: Path) -> None:
    run(seed_org, tmp_path / "a", "--history", str(tmp_path / "h.sqlite"))
    run(seed_org, tmp_path / "b", "--history", str(tmp_path / "h.sqlite"))
    for name in ("责任书-2023Q4-全部.pdf", "责任书/2023Q4-李明.pdf"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


@pytest.mark.slow
def test_long_letters_count_their_own_pages_and_duplex_pads(seed_org: Path, tmp_path: Path) -> None:
    rows = [
        [
            "季度销售额100万元",
            f"个人-李明{i}",
            "1万元",
            "李明",
            "2023-12-31",
            "月度销售额≥0.3万元，需每周提交客户拜访记录、商机推进表与回款计划，并在月度复盘会上汇报",
        ]
        for i in range(30)
    ]
    write_book(
        seed_org / "追加.xlsx",
        {
            "目标分解": (
                headers(
                    "target_breakdown",
                    keys=["overall", "dimension", "target", "owner", "deadline", "standard"],
                ),
                rows,
            )
        },
    )
    output = tmp_path / "out"
    run(seed_org, output, "--duplex")
    li = pypdf.PdfReader(output / "责任书" / "2023Q4-李明.pdf")
    pages = len(li.pages)
    assert pages >= 2
    assert f"第1页/共{pages}页" in text(output / "责任书" / "2023Q4-李明.pdf", 1)
    assert f"第{pages}页/共{pages}页" in text(output / "责任书" / "2023Q4-李明.pdf", pages)
    combined = pypdf.PdfReader(output / "责任书-2023Q4-全部.pdf")
    starts = [combined.get_destination_page_number(item) for item in combined.outline]
    assert all(start % 2 == 0 for start in starts)  # every letter starts on a front side
    assert len(combined.pages) % 2 == 0


@pytest.mark.slow
def test_fonts_are_embedded_and_text_extractable(seed_org: Path, tmp_path: Path) -> None:
    output = tmp_path / "out"
    run(seed_org, output)
    fonts = subprocess.run(
        ["pdffonts", str(output / "责任书" / "2023Q4-王芳.pdf")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()[2:]
    assert fonts
    assert all(line.split()[-5:-2] == ["yes", "yes", "yes"] for line in fonts), fonts
    assert all("Noto" in line for line in fonts)


@pytest.mark.slow
def test_english_letters(seed_org: Path, tmp_path: Path) -> None:
    output = tmp_path / "out"
    run(seed_org, output, "--lang", "en")
    page = text(output / "letters" / "2023Q4-李明.pdf")
    assert "SalesTargetResponsibilityLetter" in page
    assert "PartyB" in page
    assert "Page1of" in page
    assert (output / "letters-2023Q4-all.pdf").is_file()


@pytest.mark.parametrize(
    ("owner", "expected"),
    [
        ("a/b:c*d?", "a_b_c_d_"),
        ("CON", "_CON"),
        ("x" * 100, "x" * 60),
        ("张三. ", "张三"),
        ('<李>|"四"', "_李___四_"),
    ],
)
def test_safe_file_names(owner: str, expected: str) -> None:
    assert safe_name(owner) == expected


@pytest.mark.slow
def test_awkward_owner_names_give_safe_distinct_files(seed_org: Path, tmp_path: Path) -> None:
    write_book(
        seed_org / "追加.xlsx",
        {
            "目标分解": (
                headers("target_breakdown", keys=["overall", "dimension", "target", "owner"]),
                [
                    ["季度销售额100万元", "个人-甲", "1万元", "华东/华南:联合*组"],
                    ["季度销售额100万元", "个人-乙", "1万元", "华东_华南_联合_组"],
                    ["季度销售额100万元", "个人-丙", "1万元", '<img src="file:///etc/passwd">'],
                ],
            ),
            # letters go to people on the roster only (issue 11 §5): these odd names are on it
            "团队名册": (
                headers("roster"),
                [
                    [name, f"S10{i}", "销售代表", "华东", "华东一组", "张经理", "", "", "在职"]
                    for i, name in enumerate(
                        ["华东/华南:联合*组", "华东_华南_联合_组", '<img src="file:///etc/passwd">']
                    )
                ],
            ),
        },
    )
    output = tmp_path / "out"
    run(seed_org, output)
    names = {p.name for p in (output / "责任书").iterdir()}
    assert {"2023Q4-华东_华南_联合_组.pdf", "2023Q4-华东_华南_联合_组-2.pdf"} <= names
    injected = next(p for p in (output / "责任书").glob("*.pdf") if "img" in p.name)
    assert '<imgsrc="file:///etc/passwd">' in text(injected)  # printed as text, fetched never


@pytest.mark.slow
def test_override_template_cannot_fetch_files_or_network(seed_org: Path, tmp_path: Path) -> None:
    overrides = tmp_path / "mine"
    overrides.mkdir()
    base = (Path(__file__).resolve().parents[1] / "templates" / "letters.html").read_text(
        encoding="utf-8"
    )
    for url in ("file:///etc/passwd", "http://example.com/logo.png"):
        (overrides / "letters.html").write_text(
            base.replace("<h1", f'<img src="{url}"><h1', 1), encoding="utf-8"
        )
        result = CliRunner().invoke(
            cli,
            [
                "run",
                str(seed_org),
                "-o",
                str(tmp_path / "o"),
                "--period",
                "2023Q4",
                "--today",
                TODAY,
                "--templates",
                str(overrides),
            ],
        )
        assert result.exit_code == 2
        assert url in result.output
        assert "不允许的资源" in result.output


@pytest.mark.slow
def test_override_template_changes_the_wording(seed_org: Path, tmp_path: Path) -> None:
    overrides = tmp_path / "ours"
    overrides.mkdir()
    base = (Path(__file__).resolve().parents[1] / "templates" / "letters.html").read_text(
        encoding="utf-8"
    )
    (overrides / "letters.html").write_text(
        base.replace("奖惩条款", "激励与考核"), encoding="utf-8"
    )
    output = tmp_path / "out"
    run(seed_org, output, "--templates", str(overrides))
    assert "激励与考核" in text(output / "责任书" / "2023Q4-李明.pdf")


def test_missing_glyphs_stop_the_run_with_the_package_to_install(
    seed_org: Path, tmp_path: Path
) -> None:
    assert missing_characters(["销售目标责任书 ABC 123"]) == []
    assert missing_characters(["\U0001f600"]) == ["\U0001f600"]
    write_book(
        seed_org / "追加.xlsx",
        {
            "目标分解": (
                headers("target_breakdown", keys=["overall", "dimension", "target", "owner"]),
                [["季度销售额100万元", "个人-笑脸", "1万元", "笑脸\U0001f600"]],
            ),
            "团队名册": (
                headers("roster"),
                [
                    [
                        "笑脸\U0001f600",
                        "S100",
                        "销售代表",
                        "华东",
                        "华东一组",
                        "张经理",
                        "",
                        "",
                        "在职",
                    ]
                ],
            ),
        },
    )
    result = CliRunner().invoke(
        cli,
        ["run", str(seed_org), "-o", str(tmp_path / "o"), "--period", "2023Q4", "--today", TODAY],
    )
    assert result.exit_code == 2
    assert "\U0001f600" in result.output
    assert "fonts-noto-cjk" in result.output
    # the run stops before writing a letter with boxes
    assert not (tmp_path / "o" / "责任书").exists() or not any(
        "笑脸" in p.name for p in (tmp_path / "o" / "责任书").iterdir()
    )


@pytest.mark.slow
def test_letters_laid_out_in_chunks_make_the_same_print_job(
    seed_org: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(seed_org, tmp_path / "whole", "--duplex")
    monkeypatch.setattr("salesbook.chunks.CHUNK", 2)  # 4 letters: documents of 2 and 2
    run(seed_org, tmp_path / "chunked", "--duplex")
    whole = pypdf.PdfReader(tmp_path / "whole" / "责任书-2023Q4-全部.pdf")
    chunked = pypdf.PdfReader(tmp_path / "chunked" / "责任书-2023Q4-全部.pdf")
    assert [i.title for i in chunked.outline] == [i.title for i in whole.outline]
    assert len(chunked.pages) == len(whole.pages) == 8  # four one-page letters, each with a back
    for page in range(1, 9, 2):
        assert text(tmp_path / "chunked" / "责任书-2023Q4-全部.pdf", page) == text(
            tmp_path / "whole" / "责任书-2023Q4-全部.pdf", page
        )
    assert text(tmp_path / "chunked" / "责任书" / "2023Q4-王芳.pdf") == text(
        tmp_path / "whole" / "责任书" / "2023Q4-王芳.pdf"
    )


def _glyph_positions(path: Path) -> tuple[float, list[tuple[str, float]]]:
    """The page width and (text, x) of every run of text pypdf finds on the first page."""
    page = pypdf.PdfReader(path).pages[0]
    found: list[tuple[str, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        if text.strip():
            found.append((text, cm[0] * tm[4] + cm[2] * tm[5] + cm[4]))

    page.extract_text(visitor_text=visit)
    return float(page.mediabox.width), found


@pytest.mark.slow
def test_an_annual_letter_shows_every_month_and_both_run_rates_on_the_page(
    tmp_path: Path,
) -> None:
    """A year's target: four quarters and twelve months in rows of six, per week and per working
    day, all inside the page (a row of twelve months used to run off the right edge)."""
    folder = tmp_path / "workbooks"
    roster = [
        ["王总", "S000", "销售总监", "", "", "", "2019-01-01", "", "在职"],
        ["李明", "S002", "销售代表", "华东", "华东一组", "王总", "2021-05-01", "", "在职"],
    ]
    write_targets(
        folder / "目标.xlsx",
        [["年度销售额", "1200万元", "元", "2026", "2026-01-01", "2026-12-31"]],
        [
            ["年度销售额1200万元", "个人-李明", "1200万元", "李明", "2026-12-31", ""],
            ["新客户开发50个", "个人-李明", "50个", "李明", "2026-12-31", ""],
        ],
        roster,
    )
    result = CliRunner().invoke(
        cli, ["run", str(folder), "-o", str(tmp_path / "out"), "--period", "2026", "--today", TODAY]
    )
    assert result.exit_code in (0, 1), result.output
    letter = tmp_path / "out" / "责任书" / "2026-李明.pdf"
    page = text(letter)
    for month in range(1, 13):
        assert f"2026-{month:02d}" in page
    for quarter in range(1, 5):
        assert f"2026Q{quarter}" in page
    assert "3,000,000.00元" in page  # a quarter of 1200万
    assert "1,000,000.00元" in page  # a month
    assert "5个" in page  # 50 个 over twelve months: 5 × 2 + 4 × 10
    assert "4个" in page
    assert "每周：" in page
    assert "每工作日：" in page
    width, runs = _glyph_positions(letter)
    assert runs
    assert max(x for _, x in runs) < width - 20, "text runs off the right edge"
