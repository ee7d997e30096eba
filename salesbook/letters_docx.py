"""Letter contexts -> an editable Word copy of each 销售目标责任书 and one combined .docx.

Each letter is the Word template (`letter.docx`, `letter-en.docx` with --lang en) filled in by
docxtpl with the same sandboxed Jinja2 environment and filters as the HTML (render.py: a company's
template is data, never code), looked up the same way: the admin's templates folder first, then
the built-in one, a symlink or a path leaving them refused.

The combined file is composed from the letters as rendered, each in its own section (a section
break starts a new page, and the page numbers count each letter on its own), so it works with any
template written for one `letter`, a company's included, and holds exactly the per-owner files.
A .docx is a zip: its entries are written in a fixed order with one fixed timestamp, and the
document dates are the period's first day (as the PDFs' creation date), so a re-run gives the
same bytes.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import io
import re
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SecurityError
from markupsafe import Markup

from salesbook.chunks import CHUNK, assign_file_stems
from salesbook.contexts.letters import LetterContext
from salesbook.errors import RenderError, SalesbookError
from salesbook.files import write_atomically
from salesbook.render import environment, template_file
from salesbook.runner import Task, run_tasks
from salesbook.shown import count_text, money_text

TEMPLATE_NAMES = {"zh": "letter.docx", "en": "letter-en.docx"}
TEMPLATE_STAMP = dt.datetime(2026, 1, 1, 9, 0)  # the built-in templates' own dates (samples/)
_FIRST = ("[Content_Types].xml", "_rels/.rels")  # where Word and other readers look first
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def stable_docx(data: bytes, stamp: dt.datetime) -> bytes:
    """The package `data` written again with fixed entry order, timestamps and attributes
    (python-docx stamps every entry with the clock)."""
    stamp_tuple = stamp.timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        names = source.namelist()
        ordered = [n for n in _FIRST if n in names] + sorted(n for n in names if n not in _FIRST)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for name in ordered:
                info = zipfile.ZipInfo(name, date_time=stamp_tuple)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 3  # the same bytes whichever system writes them
                info.external_attr = 0o600 << 16
                target.writestr(info, source.read(name))
    return out.getvalue()


def find_template(dirs: list[Path], lang: str) -> Path:
    """The Word template for `lang`, first match in `dirs`; one that is a symlink leading out of
    the template folders (or anything not a regular file inside them) is refused."""
    name = TEMPLATE_NAMES.get(lang, TEMPLATE_NAMES["zh"])
    real = template_file(dirs, name)
    if real is None:
        raise RenderError(f"找不到模板 {name} (template not found)")
    return real


class DocxRenderer:
    """One template, read once, and one sandboxed environment for every letter."""

    def __init__(self, dirs: list[Path], lang: str = "zh", money_unit: str = "元") -> None:
        self.dirs = dirs
        self.money_unit = money_unit
        self.path = find_template(dirs, lang)
        self.template = self.path.read_bytes()
        self.lang = lang
        # The HTML environment's sandbox, filters and StrictUndefined; no block trimming, which
        # would eat the line ends docxtpl relies on between paragraphs.
        base = environment(dirs, lang, money_unit)
        self.env = base.overlay(trim_blocks=False, lstrip_blocks=False, finalize=_xml_text)
        self.env.filters["figure"] = lambda value, target: _figure_text(
            value, target, money_unit, lang
        )
        self._compiled: dict[str, jinja2.Template] = {}

    def __reduce__(self) -> tuple[type[DocxRenderer], tuple[list[Path], str, str]]:
        # A task sent to another process or machine carries the settings; the template is
        # read and the environment built again there (as render.Renderer).
        return (DocxRenderer, (self.dirs, self.lang, self.money_unit))

    def reads(self) -> dict[Path, tuple[str, ...] | None]:
        """The template folders, whole: what a task writing letters reads (runner.Task)."""
        return dict.fromkeys(self.dirs)

    def render(self, letter: LetterContext) -> Any:
        """The letter as a python-docx Document, dated the period's first day."""
        template = _template_class()(io.BytesIO(self.template))
        template.compiled = self._compiled
        try:
            template.render({"letter": letter, "lang": self.lang}, jinja_env=self.env)
        except SalesbookError:
            raise
        except SecurityError as error:
            raise RenderError(
                f"模板 {self.path.name} 试图访问不允许的内容，已拒绝：{error}"
                f" (template {self.path.name} tried something the sandbox forbids)"
            ) from error
        except jinja2.UndefinedError as error:
            raise RenderError(f"模板 {self.path.name} 用到了不存在的数据：{error}") from error
        except jinja2.TemplateSyntaxError as error:
            raise RenderError(
                f"模板 {self.path.name} 有语法错误：{error.message}"
                f" (template syntax error in {self.path.name})"
            ) from error
        except Exception as error:  # a broken package, XML the template made invalid
            raise RenderError(
                f"模板 {self.path.name} 无法生成 Word 文件："
                f"{type(error).__name__}: {' '.join(str(error).split())}"
                f" (template {self.path.name} failed)"
            ) from error
        document = template.docx
        _date(document, letter, self.lang)
        return document


