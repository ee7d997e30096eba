"""figures.json -> one context per document -> Jinja2 HTML -> PDF through WeasyPrint.

Rendering reads only the figures document and the template folders: it never opens a workbook,
fetches nothing from the network and no file outside the template folders. Before any PDF is made,
the installed CJK font is checked to cover every character, and WeasyPrint's own warnings (a missing
glyph, a refused resource) stop the run instead of printing boxes.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

import jinja2

from salesbook.errors import SalesbookError

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
FONT_FAMILIES = ("Noto Sans CJK SC", "Noto Serif CJK SC")  # the families print.css asks for
FONT_PACKAGE = "fonts-noto-cjk"


class RenderError(SalesbookError):
    """A document cannot be rendered faithfully (missing glyphs, a forbidden resource)."""


# --- values as printed ---------------------------------------------------------------------------


def money_text(value: object, unit: str = "元", places: int = 2) -> str:
    """`"400000"` -> `400,000.00 元` (or `40.00 万元`); None -> an em dash."""
    if value in (None, ""):
        return "—"
    amount = Decimal(str(value))
    if unit == "万元":
        amount /= 10_000
    quantum = Decimal(1).scaleb(-places)
    return f"{amount.quantize(quantum, rounding=ROUND_HALF_UP):,} {unit}"


def count_text(value: object, places: int = 0) -> str:
    if value in (None, ""):
        return "—"
    amount = Decimal(str(value))
    if amount == amount.to_integral_value():
        return f"{amount:,.0f}"
    return f"{amount.quantize(Decimal(1).scaleb(-max(places, 2)), rounding=ROUND_HALF_UP):,}"


def percent_text(value: object) -> str:
    """A ratio string `"1.1"` -> `110.0%` (SPEC §3: one decimal)."""
    if value in (None, ""):
        return "—"
    share = Decimal(str(value)) * 100
    return f"{share.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def capital_text(value: object) -> str:
    """Money in capital numerals for contracts: 400000 -> 肆拾万元整 (cn2an, SPEC §2)."""
    if value in (None, ""):
        return "—"
    import cn2an

    return cn2an.an2cn(str(Decimal(str(value)).quantize(Decimal("0.01"))), "rmb")


def date_text(value: object, lang: str = "zh") -> str:
    if value in (None, ""):
        return "—"
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    return f"{day.year}年{day.month}月{day.day}日" if lang != "en" else day.isoformat()


# --- environment ------------------------------------------------------------------------------------


def template_dirs(folder: Path | None, override: Path | None) -> list[Path]:
    """Where templates are looked up, first match wins: --templates, FOLDER/templates, built-in."""
    dirs = [d for d in (override, folder / "templates" if folder else None) if d and d.is_dir()]
    return [*dirs, TEMPLATES]


def environment(dirs: list[Path], lang: str, money_unit: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(d)) for d in dirs]),
        autoescape=True,  # workbook text is always text: <script> prints as those characters
        undefined=jinja2.StrictUndefined,  # a missing figure fails a test, not on paper
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        money=lambda v, places=2: money_text(v, money_unit, places),
        yuan=lambda v: money_text(v, "元"),
        count=count_text,
        pct=percent_text,
        capital=capital_text,
        date=lambda v: date_text(v, lang),
    )
    env.globals["lang"] = lang
    return env


# --- fonts -------------------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def font_coverage(family: str) -> tuple[str, frozenset[int]]:
    """The font file fontconfig picks for `family`, and the code points it covers."""
    if not shutil.which("fc-match"):
        raise RenderError(
            f"找不到 fontconfig（fc-match），请安装 fontconfig 与 {FONT_PACKAGE} "
            f"(fontconfig not found; install fontconfig and {FONT_PACKAGE})"
        )
    found = subprocess.run(
        ["fc-match", "-f", "%{file}|%{index}|%{family}", family],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    path, _, rest = found.partition("|")
    index, _, families = rest.partition("|")
    if not path or family.lower() not in families.lower():
        return path, frozenset()  # fontconfig substituted another family: it does not exist here
    from fontTools.ttLib import TTFont

    with TTFont(path, fontNumber=int(index or 0), lazy=True) as font:
        return path, frozenset(font.getBestCmap())


def missing_characters(texts: Iterable[str]) -> list[str]:
    """Characters of `texts` that the CJK fonts of the stylesheet cannot print."""
    covered: set[int] = set()
    for family in FONT_FAMILIES:
        covered |= font_coverage(family)[1]
    seen: set[str] = set()
    for text in texts:
        seen.update(text)
    return sorted(
        ch for ch in seen if ord(ch) not in covered and ch.isprintable() and not ch.isspace()
    )


def check_fonts(texts: Iterable[str]) -> None:
    missing = missing_characters(texts)
    if missing:
        shown = "".join(missing[:40]) + ("…" if len(missing) > 40 else "")
        raise RenderError(
            f"已安装的字体无法显示这些字符：{shown}。请安装 {FONT_PACKAGE}（apt-get install "
            f"{FONT_PACKAGE}）后重试。(The installed fonts cannot print: {shown}; install "
            f"{FONT_PACKAGE}.)"
        )


def check_fast_subsetting() -> None:
    """WeasyPrint falls back to fontTools (~48x slower) without HarfBuzz's subset library."""
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    if harfbuzz_subset is None or not harfbuzz.hb_version_atleast(4, 1, 0):
        raise RenderError(
            "缺少 HarfBuzz 字体子集库，生成 PDF 会慢约 48 倍：请安装 libharfbuzz-subset0 "
            "(libharfbuzz-subset0 is missing; PDFs would be ~48x slower)"
        )


