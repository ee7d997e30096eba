"""XML parts of an .xlsx -> each sheet's part, and the formulas that reach outside the workbook.

A formula that reaches out (DDE `=cmd|' /C calc'!A0`, WEBSERVICE, RTD, CALL/REGISTER, a link to
another workbook) can run a program or fetch data when the file is opened in Excel. The reader
reports them (SB-V013/V014) and the filled copies keep only the saved result as a plain value.
"""

from __future__ import annotations

import html
import re
import zipfile
from dataclasses import dataclass

_STRING = re.compile(r'"(?:[^"]|"")*"')  # a string literal: "a|b" is text, not DDE
_FUNCTIONS = re.compile(
    r"(?<![\w.])(?:_xlfn\.|_xlws\.)?(WEBSERVICE|FILTERXML|RTD|CALL|REGISTER(?:\.ID)?|EXEC)\s*\(",
    re.IGNORECASE,
)
# [1]Sheet1!A1, '[1]My sheet'!A1, [1]!Name, 'C:\x\[book.xlsx]Sheet1'!A1. A table's structured
# reference (Table1[Amount]) has no "!" after the bracket.
_EXTERNAL = re.compile(r"\[\d+\][^\[\]!]*!|\[[^\[\]]+\.(?:xl\w*|csv|ods)\]", re.IGNORECASE)
_FILE_LINK = re.compile(r"(?<![\w.])HYPERLINK\s*\(\s*\"(?:file:|\\\\)", re.IGNORECASE)

# Literal markers of a formula (<f>, <f t=…>, <x:f>); bytes.find is fast.
_MARKERS = (b"<f>", b"<f ", b":f>", b":f ")
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.DOTALL)
_ATTR = re.compile(rb"([\w:]+)\s*=\s*[\"']([^\"']*)[\"']")
_FORMULA = re.compile(rb"<(?:\w+:)?f\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?f>)", re.DOTALL)
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_SHEET_ENTRY = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_INLINE = re.compile(rb"<(?:\w+:)?t(?:\s[^>]*)?>([^<]*)</(?:\w+:)?t>")


def reaches_out(formula: str) -> str | None:
    """What kind of outside access a formula makes ("DDE", "WEBSERVICE", "外部工作簿", …), or None."""
    code = _STRING.sub('""', formula)
    if "|" in code:
        return "DDE"
    found = _FUNCTIONS.search(code)
    if found:
        return found.group(1).upper()
    if _EXTERNAL.search(code):
        return "外部工作簿 external workbook"
    if _FILE_LINK.search(formula):
        return "HYPERLINK file"
    return None


@dataclass(frozen=True)
class Reach:
    """A formula cell that reaches out, and the result Excel saved for it (None when none)."""

    sheet: str
    cell: str  # "B7"
    kind: str
    formula: str
    cached: object  # str, float, bool or None


def _attrs(tag: bytes) -> dict[bytes, bytes]:
    return {k.split(b":")[-1]: v for k, v in _ATTR.findall(tag)}


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> worksheet XML part, from workbook.xml and its relationships."""
    names = {n.replace("\\", "/").lower(): n for n in archive.namelist()}
    workbook = names.get("xl/workbook.xml")
    rels = names.get("xl/_rels/workbook.xml.rels")
    if not workbook or not rels:
        return {}
    targets = {}
    for tag in _RELATIONSHIP.findall(archive.read(rels)):
        attrs = _attrs(tag)
        target = attrs.get(b"Target", b"").decode("utf-8", "replace").replace("\\", "/")
        target = target.lstrip("/") if target.startswith("/") else "xl/" + target
        targets[attrs.get(b"Id", b"")] = names.get(target.lower())
    parts = {}
    for tag in _SHEET_ENTRY.findall(archive.read(workbook)):
        attrs = _attrs(tag)
        part = targets.get(attrs.get(b"id", b""))
        if part:
            parts[attrs.get(b"name", b"").decode("utf-8", "replace")] = part
    return parts


def _text(raw: bytes) -> str:
    return html.unescape(raw.decode("utf-8", "replace"))


def _has_formula(archive: zipfile.ZipFile, part: str) -> bool:
    overlap = b""
    with archive.open(part) as stream:
        while chunk := stream.read(1 << 22):
            window = overlap + chunk
            if any(marker in window for marker in _MARKERS):
                return True
            overlap = chunk[-8:]
    return False


def _cached(attrs: dict[bytes, bytes], inner: bytes, shared: list[str] | None) -> object:
    kind = attrs.get(b"t", b"n")
    if kind == b"inlineStr":
        return "".join(_text(t) for t in _INLINE.findall(inner)) or None
    value = _VALUE.search(inner)
    if value is None or not value.group(1):
        return None
    text = _text(value.group(1))
    if kind in (b"str", b"e"):
        return text
    if kind == b"b":
        return text.strip() in ("1", "true")
    if kind == b"s":
        try:
            return shared[int(text)] if shared is not None else None
        except (ValueError, IndexError):
            return None
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _shared_strings(archive: zipfile.ZipFile) -> list[str] | None:
    names = {n.replace("\\", "/").lower(): n for n in archive.namelist()}
    part = names.get("xl/sharedstrings.xml")
    if part is None:
        return None
    from openpyxl.reader.strings import read_string_table

    with archive.open(part) as stream:
        return [str(s) for s in read_string_table(stream)]


def scan_sheet(archive: zipfile.ZipFile, sheet: str, part: str) -> list[Reach]:
    """The reaching-out formula cells of one worksheet part.

    Streamed first: a sheet without any formula costs one inflate pass and no memory."""
    if not _has_formula(archive, part):
        return []
    xml = archive.read(part)
    found = []
    masters: dict[bytes, str | None] = {}  # shared formula index -> kind of its master formula
    shared: list[str] | None = None
    loaded_shared = False
    for attrs_text, inner in _CELL.findall(xml):
        if not inner or b"f" not in inner:
            continue
        formula_match = _FORMULA.search(inner)
        if formula_match is None:
            continue
        f_attrs = _attrs(formula_match.group(1))
        formula = _text(formula_match.group(2) or b"")
        if formula:
            kind = reaches_out(formula)
            if f_attrs.get(b"t") == b"shared" and b"si" in f_attrs:
                masters[f_attrs[b"si"]] = kind
        else:  # a shared formula's later cells carry only its index
            kind = masters.get(f_attrs.get(b"si", b""))
        if kind is None:
            continue
        attrs = _attrs(attrs_text)
        ref = attrs.get(b"r", b"").decode("ascii", "replace").upper()
        if not ref:
            continue
        if attrs.get(b"t") == b"s" and not loaded_shared:
            shared, loaded_shared = _shared_strings(archive), True
        found.append(Reach(sheet, ref, kind, formula, _cached(attrs, inner, shared)))
    return found


def external_link_parts(archive: zipfile.ZipFile) -> list[str]:
    """The externalLink parts (links to other workbooks, DDE and OLE links) an .xlsx carries."""
    return [
        n
        for n in archive.namelist()
        if n.replace("\\", "/").lower().startswith("xl/externallinks/")
    ]
