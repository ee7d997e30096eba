"""salesbook.toml beside the workbooks -> Config. Every setting has a default and a help text.

Each setting is declared once, on the Config field it fills (`setting(...)`): its TOML key,
default (whose type is the type a value is read as), zh/en help and allowed values. SETTINGS, the
README table, the commented salesbook.toml and `Config()` all come from that one declaration.
Unknown keys and bad values are issues (file › line), in the same model as workbook problems, and
the default is used in their place so one typo does not stop the monthly run.
"""

from __future__ import annotations

import re
import string
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from salesbook.issues import Issue, Location
from salesbook.schemas import SHEETS, SHEETS_BY_KIND, Column, ColumnType, ReadOptions
from salesbook.values import choice_key, header_key
from salesbook.words import WORDS

CONFIG_NAME = "salesbook.toml"
T = TypeVar("T", str, int, bool, Decimal)  # the types a setting can have


@dataclass(frozen=True)
class Setting:
    """One documented setting: its TOML key, default and help text (datasette SETTINGS style)."""

    key: str  # dotted TOML key, e.g. "grades.excellent"
    default: str | int | bool | Decimal  # a value is read as this type
    help_zh: str
    help_en: str
    span: tuple[int, int] | None = None  # a number setting's range, both ends allowed
    max_length: int = 1000  # a text setting's longest value in characters
    choices: tuple[str, ...] = ()  # a text setting's only values
    rule: Callable[[str], tuple[str, str] | None] | None = None  # why a text is refused (zh, en)
    attr: str = ""  # the Config attribute it fills (set from the field it is declared on)
    entry: str | None = None  # its key inside that attribute (the dict of scorecard weights)

    @property
    def kind(self) -> type:
        return type(self.default)

    def allowed(self) -> str:
        """The values it takes, for the README and for SB-C003."""
        if self.span:
            return f"{self.span[0]}–{self.span[1]}"
        if isinstance(self.default, bool):
            return "true / false"
        return " / ".join(self.choices) if self.choices else f"≤ {self.max_length} 字"


_DECLARED = "salesbook.settings"  # the metadata key of a Config field that is a setting


def setting(
    key: str,
    default: T,
    help_zh: str,
    help_en: str,
    *,
    span: tuple[int, int] | None = None,
    max_length: int = 1000,
    choices: tuple[str, ...] = (),
    rule: Callable[[str], tuple[str, str] | None] | None = None,
) -> T:
    """A Config field that is the salesbook.toml setting `key` (its one declaration)."""
    declared = Setting(key, default, help_zh, help_en, span, max_length, choices, rule)
    return field(default=default, metadata={_DECLARED: (declared,)})


def weight_settings(table: str, *weights: tuple[str, int, str, str]) -> dict[str, Decimal]:
    """A dict field of score weights 0–100, one setting `table.name` per (name, default, zh, en)."""
    declared = tuple(
        Setting(f"{table}.{name}", Decimal(default), zh, en, span=(0, 100), entry=name)
        for name, default, zh, en in weights
    )
    return field(
        default_factory=lambda: {name: Decimal(default) for name, default, _, _ in weights},
        metadata={_DECLARED: declared},
    )


NUMBER_FIELDS = ("period", "seq", "owner")
NUMBER_MAX_WIDTH = 10  # `{seq:020000000d}` would build a 20 MB number (and hang the PDF)


def number_format_problem(text: str) -> tuple[str, str] | None:
    """Why `text` cannot number the letters (zh, en), or None. Only `{period}`, `{seq}` and
    `{owner}` with a plain format spec of width ≤ 10: no attribute or index access, no nesting."""
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError:
        return ("花括号不成对（文字中的括号请写成 {{ 或 }}）", "unbalanced braces (write {{ or }})")
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in NUMBER_FIELDS:
            return (
                "只能使用 {period}、{seq}、{owner}，不能取属性或下标",
                "only {period}, {seq} and {owner}, without attributes or indexes",
            )
        if conversion or (spec and not re.fullmatch(r"[^{}]?[<>=^]?[0-9]*[a-z]?", spec)):
            return (
                "格式说明只能是宽度与类型，如 {seq:03d}",
                "a format spec is a width and type, e.g. {seq:03d}",
            )
        if any(int(run) > NUMBER_MAX_WIDTH for run in re.findall(r"[0-9]+", spec or "")):
            return (
                f"宽度不能超过 {NUMBER_MAX_WIDTH}",
                f"the width must not exceed {NUMBER_MAX_WIDTH}",
            )
    try:
        text.format(period="2026Q4", seq=1, owner="张三")
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return ("格式与编号不符，如 {period:d}", "the spec does not fit the value, e.g. {period:d}")
    return None


