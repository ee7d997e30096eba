"""Raw cells of each file (sources.py) -> one Table per sheet kind, values parsed, every row's cell
position kept -> a Book with the reading issues.

Kinds are recognised by header rows (SPEC §0), never by file or sheet name. Each distinct raw
value is parsed once and the result spread over its cells; a value that cannot be read is an
issue at its cell and blank in the table.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd

from salesbook.errors import AmbiguousDate, BadValue, ForeignCurrency
from salesbook.formulas import Reach
from salesbook.issues import Issue, Location
from salesbook.schemas import SHEETS_BY_KIND, Column, ColumnType, ReadOptions, SheetSchema
from salesbook.sources import (
    NO_OPTIONS,
    RawSheet,
    find_workbooks,
    printable_name,
    printable_text,
    read_files_isolated,
)
from salesbook.values import (
    PLACEHOLDER,
    Measure,
    Period,
    Quantity,
    Threshold,
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
    parse_points,
    parse_quantity,
    parse_threshold,
    prose_text,
    simplified,
    spelled_keys,
)

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


def column_names(column: Column, typed: str | None = None) -> dict[str, str]:
    """A column's name for messages, in both languages. Chinese ones say the standard header;
    English ones the header as the file has it (`typed`: the reader looks for that text, not for
    a name of ours), or the English header when the file has none (a missing column)."""
    return {"zh": column.zh, "en": typed or column.en}


HEADER_LANGS = ("zh", "zh-Hant", "en")  # as Column.header() names them


def header_lang(schema: SheetSchema, headers: Mapping[str, str]) -> str:
    """The language of a sheet's header row: 简 (zh), 繁 (zh-Hant) or en, by the headers that
    tell them apart (姓名 is both 简 and 繁); a tie or no telling header is zh."""
    votes: Counter[str] = Counter()
    for key, typed in headers.items():
        # As typed, not folded to Simplified: 目標維度 and 目标维度 differ only in characters.
        keys = spelled_keys(typed)
        spelled = {lang: spelled_keys(schema.column(key).header(lang)) for lang in HEADER_LANGS}
        matched = [lang for lang in HEADER_LANGS if keys & spelled[lang]]
        if len(matched) == 1:
            votes[matched[0]] += 1
        elif not matched and typed.isascii():  # an English alias (follow-up date)
            votes["en"] += 1
    if not votes:
        return "zh"
    return max(HEADER_LANGS, key=lambda lang: votes[lang])  # first of equals: zh


def _choice_lookup(column: Column, options: ReadOptions = NO_OPTIONS) -> dict[str, str]:
    """Spelling key -> allowed value; the admin's `[values.<column>]` mapping wins."""
    lookup = {}
    for choice in column.choices:
        for spelling in choice.spellings():
            lookup[choice_key(spelling)] = choice.value
    allowed = {choice.value for choice in column.choices}  # 状态 of a roster is not a review's
    lookup.update((k, v) for k, v in options.values_of(column.key).items() if v in allowed)
    return lookup


def reads_points(column: Column, typed: str | None) -> bool:
    """Whether a percent column's bare numbers are percentage points (85.5 = 85.5 %): when the
    export writes it so (完成率) or its header says % (`达成率(%)`). Otherwise a bare number up
    to PERCENT_RATIO_LIMIT is a ratio (an Excel percent cell holds 1.1 for 110 %)."""
    return column.points or bool(typed and ("%" in typed or "％" in typed))


def _shown(raw: object) -> str:
    text = printable_text(clean_text(raw))
    return text if len(text) <= 60 else text[:57] + "…"


def parse_column(
    column: Column,
    raw: list[object],
    date1904: bool,
    report: Callable[[int, str, dict], None],
    typed: str | None = None,
    options: ReadOptions = NO_OPTIONS,
) -> list[object]:
    """Raw cells of one column -> parsed values (None when blank or bad); problems go to `report`.

    Strings repeat a lot in real logs (owners, channels, dates typed as text), so each distinct
    string is parsed once.
    """
    names = column_names(column, typed)
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
        lookup = _choice_lookup(column, options)
        allowed = {
            "zh": "、".join(c.value for c in column.choices),
            "en": ", ".join(c.en or c.value for c in column.choices),
        }
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
    us_dates = options.us_dates
    if kind is ColumnType.DATE:
        parser: Callable[[object], object] = lambda v: parse_date(v, date1904, us_dates)  # noqa: E731
    elif kind is ColumnType.PERCENT and reads_points(column, typed):
        parser = parse_points
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
                except BadValue as error:
                    parsed = error
                memo[value] = parsed
        else:
            try:
                parsed = parser(value)
            except BadValue as error:
                parsed = error
        if isinstance(parsed, BadValue):
            params = {"column": names, "raw": _shown(value)}
            if isinstance(parsed, ForeignCurrency):
                report(index, "SB-V016", params | {"currency": parsed.currency})
            elif isinstance(parsed, AmbiguousDate):
                report(index, "SB-V017", params)
            else:
                report(index, bad, params)
            append(None)
        else:
            append(parsed)
    return out


# --- tables ----------------------------------------------------------------------------------------

