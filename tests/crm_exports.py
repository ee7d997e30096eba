"""CRM exports as admins really get them, written as real files for the tests of issue 14.

Each builder writes one export into `folder` and returns its path; `fmt` picks the file format:
"xlsx" (openpyxl), "xls" (xlwt, BIFF8 as the CRMs' Java exporters write it) or "csv" (UTF-8 with a
BOM and CRLF line ends, as Excel saves "CSV UTF-8"). Each builder has a `*_rows()` twin giving
the header and data rows it writes, so a test can name the figures it expects.

The data is fixed (no randomness): three owners (张三, 李四, 王五), customers spelled as exports
spell them (a full-width ＹＹ集团, 恒远制造 once with a trailing space), dates in September 2026 (the
run period 2026-09 / 2026Q3).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Literal

import openpyxl
import xlwt

Fmt = Literal["xlsx", "xls", "csv"]
FORMATS: tuple[Fmt, ...] = ("xlsx", "xls", "csv")
Cell = str | int | float | Decimal | dt.datetime | dt.date | None
Rows = list[list[Cell]]

OWNERS = ("张三", "李四", "王五")
CUSTOMERS = (
    "华东科技有限公司",
    "星辰贸易",
    "ＹＹ集团",  # full-width letters, as typed with a Chinese IME
    "恒远制造",
    "云帆软件有限公司",
    "北方医疗器械有限公司",
)
HENGYUAN_SPACED = "恒远制造 "  # the same customer with a trailing space, as one export row has it


class Amount(Decimal):
    """A money cell: a number shown as `#,##0.00` in xlsx/xls, `120000.00` in csv."""


DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
DATE_FORMAT = "yyyy-mm-dd"
AMOUNT_FORMAT = "#,##0.00"


def _text(value: Cell) -> str:
    """A cell as Excel writes it into a CSV file (its shown text)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Amount):
        return f"{value:.2f}"
    return str(value)


def write_export(
    folder: Path,
    stem: str,
    fmt: Fmt,
    sheet: str,
    header: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    title_rows: Sequence[str] = (),
) -> Path:
    """One sheet: `title_rows` (each one text merged across the header's width), header, rows.

    Text stays text (a `2026-09-03 10:15:00` string is a text cell); datetimes and dates are real
    date cells in xlsx/xls; `Amount`s are numbers with a money format.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.{fmt}"
    width = len(header)
    if fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)  # Excel's dialect: CRLF, quotes only where needed
            for title in title_rows:
                writer.writerow([title] + [""] * (width - 1))
            writer.writerow(header)
            writer.writerows([_text(v) for v in row] for row in rows)
    elif fmt == "xlsx":
        workbook = openpyxl.Workbook()
        ws = workbook.active
        assert ws is not None
        ws.title = sheet
        for title in title_rows:
            ws.append([title])
            ws.merge_cells(
                start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=width
            )
        ws.append(list(header))
        for row in rows:
            ws.append([float(v) if isinstance(v, Amount) else v for v in row])
            for cell, value in zip(ws[ws.max_row], row, strict=False):
                if isinstance(value, str):
                    cell.data_type = "s"  # text stays text
                elif isinstance(value, dt.datetime):
                    cell.number_format = DATETIME_FORMAT
                elif isinstance(value, dt.date):
                    cell.number_format = DATE_FORMAT
                elif isinstance(value, Amount):
                    cell.number_format = AMOUNT_FORMAT
        workbook.save(path)
    elif fmt == "xls":
        book = xlwt.Workbook(encoding="utf-8")
        ws = book.add_sheet(sheet)
        styles = {
            dt.datetime: xlwt.easyxf(num_format_str=DATETIME_FORMAT),
            dt.date: xlwt.easyxf(num_format_str=DATE_FORMAT),
            Amount: xlwt.easyxf(num_format_str=AMOUNT_FORMAT),
        }
        r = 0
        for title in title_rows:
            ws.write_merge(r, r, 0, width - 1, title)
            r += 1
        for c, text in enumerate(header):
            ws.write(r, c, text)
        for row in rows:
            r += 1
            for c, value in enumerate(row):
                if value is None:
                    continue
                style = styles.get(type(value))
                if style is None:
                    ws.write(r, c, value)
                else:
                    ws.write(r, c, value, style)
        book.save(str(path))
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return path


def _at(day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 9, day, hour, minute)


def _stamp(moment: dt.datetime | None) -> str:
    """A datetime as the CRMs' Java exporters write it: `yyyy-MM-dd HH:mm:ss` text."""
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


