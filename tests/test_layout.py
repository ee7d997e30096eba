"""The README's module map is the import order: a module imports only from those above it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "salesbook"


def map_order() -> list[str]:
    """The top-level modules and packages of salesbook/, as the README's engineer map lists them."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## For the engineer", 1)[1]
    block = section.split("```", 2)[1]
    return [m.group(1) for m in re.finditer(r"^  ([a-z_]+)(?:\.py|/)", block, re.MULTILINE)]


def imported_modules(path: Path) -> set[str]:
    """The salesbook modules `path` imports (top level: salesbook.compute.targets -> compute),
    inside functions and under TYPE_CHECKING too."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("salesbook"):
            parts = node.module.split(".")
            if len(parts) > 1:
                found.add(parts[1])
            else:  # from salesbook import ledger
                found.update(a.name for a in node.names if a.name != "__version__")
        elif isinstance(node, ast.Import):
            found.update(
                a.name.split(".")[1] for a in node.names if a.name.startswith("salesbook.")
            )
    return found


def top_level(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def test_the_map_lists_every_module_once() -> None:
    order = map_order()
    present = {
        top_level(p)
        for p in PACKAGE.iterdir()
        if (p.suffix == ".py" or (p / "__init__.py").exists()) and not p.name.startswith("__")
    }
    assert len(order) == len(set(order))
    assert set(order) == present


def test_imports_flow_one_way() -> None:
    rank = {name: i for i, name in enumerate(map_order())}
    upward = [
        f"{path.relative_to(ROOT)} imports {other}"
        for path in PACKAGE.rglob("*.py")
        if top_level(path) in rank
        for other in imported_modules(path)
        if other in rank and rank[other] > rank[top_level(path)]
    ]
    assert upward == []


def test_compute_is_pure() -> None:
    """Figures come from data alone: no workbook writer, template, PDF or file access."""
    forbidden = re.compile(
        r"^\s*(?:from|import) (openpyxl|jinja2|weasyprint|pypdf)\b|\bopen\(", re.M
    )
    hits = [
        str(path.relative_to(ROOT))
        for path in (PACKAGE / "compute").glob("*.py")
        if forbidden.search(path.read_text(encoding="utf-8"))
    ]
    assert hits == []
