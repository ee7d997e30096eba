"""Customer tiers by RFM (issue 16 §1, seed 003): hand-made logs whose tiers follow from the rule.

The expectations are worked out here, from the raw rows and the rule as the README states it
(quintile scores 1 + ⌊5 × strictly worse ÷ customers⌋; A all ≥ high; C M and F ≤ low; without a
deal value R and F only; a plan's key customer never below B; lost customers left out), never
copied from salesbook's output.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
from conftest import (
    FOLLOW_UP_KEYS,
    follow_up_row,
    headers,
    run_document,
    validate_json,
    write_book,
    write_targets,
)

from salesbook.compute.tiers import score_of
from salesbook.config import load_config
from salesbook.contexts.review import review_context

ROSTER = [
    ["王总", "S000", "销售总监", "", "", "", "2019-01-01", "", "在职"],
    ["李经理", "S001", "区域经理", "华东", "华东一组", "王总", "2020-03-01", "", "在职"],
    ["李明", "S002", "销售代表", "华东", "华东一组", "李经理", "2021-05-01", "", "在职"],
    ["王芳", "S003", "销售代表", "华东", "华东一组", "李经理", "2022-07-01", "", "在职"],
]
LOG_KEYS = [*FOLLOW_UP_KEYS, "stage", "deal_value"]
WAN = Decimal(10000)

# (customer as typed, owner, date, 商机金额 in 万元 or None, stage or None)
ROWS: list[tuple[str, str, str, int | None, str | None]] = [
    # 甲: busy all along, the largest deal (the latest non-empty amount counts: 500万)
    ("甲公司", "李明", "2023-07-10", None, None),
    ("甲公司", "李明", "2023-08-10", None, None),
    ("甲公司", "李明", "2023-09-01", 50, None),
    ("甲公司", "李明", "2023-10-09", 50, None),
    ("甲公司", "李明", "2023-10-20", None, None),
    ("甲公司", "李明", "2023-11-06", None, None),
    ("甲公司", "李明", "2023-12-01", None, None),
    ("甲公司", "李明", "2023-12-29", 500, None),
    ("乙公司", "王芳", "2023-10-10", None, None),
    ("乙公司", "王芳", "2023-11-10", None, None),
    ("乙公司", "王芳", "2023-12-11", None, None),
    ("乙公司", "王芳", "2023-12-28", 400, None),
    ("丙公司", "李明", "2023-09-20", 300, None),
    ("丙公司", "李明", "2023-10-16", None, None),
    ("丙公司", "李明", "2023-11-16", None, None),
    ("丙公司", "李明", "2023-12-20", 300, None),
    ("丁公司", "王芳", "2023-11-20", None, None),
    ("丁公司", "王芳", "2023-12-10", 100, None),  # ties 戊 on M
    # 戊: busy in the third quarter, one follow-up in the fourth: a drop since last period
    ("戊公司", "李明", "2023-07-05", None, None),
    ("戊公司", "李明", "2023-07-20", None, None),
    ("戊公司", "李明", "2023-08-05", None, None),
    ("戊公司", "李明", "2023-08-20", None, None),
    ("戊公司", "李明", "2023-09-05", None, None),
    ("戊公司", "李明", "2023-09-28", 900, None),  # the largest deal then
    ("戊公司", "李明", "2023-11-01", 100, None),  # cut down to 100万
    ("己公司", "王芳", "2023-10-25", None, None),  # no amount, a key customer of the plan
    ("庚公司", "李明", "2023-12-05", None, None),  # no amount: rated on R and F
    ("庚公司", "李明", "2023-12-26", None, None),
    ("辛公司", "王芳", "2023-10-12", 800, "商务谈判"),
    ("辛公司", "王芳", "2023-11-12", 800, "商务谈判"),
    ("辛公司", "王芳", "2023-12-27", None, "输单"),  # lost: left out
    # 壬: tiered in the third quarter, lost in the fourth: a move to 已输单, the largest drop
    ("壬公司", "王芳", "2023-08-15", 600, "商务谈判"),
    ("壬公司", "王芳", "2023-09-26", 600, "商务谈判"),
    ("壬公司", "王芳", "2023-11-20", None, "输单"),
    ("ＡＢＣ科技", "李明", "2023-12-15", 150, None),  # full-width letters ...
    ("ABC科技 ", "李明", "2023-12-22", 200, None),  # ... and a trailing space: one customer
    ("臺灣電子", "王芳", "2023-12-18", 50, None),  # Traditional ...
    ("台湾电子", "王芳", "2023-12-27", 60, None),  # ... and Simplified: one customer
]
REPEAT = ("乙公司", "王芳", "2023-12-28", 400, None)  # SB-U005: counted once
SAME = {
    "ＡＢＣ科技": "ABC科技",
    "ABC科技 ": "ABC科技",
    "台湾电子": "臺灣電子",
}  # as the README says
KEY = {"己公司"}
PLAN = [["王芳", "2023Q4", "己公司", 2]]


def log_row(row: tuple[str, str, str, int | None, str | None]) -> list[object]:
    customer, owner, day, amount, stage = row
    summary = f"{customer.strip()} {day} 沟通"
    amount_text = f"{amount}万元" if amount is not None else None
    return [*follow_up_row(customer, owner, day, summary=summary), stage, amount_text]


def make_folder(tmp_path: Path, settings: str = "") -> Path:
    folder = tmp_path / "workbooks"
    write_targets(
        folder / "销售目标分解表.xlsx",
        [["季度销售额", "100万元", "元", "2023Q4", "2023-10-01", "2023-12-31"]],
        [
            ["季度销售额100万元", "个人-李明", "50万元", "李明", "2023年12月31日", ""],
            ["季度销售额100万元", "个人-王芳", "50万元", "王芳", "2023年12月31日", ""],
        ],
        ROSTER,
    )
    rows = [log_row(r) for r in ROWS] + [log_row(REPEAT)]
    write_book(folder / "跟进记录.xlsx", {"跟进": (headers("follow_up", keys=LOG_KEYS), rows)})
    write_book(
        folder / "销售计划表.xlsx",
        {
            "计划": (
                headers("sales_plan", keys=["owner", "period", "key_customer", "planned_visits"]),
                PLAN,
            )
        },
    )
    # calendar days, so R is plain date arithmetic in the expectation below
    (folder / "salesbook.toml").write_text(
        f'company = "测试有限公司"\ncalendar = "calendar"\n{settings}', encoding="utf-8"
    )
    return folder


# --- the rule, worked out independently ------------------------------------------------------------


def quintile(value: Decimal, population: list[Decimal]) -> int:
    """1 + ⌊5 × (values strictly worse) ÷ (values)⌋: the README's rule."""
    return 1 + 5 * sum(1 for p in population if p < value) // len(population)