# --- a. WukongCRM 跟进记录 -------------------------------------------------------------------

WUKONG_FOLLOW_UP_HEADER = [
    "跟进内容",
    "跟进时间",
    "跟进方式",
    "跟进类型",
    "下次联系时间",
    "所属客户",
    "负责人",
    "跟进人",
    "创建时间",
    "商机阶段",
    "商机金额",
]
WUKONG_CHANNELS = ("打电话", "见面拜访", "微信沟通", "发邮件", "发短信")

# day, hour, minute, channel, customer, 负责人 (customer's owner), 跟进人 (who followed up),
# content, days to the next contact (None: none set), stage, amount text
# fmt: off
_WUKONG_FOLLOW_UPS: list[tuple[int, int, int, str, str, str, str, str, int | None, str, str]] = [
    (1, 9, 30, "打电话", "华东科技有限公司", "张三", "张三", "电话沟通年度采购计划，客户确认预算已批", 7, "方案呈现", "¥120,000.00"),
    (2, 14, 0, "见面拜访", "星辰贸易", "李四", "李四", "上门拜访采购部王经理，演示新版系统", 7, "商务谈判", "¥86,500.00"),
    (3, 10, 15, "微信沟通", "ＹＹ集团", "王五", "王五", "微信发送报价单，客户表示下周回复", 5, "", ""),
    (4, 16, 45, "发邮件", "恒远制造", "张三", "李四", "李四代张三发送合同草案，请法务审阅", 3, "", ""),
    (7, 11, 0, "发短信", HENGYUAN_SPACED, "张三", "张三", "短信提醒客户参加产品发布会", None, "", ""),
    (8, 10, 0, "打电话", "华东科技有限公司", "张三", "张三", "回访预算审批进度，约定下周上门", 8, "商务谈判", "¥120,000.00"),
    (10, 15, 30, "见面拜访", "云帆软件有限公司", "李四", "王五", "王五陪同技术总监拜访，确认接口需求", 7, "", ""),
    (11, 9, 0, "微信沟通", "星辰贸易", "李四", "李四", "微信确认合同条款修改意见", 3, "", ""),
    (14, 13, 20, "打电话", "北方医疗器械有限公司", "王五", "王五", "电话确认中标结果，准备签约", None, "赢单", "¥45,000.00"),
    (15, 10, 30, "发邮件", "ＹＹ集团", "王五", "王五", "邮件发送门店系统方案", 10, "", ""),
    (16, 17, 10, "见面拜访", "华东科技有限公司", "张三", "张三", "上门签订年度采购合同", 14, "赢单", "¥118,000.00"),
    (18, 11, 45, "发短信", "云帆软件有限公司", "李四", "李四", "短信告知试用账号已开通", 5, "", ""),
    (21, 14, 0, "微信沟通", "恒远制造", "张三", "张三", "客户选择竞品，本项目结束", None, "输单", "¥60,000.00"),
    (24, 9, 40, "打电话", "星辰贸易", "李四", "李四", "电话跟进付款流程", 6, "", ""),
    (28, 16, 0, "见面拜访", "ＹＹ集团", "王五", "张三", "张三协助王五拜访区域总监", 7, "", ""),
]
# fmt: on


def wukong_follow_up_rows() -> tuple[list[str], Rows]:
    rows: Rows = []
    for (
        day,
        hour,
        minute,
        channel,
        customer,
        owner,
        by,
        content,
        nxt,
        stage,
        amount,
    ) in _WUKONG_FOLLOW_UPS:
        at = _at(day, hour, minute)
        rows.append(
            [
                content,
                _stamp(at),
                channel,
                "客户",  # what was followed up (客户/线索/商机), not the channel
                _stamp(
                    None
                    if nxt is None
                    else (at + dt.timedelta(days=nxt)).replace(hour=10, minute=0)
                ),
                customer,
                owner,
                by,
                _stamp(at + dt.timedelta(minutes=8)),
                stage,
                amount,
            ]
        )
    return list(WUKONG_FOLLOW_UP_HEADER), rows


