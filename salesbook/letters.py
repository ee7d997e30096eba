"""figures.json -> one 销售目标责任书 per owner: one PDF each and one combined PDF to print them all.

All letters are laid out as one WeasyPrint document (fonts subset once, ~3x faster than one document
per letter, FIELD-NOTES); each letter is its own page group, so its pages count 第 x 页 / 共 y 页 on
their own, and the per-owner files are page ranges cut from the combined PDF.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from salesbook.config import number_format_problem
from salesbook.files import RESERVED_NAMES, UNSAFE_IN_NAMES
from salesbook.parallel import run_tasks
from salesbook.render import (
    Renderer,
    RenderError,
    concatenate_pdfs,
    page_ranges,
    split_pdf,
)
from salesbook.values import PLACEHOLDER, parse_period

__all__ = ["PLACEHOLDER"]  # the one placeholder rule (values.py), re-exported for older imports


@dataclass
class LetterTarget:
    metric: str
    dimension: str
    amount: str  # Decimal as text, as in figures.json
    unit: str | None
    share: str | None
    months: list[tuple[str, str]]  # (month label, monthly target)
    quarters: list[tuple[str, str]]  # (quarter label, its months' sum), when it spans quarters
    weekly: str | None
    daily: str | None
    standard: str | None
    deadline: str | None


@dataclass
class LetterContext:
    """Everything letter.html shows; a missing field fails a test, not on paper."""

    number: str
    company: str
    owner: str
    role: str
    region: str
    manager: str
    period: str
    start: str
    end: str
    targets: list[LetterTarget]
    reward: str
    penalty: str
    signing_date: str  # the period's first day: letters are signed when targets are agreed
    file_stem: str = ""
    pages: int = 1


def _signs(figures: dict, period: str, owner: str) -> bool:
    """Whether `owner` gets a letter for `period`: compute decides (documents.letters: people on
    the roster, never a group, region, placeholder or unknown name); the placeholder rule alone
    for a figures document made without that decision."""
    decided = (figures.get("documents") or {}).get("letters")
    if decided is not None:
        return owner in decided.get(period, [])
    return bool(owner) and not PLACEHOLDER.match(owner)


def letter_owners(document: dict) -> dict[str, list[str]]:
    """Target period -> the owners who get a letter, in order of first appearance."""
    owners: dict[str, list[str]] = defaultdict(list)
    figures = document["figures"]
    for target in figures["targets"]:
        owner = (target.get("owner") or "").strip()
        if _signs(figures, target["period"], owner) and owner not in owners[target["period"]]:
            owners[target["period"]].append(owner)
    return dict(owners)


def letter_contexts(
    document: dict, numbers: dict[tuple[str, str], int] | None = None
) -> list[LetterContext]:
    """One context per owner of a target, in order of first appearance; `numbers` maps
    (period, owner) to the document number's sequence (from the history, so it never changes)."""
    figures, config = document["figures"], document["config"]
    roster = figures.get("roster", {})
    by_owner: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for target in figures["targets"]:
        owner = (target.get("owner") or "").strip()
        if _signs(figures, target["period"], owner):
            by_owner[(target["period"], owner)].append(target)
    contexts = []
    for (label, owner), targets in by_owner.items():
        period = parse_period(label)
        person = roster.get(owner, {})
        seq = (numbers or {}).get((label, owner), len(contexts) + 1)
        pattern = config["letter_number_format"]
        # load_config already refuses these; a Config built in code is checked here as well
        if number_format_problem(pattern):
            raise RenderError(f"责任书编号格式无效：{pattern}")
        number = pattern.format(period=label, seq=seq, owner=owner)
        contexts.append(
            LetterContext(
                number=number,
                company=config["company"],
                owner=on_paper(owner, NAME_CHARS),
                role=person.get("role")
                or ("小组" if any(p.get("group") == owner for p in roster.values()) else ""),
                region=on_paper(person.get("region", ""), NAME_CHARS),
                manager=on_paper(person.get("manager", ""), NAME_CHARS),
                period=label,
                start=period.start.isoformat(),
                end=period.end.isoformat(),
                targets=[_letter_target(t, label) for t in targets],
                reward=config["letter_reward"],
                penalty=config["letter_penalty"],
                signing_date=period.start.isoformat(),
            )
        )
    return contexts


def _letter_target(target: dict, label: str) -> LetterTarget:
    # compute's split adds back to the target: the last month takes the cents, counts are whole
    months = [(m, amount) for m, amount in target.get("months") or []]
    return LetterTarget(
        metric=target["metric"],
        dimension=on_paper(target.get("dimension") or target.get("name") or "", NAME_CHARS),
        amount=target["target"],
        unit=target["unit"],
        share=target["share"],
        months=months if len(months) > 1 else [],
        quarters=[(q, amount) for q, amount in target.get("quarters") or []],
        weekly=target["weekly"],
        daily=target["daily"],
        standard=on_paper((target.get("standard") or {}).get("text")) or None,
        deadline=target.get("deadline"),
    )


# --- cell text on paper ----------------------------------------------------------------------------

PAPER_CHARS = 300  # of cell prose (a review item, a standard) in a PDF; the workbook keeps it all
NAME_CHARS = 60  # of a name or a target's dimension


def on_paper(value: object, limit: int = PAPER_CHARS) -> str:
    """A cell's text as a document prints it: cut with "…" past `limit` characters, so a
    200,000-character cell is a line or two, not 16 pages."""
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- file names -------------------------------------------------------------------------------------

