"""salesbook.toml beside the workbooks -> Config. Every setting has a default and a help text.

Unknown keys and bad values are issues (file › line), in the same model as workbook problems, and
the default is used in their place so one typo does not stop the monthly run.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from pathlib import Path

from salesbook.issues import Issue, Location

CONFIG_NAME = "salesbook.toml"


@dataclass(frozen=True)
class Setting:
    """One documented setting: its TOML key, default and help text (datasette SETTINGS style)."""

    key: str  # dotted TOML key, e.g. "grades.excellent"
    default: object
    help_zh: str
    help_en: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "company",
        "（公司名称）",
        "公司名称，印在责任书与报告上",
        "Company name on letters and reports",
    ),
    Setting("money_unit", "元", "金额显示单位：元 或 万元", "Money shown in 元 or 万元"),
    Setting(
        "calendar",
        "cn",
        "工作日历：cn（中国法定节假日与调休）或 calendar（自然日）",
        "Working-day calendar: cn (Chinese official holidays) or calendar (every day)",
    ),
    Setting(
        "follow_up.stale_days",
        3,
        "客户多少个工作日无更新即视为停滞（种子 002：3 天）",
        "Working days without an update before a customer counts as stale (seed 002: 3)",
    ),
    Setting(
        "follow_up.backfill_days",
        1,
        "录入日期晚于跟进日期超过多少个工作日算补录",
        "Working days after the follow-up date beyond which an entry is back-filled",
    ),
    Setting(
        "follow_up.pool_days",
        0,
        "多少天未跟进将客户移入公海（0 表示不使用公海规则）",
        "Days without follow-up before a customer returns to the shared pool (0: no pool rule)",
    ),
    Setting(
        "follow_up.visits_any_channel",
        False,
        "计划拜访是否计入所有沟通方式（否则只计上门拜访）",
        "Count every channel as a visit against the plan (otherwise only 上门拜访)",
    ),
    Setting(
        "pace.tolerance",
        10,
        "落后判定：达成率落后时间进度超过多少个百分点",
        "Behind when attainment trails elapsed time by more than this many points",
    ),
    Setting("scorecard.attainment", 40, "评分权重：销售额达成率", "Score weight: sales attainment"),
    Setting(
        "scorecard.new_customers",
        15,
        "评分权重：新客户开发（对目标）",
        "Score weight: new customers against target",
    ),
    Setting("scorecard.retention", 15, "评分权重：客户留存率", "Score weight: retention"),
    Setting(
        "scorecard.process_nodes",
        10,
        "评分权重：流程节点完成率（种子 002：10%）",
        "Score weight: process-node completion (seed 002: 10%)",
    ),
    Setting(
        "scorecard.record_completeness",
        5,
        "评分权重：CRM 信息完整度（种子 002：5%）",
        "Score weight: record completeness (seed 002: 5%)",
    ),
    Setting(
        "scorecard.qualitative", 15, "评分权重：主管定性评价", "Score weight: manager's assessment"
    ),
    Setting(
        "scorecard.new_customer_target",
        10,
        "新客户开发满分对应的个数",
        "New customers that earn the full new-customer part",
    ),
    Setting("grades.excellent", 90, "优秀的最低分（种子：92 为优秀）", "Lowest score graded 优秀"),
    Setting("grades.good", 80, "良好的最低分（种子：75 为待改进）", "Lowest score graded 良好"),
    Setting(
        "awards.star_min_attainment",
        100,
        "销售之星的达成率门槛（%）",
        "Attainment (%) a 销售之星 must reach",
    ),
    Setting(
        "awards.improvement_min_points",
        5,
        "最佳进步奖要求的达成率提升（百分点）",
        "Attainment gain (points) needed for 最佳进步奖",
    ),
    Setting("awards.growth_board_size", 5, "成长进步榜上榜人数", "People on the 成长进步榜"),
    Setting(
        "letters.number_format",
        "XS-{period}-{seq:03d}",
        "责任书编号格式",
        "Document-number format of the letters",
    ),
    Setting(
        "letters.reward",
        "完成目标的，按公司销售激励制度发放绩效奖金；超额完成部分另行奖励。",
        "责任书奖励条款",
        "Reward clause of the letters",
    ),
    Setting(
        "letters.penalty",
        "未完成目标的，按差额比例扣减当期绩效奖金，并制定改进计划。",
        "责任书惩罚条款",
        "Penalty clause of the letters",
    ),
)
SETTINGS_BY_KEY = {s.key: s for s in SETTINGS}


@dataclass(frozen=True)
class Config:
    """All settings, read once and passed down."""

    company: str = "（公司名称）"
    money_unit: str = "元"
    calendar: str = "cn"
    stale_days: int = 3
    backfill_days: int = 1
    pool_days: int = 0
    visits_any_channel: bool = False
    pace_tolerance: Decimal = Decimal(10)
    weights: dict[str, Decimal] = field(default_factory=dict)
    new_customer_target: int = 10
    grade_excellent: Decimal = Decimal(90)
    grade_good: Decimal = Decimal(80)
    star_min_attainment: Decimal = Decimal(100)
    improvement_min_points: Decimal = Decimal(5)
    growth_board_size: int = 5
    letter_number_format: str = "XS-{period}-{seq:03d}"
    letter_reward: str = ""
    letter_penalty: str = ""
    source: str | None = None  # the file read, for messages and the manifest

    def as_dict(self) -> dict[str, object]:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


_FIELDS = {  # TOML key -> Config field
    "company": "company",
    "money_unit": "money_unit",
    "calendar": "calendar",
    "follow_up.stale_days": "stale_days",
    "follow_up.backfill_days": "backfill_days",
    "follow_up.pool_days": "pool_days",
    "follow_up.visits_any_channel": "visits_any_channel",
    "pace.tolerance": "pace_tolerance",
    "scorecard.new_customer_target": "new_customer_target",
    "grades.excellent": "grade_excellent",
    "grades.good": "grade_good",
    "awards.star_min_attainment": "star_min_attainment",
    "awards.improvement_min_points": "improvement_min_points",
    "awards.growth_board_size": "growth_board_size",
    "letters.number_format": "letter_number_format",
    "letters.reward": "letter_reward",
    "letters.penalty": "letter_penalty",
}
WEIGHT_KEYS = (
    "attainment",
    "new_customers",
    "retention",
    "process_nodes",
    "record_completeness",
    "qualitative",
)
_CHOICES = {"money_unit": ("元", "万元"), "calendar": ("cn", "calendar")}


def default_config() -> Config:
    values: dict[str, object] = {}
    for key, name in _FIELDS.items():
        values[name] = _coerce(SETTINGS_BY_KEY[key].default, type(_field_default(name)))
    weights = {k: Decimal(str(SETTINGS_BY_KEY[f"scorecard.{k}"].default)) for k in WEIGHT_KEYS}
    return Config(**values, weights=weights)


def _field_default(name: str) -> object:
    return next(f.default for f in fields(Config) if f.name == name)


def _coerce(value: object, kind: type) -> object:
    """A TOML value as the field's type; raises ValueError when it cannot be."""
    if kind is bool:
        if not isinstance(value, bool):
            raise ValueError(value)
        return value
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(value)
        return value
    if kind is Decimal:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError(value)
        try:
            number = Decimal(str(value))
        except ArithmeticError as error:
            raise ValueError(value) from error
        if not number.is_finite() or number < 0:
            raise ValueError(value)
        return number
    if not isinstance(value, str):
        raise ValueError(value)
    return value


