"""Stop / start / continue / change: concrete recommendations from the shop's own numbers.

Every rule compares a group's 95% Wilson interval with the whole shop's rate over the same period,
and fires only for groups with at least MIN_IMPRESSIONS impressions over MIN_PINS pins whose rate
differs from the shop's by at least MIN_EFFECT (20%) relative: with lots of data a trivial
difference is "significant" but not worth acting on.

- stop: the whole interval of its outbound click rate lies below the shop's rate;
- continue: the whole interval lies above the shop's rate;
- change: its save rate is clearly above the shop's (interval above) but its outbound click rate
  is not: people keep the pin but do not visit; change the title, call to action or landing page;
- start: products in stock with no pin in the period, a posting hour or weekday that clearly beats
  the shop, and designs that have never been tried.
A design or board that gets a rule as a whole is not repeated for each of its design x board pairs.
"""

from __future__ import annotations

from collections.abc import Sequence

from pinbot.render.names import design_name
from pinbot.review.types import MIN_IMPRESSIONS, MIN_PINS, Group, Recommendation, Totals
from pinbot.stats import Rate
from pinbot.words import plural

MAX_PER_KIND = 6
MIN_EFFECT = 0.20


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
        return f"design “{design_name(design)}” to board {board}", group.label
    if group.dimension == "design":
        return f"design “{group.label}”", group.label
    if group.dimension == "board":
        return f"the pins on board {group.key}", group.key
    return group.label, group.label


def recommend(
    shop: Totals,
    groups: dict[str, list[Group]],
    idle_products: Sequence[tuple[int, str]],
    known_designs: Sequence[str] = (),
) -> list[Recommendation]:
    if shop.impressions == 0:
        return []
    shop_out, shop_save = shop.outbound_rate.value, shop.save_rate.value
    out: list[Recommendation] = []
    covered: dict[str, set[str]] = {"stop": set(), "continue": set(), "change": set()}

    def candidates() -> list[Group]:
        whole = [g for dim in ("design", "board") for g in groups.get(dim, []) if g.totals.enough]
        pairs = [g for g in groups.get("design_board", []) if g.totals.enough]
        return whole + pairs

    def is_covered(kind: str, group: Group) -> bool:
        if group.dimension != "design_board":
            return False
        design, board = group.key.split("|", 1)
        return f"design:{design}" in covered[kind] or f"board:{board}" in covered[kind]

    for kind in ("stop", "continue", "change"):
        made = 0
        for g in candidates():
            t = g.totals
            o, s = t.outbound_rate, t.save_rate
            if kind == "stop":
                fires = o.high < shop_out and o.value <= shop_out * (1 - MIN_EFFECT)
            elif kind == "continue":
                fires = o.low > shop_out and o.value >= shop_out * (1 + MIN_EFFECT)
            else:
                fires = s.low > shop_save and s.value >= shop_save * (1 + MIN_EFFECT) and o.low <= shop_out
            if not fires or is_covered(kind, g) or made >= MAX_PER_KIND:
                continue
            covered[kind].add(f"{g.dimension}:{g.key}")
            what, subject = _subject(g)
            where = what.replace("the pins on ", "to ")  # "stop posting to board X"
            if kind == "stop":
                text = (
                    f"Stop posting {where}: {pct(o.value)} outbound click rate ({_ci(o)}) "
                    f"vs {pct(shop_out)} for the shop, {_volume(t)}."
                )
            elif kind == "continue":
                text = (
                    f"Continue posting {where}: {pct(o.value)} outbound click rate ({_ci(o)}) "
                    f"vs {pct(shop_out)} for the shop, {_volume(t)}."
                )
            else:
                text = (
                    f"Change {what}: people save it ({pct(s.value)} save rate vs {pct(shop_save)} for the shop) "
                    f"but few visit ({pct(o.value)} outbound vs {pct(shop_out)}); try a clearer call to action, "
                    f"title or landing page. {_volume(t)}."
                )
            out.append(Recommendation(kind, subject, text, _numbers(g, shop)))
            made += 1

    out += _starts(shop, groups, idle_products, known_designs)
    return out


def _starts(
    shop: Totals, groups: dict[str, list[Group]], idle_products: Sequence[tuple[int, str]], known: Sequence[str]
) -> list[Recommendation]:
    shop_out = shop.outbound_rate.value
    out = []
    for dim, noun in (("hour", "at"), ("weekday", "on")):
        best = [
            g
            for g in groups.get(dim, [])
            if g.totals.enough
            and g.totals.outbound_rate.low > shop_out
            and g.totals.outbound_rate.value >= shop_out * (1 + MIN_EFFECT)
        ]
        if best:
            g = best[0]
            o = g.totals.outbound_rate
            out.append(
                Recommendation(
                    "start",
                    f"{dim} {g.label}",
                    f"Start scheduling more pins {noun} {g.label} (shop time): {pct(o.value)} outbound click rate "
                    f"({_ci(o)}) vs {pct(shop_out)} for the shop, {_volume(g.totals)}.",
                    _numbers(g, shop),
                )
            )
    for product_id, title in list(idle_products)[:MAX_PER_KIND]:
        out.append(
            Recommendation(
                "start",
                f"product {product_id}",
                f"Start pinning “{title}”: it is in stock but had no pin with data in this period.",
                {"product_id": product_id},
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
    "a recommendation needs the whole 95% interval of the group's rate on one side of the shop's rate and a "
    f"difference of at least {MIN_EFFECT:.0%}."
)
