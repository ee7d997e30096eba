"""Folder of workbooks -> one Table per sheet kind, values parsed, every row's cell position kept.

Kinds are recognised by header rows (SPEC §0), never by file or sheet name. Each file is parsed in
a child process with time and memory limits, because native readers can hang or abort the whole
process on a malformed file (FIELD-NOTES): one bad file becomes one issue, the batch goes on.
"""

from __future__ import annotations

import csv
import io
import itertools
import multiprocessing
import multiprocessing.connection
import os
import re
import stat
import sys
import time
import warnings
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from salesbook.errors import BadValue
from salesbook.formulas import Reach, scan_sheet
from salesbook.issues import Issue, Location
from salesbook.schemas import SHEETS, SHEETS_BY_KIND, Column, ColumnType, SheetSchema
from salesbook.values import (
    PLACEHOLDER,
    choice_key,
    clean_text,
    column_letter,
    header_keys,
    parse_count,
    parse_date,
    parse_measure,
    parse_money,
    parse_number,
    parse_percent,
    parse_period,
    parse_quantity,
    parse_threshold,
    prose_text,
)

READABLE = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".csv", ".xltx", ".xltm"}
# Spreadsheet formats people send that no reader here opens: reported, not silently skipped.
UNREADABLE = {".numbers", ".et", ".ett", ".wps", ".gsheet", ".xlw", ".sxc", ".fods"}
HEADER_SEARCH_ROWS = 30  # a header may sit below title rows
TOTAL_WORDS = {"合计", "总计", "小计", "total", "合計", "總計", "小計", "subtotal"}
READ_TIMEOUT_S = 300.0
READ_MEMORY_BYTES = 4 << 30


# --- finding files --------------------------------------------------------------------------------

WORKBOOK_SUFFIXES = READABLE | UNREADABLE
# C0 and C1 control characters and DEL: they break terminals, JSON consumers and openpyxl.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CELL_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # tab and newline are text in a cell
_NOT_A_FILE = {
    stat.S_IFIFO: {"zh": "命名管道 FIFO", "en": "a FIFO"},
    stat.S_IFSOCK: {"zh": "套接字", "en": "a socket"},
    stat.S_IFCHR: {"zh": "字符设备", "en": "a character device"},
    stat.S_IFBLK: {"zh": "块设备", "en": "a block device"},
    stat.S_IFLNK: {"zh": "链接", "en": "a link"},
}


def is_skipped(path: Path) -> bool:
    """Lock files (`~$…`, `.~lock…#`), temp and hidden files are skipped silently."""
    name = path.name
    return name.startswith(("~$", ".", "~")) or name.endswith(("#", "~", ".tmp"))


def is_workbook(path: Path, folder: Path | None = None) -> bool:
    """Whether `find_workbooks(folder)` looks at `path`: by its name only, so it may still be
    refused there as an odd file (also used by the drop-folder watcher to pick its events)."""
    if is_skipped(path) or path.suffix.lower() not in WORKBOOK_SUFFIXES:
        return False
    if folder is None:
        return True
    return not any(part.startswith(".") for part in path.relative_to(folder).parts[:-1])


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # os.fsdecode kept undecodable bytes as surrogate escapes
        return False
    return True


def printable_name(name: str) -> str:
    """A file name or path as text every terminal, JSON file and workbook can hold: bytes that are
    not UTF-8 and control characters are shown as `\\xNN`, the way `ls -b` shows them."""
    if not _is_utf8(name):
        name = os.fsencode(name).decode("utf-8", "backslashreplace")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", name)


def _gbk_reading(name: str) -> str:
    """What a name that is not UTF-8 says when read as GBK (what Chinese Windows zip tools write)."""
    if _is_utf8(name):
        return printable_name(name)
    return printable_name(os.fsencode(name).decode("gb18030", "replace"))


def printable_text(value: str) -> str:
    """Cell text without control characters: CR and CRLF become newlines, any other control
    character (ESC, BEL, NUL, C1 …; tab and newline are kept) becomes a visible U+FFFD �."""
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _CELL_CONTROL.sub("\ufffd", value)


@dataclass(frozen=True)
class Refused:
    """An entry that looks like a workbook but is not opened, and why: one issue, at discovery."""

    name: str  # printable path relative to the folder, with /
    code: str
    params: dict[str, object] = field(default_factory=dict)


class Workbooks(list):  # list[Path]
    """What `find_workbooks` found: the regular files to read, in order, and `refused` entries."""

    def __init__(self, paths: Sequence[Path] = (), refused: Sequence[Refused] = ()) -> None:
        super().__init__(paths)
        self.refused = list(refused)


