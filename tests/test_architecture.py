"""Imports flow one way (shared/ARCHITECTURE.md): leaves <- infrastructure <- services <- edges,
and each third-party library stays in the module that owns it."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "pinbot"

LAYERS: dict[str, int] = {
    # leaves: import nothing of pinbot but other leaves
    "errors": 0,
    "clock": 0,
    "config": 0,
    "logs": 0,
    "links": 0,
    "validation": 0,
    # infrastructure: one third-party library each
    "models": 1,
    "db": 1,
    "migrations": 1,
    "boards": 1,
    "render": 1,
    "pinterest": 1,
    "emulator": 1,
    "service_state": 1,
    # services: use cases
    "queue": 2,
    "products": 2,
    "product_pins": 2,
    "importers": 2,
    "rules": 2,
    "planner": 2,
    "lint": 2,
    "poster": 2,
    "reconcile": 2,
    "pin_images": 2,
    "schedule_view": 2,
    "metrics": 2,
    "metrics_budget": 2,
    "metrics_tables": 2,
    "review_types": 2,
    "review_rules": 2,
    "experiments_status": 2,
    "experiments_rounds": 2,
    "review": 2,
    "report": 2,
    "experiments": 2,
    "stats": 2,
    "stats_sequential": 2,
    "doctor": 2,
    "sweep": 2,
    "evergreen": 2,
    # edges: wiring, signals, printing
    "cli": 3,
    "daemon": 3,
    "demo": 3,
    "demo_shop": 3,
    "demo_result": 3,
    "__main__": 3,
    "__init__": 3,
}
# Within infrastructure only these may be imported by siblings (render must not know pinterest, ...).
SHARED_INFRA = {"models", "db"}
EMULATOR_MAY_IMPORT = {"errors", "clock", "config", "logs", "links"}
THIRD_PARTY_HOMES = {
    "click": {"cli"},
    "dotenv": {"cli"},
    "rich": {"cli", "daemon", "demo"},
    "requests": {"pinterest"},
}


# A module named after a family (review_rules, metrics_budget, ...) sits in that family's layer.
FAMILIES = ("metrics", "review", "experiments", "report", "planner", "poster", "render", "demo", "rules")


def top(module_path: Path) -> str:
    rel = module_path.relative_to(PACKAGE)
    name = rel.parts[0].removesuffix(".py")
    if name not in LAYERS:
        for family in FAMILIES:
            if name.startswith(f"{family}_"):
                return family
    return name


def pinbot_imports(tree: ast.AST) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
    return found


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "versions" not in p.parts)


def test_every_module_has_a_layer() -> None:
    unknown = sorted({top(p) for p in modules()} - set(LAYERS))
    assert unknown == [], f"assign a layer in tests/test_architecture.py to: {unknown}"


def test_imports_flow_one_way() -> None:
    problems = []
    for path in modules():
        me = top(path)
        if me == "__init__":
            continue
        for name, line in pinbot_imports(ast.parse(path.read_text())):
            if not name.startswith("pinbot.") and name != "pinbot":
                continue
            parts = name.split(".")
            if len(parts) < 2:
                continue
            target = parts[1]
            if target == me or target == "__init__":
                continue
            where = f"{path.relative_to(PACKAGE.parent)}:{line} imports {name}"
            if target == "cli" and me != "__main__":
                problems.append(f"{where} (nothing imports the CLI)")
            elif LAYERS.get(target, 99) > LAYERS.get(me, -1):
                problems.append(f"{where} (a lower layer imports a higher one)")
            elif me == "emulator" and target not in EMULATOR_MAY_IMPORT:
                problems.append(f"{where} (the emulator stands alone)")
            elif LAYERS.get(me) == 1 and LAYERS.get(target) == 1 and target not in SHARED_INFRA and me != "migrations":
                problems.append(f"{where} (infrastructure modules do not know each other)")
    assert problems == []


def test_third_party_libraries_stay_home() -> None:
    problems = []
    for path in modules():
        me = top(path)
        for name, line in pinbot_imports(ast.parse(path.read_text())):
            lib = name.split(".")[0]
            homes = THIRD_PARTY_HOMES.get(lib)
            if homes is not None and me not in homes:
                problems.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {lib}")
    assert problems == []


def test_every_module_says_what_it_owns() -> None:
    missing = [
        str(p.relative_to(PACKAGE.parent))
        for p in modules()
        if p.stat().st_size and ast.get_docstring(ast.parse(p.read_text())) is None
    ]
    assert missing == []