def wukong_follow_ups(
    folder: Path,
    fmt: Fmt = "xlsx",
    rename: Mapping[str, str] | None = None,
    stem: str = "跟进记录_悟空CRM",
) -> Path:
    """WukongCRM's 跟进记录 export: 15 follow-ups, header on row 1, sheet 跟进记录.

    Exercises: 跟进时间/下次联系时间/创建时间 as `2026-09-03 10:15:00` text; the channels 打电话,
    见面拜访, 微信沟通, 发邮件, 发短信; 跟进类型 (always 客户) that is not the channel; 负责人 and
    跟进人 both present and different in 3 rows (the 跟进人 did the follow-up); 商机阶段 (方案呈现,
    商务谈判, 赢单, 输单) and `¥120,000.00` 商机金额 in 6 rows; ＹＹ集团 and 「恒远制造 」.
    `rename` renames headers ({"跟进时间": "拜访日期"}: see `wukong_follow_ups_unmapped`).
    """
    header, rows = wukong_follow_up_rows()
    if rename:
        unknown = set(rename) - set(header)
        assert not unknown, f"no such header: {unknown}"
        header = [rename.get(h, h) for h in header]
    return write_export(folder, stem, fmt, "跟进记录", header, rows)


# --- b. WukongCRM 商机 ---------------------------------------------------------------------

WUKONG_OPPORTUNITY_HEADER = [
    "商机名称",
    "客户名称",
    "商机金额",
    "预计成交日期",
    "商机阶段",
    "负责人",
    "最后跟进时间",
    "创建时间",
]

# name, customer, amount, expected close (Sep day or (month, day)), stage, owner, last follow-up, created
# fmt: off
_WUKONG_OPPORTUNITIES: list[tuple[str, str, str, dt.date, str, str, dt.datetime, dt.datetime]] = [
    ("华东科技年度采购项目", "华东科技有限公司", "120000", dt.date(2026, 9, 30), "赢单", "张三", _at(16, 17, 10), dt.datetime(2026, 8, 12, 9, 0)),
    ("星辰贸易ERP升级", "星辰贸易", "86500", dt.date(2026, 10, 15), "商务谈判", "李四", _at(24, 9, 40), dt.datetime(2026, 8, 20, 14, 30)),
    ("ＹＹ集团门店系统", "ＹＹ集团", "230000", dt.date(2026, 11, 30), "方案呈现", "王五", _at(28, 16, 0), dt.datetime(2026, 9, 3, 10, 30)),
    ("恒远制造MES二期", HENGYUAN_SPACED, "60000", dt.date(2026, 9, 25), "输单", "张三", _at(21, 14, 0), dt.datetime(2026, 7, 6, 11, 0)),
    ("云帆软件渠道合作", "云帆软件有限公司", "15000", dt.date(2026, 10, 31), "无效", "李四", _at(18, 11, 45), dt.datetime(2026, 9, 10, 16, 0)),
    ("北方医疗器械采购", "北方医疗器械有限公司", "45000", dt.date(2026, 9, 20), "赢单", "王五", _at(14, 13, 20), dt.datetime(2026, 8, 1, 9, 15)),
    ("华东科技运维服务", "华东科技有限公司", "36000", dt.date(2026, 12, 31), "方案呈现", "张三", _at(16, 17, 10), dt.datetime(2026, 9, 16, 17, 30)),
    ("星辰贸易仓储模块", "星辰贸易", "52800.50", dt.date(2026, 11, 15), "商务谈判", "李四", _at(11, 9, 0), dt.datetime(2026, 9, 11, 9, 20)),
]
# fmt: on


def wukong_opportunity_rows() -> tuple[list[str], Rows]:
    rows: Rows = [
        [
            name,
            customer,
            Amount(amount),
            close.isoformat(),
            stage,
            owner,
            _stamp(last),
            _stamp(made),
        ]
        for name, customer, amount, close, stage, owner, last, made in _WUKONG_OPPORTUNITIES
    ]
    return list(WUKONG_OPPORTUNITY_HEADER), rows


