"""The 责任书 as Word files (issue 15 §1): read back with python-docx against the PDF letters,
the combined file, a company's own template, the sandbox, and the same bytes on a re-run."""

from __future__ import annotations

import json
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SEED_PEOPLE, TODAY, write_company, write_targets
from docx import Document
from docx.enum.section import WD_SECTION
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from salesbook.cli import cli
from salesbook.contexts.letters import letter_contexts
from salesbook.errors import RenderError
from salesbook.letters_docx import TEMPLATE_NAMES, DocxRenderer, find_template
from salesbook.render import TEMPLATES, template_dirs
from salesbook.samples import letter_docx
from salesbook.shown import capital_text, count_text, money_text

BREAKDOWN = [
    [
        "季度销售额100万元",
        "区域-华东区域",
        "40万元",
        "张经理",
        "2023年12月31日",
        "月度销售额≥13.3万元",
    ],
    ["季度销售额100万元", "个人-李明", "30万元", "李明", "2023年12月31日", ""],
    ["季度销售额100万元", "个人-王芳", "25万元", "王芳", "2023年12月31日", ""],
    ["新客户开发30个", "个人-李明", "8个", "李明", "2023年12月31日", "客户转化率≥15%"],
]


def make_org(folder: Path) -> Path:
    write_targets(
        folder / "销售目标分解表.xlsx",
        [
            ["季度销售额", "100万元", "元", "2023Q4", "2023-10-01", "2023-12-31"],
            ["新客户开发", "30", "个", "2023Q4", "2023-10-01", "2023-12-31"],
        ],
        BREAKDOWN,
        SEED_PEOPLE,
    )
    write_company(folder, "测试&有限公司")  # an ampersand: text stays text in the XML
    return folder


def run(folder: Path, output: Path, *args: str) -> str:
    result = CliRunner().invoke(
        cli, ["run", str(folder), "-o", str(output), "--today", TODAY, "--period", "2023Q4", *args]
    )
    assert result.exit_code in (0, 1), (result.output, result.exception)
    return result.output


def docx_text(path: Path) -> list[str]:
    """Every paragraph's text in body order, table cells included."""
    document = Document(str(path))
    return [Paragraph(p, document).text for p in document.element.body.iter(qn("w:p"))]


def flat(lines: list[str]) -> str:
    return "".join("".join(lines).split())


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return "".join(out.stdout.split())


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """The small organisation run twice, into two outputs."""
    root = tmp_path_factory.mktemp("docx")
    folder = make_org(root / "workbooks")
    first, second = root / "out1", root / "out2"
    printed = run(folder, first)
    assert "Word 4 个" in printed
    run(folder, second)
    return folder, first, second


@pytest.mark.slow
def test_each_letter_as_word_says_what_its_pdf_says(runs: tuple[Path, Path, Path]) -> None:
    _, output, _ = runs
    figures = json.loads((output / "figures.json").read_text(encoding="utf-8"))
    pdfs = sorted((output / "责任书").glob("*.pdf"))
    words = sorted((output / "责任书").glob("*.docx"))
    assert [p.stem for p in words] == [p.stem for p in pdfs]  # 2023Q4-张经理 … the same stems
    assert len(words) == 3
    reward = figures["config"]["letter_reward"]
    for pdf, word in zip(pdfs, words, strict=True):
        owner = word.stem.split("-", 1)[1]
        lines = docx_text(word)
        text, printed = flat(lines), pdf_text(pdf)
        number = re.search(r"编号：(XS-2023Q4-\d{3})", printed)
        assert number
        assert f"编号：{number.group(1)}" in text  # the same 文号 as the PDF
        assert lines[0] == "销售目标责任书"  # not 变更版: nothing here is revised
        assert "甲方" in lines
        assert "测试&有限公司（代表：" in text
        assert "乙方" in lines
        assert f"{owner}（" in text
        assert "考核期限：2023年10月1日—2023年12月31日（2023Q4）" in text
        targets = [t for t in figures["figures"]["targets"] if t["owner"] == owner]
        assert targets
        for target in targets:
            if target["unit"] == "元":
                amount = money_text(target["target"])
                capital = capital_text(target["target"])
                assert amount in lines  # a cell of its own, as printed on the PDF
                assert capital in lines
                assert "".join(amount.split()) in printed
                assert capital in printed
                weekly = money_text(target["weekly"])
                assert weekly in lines
                assert "".join(weekly.split()) in printed
                for month, value in target["months"]:
                    assert "".join(f"{month}：{money_text(value)}".split()) in text
            else:
                assert f"{count_text(target['target'])} 个" in lines
            assert target["metric"] in lines
            if target["standard"]:
                assert target["standard"]["text"] in lines
                assert target["standard"]["text"] in printed
        for clause in ("奖励：" + reward, "惩罚：" + figures["config"]["letter_penalty"]):
            assert "".join(clause.split()) in text
            assert "".join(clause.split()) in printed
        for words_in_block in (
            "甲方（盖章）：",
            "代表签字：",
            "乙方（签字）：",
            "职务：",
            "日期：",
        ):
            assert words_in_block in text
            assert words_in_block in printed
    zhang = flat(docx_text(output / "责任书" / "2023Q4-张经理.docx"))
    assert "肆拾万元整" in zhang
    assert "月度销售额≥13.3万元" in zhang
    assert "2023-10：133,333.33元" in zhang  # the monthly split, as on the PDF
    li = flat(docx_text(output / "责任书" / "2023Q4-李明.docx"))
    assert "客户转化率≥15%" in li
    assert "区域-华东区域" not in li