def find_workbooks(folder: Path) -> Workbooks:
    """Every spreadsheet-like file under `folder`, recursively, in a stable order.

    Only regular files whose names are printable UTF-8 are listed, so that no later stage opens
    or hashes a FIFO or a device, or writes an unencodable name. Symbolic links are never
    followed: a link to a workbook or a folder inside `folder` is a warning (its target is read
    under its own name), any other link an error; both are in `refused`, as are FIFOs, sockets
    and devices, names that are not UTF-8 or hold control characters, and folders that cannot
    be opened. Hidden folders, lock, temp and hidden files are skipped silently.
    """
    folder = Path(folder)
    root = os.path.realpath(folder)
    found: dict[str, Path] = {}  # relative posix name -> path
    refused: list[Refused] = []
    links: list[tuple[tuple[str, ...], str]] = []  # (relative parts, resolved target)
    stack: list[tuple[tuple[str, ...], str]] = [((), os.fspath(folder))]
    while stack:
        parts, directory = stack.pop()
        try:
            with os.scandir(directory) as scan:
                entries = sorted(scan, key=lambda e: e.name)
        except OSError as error:
            if parts:  # the folder itself: batch.workbooks_in says it holds no workbook
                detail = error.strerror or type(error).__name__
                refused.append(Refused(_shown_path(parts), "SB-F014", {"detail": detail}))
            continue
        for entry in entries:
            here = (*parts, entry.name)
            try:
                mode = entry.stat(follow_symlinks=False).st_mode
            except OSError:
                continue  # gone since the listing
            if stat.S_ISDIR(mode):
                if not entry.name.startswith("."):
                    stack.append((here, entry.path))
                continue
            if is_skipped(Path(entry.name)):
                continue
            named = Path(entry.name).suffix.lower() in WORKBOOK_SUFFIXES
            target = None
            if stat.S_ISLNK(mode):
                try:
                    target = os.path.realpath(entry.path, strict=True)
                except (OSError, RuntimeError):  # dangling, or a loop
                    if named:
                        refused.append(_name_refusal(here) or Refused(_shown_path(here), "SB-F010"))
                    continue
                if not named and not os.path.isdir(target):
                    continue
            elif not named:
                continue
            problem = _name_refusal(here)
            if problem:
                refused.append(problem)
            elif target is not None:
                links.append((here, target))
            elif stat.S_ISREG(mode):
                found["/".join(here)] = folder.joinpath(*here)
            else:
                refused.append(Refused(_shown_path(here), "SB-F013", {"kind": _not_a_file(mode)}))
    for parts, target in links:
        relative = os.path.relpath(target, root)
        inside = relative != os.pardir and not relative.startswith(os.pardir + os.sep)
        inside_parts = Path(relative).parts if relative != os.curdir else ()
        if inside and os.path.isdir(target):
            read = not any(part.startswith(".") for part in inside_parts)
        else:
            read = inside and "/".join(inside_parts) in found
        shown = printable_name(relative if inside else target)
        refused.append(
            Refused(_shown_path(parts), "SB-F012" if read else "SB-F011", {"target": shown})
        )
    return Workbooks([found[name] for name in sorted(found)], sorted(refused, key=lambda r: r.name))


def _not_a_file(mode: int) -> dict[str, str]:
    return _NOT_A_FILE.get(stat.S_IFMT(mode), {"zh": "特殊文件", "en": "a special file"})


def _shown_path(parts: tuple[str, ...]) -> str:
    return "/".join(printable_name(part) for part in parts)


def _name_refusal(parts: tuple[str, ...]) -> Refused | None:
    """A refusal if any part of this relative path is not UTF-8 or holds a control character."""
    if not all(_is_utf8(part) for part in parts):
        guess = "/".join(_gbk_reading(part) for part in parts)
        return Refused(_shown_path(parts), "SB-F008", {"guess": guess})
    if any(_CONTROL.search(part) for part in parts):
        return Refused(_shown_path(parts), "SB-F009")
    return None


# --- raw reading (runs in a child process) ---------------------------------------------------------


@dataclass
class RawSheet:
    """One recognised sheet, still raw: only the columns of its kind, blank rows dropped."""

    name: str
    kind: str
    header_row: int  # 1-based
    columns: dict[str, int]  # column key -> 0-based sheet column
    duplicates: list[tuple[str, int, int]]  # (key, first column, repeated column)
    rows: np.ndarray  # 1-based sheet rows of the data rows
    cells: dict[str, Encoded]  # column key -> raw values, dictionary-encoded, aligned with rows
    broken: dict[str, str] = field(default_factory=dict)  # "H17" -> "formula" or "#DIV/0!"


@dataclass
class RawFile:
    sheets: list[RawSheet] = field(default_factory=list)
    unknown_sheets: list[str] = field(default_factory=list)
    date1904: bool = False
    failure: tuple[str, dict[str, str]] | None = None  # (issue code, params)
    reaching: list[Reach] = field(default_factory=list)  # formulas that reach out (formulas.py)