COMPANY_PLACEHOLDER = "（公司名称）"  # printed until the admin sets `company` (SB-C005)


@dataclass(frozen=True)
class Config:
    """All settings, read once and passed down; each field is declared as its setting, in the
    order of the README table and of the commented salesbook.toml."""

    company: str = setting(
        "company",
        COMPANY_PLACEHOLDER,
        "公司名称，印在责任书与报告上",
        "Company name on letters and reports",
        max_length=100,
    )
    money_unit: str = setting(
        "money_unit",
        "元",
        "金额显示单位：「元」或「万元」",
        "Money shown in 元 or 万元",
        choices=("元", "万元"),
    )
    calendar: str = setting(
        "calendar",
        "cn",
        "工作日历：cn（中国法定节假日与调休）或 calendar（自然日）",
        "Working-day calendar: cn (Chinese official holidays) or calendar (every day)",
        choices=("cn", "calendar"),
    )
    templates: str = setting(  # as written in salesbook.toml; see template_folder()
        "templates",
        "",
        "自己的模板文件夹，相对于 salesbook.toml 所在文件夹且须在其内（留空：只用内置模板）",
        "Your own template folder, relative to the folder of salesbook.toml and inside it "
        "(empty: built-in templates only)",
    )
    stale_days: int = setting(
        "follow_up.stale_days",
        3,
        "客户多少个工作日无更新即视为停滞",
        "Working days without an update before a customer counts as stale",
        span=(0, 365),
    )
    backfill_days: int = setting(
        "follow_up.backfill_days",
        1,
        "录入日期晚于跟进日期超过多少个工作日算补录",
        "Working days after the follow-up date beyond which an entry is back-filled",
        span=(0, 365),
    )
    pool_days: int = setting(
        "follow_up.pool_days",
        0,
        "多少天未跟进将客户移入公海（0 表示不使用公海规则）",
        "Days without follow-up before a customer returns to the shared pool (0: no pool rule)",
        span=(0, 3650),
    )
    visits_any_channel: bool = setting(
        "follow_up.visits_any_channel",
        False,
        "计划拜访是否计入所有沟通方式（否则只计「上门拜访」）",
        "Count every channel as a visit against the plan (otherwise only 上门拜访)",
    )
    pace_tolerance: Decimal = setting(
        "pace.tolerance",
        Decimal(10),
        "进度判定：达成率低于时间进度达到此百分点数（含）为落后，高于达到此数（含）为领先",
        "Behind when attainment trails elapsed time by this many points or more; ahead when it "
        "leads by this many or more",
        span=(0, 100),
    )
    weights: dict[str, Decimal] = weight_settings(
        "scorecard",
        ("attainment", 40, "评分权重：销售额达成率", "Score weight: sales attainment"),
        (
            "new_customers",
            15,
            "评分权重：新客户开发（对目标）",
            "Score weight: new customers against target",
        ),
        ("retention", 15, "评分权重：客户留存率", "Score weight: retention"),
        ("process_nodes", 10, "评分权重：流程节点完成率", "Score weight: process-node completion"),
        (
            "record_completeness",
            5,
            "评分权重：CRM 信息完整度",
            "Score weight: record completeness",
        ),
        ("qualitative", 15, "评分权重：主管定性评价", "Score weight: manager's assessment"),
    )
    new_customer_target: int = setting(
        "scorecard.new_customer_target",
        10,
        "新客户开发满分对应的个数",
        "New customers that earn the full new-customer part",
        span=(0, 100000),
    )
    grade_excellent: Decimal = setting(
        "grades.excellent",
        Decimal(90),
        "评为「优秀」的最低综合评分",
        "Lowest score graded 优秀 (excellent)",
        span=(0, 100),
    )
    grade_good: Decimal = setting(
        "grades.good",
        Decimal(80),
        "评为「良好」的最低综合评分（更低为「待改进」）",
        "Lowest score graded 良好 (good); below it 待改进 (needs work)",
        span=(0, 100),
    )
    star_min_attainment: Decimal = setting(
        "awards.star_min_attainment",
        Decimal(100),
        "「销售之星」的达成率门槛（%）",
        "Attainment (%) a 销售之星 must reach",
        span=(0, 1000),
    )
    improvement_min_points: Decimal = setting(
        "awards.improvement_min_points",
        Decimal(5),
        "「最佳进步奖」要求的达成率提升（百分点）",
        "Attainment gain (points) needed for 最佳进步奖",
        span=(0, 1000),
    )
    growth_board_size: int = setting(
        "awards.growth_board_size",
        5,
        "「成长进步榜」上榜人数",
        "People on the 成长进步榜",
        span=(0, 100),
    )
    tier_window_days: int = setting(
        "tiers.window_days",
        90,
        "客户分层（RFM）：频率 F 统计截至日之前多少个自然日内的跟进次数",
        "Customer tiers (RFM): frequency F counts the follow-ups of this many calendar days up "
        "to the as-of date",
        span=(1, 3660),
    )
    tier_high: int = setting(
        "tiers.high",
        4,
        "客户分层：R、F、M 的五分位得分（1–5）都不低于此分为 A 类",
        "Customer tiers: an A customer scores at least this (1–5) on R, F and M",
        span=(1, 5),
    )
    tier_low: int = setting(
        "tiers.low",
        2,
        "客户分层：M 与 F 得分都不高于此分为 C 类（无商机金额时只看 F）；不得高于 tiers.high",
        "Customer tiers: a C customer scores at most this on M and F (F alone without a deal "
        "value); not above tiers.high",
        span=(1, 5),
    )
    tier_service_a: str = setting(
        "tiers.service_a",
        WORDS["tier_service.A"].zh,
        "A 类客户的服务方式",
        "How A customers are served",
        max_length=200,
    )
    tier_service_b: str = setting(
        "tiers.service_b",
        WORDS["tier_service.B"].zh,
        "B 类客户的服务方式",
        "How B customers are served",
        max_length=200,
    )
    tier_service_c: str = setting(
        "tiers.service_c",
        WORDS["tier_service.C"].zh,
        "C 类客户的服务方式",
        "How C customers are served",
        max_length=200,
    )
    # The risk list (风险预警清单): thresholds, the report's length and the corrective actions
    risk_high_value: Decimal = setting(
        "risks.high_value",
        Decimal(100000),
        "风险预警：商机金额不低于此数（元）的客户为高价值客户，涉及金额达到此数的风险为「高」",
        "Risk list: a customer with a deal value of at least this (yuan) is high-value, and a "
        "risk with this much at stake is high",
        span=(0, 10**12),
    )
    risk_deal_idle_days: int = setting(
        "risks.deal_idle_days",
        5,
        "风险预警：商务谈判、合同签订阶段的客户多少个工作日（含）无更新即预警",
        "Risk list: working days (or more) without an update before a deal at 商务谈判 or "
        "合同签订 is a risk",
        span=(1, 365),
    )
    risk_report_top: int = setting(
        "risks.report_top",
        15,
        "复盘报告风险预警页列出的最严重风险条数（其余只计数，全部见汇总）",
        "The most severe risks the review report lists (the rest are counted; all in the summary)",
        span=(1, 100),
    )
    risk_action_owner_left: str = setting(
        "risks.action_owner_left",
        WORDS["risk_action.owner_left"].zh,
        "纠偏措施：负责人已离职的客户",
        "Corrective action: a customer whose owner has left",
        max_length=200,
    )
    risk_action_key_customer: str = setting(
        "risks.action_key_customer",
        WORDS["risk_action.key_customer"].zh,
        "纠偏措施：重点客户（A 类或高价值）停滞或逾期",
        "Corrective action: a key (A-tier or high-value) customer stalled or overdue",
        max_length=200,
    )
    risk_action_deal_idle: str = setting(
        "risks.action_deal_idle",
        WORDS["risk_action.deal_idle"].zh,
        "纠偏措施：临近成交的商机无更新",
        "Corrective action: a deal near closing with no update",
        max_length=200,
    )
    risk_action_plan_no_follow_up: str = setting(
        "risks.action_plan_no_follow_up",
        WORDS["risk_action.plan_no_follow_up"].zh,
        "纠偏措施：计划重点客户未跟进",
        "Corrective action: a planned key customer not followed up",
        max_length=200,
    )
    risk_action_behind_pace: str = setting(
        "risks.action_behind_pace",
        WORDS["risk_action.behind_pace"].zh,
        "纠偏措施：进度落后、预计完不成的目标",
        "Corrective action: a target behind pace and projected short",
        max_length=200,
    )
    risk_action_health_alert: str = setting(
        "risks.action_health_alert",
        WORDS["risk_action.health_alert"].zh,
        "纠偏措施：健康度指标预警（其后附上监控表的改进方向）",
        "Corrective action: a health indicator at alert (the monitoring sheet's improvement "
        "direction follows)",
        max_length=200,
    )
    risk_action_unsigned_letter: str = setting(
        "risks.action_unsigned_letter",
        WORDS["risk_action.unsigned_letter"].zh,
        "纠偏措施：销售目标责任书未签署",
        "Corrective action: a target letter not signed",
        max_length=200,
    )
    letter_number_format: str = setting(
        "letters.number_format",
        "XS-{period}-{seq:03d}",
        "责任书编号格式",
        "Document-number format of the letters",
        max_length=100,
        rule=number_format_problem,
    )
    letter_reward: str = setting(
        "letters.reward",
        "完成目标的，按公司销售激励制度发放绩效奖金；超额完成部分另行奖励。",
        "责任书奖励条款",
        "Reward clause of the letters",
        max_length=2000,
    )
    letter_docx: bool = setting(
        "letters.docx",
        True,
        "除 PDF 外，每份责任书另写一份可编辑的 Word 文件（.docx），及一份合并的",
        "Besides the PDFs, write each letter as an editable Word file (.docx), and all in one",
    )
    letter_penalty: str = setting(
        "letters.penalty",
        "未完成目标的，按差额比例扣减当期绩效奖金，并制定改进计划。",
        "责任书惩罚条款",
        "Penalty clause of the letters",
        max_length=2000,
    )
    letter_lock: bool = setting(
        "letters.lock",
        False,
        "已下发的责任书锁定：目标变更报错（SB-T018）且不出变更版，由管理员确认后再关闭",
        "Lock issued letters: a changed target is an error (SB-T018) and no revised letter is "
        "issued until the admin approves",
    )
    letter_sign_within_days: int = setting(
        "letters.sign_within_days",
        5,
        "责任书应在周期开始后几个工作日内签署；之后仍未签署的列入复盘报告与汇总并警告（SB-T019）",
        "Working days after the period starts within which letters are signed; later, unsigned "
        "letters are listed and warned about (SB-T019)",
        span=(0, 250),
    )
    us_dates: bool = setting(
        "read.us_dates",
        False,
        "导出文件中 9/3/2026 这样的日期按美式 月/日/年 读（否则这样的日期报错，不猜）",
        "Read dates like 9/3/2026 as US month/day/year (otherwise such dates are an error, "
        "never guessed)",
    )
    completion_year: int = setting(
        "read.completion_year",
        0,
        "目标完成情况导出（只有一月…十二月、没有年份）属于哪一年；0 表示按本次运行的周期",
        "The year of a target-completion export (months only, no year); 0: the run's period",
        span=(0, 2100),
    )
    scheduler: str = setting(  # not a figure: left out of as_dict (figures.json, reuse keys)
        "run.scheduler",
        "",
        "在 Dask 集群上填表与生成 PDF：调度器地址 tcp://主机:8786，或 local:N 在本机起 N 个"
        "工作进程（留空：本机运行；--scheduler 与环境变量 SALESBOOK_SCHEDULER 优先）",
        "Fill and lay out on a Dask cluster: the scheduler's address tcp://HOST:8786, or local:N "
        "for N worker processes here (empty: this machine; --scheduler and $SALESBOOK_SCHEDULER "
        "come first)",
        max_length=300,
    )
    # `[columns.<kind>]` and `[values.<column>]`: headers and values the admin maps (see
    # mappings()); folded keys, as ReadOptions takes them.
    header_map: tuple[tuple[str, str, str], ...] = ()
    value_map: tuple[tuple[str, str, str], ...] = ()
    source: str | None = None  # the file read, for messages and the manifest (not a setting)

    def read_options(self) -> ReadOptions:
        """What the reader needs of the settings: mapped headers and values, the date order."""
        return ReadOptions(self.header_map, self.value_map, self.us_dates)

    def template_folder(self, folder: Path) -> Path | None:
        """The template folder the `templates` setting names (already checked), if any."""
        return Path(folder) / self.templates if self.templates else None

    def as_dict(self) -> dict[str, object]:
        return {
            f.name: _plain(getattr(self, f.name)) for f in fields(self) if f.name not in RUN_ONLY
        }


