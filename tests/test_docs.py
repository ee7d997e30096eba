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
    from dataclasses import fields

    from salesbook.config import SETTINGS, Config

    text = README.read_text(encoding="utf-8")
    # every Config field (but the file it was read from, and the admin's own header and value
    # names, which the README's "From your CRM" section shows) is filled by a declared setting
    mapped = {"header_map", "value_map"}
    assert {s.attr for s in SETTINGS} == {f.name for f in fields(Config)} - {"source"} - mapped
    assert "[columns.follow_up]" in text
    assert "[values.channel]" in text
    for setting in SETTINGS:  # one row each, with the default that Config() holds
        value = getattr(Config(), setting.attr)
        value = value[setting.entry] if setting.entry else value
        rows = re.findall(rf"^\| `{re.escape(setting.key)}` \| `([^`]*)` \|", text, re.MULTILINE)
        assert rows == [str(value).replace("|", "\\|")], setting.key