@pytest.mark.slow
def test_the_combined_file_holds_every_letter_each_on_new_pages(
    runs: tuple[Path, Path, Path],
) -> None:
    _, output, _ = runs
    combined = output / "责任书-2023Q4-全部.docx"
    document = Document(str(combined))
    lines = docx_text(combined)
    titles = [i for i, line in enumerate(lines) if line == "销售目标责任书"]
    assert len(titles) == 3
    # Each letter is its own section, and a section starts on a new page.
    assert len(document.sections) == 3
    assert all(s.start_type == WD_SECTION.NEW_PAGE for s in document.sections)
    # 第 x 页 / 共 y 页 counts each letter: its pages in the combined file, the file's in its own.
    with zipfile.ZipFile(combined) as archive:
        assert 'instr=" SECTIONPAGES "' in archive.read("word/footer1.xml").decode()
    with zipfile.ZipFile(output / "责任书" / "2023Q4-李明.docx") as archive:
        assert 'instr=" NUMPAGES "' in archive.read("word/footer1.xml").decode()
    numbers = re.findall(r"编号：(XS-2023Q4-\d{3})", "".join(lines))
    printed = re.findall(r"编号：(XS-2023Q4-\d{3})", pdf_text(output / "责任书-2023Q4-全部.pdf"))
    assert numbers == printed  # the same letters in the same order as the combined PDF
    # …and exactly the per-owner files, one after another.
    parts = [docx_text(p) for p in sorted((output / "责任书").glob("*.docx"))]
    assert sorted(flat(p) for p in parts) == sorted(
        flat(lines[a:b]) for a, b in zip(titles, [*titles[1:], len(lines)], strict=True)
    )


@pytest.mark.slow
def test_word_files_are_the_same_bytes_on_a_rerun(runs: tuple[Path, Path, Path]) -> None:
    _, first, second = runs
    made = sorted(p.relative_to(first) for p in first.rglob("*.docx"))
    assert len(made) == 4
    for relative in made:
        assert (first / relative).read_bytes() == (second / relative).read_bytes(), relative
    with zipfile.ZipFile(first / "责任书-2023Q4-全部.docx") as archive:
        infos = archive.infolist()
        assert infos[0].filename == "[Content_Types].xml"
        assert {info.date_time for info in infos} == {(2023, 10, 1, 0, 0, 0)}
    core = Document(str(first / "责任书" / "2023Q4-李明.docx")).core_properties
    assert core.created is not None
    assert core.created.date().isoformat() == "2023-10-01"
    assert core.modified == core.created
    assert core.title.startswith("销售目标责任书 XS-2023Q4-")
    manifest = json.loads((first / "manifest.json").read_text(encoding="utf-8"))
    listed = {entry["path"] for entry in manifest["outputs"]}
    assert {p.as_posix() for p in made} <= listed  # verify checks them like every output
    assert "letters-docx:2023Q4" in manifest["products"]


@pytest.mark.slow
def test_a_company_word_template_is_used(runs: tuple[Path, Path, Path], tmp_path: Path) -> None:
    folder, _, _ = runs
    ours = tmp_path / "letterhead"
    ours.mkdir()
    document = Document()
    document.add_paragraph("某某公司信笺")
    document.add_paragraph("文号 {{ letter.number }}，{{ letter.owner }}")
    document.add_paragraph("{% if letter.revised is defined and letter.revised %}变更版{% endif %}")
    document.save(str(ours / "letter.docx"))
    output = tmp_path / "out"
    run(folder, output, "--templates", str(ours))
    lines = docx_text(output / "责任书" / "2023Q4-李明.docx")
    assert lines[0] == "某某公司信笺"
    number = re.search(r"编号：(XS-2023Q4-\d{3})", pdf_text(output / "责任书" / "2023Q4-李明.pdf"))
    assert number
    assert lines[1] == f"文号 {number.group(1)}，李明"
    assert "销售目标责任书" not in lines
    combined = docx_text(output / "责任书-2023Q4-全部.docx")
    assert combined.count("某某公司信笺") == 3
    # The PDFs still come from the built-in letters.html.
    assert "销售目标责任书" in pdf_text(output / "责任书" / "2023Q4-李明.pdf")


def contexts(runs: tuple[Path, Path, Path], lang: str = "zh"):
    _, output, _ = runs
    document = json.loads((output / "figures.json").read_text(encoding="utf-8"))
    return letter_contexts(document, None, lang)


def rendered_text(renderer: DocxRenderer, letter) -> list[str]:
    document = renderer.render(letter)
    return [Paragraph(p, document).text for p in document.element.body.iter(qn("w:p"))]


