"""What the shop's own history says about a test's traffic, and what would make a test feasible.

Owns reading the last 90 days of pins for `pinbot.experiments.traffic.traffic` (per pin: its
successes in the tested rate, impressions, age, and board, product and photo, since a test compares
pins of the same board and product), and the choices offered when a test cannot find the lift worth
finding by its horizon: a bigger difference, a rate with more events, more products; and which
products a test can use at all (every design must show each one whole and uncovered).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session

from pinbot.clock import as_utc
from pinbot.errors import InvalidInput, PinbotError
from pinbot.experiments.rounds import Design
from pinbot.experiments.sizing import LARGEST_LIFT, TARGET_POWER, Proposal, propose
from pinbot.experiments.traffic import History, Traffic, traffic
from pinbot.render import load_template
from pinbot.render.fits import infos_for, template_fits
from pinbot.stats import ALPHA
from pinbot.store.models import Product
from pinbot.store.tables import PIN, PMD

METRICS = {"outbound_click_rate": "outbound_clicks", "save_rate": "saves", "pin_click_rate": "pin_clicks"}
# Used when the shop has too little history (< 10,000 impressions in 90 days) to measure its own.
DEFAULT_BASELINE = {"outbound_click_rate": 0.01, "save_rate": 0.015, "pin_click_rate": 0.02}
MAX_ROUNDS = 24


def history(session: Session, account_id: int, metric: str, now: datetime) -> History:
    """The shop's pins of the last 90 days: (successes, impressions, age in days, board|product|photo);
    the photo (its fingerprint) tells which past pins were twin-like (`pinbot.experiments.traffic`)."""
    pmd, pin = PMD.c, PIN.c
    since = (now - timedelta(days=90)).date()
    rows = session.execute(
        sa_select(
            pin.posted_at,
            pin.board_id,
            pin.product_id,
            func.coalesce(pin.image_hash, pin.image_path),
            func.sum(pmd[METRICS[metric]]),
            func.sum(pmd.impressions),
        )
        .join_from(PMD, PIN, pin.id == pmd.pin_id)
        .where(pin.account_id == account_id, pmd.day >= since, pin.posted_at.is_not(None))
        .group_by(pmd.pin_id, pin.posted_at, pin.board_id, pin.product_id, pin.image_hash, pin.image_path)
    ).all()
    out = []
    for posted, board_id, product_id, photo, hits, shown in rows:
        age = (now - as_utc(posted)).total_seconds() / 86400
        key = f"{board_id}|{product_id}" + (f"|{photo}" if photo and product_id is not None else "")
        out.append((int(hits or 0), int(shown or 0), age, key))
    return out


def shop_traffic(session: Session, account_id: int, metric: str, now: datetime) -> Traffic:
    return traffic(history(session, account_id, metric, now), DEFAULT_BASELINE[metric])


def options_for(
    traffics: dict[str, Traffic], metric: str, designs: int, boards: int, products: int, lift: float, best: Proposal
) -> list[str]:
    """What would let a test that cannot finish in time finish: the owner chooses."""
    out = []
    if best.sizing.detectable <= LARGEST_LIFT:
        out.append(
            f"look for a bigger difference: in {best.sizing.days} days this test finds a "
            f"{best.sizing.detectable:.0%} difference {TARGET_POWER:.0%} of the time (--lift "
            f"{math.ceil(best.sizing.detectable * 20) / 20:g})"
        )
    for other, t in traffics.items():
        if other == metric:
            continue
        alt = propose(t, designs, boards, products, lift, ALPHA, MAX_ROUNDS, None)
        if alt.feasible:
            out.append(
                f"measure a rate with more events: --metric {other} ({t.rate:.2%} here) finds a {lift:.0%} "
                f"difference in about {alt.sizing.days} days"
            )
    if products < 4:
        alt = propose(traffics[metric], designs, boards, 4, lift, ALPHA, MAX_ROUNDS, None)
        out.append(
            f"test on 4 products instead of {products} (pins of different products can go out closer together): "
            f"about {alt.sizing.days} days, {alt.sizing.power:.0%} chance to find a {lift:.0%} difference"
        )
    if designs > 2:
        out.append("test two designs at a time: every extra design splits the same pins further")
    return out


def suited_products(prods: list[Product], designs: list[Design], assets_dir: Path) -> tuple[list[Product], list[str]]:
    """The products every design can show whole and uncovered (`template_fits`), and a note for each
    one left out: every arm of an experiment needs the same products."""
    kept: list[Product] = []
    notes: list[str] = []
    for product in prods:
        photos = [Path(p) for p in product.image_paths if p]
        why = ""
        try:
            infos = infos_for(photos) if photos else []
            for design in designs:
                template = load_template(assets_dir, design.template)
                if not infos and not template.draws_without_photos():
                    # Its pins would be the title over an empty photo area (`queue add --product`
                    # refuses a product without a photo for the same reason).
                    why = f"{design.template}: it has no photo, and this design needs one"
                    break
                ok, reason = template_fits(infos, template)
                if not ok:
                    why = f"{design.template}: {reason}"
                    break
        except PinbotError:
            why = ""  # an unreadable photo is reported when its pin renders
        if why:
            notes.append(f"product {product.id} left out ({why})")
        else:
            kept.append(product)
    if not kept:
        raise InvalidInput("--products", "no product suits every design: " + "; ".join(notes))
    return kept, notes