# Where a run is made, not what it computes: the same figures and files either way.
RUN_ONLY = ("scheduler",)

SETTINGS: tuple[Setting, ...] = tuple(
    replace(declared, attr=f.name)
    for f in fields(Config)
    for declared in f.metadata.get(_DECLARED, ())
)
SETTINGS_BY_KEY = {s.key: s for s in SETTINGS}
WEIGHT_KEYS = tuple(s.entry for s in SETTINGS if s.entry)


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def default_config() -> Config:
    """The settings a run uses when there is no salesbook.toml (the same as `Config()`)."""
    return Config()


class _Invalid(ValueError):
    """A value that cannot be used, with the rule it breaks in both languages."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.rule = {"zh": zh, "en": en}


def _coerce(value: object, kind: type) -> str | int | bool | Decimal:
    """A TOML value as the setting's type; raises ValueError (_Invalid) when it cannot be."""
    if kind is bool:
        if not isinstance(value, bool):
            raise _Invalid("应为 true 或 false", "must be true or false")
        return value
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Invalid("应为整数", "must be a whole number")
        return value
    if kind is Decimal:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise _Invalid("应为数字", "must be a number")
        try:  # TOML gives inf and nan as floats, and "10" is taken as written
            number = Decimal(str(value).strip())
        except ArithmeticError:
            raise _Invalid("应为数字", "must be a number") from None
        if not number.is_finite():
            raise _Invalid("应为有限的数字", "must be a finite number")
        return number
    if not isinstance(value, str):
        raise _Invalid("应为文字（加引号）", "must be text in quotes")
    return value


