"""Contexts of many per-person documents -> one PDF per chunk, cut into a file per person, joined.

Letters and appraisal sheets are laid out CHUNK at a time as one WeasyPrint document (fonts subset
once, ~3x faster than one document each, FIELD-NOTES); each document in it ends on an anchor, so
its pages are a range of the chunk's PDF, written out as the person's own file. The chunks' PDFs
are joined into one to print them all. Chunks are runner tasks, so `jobs` of them run at once.
"""

from __future__ import annotations

import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

from salesbook.errors import RenderError
from salesbook.files import RESERVED_NAMES, UNSAFE_IN_NAMES
from salesbook.pdf_fonts import Source as FontSource
from salesbook.pdf_fonts import resubset_fonts
from salesbook.render import Renderer
from salesbook.runner import Task, run_tasks

CHUNK = 100  # documents per WeasyPrint layout: ~250 MiB in its worker, however many in all
MAX_NAME = (
    60  # characters of the person part of a file name: paths stay well inside Windows' limits
)


class Personal(Protocol):
    """A per-person document's context: its period, whose it is, and the file stem it is given."""

    period: str
    file_stem: str

    @property
    def person(self) -> str: ...


# --- file names -------------------------------------------------------------------------------------


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


def assign_file_stems(documents: Sequence[Personal]) -> None:
    """Give each document its `<period>-<person>` file stem, unique among `documents`."""
    stems = unique_file_stems([(d.period, d.person) for d in documents])
    for document, stem in zip(documents, stems, strict=True):
        document.file_stem = stem


# --- one kind of document -----------------------------------------------------------------------


class Bundle:
    """How one kind of per-person document is laid out and cut; a subclass per kind."""

    end_prefix: ClassVar[str]  # the anchor `<end_prefix><i>` on document i's last page
    what: ClassVar[tuple[str, str]]  # the documents' name in errors, zh and en
    counts_pages: ClassVar[bool] = False  # documents print 共 y 页: lay out until counts settle
    duplex: bool = False  # each chunk's PDF padded to an even page count

    def html(self, renderer: Renderer, documents: Sequence[Any]) -> str:
        raise NotImplementedError

    def outline(self, document: Any, lang: str) -> tuple[str, str]:
        """The bookmark and the title of a document's own file."""
        raise NotImplementedError


@dataclass
class Rendered:
    """What a chunked render wrote: the combined PDF and one file per document, in order."""

    combined: Path
    files: list[Path] = field(default_factory=list)
    pages: int = 0  # of the combined PDF
    passes: int = 1  # layouts of the chunk that needed most (2: a page count changed)


@dataclass(frozen=True)
class ChunkResult:
    pages: int
    passes: int
    files: list[Path]


def render_chunk(
    renderer: Renderer, bundle: Bundle, documents: Sequence[Any], part: Path, folder: Path
) -> ChunkResult:
    """Lay out `documents` as one PDF written to `part`, and cut each one's pages into
    `folder/<file_stem>.pdf` (padding pages left out)."""
    document = renderer.document(bundle.html(renderer, documents))
    ranges = page_ranges(document, len(documents), bundle.end_prefix, bundle.what)
    passes = 1
    if bundle.counts_pages:
        counts = [len(pages) for pages in ranges]
        if [d.pages for d in documents] != counts:  # one ran over a page: print the right totals
            for item, count in zip(documents, counts, strict=True):
                item.pages = count
            document = renderer.document(bundle.html(renderer, documents))
            ranges = page_ranges(document, len(documents), bundle.end_prefix, bundle.what)
            passes = 2
            if [len(pages) for pages in ranges] != counts:
                zh, en = bundle.what
                raise RenderError(f"{zh}分页不稳定 (pagination of the {en} did not settle)")
    renderer.write(document, part)
    pages = len(document.pages)
    if bundle.duplex and pages % 2:  # the last document ends on a front side: give it a back
        _append_blank_page(part)
        pages += 1
    pieces = [
        (folder / f"{item.file_stem}.pdf", pages_of, *bundle.outline(item, renderer.lang))
        for item, pages_of in zip(documents, ranges, strict=True)
    ]
    return ChunkResult(pages, passes, split_pdf(part, pieces))


@dataclass
class ChunkPlan:
    """The chunks of one chunked render, as runner tasks; `finish` joins their results."""

    combined: Path
    tasks: list[Task[ChunkResult]]
    sizes: list[int]  # documents per task
    parts: list[Path]

    def finish(self, results: Sequence[ChunkResult]) -> Rendered:
        """The chunks' PDFs joined into `combined` (one chunk was written there already)."""
        if len(self.parts) > 1:
            concatenate_pdfs(self.parts, self.combined)
        rendered = Rendered(self.combined)
        for result in results:
            rendered.pages += result.pages
            rendered.passes = max(rendered.passes, result.passes)
            rendered.files += result.files
        return rendered


