"""Schemas -> blank templates (`salesbook init`) and a deterministic sample organisation (`salesbook demo`)."""

from __future__ import annotations

import datetime as dt
import math
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from salesbook.config import CONFIG_NAME, commented_toml
from salesbook.errors import SalesbookError
from salesbook.schemas import (
    APPRAISAL,
    CHANNELS,
    CYCLES,
    DIMENSION_TYPES,
    EMPLOYMENT,
    FOLLOW_UP,
    GRADES,
    HEALTH_DATA,
    HEALTH_INDICATORS,
    HEALTH_MONITORING,
    REVIEW_CATEGORIES,
    REVIEW_ITEMS,
    REVIEW_STATUS,
    ROLES,
    ROSTER,
    SALES_PLAN,
    STAGES,
    TARGET_BREAKDOWN,
    TARGET_OVERALL,
    WORKBOOKS,
    Choice,
    Column,
    ColumnType,
    SheetSchema,
    WorkbookKind,
)
from salesbook.values import (
    Period,
    column_letter,
    month_period,
    parse_count,
    parse_date,
    parse_measure,
    parse_money,
    parse_period,
    parse_quantity,
    parse_threshold,
    quarter_period,
    split_dimension,
    split_overall,
    year_period,
)
from salesbook.xlsx import save_workbook, set_text

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

LANGS = ("zh", "zh-Hant", "en")
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
TITLE_FONT = Font(bold=True, size=14)
NUMBER_FORMATS = {
    ColumnType.MONEY: "#,##0.00",
    ColumnType.PERCENT: "0.0%",
    ColumnType.DATE: "yyyy-mm-dd",
    ColumnType.COUNT: "0",
}
VALIDATED_ROWS = 1000  # dropdowns reach this row, so rows people add below the examples get them
# Templates carry a fixed timestamp so that writing them again gives the same bytes.
TEMPLATE_STAMP = dt.datetime(2026, 1, 1, 9, 0)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# --- writing workbooks -------------------------------------------------------------------------


def choice_text(choice: Choice, lang: str) -> str:
    """A choice as written in `lang`: 电话, 電話 or Phone (the reader accepts every spelling)."""
    if lang == "zh-Hant":
        return choice.hant or choice.value
    if lang == "en":
        return choice.en or choice.value
    return choice.value


def _new_workbook() -> Workbook:
    # Write-only for every file: the follow-up logs of a large demo hold tens of thousands of rows,
    # and one way of writing keeps templates and demo files alike.
    return Workbook(write_only=True)


def _start_sheet(
    sheet: WriteOnlyWorksheet,
    columns: Sequence[Column],
    lang: str,
    titles: Sequence[str] = (),
    rows: int = 0,
) -> None:
    """Widths, frozen header, dropdowns, title rows and the header row, before any data row."""
    header_row = len(titles) + 1
    for index, column in enumerate(columns):
        sheet.column_dimensions[column_letter(index)].width = column.width
    sheet.freeze_panes = f"A{header_row + 1}"
    last_row = max(VALIDATED_ROWS, header_row + rows)
    for index, column in enumerate(columns):
        if column.type is not ColumnType.CHOICE:
            continue
        # No error alert: the reader accepts every spelling (電話, Phone), only the list is offered.
        listing = ",".join(choice_text(choice, lang) for choice in column.choices)
        validation = DataValidation(type="list", formula1=f'"{listing}"', allow_blank=True)
        letter = column_letter(index)
        validation.add(f"{letter}{header_row + 1}:{letter}{last_row}")
        sheet.data_validations.append(validation)
    for number, title in enumerate(titles, start=1):
        cell = _text_cell(sheet, title)
        cell.font = TITLE_FONT if number == 1 else HEADER_FONT
        sheet.append([cell])
        if len(columns) > 1:
            sheet.merged_cells.add(f"A{number}:{column_letter(len(columns) - 1)}{number}")
    header = []
    for column in columns:
        cell = _text_cell(sheet, column.header(lang))
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGNMENT
        header.append(cell)
    sheet.append(header)


def _text_cell(sheet: WriteOnlyWorksheet, value: object) -> Cell:
    cell = WriteOnlyCell(sheet)
    set_text(cell, value)
    return cell


def _append_row(
    sheet: WriteOnlyWorksheet, columns: Sequence[Column], values: Sequence[object]
) -> None:
    """One data row; strings stay text (never formulas), every cell gets its column's format.

    A format on a text cell (110%, 30万元) is there for the number someone types over it.
    """
    cells: list[Cell | None] = []
    for column, value in zip(columns, values, strict=True):
        if value is None or value == "":
            cells.append(None)
            continue
        cell = _text_cell(sheet, value)
        if column.type in NUMBER_FORMATS:
            cell.number_format = NUMBER_FORMATS[column.type]
        cells.append(cell)
    sheet.append(cells)


def _refuse_overwrite(folder: Path, paths: Iterable[Path], force: bool) -> None:
    """Nothing is written when any target exists, unless `force`."""
    existing = [path.relative_to(folder).as_posix() for path in paths if path.exists()]
    if existing and not force:
        raise SalesbookError(
            f"文件已存在，未写入任何文件：{'、'.join(existing)}；如需覆盖请加 --force "
            f"(file already exists, nothing written: {', '.join(existing)}; use --force to overwrite)"
        )


@dataclass
class _SheetData:
    """One sheet to write: rows keyed by column key, the columns present, title lines above."""

    schema: SheetSchema
    rows: list[dict[str, object]]
    keys: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()
    name: str = ""

    def columns(self) -> list[Column]:
        return (
            [self.schema.column(k) for k in self.keys] if self.keys else list(self.schema.columns)
        )


def _write_book(
    path: Path,
    lang: str,
    sheets: Sequence[_SheetData],
    stamp: dt.datetime,
    respell: bool = True,
) -> None:
    """Sheets with headers in `lang`; with `respell`, choice values spelled in `lang` too."""
    workbook = _new_workbook()
    for data in sheets:
        sheet = workbook.create_sheet(data.name or data.schema.title(lang))
        columns = data.columns()
        _start_sheet(sheet, columns, lang, data.titles, len(data.rows))
        # Canonical choice values -> their spelling in `lang`; unknown values pass unchanged.
        spellings = [
            {c.value: choice_text(c, lang) for c in column.choices} if respell else {}
            for column in columns
        ]
        keys = [column.key for column in columns]
        for row in data.rows:
            values = []
            for key, spelled in zip(keys, spellings, strict=True):
                value = row.get(key)
                values.append(spelled.get(value, value) if isinstance(value, str) else value)
            _append_row(sheet, columns, values)
    save_workbook(workbook, path, stamp)


