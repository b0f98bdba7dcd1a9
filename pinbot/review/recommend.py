"""Stop / start / continue / change / wait: concrete recommendations from the shop's own numbers.

Every rule compares a group's pins with the rest of the shop's pins over the same period, with the
pins as the units (`pinbot.stats.compare_pins`, the basis experiments use too): impressions of
one pin are not independent, and a pin with a huge reach must not make a group look certain. A
rule fires only for groups with at least MIN_IMPRESSIONS impressions over MIN_PINS pins whose rate
differs from the rest's by at least MIN_EFFECT (20%) relative: with lots of data a trivial
difference is "significant" but not worth acting on.

- stop: the whole 95% interval of its outbound click rate ratio lies below the rest's;
- continue: the whole interval lies above;
- change: its save rate is clearly above the rest's but its outbound click rate is not: people
  keep the pin but do not visit; change the title, call to action or landing page;
- wait: a difference of MIN_EFFECT or more that the pins do not yet support, or that one pin
  carries: "not enough evidence yet", said as such;
- start: products in stock with no pin in the period, a posting hour or weekday that clearly beats
  the shop, and designs that have never been tried.
A design or board that gets a rule as a whole is not repeated for each of its design x board pairs.
Advice on a design an experiment compared never goes against it: while it runs, wait for it; after
"no difference", neither design is told to stop or continue; after a win, only the winner can be
continued and only the others stopped.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from pinbot.render.names import design_name
from pinbot.review.types import MIN_IMPRESSIONS, MIN_PINS, Group, IdleProduct, Recommendation, Totals
from pinbot.stats import GroupComparison, Rate, compare_pins
from pinbot.words import plural

MAX_PER_KIND = 6
MIN_EFFECT = 0.20


@dataclass(frozen=True)
class ExperimentFinding:
    """What an experiment says about its designs: the review defers to it."""

    name: str
    designs: tuple[str, ...]
    outcome: str  # collecting, winner, no_difference
    winner: str | None = None


def _tested_by(design: str, experiments: Sequence[ExperimentFinding]) -> ExperimentFinding | None:
    """The experiment that compared this design (a variant id counts for its template too)."""
    for e in experiments:
        if design in e.designs or design.split(".")[0] in e.designs:
            return e
    return None


def _contradicts(kind: str, design: str, e: ExperimentFinding | None) -> bool:
    """Would this advice on a design go against what an experiment on it says (or is still finding out)?"""
    if e is None:
        return False
    if e.outcome == "winner":
        won = design == e.winner or design.split(".")[0] == e.winner
        return (kind == "stop" and won) or (kind == "continue" and not won) or kind == "wait"
    return kind in ("stop", "continue", "wait")  # running, or no difference between its designs


def versus_rest(group: Group, shop: Sequence[tuple[int, int, int, int]], column: int) -> GroupComparison:
    """The group's pins against the rest of the shop's, on one column of the pin units."""
    mine = {u[0] for u in group.units}
    return compare_pins([(u[column], u[3]) for u in group.units], [(u[column], u[3]) for u in shop if u[0] not in mine])


def clearly_below(c: GroupComparison) -> bool:
    """Below the rest by MIN_EFFECT or more, supported by the pins, and not one pin's doing."""
    return c.high < 1 and c.ratio <= 1 - MIN_EFFECT and not c.carried_by_one


def clearly_above(c: GroupComparison) -> bool:
    """Above the rest by MIN_EFFECT or more, supported by the pins, and not one pin's doing."""
    return c.low > 1 and c.ratio >= 1 + MIN_EFFECT and not c.carried_by_one


def pct(value: float) -> str:
    return f"{value * 100:.2f}%" if value < 0.1 else f"{value * 100:.1f}%"


def _ci(rate: Rate) -> str:
    return f"95% CI {pct(rate.low)}–{pct(rate.high)}"


def _numbers(group: Group, shop: Totals) -> dict[str, object]:
    t = group.totals
    return {
        "dimension": group.dimension,
        "key": group.key,
        "impressions": t.impressions,
        "pins": t.pins,
        "outbound_click_rate": t.outbound_rate.as_dict(),
        "save_rate": t.save_rate.as_dict(),
        "shop_outbound_click_rate": shop.outbound_rate.value,
        "shop_save_rate": shop.save_rate.value,
    }


def _volume(t: Totals) -> str:
    return f"{t.impressions:,} impressions over {plural(t.pins, 'pin')}"


