"""`pinbot earned pull|show`, `pinbot surges list|act`, `pinbot links check`, `pinbot notify test|digest`.

Wiring and printing only: the pull, surges, link checks and messages are `pinbot.advocates`, the
channels `pinbot.notify`.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click

from pinbot.advocates.alerts import digest_message, record
from pinbot.advocates.boost import boost, product_of_surge
from pinbot.advocates.deadlinks import DeadLink, known_dead, weekly_check
from pinbot.advocates.pull import EarnedPull
from pinbot.advocates.summary import who_pins
from pinbot.advocates.surges import find_surges, pin_page, recent_surges
from pinbot.cli.context import AppContext, json_option, pass_app
from pinbot.errors import InvalidInput, PinbotError
from pinbot.notify.channels import configured, send_all
from pinbot.notify.message import Message
from pinbot.render import list_templates
from pinbot.shop.products import ProductService
from pinbot.store.db import session_scope
from pinbot.store.models import Surge
from pinbot.web.linkcheck import LinkChecker


class DeliveryFailed(PinbotError):
    exit_code = 1


@click.group()
def earned() -> None:
    """Earned reach: pins other people made of your shop, beside your own."""


@earned.command("pull")
@json_option
@pass_app
def earned_pull(app: AppContext, as_json: bool) -> None:
    """Fetch earned and owned numbers and the top pins now (the service does this daily), then look for surges."""
    shop = app.shop()
    now = shop.clock.now()
    result = EarnedPull(shop.engine, shop.account_id, shop.client(), shop.clock, app.settings.access_tier).run()
    found = find_surges(shop.engine, shop.account_id, now.date() - timedelta(days=1), now.date(), now)
    if as_json:
        new_ids = [f.surge.id for f in found if f.new]
        app.print_json({"calls": result.calls, "stopped": result.stopped, "errors": result.errors, "new": new_ids})
        return
    click.echo(result.message())
    for error in result.errors:
        click.echo(f"  {error}")
    new = [f for f in found if f.new]
    click.echo(f"{len(new)} new surge(s); see `pinbot surges list`" if new else "no pin is taking off right now")


@earned.command("show")
@click.option("--days", type=click.IntRange(1, 3650), default=28, show_default=True, help="How far back.")
@json_option
@pass_app
def earned_show(app: AppContext, days: int, as_json: bool) -> None:
    """Earned vs owned over the last days, and the top pins others made, with their links."""
    shop = app.shop()
    data = who_pins(shop.engine, shop.account_id, shop.clock.now().date(), days)
    if as_json:
        app.print_json(data.as_dict())
        return
    click.echo(data.headline())
    for pin in data.top_earned[:10]:
        click.echo(f"  {pin.saves:>5} saves {pin.outbound_clicks:>5} visits  {pin.url}")


@click.group()
def surges() -> None:
    """Pins taking off, and acting on them."""


@surges.command("list")
@click.option("--days", type=click.IntRange(1, 3650), default=30, show_default=True)
@json_option
@pass_app
def surges_list(app: AppContext, days: int, as_json: bool) -> None:
    """Surges found in the last days, with what to do about each."""
    shop = app.shop()
    rows = recent_surges(shop.engine, shop.account_id, shop.clock.now().date() - timedelta(days=days))
    if as_json:
        app.print_json([_surge_dict(s) for s in rows])
        return
    if not rows:
        click.echo(f"no pin took off in the last {days} days")
        return
    for s in rows:
        who = "someone else's pin of your shop" if s.source == "earned" else "your pin"
        click.echo(f"#{s.id} {s.detected_on}: {who} {pin_page(s.pinterest_pin_id)}")
        click.echo(f"    {s.recent} {s.metric.replace('_', ' ')} in 2 days (its usual: {s.baseline * 2:.1f})")
        act = f"pinbot surges act {s.id}" + ("" if s.pin_id else " --product PRODUCT")
        click.echo(f"    done: {s.action}" if s.action else f"    act: {act}")


def _surge_dict(s: Surge) -> dict[str, object]:
    return {
        "id": s.id,
        "pin": s.pinterest_pin_id,
        "url": pin_page(s.pinterest_pin_id),
        "source": s.source,
        "metric": s.metric,
        "recent": s.recent,
        "baseline_daily": round(s.baseline, 2),
        "typical_daily": round(s.typical, 2),
        "started_on": s.started_on.isoformat(),
        "detected_on": s.detected_on.isoformat(),
        "alerted": s.alerted_at is not None,
        "action": s.action,
    }


@surges.command("act")
@click.argument("surge_id", type=int)
@click.option("--product", "product_ref", help="The product the pin shows (needed for others' pins).")
@click.option("--boards", help="Comma-separated board keys (default: every board the product is not on).")
@click.option("--dry-run", is_flag=True, help="Say what would be queued.")
@json_option
@pass_app
def surges_act(
    app: AppContext, surge_id: int, product_ref: str | None, boards: str | None, dry_run: bool, as_json: bool
) -> None:
    """Queue the surging product to more boards with fresh designs (checks stock and link first)."""
    shop = app.shop()
    with session_scope(shop.engine) as session:
        surge = session.get(Surge, surge_id)
        if surge is None or surge.account_id != shop.account_id:
            raise InvalidInput("surge", f"no surge #{surge_id}; see `pinbot surges list`")
        session.expunge(surge)
    queue = shop.queue_service()
    ref: str | int | None = product_ref or product_of_surge(queue, surge)
    if ref is None:
        raise InvalidInput("--product", "this pin was made by someone else: say which product it shows")
    products = ProductService(shop.engine, shop.account_id, shop.clock)
    board_list = [b.strip() for b in boards.split(",") if b.strip()] if boards else None
    templates = list_templates(app.settings.assets_dir)
    check = LinkChecker().check
    plan = boost(queue, products, surge, ref, templates, Path.cwd(), check, shop.clock.now(), board_list, dry_run)
    if as_json:
        app.print_json({"boards": plan.boards, "queued": plan.queued, "summary": plan.summary()})
        return
    click.echo(("would have " if dry_run else "") + plan.summary())


@click.group()
def links() -> None:
    """Links that lead nowhere: missing pages, error pages, sold-out products."""


@links.command("check")
@json_option
@pass_app
def links_check(app: AppContext, as_json: bool) -> None:
    """Check the link of every pin that still earns now (the service does this weekly)."""
    shop = app.shop()
    dead = weekly_check(shop.engine, shop.account_id, shop.clock.now())
    if as_json:
        app.print_json([d.as_dict() for d in dead])
        return
    if not dead:
        click.echo("every link of a pin that still earns works")
        return
    for d in dead:
        click.echo(d.line())


@click.group()
def notify() -> None:
    """Alerts by email and webhook."""


@notify.command("test")
@json_option
@pass_app
def notify_test(app: AppContext, as_json: bool) -> None:
    """Send a test message through every configured channel and print what each server said."""
    settings = app.settings
    if not configured(settings):
        raise DeliveryFailed("no channel configured: set PINBOT_SMTP_HOST and PINBOT_ALERT_TO, or PINBOT_WEBHOOK_URL")
    message = Message(
        "pinbot test message",
        f"This is a test from pinbot for the shop {settings.account!r}. Alerts about pins taking off, "
        "links that lead nowhere and the weekly digest will arrive like this.",
    )
    deliveries = send_all(settings, message)
    shop = app.shop()
    record(shop.engine, shop.account_id, deliveries, shop.clock.now())
    if as_json:
        app.print_json([d.as_dict() for d in deliveries])
    else:
        for d in deliveries:
            click.echo(f"{'ok  ' if d.ok else 'FAIL'} {d.channel}: {d.detail}")
    failed = [d.channel for d in deliveries if not d.ok]
    if failed:
        raise DeliveryFailed(f"notify test: {', '.join(failed)} failed")


@notify.command("digest")
@click.option("--send", is_flag=True, help="Send it now through every channel (default: print it).")
@pass_app
def notify_digest(app: AppContext, send: bool) -> None:
    """Print (or send) the weekly digest as it would go out now."""
    shop = app.shop()
    dead = [DeadLink(r.url, r.verdict, r.reason) for r in known_dead(shop.engine, shop.account_id)]
    message = digest_message(app.settings, shop.engine, shop.account_id, shop.clock.now().date(), dead)
    if not send:
        click.echo(message.subject)
        click.echo()
        click.echo(message.body())
        return
    deliveries = send_all(app.settings, message)
    record(shop.engine, shop.account_id, deliveries, shop.clock.now())
    for d in deliveries:
        click.echo(f"{'ok  ' if d.ok else 'FAIL'} {d.channel}: {d.detail}")
    if any(not d.ok for d in deliveries) or not deliveries:
        raise DeliveryFailed("digest: not delivered" if deliveries else "no channel configured")
