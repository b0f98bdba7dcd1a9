"""`pinbot auth login|refresh|status`: connect the shop's Pinterest account and inspect the tokens.

Nothing here ever prints a token: status shows the account, scopes and expiries only.
"""

from __future__ import annotations

import webbrowser
from datetime import datetime
from typing import Any

import click

from pinbot.cli.context import AppContext, json_option, pass_app
from pinbot.cli.tables import hanging
from pinbot.config import SCOPES
from pinbot.pinterest.client import PinterestClient
from pinbot.pinterest.errors import PinterestError
from pinbot.pinterest.oauth import build_authorize_url, code_from_redirect, local_login, new_state
from pinbot.pinterest.tokens import TokenState
from pinbot.store.db import session_scope
from pinbot.store.models import Account
from pinbot.store.state import spam_block


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _summary(app: AppContext, client: PinterestClient, state: TokenState | None) -> dict[str, Any]:
    with session_scope(client.engine) as session:
        account = session.get(Account, client.account_id)
        username = account.username if account else None
        user_id = account.pinterest_user_id if account else None
    blocked = spam_block(client.engine, client.account_id)
    return {
        "account": app.settings.account,
        "username": username,
        "pinterest_user_id": user_id,
        "api_base": client.api_base,
        "access_tier": app.settings.access_tier,
        "authenticated": bool(state and state.access_token),
        "seeded_from_env": bool(state and state.seeded_from_env),
        "scopes": list(state.scopes) if state else [],
        "missing_scopes": state.missing_scopes(SCOPES) if state else SCOPES.split(","),
        "access_expires_at": _when(state.access_expires_at) if state else None,
        "refresh_expires_at": _when(state.refresh_expires_at) if state else None,
        "has_refresh_token": bool(state and state.refresh_token),
        "spam_block": {"since": blocked[0].isoformat(), "message": blocked[1]} if blocked else None,
        "usage": {name: {"used": used, "budget": budget} for name, (used, budget) in client.pacer.usage().items()},
    }


def _local(app: AppContext, iso: str | None) -> str:
    """An ISO time from the JSON summary, as shop time with its zone."""
    return app.shop_time(datetime.fromisoformat(iso)) if iso else ""


def _print_summary(app: AppContext, data: dict[str, Any]) -> None:
    who = f"@{data['username']}" if data["username"] else "(username not fetched yet)"
    if not data["authenticated"]:
        click.echo(f"account {data['account']}: not connected; run `pinbot auth login`")
    else:
        click.echo(f"account {data['account']}: connected as {who}")
    click.echo(f"  API base       {data['api_base']} ({data['access_tier']} tier)")
    if data["authenticated"]:
        source = " (seeded from the environment)" if data["seeded_from_env"] else ""
        scopes = ", ".join(data["scopes"]) or "(unknown)"  # wraps between scopes on a terminal
        click.echo(hanging("  scopes         ", f"{scopes}{source}", app.prose_width))
        if data["missing_scopes"]:
            click.echo(f"  missing scopes {','.join(data['missing_scopes'])}: run `pinbot auth login`")
        access = _local(app, data["access_expires_at"]) or "(unknown)"
        click.echo(f"  access token   expires {access}")
        refresh = _local(app, data["refresh_expires_at"]) or (
            "(unknown)" if data["has_refresh_token"] else "(none stored)"
        )
        click.echo(f"  refresh token  expires {refresh}")
    if data["spam_block"]:
        click.echo(
            f"  POSTING STOPPED: spam block since {_local(app, data['spam_block']['since'])} "
            f"({data['spam_block']['message']})"
        )
    window = "in the last minute" if data["access_tier"] == "standard" else "in the last day"
    order = list(USAGE_WORDS)
    for name in sorted(data["usage"], key=lambda n: (order.index(n) if n in order else len(order), n)):
        use = data["usage"][name]
        what = USAGE_WORDS.get(name, name)
        click.echo(f"  {what:<14} {use['used']:,} of {use['budget']:,} requests Pinterest allows {window}")


