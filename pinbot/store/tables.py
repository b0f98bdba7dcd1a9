"""SQLAlchemy Core handles of the tables the metrics, review and experiment queries aggregate over.

Aggregate queries (SUM ... GROUP BY) read better, and type-check, on Core tables than on the
SQLModel classes; this module only names them.
"""

from __future__ import annotations

from sqlalchemy import Table

from pinbot.store.models import (
    AccountMetricDaily,
    Board,
    Experiment,
    ExperimentVariant,
    Loop,
    Pin,
    PinMetricDaily,
    PostAttempt,
    Product,
)

PMD: Table = PinMetricDaily.__table__  # type: ignore[attr-defined]
AMD: Table = AccountMetricDaily.__table__  # type: ignore[attr-defined]
PIN: Table = Pin.__table__  # type: ignore[attr-defined]
BOARD: Table = Board.__table__  # type: ignore[attr-defined]
PRODUCT: Table = Product.__table__  # type: ignore[attr-defined]
EXPERIMENT: Table = Experiment.__table__  # type: ignore[attr-defined]
VARIANT: Table = ExperimentVariant.__table__  # type: ignore[attr-defined]
LOOP: Table = Loop.__table__  # type: ignore[attr-defined]
ATTEMPT: Table = PostAttempt.__table__  # type: ignore[attr-defined]
