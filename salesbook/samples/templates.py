"""Schemas → one blank workbook per kind with example rows (`salesbook init`)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from salesbook.config import CONFIG_NAME, commented_toml
from salesbook.errors import SalesbookError
from salesbook.samples.data import LEAD, REP
from salesbook.samples.typed import cn_date, nth_month
from salesbook.samples.writing import SheetData, refuse_overwrite, write_book
from salesbook.schemas import ROSTER, TARGET_OVERALL, WORKBOOKS, Column, ColumnType, WorkbookKind
from salesbook.values import Period, parse_period, quarter_period

LANGS = ("zh", "zh-Hant", "en")
# Templates carry a fixed timestamp so that writing them again gives the same bytes.
TEMPLATE_STAMP = dt.datetime(2026, 1, 1, 9, 0)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def write_templates(
    folder: Path,
    lang: str = "zh",
    force: bool = False,
    period: Period | None = None,
    today: dt.date | None = None,
) -> list[Path]:
    """One blank workbook per kind, headers in `lang` ("zh", "zh-Hant", "en"), with example rows
    dated in `period` (default: the quarter of `today`, the clock's date) and naming example
    people (张三, 李四 under 张伟, all on the example roster) where the seed has `*`."""
    if lang not in LANGS:
        raise SalesbookError(f"不支持的表头语言：{lang} (unsupported header language: {lang})")
    day = today or dt.date.today()
    period = period or quarter_period(day.year, (day.month - 1) // 3 + 1)
    if period.kind != "quarter":
        raise SalesbookError(
            f"示例行按季度填写，请用如 2026Q4 的季度，而不是 {period.label} "
            f"(the example rows cover one quarter, e.g. 2026Q4, not {period.label})"
        )
    folder = Path(folder)
    targets = [(kind, folder / f"{kind.title(lang)}.xlsx") for kind in WORKBOOKS]
    settings = folder / CONFIG_NAME
    refuse_overwrite(folder, [*(path for _, path in targets), settings], force)
    folder.mkdir(parents=True, exist_ok=True)
    for kind, path in targets:
        _write_template(kind, path, lang, period)
    settings.write_text(commented_toml(), encoding="utf-8")  # every setting, company unset
    return sorted([*(path for _, path in targets), settings])


# init's example people: the seed's placeholders (*经理, *小组, *销售代表, *) become these, and
# the example roster lists them, so a fresh folder validates without "fill in a real name".
TEMPLATE_MANAGER = "张伟"  # the seed roster's 区域经理
TEMPLATE_NAMES = ("张三", "李四")
TEMPLATE_PLACEHOLDERS = {"*经理": TEMPLATE_MANAGER, "*小组": "李四", "*销售代表": "张三"}


def _write_template(kind: WorkbookKind, path: Path, lang: str, period: Period) -> None:
    seed_period = parse_period(TARGET_OVERALL.example_rows[0][3])
    sheets = []
    for schema in kind.sheets:
        rows = [
            {
                c.key: _example_value(c, value, index, seed_period, period)
                for c, value in zip(schema.columns, row, strict=True)
            }
            for index, row in enumerate(schema.example_rows)
        ]
        if schema is ROSTER:
            rows += [
                _template_rep(rows[0], name, number)
                for number, name in enumerate(TEMPLATE_NAMES, 2)
            ]
        sheets.append(SheetData(schema, rows))
    # The example rows stay as the seed typed them (电话 under a "channel" header is read fine).
    write_book(path, lang, sheets, TEMPLATE_STAMP, respell=False)


def _template_rep(manager: dict[str, object], name: str, number: int) -> dict[str, object]:
    """张三 (销售代表, with the one personal target) or 李四 (组长), under the manager row."""
    pinyin = {"张三": "zhang.san", "李四": "li.si"}[name]
    return {
        **manager,
        "name": name,
        "staff_id": f"S{number:03d}",
        "role": REP if name == TEMPLATE_NAMES[0] else LEAD,
        "manager": manager["name"],
        "hire_date": dt.date(2022, number, 1),
        "email": f"{pinyin}@example.com",
    }


def _example_value(
    column: Column, value: object, index: int, seed_period: Period, period: Period
) -> object:
    """A seed value as typed, moved into `period` (dates keep their month of the quarter and day)
    with example names for `*` and 「」 for the seed's ASCII quotes; an ISO date becomes a date."""
    if not isinstance(value, str):
        return value
    value = re.sub(r"'([^']+)'", r"「\1」", value)
    for placeholder, name in TEMPLATE_PLACEHOLDERS.items():
        value = value.replace(placeholder, name)
    value = value.replace("*", TEMPLATE_NAMES[index % len(TEMPLATE_NAMES)])

    def moved(day: dt.date) -> dt.date:  # only the seed quarter's dates: not a hire date
        if not seed_period.start <= day <= seed_period.end:
            return day
        offset = (day.year - seed_period.start.year) * 12 + day.month - seed_period.start.month
        month = nth_month(period, offset)
        return min(month.start + dt.timedelta(days=day.day - 1), month.end)

    if column.type is ColumnType.DATE and _ISO_DATE.match(value):
        return moved(dt.date.fromisoformat(value))
    if column.type is ColumnType.PERIOD and value == seed_period.label:
        return period.label
    if column.type is ColumnType.PERIOD and re.fullmatch(r"\d{4}-\d{2}", value):
        return nth_month(period, int(value[5:]) - seed_period.start.month).label
    # 年月日 text (2023年12月31日, as the seed writes deadlines) stays text, moved the same way
    return re.sub(
        r"(\d{4})年(\d{1,2})月(\d{1,2})日",
        lambda m: cn_date(moved(dt.date(int(m[1]), int(m[2]), int(m[3])))),
        value,
    )
