"""The standard workbooks as data: kinds, sheets, columns, header aliases (简/繁/EN), types, choices.

Everything that needs a header or an allowed value (the reader, the checks, `init`, `demo`, later the
writers) reads it from here; no header string is written anywhere else (SPEC §1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ColumnType(StrEnum):
    TEXT = "text"
    MONEY = "money"  # exact Decimal yuan
    QUANTITY = "quantity"  # money or a count, told apart by its unit (分解目标值: 40万元 or 8个)
    PERCENT = "percent"  # Decimal ratio: 110% -> 1.10
    COUNT = "count"  # non-negative whole number: 8个 -> 8
    NUMBER = "number"  # plain Decimal (a score, an NPS value)
    DATE = "date"
    PERIOD = "period"  # 2023Q4, 2026-10, 2026年第4季度
    CHOICE = "choice"  # one of Column.choices
    PERSON = "person"  # a name that should be on the roster
    MEASURE = "measure"  # a number with an optional unit: 85天, 75%, 52
    THRESHOLD = "threshold"  # a comparison: ≤90天, >120天, ≥80%


@dataclass(frozen=True)
class Choice:
    """An allowed value, its Traditional form and the other spellings people type."""

    value: str
    hant: str | None = None
    en: str | None = None
    aliases: tuple[str, ...] = ()

    def spellings(self) -> tuple[str, ...]:
        return tuple(s for s in (self.value, self.hant, self.en, *self.aliases) if s)


@dataclass(frozen=True)
class Column:
    key: str  # English name used in code
    zh: str  # Simplified header, the one `init` writes by default
    hant: str  # Traditional header
    en: str  # English header
    type: ColumnType
    required: bool = False  # the column must exist and every row must have a value
    choices: tuple[Choice, ...] = ()
    aliases: tuple[str, ...] = ()  # further headers people use for the same column
    example: object = None  # the seed row's value, written by `init`
    width: int = 14  # column width in characters for `init`
    # Headers that win over the column's other headers when a sheet has both: in a CRM's
    # follow-up export 跟进人 (who followed up) is the owner, not 负责人 (who owns the customer).
    preferred: tuple[str, ...] = ()
    # A percent column whose bare numbers are percentage points (完成率 85.5 = 85.5 %), as the
    # export writes it; other percent columns read a bare number by the header (see read.py).
    points: bool = False

    def headers(self) -> tuple[str, ...]:
        return (self.zh, self.hant, self.en, *self.preferred, *self.aliases)

    def standard_headers(self) -> tuple[str, ...]:
        """The headers `init` writes (简/繁/EN): a header read through any other is reported."""
        return (self.zh, self.hant, self.en)

    def header(self, lang: str = "zh") -> str:
        return {"zh": self.zh, "zh-Hant": self.hant, "en": self.en}[lang]


@dataclass(frozen=True)
class SheetSchema:
    kind: str  # stable key, e.g. "follow_up"
    zh: str  # sheet / workbook title
    hant: str
    en: str
    columns: tuple[Column, ...]
    workbook: str  # the workbook kind this sheet belongs to (one file may hold several sheets)
    example_rows: tuple[tuple[object, ...], ...] = field(default=())
    # Columns a header row must have to be this kind at all (besides most required ones): a
    # sheet with 名称 and 目标 is not a target-completion export without its 月份.
    signature: tuple[str, ...] = ()

    def column(self, key: str) -> Column:
        for column in self.columns:
            if column.key == key:
                return column
        raise KeyError(key)

    @property
    def required(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)

    def title(self, lang: str = "zh") -> str:
        return {"zh": self.zh, "zh-Hant": self.hant, "en": self.en}[lang]


def _choices(*rows: tuple[str, ...]) -> tuple[Choice, ...]:
    """(简, 繁, en, *aliases) tuples -> Choice objects."""
    return tuple(Choice(r[0], r[1] or None, r[2] or None, tuple(r[3:])) for r in rows)


T, M, Q, P, N, NUM, D, PER, C, PP, MEA, THR = (
    ColumnType.TEXT,
    ColumnType.MONEY,
    ColumnType.QUANTITY,
    ColumnType.PERCENT,
    ColumnType.COUNT,
    ColumnType.NUMBER,
    ColumnType.DATE,
    ColumnType.PERIOD,
    ColumnType.CHOICE,
    ColumnType.PERSON,
    ColumnType.MEASURE,
    ColumnType.THRESHOLD,
)

# --- enumerations (SPEC §1) -------------------------------------------------------------------

ROLES = _choices(
    ("销售总监", "銷售總監", "Sales Director", "director"),
    ("区域经理", "區域經理", "Regional Manager", "manager", "经理"),
    ("组长", "組長", "Team Lead", "lead"),
    ("销售代表", "銷售代表", "Sales Rep", "rep", "销售", "销售员"),
)
REP_ROLE = "销售代表"
EMPLOYMENT = _choices(
    ("在职", "在職", "Active", "active", "正式", "试用"),
    ("离职", "離職", "Left", "left", "inactive"),
)
ACTIVE = "在职"
# The spellings CRMs export (WukongCRM, ruoyi/jeecg, CordysCRM, Zoho, Salesforce) are aliases:
# 打电话, 见面拜访, Meeting… A CRM's 跟进类型 (客户/线索/商机) is not a channel and maps to nothing.
CHANNELS = _choices(
    (
        "电话",
        "電話",
        "Phone",
        "call",
        "电话沟通",
        "打电话",
        "电话拜访",
        "呼入",
        "呼出",
        "inbound",
        "outbound",
        "phone call",
    ),
    (
        "上门拜访",
        "上門拜訪",
        "Visit",
        "拜访",
        "面访",
        "on-site visit",
        "见面拜访",
        "到访",
        "客户现场拜访",
        "现场拜访",
        "拜访客户",
        "meeting",
    ),
    ("微信", "微信", "WeChat", "wechat", "微信沟通"),
    ("邮件", "郵件", "Email", "e-mail", "mail", "电子邮件", "发邮件"),
    (
        "视频会议",
        "視訊會議",
        "Video call",
        "视频",
        "video",
        "video meeting",
        "线上会议",
        "网络会议",
        "腾讯会议",
    ),
    ("短信", "簡訊", "SMS", "发短信", "text message"),
    ("展会", "展會", "Trade show", "exhibition"),
    ("活动", "活動", "Event", "市场活动"),
    ("其他", "其他", "Other", "其它"),
)
VISIT = "上门拜访"
STAGES = _choices(  # seed 002, B2B funnel, in order; CRM stage names as aliases
    ("线索获取", "線索獲取", "Lead", "线索", "prospecting"),
    ("线索培育", "線索培育", "Nurturing", "初步接洽", "qualification"),
    (
        "需求诊断",
        "需求診斷",
        "Discovery",
        "需求分析",
        "验证客户",
        "needs analysis",
        "id. decision makers",
        "identify decision makers",
        "perception analysis",
    ),
    (
        "方案呈现",
        "方案呈現",
        "Proposal",
        "方案报价",
        "方案/报价",
        "value proposition",
        "proposal/price quote",
    ),
    ("商务谈判", "商務談判", "Negotiation", "谈判审核", "negotiation/review"),
    ("合同签订", "合約簽訂", "Closed won", "签约", "赢单", "成功", "成交"),
    ("履约交付", "履約交付", "Delivery"),
    ("售后跟进", "售後跟進", "After-sales"),
    # An outcome, not a step: ends the customer's funnel (never stale or overdue after it).
    (
        "输单",
        "輸單",
        "Closed lost",
        "无效",
        "失败",
        "丢单",
        "lost",
        "closed lost to competition",
    ),
)
LOST = "输单"
FUNNEL = tuple(c for c in STAGES if c.value != LOST)  # the steps, in order
GRADES = _choices(
    ("优秀", "優秀", "Excellent", "A"),
    ("良好", "良好", "Good", "B"),
    ("待改进", "待改進", "Needs improvement", "C", "需改进"),
)
DIMENSION_TYPES = _choices(  # 目标维度 is 类型-名称
    ("区域", "區域", "Region"),
    ("产品", "產品", "Product", "产品线"),
    ("个人", "個人", "Individual", "person"),
    ("小组", "小組", "Group", "团队"),
)
INDICATOR_TYPES = _choices(
    ("结果指标", "結果指標", "Outcome"),
    ("过程指标", "過程指標", "Process"),
)
CYCLES = _choices(
    ("月度", "月度", "Monthly", "每月", "月"),
    ("季度", "季度", "Quarterly", "每季度", "季"),
    ("年度", "年度", "Yearly", "每年", "年", "annual"),
    ("周", "週", "Weekly", "每周", "周度"),
)
REVIEW_CATEGORIES = _choices(
    ("问题", "問題", "Problem"),
    ("原因", "原因", "Cause"),
    ("措施", "措施", "Action", "改进措施"),
)
REVIEW_STATUS = _choices(
    ("未开始", "未開始", "Not started"),
    ("进行中", "進行中", "In progress"),
    ("已完成", "已完成", "Done", "完成"),
)
DONE = "已完成"

# --- sheets (SPEC §1.1 – §1.6) ------------------------------------------------------------------

TARGET_OVERALL = SheetSchema(
    kind="target_overall",
    zh="总体目标",
    hant="總體目標",
    en="Overall targets",
    workbook="targets",
    columns=(
        Column("metric", "指标", "指標", "metric", T, True, example="季度销售额", width=16),
        Column("target", "目标值", "目標值", "target", Q, True, example="100万元"),
        Column("unit", "单位", "單位", "unit", T, example="元", width=8),
        Column("period", "周期", "週期", "period", PER, True, example="2023Q4", width=10),
        Column("start", "开始日期", "開始日期", "start", D, True, example="2023-10-01", width=12),
        Column("end", "截止日期", "截止日期", "end", D, True, example="2023-12-31", width=12),
    ),
    example_rows=(
        ("季度销售额", "100万元", "元", "2023Q4", "2023-10-01", "2023-12-31"),
        ("新客户开发", "30", "个", "2023Q4", "2023-10-01", "2023-12-31"),
    ),
)

TARGET_BREAKDOWN = SheetSchema(
    kind="target_breakdown",
    zh="目标分解",
    hant="目標分解",
    en="Breakdown",
    workbook="targets",
    columns=(
        Column("overall", "团队总体目标", "團隊總體目標", "overall target", T, True, width=20),
        Column("dimension", "目标维度", "目標維度", "dimension", T, True, width=18),
        Column("target", "分解目标值", "分解目標值", "target", Q, True, width=12),
        Column("owner", "责任人", "責任人", "owner", PP, True, aliases=("负责人",), width=10),
        Column("deadline", "时间节点", "時間節點", "deadline", D, width=16),
        Column("standard", "完成标准", "完成標準", "completion standard", T, width=22),
        Column("actual", "实际完成", "實際完成", "actual", Q, width=12),
        # the day the owner signed the 责任书 (one filled row of the owner's is enough)
        Column("signed", "签署日期", "簽署日期", "signed on", D, aliases=("签订日期",), width=12),
    ),
    example_rows=(  # seed 000, template 1
        (
            "季度销售额100万元",
            "区域-华东区域",
            "40万元",
            "*经理",
            "2023年12月31日",
            "月度销售额≥13.3万元",
            None,
            "2023-10-08",
        ),
        (
            "季度销售额100万元",
            "产品-产品A",
            "60万元",
            "*小组",
            "2023年12月31日",
            "新客户签约≥20个",
            None,
            "2023-10-08",
        ),
        (
            "新客户开发30个",
            "个人-*销售代表",
            "8个",
            "*",
            "2023年12月31日",
            "客户转化率≥15%",
            None,
            "2023-10-08",
        ),
    ),
)

ROSTER = SheetSchema(
    kind="roster",
    zh="团队名册",
    hant="團隊名冊",
    en="Roster",
    workbook="targets",
    columns=(
        Column("name", "姓名", "姓名", "name", PP, True, width=10),
        Column("staff_id", "工号", "工號", "id", T, width=10),
        Column("role", "角色", "角色", "role", C, True, choices=ROLES, width=12),
        Column("region", "区域", "區域", "region", T, width=10),
        Column("group", "小组", "小組", "group", T, width=12),
        Column("manager", "上级", "上級", "manager", PP, width=10),
        Column("hire_date", "入职日期", "入職日期", "hire date", D, width=12),
        Column("email", "邮箱", "郵箱", "email", T, aliases=("电子邮箱",), width=24),
        Column("status", "状态", "狀態", "status", C, choices=EMPLOYMENT, width=8),
    ),
    example_rows=(
        (
            "张伟",
            "S001",
            "区域经理",
            "华东",
            "华东一组",
            "",
            "2020-03-01",
            "zhang.wei@example.com",
            "在职",
        ),
    ),
)

FOLLOW_UP = SheetSchema(
    kind="follow_up",
    zh="客户跟进记录表",
    hant="客戶跟進記錄表",
    en="Follow-up log",
    workbook="follow_up",
    # Aliases include the headers CRMs export (WukongCRM, ruoyi/jeecg, CordysCRM, Zoho,
    # Salesforce): a follow-up exported from the CRM is read as it is.
    columns=(
        Column(
            "customer",
            "客户名称",
            "客戶名稱",
            "customer",
            T,
            True,
            aliases=("所属客户", "客户", "account name", "account", "company / account"),
            width=16,
        ),
        Column(
            "owner",
            "负责人",
            "負責人",
            "owner",
            PP,
            True,
            preferred=("跟进人", "跟进人员", "activity owner", "assigned"),
            aliases=("负责人名字", "call owner"),
            width=10,
        ),
        Column(
            "date",
            "跟进日期",
            "跟進日期",
            "date",
            D,
            True,
            aliases=(
                "follow-up date",
                "跟进时间",
                "联系时间",
                "activity date",
                "start date",
                "call start time",
            ),
        ),
        Column(
            "channel",
            "沟通方式",
            "溝通方式",
            "channel",
            C,
            True,
            CHANNELS,
            aliases=("跟进方式", "activity type", "call type", "type"),
            width=10,
        ),
        Column(
            "summary",
            "沟通内容摘要",
            "溝通內容摘要",
            "summary",
            T,
            True,
            aliases=(
                "跟进摘要",
                "沟通内容",
                "跟进内容",
                "本次跟进记录",
                "跟进记录",
                "description",
                "comments",
                "full comments",
            ),
            width=28,
        ),
        Column(
            "feedback",
            "客户需求/反馈",
            "客戶需求/回饋",
            "needs/feedback",
            T,
            aliases=(
                "客户反馈",
                "客户需求",
                "客戶需求/反饋",
                "feedback",
                "跟进结果",
                "call result",
            ),
            width=20,
        ),
        Column(
            "next_action",
            "下一步行动",
            "下一步行動",
            "next action",
            T,
            aliases=("下次跟进内容", "next step"),
            width=18,
        ),
        Column(
            "due",
            "预计完成时间",
            "預計完成時間",
            "due",
            D,
            aliases=(
                "计划完成日期",
                "due date",
                "下次联系时间",
                "下次跟进时间",
                "下次跟进日期",
                "next step date",
            ),
            width=12,
        ),
        Column("informed", "信息同步人", "資訊同步人", "informed", T, width=10),
        Column(
            "stage",
            "客户阶段",
            "客戶階段",
            "stage",
            C,
            choices=STAGES,
            aliases=("商机阶段", "商机状态"),
            width=10,
        ),
        Column(
            "entered",
            "录入日期",
            "錄入日期",
            "entered",
            D,
            aliases=("创建时间", "created time", "created date"),
            width=12,
        ),
        Column(
            "deal_value",
            "商机金额",
            "商機金額",
            "deal value",
            M,
            aliases=("商机总金额", "amount"),
            width=12,
        ),
    ),
    example_rows=(  # seed 000, template 2
        (
            "科技公司",
            "*",
            "2023-10-10",
            "电话",
            "询问产品A参数及供货周期",
            "需定制化功能",
            "发送方案报价单",
            "2023-10-15",
            None,
            None,
            None,
            None,
        ),
        (
            "YY集团",
            "*",
            "2023-10-11",
            "上门拜访",
            "现场演示产品B，表达合作意向",
            "需对比竞品价格",
            "提供竞品对比分析",
            "2023-10-20",
            None,
            None,
            None,
            None,
        ),
    ),
)

APPRAISAL = SheetSchema(
    kind="appraisal",
    zh="销售业绩评估表",
    hant="銷售業績評估表",
    en="Appraisal",
    workbook="appraisal",
    columns=(
        Column("name", "姓名", "姓名", "name", PP, True, width=10),
        Column(
            "target",
            "季度目标销售额",
            "季度目標銷售額",
            "target",
            M,
            True,
            aliases=("目标销售额",),
            width=14,
        ),
        Column(
            "actual",
            "实际完成销售额",
            "實際完成銷售額",
            "actual",
            M,
            True,
            aliases=("实际销售额",),
            width=14,
        ),
        Column("attainment", "达成率", "達成率", "attainment", P, width=10),
        Column("new_customers", "新客户开发数", "新客戶開發數", "new customers", N, width=12),
        Column("retention", "客户留存率", "客戶留存率", "retention", P, width=12),
        Column(
            "score",
            "综合评分(100分)",
            "綜合評分(100分)",
            "score",
            NUM,
            aliases=("综合评分",),
            width=12,
        ),
        Column("grade", "等级", "等級", "grade", C, choices=GRADES, width=10),
        Column("suggestion", "改进建议", "改進建議", "suggestion", T, width=28),
        # The manager's qualitative part of the score (seed 001 asks for both kinds), 0-100.
        Column("manager_score", "主管评分", "主管評分", "manager score", NUM, width=10),
    ),
    example_rows=(  # seed 000, template 3
        (
            "*",
            "30万元",
            "33万元",
            "110%",
            "10个",
            "90%",
            92,
            "优秀",
            "挖掘大客户潜力，提升客单价",
            None,
        ),
        (
            "*",
            "25万元",
            "20万元",
            "80%",
            "6个",
            "75%",
            75,
            "待改进",
            "加强客户需求分析，优化谈判策略",
            None,
        ),
    ),
)

HEALTH_INDICATORS = SheetSchema(
    kind="health_indicators",
    zh="指标清单",
    hant="指標清單",
    en="Indicators",
    workbook="health",
    columns=(
        Column("type", "指标类型", "指標類型", "type", C, True, INDICATOR_TYPES, width=10),
        Column("name", "指标名称", "指標名稱", "indicator", T, True, aliases=("name",), width=14),
        Column("target", "目标值", "目標值", "target", T, True, width=10),
        Column("formula", "计算公式", "計算公式", "formula", T, width=26),
        Column("dept", "责任部门", "責任部門", "department", T, width=12),
        Column("cycle", "考核周期", "考核週期", "cycle", C, choices=CYCLES, width=10),
        Column("source", "数据来源", "數據來源", "source", T, aliases=("資料來源",), width=12),
    ),
    example_rows=(  # seed 002, template 1
        ("结果指标", "营收达成率", "100%", "实际营收/目标营收", "销售部", "季度", "财务报表"),
        ("过程指标", "线索转化率", "20%", "进入商机的线索数/总线索数", "市场部", "月度", "CRM"),
        ("过程指标", "商机赢单率", "40%", "赢单商机数/总商机数", "销售部", "月度", "CRM"),
        ("结果指标", "客户复购率", "30%", "复购客户数/总成交客户数", "客服部", "年度", "CRM"),
    ),
)

HEALTH_MONITORING = SheetSchema(
    kind="health_monitoring",
    zh="健康度监控",
    hant="健康度監控",
    en="Monitoring",
    workbook="health",
    columns=(
        Column("dimension", "维度", "維度", "dimension", T, True, width=10),
        Column("indicator", "监控指标", "監控指標", "indicator", T, True, width=16),
        Column("healthy", "健康阈值", "健康閾值", "healthy", THR, True, width=10),
        Column("alert", "异常预警", "異常預警", "alert", THR, True, width=10),
        Column("improvement", "改进方向", "改進方向", "improvement", T, width=36),
    ),
    example_rows=(  # seed 002, template 4
        ("流程效率", "平均销售周期", "≤90天", ">120天", "优化'方案呈现'环节，缩短客户决策时间"),
        ("流程质量", "需求匹配度", "≥80%", "<60%", "加强销售产品培训，提升需求诊断能力"),
        ("团队执行", "流程节点完成率", "≥95%", "<90%", "检查节点责任是否明确，优化流程冗余环节"),
        ("客户体验", "客户满意度(NPS)", "≥50", "<30", "优化'售后跟进'响应时效，建立客户反馈闭环"),
    ),
)

HEALTH_DATA = SheetSchema(
    kind="health_data",
    zh="指标数据",
    hant="指標數據",
    en="Indicator data",
    workbook="health",
    columns=(
        Column("period", "周期", "週期", "period", PER, True, width=10),
        Column("indicator", "指标名称", "指標名稱", "indicator", T, True, width=16),
        Column("value", "数值", "數值", "value", MEA, True, width=10),
        Column("numerator", "分子", "分子", "numerator", NUM, width=10),
        Column("denominator", "分母", "分母", "denominator", NUM, width=10),
    ),
    example_rows=(("2023Q4", "平均销售周期", "85天", None, None),),
)

SALES_PLAN = SheetSchema(
    kind="sales_plan",
    zh="销售计划表",
    hant="銷售計劃表",
    en="Sales plan",
    workbook="sales_plan",
    columns=(
        Column("owner", "负责人", "負責人", "owner", PP, True, width=10),
        Column("period", "计划周期", "計劃週期", "period", PER, True, width=10),
        Column("key_customer", "重点客户", "重點客戶", "key customer", T, True, width=16),
        Column(
            "planned_visits",
            "计划拜访频次(次/月)",
            "計劃拜訪頻次(次/月)",
            "planned visits per month",
            N,
            True,
            aliases=("拜访频次",),
            width=12,
        ),
        Column("strategy", "销售策略", "銷售策略", "strategy", T, width=24),
        Column("resources", "所需资源", "所需資源", "resources", T, width=18),
    ),
    example_rows=(("*", "2023-10", "YY集团", 4, "演示产品B，突出定制化能力", "技术支持1人"),),
)

REVIEW_ITEMS = SheetSchema(
    kind="review_items",
    zh="复盘记录",
    hant="複盤記錄",
    en="Review items",
    workbook="review",
    columns=(
        Column("category", "类别", "類別", "category", C, True, REVIEW_CATEGORIES, width=8),
        Column("content", "内容", "內容", "content", T, True, width=40),
        Column("owner", "负责人", "負責人", "owner", PP, width=10),
        Column("due", "完成时间", "完成時間", "due", D, width=12),
        Column("status", "状态", "狀態", "status", C, choices=REVIEW_STATUS, width=10),
    ),
    example_rows=(  # seed 000, template 4
        ("问题", "客户跟进记录不完整，部分信息未及时同步", None, None, None),
        ("措施", "在客户跟进记录表中增加'信息同步人'列", "*", "2023-11-15", "进行中"),
        ("措施", "针对大客户项目成立专项小组，每周召开进度会", "*", "2023-11-30", "未开始"),
    ),
)

# --- kinds CRMs export (issue 14): read when dropped in, never written by `init` ---------------

OPPORTUNITIES = SheetSchema(
    kind="opportunity",
    zh="商机",
    hant="商機",
    en="Opportunities",
    workbook="opportunity",
    columns=(
        Column(
            "name",
            "商机名称",
            "商機名稱",
            "opportunity name",
            T,
            True,
            aliases=("商机", "deal name"),
            width=20,
        ),
        Column(
            "customer",
            "客户名称",
            "客戶名稱",
            "account name",
            T,
            True,
            aliases=("所属客户", "客户", "account", "customer"),
            width=16,
        ),
        Column(
            "owner",
            "负责人",
            "負責人",
            "opportunity owner",
            PP,
            True,
            aliases=("负责人名字", "deal owner", "owner"),
            width=10,
        ),
        Column(
            "stage",
            "商机阶段",
            "商機階段",
            "stage",
            C,
            True,
            STAGES,
            aliases=("商机状态", "阶段", "客户阶段"),
            width=10,
        ),
        Column(
            "amount",
            "商机金额",
            "商機金額",
            "amount",
            M,
            True,
            aliases=("商机总金额", "预计金额", "deal value"),
            width=12,
        ),
        Column(
            "close_date",
            "预计成交日期",
            "預計成交日期",
            "close date",
            D,
            aliases=("预计签单日期", "结单日期", "expected close date", "closing date"),
            width=12,
        ),
        Column(
            "last_follow_up",
            "最后跟进时间",
            "最後跟進時間",
            "last activity",
            D,
            aliases=("最近跟进时间", "最后跟进日期", "last activity date"),
            width=12,
        ),
    ),
    signature=("name", "stage"),
)

TARGET_COMPLETION = SheetSchema(
    kind="target_completion",
    zh="目标完成情况",
    hant="目標完成情況",
    en="Target completion",
    workbook="target_completion",
    columns=(
        Column("name", "名称", "名稱", "name", PP, True, aliases=("姓名", "员工"), width=10),
        Column("month", "月份", "月份", "month", T, True, width=8),
        Column("target", "目标", "目標", "target", M, True, aliases=("目标金额",), width=12),
        Column("actual", "完成", "完成", "actual", M, True, aliases=("完成金额",), width=12),
        Column("rate", "完成率", "完成率", "completion", P, points=True, width=8),
    ),
    signature=("month", "target", "actual"),
)

SHEETS: tuple[SheetSchema, ...] = (
    TARGET_OVERALL,
    TARGET_BREAKDOWN,
    ROSTER,
    FOLLOW_UP,
    APPRAISAL,
    HEALTH_INDICATORS,
    HEALTH_MONITORING,
    HEALTH_DATA,
    SALES_PLAN,
    REVIEW_ITEMS,
    OPPORTUNITIES,
    TARGET_COMPLETION,
)
SHEETS_BY_KIND = {s.kind: s for s in SHEETS}


@dataclass(frozen=True)
class WorkbookKind:
    """A workbook `init` writes: its file name and the sheets it holds."""

    key: str
    zh: str
    hant: str
    en: str
    sheets: tuple[SheetSchema, ...]

    def title(self, lang: str = "zh") -> str:
        return {"zh": self.zh, "zh-Hant": self.hant, "en": self.en}[lang]


WORKBOOKS: tuple[WorkbookKind, ...] = (
    WorkbookKind(
        "targets",
        "销售目标分解表",
        "銷售目標分解表",
        "Sales targets",
        (TARGET_OVERALL, TARGET_BREAKDOWN, ROSTER),
    ),
    WorkbookKind("follow_up", "客户跟进记录表", "客戶跟進記錄表", "Follow-up log", (FOLLOW_UP,)),
    WorkbookKind(
        "appraisal", "销售业绩评估表", "銷售業績評估表", "Performance appraisal", (APPRAISAL,)
    ),
    WorkbookKind(
        "health",
        "销售流程健康度",
        "銷售流程健康度",
        "Process health",
        (HEALTH_INDICATORS, HEALTH_MONITORING, HEALTH_DATA),
    ),
    WorkbookKind("sales_plan", "销售计划表", "銷售計劃表", "Sales plan", (SALES_PLAN,)),
    WorkbookKind("review", "复盘记录", "複盤記錄", "Review items", (REVIEW_ITEMS,)),
)

# The CRM exports salesbook reads (README "From your CRM"); `init` writes only WORKBOOKS.
EXPORTS: tuple[WorkbookKind, ...] = (
    WorkbookKind("opportunity", "商机", "商機", "Opportunities", (OPPORTUNITIES,)),
    WorkbookKind(
        "target_completion",
        "目标完成情况",
        "目標完成情況",
        "Target completion",
        (TARGET_COMPLETION,),
    ),
)


@dataclass(frozen=True)
class ReadOptions:
    """What salesbook.toml adds to the schemas when reading: headers and values the admin mapped
    (`[columns.<kind>]`, `[values.<column>]`) and how slashed dates are ordered. Keys are
    already folded (values.header_key / choice_key); tuples keep it hashable and picklable."""

    headers: tuple[tuple[str, str, str], ...] = ()  # (kind, header key, column key)
    values: tuple[tuple[str, str, str], ...] = ()  # (column key, choice key, canonical value)
    us_dates: bool = False  # 9/3/2026 is September 3 (a US export), never guessed

    def headers_of(self, kind: str) -> dict[str, str]:
        return {header: key for k, header, key in self.headers if k == kind}

    def values_of(self, column: str) -> dict[str, str]:
        return {spelling: value for key, spelling, value in self.values if key == column}
