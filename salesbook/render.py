"""figures.json -> one context per document -> Jinja2 HTML -> PDF through WeasyPrint.

Rendering reads only the figures document and the template folders: it never opens a workbook,
fetches nothing from the network and no file outside the template folders. Before any PDF is made,
the installed CJK font is checked to cover every character, and WeasyPrint's own warnings (a missing
glyph, a refused resource) stop the run instead of printing boxes.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from salesbook.errors import RenderError, SalesbookError
from salesbook.fonts import check_fast_subsetting, check_fonts
from salesbook.shown import (
    capital_text,
    count_text,
    date_text,
    money_text,
    number_text,
    percent_text,
)

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


# --- environment ------------------------------------------------------------------------------------


def template_dirs(override: Path | None = None) -> list[Path]:
    """Where templates are looked up, first match wins: the folder the admin named (`--templates`
    or the `templates` setting), then the built-in one. A `templates/` folder that merely appears
    in the workbook folder is never used: whoever can drop a file there is not the admin."""
    return [override, TEMPLATES] if override is not None else [TEMPLATES]


def _inside(path: Path, roots: list[Path]) -> Path | None:
    """`path` with every symlink and `..` resolved, if it is a regular file inside one of `roots`
    (already resolved); None otherwise."""
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError, ValueError):  # missing, a symlink loop, a NUL in the name
        return None
    if real.is_file() and any(real.is_relative_to(root) for root in roots):
        return real
    return None


def _refused(name: str) -> RenderError:
    return RenderError(
        f"模板 {name} 指向模板文件夹以外的文件，已拒绝（模板只能使用模板文件夹内的文件）"
        f" (template {name} points outside the template folders; refused)"
    )


def template_file(dirs: list[Path], name: str) -> Path | None:
    """`name` in the first of `dirs` that has it, as its real path; None when none has it. One
    that leads outside the template folders (a symlink out, `..`) is refused, never skipped:
    falling through to the built-in copy would hide the admin's mistake."""
    pieces = jinja2.loaders.split_template_path(name)  # refuses `..`
    roots = [d.resolve() for d in dirs]
    for folder in dirs:
        candidate = folder.joinpath(*pieces)
        if os.path.lexists(candidate):
            real = _inside(candidate, roots)
            if real is None:
                raise _refused(name)
            return real
    return None


class FolderLoader(jinja2.BaseLoader):
    """Templates from `dirs`, first match wins, each read only if its real path (symlinks
    resolved) lies inside one of the template folders: an include cannot leave them."""

    def __init__(self, dirs: list[Path]) -> None:
        self.dirs = dirs

    def get_source(self, environment: jinja2.Environment, template: str):
        real = template_file(self.dirs, template)
        if real is None:
            raise jinja2.TemplateNotFound(template)
        source = real.read_text(encoding="utf-8")
        mtime = real.stat().st_mtime
        return source, str(real), partial(_unchanged, real, mtime)


def _unchanged(path: Path, mtime: float) -> bool:
    try:
        return path.stat().st_mtime == mtime
    except OSError:
        return False