# --- templates (`salesbook init`) ----------------------------------------------------------------


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
    _refuse_overwrite(folder, [*(path for _, path in targets), settings], force)
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
        sheets.append(_SheetData(schema, rows))
    # The example rows stay as the seed typed them (电话 under a "channel" header is read fine).
    _write_book(path, lang, sheets, TEMPLATE_STAMP, respell=False)


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
        month = _month(period, offset)
        return min(month.start + dt.timedelta(days=day.day - 1), month.end)

    if column.type is ColumnType.DATE and _ISO_DATE.match(value):
        return moved(dt.date.fromisoformat(value))
    if column.type is ColumnType.PERIOD and value == seed_period.label:
        return period.label
    if column.type is ColumnType.PERIOD and re.fullmatch(r"\d{4}-\d{2}", value):
        return _month(period, int(value[5:]) - seed_period.start.month).label
    # 年月日 text (2023年12月31日, as the seed writes deadlines) stays text, moved the same way
    return re.sub(
        r"(\d{4})年(\d{1,2})月(\d{1,2})日",
        lambda m: _cn_date(moved(dt.date(int(m[1]), int(m[2]), int(m[3])))),
        value,
    )


# --- the sample organisation (`salesbook demo`): constants ----------------------------------------

# Enumerated values by meaning, unpacked from schemas.py: adding a choice there fails here, loudly.
DIRECTOR, MANAGER, LEAD, REP = (choice.value for choice in ROLES)
ACTIVE, LEFT = (choice.value for choice in EMPLOYMENT)
REGION_DIM, PRODUCT_DIM, PERSON_DIM, GROUP_DIM = (choice.value for choice in DIMENSION_TYPES)
EXCELLENT, GOOD, NEEDS_WORK = (choice.value for choice in GRADES)
PROBLEM, CAUSE, ACTION = (choice.value for choice in REVIEW_CATEGORIES)
MONTHLY, QUARTERLY, YEARLY, WEEKLY = (choice.value for choice in CYCLES)
NOT_STARTED, IN_PROGRESS, DONE = (choice.value for choice in REVIEW_STATUS)
CHANNEL_VALUES = tuple(choice.value for choice in CHANNELS)
STAGE_VALUES = tuple(choice.value for choice in STAGES)
KINDS = {kind.key: kind for kind in WORKBOOKS}


def _words(text: str) -> tuple[str, ...]:
    """A word list written as words: "恒泰 华信" -> ("恒泰", "华信")."""
    return tuple(text.split())


DEFAULT_PERIOD = quarter_period(2026, 3)
BASE_REPS = 24  # the team size the seed's quarterly 100万元 fits; larger demos scale the targets
REGIONS = ("华东", "华南", "华北", "西南", "华中", "西北", "东北")
REGION_WEIGHTS = (0.34, 0.25, 0.21, 0.20, 0.17, 0.12, 0.12)  # where the reps sit
GROUP_SIZE = 8  # a group holds at most this many reps (5-8 once a region has enough)
TARGET_UNIT = 1000  # individual targets are whole thousands of yuan
PRODUCT_WEIGHTS = (5, 3, 2, 2)  # the lines after the seed's 产品A share the rest like this
# In CHANNELS order: phone and WeChat common, visits regular, trade shows rare.
CHANNEL_WEIGHTS = (30, 18, 30, 10, 7, 2, 3)
START_STAGE_WEIGHTS = (26, 22, 16, 12, 10, 4, 4, 6)  # where a rep's customers stand at the start
STAGE_STEP = 0.28  # chance that a customer moves one stage on at a follow-up
FOLLOW_UPS_PER_MONTH = (15, 30)
PROPOSAL_STAGE = 3  # 方案呈现: from here on a follow-up may carry a deal value
BAD_CHANNEL = "钉钉"  # a channel people use that the schema does not list (planted SB-V006)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚英华玉萍红鹏辉婷宁健帅雪琳晨浩宇欣怡佳嘉梓博文思雨轩晓俊峰"
    "斌凯飞亮慧颖倩璐晶阳建国志海波春燕兰凤丹妍蕾琪瑶瀚昊睿哲铭泽楠悦婧"
)
CITIES = {
    "华东": ("上海", "杭州", "南京", "苏州", "宁波", "合肥", "无锡", "常州", "温州", "绍兴"),
    "华南": ("广州", "深圳", "东莞", "佛山", "珠海", "中山", "南宁", "海口", "惠州", "厦门"),
    "华北": ("北京", "天津", "石家庄", "太原", "唐山", "保定", "呼和浩特", "济南", "青岛", "烟台"),
    "西南": ("成都", "重庆", "昆明", "贵阳", "绵阳", "南充", "遵义", "宜宾"),
    "华中": ("武汉", "长沙", "郑州", "南昌", "宜昌", "株洲", "洛阳", "襄阳"),
    "西北": ("西安", "兰州", "银川", "西宁", "宝鸡", "咸阳", "乌鲁木齐"),
    "东北": ("沈阳", "大连", "长春", "哈尔滨", "吉林", "鞍山", "大庆"),
}
BRANDS = _words(
    "恒泰 华信 鼎盛 瑞丰 博远 中联 金桥 宏达 新锐 天成 远航 众合 汇通 嘉禾 弘毅 "
    "永信 安捷 海纳 润泽 启明 同创 立信 卓越 华腾 凯瑞 正元 盛世 联创 九州 伟业 "
    "鸿运 信达 泰和 兴业 明德 德润 诚达 致远 峻峰 华岳 星辰 蓝海 四维 精诚 万通 "
    "锦程 福泰 和信 通达 三友 亿丰 巨能 优联 宏图 银河"
)
TRADES = _words(
    "科技 电子 机械 物流 医药 食品 建材 化工 信息技术 环保 贸易 新材料 智能装备 "
    "包装 纺织 汽车零部件 电气 精密制造 生物科技 供应链管理"
)
COMPANY_FORMS = ("有限公司",) * 16 + ("股份有限公司",) * 3 + ("集团有限公司",)

