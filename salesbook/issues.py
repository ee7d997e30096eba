"""Issue codes, severities, locations and messages (zh/en): one registry, never raised, only collected.

A released code never changes meaning: retire it, never reuse it. Families: F file, H header/sheet,
V value, T targets, U follow-ups, P appraisal, M health, R review and plan, C settings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"  # the value or row cannot be used; exit status 1
    WARNING = "warning"  # used, but a person should look
    INFO = "info"  # for the record

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]

    def label(self, lang: str = "zh") -> str:
        if lang == "en":
            return self.value
        return {"error": "错误", "warning": "警告", "info": "提示"}[self.value]


E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO  # noqa: E741


@dataclass(frozen=True)
class IssueType:
    code: str
    severity: Severity
    zh: str  # message template with {named} fields
    en: str

    def summary(self, lang: str = "zh") -> str:
        """The template with its fields shown as …, for tables of codes."""
        return re.sub(r"\{\w+\}", "…", self.en if lang == "en" else self.zh)


CODES: dict[str, IssueType] = {
    t.code: t
    for t in [
        # configuration (salesbook.toml)
        IssueType(
            "SB-C001",
            E,
            "设置文件格式有误，已全部使用默认值（{detail}）",
            "The settings file is not valid TOML; all defaults are used ({detail})",
        ),
        IssueType(
            "SB-C002", E, "未知的设置项「{key}」，已忽略", "Unknown setting '{key}'; ignored"
        ),
        IssueType(
            "SB-C003",
            E,
            "设置项「{key}」的值「{raw}」无效（{rule}），已使用默认值 {default}",
            "Setting '{key}' has an invalid value '{raw}' ({rule}); the default {default} is used",
        ),
        IssueType(
            "SB-C004",
            W,
            "工作簿文件夹中的 templates 文件夹未被使用（放进来的模板不会自动生效）；"
            '如需使用，请在 salesbook.toml 中写 templates = "templates" 或运行时加 --templates',
            "The templates folder in the workbook folder is not used (templates dropped in never "
            'take effect); to use it, set templates = "templates" in salesbook.toml or pass '
            "--templates",
        ),
        IssueType(
            "SB-C005",
            W,
            "未设置公司名称，责任书和报告的甲方与页眉将印成「（公司名称）」；请在工作簿所在文件夹的 "
            'salesbook.toml 中写一行 company = "贵公司全称"',
            "No company name is set, so the letters and reports show the placeholder （公司名称） as "
            'the company; add the line company = "Your Company Ltd." to salesbook.toml in the '
            "folder of the workbooks",
        ),
        IssueType(
            "SB-C006",
            E,
            "设置「{key}」的对应「{raw}」无法使用（{rule}），已忽略",
            "Mapping '{key}' = '{raw}' cannot be used ({rule}); ignored",
        ),
        # files
        IssueType(
            "SB-F001",
            E,
            "文件已损坏或不是有效的电子表格，无法读取（{detail}）",
            "The file is damaged or not a valid spreadsheet and cannot be read ({detail})",
        ),
        IssueType(
            "SB-F002",
            E,
            "文件设有打开密码（已加密），请另存为无密码的文件后再放入文件夹",
            "The file is password-protected (encrypted); save a copy without a password",
        ),
        IssueType("SB-F003", E, "文件是空的（0 字节）", "The file is empty (0 bytes)"),
        IssueType(
            "SB-F004",
            E,
            "不支持的文件格式「{ext}」，请另存为 .xlsx",
            "Unsupported file format '{ext}'; save it as .xlsx",
        ),
        IssueType(
            "SB-F005",
            I,
            "文件中没有可识别的工作表（未找到任何标准表头）",
            "No sheet in this file has a recognisable header row",
        ),
        IssueType(
            "SB-F006",
            E,
            "读取文件时超出时间或内存上限（{detail}），已跳过",
            "Reading the file exceeded the time or memory limit ({detail}); skipped",
        ),
        IssueType(
            "SB-F007",
            E,
            "CSV 文件的编码无法识别，请另存为 UTF-8 编码",
            "The CSV file's text encoding is not recognised; save it as UTF-8",
        ),
        IssueType(
            "SB-F016",
            W,
            "文件过大（{size}，上限 {limit}），未生成填好的副本；数字照常计算",
            "The file is too large to fill ({size}, limit {limit}); no filled copy was made,"
            " the figures are computed as usual",
        ),
        IssueType(
            "SB-F017",
            E,
            "生成填好的副本失败（{detail}），没有这份副本；数字照常计算",
            "Making the filled copy failed ({detail}); there is no filled copy, the figures are"
            " computed as usual",
        ),
        # odd entries in the folder: reported where they are found, never opened
        IssueType(
            "SB-F008",
            E,
            "文件名不是 UTF-8 编码（常见于解压缩软件，按 GBK 读作「{guess}」），未读取；"
            "请重命名此文件后再放入文件夹",
            "The file name is not UTF-8 (typical of unzip; read as GBK it is '{guess}'); "
            "not read: rename the file",
        ),
        IssueType(
            "SB-F009",
            E,
            "文件名中含有控制字符（显示为 \\x..），未读取；请重命名此文件",
            "The file name contains control characters (shown as \\x..); not read: rename the file",
        ),
        IssueType(
            "SB-F010",
            E,
            "这是一个失效的链接（快捷方式）：指向的文件不存在，或链接指向自身形成循环；"
            "请放入文件本身",
            "A broken link: its target does not exist or the link points to itself; "
            "put the file itself in the folder",
        ),
        IssueType(
            "SB-F011",
            E,
            "这是一个指向「{target}」的链接（快捷方式），链接不会被读取；"
            "请把文件（或文件夹）本身复制到此文件夹中",
            "A link to '{target}'; links are not read: copy the file (or folder) itself here",
        ),
        IssueType(
            "SB-F012",
            W,
            "这是一个指向本文件夹中「{target}」的链接，该文件已按原名读取，链接本身未读取；可删除此链接",
            "A link to '{target}' in this folder, which is read under its own name; the link is "
            "not read and can be removed",
        ),
        IssueType(
            "SB-F013",
            E,
            "这不是普通文件（{kind}），未读取；请放入真正的工作簿文件",
            "Not a regular file ({kind}); not read: put a real workbook file here",
        ),
        IssueType(
            "SB-F014",
            E,
            "无法打开此文件夹（{detail}），其中的文件未读取；请检查文件夹权限",
            "This folder cannot be opened ({detail}); its files were not read: check its "
            "permissions",
        ),
        # sheets and headers
        IssueType(
            "SB-H001",
            E,
            "「{sheet_kind}」缺少必填列「{column}」；若这一列的表头叫法不同，可在 salesbook.toml 的"
            " [columns.{kind}] 中把表头对应到这一列（见 README「从 CRM 导出」）",
            "{sheet_kind}: required column '{column}' is missing; if the file names it "
            "differently, map its header to the column in salesbook.toml under [columns.{kind}] "
            "(README, 'From your CRM')",
        ),
        IssueType("SB-H002", I, "未识别的工作表，已跳过", "Sheet not recognised; skipped"),
        IssueType(
            "SB-H003",
            W,
            "列「{column}」出现了两次，只读取第一列（{first}）",
            "Column '{column}' appears twice; only the first ({first}) is read",
        ),
        IssueType("SB-H004", I, "表头下方没有数据行", "No data rows below the header"),
        IssueType(
            "SB-H005",
            I,
            "以下表头按对应的标准列读取：{mapping}",
            "These headers were read as the standard columns: {mapping}",
        ),
        IssueType(
            "SB-H006",
            W,
            "这张表像是导出的数据，但表头与任何一种标准表都对不上，未读取（表头：{headers}）；"
            "若是客户跟进、商机等数据，请在 salesbook.toml 的 [columns.<种类>] 中把表头对应到列，"
            "见 README「从 CRM 导出」",
            "This sheet looks like exported data, but its headers match no known kind, so it was "
            "not read (headers: {headers}); if it holds follow-ups, opportunities or the like, map "
            "its headers in salesbook.toml under [columns.<kind>] (README, 'From your CRM')",
        ),
        # values
        IssueType(
            "SB-V001", E, "「{column}」为必填项，不能为空", "'{column}' is required but empty"
        ),
        IssueType(
            "SB-V002",
            E,
            "「{column}」的金额「{raw}」无法识别",
            "'{column}': amount '{raw}' is not recognisable",
        ),
        IssueType(
            "SB-V003",
            E,
            "「{column}」的百分比「{raw}」无法识别",
            "'{column}': percentage '{raw}' is not recognisable",
        ),
        IssueType(
            "SB-V004",
            E,
            "「{column}」应为非负整数，「{raw}」无法识别",
            "'{column}' must be a whole number, '{raw}' is not",
        ),
        IssueType(
            "SB-V005",
            E,
            "「{column}」的日期「{raw}」无法识别",
            "'{column}': date '{raw}' is not recognisable",
        ),
        IssueType(
            "SB-V006",
            E,
            "「{column}」的取值「{raw}」不在可选范围内（{allowed}）",
            "'{column}': '{raw}' is not one of the allowed values ({allowed})",
        ),
        IssueType(
            "SB-V007",
            E,
            "公式单元格没有保存计算结果，请在 Excel/WPS 中打开并保存后再试",
            "Formula cell has no saved result; open and save the file in Excel/WPS first",
        ),
        IssueType(
            "SB-V008",
            E,
            "「{column}」的数值「{raw}」无法识别",
            "'{column}': number '{raw}' is not recognisable",
        ),
        IssueType(
            "SB-V009",
            W,
            "「{column}」填的是占位符「{raw}」，请填写真实姓名",
            "'{column}' holds the placeholder '{raw}' instead of a real name",
        ),
        IssueType(
            "SB-V010", E, "单元格是 Excel 错误值「{raw}」", "The cell holds the Excel error '{raw}'"
        ),
        IssueType(
            "SB-V011",
            E,
            "「{column}」的周期「{raw}」无法识别（应如 2026-10、2026Q4、2026）",
            "'{column}': period '{raw}' is not recognisable (e.g. 2026-10, 2026Q4, 2026)",
        ),
        IssueType(
            "SB-V012",
            E,
            "「{column}」的阈值「{raw}」无法识别（应如 ≤90天、≥80%）",
            "'{column}': threshold '{raw}' is not recognisable (e.g. ≤90天, ≥80%)",
        ),
        IssueType(
            "SB-V013",
            W,
            "公式会访问工作簿以外的内容（{kind}：{formula}），填好的副本只保留其保存的结果「{raw}」",
            "The formula reaches outside the workbook ({kind}: {formula}); the filled copy keeps"
            " only its saved result '{raw}'",
        ),
        IssueType(
            "SB-V014",
            E,
            "公式单元格没有保存计算结果，且本文件含访问外部的公式（SB-V013）：请勿在 Excel/WPS"
            " 中打开或启用外部内容，请提供者把结果粘贴为数值后重新放入",
            "Formula cell has no saved result, and the file has formulas that reach outside it"
            " (SB-V013): do not open it in Excel/WPS; ask the sender for a copy with values pasted in",
        ),
        IssueType(
            "SB-V015",
            W,
            "另有 {count} 个访问外部内容的公式单元格（同 SB-V013），填好的副本同样只保留保存的结果",
            "{count} more formula cells reach outside the workbook (as SB-V013); the filled copy"
            " keeps only their saved results",
        ),
        IssueType(
            "SB-V016",
            E,
            "「{column}」的金额「{raw}」是外币（{currency}），未计入：salesbook 只按人民币计算，"
            "请换算成人民币后再导出或填写",
            "'{column}': amount '{raw}' is in a foreign currency ({currency}) and was not counted: "
            "salesbook works in yuan (CNY); convert it before exporting or typing it",
        ),
        IssueType(
            "SB-V017",
            E,
            "「{column}」的日期「{raw}」无法确定是 月/日/年 还是 日/月/年；若是美式导出（月/日/年），"
            "请在 salesbook.toml 的 [read] 中写 us_dates = true",
            "'{column}': date '{raw}' could be month/day/year or day/month/year; for a US export "
            "(month/day/year) set us_dates = true under [read] in salesbook.toml",
        ),
        # targets
        IssueType(
            "SB-T001",
            E,
            "目标值必须大于 0，当前为「{raw}」",
            "A target must be greater than 0, found '{raw}'",
        ),
        IssueType(
            "SB-T002",
            E,
            "责任人「{person}」不在团队名册中",
            "Owner '{person}' is not on the roster",
        ),
        IssueType(
            "SB-T003",
            W,
            "时间节点 {date} 不在考核周期 {period}（{start} 至 {end}）内",
            "Deadline {date} is outside the period {period} ({start} to {end})",
        ),
        IssueType(
            "SB-T004",
            W,
            "在职销售代表「{person}」没有个人目标（千斤重担人人挑，人人头上有指标）",
            "Active sales rep '{person}' has no individual target",
        ),
        IssueType(
            "SB-T005",
            E,
            "目标维度「{raw}」应写成「类型-名称」，类型为区域、产品、小组或个人",
            "Dimension '{raw}' must read 'type-name' with type 区域, 产品, 小组 or 个人",
        ),
        IssueType(
            "SB-T006",
            E,
            "开始日期 {start} 晚于截止日期 {end}",
            "Start date {start} is after the end date {end}",
        ),
        IssueType(
            "SB-T007",
            W,
            "总体目标「{raw}」在「总体目标」表中找不到",
            "Overall target '{raw}' is not in the overall-targets sheet",
        ),
        IssueType(
            "SB-T008",
            W,
            "开始/截止日期与周期 {period} 不一致",
            "Start and end dates do not match the period {period}",
        ),
        IssueType(
            "SB-T009",
            E,
            "名册中「{person}」出现了不止一次（另见 {other}）",
            "'{person}' appears more than once on the roster (see also {other})",
        ),
        IssueType(
            "SB-T010",
            W,
            "上级「{person}」不在团队名册中",
            "Manager '{person}' is not on the roster",
        ),
        IssueType(
            "SB-T011",
            E,
            "「{overall}」按{kind}分解合计 {total}，超出总体目标 {amount}",
            "'{overall}' broken down by {kind} sums to {total}, {amount} over the overall target",
        ),
        IssueType(
            "SB-T012",
            W,
            "「{overall}」按{kind}分解合计 {total}，比总体目标少 {amount}",
            "'{overall}' broken down by {kind} sums to {total}, {amount} under the overall target",
        ),
        IssueType(
            "SB-T013",
            E,
            "责任人「{person}」是小组或区域，责任人必须是具体的人（责任书由本人签字）",
            "Owner '{person}' is a group or region; the owner must be a person (who signs the letter)",
        ),
        IssueType(
            "SB-T014",
            I,
            "未生成{document}「{name}」：{reason}",
            "No {document} for '{name}': {reason}",
        ),
        IssueType(
            "SB-T015",
            W,
            "「{person}」{label}的{column}是 {found}，按{basis}应为 {expected}；合计行不计入，"
            "按各月数据计算",
            "'{person}' {label}: {column} is {found}, but {basis} gives {expected}; subtotal "
            "rows are not counted, the months are",
        ),
        IssueType(
            "SB-T016",
            W,
            "「{person}」{period} 的个人目标在目标分解表中是 {breakdown}，目标完成情况导出中是 "
            "{export}；按目标分解表计算",
            "'{person}': the individual target for {period} is {breakdown} in the breakdown and "
            "{export} in the target-completion export; the breakdown's is used",
        ),
        # the 责任书 over its life (versions.py): changes after a letter was issued, signatures
        IssueType(
            "SB-T017",
            W,
            "「{person}」的责任书 {number} 已下发，其后{item}的{what}由 {old} 改为 {new}；"
            "已出变更版 {new_number}，考核按当前目标",
            "'{person}': after letter {number} was issued, the {what} of {item} changed from "
            "{old} to {new}; revised letter {new_number} issued, figures use the current target",
        ),
        IssueType(
            "SB-T018",
            E,
            "「{person}」的责任书 {number} 已下发且已锁定（letters.lock），其后{item}的{what}由 "
            "{old} 改为 {new}；未出变更版，请确认变更后关闭锁定再运行",
            "'{person}': letter {number} was issued and is locked (letters.lock), but the {what} "
            "of {item} changed from {old} to {new}; no revised letter was issued: approve the "
            "change, then run without the lock",
        ),
        IssueType(
            "SB-T019",
            W,
            "「{person}」的责任书 {number} 在 {deadline}（{period} 开始后第 {days} 个工作日）前"
            "未签署：请在目标分解的「签署日期」栏填写签署日期",
            "'{person}': letter {number} was not signed by {deadline} (working day {days} of "
            "{period}): fill in the 签署日期 (signed on) column of the breakdown",
        ),
        # follow-ups
        IssueType(
            "SB-U001",
            E,
            "预计完成时间 {due} 早于跟进日期 {date}",
            "Due date {due} is before the follow-up date {date}",
        ),
        IssueType(
            "SB-U002",
            E,
            "日期 {date} 在未来（今天是 {today}）",
            "Date {date} is in the future (today is {today})",
        ),
        IssueType(
            "SB-U003",
            W,
            "跟进日期 {date} 不在考核周期 {period}（{start} 至 {end}）内",
            "Follow-up date {date} is outside the period {period} ({start} to {end})",
        ),
        IssueType(
            "SB-U004",
            W,
            "负责人「{person}」不在团队名册中",
            "Owner '{person}' is not on the roster",
        ),
        IssueType(
            "SB-U005",
            W,
            "与 {other} 重复（同一客户、负责人、日期和摘要）",
            "Duplicate of {other} (same customer, owner, date and summary)",
        ),
        IssueType(
            "SB-U006",
            E,
            "录入日期 {entered} 早于跟进日期 {date}",
            "Entry date {entered} is before the follow-up date {date}",
        ),
        IssueType(
            "SB-U007",
            W,
            "与 {other} 是同一商机（同一客户和商机名称），只按第一次出现计算",
            "The same opportunity as {other} (same customer and name); counted once, as the first",
        ),
        # appraisal
        IssueType(
            "SB-P001",
            W,
            "被评估人「{person}」不在团队名册中",
            "Appraised person '{person}' is not on the roster",
        ),
        IssueType(
            "SB-P002",
            W,
            "「{person}」在评估表中出现了不止一次（另见 {other}）",
            "'{person}' is appraised more than once (see also {other})",
        ),
        IssueType(
            "SB-P003",
            W,
            "填写的达成率 {entered} 与计算结果 {computed} 不符",
            "Entered attainment {entered} differs from the computed {computed}",
        ),
        IssueType(
            "SB-P004",
            W,
            "填写的综合评分 {entered} 与评分卡计算结果 {computed} 相差较大",
            "Entered score {entered} is far from the scorecard's {computed}",
        ),
        IssueType(
            "SB-P005",
            W,
            "等级「{entered}」与评分 {score} 对应的等级「{computed}」不符",
            "Grade '{entered}' does not match '{computed}' for the score {score}",
        ),
        IssueType(
            "SB-P006",
            W,
            "「{person}」在评估表中，但没有个人销售目标",
            "'{person}' is appraised but has no individual sales target",
        ),
        IssueType(
            "SB-P007",
            W,
            "「{person}」有个人销售目标，但评估表中没有此人",
            "'{person}' has an individual sales target but no appraisal",
        ),
        IssueType(
            "SB-P009",
            W,
            "指标「{indicator}」填写的数值 {entered} 与按工作簿计算的 {computed} 不符（报告采用填写值，并列出计算值）",
            "Indicator '{indicator}': the entered {entered} differs from {computed} computed from the"
            " workbooks (the reports use the entered value and show both)",
        ),
        # health
        IssueType(
            "SB-M001",
            W,
            "指标「{indicator}」不在指标清单或健康度监控表中",
            "Indicator '{indicator}' is in neither the indicator list nor the monitoring sheet",
        ),
        IssueType(
            "SB-M002",
            E,
            "健康阈值与预警阈值方向矛盾（{healthy} / {alert}）",
            "Healthy and alert thresholds contradict each other ({healthy} / {alert})",
        ),
        # review items and plans
        IssueType(
            "SB-R001", W, "改进措施没有负责人或完成时间", "The action has no owner or no due date"
        ),
        IssueType(
            "SB-R002",
            W,
            "完成时间 {due} 已过，但状态为「{status}」",
            "Due date {due} has passed but the status is '{status}'",
        ),
        IssueType("SB-R003", W, "计划拜访频次必须大于 0", "Planned visits must be greater than 0"),
        IssueType(
            "SB-R004",
            W,
            "重点客户「{customer}」在 {period} 没有任何跟进记录（负责人 {owner}）",
            "Key customer '{customer}' has no follow-up in {period} (owner {owner})",
        ),
    ]
}


@dataclass(frozen=True, order=True)
class Location:
    """Where an issue is: a file, a sheet in it, and a cell (`H17`) or a row, or none of those."""

    file: str
    sheet: str | None = None
    cell: str | None = None  # A1-style; None when the issue concerns a whole sheet or row
    row: int | None = None  # 1-based sheet row, for sorting and for whole-row issues

    def __str__(self) -> str:
        place = self.cell or (f"第{self.row}行" if self.row else None)
        return " › ".join(p for p in (self.file, self.sheet, place) if p)

    def text(self, lang: str = "zh") -> str:
        place = self.cell or (
            (f"row {self.row}" if lang == "en" else f"第{self.row}行") if self.row else None
        )
        return " › ".join(p for p in (self.file, self.sheet, place) if p)


@dataclass(frozen=True)
class Issue:
    code: str
    location: Location
    params: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise KeyError(f"unknown issue code {self.code}")

    @property
    def severity(self) -> Severity:
        return CODES[self.code].severity

    def message(self, lang: str = "zh") -> str:
        entry = CODES[self.code]
        return (entry.en if lang == "en" else entry.zh).format_map(_Params(self.params, lang))

    def sort_key(self) -> tuple:
        loc = self.location
        return (loc.file, loc.sheet or "", loc.row or 0, _cell_order(loc.cell), self.code)

    def as_dict(self, lang: str = "zh") -> dict[str, object]:
        """The stable JSON form (documented in the README)."""
        loc = self.location
        return {
            "code": self.code,
            "severity": self.severity.value,
            "file": loc.file,
            "sheet": loc.sheet,
            "cell": loc.cell,
            "row": loc.row,
            "location": loc.text(lang),
            "message": self.message(lang),
            # a name given in both languages in the message's language, not as a dict's repr
            "params": {k: _show(v, lang) for k, v in self.params.items()},
        }


class _Params(dict):
    """Formats params for a message; a column given as a Column shows its header in `lang`."""

    def __init__(self, params: Mapping[str, object], lang: str) -> None:
        super().__init__({k: _show(v, lang) for k, v in params.items()})

    def __missing__(self, key: str) -> str:
        return "?"


def _show(value: object, lang: str) -> str:
    if isinstance(value, Mapping) and "zh" in value:  # a name given in both languages
        return str(value["en" if lang == "en" else "zh"])
    return str(value)


def _cell_order(cell: str | None) -> tuple[int, str]:
    if not cell:
        return (0, "")
    letters = cell.rstrip("0123456789")
    return (len(letters), letters)


def sort_issues(issues: list[Issue]) -> list[Issue]:
    return sorted(issues, key=Issue.sort_key)


def code_table() -> str:
    """The README's issue-code table, generated from CODES (a test keeps the two equal)."""
    lines = ["| code | severity | 含义 | meaning |", "|---|---|---|---|"]
    for code, entry in sorted(CODES.items()):
        lines.append(
            f"| {code} | {entry.severity.value} | {entry.summary('zh')} | {entry.summary('en')} |"
        )
    return "\n".join(lines)


# Escape sequences (CSI `ESC [ … m`, OSC `ESC ] … BEL` that retitles or hyperlinks, other `ESC x`),
# other C0/C1 controls, bidi overrides, and the surrogates of a file name that is not UTF-8.
_TERMINAL_UNSAFE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?|\x9b[0-?]*[ -/]*[@-~]?"
    r"|[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def terminal_text(text: object) -> str:
    """Text from a workbook or a file name made safe to print: escape sequences removed, other
    control characters shown as visible symbols (␇), so a cell cannot recolour, retitle or
    clear the terminal, nor stop a `watch` running in it."""

    def visible(match: re.Match[str]) -> str:
        found = match.group()
        if len(found) > 1 or found in "\x1b\x9b":
            return ""  # an escape sequence: dropped whole
        code = ord(found)
        return chr(0x2400 + code) if code < 0x20 else "\ufffd"

    return _TERMINAL_UNSAFE.sub(visible, str(text))