# --- WeasyPrint --------------------------------------------------------------------------------------


class _Warnings(logging.Handler):
    """Collects what WeasyPrint logs; by default its logger has only a NullHandler."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def weasyprint_warnings_as_errors() -> Iterator[None]:
    logger = logging.getLogger("weasyprint")
    handler = _Warnings()
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    serious = [m for m in handler.messages if not _harmless(m)]
    if serious:
        raise RenderError("PDF 渲染出现问题 (rendering problems): " + "；".join(serious[:5]))


def _harmless(message: str) -> bool:
    """CSS WeasyPrint ignores on purpose (vendor prefixes) is not a problem in a document."""
    return bool(re.search(r"Ignored `.*-webkit-|unknown property", message))


def url_fetcher(allowed: list[Path]):
    """A fetcher that serves data: URLs and files inside `allowed`, and refuses everything else."""
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    roots = [d.resolve() for d in allowed]

    class Restricted(URLFetcher):
        def fetch(self, url: str, headers: dict | None = None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith("file://"):
                path = Path(url[len("file://") :].split("?")[0].split("#")[0]).resolve()
                if any(path.is_relative_to(root) for root in roots) and path.is_file():
                    return super().fetch(url, headers)
            raise FatalURLFetchingError(
                f"模板请求了不允许的资源：{url}（只能使用模板文件夹内的文件）"
                f" (a template asked for {url}; only files inside the template folders are allowed)"
            )

    return Restricted(allowed_protocols=("data", "file"), timeout=1)


class Renderer:
    """One environment, one parsed stylesheet and one FontConfiguration for every document."""

    def __init__(self, dirs: list[Path], lang: str = "zh", money_unit: str = "元") -> None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        check_fast_subsetting()
        self.dirs = dirs
        self.lang = lang
        self.env = environment(dirs, lang, money_unit)
        self.fetcher = url_fetcher(dirs)
        self.fonts = FontConfiguration()
        stylesheet = next((d / "print.css" for d in dirs if (d / "print.css").is_file()), None)
        if stylesheet is None:
            raise RenderError("找不到样式表 print.css (print.css not found)")
        with weasyprint_warnings_as_errors():
            self.css = CSS(
                filename=str(stylesheet), font_config=self.fonts, url_fetcher=self.fetcher
            )

    def html(self, template: str, **context: object) -> str:
        try:
            return self.env.get_template(template).render(**context)
        except jinja2.TemplateNotFound as error:
            raise RenderError(f"找不到模板 {error.name} (template not found)") from error
        except jinja2.UndefinedError as error:
            raise RenderError(f"模板 {template} 用到了不存在的数据：{error}") from error

    def document(self, html: str):
        """Lay out `html` (fonts checked first); WeasyPrint warnings become errors."""
        from weasyprint import HTML
        from weasyprint.urls import FatalURLFetchingError

        check_fonts([_visible_text(html)])
        try:
            with weasyprint_warnings_as_errors():
                return HTML(
                    string=html, base_url=str(self.dirs[0]) + "/", url_fetcher=self.fetcher
                ).render(stylesheets=[self.css], font_config=self.fonts)
        except FatalURLFetchingError as error:
            raise RenderError(str(error.__cause__ or error)) from error

    def write(self, document, path: Path) -> None:
        with weasyprint_warnings_as_errors():
            document.write_pdf(path)


_TAGS = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.DOTALL | re.IGNORECASE)


def _visible_text(html: str) -> str:
    """The text a reader will see (tags stripped, entities decoded), for the font check."""
    import html as html_module

    return html_module.unescape(_TAGS.sub(" ", html))


def concatenate_pdfs(parts: list[Path], combined: Path) -> None:
    """Chunks rendered separately as one PDF for one print job, their bookmarks kept."""
    import pypdf

    writer = pypdf.PdfWriter()
    for part in parts:
        writer.append(part)
    writer._ID = None  # no random file identifier: same inputs, same bytes
    with combined.open("wb") as stream:
        writer.write(stream)


def page_ranges(document, count: int, end_prefix: str, what: tuple[str, str]) -> list[range]:
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
    bookmark to the first page and the title in the metadata."""
    import pypdf

    reader = pypdf.PdfReader(combined)
    files = []
    for path, pages, bookmark, title in pieces:
        writer = pypdf.PdfWriter()
        for index in pages:
            writer.add_page(reader.pages[index])
        writer.add_outline_item(title=bookmark, page_number=0)
        writer.add_metadata({"/Title": title})
        writer._ID = None  # no random file identifier: same inputs, same bytes
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as stream:
            writer.write(stream)
        files.append(path)
    return files