def expected_tiers(
    as_of: str, window: int = 90, high: int = 4, low: int = 2
) -> dict[str, dict[str, object]]:
    day_of = dt.date.fromisoformat(as_of)
    per: dict[str, list[tuple[dt.date, int | None, str | None, str]]] = {}
    for customer, owner, day, amount, stage in ROWS:
        when = dt.date.fromisoformat(day)
        if when <= day_of:
            per.setdefault(SAME.get(customer, customer), []).append((when, amount, stage, owner))
    facts = {}
    for customer, rows in per.items():
        rows.sort(key=lambda r: r[0])
        if rows[-1][2] == "输单":
            continue
        amounts = [a for _, a, _, _ in rows if a is not None]
        facts[customer] = {
            "owner": rows[-1][3],
            "R": (day_of - rows[-1][0]).days,
            "F": sum(1 for d, _, _, _ in rows if (day_of - d).days < window),
            "M": Decimal(amounts[-1]) * WAN if amounts else None,
        }
    r_all = [Decimal(-f["R"]) for f in facts.values()]
    f_all = [Decimal(f["F"]) for f in facts.values()]
    m_all = [f["M"] for f in facts.values() if f["M"] is not None]
    for customer, f in facts.items():
        r = quintile(Decimal(-f["R"]), r_all)
        fs = quintile(Decimal(f["F"]), f_all)
        m = quintile(f["M"], m_all) if f["M"] is not None else None
        if m is None:
            tier = "A" if r >= high and fs >= high else "C" if fs <= low else "B"
        else:
            tier = "A" if min(r, fs, m) >= high else "C" if m <= low and fs <= low else "B"
        if customer in KEY and tier == "C":
            tier = "B"
        f.update(r_score=r, f_score=fs, m_score=m, tier=tier)
    return facts


def run(folder: Path, output: Path, period: str, as_of: str, history: Path) -> dict:
    return run_document(
        folder, output, "--no-pdf", "--period", period, "--as-of", as_of, "--history", str(history)
    )


# --- tests -------------------------------------------------------------------------------------------


