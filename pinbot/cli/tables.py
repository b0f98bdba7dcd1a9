"""Plain text tables that fit the terminal (80 columns when piped or in a file).

Columns take the width of their longest cell; when the line would not fit, the `extra` columns
go (they show only when everything fits whole), then the columns that may shrink do so, and the
one `flex` column (a title) takes the room left, its cells cut after a whole word with "…"
(`words.clip`); a column with `drop` goes only when even that does not fit (the highest number
first). A wider terminal shows more. Lines never end in spaces.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pinbot.words import clip

GAP = "  "


@dataclass(frozen=True)
class Column:
    header: str
    right: bool = False
    flex: bool = False  # takes the room left (at least `least`, at most `most`)
    drop: int = 0  # 0: always shown; a higher number is left out first when even shrunk it would not fit
    extra: bool = False  # shown only when every column fits whole (a title is never cut for it)
    least: int = 0  # a flex or shrinking column is never narrower than this (0: never shrinks)
    most: int = 0  # a flex column's widest (0: as wide as its longest cell)


class Layout:
    """The columns kept and their widths, chosen from some rows; then any rows print with it."""

    def __init__(self, columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int) -> None:
        natural = [max([len(c.header), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]
        for i, c in enumerate(columns):
            if c.flex and c.most:
                natural[i] = min(natural[i], max(c.most, len(c.header)))
        keep = list(range(len(columns)))

        def least(i: int) -> int:
            c = columns[i]
            return min(natural[i], max(c.least, len(c.header))) if (c.flex or c.least) else natural[i]

        def need(ids: list[int], size: Callable[[int], int]) -> int:
            return sum(size(i) for i in ids) + len(GAP) * (len(ids) - 1)

        if need(keep, natural.__getitem__) > width:
            keep = [i for i in keep if not columns[i].extra]
        while need(keep, least) > width and any(columns[i].drop for i in keep):
            worst = max((i for i in keep if columns[i].drop), key=lambda i: (columns[i].drop, i))
            keep.remove(worst)
        widths = {i: natural[i] for i in keep}
        over = sum(widths.values()) + len(GAP) * (len(keep) - 1) - width
        # The columns that may shrink give up room first (down to their least), the title last.
        for i in sorted(keep, key=lambda i: (columns[i].flex, -i)):
            if over <= 0:
                break
            if columns[i].least or columns[i].flex:
                give = min(over, widths[i] - least(i))
                widths[i] -= give
                over -= give
        self.columns = [columns[i] for i in keep]
        self.keep = keep
        self.widths = [widths[i] for i in keep]

    def line(self, cells: Sequence[str]) -> str:
        parts = []
        for column, i, width in zip(self.columns, self.keep, self.widths, strict=True):
            text = cells[i] if len(cells[i]) <= width else clip(cells[i], width)
            parts.append(text.rjust(width) if column.right else text.ljust(width))
        return GAP.join(parts).rstrip()

    def header(self) -> str:
        return self.line([c.header for c in self.all_columns()])

    def all_columns(self) -> list[Column]:
        # header cells are looked up by the original index, like a row's
        out: dict[int, Column] = dict(zip(self.keep, self.columns, strict=True))
        return [out.get(i, Column("")) for i in range(max(self.keep) + 1)]


def table(columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int) -> list[str]:
    """The header and the rows, fitted to `width` columns."""
    layout = Layout(columns, rows, width)
    return [layout.header(), *(layout.line(r) for r in rows)]


def hanging(label: str, text: str, width: int | None) -> str:
    """`label` and `text` wrapped to `width`, the lines after the first indented under the text;
    a link or a path is never broken. `width` None: one line (a pipe or a log greps it whole)."""
    if width is None or len(label) + len(text) <= width:
        return label + text
    lines = textwrap.wrap(
        text,
        width,
        initial_indent=label,
        subsequent_indent=" " * len(label),
        break_long_words=False,
        break_on_hyphens=False,
    )
    return "\n".join(lines) or label.rstrip()