def _check(setting: Setting, value: str | int | bool | Decimal) -> None:
    """Raise _Invalid unless `value` (already of the setting's type) is in the setting's range."""
    if setting.span:
        low, high = setting.span
        assert not isinstance(value, str)  # only number settings have a span
        if not low <= value <= high:
            raise _Invalid(f"应在 {low} 到 {high} 之间", f"must be from {low} to {high}")
        return
    if not isinstance(value, str):
        return
    if setting.choices:
        if value not in setting.choices:
            choices = " / ".join(setting.choices)
            raise _Invalid(f"只能是 {choices}", f"must be one of {choices}")
        return
    if not value.strip() and setting.default:
        raise _Invalid("不能为空", "must not be empty")
    if len(value) > setting.max_length:
        raise _Invalid(
            f"最长 {setting.max_length} 个字符", f"at most {setting.max_length} characters"
        )
    if any((ord(c) < 32 and c not in "\n\t") or 127 <= ord(c) < 160 for c in value):
        raise _Invalid("不能含控制字符", "must not contain control characters")
    problem = setting.rule(value) if setting.rule else None
    if problem:
        raise _Invalid(*problem)


def _flatten(data: dict[str, object], prefix: str = "") -> dict[str, object]:
    flat = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


def _key_parts(text: str) -> list[str]:
    """`follow_up. "pool_days"` -> ["follow_up", "pool_days"] (bare or simply quoted keys)."""
    return [part.strip().strip("\"'") for part in text.split(".")]