def plan_chunks(
    renderer: Renderer,
    bundle: Bundle,
    documents: Sequence[Personal],
    folder: Path,
    combined: Path,
    scratch: Path,
) -> ChunkPlan:
    """One task per CHUNK documents, each writing its part (in `scratch` when there are several)."""
    if not all(d.file_stem for d in documents):
        assign_file_stems(documents)
    combined.parent.mkdir(parents=True, exist_ok=True)
    chunks = [documents[i : i + CHUNK] for i in range(0, len(documents), CHUNK)]
    parts = [
        combined if len(chunks) == 1 else scratch / f"part-{n}.pdf" for n in range(len(chunks))
    ]
    tasks = []
    for n, (chunk, part) in enumerate(zip(chunks, parts, strict=True)):
        label = combined.name
        if len(chunks) > 1:
            first, last = n * CHUNK + 1, n * CHUNK + len(chunk)
            label += f"（第 {first}–{last} 份 / documents {first}–{last}）"
        tasks.append(
            Task(
                render_chunk,
                (renderer, bundle, chunk, part, folder),
                label=label,
                reads=renderer.reads(),
                writes=combined.parent,  # part, scratch and folder are all inside it
            )
        )
    return ChunkPlan(combined, tasks, [len(chunk) for chunk in chunks], parts)


def render_chunked(
    renderer: Renderer,
    bundle: Bundle,
    documents: Sequence[Personal],
    folder: Path,
    combined: Path,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
) -> Rendered:
    """All `documents` into `combined` and one file each in `folder`, CHUNK per layout, `jobs`
    chunks at once; `progress(n)` with the number of documents of each chunk done."""
    assign_file_stems(documents)
    if not documents:
        return Rendered(combined)
    combined.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=combined.parent, prefix=".chunks-") as scratch:
        plan = plan_chunks(renderer, bundle, documents, folder, combined, Path(scratch))
        results = run_tasks(
            plan.tasks, jobs, (lambda n: progress(plan.sizes[n])) if progress else None
        )
        return plan.finish(results)


# --- PDF pages ----------------------------------------------------------------------------------


def page_ranges(document: Any, count: int, end_prefix: str, what: tuple[str, str]) -> list[range]:
    """The pages of each of `count` documents laid out in one: from its bookmarked (level 1) first
    page to the page holding its anchor `<end_prefix><i>`. Padding after the anchor is left out.

    `what` names the documents in the error, in Chinese and English: ("责任书", "letters").
    """
    starts = [
        i
        for i, page in enumerate(document.pages)
        if any(level == 1 for level, *_ in page.bookmarks)
    ]
    ends = {
        name: i
        for i, page in enumerate(document.pages)
        for name in page.anchors
        if name.startswith(end_prefix)
    }
    if len(starts) != count or len(ends) != count:
        zh, en = what
        raise RenderError(f"{zh}数量与书签不符 ({len(starts)} bookmarks for {count} {en})")
    return [range(start, ends[f"{end_prefix}{i}"] + 1) for i, start in enumerate(starts)]


def split_pdf(combined: Path, pieces: list[tuple[Path, range, str, str]]) -> list[Path]:
    """Cut `combined` into files: for each (path, pages, bookmark, title), those pages with one
    bookmark to the first page and the title in the metadata, and fonts cut down to the glyphs
    of those pages (a one-page letter ~40 KB instead of the chunk's ~400 KB of fonts)."""
    import pypdf

    reader = pypdf.PdfReader(combined)
    fonts: dict[str, FontSource] = {}  # the chunk's fonts, parsed once for all its files
    files = []
    for path, pages, bookmark, title in pieces:
        writer = pypdf.PdfWriter()
        for index in pages:
            writer.add_page(reader.pages[index])
        resubset_fonts(list(writer.pages), fonts)
        writer.add_outline_item(title=bookmark, page_number=0)
        writer.add_metadata({"/Title": title})
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as stream:
            writer.write(stream)
        files.append(path)
    return files


def concatenate_pdfs(parts: list[Path], combined: Path) -> None:
    """Chunks rendered separately as one PDF for one print job, their bookmarks kept."""
    import pypdf

    writer = pypdf.PdfWriter()
    for part in parts:
        writer.append(part)
    with combined.open("wb") as stream:
        writer.write(stream)


def _append_blank_page(path: Path) -> None:
    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(path))
    last = writer.pages[-1]
    writer.add_blank_page(width=last.mediabox.width, height=last.mediabox.height)
    with path.open("wb") as stream:
        writer.write(stream)
