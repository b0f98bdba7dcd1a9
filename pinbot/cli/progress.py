"""The one progress display of the CLI: bars on a terminal, nothing at all in a pipe or a log.

Long commands (imports, the metrics pull, render batches, the demo) take a callback from here and
hand it to the service doing the work, which never knows how (or whether) progress is shown.
A command with one bar calls `advance(n)` or `update(done, total)`; the demo shows one bar per stage
with `stage(name, done, total)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

__all__ = ["Bars", "progress"]

Detail = Callable[[str, int, int | None], str]


def _count(_stage: str, done: int, total: int | None) -> str:
    return f"{done}/{total}" if total else str(done)


class Bars:
    """Bars of one command; each stage (or the command's label) has its own."""

    def __init__(self, bar: Progress, label: str, titles: Mapping[str, str], detail: Detail) -> None:
        self._bar = bar
        self._label = label
        self._titles = titles
        self._detail = detail
        self._tasks: dict[str, TaskID] = {}
        self._done: dict[str, int] = {}

    def _task(self, stage: str, total: int | None) -> TaskID:
        if stage not in self._tasks:
            title = self._titles.get(stage, stage)
            self._tasks[stage] = self._bar.add_task(title, total=total, detail="")
            self._done[stage] = 0
        return self._tasks[stage]

    def stage(self, name: str, done: int, total: int | None) -> None:
        """Stage `name` has done `done` of `total` (None: not known yet)."""
        task = self._task(name, total)
        self._done[name] = done
        self._bar.update(task, completed=done, total=total, detail=self._detail(name, done, total))

    def update(self, done: int, total: int | None) -> None:
        self.stage(self._label, done, total)

    def advance(self, n: int = 1) -> None:
        task = self._task(self._label, None)  # made first: `tasks` is a copy taken when read
        total = next(t.total for t in self._bar.tasks if t.id == task)
        self.update(self._done[self._label] + n, int(total) if total is not None else None)


@contextmanager
def progress(
    console: Console,
    label: str,
    *,
    enabled: bool,
    titles: Mapping[str, str] | None = None,
    detail: Detail = _count,
    keep: bool = False,
) -> Iterator[Bars | None]:
    """Bars on `console` while the block runs, or None when `enabled` is false (stderr is not a
    terminal): callers pass `bars.advance if bars else None` to the work. `keep` leaves the finished
    bars on screen (the demo's stages); otherwise they vanish when done."""
    if not enabled:
        yield None
        return
    bar = Progress(
        SpinnerColumn(finished_text="[green]✓[/green]"),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        console=console,
        transient=not keep,
    )
    with bar:
        yield Bars(bar, label, titles or {}, detail)