def _match_header(cells: Sequence[object]) -> tuple[SheetSchema, dict[str, int], list] | None:
    """The schema whose headers this row carries best, with where each column is."""
    keyed = []
    for index, cell in enumerate(cells):
        if isinstance(cell, str) and cell.strip():
            keyed.append((index, header_keys(cell)))
    if len(keyed) < 2:
        return None
    best = None
    for schema in SHEETS:
        columns: dict[str, int] = {}
        duplicates = []
        for column in schema.columns:
            wanted = _column_keys(column)
            for index, keys in keyed:
                if keys & wanted:
                    if column.key in columns:
                        duplicates.append((column.key, columns[column.key], index))
                    else:
                        columns[column.key] = index
        required = [c for c in schema.columns if c.required]
        found_required = sum(1 for c in required if c.key in columns)
        # Recognised when most required headers are there: a missing one is then an H001 issue.
        if found_required < max(2, (len(required) + 1) // 2):
            continue
        score = (found_required / len(required), len(columns))
        if best is None or score > best[0]:
            best = (score, schema, columns, duplicates)
    return None if best is None else (best[1], best[2], best[3])


_COLUMN_KEYS: dict[tuple[str, str], frozenset[str]] = {}


def _column_keys(column: Column) -> frozenset[str]:
    cache_key = (column.key, column.zh)
    if cache_key not in _COLUMN_KEYS:
        keys: set[str] = set()
        for header in column.headers():
            keys |= header_keys(header)
        _COLUMN_KEYS[cache_key] = frozenset(keys)
    return _COLUMN_KEYS[cache_key]


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _encode(values: np.ndarray) -> Encoded:
    """A column as its distinct values and one code per cell (pandas.factorize, in C).

    Real logs repeat owners, channels, dates and customers; sending and parsing each distinct value
    once is what keeps a 300k-row log near the speed of a bare read (bench/README.md).
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if any(type(u) is bool or (type(u) in (int, float) and u in (0, 1)) for u in uniques) and any(
        type(v) is bool for v in values
    ):  # True == 1.0 would share a code with the number 1: keep booleans apart, as text
        values = np.array(
            ["TRUE" if v is True else "FALSE" if v is False else v for v in values], dtype=object
        )
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    # Control characters (a CSV cell, `_x001B_` in .xlsx) never get past the reader.
    texts = [_clean_cell(u) if type(u) is str else u for u in uniques]
    return Encoded(texts, codes.astype(np.int32, copy=False))


def _clean_cell(text: str) -> str:
    return printable_text(text) if _CELL_CONTROL.search(text) else text


@dataclass
class Encoded:
    uniques: list[object]
    codes: np.ndarray  # int32 index into uniques; -1 for a missing (None) cell

    def blank_mask(self) -> np.ndarray:
        flags = np.array([_is_blank(v) for v in self.uniques] + [True], dtype=bool)
        return flags[self.codes]  # -1 picks the trailing True

    def mask_of(self, wanted: Callable[[object], bool]) -> np.ndarray:
        flags = np.array([wanted(v) for v in self.uniques] + [False], dtype=bool)
        return flags[self.codes]

    def take(self, keep: np.ndarray) -> Encoded:
        return Encoded(self.uniques, self.codes[keep])


def _is_total(value: object) -> bool:
    return isinstance(value, str) and value.strip().lower() in TOTAL_WORDS


def _scan_grid(name: str, grid: list[list[object]], start: tuple[int, int]) -> RawSheet | None:
    """Find the header row of one sheet's grid and lift out its data rows, column by column."""
    row0, col0 = start
    for offset, cells in enumerate(grid[:HEADER_SEARCH_ROWS]):
        matched = _match_header(cells)
        if matched is None:
            continue
        schema, columns, duplicates = matched
        data = grid[offset + 1 :]
        width = max((len(line) for line in data), default=0)
        if any(len(line) != width for line in data):  # CSV rows may be ragged
            data = [list(line) + [""] * (width - len(line)) for line in data]
        cells = np.empty((len(data), width), dtype=object)
        if data and width:
            cells[:] = data
        blank_column = np.full(len(data), "", dtype=object)
        encoded = {
            key: _encode(cells[:, index] if index < width else blank_column)
            for key, index in columns.items()
        }
        # Blank rows are dropped, and so are 合计/总计 rows whose first filled cell says so.
        blank = np.ones(len(data), dtype=bool)
        total = np.zeros(len(data), dtype=bool)
        for key in sorted(columns, key=columns.get):
            column_blank = encoded[key].blank_mask()
            total |= blank & encoded[key].mask_of(_is_total)
            blank &= column_blank
        keep = ~(blank | total)
        rows = (np.arange(len(data), dtype=np.int32) + (row0 + offset + 2))[keep]
        return RawSheet(
            name=name,
            kind=schema.kind,
            header_row=row0 + offset + 1,
            columns={key: col0 + index for key, index in columns.items()},
            duplicates=[(k, col0 + a, col0 + b) for k, a, b in duplicates],
            rows=rows,
            cells={key: column.take(keep) for key, column in encoded.items()},
        )
    return None


_DATE1904 = re.compile(rb"date1904\s*=\s*[\"'](?:1|true)[\"']", re.IGNORECASE)
_SHEET_ENTRY = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_ATTR = re.compile(rb"([\w:]+)\s*=\s*[\"']([^\"']*)[\"']")
_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.DOTALL)


