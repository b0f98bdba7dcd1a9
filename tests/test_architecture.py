"""Imports flow one way (docs/layout.md): one ordered tier list, and no import cycles.

A module imports only from a lower tier or from its own folder; nothing imports the CLI. Every import
counts, including those inside functions and under `TYPE_CHECKING`, because a cycle hidden in a
function is still a cycle. Each third-party library stays in the folder that owns it."""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "pinbot"

# Ordered from the bottom. A name is a leaf module (`errors`) or a folder (`store`).
TIERS: list[set[str]] = [
    {"errors", "clock", "config", "logs", "links", "stats", "words"},  # leaves: stdlib only
    {"store", "render", "emulator"},  # the database; Pillow; the local Pinterest
    {"shop", "pinterest"},  # what the owner writes down; the API client
    {"importers"},  # product sources -> product records
    {"queue", "posting"},  # pins in and when they go out; render -> claim -> post -> record
    {"review"},  # the shop's numbers and advice
    {"experiments"},  # A/B design tests
    {"metrics"},  # the daily analytics sweep
    {"report"},  # formatting only
    {"daemon"},  # the loop
    {"app", "doctor", "demo"},  # composition root
    {"cli", "__main__"},  # click only
]
TIER = {name: level for level, names in enumerate(TIERS) for name in names}
# Folders of one tier that must still not know each other.
STRANGERS = {
    frozenset({"store", "render"}),
    frozenset({"store", "emulator"}),
    frozenset({"render", "emulator"}),
    frozenset({"shop", "pinterest"}),
    frozenset({"queue", "posting"}),
}
EMULATOR_MAY_IMPORT = {"errors", "clock", "config", "logs", "links"}
THIRD_PARTY_HOMES = {
    "click": {"cli"},
    "dotenv": {"cli"},
    "rich": {"cli", "daemon", "demo"},
    "requests": {"pinterest"},
    "PIL": {"render", "importers", "emulator", "demo", "posting"},
}


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "versions" not in p.parts)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def home(module: str) -> str:
    """The tier-list name of a module: `pinbot.queue.planner` -> `queue`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports_of(path: Path) -> Iterator[tuple[str, int]]:
    """Every module this file imports, at any depth of the syntax tree (functions, TYPE_CHECKING)."""
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base, node.lineno
            for alias in node.names:  # `from pinbot.store import db` imports the module pinbot.store.db
                yield f"{base}.{alias.name}", node.lineno


def graph() -> dict[str, set[str]]:
    known = {module_name(p) for p in modules()}
    edges: dict[str, set[str]] = {}
    for path in modules():
        me = module_name(path)
        targets = edges.setdefault(me, set())
        for name, _ in imports_of(path):
            if name in known and name != me:
                targets.add(name)
    return edges


def test_every_folder_and_leaf_has_a_tier() -> None:
    unknown = sorted({home(module_name(p)) for p in modules()} - set(TIER) - {"__init__"})
    assert unknown == [], f"give these a tier in tests/test_architecture.py and docs/layout.md: {unknown}"


def test_imports_flow_one_way() -> None:
    problems = []
    known = {module_name(p) for p in modules()}
    for path in modules():
        me = home(module_name(path))
        if me == "__init__":
            continue
        for name, line in imports_of(path):
            if name not in known or not name.startswith("pinbot."):
                continue
            target = home(name)
            if target in (me, "__init__"):
                continue
            where = f"{path.relative_to(PACKAGE.parent)}:{line} imports {name}"
            if target == "cli" and me != "__main__":
                problems.append(f"{where} (nothing imports the CLI)")
            elif TIER[target] > TIER[me]:
                problems.append(f"{where} ({me} is below {target})")
            elif TIER[target] == TIER[me] and frozenset({me, target}) in STRANGERS:
                problems.append(f"{where} ({me} and {target} do not know each other)")
            elif me == "emulator" and target not in EMULATOR_MAY_IMPORT:
                problems.append(f"{where} (the emulator stands alone)")
    assert problems == []


def test_no_import_cycles() -> None:
    edges = graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    # a package's __init__ importing its own modules is not a cycle worth naming
    real = [
        c for c in cycles if not any(a.startswith(b + ".") or b.startswith(a + ".") for a, b in itertools.pairwise(c))
    ]
    assert real == [], "\n".join(" -> ".join(c) for c in real)


def test_no_reach_into_private_names_of_other_modules() -> None:
    problems = []
    for path in modules():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pinbot"):
                problems += [
                    f"{path.relative_to(PACKAGE.parent)}:{node.lineno} imports {node.module}.{a.name}"
                    for a in node.names
                    if a.name.startswith("_") and not a.name.startswith("__")
                ]
            elif (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and isinstance(node.value, ast.Name)
                and node.value.id not in ("self", "cls")
                and node.value.id[:1].isupper()  # Class._private from outside the class
            ):
                problems.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} uses {node.value.id}.{node.attr}")
    assert problems == []


def test_third_party_libraries_stay_home() -> None:
    problems = []
    for path in modules():
        me = home(module_name(path))
        for name, line in imports_of(path):
            homes = THIRD_PARTY_HOMES.get(name.split(".")[0])
            if homes is not None and me not in homes:
                problems.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {name.split('.')[0]}")
    assert problems == []


def test_every_module_says_what_it_owns() -> None:
    missing = [
        str(p.relative_to(PACKAGE.parent))
        for p in modules()
        if p.stat().st_size and ast.get_docstring(ast.parse(p.read_text())) is None
    ]
    assert missing == []


def test_modules_stay_small() -> None:
    big = [
        f"{p.relative_to(PACKAGE.parent)} ({n} lines)"
        for p in modules()
        if (n := len(p.read_text().splitlines())) > 400
    ]
    fmt_skips = [str(p.relative_to(PACKAGE.parent)) for p in modules() if "fmt: skip" in p.read_text()]
    assert big == [] and fmt_skips == []


def test_the_service_is_wired_in_one_place() -> None:
    """`pinbot run` and `pinbot demo` both get their daemon from `pinbot.app`, so they cannot drift."""
    builders = ("Daemon(", "Poster(", "Reconciler(", "MetricsService(")
    wired = sorted(
        f"{p.relative_to(PACKAGE.parent)}: {b}"
        for p in modules()
        if p.name != "app.py"
        for b in builders
        if b in p.read_text() and f"class {b[:-1]}" not in p.read_text()
    )
    assert wired == []


def test_stored_values_have_one_owner() -> None:
    """The key/value table is read and written through `pinbot.store.state` only."""
    owners = {"pinbot/store/state.py", "pinbot/store/models.py"}
    reached = sorted(
        str(p.relative_to(PACKAGE.parent))
        for p in modules()
        if "ServiceState" in p.read_text() and str(p.relative_to(PACKAGE.parent)) not in owners
    )
    assert reached == []
