"""Folder -> the workbook files in it (odd entries refused), each read in a child into raw cells.

Finding: only regular files with printable UTF-8 names are opened; links, FIFOs, devices and
unprintable names become refusals (one issue each). Reading: each file is read in a child process
with time and memory limits (runner.py), because native readers can hang or abort the whole
process on a malformed file (FIELD-NOTES): one bad file becomes one failure, the batch goes on.
The child sends back only the columns of recognised sheets (kinds by header rows, SPEC §0),
dictionary-encoded; CSV text is decoded by its BOM, else UTF-8, GB18030 or Big5.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import re
import stat
import warnings
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from salesbook.formulas import Reach, scan_sheet, sheet_parts
from salesbook.runner import Failure, Limits, Outcome, Task, completed, reason
from salesbook.schemas import SHEETS, Column, ReadOptions, SheetSchema
from salesbook.values import header_keys

READABLE = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".csv", ".xltx", ".xltm"}
# Spreadsheet formats people send that no reader here opens: reported, not silently skipped.
UNREADABLE = {".numbers", ".et", ".ett", ".wps", ".gsheet", ".xlw", ".sxc", ".fods"}
HEADER_SEARCH_ROWS = 30  # a header may sit below title rows
NO_OPTIONS = ReadOptions()
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
    headers: dict[str, str] = field(default_factory=dict)  # column key -> its header as typed


@dataclass
class RawFile:
    sheets: list[RawSheet] = field(default_factory=list)
    unknown_sheets: list[str] = field(default_factory=list)
    date1904: bool = False
    failure: tuple[str, dict[str, object]] | None = None  # (issue code, params)
    reaching: list[Reach] = field(default_factory=list)  # formulas that reach out (formulas.py)
    # Unknown sheets that look like an export: (sheet, 1-based header row, its headers).
    exports: list[tuple[str, int, list[str]]] = field(default_factory=list)

    def skip(self, name: str, grid: Sequence[Sequence[object]] | None = None) -> None:
        """Record a sheet no kind matched, and whether it looks like an export."""
        self.unknown_sheets.append(name)
        found = _export_headers(grid) if grid else None
        if found is not None:
            self.exports.append((name, found[0] + 1, found[1]))


def _match_header(
    cells: Sequence[object], options: ReadOptions = NO_OPTIONS
) -> tuple[SheetSchema, dict[str, int], list] | None:
    """The schema whose headers this row carries best, with where each column is.

    A column's headers rank: one the admin mapped in salesbook.toml first, then its preferred
    headers (跟进人 before 负责人), then the rest; only cells of the best rank found are the
    column, and two of that same rank are a repeated column (SB-H003)."""
    keyed = []
    for index, cell in enumerate(cells):
        if isinstance(cell, str) and cell.strip():
            keyed.append((index, header_keys(cell)))
    if len(keyed) < 2:
        return None
    best = None
    for schema in SHEETS:
        mapped = options.headers_of(schema.kind)
        columns: dict[str, int] = {}
        duplicates = []
        for column in schema.columns:
            ranks = _column_ranks(column)
            own = {h for h, key in mapped.items() if key == column.key}
            found: list[tuple[int, int]] = []  # (rank, sheet column)
            for index, keys in keyed:
                if keys & own:
                    found.append((0, index))
                elif not keys & mapped.keys():  # a mapped header belongs to its column only
                    rank = min((ranks[k] for k in keys if k in ranks), default=None)
                    if rank is not None:
                        found.append((rank, index))
            if not found:
                continue
            top = min(rank for rank, _ in found)
            first, *repeated = [index for rank, index in found if rank == top]
            columns[column.key] = first
            duplicates += [(column.key, first, index) for index in repeated]
        if any(key not in columns for key in schema.signature):
            continue
        required = [c for c in schema.columns if c.required]
        found_required = sum(1 for c in required if c.key in columns)
        # Recognised when most required headers are there: a missing one is then an H001 issue.
        if found_required < max(2, (len(required) + 1) // 2):
            continue
        score = (found_required / len(required), len(columns))
        if best is None or score > best[0]:
            best = (score, schema, columns, duplicates)
    return None if best is None else (best[1], best[2], best[3])


_COLUMN_RANKS: dict[int, dict[str, int]] = {}  # by id: the schemas' columns live for good


def _column_ranks(column: Column) -> dict[str, int]:
    """Header key -> rank (1 preferred, 2 any other header of the column)."""
    cache_key = id(column)  # owner of a follow-up log and of an opportunity differ
    if cache_key not in _COLUMN_RANKS:
        ranks: dict[str, int] = {}
        for header in column.headers():
            for key in header_keys(header):
                ranks.setdefault(key, 1 if header in column.preferred else 2)
        _COLUMN_RANKS[cache_key] = ranks
    return _COLUMN_RANKS[cache_key]


EXPORT_MIN_HEADERS = 5  # a row of this many short texts above data rows looks like an export
EXPORT_MIN_ROWS = 2


def _export_headers(grid: Sequence[Sequence[object]]) -> tuple[int, list[str]] | None:
    """(0-based row, headers) of a header row no kind matched, when the sheet looks like an
    export (many short header texts, data rows below): worth a warning, not a silent skip."""
    for offset, cells in enumerate(grid[:HEADER_SEARCH_ROWS]):
        texts = [c.strip() for c in cells if isinstance(c, str) and c.strip()]
        if len(texts) < EXPORT_MIN_HEADERS or len(set(texts)) < len(texts) * 0.8:
            continue
        if any(len(t) > 40 for t in texts):
            continue
        below = [
            line
            for line in grid[offset + 1 : offset + 1 + 50]
            if sum(not _is_blank(v) for v in line) >= 2
        ]
        if len(below) >= EXPORT_MIN_ROWS:
            return offset, [_clean_cell(t) for t in texts]
    return None


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


def _scan_grid(
    name: str,
    grid: Sequence[Sequence[object]],
    start: tuple[int, int],
    options: ReadOptions = NO_OPTIONS,
) -> RawSheet | None:
    """Find the header row of one sheet's grid and lift out its data rows, column by column."""
    row0, col0 = start
    for offset, cells in enumerate(grid[:HEADER_SEARCH_ROWS]):
        matched = _match_header(cells, options)
        if matched is None:
            continue
        schema, columns, duplicates = matched
        data: Sequence[Sequence[object]] = grid[offset + 1 :]
        width = max((len(line) for line in data), default=0)
        if any(len(line) != width for line in data):  # CSV rows may be ragged
            data = [list(line) + [""] * (width - len(line)) for line in data]
        block = np.empty((len(data), width), dtype=object)
        if data and width:
            block[:] = data
        blank_column = np.full(len(data), "", dtype=object)
        encoded = {
            key: _encode(block[:, index] if index < width else blank_column)
            for key, index in columns.items()
        }
        # Blank rows are dropped, and so are 合计/总计 rows whose first filled cell says so.
        blank = np.ones(len(data), dtype=bool)
        total = np.zeros(len(data), dtype=bool)
        for key in sorted(columns, key=columns.__getitem__):
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
            headers={key: _clean_cell(str(cells[index])).strip() for key, index in columns.items()},
        )
    return None