def _attrs(tag: bytes) -> dict[bytes, bytes]:
    return {k.split(b":")[-1]: v for k, v in _ATTR.findall(tag)}


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
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


# Literal markers of a formula (<f>, <f t=…>, <x:f>) or an error cell (t="e"); bytes.find is fast.
_SUSPECTS = (b"<f>", b"<f ", b"<f/", b":f>", b":f ", b't="e"')


def _broken_cells(archive: zipfile.ZipFile, part: str) -> dict[str, str]:
    """Cells calamine reads as blank but are not: formulas without a cached value, error values.

    The sheet XML is streamed in chunks and only parsed when it holds a formula or an error cell
    at all, so a plain 300k-row log costs one inflate pass and no extra memory.
    """
    overlap = b""
    with archive.open(part) as stream:
        while chunk := stream.read(1 << 22):
            window = overlap + chunk
            if any(marker in window for marker in _SUSPECTS):
                break
            overlap = chunk[-16:]
        else:
            return {}
    xml = archive.read(part)
    broken = {}
    for attrs_text, inner in _CELL.findall(xml):
        attrs = _attrs(attrs_text)
        ref = attrs.get(b"r", b"").decode("ascii", "replace").upper()
        if not ref:
            continue
        inner = inner or b""
        if attrs.get(b"t") == b"e":
            value = re.search(rb"<(?:\w+:)?v>([^<]*)<", inner)
            broken[ref] = value.group(1).decode("utf-8", "replace") if value else "#ERROR"
        elif re.search(rb"<(?:\w+:)?f[\s>/]", inner) and not re.search(rb"<(?:\w+:)?v>[^<]", inner):
            broken[ref] = "formula"
    return broken


# A byte-order mark names its encoding; UTF-32 LE starts like UTF-16 LE, so it is tried first.
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
# Without a mark: Excel on Simplified Chinese Windows saves "CSV" as GBK (GB18030 is its superset),
# on Traditional Chinese Windows as Big5 (cp950). Any Big5 bytes also decode as GB18030, into
# nonsense, so Big5 wins only when its text has a header row GB18030's does not.
_LEGACY_ENCODINGS = ("gb18030", "cp950")