def _line_of(text: str, dotted: str) -> int | None:
    """The line a key is written on (tomllib keeps no positions): `[table]` then `key =`, or a
    dotted `table.key =`; None when it cannot be told (an inline table, say)."""
    wanted = dotted.split(".")
    current: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        header = re.match(r"^\s*\[\s*([^\[\]]+?)\s*\]", line)
        if header:
            current = _key_parts(header.group(1))
            continue
        assignment = re.match(r"^\s*([\w\-\"'. ]+?)\s*=", line)
        if assignment and current + _key_parts(assignment.group(1)) == wanted:
            return number
    return None


def _table_line(text: str, dotted: str) -> int | None:
    """The line of a `[table]` header, for an issue about the whole table."""
    wanted = _key_parts(dotted)
    for number, line in enumerate(text.splitlines(), start=1):
        header = re.match(r"^\s*\[\s*([^\[\]]+?)\s*\]", line)
        if header and _key_parts(header.group(1)) == wanted:
            return number
    return None


def _shown(value: object) -> str:
    """A raw value short enough for a message."""
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "…"


MAX_BYTES = 1_000_000  # a settings file is a few lines; a huge one is not read


def load_config(folder: Path) -> tuple[Config, list[Issue]]:
    """`folder/salesbook.toml` over the defaults; problems become issues, never exceptions.

    Every value is checked against its setting's type and range (SB-C003 at its line, the default
    used), so no setting can make a later stage crash, overflow a date or hang."""
    config = default_config()
    path = Path(folder) / CONFIG_NAME
    if not path.is_file():  # also a FIFO, device or dangling link: only a regular file is read
        return config, []
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ValueError(f"larger than {MAX_BYTES} bytes")
        text = path.read_text(encoding="utf-8-sig", errors="replace")
        data = tomllib.loads(text)
    except (OSError, ValueError) as error:  # TOMLDecodeError, or an integer of 4300+ digits
        line = re.search(r"line (\d+)", str(error))
        return config, [
            Issue(
                "SB-C001",
                Location(CONFIG_NAME, row=int(line.group(1)) if line else None),
                {"detail": _shown(error)},
            )
        ]
    issues: list[Issue] = []
    changes: dict[str, Any] = {}  # Config attribute -> a value of its setting's type
    headers, values, mapping_issues = mappings(data, text)
    issues += mapping_issues
    changes["header_map"], changes["value_map"] = headers, values
    weights = dict(config.weights)
    rows: dict[str, int | None] = {}

    def invalid(key: str, raw: object, rule: dict[str, str], default: object) -> None:
        where = Location(CONFIG_NAME, row=rows.get(key, _line_of(text, key)))
        params = {"key": key, "raw": _shown(raw), "rule": rule, "default": _toml_value(default)}
        issues.append(Issue("SB-C003", where, params))

    for key, value in _flatten(data).items():
        rows[key] = _line_of(text, key)
        setting = SETTINGS_BY_KEY.get(key)
        if setting is None:
            issues.append(Issue("SB-C002", Location(CONFIG_NAME, row=rows[key]), {"key": key}))
            continue
        try:
            coerced = _coerce(value, setting.kind)
            _check(setting, coerced)
            if setting.attr == "templates" and coerced:
                assert isinstance(coerced, str)  # the templates folder is a text setting
                _check_template_folder(Path(folder), coerced)
        except ValueError as error:
            rule = (
                error.rule if isinstance(error, _Invalid) else {"zh": "无法使用", "en": "unusable"}
            )
            invalid(key, value, rule, setting.default)
            continue
        if setting.entry:
            assert isinstance(coerced, Decimal)  # weights are number settings
            weights[setting.entry] = coerced
        else:
            changes[setting.attr] = coerced
    if sum(weights.values()) <= 0:
        rule = {"zh": "权重之和必须大于 0", "en": "the weights must add up to more than 0"}
        shown = " / ".join(f'"{w}"' for w in config.weights.values())  # quoted, as always
        params = {"key": "scorecard", "raw": 0, "rule": rule, "default": shown}
        issues.append(Issue("SB-C003", Location(CONFIG_NAME), params))
        weights = dict(config.weights)
    # The grade bands must not cross: the value written in the file gives way to the default.
    for key in ("grades.good", "grades.excellent"):
        excellent = changes.get("grade_excellent", config.grade_excellent)
        good = changes.get("grade_good", config.grade_good)
        name = SETTINGS_BY_KEY[key].attr
        if good > excellent and name in changes:
            del changes[name]
            rule = {
                "zh": "良好的最低分不能高于优秀的最低分",
                "en": "good must not be above excellent",
            }
            invalid(key, data["grades"][key.split(".")[1]], rule, SETTINGS_BY_KEY[key].default)
    # The tier bands must not cross either (a C customer would also be an A one).
    for key in ("tiers.low", "tiers.high"):
        low = changes.get("tier_low", config.tier_low)
        high = changes.get("tier_high", config.tier_high)
        name = SETTINGS_BY_KEY[key].attr
        if low > high and name in changes:
            del changes[name]
            rule = {
                "zh": "tiers.low 不能高于 tiers.high",
                "en": "tiers.low must not be above tiers.high",
            }
            invalid(key, data["tiers"][key.split(".")[1]], rule, SETTINGS_BY_KEY[key].default)
    return replace(config, **changes, weights=weights, source=str(path)), issues