# Follow-up texts by funnel stage (STAGES order); {product} is the customer's product line.
SUMMARIES = (
    (
        "初次联系，介绍公司及{product}",
        "了解客户基本情况及主营业务",
        "经老客户转介绍取得联系",
        "发送{product}产品手册及公司介绍",
    ),
    (
        "分享{product}行业案例，客户表示关注",
        "邀请客户参加线上产品讲座",
        "了解现有供应商使用情况",
        "节前问候并了解下季度采购计划",
    ),
    (
        "调研客户现有流程及痛点",
        "与技术负责人沟通{product}选型要求",
        "确认采购预算及决策流程",
        "了解客户对{product}的性能和交期要求",
    ),
    (
        "演示{product}核心功能",
        "提交{product}解决方案初稿",
        "讲解方案并答疑",
        "安排技术工程师与客户交流",
    ),
    (
        "沟通报价及付款方式",
        "就合同条款与采购部协商",
        "客户要求额外折扣，已上报审批",
        "确认交付周期和服务条款",
    ),
    ("合同签订，确认首批订单", "寄送合同盖章版", "确认合同细节及开票信息"),
    ("跟进{product}发货进度", "协调安装调试时间", "交付验收，客户确认签收"),
    (
        "回访{product}使用情况",
        "处理客户提出的售后问题",
        "了解复购需求及新项目计划",
        "邀请客户参与满意度调查",
    ),
)
FEEDBACK = (
    ("暂无明确需求，可保持联系", "对{product}有兴趣，需内部讨论", "希望先看同行业案例"),
    ("关注价格和售后服务", "明年有扩产计划，届时再议", "希望提供试用"),
    ("需定制部分功能", "预算已初步批准", "对交付周期要求较高", "需要对比其他供应商"),
    ("对方案整体认可，个别参数需调整", "希望增加培训服务", "需对比竞品价格"),
    ("价格仍高于预期", "付款周期希望延长至90天", "基本认可合同条款"),
    ("订单已确认", "要求月底前首批到货"),
    ("现场安装顺利", "对交付进度满意", "个别配件需补发"),
    ("使用效果良好", "售后响应速度有待提高", "有新的采购需求"),
)
NEXT_ACTIONS = (
    ("一周后再次回访", "发送公司资质及案例", "邀请参加下月展会"),
    ("寄送样品", "安排上门拜访", "发送行业解决方案资料"),
    ("整理需求清单并发客户确认", "邀请技术人员参与交流", "准备初步方案"),
    ("提交修改后的方案", "发送报价单", "提供竞品对比资料"),
    ("跟进审批进度", "准备合同文本", "约客户高层面谈"),
    ("安排发货", "跟进首付款到账"),
    ("跟进验收报告", "安排操作培训"),
    ("一个月后回访", "推荐升级服务", "邀请参加客户答谢会"),
)
STRATEGIES = (
    "演示{product}，突出定制化能力",
    "联合技术团队做方案交流",
    "以老客户案例带动决策",
    "季度末促销政策推动签约",
    "高层拜访，建立长期合作关系",
    "先试用后采购，降低决策门槛",
)
RESOURCES = ("技术支持1人", "样品2套", "售前工程师半天", "市场部案例资料", "区域经理陪同拜访", None)
SUGGESTIONS = {
    EXCELLENT: ("保持大客户跟进节奏，分享成交经验", "挖掘老客户复购机会", "带教新人，复制成功经验"),
    GOOD: ("提高拜访频次，缩短成交周期", "加强方案呈现能力", "关注高潜力客户的需求变化"),
    NEEDS_WORK: (
        "加强客户需求分析，提升转化率",
        "按时录入跟进记录，及时同步信息",
        "参加产品培训，熟悉竞品差异",
    ),
}
REVIEW_FINDINGS = (  # beside the seed's items: what a quarter-end review typically adds
    (CAUSE, "部分销售代表习惯集中补录，跟进当天未及时录入"),
    (PROBLEM, "大客户项目推进缓慢，部分商机在商务谈判阶段停留超过30天"),
    (CAUSE, "方案呈现环节耗时过长，客户决策周期拉长"),
)
REVIEW_ACTIONS = (  # (content, month of the quarter from 0, day): all done by the due date
    ("每周五前完成当周跟进记录录入，组长抽查", 1, 21),
    ("组织竞品对比培训，提升需求诊断能力", 2, 10),
)


@dataclass(frozen=True)
class _LogStyle:
    """How one region's follow-up log looks: real logs differ in language, sheet name and layout."""

    lang: str
    sheet: str
    file: str  # str.format template
    titles: int  # title rows above the header
    columns: tuple[str, ...]


_ALL_FOLLOW_UP = tuple(c.key for c in FOLLOW_UP.columns)
LOG_STYLES = (  # by region, in REGIONS order; further regions use DEFAULT_LOG_STYLE
    _LogStyle("zh", "跟进记录", "{label}跟进记录-{region}(终版2).xlsx", 1, _ALL_FOLLOW_UP),
    _LogStyle("zh-Hant", "Sheet1", "{region}{hant}_{label}.xlsx", 0, _ALL_FOLLOW_UP),
    # 华北 keeps the stage next to the customer, under two title rows.
    _LogStyle(
        "zh",
        "客户跟进",
        "{region}跟进记录{year}年{first}-{last}月.xlsx",
        2,
        ("customer", "stage", *(k for k in _ALL_FOLLOW_UP if k not in ("customer", "stage"))),
    ),
    _LogStyle(
        "en",
        "Follow-ups",
        "{region} {en} {label}.xlsx",
        0,
        tuple(k for k in _ALL_FOLLOW_UP if k != "deal_value"),
    ),
)
DEFAULT_LOG_STYLE = _LogStyle("zh", "Sheet1", "{label}跟进记录-{region}.xlsx", 0, _ALL_FOLLOW_UP)
LOG_FOLDER = "跟进记录"


# --- the sample organisation: data ----------------------------------------------------------------


@dataclass(frozen=True)
class _Seeds:
    """The figures the seed's example rows state (schemas.py), which the demo builds around."""

    sales_total: int  # 季度销售额100万元
    new_total: int  # 新客户开发30个
    region_share: Decimal  # 区域-华东区域 40万元 of 100万
    product_share: Decimal  # 产品-产品A 60万元 of 100万
    product: str  # 产品A
    region_suffix: str  # 华东区域 -> 区域
    person_new: int  # 个人 8个
    appraised: tuple[int, ...]  # the appraisal rows' targets: 30万元, 25万元
    period: Period  # the seed's quarter (2023Q4), to move its dates into the demo's

    @classmethod
    def read(cls) -> _Seeds:
        region_row, product_row, person_row = TARGET_BREAKDOWN.example_rows
        _, total = split_overall(str(region_row[0]))
        _, new_total = split_overall(str(person_row[0]))
        region = split_dimension(str(region_row[1]))
        product = split_dimension(str(product_row[1]))
        # The seed rows of schemas.py state these figures; a changed seed must fail here.
        assert total is not None
        assert new_total is not None
        assert region is not None
        assert product is not None
        return cls(
            sales_total=int(total.amount),
            new_total=int(new_total.amount),
            region_share=parse_quantity(region_row[2]).amount / total.amount,
            product_share=parse_quantity(product_row[2]).amount / total.amount,
            product=product[1],
            region_suffix=region[1].removeprefix(REGIONS[0]),
            person_new=parse_count(person_row[2]),
            appraised=tuple(int(parse_money(row[1])) for row in APPRAISAL.example_rows),
            period=parse_period(TARGET_OVERALL.example_rows[0][3]),
        )

    def move(self, day: object, period: Period) -> dt.date:
        """A seed date moved into `period`, same month of the quarter and same day (clamped)."""
        seed_day = parse_date(day)
        start = self.period.start
        month = _month(period, (seed_day.year - start.year) * 12 + seed_day.month - start.month)
        return min(month.start + dt.timedelta(days=seed_day.day - 1), month.end)


@dataclass
class _Person:
    name: str
    role: str
    region: str = ""
    group: str = ""
    manager: str = ""
    hire_date: dt.date | None = None
    status: str = ACTIVE
    staff_id: str = ""

    def roster_row(self) -> dict[str, object]:
        return {
            "name": self.name,
            "staff_id": self.staff_id,
            "role": self.role,
            "region": self.region,
            "group": self.group,
            "manager": self.manager,
            "hire_date": self.hire_date,
            "email": f"{self.staff_id.lower()}@example.com",
            "status": self.status,
        }