def wukong_opportunities(folder: Path, fmt: Fmt = "xlsx", stem: str = "商机_悟空CRM") -> Path:
    """WukongCRM's 商机 export: 8 opportunities of 3 owners, header on row 1, sheet 商机.

    Exercises: an opportunity list as a kind of its own; 商机阶段 赢单 (2), 输单, 无效, 商务谈判,
    方案呈现; 商机金额 a number cell with `#,##0.00` (csv: `120000.00`); 预计成交日期 `2026-09-30`
    text; 最后跟进时间/创建时间 `yyyy-MM-dd HH:mm:ss` text; 「恒远制造 」 with its trailing space.
    """
    header, rows = wukong_opportunity_rows()
    return write_export(folder, stem, fmt, "商机", header, rows)


# --- c. ruoyi/jeecg @Excel export ------------------------------------------------------------

JEECG_TITLE = "客户跟进记录"
JEECG_SUBTITLE = "导出时间：2026-10-01 09:00:00 导出人：admin"
JEECG_FOLLOW_UP_HEADER = [
    "客户名称",
    "跟进方式",
    "联系时间",
    "本次跟进记录",
    "下次跟进时间",
    "下次跟进内容",
    "跟进人员",
    "客户反馈",
]
JEECG_CHANNELS = ("到访", "客户现场拜访", "线上会议", "活动")

# customer, channel, day, hour, minute, record, next (days), next action, who, feedback
# fmt: off
_JEECG_FOLLOW_UPS: list[tuple[str, str, int, int, int, str, int, str, str, str]] = [
    ("华东科技有限公司", "客户现场拜访", 2, 10, 0, "现场调研生产线，收集需求", 7, "提交初步方案", "张三", "需求明确，期待方案"),
    ("星辰贸易", "到访", 3, 14, 30, "客户来公司参观展厅", 5, "安排产品演示", "李四", "对仓储模块感兴趣"),
    ("ＹＹ集团", "线上会议", 4, 15, 0, "腾讯会议讲解门店系统方案", 7, "发送报价", "王五", "希望价格再优惠"),
    ("恒远制造", "活动", 6, 9, 30, "邀请参加秋季产品沙龙", 10, "沙龙后回访", "张三", "已报名两人"),
    ("云帆软件有限公司", "线上会议", 9, 11, 0, "与技术团队对接接口文档", 4, "确认接口排期", "李四", "技术方案认可"),
    ("北方医疗器械有限公司", "客户现场拜访", 10, 16, 0, "拜访设备科主任", 6, "准备投标文件", "王五", "预算已落实"),
    ("华东科技有限公司", "线上会议", 12, 10, 30, "线上评审初步方案", 5, "修改方案细节", "张三", "方案基本认可"),
    ("星辰贸易", "客户现场拜访", 15, 14, 0, "现场演示仓储模块", 7, "商务报价", "李四", "需要内部讨论"),
    ("ＹＹ集团", "到访", 17, 10, 0, "区域总监来访洽谈", 4, "修改报价单", "王五", "要求分期付款"),
    ("恒远制造", "活动", 19, 13, 30, "参加秋季产品沙龙", 7, "约见采购负责人", "张三", "对新品反馈良好"),
    ("云帆软件有限公司", "到访", 23, 15, 30, "客户来访确认试用计划", 7, "开通试用账号", "李四", "试用期一个月"),
    ("北方医疗器械有限公司", "线上会议", 25, 9, 0, "线上澄清投标问题", 3, "递交投标文件", "王五", "无异议"),
]
# fmt: on


def jeecg_follow_up_rows() -> tuple[list[str], Rows]:
    rows: Rows = []
    for (
        customer,
        channel,
        day,
        hour,
        minute,
        record,
        nxt,
        action,
        who,
        feedback,
    ) in _JEECG_FOLLOW_UPS:
        at = _at(day, hour, minute)
        rows.append(
            [
                customer,
                channel,
                _stamp(at),
                record,
                (at + dt.timedelta(days=nxt)).date().isoformat(),
                action,
                who,
                feedback,
            ]
        )
    return list(JEECG_FOLLOW_UP_HEADER), rows


