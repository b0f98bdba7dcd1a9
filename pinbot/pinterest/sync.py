"""`boards sync`: make the account's Pinterest boards match `boards/*.toml`, additively.

Owns: reading the account's boards and the ids stored by earlier syncs (the inputs of
`pinbot.shop.boards.plan_sync`, which the caller runs: infrastructure modules do not import each other),
then carrying out that plan: create what is missing, link existing boards by name, never delete or
modify anything on Pinterest, and store every board's Pinterest id in the `Board` table. Each board is stored
right after its own step, so a failure half-way leaves the finished boards linked and a second
run links (rather than re-creates) them. No transaction is held across an API call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import Engine
from sqlmodel import select

from pinbot.pinterest.errors import PinterestError
from pinbot.pinterest.types import PinterestAPI
from pinbot.store.db import session_scope
from pinbot.store.models import Board

log = logging.getLogger(__name__)


class BoardSpec(Protocol):
    """What sync needs of a board definition (`pinbot.shop.boards.BoardDef` fits)."""

    @property
    def key(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def privacy(self) -> str: ...


class PlannedStep(Protocol):
    """One step of `pinbot.shop.boards.plan_sync`: create, link or ok."""

    @property
    def action(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def pinterest_board_id(self) -> str | None: ...


@dataclass(frozen=True)
class SyncResult:
    action: str  # "create" | "link" | "ok"
    key: str
    name: str
    pinterest_board_id: str | None = None


def linked_boards(engine: Engine, account_id: int) -> dict[str, str | None]:
    """Board key -> the Pinterest id stored by an earlier sync."""
    with session_scope(engine) as session:
        rows = session.exec(select(Board).where(Board.account_id == account_id)).all()
        return {row.key: row.pinterest_board_id for row in rows}


def store_board(engine: Engine, account_id: int, board: BoardSpec, pinterest_id: str, now: datetime) -> None:
    """Upsert the board's row with its Pinterest id (the TOML file stays the source of truth)."""
    with session_scope(engine) as session:
        row = session.exec(select(Board).where(Board.account_id == account_id, Board.key == board.key)).first()
        if row is None:
            row = Board(account_id=account_id, key=board.key, name=board.name)
        row.name = board.name
        row.description = board.description
        row.privacy = board.privacy
        row.pinterest_board_id = pinterest_id
        row.synced_at = now
        session.add(row)


def remote_boards(api: PinterestAPI) -> dict[str, str]:
    """Board name -> id of the account's boards (the first board wins when two share a name)."""
    out: dict[str, str] = {}
    for board in api.list_boards():
        name, board_id = board.get("name"), board.get("id")
        if isinstance(name, str) and board_id is not None and name not in out:
            out[name] = str(board_id)
    return out


def apply_sync(
    api: PinterestAPI,
    engine: Engine,
    account_id: int,
    boards: Mapping[str, BoardSpec],
    plan: Sequence[PlannedStep],
    *,
    now: datetime,
    dry_run: bool = False,
    on_step: Callable[[SyncResult], None] | None = None,
) -> list[SyncResult]:
    """Carry out a plan from `pinbot.shop.boards.plan_sync(boards, remote_boards(api), linked_boards(...))`.

    Creates the missing boards and stores every board's id; deletes and modifies nothing on
    Pinterest. A dry run returns the plan unchanged."""
    results: list[SyncResult] = []
    for planned in plan:
        step = SyncResult(planned.action, planned.key, planned.name, planned.pinterest_board_id)
        if dry_run:
            results.append(step)
            continue
        board = boards[step.key]
        if step.action == "create":
            created = api.create_board(board.name, board.description, board.privacy)
            if not created.get("id"):
                raise PinterestError(f"boards sync: Pinterest created {board.name!r} but returned no board id")
            step = SyncResult("create", step.key, step.name, str(created["id"]))
            log.info("created board %s (%s) as %s", board.key, board.name, step.pinterest_board_id)
        assert step.pinterest_board_id is not None
        store_board(engine, account_id, board, step.pinterest_board_id, now)
        results.append(step)
        if on_step is not None:
            on_step(step)
    return results
