"""Per-person PDFs carry only the glyphs they print: small files that read and draw as before."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pypdf
import pytest
from click.testing import CliRunner
from conftest import TODAY
from PIL import Image, ImageChops

from salesbook.cli import cli

LIMIT = 80 * 1024  # a one-page letter or appraisal sheet (issue 13: was 390-460 KB)


def run(folder: Path, output: Path, *args: str) -> None:
    result = CliRunner().invoke(
        cli, ["run", str(folder), "-o", str(output), "--today", TODAY, "--period", "2023Q4", *args]
    )
    assert result.exit_code in (0, 1), (result.output, result.exception)


def per_person(output: Path) -> list[Path]:
    files = sorted((output / "责任书").glob("*.pdf")) + sorted((output / "评估单").glob("*.pdf"))
    assert len(files) >= 4
    return files


def page_text(path: Path, page: int = 1) -> str:
    out = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return "".join(out.split())


def page_image(path: Path, page: int, stem: Path) -> Image.Image:
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            str(page),
            "-l",
            str(page),
            "-singlefile",
            path,
            stem,
        ],
        check=True,
    )
    return Image.open(f"{stem}.png").convert("RGB")


@pytest.mark.slow
def test_one_page_files_are_small_embed_their_fonts_and_read_back(
    seed_org: Path, tmp_path: Path
) -> None:
    output = tmp_path / "out"
    run(seed_org, output)
    for path in per_person(output):
        if len(pypdf.PdfReader(path).pages) == 1:
            assert path.stat().st_size <= LIMIT, (path.name, path.stat().st_size)
        fonts = subprocess.run(
            ["pdffonts", str(path)], capture_output=True, text=True, check=True
        ).stdout.splitlines()[2:]
        assert fonts
        for line in fonts:  # embedded, subset, with a ToUnicode map; a bare CID-keyed CFF
            assert line.split()[-5:-2] == ["yes", "yes", "yes"], line
            assert "CID Type 0C " in line, line
            assert "(OT)" not in line, line
    assert "销售目标责任书" in page_text(output / "责任书" / "2023Q4-王芳.pdf")
    assert "王芳" in page_text(output / "评估单" / "2023Q4-王芳.pdf")


@pytest.mark.slow
def test_each_file_reads_and_draws_as_its_pages_of_the_combined_file(
    seed_org: Path, tmp_path: Path
) -> None:
    output = tmp_path / "out"
    run(seed_org, output)
    for kind, combined in (
        ("责任书", "责任书-2023Q4-全部.pdf"),
        ("评估单", "评估单-2023Q4-全部.pdf"),
    ):
        reader = pypdf.PdfReader(output / combined)
        starts = {item.title: reader.get_destination_page_number(item) for item in reader.outline}
        for path in sorted((output / kind).glob("*.pdf")):
            own = pypdf.PdfReader(path)
            first = starts[own.outline[0].title] + 1
            for page in range(1, len(own.pages) + 1):
                assert page_text(path, page) == page_text(output / combined, first + page - 1)
                mine = page_image(path, page, tmp_path / "mine")
                theirs = page_image(output / combined, first + page - 1, tmp_path / "theirs")
                assert ImageChops.difference(mine, theirs).getbbox() is None, (path.name, page)


@pytest.mark.slow
def test_re_run_gives_byte_identical_per_person_files(seed_org: Path, tmp_path: Path) -> None:
    history = str(tmp_path / "h.sqlite")
    run(seed_org, tmp_path / "a", "--history", history)
    run(seed_org, tmp_path / "b", "--history", history)
    first = per_person(tmp_path / "a")
    second = per_person(tmp_path / "b")
    assert [p.name for p in first] == [p.name for p in second]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