_TEXT_TYPES = {ColumnType.TEXT, ColumnType.PERSON, ColumnType.CHOICE}
_DECIMAL_TYPES = {ColumnType.MONEY, ColumnType.PERCENT, ColumnType.NUMBER}


@dataclass(frozen=True)
class Source:
    """Where a block of rows came from: one sheet of one file."""

    file: str  # path relative to the workbook folder, with /
    sheet: str
    header_row: int
    columns: dict[str, int]  # column key -> 0-based sheet column
    headers: dict[str, str] = field(default_factory=dict)  # column key -> its header as typed
    lang: str = "zh"  # the header row's language (header_lang): what salesbook adds follows it


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

    # Typed columns: each holds what its schema type parses to (parse_column), None where the
    # cell is blank, could not be read or its sheet lacks the column. Asking for a column as a
    # type its schema does not declare is a programming error (TypeError), never a data problem.
    # Each call copies the column: fetch it once, outside per-row loops.

    def texts(self, key: str) -> list[str | None]:
        """A text, person or choice column (choices as their canonical value)."""
        return cast("list[str | None]", self._values(key, _TEXT_TYPES))

    def decimals(self, key: str) -> list[Decimal | None]:
        """A money, percent (as a ratio) or number column."""
        return cast("list[Decimal | None]", self._values(key, _DECIMAL_TYPES))

    def counts(self, key: str) -> list[int | None]:
        return cast("list[int | None]", self._values(key, {ColumnType.COUNT}))

    def quantities(self, key: str) -> list[Quantity | None]:
        return cast("list[Quantity | None]", self._values(key, {ColumnType.QUANTITY}))

    def dates(self, key: str) -> list[dt.date | None]:
        return cast("list[dt.date | None]", self._values(key, {ColumnType.DATE}))

    def periods(self, key: str) -> list[Period | None]:
        return cast("list[Period | None]", self._values(key, {ColumnType.PERIOD}))

    def measures(self, key: str) -> list[Measure | None]:
        return cast("list[Measure | None]", self._values(key, {ColumnType.MEASURE}))

    def thresholds(self, key: str) -> list[Threshold | None]:
        return cast("list[Threshold | None]", self._values(key, {ColumnType.THRESHOLD}))

    def _values(self, key: str, types: Collection[ColumnType]) -> list[object]:
        declared = self.schema.column(key).type  # KeyError: no such column in this kind
        if declared not in types:
            wanted = "/".join(sorted(t.value for t in types))
            raise TypeError(f"{self.kind}.{key} is a {declared.value} column, not {wanted}")
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

    @cached_property
    def customer_spellings(self) -> dict[str, str]:
        """Each other spelling of a customer -> the one it is counted under. Names are matched
        by values.customer_key (trimmed, full-width letters folded, Traditional as Simplified);
        the spelling kept is the first met in the follow-up logs, then the opportunity list,
        then the plan. Empty when every customer is written one way (the usual case). Worked
        out once: compute asks for it for every span it counts."""
        first: dict[str, str] = {}
        other: dict[str, str] = {}
        for kind, key in CUSTOMER_COLUMNS:
            table = self.table(kind)
            if table is None or key not in table.frame:
                continue
            for name in table.frame[key].dropna().unique().tolist():
                # the reader has trimmed the name and folded its width (prose_text):
                # customer_key without repeating that
                kept = first.setdefault(simplified(name), name)
                if kept != name:
                    other[name] = kept
        return other


# The columns naming a customer, in the order their spellings are kept (Book.customer_spellings)
CUSTOMER_COLUMNS = (
    ("follow_up", "customer"),
    ("opportunity", "customer"),
    ("sales_plan", "key_customer"),
)


def read_folder(
    folder: Path,
    jobs: int = 1,
    progress: Callable[[Path], None] | None = None,
    paths: list[Path] | None = None,
    options: ReadOptions = NO_OPTIONS,
) -> Book:
    """Read every workbook under `folder` (or the given `paths` under it, as `find_workbooks`
    lists them) into one Table per kind; never raises on bad files. `options` carries the
    headers and values mapped in salesbook.toml."""
    paths = find_workbooks(folder) if paths is None else paths
    # Odd entries (links, FIFOs, unprintable names) are found with the paths; a caller that
    # listed the paths some other way gets them from a fresh look.
    refused = getattr(paths, "refused", None)
    if refused is None:
        refused = find_workbooks(folder).refused
    issues: list[Issue] = [Issue(r.code, Location(r.name), r.params) for r in refused]
    blocks: dict[str, list[tuple[Source, dict[str, np.ndarray], np.ndarray]]] = {}
    files = []
    for path, raw in read_files_isolated(paths, jobs=jobs, progress=progress, options=options):
        name = path.relative_to(folder).as_posix()
        files.append(name)
        if raw.failure:
            code, params = raw.failure
            issues.append(Issue(code, Location(name), params))
            continue
        exports = {sheet: (row, headers) for sheet, row, headers in raw.exports}
        for sheet_name in raw.unknown_sheets:
            if sheet_name in exports:  # looks like an export: say which headers were not read
                row, headers = exports[sheet_name]
                shown = "、".join(printable_text(h) for h in headers[:12])
                shown += "…" if len(headers) > 12 else ""
                where = Location(name, printable_name(sheet_name), row=row)
                issues.append(Issue("SB-H006", where, {"headers": shown}))
            elif raw.sheets:  # a file with no known sheet at all gets one F005 instead
                issues.append(Issue("SB-H002", Location(name, printable_name(sheet_name))))
        if not raw.sheets and not exports:
            issues.append(Issue("SB-F005", Location(name)))
        mapped = _mapped_headers(raw.sheets, options)
        if mapped:
            issues.append(Issue("SB-H005", Location(name), mapped))
        issues += _reaching_issues(name, raw.reaching)
        for sheet in raw.sheets:
            source = Source(
                name,
                printable_name(sheet.name),
                sheet.header_row,
                sheet.columns,
                sheet.headers,
                header_lang(SHEETS_BY_KIND[sheet.kind], sheet.headers),
            )
            parsed = _parse_sheet(sheet, source, raw.date1904, issues, bool(raw.reaching), options)
            blocks.setdefault(sheet.kind, []).append((source, parsed, sheet.rows))
    tables = {kind: _merge(SHEETS_BY_KIND[kind], parts) for kind, parts in blocks.items()}
    return Book(folder, tables, files, issues, [r.name for r in refused])