def _decode_csv(data: bytes) -> str | None:
    """The text of a CSV file: by its BOM, else strict UTF-8, else GB18030 or Big5; None if
    none fits. UTF-16 and UTF-32 are only taken with a BOM: without one, NUL bytes mean the
    file is not 8-bit text at all, and guessing UTF-16 turns GBK into nonsense."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                return None
    if b"\x00" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    fallback = None
    for encoding in _LEGACY_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _csv_has_header(text):
            return text
        fallback = fallback or text
    return fallback


def _csv_dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _csv_has_header(text: str) -> bool:
    """Whether one of the first rows of this text is a header row salesbook knows."""
    head = text[: 1 << 16]
    try:
        rows = csv.reader(io.StringIO(head), _csv_dialect(head))
        return any(_match_header(row) for row in itertools.islice(rows, HEADER_SEARCH_ROWS))
    except csv.Error:
        return False


def _read_csv(path: Path) -> RawFile:
    text = _decode_csv(path.read_bytes())
    if text is None:
        return RawFile(failure=("SB-F007", {}))
    grid: list[list[object]] = [list(r) for r in csv.reader(io.StringIO(text), _csv_dialect(text))]
    sheet = _scan_grid(path.stem, grid, (0, 0))
    if sheet is None:
        return RawFile(unknown_sheets=[path.stem])
    return RawFile(sheets=[sheet])


def read_raw(path: Path) -> RawFile:
    """Read one file into RawSheets. Runs in a child process; any failure becomes `failure`."""
    suffix = path.suffix.lower()
    if suffix in UNREADABLE:
        return RawFile(failure=("SB-F004", {"ext": suffix}))
    status = path.lstat()
    if not stat.S_ISREG(status.st_mode):  # replaced since it was found: never open a FIFO
        return RawFile(failure=("SB-F013", {"kind": _not_a_file(status.st_mode)}))
    if status.st_size == 0:
        return RawFile(failure=("SB-F003", {}))
    if suffix == ".csv":
        return _read_csv(path)
    import python_calamine

    head = path.read_bytes()[:8]
    if head.startswith(b"\xd0\xcf\x11\xe0") and suffix in {".xlsx", ".xlsm", ".xltx", ".xltm"}:
        return RawFile(failure=("SB-F002", {}))  # an encrypted OOXML file is an OLE container
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError:
        return RawFile(failure=("SB-F002", {}))
    except BaseException as error:
        # calamine refuses a few files openpyxl reads (UTF-16 XML parts, odd relationships).
        fallback = _read_openpyxl(path) if head.startswith(b"PK") else None
        return fallback or RawFile(failure=("SB-F001", {"detail": _short(error)}))
    result = RawFile()
    archive = None
    if head.startswith(b"PK"):
        try:
            archive = zipfile.ZipFile(path)
            names = {n.replace("\\", "/").lower(): n for n in archive.namelist()}
            if "xl/workbook.xml" in names:
                result.date1904 = bool(_DATE1904.search(archive.read(names["xl/workbook.xml"])))
        except (zipfile.BadZipFile, OSError, KeyError):
            archive = None
    try:
        parts = _sheet_parts(archive) if archive else {}
    except (zipfile.BadZipFile, OSError, KeyError):
        parts = {}
    for name in workbook.sheet_names:
        try:
            sheet = workbook.get_sheet_by_name(name)
            grid = sheet.to_python(skip_empty_area=True)
            start = sheet.start or (0, 0)
        except BaseException:
            grid, start = _openpyxl_grid(path, name), (0, 0)
            if grid is None:
                result.unknown_sheets.append(name)
                continue
        scanned = _scan_grid(name, grid, start) if grid else None
        if scanned is None:
            result.unknown_sheets.append(name)
            continue
        if archive and name in parts:
            try:
                scanned.broken = _broken_cells(archive, parts[name])
            except (zipfile.BadZipFile, OSError, KeyError, RuntimeError):
                scanned.broken = {}
        result.sheets.append(scanned)
    if not result.sheets and not result.unknown_sheets and not workbook.sheet_names:
        return RawFile(failure=("SB-F001", {"detail": "no worksheets"}))
    for name, part in parts.items():  # every sheet: the filled copy keeps them all
        try:
            result.reaching += scan_sheet(archive, name, part)  # type: ignore[arg-type]
        except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, ValueError):
            continue  # the fill still turns any such formula it meets into its value
    return result


def _openpyxl_grid(path: Path, sheet_name: str | None = None) -> list[list[object]] | None:
    """One sheet through openpyxl, for the few files calamine cannot read; None if neither can."""
    try:
        import openpyxl

        warnings.simplefilter("ignore")  # openpyxl warns about every extension it drops
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        sheet = workbook[sheet_name] if sheet_name else workbook.worksheets[0]
        if not hasattr(sheet, "reset_dimensions"):
            return None  # a chartsheet
        sheet.reset_dimensions()  # read_only trusts <dimension>, which WPS and POI write wrong
        grid = [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
        workbook.close()
        return grid
    except Exception:
        return None


def _read_openpyxl(path: Path) -> RawFile | None:
    try:
        import openpyxl

        warnings.simplefilter("ignore")
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        names = workbook.sheetnames
        date1904 = bool(workbook.epoch.year == 1904)
        workbook.close()
    except Exception:
        return None
    if not names:
        return None
    result = RawFile(date1904=date1904)
    for name in names:
        grid = _openpyxl_grid(path, name)
        scanned = _scan_grid(name, grid, (0, 0)) if grid else None
        if scanned is None:
            result.unknown_sheets.append(name)
        else:
            result.sheets.append(scanned)
    return result


def _short(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:160]


def _child(path: Path, connection: multiprocessing.connection.Connection, memory: int) -> None:
    try:
        import resource

        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = memory if hard == resource.RLIM_INFINITY else min(memory, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError):
        pass  # no resource limits on this platform
    try:
        result = read_raw(path)
    except MemoryError:
        result = RawFile(failure=("SB-F006", {"detail": "memory"}))
    except BaseException as error:
        result = RawFile(failure=("SB-F001", {"detail": _short(error)}))
    connection.send(result)
    connection.close()


def read_files_isolated(
    paths: Sequence[Path],
    jobs: int = 1,
    timeout: float = READ_TIMEOUT_S,
    progress: Callable[[Path], None] | None = None,
) -> Iterator[tuple[Path, RawFile]]:
    """Yield (path, RawFile) in the order given, each read in its own child process."""
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    memory = _memory_limit()
    pending = list(enumerate(paths))
    running: dict = {}  # connection -> (index, path, process, started)
    done: dict[int, tuple[Path, RawFile]] = {}
    next_out = 0
    while pending or running:
        while pending and len(running) < max(1, jobs):
            index, path = pending.pop(0)
            receive, send = context.Pipe(duplex=False)
            process = context.Process(target=_child, args=(path, send, memory), daemon=True)
            process.start()
            send.close()
            running[receive] = (index, path, process, time.monotonic())
        ready = multiprocessing.connection.wait(list(running), timeout=1.0)
        for connection in ready:
            index, path, process, _ = running.pop(connection)
            try:
                result = connection.recv()
            except (EOFError, OSError):  # the child died: a native crash or the memory limit
                result = RawFile(failure=("SB-F006", {"detail": _exit_reason(process)}))
            connection.close()
            process.join()
            done[index] = (path, result)
        now = time.monotonic()
        for connection, (index, path, process, started) in list(running.items()):
            if now - started > timeout:
                process.kill()
                process.join()
                connection.close()
                del running[connection]
                done[index] = (path, RawFile(failure=("SB-F006", {"detail": f"> {timeout:.0f} s"})))
        while next_out in done:
            path, result = done.pop(next_out)
            if progress:
                progress(path)
            yield path, result
            next_out += 1


def _exit_reason(process: multiprocessing.process.BaseProcess) -> str:
    process.join(timeout=5)
    code = process.exitcode
    return f"reader exited with code {code}"


def _memory_limit() -> int:
    """Address-space limit for a reader child: what the parent maps now plus READ_MEMORY_BYTES."""
    try:
        with open("/proc/self/statm") as statm:
            mapped = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        mapped = 0
    return mapped + READ_MEMORY_BYTES


# --- parsing values -------------------------------------------------------------------------------

_PARSERS: dict[ColumnType, Callable[[object], object]] = {
    ColumnType.MONEY: parse_money,
    ColumnType.QUANTITY: parse_quantity,
    ColumnType.PERCENT: parse_percent,
    ColumnType.COUNT: parse_count,
    ColumnType.NUMBER: parse_number,
    ColumnType.PERIOD: parse_period,
    ColumnType.MEASURE: parse_measure,
    ColumnType.THRESHOLD: parse_threshold,
}
_BAD_CODES = {
    ColumnType.MONEY: "SB-V002",
    ColumnType.QUANTITY: "SB-V008",
    ColumnType.PERCENT: "SB-V003",
    ColumnType.COUNT: "SB-V004",
    ColumnType.NUMBER: "SB-V008",
    ColumnType.DATE: "SB-V005",
    ColumnType.PERIOD: "SB-V011",
    ColumnType.MEASURE: "SB-V008",
    ColumnType.THRESHOLD: "SB-V012",
    ColumnType.CHOICE: "SB-V006",
}


def column_names(column: Column) -> dict[str, str]:
    """A column's name for messages, in both languages."""
    return {"zh": column.zh, "en": column.en}


