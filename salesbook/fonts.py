"""Text -> whether the installed CJK fonts can print it; the fast font subsetting WeasyPrint needs.

Both the PDFs (render) and the charts (charts) check their text here before drawing it, so a
character no font has fails the run with its name instead of printing as a box.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable
from functools import lru_cache

from salesbook.errors import RenderError

FONT_FAMILIES = ("Noto Sans CJK SC", "Noto Serif CJK SC")  # the families print.css asks for
FONT_PACKAGE = "fonts-noto-cjk"


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
