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
