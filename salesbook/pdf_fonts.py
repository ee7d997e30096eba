"""A per-person PDF cut out of a chunk's PDF -> its fonts re-subset to the glyphs its pages print.

WeasyPrint 70 subsets each font of a document once, keeping every glyph id up to the highest used
(~60,000 for Noto CJK), so a page cut out of a 100-letter chunk carried 390-460 KB of fonts. Here
each CID-keyed CFF font of the cut file is subset again with HarfBuzz (uharfbuzz), densely, to the
glyphs its pages show, and embedded as a bare CFF program (`/CIDFontType0C`): the CFF charset keeps
each glyph's CID, which is what the page content and the ToUnicode map use, so the text draws and
extracts as before (FIELD-NOTES: pixel-identical in poppler, MuPDF, pdf.js and Ghostscript). A font
in any other form (TrueType, name-keyed CFF, a custom encoding) is left as it was.
"""

from __future__ import annotations

import hashlib
import io
import re
import sys
from array import array
from dataclasses import dataclass, field
from typing import Any

from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    NameObject,
    NumberObject,
)

# A font selection `/F1 12 Tf` or a glyph string `<0a1b…>`: WeasyPrint writes every Type0 string
# as hex, two bytes per glyph (Identity-H).
_TEXT = re.compile(rb"/([^\s/\[\]<>()%]+)\s+[-+\d.]+\s+Tf|<([0-9a-fA-F\s]*)>")


class _Unread(Exception):
    """A content stream shows text in a form the glyph scan does not read."""


@dataclass
class Source:
    """A chunk font as HarfBuzz sees it, parsed once for all the files cut from its chunk."""

    data: bytes  # the font program; HarfBuzz reads it in place, so it lives as long as the face
    face: Any  # uharfbuzz.Face
    cid_keyed: bool
    widths: dict[int, Any] = field(default_factory=dict)  # the chunk's /W, by CID


def _source(font_file: Any, cache: dict[str, Source], key: str, widths: Any) -> Source:
    if key not in cache:
        import uharfbuzz as hb

        data = font_file.get_data()
        face = hb.Face(data)
        cache[key] = Source(data, face, _is_cid_keyed(face), _widths_by_cid(widths))
    return cache[key]


def _is_cid_keyed(face: Any) -> bool:
    """Whether the font's CFF program is CID-keyed (its charset then carries the CIDs)."""
    cff = face.reference_table("CFF ").data
    if not cff:
        return False
    from fontTools.cffLib import CFFFontSet

    fonts = CFFFontSet()
    fonts.decompile(io.BytesIO(cff), None)
    return hasattr(fonts.topDictIndex[0], "ROS")


def _glyphs_shown(content: bytes, names: dict[str, int], used: dict[int, set[int]]) -> None:
    """Add to `used[font]` the glyph ids `content` shows with each font of its resources."""
    font = None
    for match in _TEXT.finditer(content):
        if match.group(1) is not None:
            font = names.get(match.group(1).decode("latin-1"))
        elif font is not None:
            hexes = re.sub(rb"\s", b"", match.group(2))
            hexes += b"0" * (len(hexes) % 2)  # an odd last digit is followed by 0
            codes = bytes.fromhex(hexes.decode("ascii"))
            glyphs = array("H", codes[: len(codes) & ~1])
            if sys.byteorder == "little":
                glyphs.byteswap()  # PDF strings are big-endian
            used[font].update(glyphs)


def _walk(content: bytes, resources: Any, fonts: dict[int, Any], used: dict[int, set[int]]) -> None:
    """Glyphs of a content stream and of the form XObjects it can draw, per font object."""
    if b"(" in content:  # a literal string (WeasyPrint writes hex only): glyphs not read here
        raise _Unread
    resources = resources.get_object() if resources is not None else {}
    names: dict[str, int] = {}
    for name, reference in _entries(resources, "/Font"):
        key = reference.idnum if hasattr(reference, "idnum") else id(reference)
        fonts[key] = reference.get_object()
        used.setdefault(key, set())
        names[name[1:]] = key
    _glyphs_shown(content, names, used)
    for _, xobject in _entries(resources, "/XObject"):
        form = xobject.get_object()
        if form.get("/Subtype") == "/Form":
            _walk(form.get_data(), form.get("/Resources"), fonts, used)
    for _, pattern in _entries(resources, "/Pattern"):
        tiling = pattern.get_object()
        if hasattr(tiling, "get_data") and "/Resources" in tiling:
            _walk(tiling.get_data(), tiling.get("/Resources"), fonts, used)


