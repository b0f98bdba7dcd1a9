"""The index of photo fingerprints the lint asks "is this photo a copy of one seen before?".

Owns `Fingerprints`: distinct fingerprints, each with the copies of it found so far, looked up by
colour cell and hash chunk so that a photo is compared with the few that could be its copy, not
with every photo of the queue (see `pinbot.render.subject.same_picture` for what a copy is).
"""

from __future__ import annotations

from collections.abc import Sequence

from pinbot.render.subject import NEAR_DUPLICATE_BITS, NEAR_DUPLICATE_COLOUR, same_picture

# Pigeonhole: two 64-bit hashes within NEAR_DUPLICATE_BITS bits agree exactly on at least one of
# NEAR_DUPLICATE_BITS + 1 chunks, so looking up each chunk finds every near-duplicate.
_CHUNKS = NEAR_DUPLICATE_BITS + 1
_EDGES = [round(64 * i / _CHUNKS) for i in range(_CHUNKS + 1)]


def _chunks(h: int) -> list[int]:
    """The hash's chunks, each with its position in the low bits (ints hash faster than pairs)."""
    return [((h >> low) & mask) << _CHUNK_BITS | i for i, low, mask in _SPANS]


_CHUNK_BITS = _CHUNKS.bit_length()
_SPANS = [(i, _EDGES[i], (1 << (_EDGES[i + 1] - _EDGES[i])) - 1) for i in range(_CHUNKS)]

