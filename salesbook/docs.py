"""Schemas, codes and settings -> the README's generated tables (tests/test_docs.py checks them)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from salesbook.config import SETTINGS
from salesbook.issues import code_table
from salesbook.schemas import CHANNELS, EXPORTS, FOLLOW_UP, STAGES, WORKBOOKS, Choice


def kinds_table() -> str:
    """Each workbook kind, its sheets and their columns (required ones marked *)."""
    lines = []
    for workbook in WORKBOOKS:
        for sheet in workbook.sheets:
            columns = "、".join(f"{c.zh}{'*' if c.required else ''}" for c in sheet.columns)
            lines.append(f"- **{workbook.zh}** › {sheet.zh} ({sheet.en}): {columns}")
    return "\n".join(lines)


def crm_table() -> str:
    """The headers and values CRMs export that are read as they are: each column's other names
    (besides its 简/繁/EN header), the export kinds, and the channel and stage spellings."""
    lines = []
    for kind in (FOLLOW_UP, *(s for w in EXPORTS for s in w.sheets)):
        lines.append(f"- **{kind.zh}** ({kind.en}, `[columns.{kind.kind}]`):")
        for column in kind.columns:
            others = (*column.preferred, *column.aliases)
            shown = "、".join(others) if others else "—"
            lines.append(
                f"  - {column.zh}{'*' if column.required else ''} (`{column.key}`) ← {shown}"
            )
    for name, choices in (
        ("沟通方式 (`[values.channel]`)", CHANNELS),
        ("阶段 (`[values.stage]`)", STAGES),
    ):
        lines.append(f"- **{name}**: " + "；".join(_spellings(c) for c in choices))
    return "\n".join(lines)


def _spellings(choice: Choice) -> str:
    others = [s for s in choice.spellings() if s != choice.value]
    return f"{choice.value} ← {'、'.join(others)}" if others else choice.value


def settings_table() -> str:
    """Every salesbook.toml setting with its default and meaning."""
    lines = ["| setting | default | allowed | 含义 | meaning |", "|---|---|---|---|---|"]
    for setting in SETTINGS:
        default = str(setting.default).replace("|", "\\|")
        allowed = setting.allowed().replace("|", "\\|")
        lines.append(
            f"| `{setting.key}` | `{default}` | {allowed} | {setting.help_zh} | {setting.help_en} |"
        )
    return "\n".join(lines)


SECTIONS: dict[str, Callable[[], str]] = {
    "codes": code_table,
    "crm": crm_table,
    "kinds": kinds_table,
    "settings": settings_table,
}


def _filled(make: Callable[[], str]) -> Callable[[re.Match[str]], str]:
    """A replacement that keeps a block's two markers and puts `make()` between them."""
    return lambda m: m.group(1) + make() + "\n" + m.group(2)


def render(text: str) -> str:
    """`text` with every `<!-- NAME:start -->…<!-- NAME:end -->` block regenerated."""
    for name, make in SECTIONS.items():
        text = re.sub(
            rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)",
            _filled(make),
            text,
            flags=re.DOTALL,
        )
    return text


if __name__ == "__main__":  # python -m salesbook.docs README.md: regenerate in place
    import sys

    path = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    path.write_text(render(path.read_text(encoding="utf-8")), encoding="utf-8")
