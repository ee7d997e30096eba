"""Settings that would crash, overflow or hang a run are SB-C003 at their line, the default used."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TODAY, validate_json

from salesbook.config import WEIGHT_KEYS, Config, load_config, number_format_problem

SALESBOOK = Path(sys.executable).parent / "salesbook"

# (table, key, TOML value): each is a value a run cannot use as it stands.
BAD = [
    ("letters", "number_format", '"{seq[0]}"'),
    ("letters", "number_format", '"{period.nope}"'),
    ("letters", "number_format", '"{seq:020000000d}"'),
    ("letters", "number_format", '"{seq:{owner}}"'),
    ("letters", "number_format", '"{0}-{seq}"'),
    ("letters", "number_format", '"{owner!r}"'),
    ("letters", "number_format", '"{period:d}"'),
    ("letters", "number_format", '"XS-{seq"'),
    ("follow_up", "pool_days", "1e20"),
    ("follow_up", "pool_days", "99999999999"),
    ("follow_up", "pool_days", "-1"),
    ("follow_up", "stale_days", "9223372036854775807"),
    ("follow_up", "backfill_days", "-5"),
    ("scorecard", "attainment", "1e999999999"),
    ("scorecard", "retention", "-inf"),
    ("scorecard", "qualitative", "nan"),
    ("scorecard", "process_nodes", "1e300"),
    ("scorecard", "new_customer_target", "99999999999999999"),
    ("pace", "tolerance", "1e300"),
    ("grades", "excellent", "150"),
    ("grades", "good", "-1"),
    ("grades", "good", "95"),  # above the default 90 of grades.excellent
    ("awards", "growth_board_size", "99999999999999999999"),
    ("awards", "star_min_attainment", "1e400"),
    ("awards", "improvement_min_points", "-3"),
    ("follow_up", "visits_any_channel", '"yes"'),
    ("", "company", '"   "'),
    ("", "company", '"' + "公司" * 200 + '"'),
    ("", "company", '"A\\u001b[31mB"'),
    ("", "money_unit", '"美元"'),
]


def settings_text(table: str, key: str, value: str) -> tuple[str, int]:
    """A salesbook.toml with the bad value after a comment and a good value; (text, its line)."""
    lines = ["# 设置", 'company = "测试公司"'] if key != "company" else ["# 设置"]
    if table:
        lines += ["", f"[{table}]"]
    lines.append(f"{key} = {value}")
    return "\n".join(lines) + "\n", len(lines)


@pytest.mark.parametrize(
    ("table", "key", "value"), BAD, ids=[f"{t}.{k}={v[:20]}" for t, k, v in BAD]
)
def test_bad_setting_is_c003_at_its_line_and_the_run_completes(
    org: Path, tmp_path: Path, table: str, key: str, value: str
) -> None:
    text, line = settings_text(table, key, value)
    (org / "salesbook.toml").write_text(text, encoding="utf-8")
    before = {p.name: p.read_bytes() for p in org.iterdir()}

    status, report = validate_json(org)
    assert status == 1
    dotted = f"{table}.{key}" if table else key
    hits = [i for i in report["issues"] if i["code"] == "SB-C003"]
    assert [(i["file"], i["row"], i["params"]["key"]) for i in hits] == [
        ("salesbook.toml", line, dotted)
    ]
    assert "默认值" in hits[0]["message"]
    assert hits[0]["params"]["default"]

    output = tmp_path / "out"
    process = subprocess.run(
        [str(SALESBOOK), "run", str(org), "-o", str(output), "--no-pdf", "--today", TODAY],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,  # a hang fails the test
    )
    assert process.returncode == 1, process.stderr  # the settings error, nothing worse
    assert "Traceback" not in process.stderr
    manifest = json.loads((output / "manifest.json").read_text("utf-8"))
    assert manifest["issues"]["error"] >= 1
    assert {p.name: p.read_bytes() for p in org.iterdir()} == before


def test_english_message_names_the_rule_and_the_default(org: Path) -> None:
    (org / "salesbook.toml").write_text("[follow_up]\npool_days = 1e20\n", encoding="utf-8")
    _, report = validate_json(org, "--lang", "en")
    (issue,) = [i for i in report["issues"] if i["code"] == "SB-C003"]
    assert issue["message"] == (
        "Setting 'follow_up.pool_days' has an invalid value '1e+20' (must be a whole number);"
        " the default 0 is used"
    )
    assert issue["location"] == "salesbook.toml › row 2"


def test_good_values_are_used(org: Path) -> None:
    (org / "salesbook.toml").write_text(
        'follow_up.pool_days = 30\n[letters]\nnumber_format = "HT{period}/{owner}/{seq:>4}"\n'
        "[grades]\nexcellent = 95\ngood = 85\n[scorecard]\nattainment = 50.5\n",
        encoding="utf-8",
    )
    config, issues = load_config(org)
    assert issues == []
    assert config.pool_days == 30
    assert config.letter_number_format == "HT{period}/{owner}/{seq:>4}"
    assert (config.grade_excellent, config.grade_good) == (95, 85)
    assert str(config.weights["attainment"]) == "50.5"


def test_excellent_below_the_default_good_is_refused(org: Path) -> None:
    (org / "salesbook.toml").write_text("[grades]\nexcellent = 70\n", encoding="utf-8")
    config, issues = load_config(org)
    assert [(i.code, i.location.row, i.params["key"]) for i in issues] == [
        ("SB-C003", 2, "grades.excellent")
    ]
    assert (config.grade_excellent, config.grade_good) == (90, 80)


def test_integer_too_long_for_python_is_c001_not_a_traceback(org: Path) -> None:
    (org / "salesbook.toml").write_text(f"[follow_up]\npool_days = {'9' * 5000}\n")
    status, report = validate_json(org)
    assert status == 1
    # all defaults are used, the company too: SB-C005 says the letters would print no name
    assert [i["code"] for i in report["issues"]] == ["SB-C001", "SB-C005"]


def test_all_weights_zero_is_c003(org: Path) -> None:
    text = "[scorecard]\n" + "".join(f"{k} = 0\n" for k in WEIGHT_KEYS)
    (org / "salesbook.toml").write_text(text, encoding="utf-8")
    config, issues = load_config(org)
    assert [(i.code, i.params["key"]) for i in issues] == [("SB-C003", "scorecard")]
    assert sum(config.weights.values()) == 100


@pytest.mark.parametrize(
    "pattern", ["{seq[0]}", "{period.nope}", "{seq:020000000d}", "{seq:{owner}}", "{}", "{x}"]
)
def test_number_format_rule(pattern: str) -> None:
    assert number_format_problem(pattern)
    assert number_format_problem("XS-{period}-{seq:03d}") is None


def test_letters_refuse_a_config_built_in_code() -> None:
    """A Config made without load_config cannot hang the letters either."""
    from salesbook.contexts.letters import letter_contexts
    from salesbook.errors import RenderError

    config = Config(letter_number_format="{seq:020000000d}", company="X")
    document = {
        "config": config.as_dict(),
        "figures": {"targets": [{"owner": "李明", "period": "2023Q4"}]},
    }
    with pytest.raises(RenderError, match="编号格式无效"):
        letter_contexts(document)