@dataclass
class _Org:
    period: Period
    people: list[_Person]  # roster order
    regions: list[str]
    managers: dict[str, _Person]
    leads: dict[str, _Person]  # group -> its lead
    groups: dict[str, list[_Person]]  # group -> its reps
    products: list[str]
    outsider: str  # a name on no roster: the planted "owner not on the roster"
    appraised: list[_Person]  # who gets the appraisal's seed rows, in their order

    @property
    def reps(self) -> list[_Person]:
        return [p for p in self.people if p.role == REP]

    @property
    def active_reps(self) -> list[_Person]:
        return [p for p in self.reps if p.status == ACTIVE]

    @property
    def seed_owner(self) -> _Person:
        """Who owns the seed's follow-ups and plan row: a rep of the first region."""
        return self.appraised[-1] if self.appraised else self.reps[0]


@dataclass
class _Targets:
    sales_total: int  # yuan
    new_total: int  # new customers
    sales: dict[str, int]  # active rep -> individual sales target
    new: dict[str, int]  # active rep -> new-customer target (0: no row)
    regions: dict[str, int] = field(default_factory=dict)
    groups: dict[str, int] = field(default_factory=dict)
    products: dict[str, int] = field(default_factory=dict)
    seed_new_owner: str | None = None  # who carries the seed's individual new-customer row (8个)


@dataclass
class _Account:
    """One customer of one rep, moving along the funnel as the quarter goes on."""

    name: str
    product: str
    stage: int
    deal: int


