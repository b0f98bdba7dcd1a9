"""The documentation keeps up with the code: every CLI command is in the README, every repository
path the README and docs/ name exists, and code cites only design documents in docs/."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from pinbot.cli import main

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
DOCS = REPO / "docs"


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    # Through list_commands/get_command, as `--help` does: the group loads its commands lazily.
    ctx = click.Context(group, info_name=" ".join(("pinbot", *prefix)))
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, f"pinbot {' '.join((*prefix, name))} is listed but cannot be loaded"
        if command.hidden:
            continue
        path = (*prefix, name)
        yield path
        if isinstance(command, click.Group):
            yield from _commands(command, path)


COMMANDS = [" ".join(path) for path in _commands(main)]


def test_the_walk_finds_nested_commands() -> None:
    # Guards the walk itself: a group's subcommands are listed, not just the group.
    assert "queue add" in COMMANDS
    assert "queue" in COMMANDS
    assert len(COMMANDS) >= 30


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_in_the_readme(command: str) -> None:
    # "pinbot products import" must not be satisfied by "pinbot products import-feed".
    pattern = re.compile(r"\bpinbot " + re.escape(command) + r"(?![\w-])")
    assert pattern.search(README.read_text(encoding="utf-8")), (
        f"`pinbot {command}` is not in README.md; add it to the Command reference table"
    )


def _doc_files() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


# A repository path written out in prose or code spans: pinbot/..., tests/..., bench/..., docs/...
_REPO_PATH = re.compile(r"(?<![\w./:-])((?:pinbot|tests|bench|docs|examples|boards|assets)/[\w./-]*[\w/])")
_MD_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
# The owner's own shop files (`pinbot init` writes them; .gitignore keeps them out of the repository).
_OWNER_FILES = ("boards/*.toml", "assets/brand.toml", "assets/logo.*")


@pytest.mark.parametrize("doc", _doc_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_paths_named_in_the_docs_exist(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    missing = sorted(
        {
            m
            for m in _REPO_PATH.findall(text)
            if not (REPO / m).exists() and not any(fnmatch.fnmatch(m, pat) for pat in _OWNER_FILES)
        }
    )
    for target in _MD_LINK.findall(text):
        if "://" in target or target.startswith("mailto:"):
            continue
        if not (doc.parent / target).resolve().exists():
            missing.append(f"link {target}")
    assert missing == [], f"{doc.relative_to(REPO)} names paths that do not exist: {missing}"


def test_the_docs_index_lists_every_page() -> None:
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    pages = [p.name for p in sorted(DOCS.glob("*.md")) if p.name != "README.md"]
    assert pages, "docs/ has no pages"
    assert [p for p in pages if f"]({p})" not in index] == []


# Design documents that live outside the repository; code must not send a reader there.
_OUTSIDE = re.compile(
    r"\.\./shared|\bshared/|/ [\"']shared[\"']|\bshared (?:" + "RELIABILITY|FACTS|ARCHITECTURE" + r")"
    r"|\b(?:" + "RELIABILITY|FACTS|ARCHITECTURE|COMPETITORS" + r")\.md"
)
_DOCS_CITE = re.compile(r"\bdocs/([\w-]+\.md)")


def _code_files() -> list[Path]:
    here = Path(__file__).resolve()
    return [p for d in ("pinbot", "tests", "bench") for p in sorted((REPO / d).rglob("*.py")) if p != here]


def test_code_cites_only_documents_in_the_repository() -> None:
    outside, broken = [], []
    for path in _code_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            where = f"{path.relative_to(REPO)}:{number}"
            if _OUTSIDE.search(line):
                outside.append(f"{where}: {line.strip()}")
            broken += [f"{where}: docs/{name}" for name in _DOCS_CITE.findall(line) if not (DOCS / name).exists()]
    assert outside == [], "cite a page in docs/ (or tests/data/pinterest/) instead:\n" + "\n".join(outside)
    assert broken == [], "these docs/ pages do not exist:\n" + "\n".join(broken)


def test_the_outside_citation_check_has_teeth() -> None:
    assert _OUTSIDE.search("see shared " + "RELIABILITY.md for the transitions")
    assert _OUTSIDE.search("(" + "FACTS.md §3)")
    assert _OUTSIDE.search('SHARED = REPO.parent / "shared"')  # nor may a test load files from there
    assert _OUTSIDE.search("Small builders shared by tests") is None