def _choice_lookup(column: Column) -> dict[str, str]:
    lookup = {}
    for choice in column.choices:
        for spelling in choice.spellings():
            lookup[choice_key(spelling)] = choice.value
    return lookup


def _shown(raw: object) -> str:
    text = printable_text(clean_text(raw))
    return text if len(text) <= 60 else text[:57] + "…"


def parse_column(
    column: Column, raw: list[object], date1904: bool, report: Callable[[int, str, dict], None]
) -> list[object]:
    """Raw cells of one column -> parsed values (None when blank or bad); problems go to `report`.

    Strings repeat a lot in real logs (owners, channels, dates typed as text), so each distinct
    string is parsed once.
    """
    names = column_names(column)
    kind = column.type
    out: list[object] = []
    append = out.append
    if kind in (ColumnType.TEXT, ColumnType.PERSON):
        # Names are matched against the roster, so fold them fully; prose keeps its punctuation.
        fold = clean_text if kind is ColumnType.PERSON else prose_text
        for value in raw:
            if value is None or value == "":
                append(None)
            elif isinstance(value, str):
                text = value.strip()
                append(fold(text) if text and not text.isascii() else text or None)
            else:
                append(clean_text(value) or None)
        return out
    if kind is ColumnType.CHOICE:
        lookup = _choice_lookup(column)
        allowed = "、".join(c.value for c in column.choices)
        for index, value in enumerate(raw):
            text = clean_text(value)
            if not text:
                append(None)
                continue
            canonical = lookup.get(choice_key(text))
            if canonical is None:
                report(
                    index, "SB-V006", {"column": names, "raw": _shown(value), "allowed": allowed}
                )
            append(canonical)
        return out
    if kind is ColumnType.DATE:
        parser: Callable[[object], object] = lambda v: parse_date(v, date1904)  # noqa: E731
    else:
        parser = _PARSERS[kind]
    memo: dict[object, object] = {}
    bad = _BAD_CODES[kind]
    for index, value in enumerate(raw):
        if value is None or value == "":
            append(None)
            continue
        if isinstance(value, str):
            if not value.strip():
                append(None)
                continue
            if value in memo:
                parsed = memo[value]
            else:
                try:
                    parsed = parser(value)
                except BadValue:
                    parsed = BadValue
                memo[value] = parsed
        else:
            try:
                parsed = parser(value)
            except BadValue:
                parsed = BadValue
        if parsed is BadValue:
            report(index, bad, {"column": names, "raw": _shown(value)})
            append(None)
        else:
            append(parsed)
    return out


