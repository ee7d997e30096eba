"""`--lang en`: every PDF is English throughout (issue 13 §4).

The folder here is typed in English (headers, names, roles, regions, the company), so any CJK
character in an English PDF is salesbook's own wording, never a value from a workbook.
"""

from __future__ import annotations

import re
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import TODAY, headers, write_book

from salesbook.cli import cli
from salesbook.config import Config
from salesbook.contexts.letters import letter_clause
from salesbook.shown import capital_text, date_text, english_amount, money_text
from salesbook.words import say

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")

ROSTER = [
    ["Grace Wong", "S000", "Sales Director", "", "", "", "2019-01-01", "", "Active"],
    ["Mark Lee", "S001", "Regional Manager", "East", "East One", "Grace Wong", "2020-03-01", "",
     "Active"],
    ["Amy Chen", "S002", "Sales Rep", "East", "East One", "Mark Lee", "2021-05-01", "", "Active"],
    ["Tom Hall", "S003", "Sales Rep", "East", "East One", "Mark Lee", "2022-07-01", "", "Active"],
]  # fmt: skip


def english_org(folder: Path) -> Path:
    """A small organisation typed entirely in English: targets with a breakdown by region,
    product and person, an appraisal, a follow-up log and a health workbook."""
    overall = "Quarterly sales 1000000"
    write_book(
        folder / "targets.xlsx",
        {
            "Overall": (
                headers("target_overall", "en"),
                [
                    ["Quarterly sales", "1000000", "yuan", "2023Q4", "2023-10-01", "2023-12-31"],
                    ["New customers", "30", "", "2023Q4", "2023-10-01", "2023-12-31"],
                ],
            ),
            "Breakdown": (
                headers("target_breakdown", "en")[:6],
                [
                    [overall, "Region-East", "400000", "Mark Lee", "2023-12-31", "monthly >= 133k"],
                    [overall, "Product-Alpha", "600000", "Mark Lee", "2023-12-31", ""],
                    [overall, "Individual-Amy Chen", "300000", "Amy Chen", "2023-12-31", ""],
                    [overall, "Individual-Tom Hall", "133333.33", "Tom Hall", "2023-12-31", ""],
                    ["New customers 30", "Individual-Amy Chen", "8", "Amy Chen", "2023-12-31", ""],
                ],
            ),
            "Roster": (headers("roster", "en"), ROSTER),
        },
    )
    write_book(
        folder / "appraisal.xlsx",
        {
            "Appraisal": (
                headers("appraisal", "en")[:9],
                [
                    ["Amy Chen", "300000", "330000", "110%", "10", "90%", 92, "Excellent",
                     "Grow the large accounts"],
                    ["Tom Hall", "133333.33", "100000", "75%", "6", "75%", 75, "Needs work",
                     "Qualify needs earlier"],
                ],
            )
        },
    )  # fmt: skip
    write_book(
        folder / "follow-ups.xlsx",
        {
            "Log": (
                headers("follow_up", "en", ["customer", "owner", "date", "channel", "summary",
                                            "feedback", "next_action", "due", "stage", "entered"]),
                [
                    ["Acme Ltd", "Amy Chen", "2023-10-10", "Phone", "Asked for specs", "Custom",
                     "Send a quote", "2023-10-15", "", "2023-10-10"],
                    ["Beta Co", "Tom Hall", "2023-10-11", "Visit", "Demo of Alpha", "Price",
                     "Compare rivals", "2023-10-20", "", "2023-10-16"],
                ],
            )
        },
    )  # fmt: skip
    write_book(
        folder / "health.xlsx",
        {
            "Monitoring": (
                headers("health_monitoring", "en"),
                [
                    ["Efficiency", "Sales cycle", "<=90 days", ">120 days", "Shorten the demo"],
                    ["Quality", "Needs match", ">=80%", "<60%", "Train on diagnosis"],
                ],
            ),
            "Data": (
                headers("health_data", "en", ["period", "indicator", "value"]),
                [
                    ["2023Q3", "Sales cycle", "95 days"],
                    ["2023-10", "Sales cycle", "85 days"],
                    ["2023-10", "Needs match", "70%"],
                ],
            ),
        },
    )
    (folder / "salesbook.toml").write_text('company = "Example Trading Ltd"\n', encoding="utf-8")
    return folder


def pdf_text(path: Path) -> str:
    """The PDF's text in reading order, runs of white space made one space."""
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(out.stdout.split())