def jeecg_follow_ups(folder: Path, fmt: Fmt = "xlsx", stem: str = "客户跟进记录_jeecg") -> Path:
    """A ruoyi/jeecg-boot `@Excel` export (autopoi ExportParams with title and secondTitle).

    Row 1 is the title 客户跟进记录 merged across the 8 columns, row 2 `导出时间：2026-10-01
    09:00:00 导出人：admin` merged likewise, the header is row 3, 12 data rows follow (csv: the
    titles in the first cell, the other cells empty). Exercises: header below title rows;
    联系时间 `yyyy-MM-dd HH:mm:ss` text; 下次跟进时间 `2026-09-09` text; channels 到访,
    客户现场拜访, 线上会议, 活动; 本次跟进记录, 下次跟进内容, 跟进人员, 客户反馈.
    """
    header, rows = jeecg_follow_up_rows()
    return write_export(
        folder, stem, fmt, JEECG_TITLE, header, rows, title_rows=(JEECG_TITLE, JEECG_SUBTITLE)
    )


# --- d. CordysCRM form export -----------------------------------------------------------------

CORDYS_FOLLOW_UP_HEADER = [
    "跟进类型",
    "客户名称",
    "跟进方式",
    "跟进时间",
    "跟进内容",
    "负责人名字",
    "跟进结果",
    "下次跟进日期",
]
CORDYS_KINDS = ("客户", "线索", "商机")

# kind, customer, channel, day, hour, minute, content, owner, result, next (days)
# fmt: off
_CORDYS_FOLLOW_UPS: list[tuple[str, str, str, int, int, int, str, str, str, int]] = [
    ("客户", "华东科技有限公司", "电话", 1, 10, 0, "确认采购联系人", "张三", "联系人为采购部刘经理", 7),
    ("线索", "星辰贸易", "微信", 2, 11, 30, "加微信并发送公司介绍", "李四", "客户已通过好友", 3),
    ("商机", "ＹＹ集团", "面访", 5, 14, 0, "拜访讨论门店系统需求", "王五", "需求已整理", 7),
    ("客户", "恒远制造", "邮件", 7, 9, 15, "发送MES二期报价", "张三", "客户反馈价格偏高", 5),
    ("商机", "云帆软件有限公司", "电话", 9, 16, 20, "确认渠道合作条款", "李四", "条款待法务确认", 4),
    ("客户", "北方医疗器械有限公司", "面访", 11, 10, 0, "拜访设备科", "王五", "已获取招标信息", 6),
    ("线索", "华东科技有限公司", "微信", 14, 15, 45, "推送运维服务介绍", "张三", "客户有意向", 10),
    ("商机", "星辰贸易", "面访", 16, 13, 0, "现场演示仓储模块", "李四", "演示顺利", 7),
    ("客户", "ＹＹ集团", "电话", 18, 10, 40, "电话沟通付款方式", "王五", "同意分期", 5),
    ("客户", HENGYUAN_SPACED, "微信", 22, 17, 0, "微信确认项目结束", "张三", "客户选择竞品", 30),
    ("商机", "云帆软件有限公司", "邮件", 25, 9, 30, "发送合作协议", "李四", "协议已发出", 3),
    ("客户", "北方医疗器械有限公司", "电话", 29, 14, 10, "回访交付安排", "王五", "下周安排交付", 7),
]
# fmt: on


def cordys_follow_up_rows() -> tuple[list[str], Rows]:
    rows: Rows = []
    for (
        kind,
        customer,
        channel,
        day,
        hour,
        minute,
        content,
        owner,
        result,
        nxt,
    ) in _CORDYS_FOLLOW_UPS:
        at = _at(day, hour, minute)
        rows.append(
            [
                kind,
                customer,
                channel,
                at,
                content,
                owner,
                result,
                (at + dt.timedelta(days=nxt)).date(),
            ]
        )
    return list(CORDYS_FOLLOW_UP_HEADER), rows


def cordys_follow_ups(folder: Path, fmt: Fmt = "xlsx", stem: str = "跟进记录_CordysCRM") -> Path:
    """CordysCRM's 跟进记录 form export: 12 follow-ups, header on row 1, sheet 跟进记录.

    Exercises: 跟进类型 客户/线索/商机 (not the channel); 跟进时间 a real datetime cell
    (`yyyy-mm-dd hh:mm:ss`) and 下次跟进日期 a real date cell in xlsx/xls (csv: their text);
    负责人名字 as the owner; 跟进结果 as feedback; channels 电话, 微信, 面访, 邮件.
    """
    header, rows = cordys_follow_up_rows()
    return write_export(folder, stem, fmt, "跟进记录", header, rows)