# Pinterest's names for its rate-limit categories, in the owner's words (JSON keeps Pinterest's).
USAGE_WORDS = {"org_read": "reading", "org_write": "posting", "org_analytics": "analytics", "all": "in all"}


@click.group()
def auth() -> None:
    """Connect pinbot to the shop's Pinterest account (OAuth) and look after the tokens."""


@auth.command()
@click.option("--paste", is_flag=True, help="Headless server: open the URL anywhere, then paste the redirect URL.")
@click.option("--redirect-url", metavar="URL", help="Non-interactive: the URL the consent page redirected to.")
@click.option("--code", metavar="CODE", help="Non-interactive: an authorization code obtained for this app.")
@click.option("--no-browser", is_flag=True, help="Print the URL instead of opening a browser.")
@click.option("--timeout", default=300.0, show_default=True, help="Seconds to wait for the browser callback.")
@json_option
@pass_app
def login(
    app: AppContext,
    paste: bool,
    redirect_url: str | None,
    code: str | None,
    no_browser: bool,
    timeout: float,
    as_json: bool,
) -> None:
    """Authorize pinbot (scopes: user_accounts:read, boards:read/write, pins:read/write) and store the tokens.

    By default pinbot listens once on PINTEREST_REDIRECT_URI (127.0.0.1) for Pinterest's redirect.
    --redirect-url and --code skip the `state` check: use only values you obtained yourself.
    """
    client = app.client()
    if code:
        payload = client.oauth.exchange_code(code.strip())
    elif redirect_url:
        payload = client.oauth.exchange_code(code_from_redirect(redirect_url, None))
    elif paste:
        state = new_state()
        # click.echo, not rich: rich would wrap the long URL with hard newlines and break it.
        click.echo(
            f"Open this URL in any browser and approve pinbot:\n\n{build_authorize_url(app.settings, state)}\n",
            err=True,
        )
        pasted = click.prompt("Paste the full URL your browser ended on", err=True)
        payload = client.oauth.exchange_code(code_from_redirect(pasted, state))
    else:

        def show(url: str) -> None:
            click.echo(f"Approve pinbot in your browser (waiting up to {timeout:.0f} s):\n\n{url}\n", err=True)
            if not no_browser:
                webbrowser.open(url)

        payload = local_login(app.settings, client.oauth, show, timeout=timeout)
    state_after = client.tokens.save_grant(payload)
    try:
        client.identify()
    except PinterestError as exc:
        app.info(f"tokens stored, but reading the account failed: {exc}")
    data = _summary(app, client, state_after)
    if as_json:
        app.print_json(data)
    else:
        _print_summary(app, data)


@auth.command()
@click.option("--if-due", is_flag=True, help="Refresh only when the tokens are close to expiry.")
@json_option
@pass_app
def refresh(app: AppContext, if_due: bool, as_json: bool) -> None:
    """Refresh the tokens now (continuous refresh; safe to run while the service runs)."""
    client = app.client()
    state, refreshed = client.refresh_tokens(force=not if_due)
    data = {**_summary(app, client, state), "refreshed": refreshed}
    if as_json:
        app.print_json(data)
    else:
        click.echo("tokens refreshed" if refreshed else "tokens not due for a refresh")
        _print_summary(app, data)


@auth.command()
@click.option("--check", is_flag=True, help="Also ask Pinterest who the token belongs to (one API call).")
@json_option
@pass_app
def status(app: AppContext, check: bool, as_json: bool) -> None:
    """Show the connected account, scopes and token expiries (never a token)."""
    client = app.client()
    state = client.tokens.load()
    if check and state is not None:
        client.identify()
    data = _summary(app, client, state)
    if as_json:
        app.print_json(data)
    else:
        _print_summary(app, data)