@pytest.fixture(scope="module")
def english_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("english")
    folder = english_org(base / "workbooks")
    output = base / "out"
    result = CliRunner().invoke(
        cli,
        ["run", str(folder), "-o", str(output), "--today", TODAY, "--period", "2023Q4",
         "--lang", "en"],
    )  # fmt: skip
    assert result.exit_code in (0, 1), (result.output, result.exception)
    return output


def kinds(output: Path) -> dict[str, list[Path]]:
    return {
        "letters": sorted((output / "letters").glob("*.pdf")),
        "appraisal": sorted((output / "appraisal").glob("*.pdf")),
        "review": sorted(output.glob("review-*.pdf")),
        "health": sorted(output.glob("health-*.pdf")),
        "combined": sorted(output.glob("*-all.pdf")),
    }


@pytest.mark.slow
def test_every_english_document_has_no_chinese(english_run: Path) -> None:
    found = kinds(english_run)
    assert all(found.values()), found  # each kind of document was made
    for files in found.values():
        for path in files:
            text = pdf_text(path)
            stray = [text[max(0, m.start() - 30) : m.end() + 30] for m in CJK.finditer(text)]
            assert not stray, (path.name, stray[:10])


@pytest.mark.slow
def test_english_letter_reads_as_english(english_run: Path) -> None:
    text = pdf_text(english_run / "letters" / "2023Q4-Tom Hall.pdf")
    assert "Example Trading Ltd (represented by Mark Lee)" in text  # a space, ASCII brackets
    assert "Tom Hall (Sales Rep, East)" in text
    assert "CNY 133,333.33" in text
    assert "One hundred thirty-three thousand three hundred thirty-three and 33/100" in text
    assert "1 Oct 2023 — 31 Dec 2023 (2023Q4)" in text
    assert "Individual: Tom Hall" in text
    assert say("letter.reward", "en") in text
    assert say("letter.penalty", "en") in text


@pytest.mark.slow
def test_english_reports_show_money_and_dates_in_english(english_run: Path) -> None:
    review = pdf_text(english_run / "review-2023Q4.pdf")
    assert "CNY 400,000.00" in review
    assert re.search(
        r"As of \d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) 20\d\d", review
    )
    assert not re.search(r"\d{4}-\d{2}-\d{2}", review)  # no ISO dates left in English prose
    sheet = pdf_text(english_run / "appraisal" / "2023Q4-Amy Chen.pdf")
    assert "CNY 300,000.00" in sheet
    assert "CNY 330,000.00" in sheet
    health = pdf_text(english_run / "health-2023Q4.pdf")
    assert "entered for 2023-10" in health


def test_money_words_and_dates_in_english() -> None:
    assert money_text("400000", "元", lang="en") == "CNY 400,000.00"
    assert money_text("400000", "万元", lang="en") == "CNY 40.00 ×10k"
    assert money_text("400000") == "400,000.00 元"  # Chinese unchanged
    assert capital_text("400000") == "肆拾万元整"
    assert capital_text("400000", "en") == "Four hundred thousand yuan only"
    assert english_amount(Decimal("1000015.05")) == ("One million fifteen and 05/100 yuan only")
    assert date_text("2026-09-30", "en") == "30 Sep 2026"
    assert date_text("2026-09-30") == "2026年9月30日"


def test_clauses_default_to_english_unless_the_admin_wrote_their_own() -> None:
    config = Config().as_dict()
    # words.py's Chinese clause is the settings' default, so a default left alone is recognised
    assert say("letter.reward", "zh") == config["letter_reward"]
    assert say("letter.penalty", "zh") == config["letter_penalty"]
    assert letter_clause(config, "reward", "en") == say("letter.reward", "en")
    assert letter_clause(config, "reward", "zh") == config["letter_reward"]
    own = {**config, "letter_reward": "年终奖翻倍。"}
    assert letter_clause(own, "reward", "en") == "年终奖翻倍。"  # the admin's words, as written


@pytest.mark.slow
def test_english_letters_and_sheets_of_the_sample_keep_to_one_page(tmp_path: Path) -> None:
    """English words run longer than Chinese: every letter and appraisal sheet of the sample
    folder (two targets per letter, long standards) still fits its one page, signatures and all."""
    import pypdf

    sample = Path(__file__).resolve().parent.parent / "workbooks"
    output = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", str(sample), "-o", str(output), "--lang", "en"])
    assert result.exit_code in (0, 1), result.output
    pages = {
        path.relative_to(output).as_posix(): len(pypdf.PdfReader(path).pages)
        for folder in ("letters", "appraisal")
        for path in (output / folder).glob("*.pdf")
    }
    assert len(pages) > 20
    assert {name: count for name, count in pages.items() if count != 1} == {}