def test_quintile_scores_split_five_ways_and_ties_share_the_lower_rank() -> None:
    ten = [Decimal(v) for v in range(10)]
    scores = score_of(ten)
    assert scores == [quintile(v, ten) for v in ten]
    assert [scores.count(s) for s in range(1, 6)] == [2, 2, 2, 2, 2]  # quintiles
    tied = [Decimal(v) for v in (1, 1, 1, 2, 3)]
    scores = score_of(tied)
    assert scores[0] == scores[1] == scores[2] == 1  # three tied at the bottom share rank 1
    assert scores == [quintile(v, tied) for v in tied]
    assert score_of([Decimal(7)]) == [1]


def test_every_customer_is_tiered_by_the_rule_and_moves_are_listed(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    history = tmp_path / "kept" / "history.sqlite"
    before = expected_tiers("2023-09-29")
    q3 = run(folder, tmp_path / "out3", "2023Q3", "2023-09-29", history)["figures"]
    assert {t["customer"]: t["tier"] for t in q3["tiers"]} == {
        c: f["tier"] for c, f in before.items()
    }
    document = run(folder, tmp_path / "out4", "2023Q4", "2023-12-29", history)
    figures = document["figures"]
    want = expected_tiers("2023-12-29")
    got = {t["customer"]: t for t in figures["tiers"]}
    assert set(got) == set(want)  # 辛 is lost: left out; ABC科技 and 臺灣電子 once each
    assert "辛公司" not in got
    assert "ＡＢＣ科技" not in got
    assert "台湾电子" not in got
    for customer, f in want.items():
        tier = got[customer]
        assert (tier["recency_days"], tier["frequency"]) == (f["R"], f["F"]), customer
        assert (tier["monetary"] and Decimal(tier["monetary"])) == f["M"], customer
        assert (tier["r_score"], tier["f_score"], tier["m_score"]) == (
            f["r_score"],
            f["f_score"],
            f["m_score"],
        ), customer
        assert tier["tier"] == f["tier"], customer
        assert tier["rated_on"] == ("RF" if f["M"] is None else "RFM")
        assert tier["previous_tier"] == (before[customer]["tier"] if customer in before else None)
    # the written-two-ways customers: both follow-ups, the latest amount
    assert (got["ABC科技"]["frequency"], Decimal(got["ABC科技"]["monetary"])) == (2, 200 * WAN)
    assert got["臺灣電子"]["frequency"] == 2
    # the repeated row counts once: 乙 has four follow-ups, not five
    assert got["乙公司"]["frequency"] == 4
    # 丁 and 戊 tie on M (100万): one score
    assert got["丁公司"]["m_score"] == got["戊公司"]["m_score"]
    # 己 has no amount and one follow-up: C on F alone, but a key customer of the plan
    assert got["己公司"]["rated_on"] == "RF"
    assert got["己公司"]["key_customer"]
    assert got["己公司"]["f_score"] <= 2
    assert got["己公司"]["tier"] == "B"
    assert got["庚公司"]["rated_on"] == "RF"
    assert got["庚公司"]["m_score"] is None
    # 戊 was busy in Q3 and nearly silent in Q4: a drop, listed first among the moves
    assert before["戊公司"]["tier"] == "A"
    assert want["戊公司"]["tier"] == "C"
    moves = [(m["customer"], m["previous_tier"], m["tier"]) for m in figures["tier_moves"]]
    assert ("壬公司", before["壬公司"]["tier"], "lost") in moves  # tiered then, lost now
    assert "壬公司" not in want
    expected = {
        (c, before[c]["tier"], f["tier"])
        for c, f in want.items()
        if c in before and before[c]["tier"] != f["tier"]
    } | {("壬公司", before["壬公司"]["tier"], "lost")}
    # drops first (lost the lowest of all), from the highest tier, then rises; by customer
    rank = {"A": 0, "B": 1, "C": 2, "lost": 3}
    assert moves == sorted(
        expected, key=lambda m: (rank[m[2]] < rank[m[1]], m[1], -rank[m[2]], m[0])
    )
    assert moves.index(("戊公司", "A", "C")) < len([m for m in moves if rank[m[2]] > rank[m[1]]])
    # counts per rep add up to the customers each owns
    for owner in ("李明", "王芳"):
        mine = [f["tier"] for f in want.values() if f["owner"] == owner]
        assert figures["tier_counts"][owner] == {k: mine.count(k) for k in "ABC"}
    # the service approach of each tier is the setting's text
    services = {t["tier"]: t["service"] for t in figures["tiers"]}
    assert services["A"].startswith("战略绑定")
    assert services["C"].startswith("SOP")

    # 汇总 › 客户分层 read back: each customer's tier and its change since the last period
    summary = openpyxl.load_workbook(tmp_path / "out4" / "汇总-2023Q4.xlsx")
    rows = list(summary["客户分层"].iter_rows(values_only=True))
    sheet = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert {c: r["分层"] for c, r in sheet.items()} == {c: f["tier"] for c, f in want.items()}
    assert sheet["戊公司"]["较上期"] == "↓ A→C"
    assert sheet["ABC科技"]["较上期"] == "新"
    assert sheet["己公司"]["重点客户"] == "是"
    moved = {r[0]: r for r in summary["分层变动"].iter_rows(min_row=2, values_only=True)}
    assert moved["戊公司"][:4] == ("戊公司", "李明", "A", "C")
    lost_from = before["壬公司"]["tier"]
    assert moved["壬公司"] == ("壬公司", "王芳", lost_from, "已输单", f"↓ {lost_from}→已输单")
    counts = {r[0]: r[1:] for r in summary["分层人数"].iter_rows(min_row=2, values_only=True)}
    services = counts.pop("服务方式")  # the first row: each tier's service approach
    assert services[0].startswith("战略绑定")
    assert services[2].startswith("SOP")
    assert sum(sum(v) for v in counts.values()) == len(want)

    # the review report's section: counts, the A customers, the moves
    section = review_context(document).tiers
    assert section is not None
    assert section.totals == {k: [f["tier"] for f in want.values()].count(k) for k in "ABC"}
    assert {r.customer for r in section.a_customers} == {
        c for c, f in want.items() if f["tier"] == "A"
    }
    changes = {r.customer: r.change for r in section.moves}
    assert changes["戊公司"] == "↓ A→C"
    assert changes["壬公司"] == f"↓ {lost_from}→已输单"
    assert section.moves[0].customer == ("壬公司" if lost_from == "A" else "戊公司")


def test_the_window_and_scores_are_settings(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, "[tiers]\nwindow_days = 30\nhigh = 3\nlow = 1\n")
    figures = run(folder, tmp_path / "out", "2023Q4", "2023-12-29", tmp_path / "h.sqlite")
    want = expected_tiers("2023-12-29", window=30, high=3, low=1)
    assert {t["customer"]: t["tier"] for t in figures["figures"]["tiers"]} == {
        c: f["tier"] for c, f in want.items()
    }
    assert figures["config"]["tier_window_days"] == 30


def test_unusable_tier_settings_are_c003_at_their_line(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    toml = folder / "salesbook.toml"
    base = toml.read_text(encoding="utf-8")  # two lines: company, calendar
    toml.write_text(base + '[tiers]\nhigh = 6\nwindow_days = 0\nservice_a = ""\n')
    config, issues = load_config(folder)
    assert [(i.code, i.location.row, i.params["key"]) for i in issues] == [
        ("SB-C003", 4, "tiers.high"),
        ("SB-C003", 5, "tiers.window_days"),
        ("SB-C003", 6, "tiers.service_a"),
    ]
    assert (config.tier_high, config.tier_window_days) == (4, 90)
    assert config.tier_service_a.startswith("战略绑定")
    # low above high: refused like grades.good above grades.excellent
    toml.write_text(base + "[tiers]\nlow = 5\nhigh = 3\n")
    config, issues = load_config(folder)
    assert [(i.code, i.location.row, i.params["key"]) for i in issues] == [
        ("SB-C003", 4, "tiers.low")
    ]
    assert (config.tier_low, config.tier_high) == (2, 3)
    status, report = validate_json(folder)
    assert status == 1
    assert [(i["file"], i["row"]) for i in report["issues"] if i["code"] == "SB-C003"] == [
        ("salesbook.toml", 4)
    ]


def test_the_opportunity_list_gives_m_before_the_log(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    # 丁's open opportunity is worth 900万 (the log says 100万); 台湾电子 is 臺灣電子 of the log
    write_book(
        folder / "商机.xlsx",
        {
            "商机": (
                headers("opportunity", keys=["name", "customer", "owner", "stage", "amount"]),
                [
                    ["丁公司扩产", "丁公司", "王芳", "商务谈判", "900万元"],
                    ["台湾电子二期", "台湾电子", "王芳", "方案呈现", "70万元"],
                ],
            )
        },
    )
    figures = run(folder, tmp_path / "out", "2023Q4", "2023-12-29", tmp_path / "h.sqlite")
    got = {t["customer"]: t for t in figures["figures"]["tiers"]}
    assert Decimal(got["丁公司"]["monetary"]) == 900 * WAN
    assert Decimal(got["臺灣電子"]["monetary"]) == 70 * WAN
    assert "台湾电子" not in got