# --- tables ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """Where a block of rows came from: one sheet of one file."""

    file: str  # path relative to the workbook folder, with /
    sheet: str
    header_row: int
    columns: dict[str, int]  # column key -> 0-based sheet column


@dataclass
class Table:
    """All sheets of one kind, merged; `frame` holds parsed values plus `_source` and `_row`."""

    schema: SheetSchema
    frame: pd.DataFrame
    sources: list[Source]

    @property
    def kind(self) -> str:
        return self.schema.kind

    def __len__(self) -> int:
        return len(self.frame)

    def has(self, key: str) -> bool:
        """Whether any source sheet has this column."""
        return any(key in s.columns for s in self.sources)

    def location(self, index: int, key: str | None = None) -> Location:
        """The cell of row `index` (position in `frame`) and column `key`, or its row."""
        source = self.sources[int(self.frame["_source"].iat[index])]
        row = int(self.frame["_row"].iat[index])
        return source_location(source, row, key)

    def column(self, key: str) -> list[object]:
        if key in self.frame:
            return self.frame[key].tolist()
        return [None] * len(self.frame)


def source_location(source: Source, row: int, key: str | None = None) -> Location:
    if key is not None and key in source.columns:
        return Location(
            source.file, source.sheet, f"{column_letter(source.columns[key])}{row}", row
        )
    return Location(source.file, source.sheet, None, row)


@dataclass
class Book:
    """Everything read from one folder: tables by kind, the files seen, and the reading issues."""

    folder: Path
    tables: dict[str, Table]
    files: list[str]  # read (or tried): regular files, printable names, relative with /
    issues: list[Issue]
    refused: list[str] = field(default_factory=list)  # odd entries reported, never opened

    def table(self, kind: str) -> Table | None:
        return self.tables.get(kind)


def read_folder(
    folder: Path,
    jobs: int = 1,
    progress: Callable[[Path], None] | None = None,
    paths: list[Path] | None = None,
) -> Book:
    """Read every workbook under `folder` (or the given `paths` under it, as `find_workbooks`
    lists them) into one Table per kind; never raises on bad files."""
    paths = find_workbooks(folder) if paths is None else paths
    # Odd entries (links, FIFOs, unprintable names) are found with the paths; a caller that
    # listed the paths some other way gets them from a fresh look.
    refused = getattr(paths, "refused", None)
    if refused is None:
        refused = find_workbooks(folder).refused
    issues: list[Issue] = [Issue(r.code, Location(r.name), r.params) for r in refused]
    blocks: dict[str, list[tuple[Source, dict[str, np.ndarray], np.ndarray]]] = {}
    files = []
    for path, raw in read_files_isolated(paths, jobs=jobs, progress=progress):
        name = path.relative_to(folder).as_posix()
        files.append(name)
        if raw.failure:
            code, params = raw.failure
            issues.append(Issue(code, Location(name), params))
            continue
        for sheet_name in raw.unknown_sheets:
            if raw.sheets:  # a file with no known sheet at all gets one F005 instead
                issues.append(Issue("SB-H002", Location(name, printable_name(sheet_name))))
        if not raw.sheets:
            issues.append(Issue("SB-F005", Location(name)))
        issues += _reaching_issues(name, raw.reaching)
        for sheet in raw.sheets:
            source = Source(name, printable_name(sheet.name), sheet.header_row, sheet.columns)
            parsed = _parse_sheet(sheet, source, raw.date1904, issues, bool(raw.reaching))
            blocks.setdefault(sheet.kind, []).append((source, parsed, sheet.rows))
    tables = {kind: _merge(SHEETS_BY_KIND[kind], parts) for kind, parts in blocks.items()}
    return Book(folder, tables, files, issues, [r.name for r in refused])


REACHING_SHOWN = 50  # SB-V013 per file; the rest are counted in one SB-V015


