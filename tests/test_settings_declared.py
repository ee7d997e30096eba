"""Issue 12: each setting is declared once, so `Config()`, a folder without salesbook.toml, the
commented salesbook.toml and the README table all say the same thing."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from salesbook import Config, load, load_config
from salesbook.compute import figures_document
from salesbook.config import SETTINGS, SETTINGS_BY_KEY, Setting, commented_toml
from salesbook.contexts.letters import letter_contexts
from salesbook.values import parse_period


def declared_value(config: Config, setting: Setting) -> object:
    """What `setting` filled in `config`."""
    value = getattr(config, setting.attr)
    return value[setting.entry] if setting.entry else value


def test_config_is_what_a_folder_without_settings_gives(tmp_path: Path) -> None:
    config, issues = load_config(tmp_path)
    assert issues == []
    assert config == Config()
    assert config.as_dict() == Config().as_dict()
    # the defaults a library user gets are the documented ones, weights and clauses included
    for setting in SETTINGS:
        assert declared_value(Config(), setting) == setting.default, setting.key
    assert sum(Config().weights.values()) == 100
    assert Config().letter_reward.startswith("完成目标的")
    assert Config().letter_penalty.startswith("未完成目标的")


def test_the_commented_settings_file_holds_the_defaults(tmp_path: Path) -> None:
    (tmp_path / "salesbook.toml").write_text(commented_toml("华信科技有限公司"), encoding="utf-8")
    config, issues = load_config(tmp_path)
    assert issues == []
    expected = replace(Config(), company="华信科技有限公司")
    assert replace(config, source=None) == expected


def test_a_library_user_with_config_gets_scores_and_letter_clauses(seed_org: Path) -> None:
    """`Config()` built in code scores the people and writes the letters' clauses (before, its
    weights and clauses were empty: no score for anyone without a typed one, blank clauses)."""
    folder = replace(load(seed_org), config=Config(company="测试有限公司"))
    figures = folder.compute(parse_period("2023Q4"), dt.date(2023, 12, 31))
    manager = figures.people["张经理"]  # no score typed: the scorecard's weights give it
    assert manager.score_source != "entered"
    assert manager.score is not None
    assert manager.score > 0
    assert manager.grade
    document = json.loads(  # as figures.json holds it
        json.dumps(figures_document(figures, folder.config, "test"), ensure_ascii=False)
    )
    letters = letter_contexts(document)
    assert letters
    for letter in letters:
        assert letter.company == "测试有限公司"
        assert letter.reward == Config().letter_reward != ""
        assert letter.penalty == Config().letter_penalty != ""


def other_value(setting: Setting, folder: Path) -> tuple[str, object]:
    """A value other than the default that `setting` accepts: (as TOML, as Config holds it)."""
    default = setting.default
    if isinstance(default, bool):
        return ("false" if default else "true"), not default
    if setting.span:
        number = int(default) + (1 if default < setting.span[1] else -1)  # good stays < excellent
        return str(number), Decimal(number) if isinstance(default, Decimal) else number
    if setting.choices:
        choice = next(c for c in setting.choices if c != default)
        return f'"{choice}"', choice
    if setting.attr == "templates":  # must name a folder inside the workbook folder
        (folder / "mine").mkdir()
        return '"mine"', "mine"
    text = "HT-{seq}" if setting.attr == "letter_number_format" else "测试文字"
    return f'"{text}"', text


@pytest.mark.parametrize("setting", SETTINGS, ids=[s.key for s in SETTINGS])
def test_a_setting_in_salesbook_toml_reaches_config(setting: Setting, tmp_path: Path) -> None:
    table, _, key = setting.key.rpartition(".")
    written, expected = other_value(setting, tmp_path)
    lines = [f"[{table}]"] if table else []
    (tmp_path / "salesbook.toml").write_text(
        "\n".join([*lines, f"{key} = {written}"]) + "\n", encoding="utf-8"
    )
    config, issues = load_config(tmp_path)
    assert issues == []
    assert declared_value(config, setting) == expected
    assert declared_value(config, setting) != setting.default
    for other in SETTINGS:  # nothing else moved
        if other is not setting:
            assert declared_value(config, other) == other.default, other.key


def test_help_quotes_with_corner_brackets_and_says_no_internal_words() -> None:
    for setting in SETTINGS:
        assert not re.search(r"['\"“”]", setting.help_zh), setting.key
        assert "种子" not in setting.help_zh, setting.key
        assert not re.search(r"\bseed\b", setting.help_en, re.I), setting.key
    assert "「上门拜访」" in SETTINGS_BY_KEY["follow_up.visits_any_channel"].help_zh