def _subject(group: Group) -> tuple[str, str]:
    """(what to do it with, a short subject) for the sentence."""
    if group.dimension == "design_board":
        design, board = group.key.split("|", 1)
        return f"design “{design_name(design)}” on board {board}", group.label
    if group.dimension == "design":
        return f"design “{group.label}”", group.label
    if group.dimension == "board":
        return f"the pins on board {group.key}", group.key
    return group.label, group.label


def recommend(
    shop: Totals,
    groups: dict[str, list[Group]],
    idle_products: Sequence[IdleProduct],
    known_designs: Sequence[str] = (),
    experiments: Sequence[ExperimentFinding] = (),
) -> list[Recommendation]:
    if shop.impressions == 0:
        return []
    shop_out, shop_save = shop.outbound_rate.value, shop.save_rate.value
    every_pin = [u for g in groups.get("pin", []) for u in g.units]
    out: list[Recommendation] = []
    covered: dict[str, set[str]] = {"stop": set(), "continue": set(), "change": set(), "wait": set()}

    def candidates() -> list[Group]:
        whole = [g for dim in ("design", "board") for g in groups.get(dim, []) if g.totals.enough]
        pairs = [g for g in groups.get("design_board", []) if g.totals.enough]
        return whole + pairs

    def is_covered(kind: str, group: Group) -> bool:
        if group.dimension != "design_board":
            return False
        design, board = group.key.split("|", 1)
        return f"design:{design}" in covered[kind] or f"board:{board}" in covered[kind]

    judged: dict[str, tuple[GroupComparison, GroupComparison]] = {}
    for g in candidates():
        judged[f"{g.dimension}:{g.key}"] = (versus_rest(g, every_pin, 1), versus_rest(g, every_pin, 2))

    for kind in ("stop", "continue", "change", "wait"):
        made = 0
        for g in candidates():
            t = g.totals
            o, s = t.outbound_rate, t.save_rate
            clicks, saves = judged[f"{g.dimension}:{g.key}"]
            design = g.key.split("|", 1)[0] if g.dimension in ("design", "design_board") else None
            if design and _contradicts(kind, design, _tested_by(design, experiments)):
                continue  # its experiment speaks for it (see the module docstring)
            big = abs(clicks.ratio - 1) >= MIN_EFFECT
            if kind == "stop":
                fires = clearly_below(clicks)
            elif kind == "continue":
                fires = clearly_above(clicks)
            elif kind == "change":
                fires = clearly_above(saves) and clicks.low <= 1
            else:
                fires = (
                    big
                    and (not clicks.settled or clicks.carried_by_one)
                    and not any(f"{g.dimension}:{g.key}" in covered[k] for k in ("stop", "continue", "change"))
                )
            if not fires or is_covered(kind, g) or made >= MAX_PER_KIND:
                continue
            covered[kind].add(f"{g.dimension}:{g.key}")
            what, subject = _subject(g)
            # "stop posting to board X", "stop posting design D to board X"
            where = what.replace("the pins on ", "to ").replace("” on board ", "” to board ")
            ratio = f"{_ratio(clicks)} the rest of the shop's pins"
            if kind == "stop":
                text = (
                    f"Stop posting {where}: {pct(o.value)} outbound click rate vs {pct(shop_out)} for the shop "
                    f"({ratio}), {_volume(t)}."
                )
            elif kind == "continue":
                text = (
                    f"Continue posting {where}: {pct(o.value)} outbound click rate vs {pct(shop_out)} for the shop "
                    f"({ratio}), {_volume(t)}."
                )
            elif kind == "change":
                text = (
                    f"Change {what}: people save it ({pct(s.value)} save rate vs {pct(shop_save)} for the shop) "
                    f"but few visit ({pct(o.value)} outbound vs {pct(shop_out)}); try a clearer call to action, "
                    f"title or landing page. {_volume(t)}."
                )
            else:
                why = (
                    "one pin carries most of it"
                    if clicks.carried_by_one
                    else f"its pins differ too much to tell ({ratio})"
                )
                text = (
                    f"Not enough evidence yet on {what}: {pct(o.value)} outbound click rate vs {pct(shop_out)} "
                    f"for the shop, but {why}; {_volume(t)}. Keep posting and look again."
                )
            numbers = _numbers(g, shop) | {
                "vs_rest": {"ratio": clicks.ratio, "low": clicks.low, "high": clicks.high},
                "carried_by_one_pin": clicks.carried_by_one,
            }
            out.append(Recommendation(kind, subject, text, numbers))
            made += 1

    out += _deferred(groups, experiments)
    out += _starts(shop, groups, idle_products, known_designs, every_pin)
    return out