MAPPING_TABLES = ("columns", "values")  # salesbook.toml tables of the admin's own names
_CHOICE_COLUMNS: dict[str, list[Column]] = {}  # 状态 is a roster's and a review item's
for _schema in SHEETS:
    for _column in _schema.columns:
        if _column.type is ColumnType.CHOICE:
            _CHOICE_COLUMNS.setdefault(_column.key, []).append(_column)


def mappings(
    data: dict[str, Any], text: str
) -> tuple[tuple[tuple[str, str, str], ...], tuple[tuple[str, str, str], ...], list[Issue]]:
    """`[columns.<kind>] "拜访日期" = "date"` and `[values.<column>] "饭局聚会" = "上门拜访"`,
    taken out of `data`, checked and folded; each one that cannot be used is SB-C006 at its line.

    A column is named by its key (date) or any of its headers (跟进日期); a value by any
    spelling of an allowed value of that column (上门拜访, Visit)."""
    headers: list[tuple[str, str, str]] = []
    values: list[tuple[str, str, str]] = []
    issues: list[Issue] = []

    def refuse(key: str, raw: object, zh: str, en: str) -> None:
        where = Location(CONFIG_NAME, row=_line_of(text, key) or _table_line(text, key))
        issues.append(
            Issue("SB-C006", where, {"key": key, "raw": _shown(raw), "rule": {"zh": zh, "en": en}})
        )

    for table in MAPPING_TABLES:
        section = data.pop(table, None)
        if section is None:
            continue
        if not isinstance(section, dict):
            refuse(
                table,
                section,
                "应为表，如 [columns.follow_up]",
                "must be a table, e.g. [columns.follow_up]",
            )
            continue
        for group, entries in section.items():
            dotted = f"{table}.{group}"
            if not isinstance(entries, dict):
                refuse(dotted, entries, "应为表", "must be a table")
                continue
            if table == "columns" and group not in SHEETS_BY_KIND:
                kinds = "、".join(SHEETS_BY_KIND)
                refuse(
                    dotted, group, f"没有这种表，可用：{kinds}", f"no such kind; use one of {kinds}"
                )
                continue
            if table == "values" and group not in _CHOICE_COLUMNS:
                names = "、".join(_CHOICE_COLUMNS)
                refuse(
                    dotted,
                    group,
                    f"没有这个可选值列，可用：{names}",
                    f"no such column of choices; use one of {names}",
                )
                continue
            for name, target in entries.items():
                key = f"{dotted}.{name}"
                if not isinstance(target, str) or not name.strip():
                    refuse(key, target, "应为文字（加引号）", "must be text in quotes")
                elif table == "columns":
                    column = _column_named(group, target)
                    if column is None:
                        refuse(key, target, f"「{group}」没有这一列", f"{group} has no such column")
                    else:
                        headers.append((group, header_key(name), column))
                else:
                    value = _value_named(group, target)
                    if value is None:
                        allowed = "、".join(
                            dict.fromkeys(
                                c.value for column in _CHOICE_COLUMNS[group] for c in column.choices
                            )
                        )
                        refuse(
                            key, target, f"只能对应到：{allowed}", f"must map to one of {allowed}"
                        )
                    else:
                        values.append((group, choice_key(name), value))
    return tuple(headers), tuple(values), issues