MAX_NAME = 60  # characters of the owner part: whole paths stay well inside Windows' limits


def safe_name(text: str) -> str:
    """A file-name part valid on Windows and macOS: no reserved characters or names, not too long."""
    name = UNSAFE_IN_NAMES.sub("_", unicodedata.normalize("NFC", text)).strip().rstrip(". ")
    name = name[:MAX_NAME].rstrip(". ") or "_"
    return "_" + name if RESERVED_NAMES.match(name) else name


def unique_file_stems(pairs: list[tuple[str, str]]) -> list[str]:
    """`<period>-<name>` per pair, made safe and unique (a second 张伟 becomes 张伟-2).

    Uniqueness ignores case because Windows and macOS file systems do.
    """
    taken: set[str] = set()
    stems = []
    for period, name in pairs:
        stem = f"{safe_name(period)}-{safe_name(name)}"
        candidate, n = stem, 1
        while candidate.lower() in taken:
            n += 1
            candidate = f"{stem}-{n}"
        taken.add(candidate.lower())
        stems.append(candidate)
    return stems


def assign_file_stems(contexts: list[LetterContext]) -> None:
    stems = unique_file_stems([(c.period, c.owner) for c in contexts])
    for context, stem in zip(contexts, stems, strict=True):
        context.file_stem = stem


# --- rendering --------------------------------------------------------------------------------------


@dataclass
class LetterRun:
    combined: Path
    files: list[Path] = field(default_factory=list)
    pages: int = 0
    passes: int = 1


CHUNK = 100  # documents per WeasyPrint layout: ~250 MiB in its worker, however many in all


def render_letters(
    renderer: Renderer,
    contexts: list[LetterContext],
    folder: Path,
    combined: Path,
    duplex: bool = False,
    created: dt.date | None = None,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
) -> LetterRun:
    """All letters, laid out CHUNK at a time (`jobs` chunks at once); per-owner files cut from
    each chunk's PDF. `progress(n)` is called with the number of letters of each chunk done."""
    assign_file_stems(contexts)
    run = LetterRun(combined)
    if not contexts:
        return run
    combined.parent.mkdir(parents=True, exist_ok=True)
    chunks = [contexts[i : i + CHUNK] for i in range(0, len(contexts), CHUNK)]
    with tempfile.TemporaryDirectory(dir=combined.parent, prefix=".letters-") as scratch:
        parts = [
            combined if len(chunks) == 1 else Path(scratch) / f"part-{n}.pdf"
            for n in range(len(chunks))
        ]

        def chunk_task(n: int) -> Callable[[], tuple[int, int, list[Path]]]:
            def render() -> tuple[int, int, list[Path]]:
                pages, passes = _render_chunk(renderer, chunks[n], parts[n], duplex, created)
                return pages, passes, _split(parts[n], chunks[n], folder, duplex)

            return render

        results = run_tasks(
            [chunk_task(n) for n in range(len(chunks))],
            jobs,
            (lambda n: progress(len(chunks[n]))) if progress else None,
        )
        for pages, passes, files in results:
            run.pages += pages
            run.passes = max(run.passes, passes)
            run.files += files
        if len(chunks) > 1:
            concatenate_pdfs(parts, combined)
    return run


def _render_chunk(
    renderer: Renderer,
    contexts: list[LetterContext],
    path: Path,
    duplex: bool,
    created: dt.date | None,
) -> tuple[int, int]:
    """Lay out and write one document of letters; returns its page count and layout passes."""
    document = _layout(renderer, contexts, duplex, created)
    counts = _pages_per_letter(document, len(contexts))
    passes = 1
    if [c.pages for c in contexts] != counts:  # a letter ran over a page: print the right totals
        for context, count in zip(contexts, counts, strict=True):
            context.pages = count
        document = _layout(renderer, contexts, duplex, created)
        passes = 2
        if _pages_per_letter(document, len(contexts)) != counts:
            raise RenderError("责任书分页不稳定 (letter pagination did not settle)")
    renderer.write(document, path)
    pages = len(document.pages)
    if duplex and pages % 2:  # the last letter ends on a front side: give it a back
        _append_blank_page(path)
        pages += 1
    return pages, passes


def _layout(
    renderer: Renderer, contexts: list[LetterContext], duplex: bool, created: dt.date | None
):
    html = renderer.html(
        "letters.html",
        letters=contexts,
        duplex=duplex,
        created=(created or dt.date.fromisoformat(contexts[0].start)).isoformat(),
    )
    return renderer.document(html)


def _pages_per_letter(document, letters: int) -> list[int]:
    """Pages of each letter; padding pages (duplex) come after its end anchor and do not count."""
    ranges = page_ranges(document, letters, "letter-end-", ("责任书", "letters"))
    return [len(pages) for pages in ranges]


def _append_blank_page(path: Path) -> None:
    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(path))
    last = writer.pages[-1]
    writer.add_blank_page(width=last.mediabox.width, height=last.mediabox.height)
    with path.open("wb") as stream:
        writer.write(stream)


def _split(combined: Path, contexts: list[LetterContext], folder: Path, duplex: bool) -> list[Path]:
    """Each owner's pages of the combined PDF as a file of its own (padding pages left out)."""
    pieces, page = [], 0
    for context in contexts:
        pieces.append(
            (
                folder / f"{context.file_stem}.pdf",
                range(page, page + context.pages),
                context.owner,
                f"销售目标责任书 {context.number} {context.owner}",
            )
        )
        page += context.pages + (1 if duplex and context.pages % 2 else 0)
    return split_pdf(combined, pieces)