# Photos of one layout (a product on a white background) share most of their hash, so a chunk alone
# finds thousands of candidates; the colour tells them apart. Cells are twice the colour tolerance
# wide, so a copy's colour byte lies in the cell of (byte - tolerance) or of (byte + tolerance):
# two cells to look in per byte indexed (the red, green and blue of the top two quarters).
_CELL = 2 * NEAR_DUPLICATE_COLOUR
_CELL_BYTES = (0, 1, 2, 3, 4, 5)
# A cell is one int, three bits a byte indexed: a byte's cell number plus one (0 for the cell below
# cell 0 that (byte - tolerance) may fall in); 255 // _CELL + 2 must fit in the three bits.
_BITS = 3
_SIDES = [
    tuple(dict.fromkeys((((b - NEAR_DUPLICATE_COLOUR) // _CELL + 1), ((b + NEAR_DUPLICATE_COLOUR) // _CELL + 1))))
    for b in range(256)
]
assert (255 + NEAR_DUPLICATE_COLOUR) // _CELL + 1 < 1 << _BITS

Fingerprint = tuple[int, bytes]
_CROWDED = 16  # photos in one colour cell above which their hashes are looked up by chunk


def _cell(colour: bytes) -> int | None:
    if len(colour) != 12:
        return None
    return _packed(_OWN, colour)


def _near_cells(colour: bytes) -> list[int]:
    """Every cell that may hold a colour within NEAR_DUPLICATE_COLOUR of this one: the cell of
    each byte's lower side, plus each choice of upper sides (an import asks for every photo)."""
    lower = _packed(_LOW, colour)
    return [lower + up for up in _UPPERS]


def _packed(tables: list[list[int]], colour: bytes) -> int:
    """The sum of each indexed byte's field, looked up in its place's table (written out: an
    import asks twice for every photo)."""
    return (
        tables[0][colour[0]]
        + tables[1][colour[1]]
        + tables[2][colour[2]]
        + tables[3][colour[3]]
        + tables[4][colour[4]]
        + tables[5][colour[5]]
    )


# A byte's two sides are neighbouring cells: (byte - tolerance) and (byte + tolerance) are one cell
# width apart. A byte's field in a cell never carries into the next one (its upper side is at most
# 6 < 8), so a cell is the sum of its bytes' fields, each looked up in a table per place.
assert all(len(sides) == 2 and sides[1] == sides[0] + 1 for sides in _SIDES)
_OWN = [[(b // _CELL + 1) << (_BITS * shift) for b in range(256)] for shift in range(len(_CELL_BYTES))]
_LOW = [[_SIDES[b][0] << (_BITS * shift) for b in range(256)] for shift in range(len(_CELL_BYTES))]
# Each choice of upper sides, the first byte's choice varying slowest (the order of the cells as
# the index has always looked them up).
_UPPERS = [
    sum(1 << (_BITS * shift) for shift in range(len(_CELL_BYTES)) if pick >> (len(_CELL_BYTES) - 1 - shift) & 1)
    for pick in range(1 << len(_CELL_BYTES))
]
assert _CELL_BYTES == (0, 1, 2, 3, 4, 5)  # the tables index the colour's first six bytes


class Fingerprints:
    """Distinct photo fingerprints and, for each, every fingerprint of a copy of it (itself
    included). Whether two photos are copies does not depend on the board or the pin, so it is
    worked out once per distinct photo, looked up by colour cell and hash chunk."""

    def __init__(self) -> None:
        self.near: dict[Fingerprint, list[Fingerprint]] = {}
        # Cell first: most of a photo's 64 neighbouring cells are empty or hold a few photos, whose
        # hashes are compared at once; a crowded cell is looked into by the photo's hash chunks.
        self._coloured: dict[int, list[Fingerprint]] = {}  # cell: its photos
        self._crowded: dict[int, dict[int, list[Fingerprint]]] = {}  # cell -> chunk
        self._blank: dict[int, list[Fingerprint]] = {}  # chunk: no colour
        self._every: dict[int, list[Fingerprint]] = {}  # chunk: every photo

    def candidates(self, h: Fingerprint, own: list[int] | None = None) -> set[Fingerprint]:
        """Every registered fingerprint that may be a copy of h (a superset; same_picture decides).
        `own`: h's chunks, when the caller has them."""
        found: set[Fingerprint] = set()
        every = self._every
        chunks = [chunk for chunk in (own or _chunks(h[0])) if chunk in every]  # most photos share none
        if not chunks:
            return found
        if len(h[1]) != 12:  # no colour: a copy is anything with a close hash
            for chunk in chunks:
                found.update(every[chunk])
            return found
        if self._blank:
            for chunk in chunks:
                found.update(self._blank.get(chunk, ()))
        bits = h[0]
        pool: list[Fingerprint] = []  # the photos of the few cells, filtered in one pass
        # The 64 cells looked up in one `map` and the empty ones dropped in one `filter`: most are
        # empty, and a loop over them was most of registering an import's photos.
        for prints in filter(None, map(self._coloured.get, _near_cells(h[1]))):
            if len(prints) <= _CROWDED:
                pool += prints
            else:
                by_chunk = self._crowded[_packed(_OWN, prints[0][1])]  # the cell of its photos
                for chunk in chunks:
                    found.update(by_chunk.get(chunk, ()))
        found.update([o for o in pool if (bits ^ o[0]).bit_count() <= NEAR_DUPLICATE_BITS])
        return found

    def copies(self, h: Fingerprint, own: list[int] | None = None) -> list[Fingerprint]:
        """The registered fingerprints that are copies of h (h itself when registered)."""
        return [other for other in self.candidates(h, own) if same_picture(h, other)]

    def have_copies(self, hs: Sequence[Fingerprint]) -> list[bool]:
        """For each of hs, whether a registered fingerprint is a copy of it (`copies(h)` not empty).
        With more photos to ask about than are registered (the queue's photos against an import's),
        each registered photo is listed once under every cell near its colour, and a photo looks in
        its own cell: one lookup instead of 64."""
        if len(hs) <= len(self.near):
            return [bool(self.copies(h)) for h in hs]
        around: dict[int, list[Fingerprint]] = {}
        blank: list[Fingerprint] = []  # no colour: a copy of anything with a close hash
        for other in self.near:
            if _cell(other[1]) is None:
                blank.append(other)
                continue
            for near in _near_cells(other[1]):
                around.setdefault(near, []).append(other)
        out: list[bool] = []
        for h in hs:
            cell = _cell(h[1])
            pool = around.get(cell, ()) if cell is not None else None
            # No colour, or a cell crowded past what the index compares one by one: the index's way.
            if pool is None or len(pool) > 4 * _CROWDED:
                out.append(bool(self.copies(h)))
                continue
            bits = h[0]
            out.append(
                any((bits ^ o[0]).bit_count() <= NEAR_DUPLICATE_BITS and same_picture(h, o) for o in pool)
                or any(same_picture(h, o) for o in blank)
            )
        return out

    def register(self, h: Fingerprint) -> list[Fingerprint]:
        """Add h (once) and return its copies, itself included."""
        near = self.near.get(h)
        if near is not None:
            return near
        chunks = _chunks(h[0])
        near = self.copies(h, chunks)
        for other in near:
            self.near[other].append(h)
        near.append(h)
        self.near[h] = near
        cell = _cell(h[1])
        for chunk in chunks:
            self._every.setdefault(chunk, []).append(h)
            if cell is None:
                self._blank.setdefault(chunk, []).append(h)
        if cell is not None:
            prints = self._coloured.setdefault(cell, [])
            prints.append(h)
            if len(prints) > _CROWDED:
                if cell not in self._crowded:
                    self._crowded[cell] = {}
                    for other in prints[:-1]:
                        self._index(cell, other)
                self._index(cell, h)
        return near

    def _index(self, cell: int, h: Fingerprint) -> None:
        by_chunk = self._crowded[cell]
        for chunk in _chunks(h[0]):
            by_chunk.setdefault(chunk, []).append(h)
