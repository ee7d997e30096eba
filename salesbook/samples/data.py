"""The demo organisation's fixed data: enumerations, sizes and weights, names, follow-up texts."""

from __future__ import annotations

from dataclasses import dataclass

from salesbook.schemas import (
    CHANNELS,
    CYCLES,
    DIMENSION_TYPES,
    EMPLOYMENT,
    FOLLOW_UP,
    FUNNEL,
    GRADES,
    REVIEW_CATEGORIES,
    REVIEW_STATUS,
    ROLES,
    WORKBOOKS,
)
from salesbook.values import quarter_period

# Enumerated values by meaning, unpacked from schemas.py: adding a choice there fails here, loudly.
DIRECTOR, MANAGER, LEAD, REP = (choice.value for choice in ROLES)
ACTIVE, LEFT = (choice.value for choice in EMPLOYMENT)
REGION_DIM, PRODUCT_DIM, PERSON_DIM, GROUP_DIM = (choice.value for choice in DIMENSION_TYPES)
EXCELLENT, GOOD, NEEDS_WORK = (choice.value for choice in GRADES)
PROBLEM, CAUSE, ACTION = (choice.value for choice in REVIEW_CATEGORIES)
MONTHLY, QUARTERLY, YEARLY, WEEKLY = (choice.value for choice in CYCLES)
NOT_STARTED, IN_PROGRESS, DONE = (choice.value for choice in REVIEW_STATUS)
CHANNEL_VALUES = tuple(choice.value for choice in CHANNELS)
STAGE_VALUES = tuple(choice.value for choice in FUNNEL)
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
# How often reps use each channel (SMS and events never: the demo's layouts predate them).
_CHANNEL_SHARES = {
    "电话": 30,
    "上门拜访": 18,
    "微信": 30,
    "邮件": 10,
    "视频会议": 7,
    "展会": 2,
    "其他": 3,
}
CHANNEL_WEIGHTS = tuple(_CHANNEL_SHARES.get(value, 0) for value in CHANNEL_VALUES)
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

# Follow-up texts by funnel stage (FUNNEL order); {product} is the customer's product line.
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
class LogStyle:
    """How one region's follow-up log looks: real logs differ in language, sheet name and layout."""

    lang: str
    sheet: str
    file: str  # str.format template
    titles: int  # title rows above the header
    columns: tuple[str, ...]


_ALL_FOLLOW_UP = tuple(c.key for c in FOLLOW_UP.columns)
LOG_STYLES = (  # by region, in REGIONS order; further regions use DEFAULT_LOG_STYLE
    LogStyle("zh", "跟进记录", "{label}跟进记录-{region}(终版2).xlsx", 1, _ALL_FOLLOW_UP),
    LogStyle("zh-Hant", "Sheet1", "{region}{hant}_{label}.xlsx", 0, _ALL_FOLLOW_UP),
    # 华北 keeps the stage next to the customer, under two title rows.
    LogStyle(
        "zh",
        "客户跟进",
        "{region}跟进记录{year}年{first}-{last}月.xlsx",
        2,
        ("customer", "stage", *(k for k in _ALL_FOLLOW_UP if k not in ("customer", "stage"))),
    ),
    LogStyle(
        "en",
        "Follow-ups",
        "{region} {en} {label}.xlsx",
        0,
        tuple(k for k in _ALL_FOLLOW_UP if k != "deal_value"),
    ),
)
DEFAULT_LOG_STYLE = LogStyle("zh", "Sheet1", "{label}跟进记录-{region}.xlsx", 0, _ALL_FOLLOW_UP)
LOG_FOLDER = "跟进记录"