_DATE1904 = re.compile(rb"date1904\s*=\s*[\"'](?:1|true)[\"']", re.IGNORECASE)
_ATTR = re.compile(rb"([\w:]+)\s*=\s*[\"']([^\"']*)[\"']")
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.DOTALL)


def _attrs(tag: bytes) -> dict[bytes, bytes]:
    return {k.split(b":")[-1]: v for k, v in _ATTR.findall(tag)}


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


def _read_csv(path: Path, options: ReadOptions) -> RawFile:
    text = _decode_csv(path.read_bytes())
    if text is None:
        return RawFile(failure=("SB-F007", {}))
    grid: list[list[object]] = [list(r) for r in csv.reader(io.StringIO(text), _csv_dialect(text))]
    sheet = _scan_grid(path.stem, grid, (0, 0), options)
    if sheet is None:
        result = RawFile()
        result.skip(path.stem, grid)
        return result
    return RawFile(sheets=[sheet])


def read_raw(path: Path, options: ReadOptions = NO_OPTIONS) -> RawFile:
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
        return _read_csv(path, options)
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
        fallback = _read_openpyxl(path, options) if head.startswith(b"PK") else None
        return fallback or RawFile(failure=("SB-F001", {"detail": reason(error)}))
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
        parts = sheet_parts(archive) if archive else {}
    except (zipfile.BadZipFile, OSError, KeyError):
        parts = {}
    for name in workbook.sheet_names:
        grid: Sequence[Sequence[object]] | None
        try:
            sheet = workbook.get_sheet_by_name(name)
            grid = sheet.to_python(skip_empty_area=True)
            start = sheet.start or (0, 0)
        except BaseException:
            grid, start = _openpyxl_grid(path, name), (0, 0)
            if grid is None:
                result.skip(name)
                continue
        scanned = _scan_grid(name, grid, start, options) if grid else None
        if scanned is None:
            result.skip(name, grid)
            continue
        if archive and name in parts:
            try:
                scanned.broken = _broken_cells(archive, parts[name])
            except (zipfile.BadZipFile, OSError, KeyError, RuntimeError):
                scanned.broken = {}
        result.sheets.append(scanned)
    if not result.sheets and not result.unknown_sheets and not workbook.sheet_names:
        return RawFile(failure=("SB-F001", {"detail": "no worksheets"}))
    if archive is None:  # not a zip: no parts to scan
        return result
    for name, part in parts.items():  # every sheet: the filled copy keeps them all
        try:
            result.reaching += scan_sheet(archive, name, part)
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