@functools.cache
def _template_class() -> Any:
    """docxtpl's DocxTemplate compiling each part's Jinja source once per renderer rather than
    once per letter (the source is the same for every letter; compiling is most of the time).
    `render_xml_part` as in docxtpl 0.20 (pinned), the compiled template looked up first.
    Made on first use: docxtpl is imported only when Word copies are written."""
    from docxtpl import DocxTemplate

    class CachedTemplate(DocxTemplate):
        compiled: dict[str, jinja2.Template]

        def render_xml_part(self, src_xml, part, context, jinja_env=None):
            src_xml = re.sub(r"<w:p([ >])", r"\n<w:p\1", src_xml)
            compiled = self.compiled.get(src_xml)
            if compiled is None:
                compiled = self.compiled[src_xml] = jinja_env.from_string(src_xml)
            self.current_rendering_part = part
            dst_xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", compiled.render(context))
            for escaped, tag in (("{_{", "{{"), ("}_}", "}}"), ("{_%", "{%"), ("%_}", "%}")):
                dst_xml = dst_xml.replace(escaped, tag)
            return self.resolve_listing(dst_xml)

    return CachedTemplate


# Characters XML 1.0 cannot hold, and those docxtpl turns into breaks (\a paragraph, \f page):
# a workbook cell's stray control character must neither break the file nor its layout.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(value: object) -> object:
    """Every printed value, as text a .docx can hold (markup the template made is left alone)."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return _NOT_IN_XML.sub("", value)
    return value


def _figure_text(value: object, target: Any, money_unit: str, lang: str) -> str:
    if value in (None, ""):
        return "—"
    if getattr(target, "unit", None) == "元":
        return money_text(value, money_unit, 2, lang)
    return f"{count_text(value)} {getattr(target, 'unit_text', '')}".rstrip()


def _date(document: Any, letter: LetterContext, lang: str) -> None:
    """Document properties that would otherwise carry the clock or the template's own."""
    day = dt.datetime.combine(dt.date.fromisoformat(letter.start), dt.time())
    core = document.core_properties
    core.created = core.modified = day
    core.last_printed = day
    core.last_modified_by = "salesbook"
    core.revision = 1
    what = "Sales Target Responsibility Letter" if lang == "en" else "销售目标责任书"
    core.title = f"{what} {letter.number} {letter.owner}"


def _save(document: Any, path: Path, stamp: dt.datetime) -> None:
    buffer = io.BytesIO()
    document.save(buffer)
    data = stable_docx(buffer.getvalue(), stamp)

    def write(temporary: Path) -> None:
        temporary.write_bytes(data)

    write_atomically(path, write)


def _next_section(body: Any) -> None:
    """End the letter so far with a section break (a new page; page numbers restart when the
    template's section says so): a copy of the body's section properties in its last paragraph."""
    final = body.find(f"{_W}sectPr")
    if final is None:
        return
    children = [child for child in body if child is not final]
    last = children[-1] if children else None
    if last is None or last.tag != f"{_W}p":  # a table last: Word wants a paragraph after it
        from docx.oxml import OxmlElement

        last = OxmlElement("w:p")
        final.addprevious(last)
    properties = last.find(f"{_W}pPr")
    if properties is None:
        from docx.oxml import OxmlElement

        properties = OxmlElement("w:pPr")
        last.insert(0, properties)
    for old in properties.findall(f"{_W}sectPr"):
        properties.remove(old)
    section = copy.deepcopy(final)
    for kind in section.findall(f"{_W}type"):  # continuous would not start a new page
        section.remove(kind)
    change = properties.find(f"{_W}pPrChange")
    if change is not None:
        change.addprevious(section)
    else:
        properties.append(section)


