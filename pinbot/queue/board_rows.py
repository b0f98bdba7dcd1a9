"""Board ids for a batch of pins in one read (the queue service creates or updates the rest).

Owns the fast path of finding a board's database row: a row whose name, description and privacy
still match the board's file is used as it is; any other board goes through
`QueueService.board_row`, which creates or updates it.
"""

from __future__ import annotations

from sqlalchemy import select as core_select
from sqlmodel import Session

from pinbot.shop.boards import BoardDef
from pinbot.store.tables import BOARD


def current_board_ids(
    session: Session, account_id: int, boards: dict[str, BoardDef], keys: list[str]
) -> dict[str, int]:
    """Ids of the boards among `keys` whose row matches their file; the others are left out."""
    b = BOARD.c
    rows = session.execute(
        core_select(b["key"], b.id, b.name, b.description, b.privacy).where(
            b.account_id == account_id, b["key"].in_(keys)
        )
    ).all()
    out: dict[str, int] = {}
    for key, board_id, name, about, privacy in rows:
        d = boards.get(key)
        if d is not None and (name, about, privacy) == (d.name, d.description, d.privacy):
            out[key] = int(board_id)
    return out
