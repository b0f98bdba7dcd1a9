"""`Times` answers as a plain sorted list would: inserts in order and out of order (blocks that
split, the remembered block missed and hit), and both range questions at random instants."""

from __future__ import annotations

import random
from bisect import bisect_right, insort

import pytest

from pinbot.queue.times import Times, push_past


def burst_end_of(ordered: list[int], t: int, span: int, limit: int) -> int | None:
    i = bisect_right(ordered, t - span)
    if i + limit - 1 < len(ordered) and ordered[i + limit - 1] < t + span:
        return ordered[i] + span
    return None


@pytest.mark.parametrize("seed", range(6))
def test_times_answer_as_a_sorted_list(seed: int) -> None:
    rng = random.Random(seed)
    start = rng.randrange(10**9)
    ordered = sorted(start + rng.randrange(10**6) for _ in range(rng.choice([0, 5, 700])))
    times, plain = Times(list(ordered)), list(ordered)
    for n in range(3000):
        # Mostly near the last instant asked about, as a walk asks; sometimes anywhere, or at the end
        if n % 7 == 0:
            at = start + rng.randrange(-1000, 2 * 10**6)
        elif n % 11 == 0:
            at = (plain[-1] if plain else start) + rng.randrange(3)
        else:
            at = start + n * 300 + rng.randrange(-5000, 5000)
        times.insert(at)
        insort(plain, at)
        t = at + rng.randrange(-20_000, 20_000)
        gap, span, limit = rng.choice([0, 1, 50, 4000]), rng.choice([1, 300, 9000]), rng.choice([1, 2, 4, 30])
        assert times.push(t, gap) == push_past(plain, t, gap)
        assert times.burst_end(t, span, limit) == burst_end_of(plain, t, span, limit)
    assert list(times) == plain and len(times) == len(plain)