def _flatten(data: dict[str, object], prefix: str = "") -> dict[str, object]:
    flat = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


def _line_of(text: str, dotted: str) -> int | None:
    """The line a key is written on (tomllib keeps no positions)."""
    table, _, key = dotted.rpartition(".")
    current = ""
    for number, line in enumerate(text.splitlines(), start=1):
        header = re.match(r"^\s*\[([^\]]+)\]", line)
        if header:
            current = header.group(1).strip()
        elif re.match(rf"^\s*{re.escape(key)}\s*=", line) and current == table:
            return number
    return None


def load_config(folder: Path) -> tuple[Config, list[Issue]]:
    """`folder/salesbook.toml` over the defaults; problems become issues, never exceptions."""
    config = default_config()
    path = Path(folder) / CONFIG_NAME
    if not path.is_file():
        return config, []
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = re.search(r"line (\d+)", str(error))
        return config, [
            Issue(
                "SB-C001",
                Location(CONFIG_NAME, row=int(line.group(1)) if line else None),
                {"detail": str(error)},
            )
        ]
    issues: list[Issue] = []
    changes: dict[str, object] = {}
    weights = dict(config.weights)
    for key, value in _flatten(data).items():
        where = Location(CONFIG_NAME, row=_line_of(text, key))
        setting = SETTINGS_BY_KEY.get(key)
        if setting is None:
            issues.append(Issue("SB-C002", where, {"key": key}))
            continue
        try:
            if key.startswith("scorecard.") and key != "scorecard.new_customer_target":
                weights[key.split(".", 1)[1]] = _coerce(value, Decimal)  # type: ignore[assignment]
                continue
            name = _FIELDS[key]
            coerced = _coerce(value, type(_field_default(name)))
            if name in _CHOICES and coerced not in _CHOICES[name]:
                raise ValueError(value)
            if name == "letter_number_format":
                coerced.format(period="2026Q4", seq=1, owner="x")  # type: ignore[union-attr]
            changes[name] = coerced
        except (ValueError, KeyError, IndexError):
            issues.append(Issue("SB-C003", where, {"key": key, "raw": value}))
    if sum(weights.values()) <= 0:
        issues.append(Issue("SB-C003", Location(CONFIG_NAME), {"key": "scorecard", "raw": 0}))
        weights = dict(config.weights)
    return replace(config, **changes, weights=weights, source=str(path)), issues


def commented_toml() -> str:
    """The commented salesbook.toml that `salesbook init` writes: every setting at its default."""
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
        lines.append(f"{key} = {_toml_value(setting.default)}")
    return "\n".join(lines).strip() + "\n"


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
