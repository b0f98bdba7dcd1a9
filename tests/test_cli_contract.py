"""The command names other tools rely on exist, every command has --help, and every listing
command takes --json."""

from __future__ import annotations

from click.testing import CliRunner

from pinbot.cli import all_commands, main

CONTRACT = [
    "init",
    "auth login",
    "auth status",
    "auth refresh",
    "boards list",
    "boards sync",
    "queue add",
    "queue import",
    "queue list",
    "queue show",
    "queue cancel",
    "queue retry",
    "render",
    "run",
    "metrics pull",
    "report",
    "demo",
    "doctor",
]
LISTINGS = ["boards list", "queue list", "queue show", "auth status", "report", "doctor"]


def test_contract_commands_exist() -> None:
    commands = all_commands()
    assert [c for c in CONTRACT if c not in commands] == []


def test_every_command_has_help() -> None:
    runner = CliRunner()
    for path, cmd in all_commands().items():
        result = runner.invoke(main, [*path.split(), "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage:" in result.output
        assert cmd.help or cmd.short_help, f"`pinbot {path}` has no help text"


def test_listing_commands_take_json() -> None:
    commands = all_commands()
    for path in LISTINGS:
        if path in commands:
            names = {p.name for p in commands[path].params}
            assert "as_json" in names, f"`pinbot {path}` lacks --json"
