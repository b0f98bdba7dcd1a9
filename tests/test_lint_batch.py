"""The lint's quick pass over a batch gives the findings the pin-by-pin pass gives, in its order:
batches with nothing to find but the boards limit (the quick pass answers), and batches with
shorteners, photos twice on a board and copies of photos (it hands over to the pin-by-pin pass)."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest

from pinbot.queue import lint
from pinbot.queue.lint import Finding, findings
from pinbot.queue.lint_batch import quick_findings
from pinbot.queue.photo_index import Fingerprints
from pinbot.shop.rules import ScheduleRules


@dataclass
class P:
    board_id: int
    title: str
    link: str
    image_path: str | None
    template: str | None
    variant_key: str | None
    product_id: int | None
    image_hash: str | None
    id: int | None = None


def photo(n: int, near: int = 0) -> str:
    """A stored fingerprint: photo n, or a copy of it (`near` flips a bit and nudges a colour)."""
    rng = random.Random(n)
    bits = rng.getrandbits(64) ^ (1 << near if near else 0)
    colour = bytes(rng.randrange(40, 200) + (near % 5) for _ in range(12))
    return f"{bits:016x}{colour.hex()}"


LINKS = ["https://shop.example/mug", "https://shop.example/mug?utm_source=x", "https://shop.example/bowl", ""]


def batch(rng: random.Random, size: int, clashes: bool) -> list[P]:
    pins = []
    for i in range(size):
        n = rng.randrange(6) if clashes else i
        pins.append(
            P(
                board_id=rng.randrange(1, 4) if clashes else 1 + i % 12,
                title=f"Pin {i}",
                link=rng.choice(LINKS + (["https://bit.ly/x"] if clashes and rng.random() < 0.1 else [])),
                image_path=f"/photos/p{n}.jpg" if rng.random() < 0.95 else None,
                template=rng.choice([None, "photo-band", "split-block"]),
                variant_key=rng.choice([None, "photo-band", "warm.crop"]),
                product_id=rng.choice([None, None, 7, 8]),
                image_hash=photo(n, near=rng.choice([0, 0, 3]) if clashes else 0),
                id=rng.choice([None, None, 100 + i]),
            )
        )
    return pins


def pin_by_pin(pins: list[P], rules: ScheduleRules, monkeypatch: pytest.MonkeyPatch) -> list[Finding]:
    with monkeypatch.context() as m:
        m.setattr(lint, "quick_findings", lambda *args: None)
        return findings(pins, rules, {1: "mugs"})


@pytest.mark.parametrize("clashes", [False, True])
def test_the_quick_pass_finds_what_the_pin_by_pin_pass_finds(monkeypatch: pytest.MonkeyPatch, clashes: bool) -> None:
    rng = random.Random(5)
    answered = 0
    for size in [0, 1, 2, 5, 20, 60] * 10:
        pins = batch(rng, size, clashes)
        rules = ScheduleRules(max_boards_per_product=rng.choice([1, 2, 3, 10]))
        answered += quick_findings(pins, rules.max_boards_per_product, Fingerprints()) is not None
        assert findings(pins, rules, {1: "mugs"}) == pin_by_pin(pins, rules, monkeypatch)
    # Batches without clashes are answered by the quick pass; with clashes, the big ones are not.
    assert answered == 60 if not clashes else 10 <= answered < 40, answered


def test_a_copy_of_another_photo_of_the_batch_is_left_to_the_pin_by_pin_pass() -> None:
    original = P(1, "Mug", "", "/p/mug.jpg", None, None, None, photo(1))
    copy = P(1, "Mug", "", "/p/mug-small.jpg", None, None, None, photo(1, near=3))
    elsewhere = P(2, "Mug", "", "/p/mug-small.jpg", None, None, None, photo(1, near=3))
    assert quick_findings([original, copy], 10, Fingerprints()) is None
    assert quick_findings([original, elsewhere], 10, Fingerprints()) is None  # it does not look further
    assert findings([original, elsewhere], ScheduleRules(), {1: "mugs"}) == []
    (problem,) = findings([original, copy], ScheduleRules(), {1: "mugs"})
    assert problem.field == "image" and "a copy of /p/mug.jpg" in problem.message


def test_the_boards_limit_counts_one_product_under_several_links() -> None:
    pins = [P(b, "Mug", LINKS[b % 2], f"/p/{b}.jpg", None, None, None, photo(b)) for b in range(1, 5)]
    message = "link shop.example/mug would be on 4 boards; the limit is 3 (schedule.max_boards_per_product)"
    assert quick_findings(pins, 3, Fingerprints()) == [message]
    assert quick_findings(pins, 4, Fingerprints()) == []