# --- e. Zoho CRM activities report ------------------------------------------------------------

ZOHO_ACTIVITY_HEADER = [
    "Account Name",
    "Activity Owner",
    "Activity Type",
    "Start Date",
    "Description",
    "Next Step",
]
ZOHO_TYPES = ("Call", "Email", "Meeting", "Event")

# account, owner, type, day, description, next step
# fmt: off
_ZOHO_ACTIVITIES: list[tuple[str, str, str, int, str, str]] = [
    ("华东科技有限公司", "张三", "Call", 3, "Confirmed the annual purchase budget", "Send proposal"),
    ("星辰贸易", "李四", "Meeting", 4, "On-site demo of the warehouse module", "Send quote"),
    ("ＹＹ集团", "王五", "Email", 8, "Sent the store system proposal", "Call back next week"),
    ("恒远制造", "张三", "Event", 12, "Attended the autumn product salon", "Meet purchasing"),
    ("云帆软件有限公司", "李四", "Call", 15, "Discussed API integration schedule", "Open trial account"),
    ("北方医疗器械有限公司", "王五", "Meeting", 17, "Visited the equipment department", "Prepare tender"),
    ("华东科技有限公司", "张三", "Email", 22, "Sent the signed contract", ""),
    ("星辰贸易", "李四", "Call", 24, "Followed up on payment", "Invoice"),
    ("ＹＹ集团", "王五", "Meeting", 29, "Met the regional director", "Revise quote"),
    ("恒远制造", "张三", "Call", 30, "Customer chose a competitor", ""),
]
# fmt: on


def us_date(day: dt.date) -> str:
    """A date as a US report writes it: `9/3/2026` (m/d/yyyy, no leading zeros)."""
    return f"{day.month}/{day.day}/{day.year}"


def zoho_activity_rows() -> tuple[list[str], Rows]:
    rows: Rows = [
        [account, owner, kind, us_date(_at(day).date()), text, step]
        for account, owner, kind, day, text, step in _ZOHO_ACTIVITIES
    ]
    return list(ZOHO_ACTIVITY_HEADER), rows


def zoho_activities(folder: Path, fmt: Fmt = "xlsx", stem: str = "Activities_Zoho") -> Path:
    """A Zoho CRM activities report: English headers on row 1, 10 rows, sheet Activities.

    Exercises: English headers Account Name, Activity Owner, Activity Type, Start Date,
    Description, Next Step; types Call, Email, Meeting, Event; Start Date US text `9/3/2026`
    (m/d/yyyy, no leading zeros: `9/15/2026` cannot be day-first, `9/3/2026` would be 9 March).
    """
    header, rows = zoho_activity_rows()
    return write_export(folder, stem, fmt, "Activities", header, rows)


# --- f. Salesforce opportunity report ---------------------------------------------------------

SALESFORCE_OPPORTUNITY_HEADER = [
    "Opportunity Name",
    "Account Name",
    "Opportunity Owner",
    "Stage",
    "Amount",
    "Close Date",
    "Last Activity",
]
SALESFORCE_STAGES = ("Prospecting", "Negotiation/Review", "Closed Won", "Closed Lost")
FOREIGN_AMOUNT = "USD 5,000.00"  # the one row in another currency: an issue, never ¥5,000