def environment(dirs: list[Path], lang: str, money_unit: str) -> jinja2.Environment:
    # The sandbox: a template can lay out figures, not reach Python (`lipsum.__globals__`,
    # `''.__class__.__mro__`, `cycler.__init__`) nor change the values it is given.
    env = ImmutableSandboxedEnvironment(
        loader=FolderLoader(dirs),
        autoescape=True,  # workbook text is always text: <script> prints as those characters
        undefined=jinja2.StrictUndefined,  # a missing figure fails a test, not on paper
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        money=lambda v, places=2: money_text(v, money_unit, places, lang),
        yuan=lambda v: money_text(v, "元", lang=lang),
        count=count_text,
        pct=percent_text,
        number=number_text,
        capital=lambda v: capital_text(v, lang),
        date=lambda v: date_text(v, lang),
    )
    env.globals["lang"] = lang
    return env


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
    """A fetcher that serves data: URLs and files inside `allowed`, and refuses everything else.

    The path is percent-decoded and its symlinks resolved before it is checked (`%2e%2e/` and a
    symlinked stylesheet both escape a check made on the raw URL), and the file fetched is the
    one checked.
    """
    from urllib.parse import urlsplit
    from urllib.request import url2pathname

    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    roots = [d.resolve() for d in allowed]

    class Restricted(URLFetcher):
        def fetch(self, url: str, headers: dict | None = None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            parts = urlsplit(url)
            if parts.scheme.lower() == "file" and parts.netloc in ("", "localhost"):
                real = _inside(Path(url2pathname(parts.path)), roots)  # url2pathname unquotes
                if real is not None:
                    return super().fetch(real.as_uri(), headers)
            raise FatalURLFetchingError(
                f"模板请求了不允许的资源：{url}（只能使用模板文件夹内的文件）"
                f" (a template asked for {url}; only files inside the template folders are allowed)"
            )

    return Restricted(allowed_protocols=("data", "file"), timeout=1)


def _attachments(document) -> list[str]:
    """What a laid-out document would embed as files: `<link rel="attachment">` and
    `<a rel="attachment">`. salesbook embeds none, so a template cannot smuggle a file out."""
    found = ['<link rel="attachment">' for _ in document.metadata.attachments]
    found += [
        target for page in document.pages for kind, target, *_ in page.links if kind == "attachment"
    ]
    return found


class Renderer:
    """One environment, one parsed stylesheet and one FontConfiguration for every document."""

    def __init__(self, dirs: list[Path], lang: str = "zh", money_unit: str = "元") -> None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        check_fast_subsetting()
        self.dirs = dirs
        self.lang = lang
        self.money_unit = money_unit
        self.env = environment(dirs, lang, money_unit)
        self.fetcher = url_fetcher(dirs)
        self.fonts = FontConfiguration()
        stylesheet = template_file(dirs, "print.css")
        if stylesheet is None:
            raise RenderError("找不到样式表 print.css (print.css not found)")
        with weasyprint_warnings_as_errors():
            self.css = CSS(
                filename=str(stylesheet), font_config=self.fonts, url_fetcher=self.fetcher
            )

    def __reduce__(self) -> tuple[type[Renderer], tuple[list[Path], str, str]]:
        # A task sent to another process or machine carries the renderer's settings; the
        # environment, stylesheet and fonts are built again there.
        return (Renderer, (self.dirs, self.lang, self.money_unit))

    def reads(self) -> dict[Path, tuple[str, ...] | None]:
        """The template folders, whole: what a task laying out documents reads (runner.Task)."""
        return dict.fromkeys(self.dirs)

    def html(self, template: str, **context: object) -> str:
        """The template filled in; any template fault (syntax, a missing include, a sandbox
        refusal, a failing expression) is one RenderError naming the template."""
        try:
            return self.env.get_template(template).render(**context)
        except SalesbookError:
            raise
        except jinja2.TemplateNotFound as error:
            raise RenderError(f"找不到模板 {error.name} (template not found)") from error
        except jinja2.UndefinedError as error:
            raise RenderError(f"模板 {template} 用到了不存在的数据：{error}") from error
        except SecurityError as error:
            raise RenderError(
                f"模板 {template} 试图访问不允许的内容，已拒绝：{error}"
                f" (template {template} tried something the sandbox forbids)"
            ) from error
        except jinja2.TemplateSyntaxError as error:
            where = f"{error.name or template} 第{error.lineno}行"
            raise RenderError(
                f"模板 {where} 有语法错误：{error.message}"
                f" (template syntax error in {error.name or template}, line {error.lineno})"
            ) from error
        except Exception as error:  # the template's own code failed: 1/0, a bad filter argument
            raise RenderError(
                f"模板 {template} 无法渲染：{type(error).__name__}: {' '.join(str(error).split())}"
                f" (template {template} failed)"
            ) from error

    def document(self, html: str):
        """Lay out `html` (fonts checked first); WeasyPrint warnings become errors."""
        from weasyprint import HTML
        from weasyprint.urls import FatalURLFetchingError

        check_fonts([_visible_text(html)])
        try:
            with weasyprint_warnings_as_errors():
                document = HTML(
                    string=html, base_url=str(self.dirs[0]) + "/", url_fetcher=self.fetcher
                ).render(stylesheets=[self.css], font_config=self.fonts)
        except FatalURLFetchingError as error:
            raise RenderError(str(error.__cause__ or error)) from error
        attached = _attachments(document)
        if attached:
            raise RenderError(
                f"模板要把文件作为附件嵌入 PDF（{'、'.join(attached[:3])}），salesbook 不嵌入任何附件"
                f" (a template asked to attach files to the PDF; attachments are refused)"
            )
        return document

    def write(self, document, path: Path) -> None:
        from weasyprint.urls import FatalURLFetchingError

        try:
            with weasyprint_warnings_as_errors():
                document.write_pdf(path)
        except FatalURLFetchingError as error:
            raise RenderError(str(error.__cause__ or error)) from error


_TAGS = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.DOTALL | re.IGNORECASE)


def _visible_text(html: str) -> str:
    """The text a reader will see (tags stripped, entities decoded), for the font check."""
    import html as html_module

    return html_module.unescape(_TAGS.sub(" ", html))
