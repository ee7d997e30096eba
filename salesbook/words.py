"""Key + params -> the zh/en sentences salesbook writes for people (awards, labels), one table like CODES.

Figures carry keys and numbers (an award's key, a pace band, a reason); what a person reads is
made here, in either language, from one entry (繁, for a Traditional-headed workbook, is the 简
converted by OpenCC unless an entry gives it). Issue messages stay in issues.CODES. The words a
status cell holds are declared once here in 简, 繁 and English (STATUS_WORDS): the filled copies,
the summary and the status colours (cells.py) all take them from that table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from salesbook.schemas import GRADES
from salesbook.values import traditional


@dataclass(frozen=True)
class Wording:
    key: str
    zh: str  # template with {named} fields
    en: str
    hant: str | None = None  # 繁, where it must be exact (a status word); else converted from zh

    def text(self, lang: str = "zh", params: Mapping[str, object] | None = None) -> str:
        """In `lang`: zh (简), zh-Hant (繁) or en."""
        if lang == "en":
            template = self.en
        elif lang == "zh-Hant":
            template = self.hant or traditional(self.zh)
        else:
            template = self.zh
        return template.format_map(params or {})


WORDS: dict[str, Wording] = {
    w.key: w
    for w in [
        # awards (SPEC §2): names, rules, near misses
        Wording("award.star", "销售之星", "Sales Star"),
        Wording("award.most_improved", "最佳进步奖", "Most Improved"),
        Wording("award.growth_board", "成长进步榜", "Growth Board"),
        Wording(
            "award.star.rule",
            "达成率最高且不低于 {threshold}%",
            "Highest attainment, and at least {threshold}%",
        ),
        Wording(
            "award.most_improved.rule",
            "达成率较上期提升最多，且至少 {minimum} 个百分点",
            "Largest gain in attainment over the previous period, at least {minimum} points",
        ),
        Wording(
            "award.growth_board.rule",
            "按业绩较上期的增量排名（增量相同按达成率提升），前 {size} 名",
            "Ranked by the increase in sales over the previous period (ties: the larger gain "
            "in attainment points), top {size}",
        ),
        Wording(
            "award.no_previous",
            "尚无上期数据，暂不评选",
            "No previous period on record yet: not awarded this time",
        ),
        Wording(
            "award.star.near_miss",
            "达成率 {attainment}，未达 {threshold}% 门槛",
            "attainment {attainment}, below the {threshold}% threshold",
        ),
        Wording("award.most_improved.near_miss", "提升 {points} 个百分点", "+{points} points"),
        Wording(
            "award.most_improved.below_minimum",
            "提升 {points} 个百分点，未达 {minimum} 个百分点门槛",
            "+{points} points, below the {minimum}-point threshold",
        ),
        Wording(
            "award.most_improved.below_top",
            "提升 {points} 个百分点，低于最高的 {top} 个百分点",
            "+{points} points, below the top gain of {top} points",
        ),
        Wording("award.growth.sales", "业绩增量 {amount}", "sales {amount}"),
        Wording(
            "award.growth.sales_points",
            "业绩增量 {amount}，达成率 {points} 个百分点",
            "sales {amount}, attainment {points} points",
        ),
        # pace against expected progress (SPEC §1.1, §4)
        Wording("pace.ahead", "领先", "Ahead", "領先"),
        Wording("pace.on_track", "正常", "On track", "正常"),
        Wording("pace.watch", "关注", "Watch", "關注"),
        Wording("pace.behind", "落后", "Behind", "落後"),
        # health indicator status (SPEC §1.4)
        Wording("status.healthy", "健康", "Healthy", "健康"),
        Wording("status.watch", "关注", "Watch", "關注"),
        Wording("status.alert", "预警", "Alert", "預警"),
        # the other words of status columns: flags, standards met, plans carried out
        Wording("flag.yes", "是", "yes", "是"),
        Wording("flag.no", "否", "no", "否"),
        Wording("standard.met", "达标", "met", "達標"),
        Wording("standard.not_met", "未达标", "not met", "未達標"),
        Wording("standard.no_data", "无数据", "no data", "無數據"),
        Wording("plan.no_follow_up", "未跟进", "no follow-up", "未跟進"),
        # why a customer is listed 待重新分配: its owner cannot follow it up any more
        Wording("reassign.left", "负责人已离职", "Owner has left"),
        Wording("reassign.not_on_roster", "负责人不在团队名册", "Owner not on the roster"),
        Wording("reassign.no_owner", "未指定负责人", "No owner"),
        # the risk list (风险预警清单, seed 004): kinds, severities, rules, figures, actions
        Wording("risk.owner_left", "负责人已离职", "Owner has left"),
        Wording("risk.key_customer", "重点客户停滞或逾期", "Key customer idle or late"),
        Wording("risk.deal_idle", "临近成交的商机无更新", "Deal near closing idle"),
        Wording(
            "risk.plan_no_follow_up", "计划重点客户未跟进", "Planned key customer not followed up"
        ),
        Wording("risk.behind_pace", "目标进度落后", "Target behind pace"),
        Wording("risk.health_alert", "健康度指标预警", "Health indicator at alert"),
        Wording("risk.unsigned_letter", "责任书未签署", "Target letter not signed"),
        Wording("risk_level.high", "高", "High"),
        Wording("risk_level.medium", "中", "Medium"),
        Wording("risk_level.low", "低", "Low"),
        Wording(
            "risk.owner_left.rule",
            "客户的负责人在团队名册中为离职",
            "The customer's owner has left (so says the roster)",
        ),
        Wording(
            "risk.key_customer.rule",
            "A 类客户或商机金额不低于 {high_value} 的客户停滞（超过 {stale_days} 个工作日无更新）"
            "或下一步行动逾期",
            "An A-tier customer or one with a deal value of at least {high_value} stalled (no "
            "update for more than {stale_days} working days) or with its next action overdue",
        ),
        Wording(
            "risk.deal_idle.rule",
            "处于商务谈判或合同签订阶段的客户 {days} 个工作日（含）以上无更新",
            "A customer in negotiation or contract signing with no update for {days} working days "
            "or more",
        ),
        Wording(
            "risk.plan_no_follow_up.rule",
            "销售计划的重点客户在计划的月份内没有任何跟进",
            "A key customer of the sales plan with no follow-up in the plan's months",
        ),
        Wording(
            "risk.behind_pace.rule",
            "进度落后（达成率低于时间进度 {tolerance} 个百分点及以上）且按当前进度预计期末完不成目标",
            "Behind pace (attainment {tolerance} points or more below time elapsed) and the "
            "straight-line projection ends below the target",
        ),
        Wording(
            "risk.health_alert.rule",
            "健康度指标达到异常预警阈值",
            "A health indicator reached its alert threshold",
        ),
        Wording(
            "risk.unsigned_letter.rule",
            "销售目标责任书在考核期开始后 {days} 个工作日内未签署",
            "A target letter not signed within {days} working days of the period's start",
        ),
        Wording("risk_part.owner", "原负责人 {owner}", "former owner {owner}"),
        Wording("risk_part.idle", "{days} 个工作日无更新", "{days} working days without an update"),
        Wording("risk_part.never", "没有跟进日期", "no follow-up date"),
        Wording("risk_part.tier", "{tier} 类客户", "tier {tier} customer"),
        Wording("risk_part.overdue", "下一步行动 {due} 已逾期", "next action overdue since {due}"),
        Wording("risk_part.stage", "阶段：{stage}", "stage {stage}"),
        Wording(
            "risk_part.plan",
            "计划拜访 {planned} 次（{period}），没有跟进",
            "{planned} visits planned ({period}), no follow-up",
        ),
        Wording(
            "risk_part.pace",
            "达成率 {attainment}，时间进度 {elapsed}",
            "attainment {attainment}, time elapsed {elapsed}",
        ),
        Wording(
            "risk_part.projection",
            "预计期末完成 {projection}，目标 {target}",
            "projected {projection} against a target of {target}",
        ),
        Wording(
            "risk_part.indicator", "本期 {value}，预警阈值 {alert}", "{value}, alert at {alert}"
        ),
        Wording(
            "risk_part.unsigned",
            "{number} 签署期限 {deadline} 已过，仍未签署",
            "{number}: not signed by {deadline}",
        ),
        # the tiers' service approaches: zh is tiers.service_*'s default, en is printed while
        # the setting keeps it
        Wording(
            "tier_service.A",
            "战略绑定：每季度定制行业解决方案白皮书，邀请参与产品迭代调研",
            "Strategic partnership: a tailored industry white paper each quarter, a seat in "
            "product research",
        ),
        Wording(
            "tier_service.B",
            "孵化计划：通过免费增值服务（如数据诊断报告）培育需求",
            "Incubation: grow demand with free added services (e.g. a data diagnosis report)",
        ),
        Wording(
            "tier_service.C",
            "SOP 化服务：自动回复 + 季度关怀，降低维护成本",
            "Standard service: automatic replies and a quarterly check-in, at low cost",
        ),
        # the actions in English while risks.action_* keep their defaults (zh = the default)
        Wording(
            "risk_action.owner_left",
            "重新分配客户：由主管指定新的负责人并交接",
            "Reassign the customer: the manager names a new owner",
        ),
        Wording(
            "risk_action.key_customer",
            "加强客户沟通：尽快联系客户，更新下一步行动",
            "Call the customer soon; update the next action",
        ),
        Wording(
            "risk_action.deal_idle",
            "优化产品方案与报价，加强客户沟通，推动签约",
            "Improve the offer and the price; push for signing",
        ),
        Wording(
            "risk_action.plan_no_follow_up",
            "加强客户沟通：按销售计划安排拜访",
            "Strengthen communication: visit as the plan says",
        ),
        Wording(
            "risk_action.behind_pace",
            "调整销售策略，上报主管协调资源",
            "Adjust the strategy; escalate to the manager",
        ),
        Wording(
            "risk_action.health_alert",
            "上报主管，按改进方向调整销售策略",
            "Escalate to the manager; act on the improvement direction",
        ),
        Wording(
            "risk_action.unsigned_letter",
            "上报主管：督促签署销售目标责任书",
            "Escalate to the manager: get the letter signed",
        ),
        # documents withheld (SB-T014) and why
        Wording("document.letter", "销售目标责任书", "target letter"),
        Wording("document.appraisal", "个人业绩评估单", "appraisal sheet"),
        Wording("withheld.placeholder", "是占位符，不是具体的人", "is a placeholder, not a person"),
        Wording(
            "withheld.group",
            "是小组、区域或产品线，不是具体的人",
            "is a group, region or product line, not a person",
        ),
        Wording("withheld.unknown", "不在团队名册中", "is not on the roster"),
        # the letters' clauses when the admin left the defaults (zh = config's letters.* default)
        Wording(
            "letter.reward",
            "完成目标的，按公司销售激励制度发放绩效奖金；超额完成部分另行奖励。",
            "a bonus under the sales incentive scheme for meeting targets; more above target.",
        ),
        Wording(
            "letter.penalty",
            "未完成目标的，按差额比例扣减当期绩效奖金，并制定改进计划。",
            "the bonus is cut in proportion to any shortfall; an improvement plan is made.",
        ),
    ]
}


def say(key: str, lang: str = "zh", params: Mapping[str, object] | None = None) -> str:
    """The sentence `key` in `lang` (zh, zh-Hant or en) with `params` filled in."""
    return WORDS[key].text(lang, params)


def as_set(key: str, text: str, lang: str = "zh") -> str:
    """A text setting on paper: in English while it keeps its default (the sentence `key`'s
    Chinese), else as the company wrote it."""
    return say(key, "en") if lang == "en" and text == say(key, "zh") else text


@dataclass(frozen=True)
class Phrase:
    """A sentence not yet in a language: a key of WORDS and its params (numbers already shown)."""

    key: str
    params: dict[str, str] = field(default_factory=dict)

    def text(self, lang: str = "zh") -> str:
        return say(self.key, lang, self.params)


def labels(family: str, lang: str = "zh") -> dict[str, str]:
    """Every entry `family.<name>` as {name: text} in `lang` (zh, zh-Hant, en): pace, status,
    flag, standard, plan, reassign, document, withheld."""
    prefix = family + "."
    return {
        key[len(prefix) :]: say(key, lang)
        for key in WORDS
        if key.startswith(prefix) and "." not in key[len(prefix) :]
    }


# The label tables other modules index by key (zh), built from WORDS.
PACE_LABELS = labels("pace")
STATUS_LABELS = labels("status")
REASSIGN_LABELS = labels("reassign")


# Every word a status cell holds, 简 -> (繁, English), each declared once: the pace, health,
# flag, standard and plan entries above and the grades of schemas.GRADES. cells.STATUS_FILLS
# colours the 简 words; its 繁 and English twins are derived from this table.
STATUS_WORDS: dict[str, tuple[str, str]] = {
    **{
        WORDS[key].zh: (WORDS[key].text("zh-Hant"), WORDS[key].en)
        for key in WORDS
        if key.partition(".")[0] in ("pace", "status", "flag", "standard", "plan")
    },
    **{g.value: (g.hant or g.value, g.en or g.value) for g in GRADES},
}


def status_word(word: str, lang: str = "zh") -> str:
    """A status word (简, a key of STATUS_WORDS) as a sheet in `lang` holds it; another word
    (not a status) is returned as it is."""
    if lang == "zh" or word not in STATUS_WORDS:
        return word
    return STATUS_WORDS[word][lang == "en"]


def tier_change(previous: str | None, tier: str, lang: str = "zh") -> str:
    """A customer's tier against the previous period's (客户分层 较上期): `↓ A→B` for a drop,
    `↑ C→B` for a rise, `=` unchanged, 新 (new) when it had no tier then, `↓ A→已输单` when lost."""
    if previous is None:
        return "new" if lang == "en" else "新"
    if previous == tier:
        return "="
    ranks = "ABC"
    down = tier not in ranks or ranks.index(tier) > ranks.index(previous)
    return f"{'↓' if down else '↑'} {previous}→{tier_name(tier, lang)}"


def tier_name(tier: str, lang: str = "zh") -> str:
    """A tier as sheets and reports print it: A, B, C, or 已输单 (lost) for a customer lost since."""
    if tier in ("A", "B", "C"):
        return tier
    return "lost" if lang == "en" else "已输单"