# name, account, owner, stage, amount, close date, last activity (September days unless a date)
# fmt: off
_SALESFORCE_OPPORTUNITIES: list[tuple[str, str, str, str, str, dt.date, dt.date]] = [
    ("华东科技年度采购", "华东科技有限公司", "张三", "Closed Won", "CNY 120,000.00", dt.date(2026, 9, 16), dt.date(2026, 9, 16)),
    ("星辰贸易ERP升级", "星辰贸易", "李四", "Negotiation/Review", "CNY 86,500.00", dt.date(2026, 10, 15), dt.date(2026, 9, 24)),
    ("ＹＹ集团门店系统", "ＹＹ集团", "王五", "Prospecting", "CNY 230,000.00", dt.date(2026, 11, 30), dt.date(2026, 9, 28)),
    ("恒远制造MES二期", "恒远制造", "张三", "Closed Lost", "CNY 60,000.00", dt.date(2026, 9, 21), dt.date(2026, 9, 21)),
    ("云帆软件海外授权", "云帆软件有限公司", "李四", "Negotiation/Review", FOREIGN_AMOUNT, dt.date(2026, 10, 31), dt.date(2026, 9, 18)),
    ("北方医疗器械采购", "北方医疗器械有限公司", "王五", "Closed Won", "CNY 45,000.00", dt.date(2026, 9, 14), dt.date(2026, 9, 14)),
]
# fmt: on


def salesforce_opportunity_rows() -> tuple[list[str], Rows]:
    rows: Rows = [
        [name, account, owner, stage, amount, us_date(close), us_date(last)]
        for name, account, owner, stage, amount, close, last in _SALESFORCE_OPPORTUNITIES
    ]
    return list(SALESFORCE_OPPORTUNITY_HEADER), rows


def salesforce_opportunities(
    folder: Path, fmt: Fmt = "xlsx", stem: str = "Opportunities_Salesforce"
) -> Path:
    """A Salesforce opportunity report ("Details Only" export): header on row 1, 6 rows.

    Exercises: English headers; stages Prospecting, Negotiation/Review, Closed Won (2), Closed
    Lost; Amount text `CNY 120,000.00` and one `USD 5,000.00` (foreign: to be flagged, not read
    as yuan); Close Date and Last Activity US text `9/16/2026`.
    """
    header, rows = salesforce_opportunity_rows()
    return write_export(folder, stem, fmt, "Opportunities", header, rows)


# --- g. WukongCRM 业绩目标完成情况 -------------------------------------------------------------

TARGET_HEADER = ["名称", "月份", "目标", "完成", "完成率"]
MONTHS = (
    "一月",
    "二月",
    "三月",
    "四月",
    "五月",
    "六月",
    "七月",
    "八月",
    "九月",
    "十月",
    "十一月",
    "十二月",
)
QUARTERS = ("第一季度", "第二季度", "第三季度", "第四季度")
YEAR_ROW = "全年"
BROKEN_SUBTOTAL = ("李四", "第二季度")  # the row `broken_subtotal=True` makes disagree (完成 +1000)

# per person: monthly (target, done) in yuan; October to December are still to come (done 0)
TARGET_MONTHS: dict[str, list[tuple[int, int]]] = {
    "张三": [
        (100000, 85500),  # 完成率 85.5
        (100000, 92000),
        (100000, 110000),
        (100000, 100000),
        (100000, 78000),
        (100000, 120000),
        (100000, 95000),
        (100000, 101000),
        (100000, 88000),
        (100000, 0),
        (100000, 0),
        (100000, 0),
    ],
    "李四": [
        (200000, 5000),  # 完成率 2.5: 2.5 %, not 250 %
        (200000, 150000),
        (200000, 210000),
        (200000, 180000),
        (200000, 195000),
        (200000, 230000),
        (200000, 176000),
        (200000, 205000),
        (200000, 199000),
        (200000, 0),
        (200000, 0),
        (200000, 0),
    ],
    "王五": [
        (80000, 60000),
        (0, 0),  # no target in the Spring Festival month: 完成率 0
        (80000, 96000),
        (80000, 72000),
        (80000, 80000),
        (80000, 64000),
        (90000, 99000),
        (90000, 81000),
        (90000, 45000),
        (90000, 0),
        (90000, 0),
        (90000, 0),
    ],
}


def completion_rate(target: int, done: int) -> float:
    """完成率 in points as WukongCRM writes it: 85.5 for 85.5 %, rounded to 2 places; 0 without
    a target."""
    if target == 0:
        return 0.0
    return float((Decimal(done) * 100 / Decimal(target)).quantize(Decimal("0.01")))


