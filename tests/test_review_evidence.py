"""The review's advice rests on pins, not pooled impressions: it says "not enough evidence yet"
when that is the truth, flags a result one pin carries, and never goes against an experiment."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from pinbot.review.aggregate import group_pins
from pinbot.review.recommend import ExperimentFinding, recommend
from pinbot.review.types import DIMENSIONS, PinRow, Recommendation, Totals

POSTED = datetime(2026, 3, 2, 15, tzinfo=UTC)


def _pins(spec: dict[str, list[tuple[int, int]]]) -> list[PinRow]:
    """design -> per pin (impressions, outbound clicks), spread over two boards."""
    out = []
    for design, pins in spec.items():
        for i, (shown, clicks) in enumerate(pins):
            n = len(out)
            out.append(
                PinRow(n, f"pin {n}", f"board-{i % 2}", design, n % 3, f"product {n % 3}", POSTED,
                       Totals(shown, shown // 50, clicks * 2, clicks, 1))
            )  # fmt: skip
    return out


def _advice(pins: list[PinRow], experiments: tuple[ExperimentFinding, ...] = ()) -> list[Recommendation]:
    shop = Totals()
    for p in pins:
        shop.add(p.totals)
    groups = {dim: group_pins(pins, dim, ZoneInfo("UTC")) for dim in DIMENSIONS}
    return [r for r in recommend(shop, groups, [], [], experiments) if r.kind != "start"]


STEADY = {
    "photo-band": [(2000, 30), (2100, 33), (1900, 27), (2000, 31), (2050, 29)],
    "split-block": [(2000, 10), (2000, 9), (1950, 11), (2100, 10), (2000, 10)],
    "text-forward": [(2000, 20), (2000, 21), (2000, 19), (2000, 20), (2000, 20)],
}


def test_a_steady_difference_gets_stop_and_continue() -> None:
    kinds = {(r.kind, r.subject) for r in _advice(_pins(STEADY))}
    assert ("stop", "Split block") in kinds and ("continue", "Photo band") in kinds


def test_a_difference_one_pin_carries_is_not_enough_evidence_yet() -> None:
    # split-block's pooled rate is half the shop's, but one pin holds most of its impressions:
    # pooled Wilson intervals would say "stop"; pin by pin it is one pin's story.
    spec = dict(STEADY) | {"split-block": [(30_000, 150), (800, 16), (700, 14), (900, 17)]}
    advice = _advice(_pins(spec))
    assert not any(r.kind == "stop" and r.subject == "Split block" for r in advice)
    (wait,) = [r for r in advice if r.kind == "wait" and r.subject == "Split block"]
    assert (
        wait.text.startswith("Not enough evidence yet on design “Split block”")
        and "one pin carries most of it" in wait.text
    )
    assert wait.numbers["carried_by_one_pin"] is True


def test_pins_that_disagree_widen_the_interval_into_not_enough_evidence() -> None:
    spec = dict(STEADY) | {"split-block": [(2000, 0), (2000, 35), (2000, 1), (2000, 2), (2000, 1)]}
    advice = _advice(_pins(spec))
    (wait,) = [r for r in advice if r.subject == "Split block"]
    assert wait.kind == "wait" and "its pins differ too much to tell" in wait.text


def test_advice_never_goes_against_an_experiment() -> None:
    pins = _pins(STEADY)
    tied = ExperimentFinding("bands", ("photo-band", "split-block"), "no_difference")
    advice = _advice(pins, (tied,))
    assert not any(r.subject in ("Photo band", "Split block") and r.kind in ("stop", "continue") for r in advice)
    running = ExperimentFinding("bands", ("photo-band", "split-block"), "collecting")
    (wait,) = [r for r in _advice(pins, (running,)) if r.subject == "experiment bands"]
    assert wait.kind == "wait" and "experiment “bands” is comparing them" in wait.text
    # After a win only verdict-consistent advice: the loser may be stopped, the winner continued.
    won = ExperimentFinding("bands", ("photo-band", "split-block"), "winner", "photo-band")
    kinds = {(r.kind, r.subject) for r in _advice(pins, (won,))}
    assert ("stop", "Split block") in kinds and ("continue", "Photo band") in kinds
    lost = ExperimentFinding("bands", ("photo-band", "split-block"), "winner", "split-block")
    kinds = {(r.kind, r.subject) for r in _advice(pins, (lost,))}
    assert not kinds & {("stop", "Split block"), ("continue", "Photo band")}


def test_a_design_on_one_board_reads_as_a_sentence() -> None:
    # "Not enough evidence yet on design “Split block” to board …" read as a slip: on a board.
    spec = dict(STEADY) | {"text-forward": [(2000, 5), (2000, 40)] * 4}
    (pair,) = [r for r in _advice(_pins(spec)) if r.subject == "Split block on board-0"]
    assert pair.text.startswith("Not enough evidence yet on design “Split block” on board board-0: ")