def _entries(resources: Any, kind: str) -> list[tuple[str, Any]]:
    """The (name, object) pairs of one kind of a resource dictionary, direct or indirect."""
    found = resources.get(kind)
    return list(found.get_object().items()) if found is not None else []


def resubset_fonts(pages: list[Any], cache: dict[str, Source]) -> None:
    """Re-subset, in place, the fonts of `pages` (a PdfWriter's) to the glyphs those pages show.

    `cache` holds the parsed chunk fonts by name; share it among the files cut from one PDF."""
    fonts: dict[int, Any] = {}
    used: dict[int, set[int]] = {}
    for page in pages:
        contents = page.get_contents()
        data = contents.get_data() if contents is not None else b""  # an empty dict is falsy
        try:
            _walk(data, page.get("/Resources"), fonts, used)
        except _Unread:  # keep the fonts whole rather than drop a glyph
            return
    for key, font in fonts.items():
        _resubset(font, used[key], cache)


def _resubset(font: Any, glyphs: set[int], cache: dict[str, Source]) -> None:
    if font.get("/Subtype") != "/Type0" or font.get("/Encoding") != "/Identity-H":
        return
    descendant = font["/DescendantFonts"][0].get_object()
    descriptor = descendant["/FontDescriptor"].get_object()
    if descendant.get("/Subtype") != "/CIDFontType0" or "/FontFile3" not in descriptor:
        return
    font_file = descriptor["/FontFile3"].get_object()
    if font_file.get("/Subtype") != "/OpenType":
        return
    source = _source(font_file, cache, str(font["/BaseFont"]), descendant.get("/W"))
    if not source.cid_keyed:
        return
    import uharfbuzz as hb

    wanted = hb.SubsetInput()
    wanted.glyph_set.update(glyphs | {0})
    wanted.flags = hb.SubsetFlags.DESUBROUTINIZE | hb.SubsetFlags.NO_HINTING
    subset = hb.subset(source.face, wanted)
    cff = subset.reference_table("CFF ").data if subset is not None else b""
    if not cff:
        return
    # A new subset tag: a printer or merger that caches fonts by name must not mix two subsets.
    tag = "".join(chr(65 + b % 26) for b in hashlib.sha256(cff).digest()[:6])
    name = NameObject(f"/{tag}+{str(font['/BaseFont']).partition('+')[2]}")
    font[NameObject("/BaseFont")] = name
    descendant[NameObject("/BaseFont")] = name
    descriptor[NameObject("/FontName")] = name
    descendant[NameObject("/W")] = _widths(source.widths, glyphs)
    font_file.decoded_self = DecodedStreamObject()  # set_data would inflate the old program first
    font_file.set_data(cff)
    font_file[NameObject("/Subtype")] = NameObject("/CIDFontType0C")


def _widths_by_cid(array: Any) -> dict[int, Any]:
    """A `/W` array, `[first [w w …] first last w …]`, as a width per CID."""
    widths: dict[int, Any] = {}
    items = list(array.get_object()) if array is not None else []
    i = 0
    while i < len(items):
        first, second = int(items[i]), items[i + 1].get_object()
        if isinstance(second, list):
            widths.update(zip(range(first, first + len(second)), second, strict=True))
            i += 2
        else:  # `first last width`: one width for a range
            widths.update(dict.fromkeys(range(first, int(second) + 1), items[i + 2]))
            i += 3
    return widths


def _widths(widths: dict[int, Any], glyphs: set[int]) -> ArrayObject:
    """A `/W` array of the `glyphs` only, consecutive CIDs in one run."""
    result = ArrayObject()
    run: ArrayObject | None = None
    previous = -2
    for cid in sorted(glyphs & widths.keys()):
        if run is None or cid != previous + 1:
            run = ArrayObject()
            result += [NumberObject(cid), run]
        run.append(widths[cid])
        previous = cid
    return result
