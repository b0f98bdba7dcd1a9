"""How to act on each recommendation: the board file and key to change, or the command to run.

The review says what the numbers show; this module adds the step an owner takes next, from the
shop's own board files (which boards draw a design by default), so "Stop design X" comes with
"change `default_template` in boards/ceramics.toml" rather than leaving the owner to guess.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path

from pinbot.render.names import design_name, design_template
from pinbot.review.recommend import product_action
from pinbot.review.types import Group, Recommendation
from pinbot.shop.boards import BoardDef


def _file(board: BoardDef) -> str:
    path = board.path or Path("boards") / f"{board.key}.toml"
    return f"{path.parent.name}/{path.name}"


def _files(boards: Sequence[BoardDef]) -> str:
    return ", ".join(_file(b) for b in boards)


def _best_template(groups: Mapping[str, list[Group]], avoid: str | None) -> str | None:
    for g in groups.get("design", []):
        template = design_template(g.key)
        if g.rank is not None and template and template != avoid:
            return template
    return None


def action_for(rec: Recommendation, boards: Mapping[str, BoardDef], groups: Mapping[str, list[Group]]) -> str:
    numbers = rec.numbers
    dim, key = str(numbers.get("dimension", "")), str(numbers.get("key", ""))
    if rec.kind == "continue" and "experiment" in numbers:
        return ""  # the experiment's own sentence already names the command
    if dim in ("design", "design_board"):
        design, _, board_key = key.partition("|")
        template = design_template(design)
        scope = [boards[board_key]] if board_key in boards else list(boards.values())
        using = [b for b in scope if template and b.default_template == template]
        others = [b for b in scope if template and b.default_template != template]
        if rec.kind == "stop":
            best = _best_template(groups, template)
            instead = f' to "{best}" ({design_name(best)}) or another design' if best else " to another design"
            if using:
                return (
                    f'Change `default_template = "{template}"` in {_files(using)}{instead}; pins already queued '
                    "keep their design: see them with `pinbot queue list` and cancel with `pinbot queue cancel ID`."
                )
            return (
                f"No board draws “{design_name(design)}” by default (it came from an experiment or "
                "`pinbot queue add --template`): leave it out of new pins and experiments."
            )
        if rec.kind == "continue":
            if others:
                return (
                    f'To use it on more pins, set `default_template = "{template}"` in {_files(others)}; '
                    "`pinbot queue plan` shows what is coming."
                )
            return f"It is already the default of {_files(using)}: keep it." if using else ""
        if rec.kind == "change":
            where = f" on board {board_key}" if board_key else ""
            return (
                f"Rewrite the titles and descriptions of these pins{where} with a clear reason to visit, and "
                "check the link opens the product: `pinbot queue list` and `pinbot queue show ID`."
            )
    if dim == "board":
        board = boards.get(key)
        file = _file(board) if board else f"boards/{key}.toml"
        if rec.kind == "stop":
            return (
                f"Queue fewer pins to it (`pinbot queue list --board {shlex.quote(key)}` shows what is coming), "
                f"or sharpen its name, description and keywords in {file}."
            )
        if rec.kind == "continue":
            return f"Keep feeding it: `pinbot queue add --board {shlex.quote(key)} --product KEY`."
        if rec.kind == "change":
            return f"Check the `[link]` settings in {file} and that its pins lead to the product they show."
    if dim in ("hour", "weekday"):
        return (
            "Make sure the `windows` under `[schedule]` in pinbot.toml include it, then check the coming "
            "schedule with `pinbot queue plan`."
        )
    if "product_id" in numbers:
        return product_action(
            str(numbers.get("product") or numbers["product_id"]), numbers.get("has_photo") is not False
        )
    if "untried" in numbers:
        untried = [str(d) for d in numbers["untried"]]
        leader = numbers.get("leader")
        variants = ",".join([*([str(leader)] if leader else []), untried[0]])
        return (
            f"`pinbot experiment create --name try-{untried[0]} --products KEY1,KEY2 --variants {variants}` "
            "(use products with plenty of views)."
        )
    return ""


def attach_actions(
    recs: Sequence[Recommendation], boards: Mapping[str, BoardDef], groups: Mapping[str, list[Group]]
) -> None:
    for rec in recs:
        if not rec.action:
            rec.action = action_for(rec, boards, groups)