def _column_named(kind: str, name: str) -> str | None:
    """The key of the column of `kind` that `name` names: its key or one of its headers."""
    wanted = header_key(name)
    for column in SHEETS_BY_KIND[kind].columns:
        if wanted == column.key or wanted in {header_key(h) for h in column.headers()}:
            return column.key
    return None


def _value_named(column_key: str, name: str) -> str | None:
    wanted = choice_key(name)
    for column in _CHOICE_COLUMNS[column_key]:
        for choice in column.choices:
            if wanted in {choice_key(s) for s in choice.spellings()}:
                return choice.value
    return None


def _check_template_folder(folder: Path, value: str) -> None:
    """The `templates` setting must name an existing folder inside the workbook folder: a
    settings file dropped in must not point the templates at /etc (an include would print it)."""
    path = folder / value
    try:
        inside = path.is_dir() and path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):  # a symlink loop, a name the OS refuses
        inside = False
    if not inside:
        raise _Invalid(
            "应为 salesbook.toml 所在文件夹内已有的文件夹",
            "must be an existing folder inside the folder of salesbook.toml",
        )


def unused_templates(folder: Path, config: Config) -> list[Issue]:
    """A `templates/` folder that merely sits among the workbooks is not used (anyone who can drop
    a file could otherwise change the letters): SB-C004 says so, so the admin can name it."""
    stray = Path(folder) / "templates"
    named = config.template_folder(folder)
    try:
        if not stray.is_dir() or (named is not None and named.resolve() == stray.resolve()):
            return []
    except (OSError, RuntimeError):
        return []
    return [Issue("SB-C004", Location("templates"))]