def _month(period: Period, offset: int) -> Period:
    """The `offset`-th month from the start of `period` (0 = its first)."""
    index = period.start.year * 12 + period.start.month - 1 + offset
    return month_period(index // 12, index % 12 + 1)


def _quarter_before(period: Period, count: int) -> Period:
    index = period.start.year * 4 + (period.start.month - 1) // 3 - count
    return quarter_period(index // 4, index % 4 + 1)


# --- the sample organisation: the entry point -------------------------------------------------

DEMO_COMPANY = "示例科技有限公司"  # the sample's 甲方: made up, and says so


def write_demo(
    folder: Path,
    reps: int = 24,
    seed: int = 42,
    period: Period = DEFAULT_PERIOD,
    force: bool = False,
) -> list[Path]:
    """A realistic sample organisation for one quarter (default 2026Q3), deterministic to the byte.

    It holds a few planted mistakes, each once, for `salesbook validate` to find: a due date
    before its follow-up (SB-U001), an owner missing from the roster in a log (SB-U004) and in
    the breakdown (SB-T002), an unreadable amount (SB-V002), a follow-up copied into a second
    region's log (SB-U005), an unknown channel (SB-V006) and an overdue review action (SB-R002);
    and oddities that must read fine: 四十万, 2026年8月5日, 2026/8/5.
    """
    if period.kind != "quarter":
        raise SalesbookError(
            f"示例数据按季度生成，请用如 2026Q3 的季度，而不是 {period.label} "
            f"(the demo covers one quarter, e.g. 2026Q3, not {period.label})"
        )
    if reps < 1:
        raise SalesbookError(f"销售代表人数至少为 1：{reps} (at least one sales rep: {reps})")
    folder = Path(folder)
    seeds = _Seeds.read()
    rng = random.Random(seed)
    org = _build_org(rng, reps, period, seeds)
    targets = _plan_targets(rng, org, seeds, reps)
    accounts = _make_accounts(rng, org, targets)
    logs = _follow_up_logs(rng, org, accounts, seeds)
    _plant_follow_up_mistakes(org, logs)
    actuals = _actuals(rng, org, targets)

    books = {  # the kinds one team keeps in one file each, in Simplified Chinese
        "targets": _targets_sheets(rng, org, targets, seeds),
        "appraisal": _appraisal_sheets(rng, org, targets, actuals),
        "health": _health_sheets(rng, org, targets, actuals),
        "sales_plan": _plan_sheets(rng, org, accounts),
        "review": _review_sheets(org, seeds),
    }
    files = {folder / f"{KINDS[key].title()}.xlsx": ("zh", sheets) for key, sheets in books.items()}
    for region, rows in logs.items():
        position = REGIONS.index(region)
        style = LOG_STYLES[position] if position < len(LOG_STYLES) else DEFAULT_LOG_STYLE
        files[folder / LOG_FOLDER / _log_name(style, region, period)] = (
            style.lang,
            [_log_sheet(style, region, org, rows)],
        )
    settings = folder / CONFIG_NAME
    _refuse_overwrite(folder, [*files, settings], force)
    stamp = dt.datetime.combine(period.end, dt.time(18, 0))  # stable bytes: no clock anywhere
    for path, (lang, sheets) in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_book(path, lang, sheets, stamp)
    settings.write_text(commented_toml(company=DEMO_COMPANY), encoding="utf-8")
    return sorted([*files, settings])


# --- people ---------------------------------------------------------------------------------------


class _Names:
    """Unique, common-looking Chinese names: a surname and one or two given-name characters."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def __call__(self) -> str:
        name = ""
        for _ in range(200):
            given = self.rng.choice(GIVEN)
            if self.rng.random() < 0.65:
                given += self.rng.choice(GIVEN)
            name = self.rng.choice(SURNAMES) + given
            if name not in self.used and len(set(name)) == len(name):
                self.used.add(name)
                return name
        number = 2  # only a huge demo runs out of names: then a digit, as HR systems do
        while f"{name}{number}" in self.used:
            number += 1
        self.used.add(f"{name}{number}")
        return f"{name}{number}"


def _numeral(number: int) -> str:
    """12 -> 十二 (group names like 华东十二组); 400000 -> 四十万."""
    import cn2an  # a maintained converter (SPEC §3); imported only for the demo

    return str(cn2an.an2cn(number))


def _share(total: int, weights: Sequence[float], unit: int = 1) -> list[int]:
    """`total` in whole `unit`s shared by `weights`, summing exactly (largest remainder first)."""
    units, rest = divmod(total, unit)
    whole = sum(weights)
    exact = [units * w / whole for w in weights]
    parts = [math.floor(x) for x in exact]
    by_fraction = sorted(range(len(exact)), key=lambda i: parts[i] - exact[i])
    for i in by_fraction[: units - sum(parts)]:
        parts[i] += 1
    parts = [p * unit for p in parts]
    parts[0] += rest
    return parts


def _build_org(rng: random.Random, reps: int, period: Period, seeds: _Seeds) -> _Org:
    names = _Names(rng)
    count = 4 + (reps > 80) + (reps > 160) + (reps > 320)  # more regions only for large teams
    regions = list(REGIONS[:count])

    def hired(low: int, high: int) -> dt.date:
        return period.start - dt.timedelta(days=rng.randint(low, high))

    director = _Person(names(), DIRECTOR, hire_date=hired(3300, 4000))
    people = [director]
    managers: dict[str, _Person] = {}
    leads: dict[str, _Person] = {}
    groups: dict[str, list[_Person]] = {}
    for region, size in zip(regions, _share(reps, REGION_WEIGHTS[:count]), strict=True):
        manager = _Person(names(), MANAGER, region, "", director.name, hired(1500, 3200))
        managers[region] = manager
        people.append(manager)
        sizes = _share(size, [1] * math.ceil(size / GROUP_SIZE)) if size else []
        for number, group_size in enumerate(sizes, start=1):
            group = f"{region}{_numeral(number)}组"
            lead = _Person(names(), LEAD, region, group, manager.name, hired(900, 2800))
            leads[group] = lead
            groups[group] = [
                _Person(names(), REP, region, group, lead.name, hired(45, 2400))
                for _ in range(group_size)
            ]
            people += [lead, *groups[group]]
    for number, person in enumerate(people, start=1):
        person.staff_id = f"S{number:04d}"
    # A couple of reps have left: the last rep of the last two groups that can spare one.
    for members in [g for g in groups.values() if len(g) > 2][::-1][: 2 if reps >= 10 else 0]:
        members[-1].status = LEFT
    products = [
        f"{seeds.product[:-1]}{chr(ord(seeds.product[-1]) + i)}"
        for i in range(3 + (reps > 200) + (reps > 500))
    ]
    # The seed's two appraised reps carry 30万 and 25万 of the team's 100万: the 25万 one sits in
    # the first region (华东, 40万 in the seed), the 30万 one elsewhere, so both pools stay plausible.
    active = [p for members in groups.values() for p in members if p.status == ACTIVE]
    first = [p for p in active if p.region == regions[0]]
    rest = [p for p in active if p.region != regions[0]]
    appraised = (rest[:1] or first[1:2]) + first[:1]
    return _Org(period, people, regions, managers, leads, groups, products, names(), appraised)


# --- targets ----------------------------------------------------------------------------------------


def _plan_targets(rng: random.Random, org: _Org, seeds: _Seeds, reps: int) -> _Targets:
    """Individual targets first (one pool for the first region, one for the rest), then sums."""
    if reps <= BASE_REPS:
        total, new_total = seeds.sales_total, seeds.new_total
    else:
        total = int(round(seeds.sales_total * reps / BASE_REPS, -5))
        new_total = round(seeds.new_total * reps / BASE_REPS)
    fixed = {p.name: amount for p, amount in zip(org.appraised, seeds.appraised, strict=False)}
    active = org.active_reps
    first = [p for p in active if p.region == org.regions[0]]
    rest = [p for p in active if p.region != org.regions[0]]
    first_budget = int(total * seeds.region_share) if rest else total
    sales: dict[str, int] = {}
    for pool, budget in ((first, first_budget), (rest, total - first_budget)):
        others = [p for p in pool if p.name not in fixed]
        remaining = budget - sum(fixed.get(p.name, 0) for p in pool)
        if pool and (not others or remaining < len(others) * TARGET_UNIT * 5):
            others, remaining = pool, budget  # too small a team for the seed's amounts
        else:
            sales.update((p.name, fixed[p.name]) for p in pool if p.name in fixed)
        weights = [rng.uniform(0.7, 1.3) for _ in others]
        sales.update(
            zip(
                (p.name for p in others),
                _share(remaining, weights, TARGET_UNIT) if others else [],
                strict=True,
            )
        )
    new_owner = org.appraised[0] if org.appraised else None
    others = [p for p in active if p is not new_owner]
    new = {new_owner.name: seeds.person_new} if new_owner and others else {}
    if others:
        weights = [rng.uniform(0.6, 1.4) for _ in others]
        new.update(
            zip(
                (p.name for p in others),
                _share(new_total - sum(new.values()), weights),
                strict=True,
            )
        )
    elif new_owner:
        new[new_owner.name] = new_total
    targets = _Targets(
        total,
        new_total,
        {p.name: sales[p.name] for p in active},
        {p.name: new.get(p.name, 0) for p in active},
    )
    if new_owner and others:
        targets.seed_new_owner = new_owner.name
    for person in active:
        amount = sales[person.name]
        targets.regions[person.region] = targets.regions.get(person.region, 0) + amount
        targets.groups[person.group] = targets.groups.get(person.group, 0) + amount
    lead = int(total * seeds.product_share)
    tail = _share(total - lead, PRODUCT_WEIGHTS[: len(org.products) - 1], TARGET_UNIT)
    targets.products = dict(zip(org.products, [lead, *tail], strict=True))
    return targets


def _wan(yuan: Decimal | int, places: int | None = None) -> str:
    """Yuan as a number of 万 without trailing zeros: 400000 -> 40, 133333 (1 place) -> 13.3."""
    value = Decimal(yuan) / 10000
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    return format(value.normalize(), "f")


_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _renumber(text: object, number: object) -> str:
    """The seed's own wording with its first number replaced: (季度销售额100万元, 80) -> …80万元."""
    return _NUMBER.sub(str(number), str(text), count=1)


def _first_number(text: object) -> Decimal:
    match = _NUMBER.search(str(text))
    assert match is not None, text
    return Decimal(match[0])


def _cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"  # as the seed types its deadlines


def _typed_money(rng: random.Random, yuan: int) -> object:
    """An amount as people type it: 8万元, 80000, ¥80,000 or 8万."""
    form = rng.randrange(4)
    if form == 0:
        return f"{_wan(yuan)}万元"
    if form == 1:
        return yuan
    if form == 2:
        return f"¥{yuan:,}"
    return f"{_wan(yuan)}万"


def _targets_sheets(
    rng: random.Random, org: _Org, targets: _Targets, seeds: _Seeds
) -> list[_SheetData]:
    period = org.period
    keys = [c.key for c in TARGET_OVERALL.columns]
    overall = []
    for row, amount in zip(
        TARGET_OVERALL.example_rows, (_wan(targets.sales_total), targets.new_total), strict=True
    ):
        values = dict(zip(keys, row, strict=True))
        values.update(
            target=_renumber(row[1], amount),
            period=period.label,
            start=period.start,
            end=period.end,
        )
        overall.append(values)

    region_row, product_row, person_row = TARGET_BREAKDOWN.example_rows
    sales_text = _renumber(region_row[0], _wan(targets.sales_total))
    new_text = _renumber(person_row[0], targets.new_total)
    deadline = _cn_date(period.end)

    def row(
        overall_text: str,
        dimension: str,
        name: str,
        target: object,
        owner: str,
        standard: object = None,
        due: object = deadline,
    ) -> dict[str, object]:
        return {
            "overall": overall_text,
            "dimension": f"{dimension}-{name}",
            "target": target,
            "owner": owner,
            "deadline": due,
            "standard": standard,
        }

    def monthly(yuan: int) -> str:  # the seed's run-rate wording: 40万 / 3 months = 13.3万
        return _renumber(region_row[5], _wan(Decimal(yuan) / period.months, 1))

    rows = [
        row(
            sales_text,
            REGION_DIM,
            region + seeds.region_suffix,
            _renumber(region_row[2], _wan(amount)),
            org.managers[region].name,
            monthly(amount),
        )
        for region, amount in targets.regions.items()
    ]
    # Planted SB-T002: the last region's owner typed as people say it (刘经理), not the roster name.
    rows[-1]["owner"] = f"{rows[-1]['owner'][0]}{MANAGER[-2:]}"
    # The seed gives a product line to a group (*小组); a 责任人 must be a person who signs
    # (SB-T013), so the group's lead owns it.
    owners = [org.leads[group].name for group in targets.groups]
    # The seed's product standard (新客户签约≥20个) grows with the team's new-customer target.
    signed = _renumber(
        product_row[5], round(_first_number(product_row[5]) * targets.new_total / seeds.new_total)
    )
    for index, (product, amount) in enumerate(targets.products.items()):
        rows.append(
            row(
                sales_text,
                PRODUCT_DIM,
                product,
                _renumber(product_row[2], _wan(amount)),
                owners[index % len(owners)],
                signed if index == 0 else monthly(amount),
            )
        )
    for index, (group, amount) in enumerate(targets.groups.items()):
        # The first group's lead types the amount in words (四十万): it must still read right.
        rows.append(
            row(
                sales_text,
                GROUP_DIM,
                group,
                _numeral(amount) if index == 0 else f"{_wan(amount)}万元",
                org.leads[group].name,
                monthly(amount) if rng.random() < 0.5 else None,
            )
        )
    seeded = _seeded_rows(org, targets)
    for name, amount in targets.sales.items():
        typed = seeded[name][1] if name in seeded else _typed_money(rng, amount)
        rows.append(
            row(
                sales_text,
                PERSON_DIM,
                name,
                typed,
                name,
                monthly(amount) if rng.random() < 0.6 else None,
                period.end if rng.random() < 0.2 else deadline,
            )
        )
    new_rows = []
    for name, count in targets.new.items():
        if name == targets.seed_new_owner:
            new_rows.insert(0, row(new_text, PERSON_DIM, name, person_row[2], name, person_row[5]))
        elif count:
            new_rows.append(
                row(
                    new_text,
                    PERSON_DIM,
                    name,
                    f"{count}个" if rng.random() < 0.7 else count,
                    name,
                    person_row[5] if rng.random() < 0.5 else None,
                )
            )
    breakdown_keys = tuple(c.key for c in TARGET_BREAKDOWN.columns if c.key != "actual")
    return [
        _SheetData(TARGET_OVERALL, overall),
        _SheetData(TARGET_BREAKDOWN, rows + new_rows, breakdown_keys),
        _SheetData(ROSTER, [person.roster_row() for person in org.people]),
    ]


# --- follow-up logs ---------------------------------------------------------------------------------


def _company(rng: random.Random, region: str, taken: set[str]) -> str:
    """城市 + 字号 + 行业 + 有限公司, unique in the organisation (杭州恒泰科技有限公司)."""
    cities = CITIES[region]
    name = ""
    for attempt in range(100):
        # A large region runs short of names in its own cities: then any city will do.
        city = rng.choice(
            cities if attempt < 50 else tuple(c for cs in CITIES.values() for c in cs)
        )
        name = city + rng.choice(BRANDS) + rng.choice(TRADES) + rng.choice(COMPANY_FORMS)
        if name not in taken:
            break
    else:
        name = f"{name[:-4]}第{len(taken)}分公司"
    taken.add(name)
    return name


def _make_accounts(rng: random.Random, org: _Org, targets: _Targets) -> dict[str, list[_Account]]:
    """Each rep's customers (8-14), their product line, starting stage and deal size."""
    seed_customers = [str(row[0]) for row in FOLLOW_UP.example_rows]
    taken = set(seed_customers)
    accounts: dict[str, list[_Account]] = {}
    product_weights = [3, *([1] * (len(org.products) - 1))]
    for rep in org.reps:
        quarter = targets.sales.get(rep.name) or targets.sales_total // max(1, len(targets.sales))
        accounts[rep.name] = [
            _Account(
                _company(rng, rep.region, taken),
                rng.choices(org.products, weights=product_weights)[0],
                rng.choices(range(len(STAGES)), weights=START_STAGE_WEIGHTS)[0],
                max(TARGET_UNIT, int(round(quarter * rng.uniform(0.2, 0.9), -2))),
            )
            for _ in range(rng.randint(8, 14))
        ]
    # The seed's customers (科技公司, YY集团) belong to the rep who owns the seed's follow-ups.
    for customer, summary in ((str(row[0]), str(row[4])) for row in FOLLOW_UP.example_rows):
        product = next((p for p in org.products if p in summary), org.products[0])
        accounts[org.seed_owner.name].append(_Account(customer, product, 2, 60 * TARGET_UNIT))
    return accounts


def _workdays(month: Period) -> list[dt.date]:
    days = (month.start + dt.timedelta(days=n) for n in range((month.end - month.start).days + 1))
    return [day for day in days if day.weekday() < 5]


def _follow_up_logs(
    rng: random.Random, org: _Org, accounts: dict[str, list[_Account]], seeds: _Seeds
) -> dict[str, list[dict[str, object]]]:
    """Region -> its log's rows, in date order; each rep 15-30 follow-ups a month."""
    months = [_month(org.period, offset) for offset in range(org.period.months)]
    workdays = [_workdays(month) for month in months]
    keys = [c.key for c in FOLLOW_UP.columns]
    seed_rows = []
    for example in FOLLOW_UP.example_rows:
        values = dict(zip(keys, example, strict=True))
        values.update(
            owner=org.seed_owner.name,
            date=seeds.move(values["date"], org.period),
            due=seeds.move(values["due"], org.period),
        )
        seed_rows.append(values)
    order = {person.name: index for index, person in enumerate(org.people)}
    regions = [r for r in org.regions if any(p.region == r for p in org.reps)]
    # The planted text dates (2026年8月5日, 2026/8/5) go into the first two logs, on rows of their
    # last rep, who is sure to follow up that day (twice when there is one log only).
    text_days = [_text_date_day(org.period)] * (2 if len(regions) == 1 else 1)
    logs: dict[str, list[dict[str, object]]] = {}
    for region in regions:
        reps = [p for p in org.reps if p.region == region]
        rows: list[dict[str, object]] = []
        for rep in reps:
            forced = text_days if rep is reps[-1] and region in regions[:2] else []
            fixed = seed_rows if rep is org.seed_owner else []
            rows += _rep_follow_ups(rng, org, rep, accounts[rep.name], workdays, forced, fixed)
        rows.sort(key=lambda r: (r["date"], order[str(r["owner"])], str(r["customer"])))
        logs[region] = rows
    return logs


def _text_date_day(period: Period) -> dt.date:
    return _month(period, 1).start.replace(day=5)


def _rep_follow_ups(
    rng: random.Random,
    org: _Org,
    rep: _Person,
    accounts: list[_Account],
    workdays: list[list[dt.date]],
    forced: Sequence[dt.date],
    fixed: Sequence[dict[str, object]],
) -> list[dict[str, object]]:
    """One rep's follow-ups over the quarter: a schedule first, then stages walked in date order."""
    seen = {(str(row["customer"]), row["date"]) for row in fixed}  # no accidental duplicate rows
    schedule: list[tuple[dt.date, int]] = []
    weights = [rng.uniform(0.5, 2.0) for _ in accounts]
    # A rep who has left worked the first month only.
    months = workdays if rep.status == ACTIVE else workdays[:1]
    plan = [(days, rng.randint(*FOLLOW_UPS_PER_MONTH)) for days in months]
    if rep.status != ACTIVE:
        plan = [(days, count // 3) for days, count in plan]
    for day in forced:
        plan.insert(0, ([day], 1))
    for days, count in plan:
        for _ in range(count):
            for _attempt in range(4):
                day = rng.choice(days)
                account = rng.choices(range(len(accounts)), weights=weights)[0]
                if (accounts[account].name, day) not in seen:
                    seen.add((accounts[account].name, day))
                    schedule.append((day, account))
                    break
    schedule.sort(key=lambda item: (item[0], accounts[item[1]].name))
    informed = org.leads[rep.group].name
    rows = list(fixed)
    for day, index in schedule:
        account = accounts[index]
        if account.stage < len(STAGES) - 1 and rng.random() < STAGE_STEP:
            account.stage += 1
        stage = account.stage
        deal: object = None
        if stage >= PROPOSAL_STAGE and rng.random() < 0.5:
            deal = account.deal if rng.random() < 0.8 else _typed_money(rng, account.deal)
        rows.append(
            {
                "customer": account.name,
                "owner": rep.name,
                "date": day,
                "channel": rng.choices(CHANNEL_VALUES, weights=CHANNEL_WEIGHTS)[0],
                "summary": rng.choice(SUMMARIES[stage]).format(product=account.product),
                "feedback": (
                    rng.choice(FEEDBACK[stage]).format(product=account.product)
                    if rng.random() < 0.85
                    else None
                ),
                "next_action": rng.choice(NEXT_ACTIONS[stage]),
                "due": day + dt.timedelta(days=rng.randint(2, 14)),
                "informed": informed if rng.random() < 0.2 else None,
                "stage": STAGE_VALUES[stage],
                # Most are entered the same day; some are back-filled days later (seed 000: 补录).
                "entered": day
                if rng.random() < 0.85
                else day + dt.timedelta(days=rng.randint(2, 5)),
                "deal_value": deal,
            }
        )
    return rows


def _plant_follow_up_mistakes(org: _Org, logs: dict[str, list[dict[str, object]]]) -> None:
    """The follow-up mistakes admins meet, each once, spread over the regions' logs."""
    regions = list(logs)

    def log(position: int) -> list[dict[str, object]]:
        return logs[regions[min(position, len(regions) - 1)]]

    seed_customers = {str(row[0]) for row in FOLLOW_UP.example_rows}
    text_day = _text_date_day(org.period)
    touched: list[dict[str, object]] = []

    def plain(rows: list[dict[str, object]], fraction: float) -> dict[str, object]:
        """A row no other mistake uses, not a seed row, near `fraction` of the way down."""
        start = int(len(rows) * fraction)
        for row in rows[start:] + rows[:start]:
            if (
                row["customer"] not in seed_customers
                and row["date"] != text_day
                and all(row is not other for other in touched)
            ):
                touched.append(row)
                return row
        raise AssertionError("a follow-up log too short for the planted mistakes")

    # SB-U005: a row copied into the next region's log (people paste rows between files).
    copied = dict(plain(log(0), 0.3))
    target = log(2)
    target.insert(
        next((i for i, r in enumerate(target) if r["date"] > copied["date"]), len(target)), copied
    )
    touched.append(copied)
    plain(log(0), 0.5)["owner"] = org.outsider  # SB-U004: a new colleague not yet on the roster
    row = plain(log(2), 0.5)
    row["due"] = row["date"] - dt.timedelta(days=3)  # SB-U001: due before the follow-up
    plain(log(3), 0.25)["channel"] = BAD_CHANNEL  # SB-V006
    # Dates typed as text: they read fine.
    for position, text in (
        (0, _cn_date(text_day)),
        (1, f"{text_day.year}/{text_day.month}/{text_day.day}"),
    ):
        row = next(r for r in log(position) if r["date"] == text_day)
        row["date"] = text


def _log_name(style: _LogStyle, region: str, period: Period) -> str:
    return style.file.format(
        label=period.label,
        region=region,
        hant=FOLLOW_UP.hant,
        en=FOLLOW_UP.en,
        year=period.start.year,
        first=period.start.month,
        last=period.end.month,
    )


def _log_sheet(
    style: _LogStyle, region: str, org: _Org, rows: list[dict[str, object]]
) -> _SheetData:
    period = org.period
    titles: tuple[str, ...] = ()
    if style.titles == 1:
        quarter = (period.start.month - 1) // 3 + 1
        titles = (f"{region}区{FOLLOW_UP.zh}（{period.start.year}年第{quarter}季度）",)
    elif style.titles == 2:
        titles = (
            f"{region}区{FOLLOW_UP.zh}",
            f"制表：{org.managers[region].name}　　更新日期：{period.end.isoformat()}",
        )
    return _SheetData(FOLLOW_UP, rows, style.columns, titles, style.sheet)


# --- appraisal, health, plan, review ------------------------------------------------------------


def _grade(score: int) -> str:
    # The seed puts 92 in 优秀 and 75 in 待改进; 80-89 is 良好, as scorecards usually have it.
    return EXCELLENT if score >= 90 else GOOD if score >= 80 else NEEDS_WORK


def _seeded_rows(org: _Org, targets: _Targets) -> dict[str, tuple[object, ...]]:
    """Rep -> the appraisal seed row they take (only if their target is the seed's)."""
    pairs = zip(org.appraised, APPRAISAL.example_rows, strict=False)
    return {p.name: row for p, row in pairs if targets.sales.get(p.name) == parse_money(row[1])}


def _actuals(rng: random.Random, org: _Org, targets: _Targets) -> dict[str, int]:
    """Each active rep's sales this quarter: the seed's figure for its reps, else around target."""
    seeded = _seeded_rows(org, targets)
    actuals = {}
    for rep in org.active_reps:
        target = targets.sales[rep.name]
        seed_row = seeded.get(rep.name)
        actuals[rep.name] = (
            int(parse_money(seed_row[2]))
            if seed_row
            else max(100, int(round(target * rng.triangular(0.55, 1.35, 0.97), -2)))
        )
    return actuals


def _appraisal_sheets(
    rng: random.Random, org: _Org, targets: _Targets, actuals: dict[str, int]
) -> list[_SheetData]:
    """One row per active rep; the seed's two rows for its two reps, the rest worked out alike."""
    keys = [c.key for c in APPRAISAL.columns]
    seeded = _seeded_rows(org, targets)
    rows: list[dict[str, object]] = []
    for rep in org.active_reps:
        if rep.name in seeded:
            rows.append(dict(zip(keys, (rep.name, *seeded[rep.name][1:]), strict=True)))
            continue
        target, actual = targets.sales[rep.name], actuals[rep.name]
        attainment = Decimal(actual) / target
        new = max(0, targets.new[rep.name] + rng.randint(-1, 2))
        retention = Decimal(rng.randint(62, 97)) / 100
        score = max(40, min(99, round(25 + 45 * attainment + 15 * retention + 2 * min(new, 5))))
        grade = _grade(score)
        rows.append(
            {
                "name": rep.name,
                "target": _typed_money(rng, target),
                "actual": _typed_money(rng, actual),
                "attainment": (
                    float(attainment.quantize(Decimal("0.0001")))
                    if rng.random() < 0.6
                    else f"{attainment * 100:.1f}%"
                ),
                "new_customers": f"{new}个" if rng.random() < 0.5 else new,
                "retention": float(retention) if rng.random() < 0.5 else f"{retention * 100:.0f}%",
                "score": score,
                "grade": grade,
                "suggestion": rng.choice(SUGGESTIONS[grade]),
            }
        )
    # SB-V002: an estimate typed instead of the figure, in the third row worked out here.
    worked = [row for row in rows if row["name"] not in seeded]
    if worked:
        row = worked[min(2, len(worked) - 1)]
        row["actual"] = f"约{_wan(actuals[str(row['name'])], 1)}万"
    return [_SheetData(APPRAISAL, rows)]


def _measure_text(value: Decimal, unit: str) -> str:
    if unit == "%":
        return f"{value * 100:.1f}%"
    return f"{value:.0f}{unit}"


def _health_sheets(
    rng: random.Random, org: _Org, targets: _Targets, actuals: dict[str, int]
) -> list[_SheetData]:
    """The seed's indicator list and monitoring table, and values on both sides of each line."""
    period = org.period
    recent = [_quarter_before(period, 2), _quarter_before(period, 1)]
    months = [_month(period, offset) for offset in range(period.months)]
    indicator_keys = [c.key for c in HEALTH_INDICATORS.columns]
    monitoring_keys = [c.key for c in HEALTH_MONITORING.columns]
    indicators = [dict(zip(indicator_keys, r, strict=True)) for r in HEALTH_INDICATORS.example_rows]
    monitoring = [
        dict(zip(monitoring_keys, r, strict=True)) for r in HEALTH_MONITORING.example_rows
    ]
    data_keys = [c.key for c in HEALTH_DATA.columns]
    data = []
    for example in HEALTH_DATA.example_rows:  # the seed's measured value, for this quarter
        data.append({**dict(zip(data_keys, example, strict=True)), "period": period.label})

    def uniform(low: Decimal, high: Decimal) -> Decimal:
        return low + (high - low) * Decimal(rng.randint(0, 1000)) / 1000

    for row in monitoring:
        healthy, alert = parse_threshold(row["healthy"]), parse_threshold(row["alert"])
        low, high = sorted((healthy.limit, alert.limit))
        span = high - low
        # Bands from best to worst: healthy, in between (关注), past the alert line (预警).
        bands = [(low - span / 2, low), (low, high), (high, high + span / 2)]
        if healthy.op in (">", ">="):
            bands.reverse()
        if healthy.unit == "%":  # a rate tops out at 100%
            bands = [(a, min(b, Decimal(1))) for a, b in bands]
        statuses = [0, 0, 1, 1, 2]  # every indicator shows each status at least once
        rng.shuffle(statuses)
        for when, status in zip([*recent, *months], statuses, strict=True):
            start, end = bands[status]
            margin = (end - start) / 10  # clear of the lines, even once rounded for display
            data.append(
                {
                    "period": when.label,
                    "indicator": row["indicator"],
                    "value": _measure_text(uniform(start + margin, end - margin), healthy.unit),
                }
            )
    revenue = HEALTH_INDICATORS.example_rows[0][1]  # 营收达成率 = 实际营收/目标营收
    for row in indicators:
        target = parse_measure(row["target"])
        if row["cycle"] == YEARLY:
            periods = [year_period(period.start.year - 2), year_period(period.start.year - 1)]
        elif row["cycle"] == QUARTERLY:
            periods = [*recent, period]
        else:
            periods = [*recent, *months]
        for when in periods:
            ratio = uniform(target.value * Decimal("0.7"), target.value * Decimal("1.15"))
            size = rng.randint(80, 400) * when.months
            numerator = round(size * ratio)
            if row["name"] == revenue:  # in 元; this quarter's is the appraisal's total
                size = targets.sales_total
                numerator = sum(actuals.values()) if when == period else round(size * ratio)
            data.append(
                {
                    "period": when.label,
                    "indicator": row["name"],
                    "value": _measure_text(Decimal(numerator) / size, target.unit),
                    "numerator": numerator,
                    "denominator": size,
                }
            )
    return [
        _SheetData(HEALTH_INDICATORS, indicators),
        _SheetData(HEALTH_MONITORING, monitoring),
        _SheetData(HEALTH_DATA, data),
    ]


def _plan_sheets(
    rng: random.Random, org: _Org, accounts: dict[str, list[_Account]]
) -> list[_SheetData]:
    """Key customers and planned visits per month, for every third rep and the seed's owner."""
    keys = [c.key for c in SALES_PLAN.columns]
    owner = org.seed_owner
    seed_rows = [dict(zip(keys, example, strict=True)) for example in SALES_PLAN.example_rows]
    first_month = _month(org.period, 0).label
    for row in seed_rows:
        row.update(owner=owner.name, period=first_month)
    planners = [owner, *(p for p in org.active_reps[::3] if p is not owner)]
    rows: list[dict[str, object]] = []
    for rep in planners:
        for offset in range(org.period.months):
            month = _month(org.period, offset).label
            if rep is owner and offset == 0:
                rows += seed_rows
            planned = {
                str(row["key_customer"])
                for row in rows
                if row["owner"] == rep.name and row["period"] == month
            }
            mine = [a for a in accounts[rep.name] if a.name not in planned]
            for account in rng.sample(mine, min(len(mine), rng.randint(2, 3))):
                rows.append(
                    {
                        "owner": rep.name,
                        "period": month,
                        "key_customer": account.name,
                        "planned_visits": rng.randint(1, 4),
                        "strategy": rng.choice(STRATEGIES).format(product=account.product),
                        "resources": rng.choice(RESOURCES),
                    }
                )
    return [_SheetData(SALES_PLAN, rows)]


def _review_sheets(org: _Org, seeds: _Seeds) -> list[_SheetData]:
    """The seed's discussion items with real owners and dates in the quarter, plus a few more.

    The seed's second action stays 未开始 past its due date: the one overdue action (SB-R002).
    """
    keys = [c.key for c in REVIEW_ITEMS.columns]
    problem, *actions = (dict(zip(keys, r, strict=True)) for r in REVIEW_ITEMS.example_rows)
    owners = [org.people[0], org.managers[org.regions[0]]]
    for row, owner, status in zip(actions, owners, (DONE, NOT_STARTED), strict=False):
        row.update(owner=owner.name, due=seeds.move(row["due"], org.period), status=status)
    findings = [{"category": category, "content": content} for category, content in REVIEW_FINDINGS]
    leads = list(org.leads.values()) or owners
    more = [
        {
            "category": ACTION,
            "content": content,
            "owner": leads[i % len(leads)].name,
            "due": _month(org.period, month).start.replace(day=day),
            "status": DONE,
        }
        for i, (content, month, day) in enumerate(REVIEW_ACTIONS)
    ]
    return [_SheetData(REVIEW_ITEMS, [problem, *findings, *actions, *more])]