def _reaching_issues(name: str, reaching: list[Reach]) -> list[Issue]:
    """SB-V013 for each formula that reaches out (the first REACHING_SHOWN), SB-V015 for the rest."""
    issues = []
    for reach in reaching[:REACHING_SHOWN]:
        row = int(reach.cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ") or 0) or None
        raw = "" if reach.cached is None else reach.cached
        issues.append(
            Issue(
                "SB-V013",
                Location(name, printable_name(reach.sheet), reach.cell, row),
                {"kind": reach.kind, "formula": _shown("=" + reach.formula), "raw": _shown(raw)},
            )
        )
    if len(reaching) > REACHING_SHOWN:
        issues.append(Issue("SB-V015", Location(name), {"count": len(reaching) - REACHING_SHOWN}))
    return issues


def _parse_sheet(
    sheet: RawSheet,
    source: Source,
    date1904: bool,
    issues: list[Issue],
    reaching: bool = False,
) -> dict[str, np.ndarray]:
    """Parse each distinct value once, spread the results over the rows, report at each cell.

    `reaching`: the file has formulas that reach out, so no message may advise opening it."""
    schema = SHEETS_BY_KIND[sheet.kind]
    title = {"zh": schema.zh, "en": schema.en}

    def at(key: str | None, position: int) -> Location:
        row = int(sheet.rows[position])
        if key is None:
            return Location(source.file, source.sheet, None, row)
        return Location(source.file, source.sheet, f"{column_letter(sheet.columns[key])}{row}", row)

    for column in schema.required:
        if column.key not in sheet.columns:
            issues.append(
                Issue(
                    "SB-H001",
                    Location(source.file, source.sheet, row=sheet.header_row),
                    {"sheet_kind": title, "column": column_names(column)},
                )
            )
    for key, first, repeated in sheet.duplicates:
        cell = f"{column_letter(repeated)}{sheet.header_row}"
        issues.append(
            Issue(
                "SB-H003",
                Location(source.file, source.sheet, cell, sheet.header_row),
                {
                    "column": column_names(schema.column(key)),
                    "first": f"{column_letter(first)}{sheet.header_row}",
                },
            )
        )
    if not len(sheet.rows):
        issues.append(Issue("SB-H004", Location(source.file, source.sheet, row=sheet.header_row)))

    # Formula cells without a result and error cells: reported as such, read as blank.
    broken: dict[str, dict[int, str]] = defaultdict(dict)
    if sheet.broken:
        by_letter = {column_letter(index): key for key, index in sheet.columns.items()}
        for ref, what in sheet.broken.items():
            letters = ref.rstrip("0123456789")
            key = by_letter.get(letters)
            if key is None or not ref[len(letters) :].isdigit():
                continue
            position = int(np.searchsorted(sheet.rows, int(ref[len(letters) :])))
            if position < len(sheet.rows) and sheet.rows[position] == int(ref[len(letters) :]):
                broken[key][position] = what
                formula_code = "SB-V014" if reaching else "SB-V007"
                code, params = (
                    (formula_code, {})
                    if what == "formula"
                    else ("SB-V010", {"raw": printable_text(what)})
                )
                issues.append(Issue(code, at(key, position), params))

    parsed: dict[str, np.ndarray] = {}
    for column in schema.columns:
        if column.key not in sheet.cells:
            continue
        encoded = sheet.cells[column.key]
        bad: list[tuple[int, str, dict]] = []
        values = parse_column(
            column,
            encoded.uniques,
            date1904,
            lambda index, code, params, bad=bad: bad.append((index, code, params)),
        )
        skip = broken.get(column.key, {})
        for index, code, params in bad:
            for position in np.flatnonzero(encoded.codes == index):
                if position not in skip:
                    issues.append(Issue(code, at(column.key, position), params))
        if column.required:
            for position in np.flatnonzero(encoded.blank_mask()):
                if position not in skip:
                    issues.append(
                        Issue("SB-V001", at(column.key, position), {"column": column_names(column)})
                    )
        if column.type is ColumnType.PERSON:
            for index, value in enumerate(values):
                if value and PLACEHOLDER.match(value):
                    for position in np.flatnonzero(encoded.codes == index):
                        issues.append(
                            Issue(
                                "SB-V009",
                                at(column.key, position),
                                {"column": column_names(column), "raw": value},
                            )
                        )
        lookup = np.empty(len(values) + 1, dtype=object)
        lookup[: len(values)] = values
        lookup[len(values)] = None  # code -1: a missing cell
        spread = lookup[encoded.codes]
        for position in skip:
            spread[position] = None
        parsed[column.key] = spread
    return parsed


def _merge(
    schema: SheetSchema, parts: list[tuple[Source, dict[str, np.ndarray], np.ndarray]]
) -> Table:
    sources = [source for source, _, _ in parts]
    data: dict[str, object] = {}
    for column in schema.columns:
        pieces = [
            parsed.get(column.key, np.full(len(rows), None, dtype=object))
            for _, parsed, rows in parts
        ]
        data[column.key] = np.concatenate(pieces) if pieces else np.empty(0, dtype=object)
    data["_source"] = np.concatenate(
        [np.full(len(rows), i, dtype=np.int64) for i, (_, _, rows) in enumerate(parts)]
    )
    data["_row"] = np.concatenate([rows.astype(np.int64) for _, _, rows in parts])
    # dtype=object keeps Python values (Decimal, date, None): no float, no NaN, no inferred str.
    frame = pd.DataFrame(
        {
            key: pd.Series(values, dtype=object if key[0] != "_" else None, copy=False)
            for key, values in data.items()
        }
    )
    return Table(schema, frame, sources)
