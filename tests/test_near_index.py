"""The lint's photo index finds every near copy the pairwise check would find: by colour cell for
photos with a colour (neighbouring cells included), by hash chunk for photos without one."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from pinbot.queue.lint import NearIndex
from pinbot.render.subject import same_picture


@dataclass
class Photo:
    title: str
    board_id: int = 1
    link: str = ""
    image_path: str | None = None
    template: str | None = None
    variant_key: str | None = None
    product_id: int | None = None


def key(path: str) -> tuple[str, str, str]:
    return (path, "", "")


def test_copies_across_a_cell_edge_and_without_colour_are_found() -> None:
    base = (0b1011 << 40, bytes([23] * 12))
    index = NearIndex()
    first = Photo("first")
    index.add(1, key("a.jpg"), base, first)
    for colour, hash_, expected in (
        (bytes([47] * 12), base[0], True),  # 24 apart on every byte, across a cell edge: a copy
        (bytes([48] * 12), base[0], False),  # 25 apart: another photo
        (bytes([23] * 11 + [60]), base[0], False),  # one byte far apart: another photo
        (b"", base[0] ^ 0b111, True),  # no colour, hash 3 bits apart: a copy
        (bytes([23] * 12), base[0] ^ 0b111111, False),  # hash 6 bits apart: another photo
    ):
        h = (hash_, colour)
        assert same_picture(h, base) is expected
        assert (index.find(1, key("b.jpg"), h) is first) is expected, (colour, hash_)
        assert index.find(2, key("b.jpg"), h) is None  # another board


def test_the_first_copy_added_is_the_one_named() -> None:
    index = NearIndex()
    photos = [Photo(str(i)) for i in range(3)]
    for i, photo in enumerate(photos):
        index.add(1, key(f"{i}.jpg"), (1 << 63, bytes([100 + 10 * i] * 12)), photo)
    assert index.find(1, key("new.jpg"), (1 << 63, bytes([115] * 12))) is photos[0]
    blank = NearIndex()
    blank.add(1, key("x.jpg"), (5, b""), photos[2])
    assert blank.find(1, key("y.jpg"), (5, bytes([9] * 12))) is photos[2]


@pytest.mark.parametrize("layouts", [0, 3])
def test_fingerprints_find_every_copy_the_pairwise_check_finds(layouts: int) -> None:
    """`layouts` > 0: every photo's hash is near one of a few (one layout, many colours), so a
    chunk holds photos in many colour cells (the index looks up neighbours, not every cell)."""
    import random

    from pinbot.queue.lint import Fingerprints

    rng = random.Random(7 + layouts)
    shared = [rng.getrandbits(64) for _ in range(layouts)]
    prints: list[tuple[int, bytes]] = []
    for _ in range(400):  # clustered hashes and colours: many near pairs, many near misses
        fresh = rng.choice(shared) if shared else rng.getrandbits(64)
        base = rng.choice(prints) if prints and rng.random() < (0.3 if layouts else 0.7) else (fresh, b"")
        h = base[0] ^ sum(1 << rng.randrange(64) for _ in range(rng.randrange(8)))
        old = base[1] or bytes(rng.randrange(256) for _ in range(12))
        colour = b"" if rng.random() < 0.05 else bytes(min(255, max(0, c + rng.randrange(-30, 31))) for c in old)
        prints.append((h, colour))
    index = Fingerprints()
    for h in prints:
        index.register(h)
    pairs = 0
    for h in prints:
        expected = {other for other in prints if same_picture(h, other)}
        assert set(index.near[h]) == expected
        pairs += len(expected) - 1
    assert pairs > 100


@pytest.mark.parametrize("layouts", [0, 3])
def test_have_copies_answers_as_copies_does(layouts: int) -> None:
    """Many photos asked about at once (the queue's against an import's) get the answers one by one
    would: by the registered photos' neighbouring cells, crowded cells and photos without colour
    included."""
    import random

    from pinbot.queue.lint import Fingerprints

    rng = random.Random(11 + layouts)
    shared = [rng.getrandbits(64) for _ in range(layouts)]

    def photo(base: tuple[int, bytes] | None) -> tuple[int, bytes]:
        h = (base[0] if base else rng.choice(shared) if shared else rng.getrandbits(64)) ^ sum(
            1 << rng.randrange(64) for _ in range(rng.randrange(7))
        )
        old = base[1] if base and base[1] else bytes(rng.randrange(256) for _ in range(12))
        colour = b"" if rng.random() < 0.05 else bytes(min(255, max(0, c + rng.randrange(-30, 31))) for c in old)
        return h, colour

    registered = [photo(None) for _ in range(60)]
    for _ in range(40):  # a crowded cell: many photos of one colour
        registered.append((rng.getrandbits(64), bytes([200] * 12)))
    index = Fingerprints()
    for h in registered:
        index.register(h)
    asked = [photo(rng.choice(registered) if rng.random() < 0.5 else None) for _ in range(400)]
    asked += [(rng.getrandbits(64), bytes([201] * 12)) for _ in range(20)]
    expected = [bool(index.copies(h)) for h in asked]
    assert index.have_copies(asked) == expected
    assert index.have_copies(asked[:50]) == expected[:50]  # fewer asked than registered: one by one
    assert 0 < sum(expected) < len(asked)