def _pages_per_section(document: Any) -> None:
    """Headers and footers of the combined file count each letter's pages (SECTIONPAGES), not the
    whole file's (NUMPAGES, right in a letter's own file). Word and WPS show it; LibreOffice (7.4)
    shows the value stored in the field, the count of a one-page letter."""
    for part in document.part.package.iter_parts():
        if not str(part.partname).startswith(("/word/header", "/word/footer")):
            continue
        element = getattr(part, "element", None)
        if element is None:
            continue
        for simple in element.iter(f"{_W}fldSimple"):
            instruction = simple.get(f"{_W}instr") or ""
            simple.set(f"{_W}instr", instruction.replace("NUMPAGES", "SECTIONPAGES"))
        for text in element.iter(f"{_W}instrText"):
            text.text = (text.text or "").replace("NUMPAGES", "SECTIONPAGES")


def _append(master: Any, document: Any) -> None:
    """`document`'s body after `master`'s, on a new page. Both come from the same template, so
    their styles, numbering and relationships (header, letterhead image) are the same."""
    body = master.element.body
    _next_section(body)
    final = body.find(f"{_W}sectPr")
    for child in document.element.body:
        if child.tag != f"{_W}sectPr":
            final.addprevious(child)  # moved, not copied: the letter is not used again


@dataclass
class DocxWritten:
    combined: Path
    files: list[Path] = field(default_factory=list)


def write_letter_docx(
    renderer: DocxRenderer,
    contexts: Sequence[LetterContext],
    folder: Path,
    combined: Path,
    progress: Callable[[int], None] | None = None,
    jobs: int = 1,
) -> DocxWritten:
    """`folder/<file stem>.docx` per letter (the same stem as its PDF) and all of them in
    `combined`, a page break (a new section) between letters. CHUNK letters a task, `jobs` at
    once (on the run's executor); each task joins its own letters, and here the chunks are
    joined in order: the same file as joining letter by letter."""
    written = DocxWritten(combined)
    if not contexts:
        return written
    if not all(c.file_stem for c in contexts):
        assign_file_stems(contexts)
    folder.mkdir(parents=True, exist_ok=True)
    chunks = [contexts[i : i + CHUNK] for i in range(0, len(contexts), CHUNK)]
    with tempfile.TemporaryDirectory(dir=combined.parent, prefix=".docx-") as scratch:
        parts = [Path(scratch) / f"part-{n}.docx" for n in range(len(chunks))]
        tasks = [
            Task(
                write_docx_chunk,
                (renderer, chunk, folder, part),
                label=f"{combined.name}（{chunk[0].file_stem}…）",
                reads=renderer.reads(),
                writes=combined.parent,  # folder and the scratch parts are inside it
            )
            for chunk, part in zip(chunks, parts, strict=True)
        ]
        done = (lambda n: progress(len(chunks[n]))) if progress else None
        for files in run_tasks(tasks, jobs, done):
            written.files += files
        master = _opened(parts[0])
        for part in parts[1:]:
            _append(master, _opened(part))
    first = contexts[0]
    if len(contexts) > 1:
        _pages_per_section(master)
    core = master.core_properties
    core.title = (
        f"Sales target responsibility letters {first.period}"
        if renderer.lang == "en"
        else f"销售目标责任书 {first.period} 全部"
    )
    _save(master, combined, _stamp(first))
    return written


def write_docx_chunk(
    renderer: DocxRenderer, contexts: Sequence[LetterContext], folder: Path, part: Path
) -> list[Path]:
    """Each letter as `folder/<file stem>.docx`, and all of them joined in `part`."""
    stamp = _stamp(contexts[0])
    master = None
    files = []
    for letter in contexts:
        path = folder / f"{letter.file_stem}.docx"
        document = renderer.render(letter)
        _save(document, path, stamp)
        files.append(path)
        if master is None:
            master = document
        else:
            _append(master, document)
    assert master is not None  # a chunk is never empty
    _save(master, part, stamp)
    return files


def _stamp(letter: LetterContext) -> dt.datetime:
    """Every file of a period's letters is dated its first day: equal letters, equal bytes."""
    return dt.datetime.combine(dt.date.fromisoformat(letter.start), dt.time())


def _opened(path: Path) -> Any:
    import docx

    return docx.Document(str(path))


def combined_name(period: str, lang: str) -> str:
    return f"letters-{period}-all.docx" if lang == "en" else f"责任书-{period}-全部.docx"