def company_missing(config: Config) -> list[Issue]:
    """SB-C005 while `company` is unset (or set to the placeholder itself): every letter and
    report would name the placeholder as 甲方, which nobody should send out unnoticed."""
    if config.company.strip() != COMPANY_PLACEHOLDER:
        return []
    return [Issue("SB-C005", Location(CONFIG_NAME))]


EXAMPLE_COMPANY = "示例有限公司"  # shown in init's salesbook.toml, commented out


def commented_toml(company: str | None = None) -> str:
    """The commented salesbook.toml: every setting at its default, and `company` as given.

    Without a company (`salesbook init`) its line stays commented out with an example name, so
    SB-C005 keeps reminding the admin until they write their own; an example name that took
    effect would be printed on letters as if it were real."""
    lines = [
        "# salesbook 设置 settings. 删除某行即使用默认值 (delete a line to use the default).",
        "",
    ]
    current_table = ""
    for setting in SETTINGS:
        table, _, key = setting.key.rpartition(".")
        if table != current_table:
            lines += ["", f"[{table}]"]
            current_table = table
        lines.append(f"# {setting.help_zh} / {setting.help_en}")
        if setting.key == "company" and company is None:
            lines.append(
                "# 改成贵公司全称并删去行首的 #；未设置时 run 与 validate 提示 SB-C005"
                " / Write your company's name and remove the leading #"
            )
            lines.append(f"# {key} = {_toml_value(EXAMPLE_COMPANY)}")
            continue
        value = company if setting.key == "company" else setting.default
        lines.append(f"{key} = {_toml_value(value)}")
    lines += [
        "",
        "# 从 CRM 导出的表：表头或取值叫法不同时在这里对应（见 README「从 CRM 导出」）",
        "# Exports whose headers or values are named differently: map them here",
        "# [columns.follow_up]",
        '# "拜访日期" = "date"',
        "# [values.channel]",
        '# "饭局聚会" = "上门拜访"',
    ]
    return "\n".join(lines).strip() + "\n"


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