def _mapped_headers(sheets: list[RawSheet], options: ReadOptions) -> dict[str, object] | None:
    """SB-H005's params: each header of the file read as a column by another name than the
    standard 简/繁/EN header (a CRM's 跟进时间 as 跟进日期, or a mapping in salesbook.toml), once
    per file, so the admin sees how an export was read; None when every header is standard."""
    zh: list[str] = []
    en: list[str] = []
    for sheet in sheets:
        schema = SHEETS_BY_KIND[sheet.kind]
        mapped = options.headers_of(sheet.kind)
        for key in sorted(sheet.columns, key=sheet.columns.__getitem__):
            typed = sheet.headers.get(key, "")
            column = schema.column(key)
            standard = set().union(*(header_keys(h) for h in column.standard_headers()))
            keys = header_keys(typed)
            if keys & standard:
                continue
            by_setting = bool(keys & mapped.keys())
            zh.append(f"「{typed}」→「{column.zh}」" + ("（按设置）" if by_setting else ""))
            en.append(f"'{typed}' as '{column.en}'" + (" (by setting)" if by_setting else ""))
    if not zh:
        return None
    return {"mapping": {"zh": "、".join(dict.fromkeys(zh)), "en": ", ".join(dict.fromkeys(en))}}


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
    options: ReadOptions = NO_OPTIONS,
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
                    {"sheet_kind": title, "column": column_names(column), "kind": schema.kind},
                )
            )
    for key, first, repeated in sheet.duplicates:
        cell = f"{column_letter(repeated)}{sheet.header_row}"
        issues.append(
            Issue(
                "SB-H003",
                Location(source.file, source.sheet, cell, sheet.header_row),
                {
                    "column": column_names(schema.column(key), sheet.headers.get(key)),
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
            found = by_letter.get(letters)
            if found is None or not ref[len(letters) :].isdigit():
                continue
            position = int(np.searchsorted(sheet.rows, int(ref[len(letters) :])))
            if position < len(sheet.rows) and sheet.rows[position] == int(ref[len(letters) :]):
                broken[found][position] = what
                formula_code = "SB-V014" if reaching else "SB-V007"
                code, params = (
                    (formula_code, {})
                    if what == "formula"
                    else ("SB-V010", {"raw": printable_text(what)})
                )
                issues.append(Issue(code, at(found, position), params))

    parsed: dict[str, np.ndarray] = {}
    for column in schema.columns:
        if column.key not in sheet.cells:
            continue
        encoded = sheet.cells[column.key]
        typed = sheet.headers.get(column.key)
        bad: list[tuple[int, str, dict]] = []
        values = parse_column(column, encoded.uniques, date1904, _collect(bad), typed, options)
        skip = broken.get(column.key, {})
        for index, code, params in bad:
            for position in np.flatnonzero(encoded.codes == index).tolist():
                if position not in skip:
                    issues.append(Issue(code, at(column.key, position), params))
        if column.required:
            for position in np.flatnonzero(encoded.blank_mask()).tolist():
                if position not in skip:
                    issues.append(
                        Issue(
                            "SB-V001",
                            at(column.key, position),
                            {"column": column_names(column, typed)},
                        )
                    )
        if column.type is ColumnType.PERSON:
            for index, value in enumerate(values):
                if isinstance(value, str) and value and PLACEHOLDER.match(value):
                    for position in np.flatnonzero(encoded.codes == index).tolist():
                        issues.append(
                            Issue(
                                "SB-V009",
                                at(column.key, position),
                                {"column": column_names(column, typed), "raw": value},
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


def _collect(bad: list[tuple[int, str, dict]]) -> Callable[[int, str, dict], None]:
    """A `report` for parse_column that keeps each problem in `bad`."""

    def report(index: int, code: str, params: dict) -> None:
        bad.append((index, code, params))

    return report


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
