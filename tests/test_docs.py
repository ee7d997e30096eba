"""The README's generated tables match the code, and every documented command exists."""

from __future__ import annotations

import re
from pathlib import Path

from salesbook.cli import cli
from salesbook.docs import render

README = Path(__file__).resolve().parents[1] / "README.md"


def test_generated_tables_are_current() -> None:
    text = README.read_text(encoding="utf-8")
    assert render(text) == text, "run: .venv/bin/python -m salesbook.docs README.md"


def test_every_code_is_documented_once() -> None:
    from salesbook.issues import CODES

    text = README.read_text(encoding="utf-8")
    for code in CODES:
        assert len(re.findall(rf"^\| {code} \|", text, flags=re.MULTILINE)) == 1, code


def test_documented_commands_exist() -> None:
    text = README.read_text(encoding="utf-8")
    documented = set(re.findall(r"`salesbook (\w+)", text))
    assert documented <= set(cli.commands), documented - set(cli.commands)
    assert set(cli.commands) <= documented


def test_every_setting_is_documented_and_used() -> None:
    from salesbook.config import _FIELDS, SETTINGS, WEIGHT_KEYS

    text = README.read_text(encoding="utf-8")
    keys = {s.key for s in SETTINGS}
    assert keys == set(_FIELDS) | {f"scorecard.{k}" for k in WEIGHT_KEYS}
    for key in keys:
        assert f"| `{key}` |" in text, key