def target_completion_rows(broken_subtotal: bool = False) -> tuple[list[str], Rows]:
    rows: Rows = []
    for person, months in TARGET_MONTHS.items():
        for q, quarter in enumerate(QUARTERS):
            block = months[3 * q : 3 * q + 3]
            for m, (target, done) in enumerate(block):
                rows.append(
                    [person, MONTHS[3 * q + m], target, done, completion_rate(target, done)]
                )
            target = sum(t for t, _ in block)
            done = sum(d for _, d in block)
            if broken_subtotal and (person, quarter) == BROKEN_SUBTOTAL:
                done += 1000
            rows.append([person, quarter, target, done, completion_rate(target, done)])
        target = sum(t for t, _ in months)
        done = sum(d for _, d in months)
        rows.append([person, YEAR_ROW, target, done, completion_rate(target, done)])
    return list(TARGET_HEADER), rows


def target_completion(
    folder: Path,
    fmt: Fmt = "xlsx",
    broken_subtotal: bool = False,
    stem: str = "业绩目标完成情况",
) -> Path:
    """WukongCRM's 业绩目标完成情况 export, long form: 17 rows per person, 51 in all, header row 1.

    Per person (张三, 李四, 王五): 一月 二月 三月 第一季度 四月 五月 六月 第二季度 七月 八月 九月 第三季度
    十月 十一月 十二月 第四季度 全年. No year anywhere. 目标/完成 whole yuan (numbers); 完成率 in
    points without a % sign (85.5 = 85.5 %, and 李四's 一月 2.5 = 2.5 %); 王五's 二月 has target 0
    and 完成率 0; October to December have 完成 0. Subtotal rows equal the sum of their months,
    except with `broken_subtotal=True`: 李四's 第二季度 完成 is 1000 more (BROKEN_SUBTOTAL).
    """
    header, rows = target_completion_rows(broken_subtotal)
    return write_export(folder, stem, fmt, "业绩目标完成情况", header, rows)


# --- h. an export of a kind salesbook does not know -----------------------------------------

INVOICE_HEADER = ["发票号码", "开票日期", "购方名称", "金额", "税额", "价税合计", "开票人", "备注"]


def invoice_rows() -> tuple[list[str], Rows]:
    rows: Rows = []
    for i in range(20):
        amount = Decimal(10000 + 2750 * i)
        tax = (amount * Decimal("0.13")).quantize(Decimal("0.01"))
        rows.append(
            [
                f"{26310001 + i:08d}",
                dt.date(2026, 9, 1 + i).isoformat(),
                CUSTOMERS[i % len(CUSTOMERS)],
                Amount(amount),
                Amount(tax),
                Amount(amount + tax),
                OWNERS[i % len(OWNERS)],
                "技术服务费" if i % 2 else "软件销售",
            ]
        )
    return list(INVOICE_HEADER), rows


def unknown_export(folder: Path, fmt: Fmt = "xlsx", stem: str = "发票列表") -> Path:
    """An invoice list (发票) as a tax/finance system exports it: 8 headers on row 1, 20 rows.

    Looks like an export (many headers, many data rows) but is no kind salesbook knows: expects a
    warning naming the headers, not an info hint with exit 0.
    """
    header, rows = invoice_rows()
    return write_export(folder, stem, fmt, "发票列表", header, rows)


UNMAPPED_DATE_HEADER = "拜访日期"


def wukong_follow_ups_unmapped(
    folder: Path, fmt: Fmt = "xlsx", stem: str = "跟进记录_拜访日期"
) -> Path:
    """WukongCRM's 跟进记录 export with 跟进时间 renamed 拜访日期, a header no alias covers.

    For the mapping test: unreadable as it is (no date column); `[columns.follow_up] "拜访日期" =
    "date"` in salesbook.toml makes it read like `wukong_follow_ups`.
    """
    return wukong_follow_ups(folder, fmt, rename={"跟进时间": UNMAPPED_DATE_HEADER}, stem=stem)


BUILDERS: dict[str, Callable[..., Path]] = {
    "wukong_follow_ups": wukong_follow_ups,
    "wukong_opportunities": wukong_opportunities,
    "jeecg_follow_ups": jeecg_follow_ups,
    "cordys_follow_ups": cordys_follow_ups,
    "zoho_activities": zoho_activities,
    "salesforce_opportunities": salesforce_opportunities,
    "target_completion": target_completion,
    "unknown_export": unknown_export,
    "wukong_follow_ups_unmapped": wukong_follow_ups_unmapped,
}
