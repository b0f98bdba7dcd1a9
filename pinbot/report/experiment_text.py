"""Experiments in a shop owner's words: what happened, in views and visits, and what to do next.

The verdict itself (when it is reached, whether a design won) belongs to `pinbot.experiments`;
this module only says it plainly: "after 9,866 views per design, Photo band and Text forward are
too close to call; a real 2x difference would have shown 77% of the time". A test that found no
winner has taught something (the designs do not differ by that much), so it is never a failure.
"""

from __future__ import annotations

from typing import Any

from pinbot.experiments.status import ExperimentStatus, apply_command
from pinbot.render.names import design_name
from pinbot.stats import achieved_power

OUTCOME_LABELS = {
    "collecting": "collecting",
    "winner": "winner",
    "no_difference": "too close to call",
    "inconclusive": "ran out of time",
}
# What the metric counts, as "N% of viewers ...".
METRIC_WORDS = {
    "outbound_click_rate": ("visited the shop", "visits"),
    "save_rate": ("saved the pin", "saves"),
    "pin_click_rate": ("opened the pin", "pin clicks"),
}


def _pct(value: float) -> str:
    return f"{value * 100:.2f}%" if value < 0.1 else f"{value * 100:.1f}%"


def lift_words(lift: float) -> str:
    """0.3 -> "30%", 1.0 -> "2×": a difference as an owner would say it."""
    if lift >= 0.95:
        times = 1 + lift
        return f"{times:.0f}×" if abs(times - round(times)) < 0.05 else f"{times:.1f}×"
    return f"{lift * 100:.0f}%"


def label(outcome: str) -> str:
    return OUTCOME_LABELS.get(outcome, outcome.replace("_", " "))


def views_per_design(e: ExperimentStatus) -> int:
    return min((x.counts.trials for x in e.variants), default=0)


def names(e: ExperimentStatus) -> str:
    """ "Photo band and Text forward", "A, B and C"."""
    return _and([f"“{design_name(x.design)}”" for x in e.variants])


def power(e: ExperimentStatus) -> float | None:
    """The chance this sample had to show a real difference of the planned size (None: not known)."""
    lift = float(e.plan.get("lift") or 0.0)
    trials = views_per_design(e)
    hits = sum(x.counts.successes for x in e.variants)
    shown = sum(x.counts.trials for x in e.variants)
    if lift <= 0 or shown == 0 or hits == 0:
        return None
    v = e.verdict
    effect = max(v.test_design_effect, v.dispersion, 1.0)
    alpha = v.alpha / max(1, len(e.variants) - 1)
    return achieved_power(hits / shown, lift, trials / effect, alpha)


def _after(e: ExperimentStatus) -> str:
    """ "After 9,866 views per design", or each design's own count when they differ by over a fifth."""
    views = [x.counts.trials for x in e.variants]
    if not views or max(views) <= 1.2 * min(views):
        return f"After {min(views, default=0):,} views per design"
    return "After " + _and([f"{x.counts.trials:,} views of “{design_name(x.design)}”" for x in e.variants])


def _and(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def verdict_sentence(e: ExperimentStatus) -> str:
    """One sentence: where the test stands or what it found."""
    n = views_per_design(e)
    did, _events = METRIC_WORDS.get(e.metric, (e.metric.replace("_", " "), "events"))
    rates = e.verdict.rates
    if e.outcome == "collecting":
        share = n / max(e.planned, 1)
        return (
            f"{n:,} of the planned {e.planned:,} views per design so far ({share:.0%}); the verdict comes once, "
            "when every design has them, so an early lead cannot mislead you."
        )
    if e.outcome == "winner" and e.verdict.winner:
        win = next((x for x in e.variants if x.key == e.verdict.winner), None)
        others = [x for x in e.variants if x.key != e.verdict.winner]
        if win is None or not others:
            return f"“{design_name(e.winner_design)}” won after {n:,} views per design."
        w = rates[win.key].value
        rest = max(rates[x.key].value for x in others)
        times = f"{w / rest:.1f}× as many" if rest > 0 else "more"
        against = " and ".join(f"“{design_name(x.design)}” ({_pct(rates[x.key].value)})" for x in others)
        return (
            f"“{design_name(win.design)}” won: {_after(e).replace('After', 'after', 1)}, {_pct(w)} of viewers {did} "
            "against "
            f"{against}, {times}; a gap this size is very unlikely to be luck."
        )
    if e.outcome == "no_difference":
        chance = power(e)
        lift = float(e.plan.get("lift") or 0.0)
        after = _after(e)
        who = names(e) if "per design" in after else ("the two" if len(e.variants) == 2 else "the designs")
        head = f"{after}, {who} are too close to call"
        shares = [_pct(rates[x.key].value) for x in e.variants if x.key in rates]
        head += f" ({_and(shares)} of viewers {did})" if shares else ""
        if chance is None or lift <= 0:
            return head + "."
        return f"{head}; a real {lift_words(lift)} difference would have shown {chance:.0%} of the time."
    return (
        f"The test ran out of time after {n:,} of the planned {e.planned:,} views per design: too few to tell "
        f"{names(e)} apart."
    )


def next_step(e: ExperimentStatus) -> str:
    """What the owner can do now."""
    if e.outcome == "collecting":
        return "Nothing to do: pinbot posts the test pins and judges once the views are in."
    if e.outcome == "winner" and e.winner_design:
        if e.auto_apply:
            return f"Future pins of these products use “{design_name(e.winner_design)}”."
        return f"Use it for these products: `{apply_command(e.name)}`."
    if e.outcome == "no_difference":
        chance = power(e)
        if chance is not None and chance >= 0.8:
            return (
                "The design is not what moves people here: keep whichever you like and test something bigger "
                "next (the photo, the title or the board)."
            )
        return (
            "A smaller difference could still be hiding; to settle it, run the test again on more products or "
            "boards (`pinbot experiment create`)."
        )
    return "Run it again with more products or boards, or a longer horizon, so it can reach its sample."


def experiment_dict(e: ExperimentStatus) -> dict[str, Any]:
    """The experiment's JSON with the designs' names and the plain sentences beside the ids."""
    out = e.as_dict()
    out["winner_design_name"] = design_name(e.winner_design) if e.winner_design else None
    for variant in out.get("variants", []):
        variant["design_name"] = design_name(variant.get("design"))
    out["outcome_label"] = label(e.outcome)
    out["verdict_text"] = verdict_sentence(e)
    out["next_step"] = next_step(e)
    return out