def _ratio(c: GroupComparison) -> str:
    if c.high == float("inf"):
        return f"{c.ratio:.2f}x"
    return f"{c.ratio:.2f}x, 95% interval {c.low:.2f}–{c.high:.2f}x"


def _deferred(groups: dict[str, list[Group]], experiments: Sequence[ExperimentFinding]) -> list[Recommendation]:
    """Designs an experiment is still comparing: the advice is to wait for it."""
    out = []
    for e in experiments:
        if e.outcome != "collecting":
            continue  # finished: the report carries the experiment's own verdict
        present = [g.key for g in groups.get("design", []) if _tested_by(g.key, [e])]
        if present:
            out.append(
                Recommendation(
                    "wait",
                    f"experiment {e.name}",
                    f"Not enough evidence yet on {', '.join(design_name(d) for d in e.designs)}: experiment “{e.name}” "
                    "is comparing them; "
                    "its verdict will say which to keep.",
                    {"experiment": e.name, "designs": list(e.designs)},
                )
            )
    return out


def product_action(ref: str, has_photo: bool) -> str:
    """The command that starts pinning a product, with a photo first when it has none."""
    queue = f"`pinbot queue add --product {shlex.quote(ref)} --board BOARD`"
    if not has_photo:  # its photos did not download, or it never had one
        return (
            f"It has no photo yet: add one with `pinbot products photo {shlex.quote(ref)} --image PHOTO`, then {queue}."
        )
    return f"Queue it: {queue}."


def _starts(
    shop: Totals,
    groups: dict[str, list[Group]],
    idle_products: Sequence[IdleProduct],
    known: Sequence[str],
    every_pin: list[tuple[int, int, int, int]],
) -> list[Recommendation]:
    shop_out = shop.outbound_rate.value
    out = []
    for dim, noun in (("hour", "at"), ("weekday", "on")):
        for g in (g for g in groups.get(dim, []) if g.totals.enough):
            c = versus_rest(g, every_pin, 1)
            if not clearly_above(c):
                continue
            o = g.totals.outbound_rate
            out.append(
                Recommendation(
                    "start",
                    f"{dim} {g.label}",
                    f"Start scheduling more pins {noun} {g.label} (shop time): {pct(o.value)} outbound click rate "
                    f"vs {pct(shop_out)} for the shop ({_ratio(c)} the rest of the shop's pins), {_volume(g.totals)}.",
                    _numbers(g, shop),
                )
            )
            break
    for idle in list(idle_products)[:MAX_PER_KIND]:
        out.append(
            Recommendation(
                "start",
                f"product {idle.product_id}",
                f"Start pinning “{idle.title}”: it is in stock but had no pin with data in this period.",
                {"product_id": idle.product_id, "product": idle.ref, "has_photo": idle.has_photo},
                # Here, not only in the report: the weekly digest says it too, and it has no report.
                product_action(idle.ref, idle.has_photo),
            )
        )
    used = {g.key for g in groups.get("design", [])}
    used |= {key.split(".")[0] for key in used}  # a variant id "template.palette.crop" uses its template
    untried = [d for d in known if d not in used]
    if untried and groups.get("design"):
        leader = next((g for g in groups["design"] if g.rank == 1), None)
        against = f" against your best design so far, “{leader.label}”" if leader else ""
        names = ", ".join(f"“{design_name(d)}”" for d in untried[:5])
        out.append(
            Recommendation(
                "start",
                "designs " + ", ".join(design_name(d) for d in untried[:3]),
                f"Start an experiment with design “{design_name(untried[0])}”{against}: "
                f"{plural(len(untried), 'design')} never tried ({names}).",
                {"untried": list(untried), "leader": leader.key if leader else None},
            )
        )
    return out


MINIMUMS_TEXT = (
    f"Groups need at least {MIN_IMPRESSIONS:,} impressions over {MIN_PINS} pins to be ranked or recommended; "
    "a recommendation needs the whole 95% interval of the group's rate against the rest of the shop's pins "
    f"(pins as the units) on one side, a difference of at least {MIN_EFFECT:.0%}, and not one pin carrying it."
)