def _read_openpyxl(path: Path, options: ReadOptions) -> RawFile | None:
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
        scanned = _scan_grid(name, grid, (0, 0), options) if grid else None
        if scanned is None:
            result.skip(name, grid)
        else:
            result.sheets.append(scanned)
    return result


def read_files_isolated(
    paths: Sequence[Path],
    jobs: int = 1,
    timeout: float = READ_TIMEOUT_S,
    progress: Callable[[Path], None] | None = None,
    options: ReadOptions = NO_OPTIONS,
) -> Iterator[tuple[Path, RawFile]]:
    """Yield (path, RawFile) in the order given, each read in its own child process."""
    tasks = [Task(read_raw, (path, options), label=str(path)) for path in paths]
    done: dict[int, RawFile] = {}
    next_out = 0
    outcomes = completed(tasks, jobs, Limits(READ_MEMORY_BYTES, timeout), isolate=True)
    with closing(outcomes):  # closing the generator kills the children still running
        for outcome in outcomes:
            raw = (
                outcome.value if isinstance(outcome, Outcome) else _failed(outcome.failure, timeout)
            )
            done[outcome.index] = raw or RawFile()
            while next_out in done:
                if progress:
                    progress(paths[next_out])
                yield paths[next_out], done.pop(next_out)
                next_out += 1


def _failed(failure: Failure, timeout: float) -> RawFile:
    """A reader child that raised, passed a limit or died, as the file's failure issue."""
    if failure.kind == "error":
        return RawFile(failure=("SB-F001", {"detail": failure.reason}))
    if failure.kind == "memory":
        return RawFile(failure=("SB-F006", {"detail": "memory"}))
    if failure.kind == "time":
        return RawFile(failure=("SB-F006", {"detail": f"> {timeout:.0f} s"}))
    return RawFile(failure=("SB-F006", {"detail": f"reader exited with code {failure.exit_code}"}))