@pytest.mark.slow
def test_a_revised_letter_says_so_and_english_letters_speak_english(
    runs: tuple[Path, Path, Path],
) -> None:
    letter = contexts(runs)[0]
    renderer = DocxRenderer(template_dirs())
    assert rendered_text(renderer, letter)[0] == "销售目标责任书"
    letter.revised = True  # type: ignore[attr-defined]  # what the versions of issue 15 §3 add
    assert rendered_text(renderer, letter)[0] == "销售目标责任书（变更版）"
    english = contexts(runs, "en")[0]
    lines = rendered_text(DocxRenderer(template_dirs(), "en"), english)
    assert lines[0] == "Sales Target Responsibility Letter"
    assert "Party A" in lines
    assert "Party B" in lines
    assert "CNY 400,000.00" in lines
    assert "Four hundred thousand yuan only" in lines


@pytest.mark.slow
def test_a_word_template_runs_in_the_sandbox(runs: tuple[Path, Path, Path], tmp_path: Path) -> None:
    ours = tmp_path / "letterhead"
    ours.mkdir()
    document = Document()
    document.add_paragraph("{{ ''.__class__.__mro__[1].__subclasses__() }}")
    document.save(str(ours / "letter.docx"))
    renderer = DocxRenderer(template_dirs(ours))
    with pytest.raises(RenderError, match=r"letter\.docx"):
        renderer.render(contexts(runs)[0])


def test_a_word_template_that_leads_outside_is_refused(tmp_path: Path) -> None:
    ours, elsewhere = tmp_path / "letterhead", tmp_path / "elsewhere"
    ours.mkdir()
    elsewhere.mkdir()
    (elsewhere / "letter.docx").write_bytes((TEMPLATES / "letter.docx").read_bytes())
    (ours / "letter.docx").symlink_to(elsewhere / "letter.docx")
    with pytest.raises(RenderError, match=r"letter\.docx"):
        find_template(template_dirs(ours), "zh")
    assert find_template(template_dirs(), "en") == TEMPLATES / "letter-en.docx"


def test_the_built_in_templates_are_what_the_script_makes(tmp_path: Path) -> None:
    for path in letter_docx.write(tmp_path):
        assert path.read_bytes() == (TEMPLATES / path.name).read_bytes(), path.name
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(TEMPLATE_NAMES.values())


@pytest.mark.slow
def test_stray_control_characters_in_workbook_text_neither_break_nor_split_the_letter(
    runs: tuple[Path, Path, Path],
) -> None:
    letter = contexts(runs)[0]
    letter.targets[0].standard = "月度\x0b销售额\x07≥13.3\x0c万元\x00"  # XML cannot hold these
    document = DocxRenderer(template_dirs()).render(letter)
    lines = [Paragraph(p, document).text for p in document.element.body.iter(qn("w:p"))]
    assert "月度销售额≥13.3万元" in lines
    assert len(lines) == len(rendered_text(DocxRenderer(template_dirs()), contexts(runs)[0]))


@pytest.mark.slow
def test_the_word_copies_can_be_switched_off(tmp_path: Path) -> None:
    folder = make_org(tmp_path / "workbooks")
    with (folder / "salesbook.toml").open("a", encoding="utf-8") as settings:
        settings.write("letters.docx = false\n")
    output = tmp_path / "out"
    printed = run(folder, output)
    assert "Word" not in printed
    assert not list(output.rglob("*.docx"))
    assert len(list((output / "责任书").glob("*.pdf"))) == 3


@pytest.mark.slow
@pytest.mark.parametrize("chunk", [1, 2])
def test_letters_written_in_chunks_join_into_the_same_combined_file(
    runs: tuple[Path, Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """Tasks write CHUNK letters each (two processes at once); the chunks joined in order give
    the combined file that joining letter by letter gives, and the same per-owner files."""
    from salesbook import letters_docx

    _, output, _ = runs
    letters = contexts(runs)
    assert len(letters) == 3
    monkeypatch.setattr(letters_docx, "CHUNK", chunk)
    combined = tmp_path / "all.docx"
    made = letters_docx.write_letter_docx(
        DocxRenderer(template_dirs()), letters, tmp_path / "each", combined, jobs=2
    )
    assert [p.name for p in made.files] == [f"{c.file_stem}.docx" for c in letters]
    for path in made.files:
        assert path.read_bytes() == (output / "责任书" / path.name).read_bytes()
    with (
        zipfile.ZipFile(combined) as ours,
        zipfile.ZipFile(output / "责任书-2023Q4-全部.docx") as run_s,
    ):
        assert ours.namelist() == run_s.namelist()
        for name in ours.namelist():  # core.xml: the title and dates, compared below
            if name != "docProps/core.xml":
                assert ours.read(name) == run_s.read(name), name
    assert Document(str(combined)).core_properties.title == "销售目标责任书 2023Q4 全部"
    assert not list(tmp_path.glob(".docx-*"))  # the chunks' parts are cleaned up
