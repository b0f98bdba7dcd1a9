"""`pinbot init`: create (or upgrade) the database and make the owner's own shop folder.

The shop's name, website, colours, logo and boards come from the options (for scripts) or, on a
terminal, from questions; the boards can also be the ones the Pinterest account already has.
Existing files are kept, so `init` is safe to run again. The files themselves are written by
`pinbot.shop.starter`; nothing of the demo's sample shop is ever used.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from pinbot.cli.context import AppContext, pass_app
from pinbot.cli.tables import hanging
from pinbot.config import SETTING_DOCS, Settings
from pinbot.errors import ConfigError, InvalidInput, PinbotError
from pinbot.render.brand import BUNDLED_ASSETS, load_brand
from pinbot.shop.boards import scan_boards
from pinbot.shop.starter import (
    BoardSeed,
    ShopSetup,
    check_logo,
    check_website,
    logo_note,
    parse_colors,
    seeds_from_account,
    seeds_from_names,
    write_shop,
)
from pinbot.store import db
from pinbot.words import plural


@click.command()
@click.option("--shop-name", help="Your shop's name as customers know it (shown on every pin).")
@click.option("--website", help="Your shop's address, e.g. https://shop.example.com (PINBOT_SHOP_URL).")
@click.option("--colors", help='Brand colours: "#primary,#accent" (optionally ink and paper too).')
@click.option(
    "--logo", type=click.Path(dir_okay=False, path_type=Path), help="Your logo (PNG, WebP or JPEG); optional."
)
@click.option("--board", "boards", multiple=True, help="A board to pin to, by name (repeat, or comma-separate).")
@click.option("--from-account", is_flag=True, help="Use the boards your Pinterest account has (after auth login).")
@click.option("--timezone", help="Your shop's timezone, e.g. Europe/London (PINBOT_TIMEZONE).")
@click.option("--yes", "-y", is_flag=True, help="Ask nothing: use the options given and the defaults.")
@pass_app
def init(
    app: AppContext,
    shop_name: str | None,
    website: str | None,
    colors: str | None,
    logo: Path | None,
    boards: tuple[str, ...],
    from_account: bool,
    timezone: str | None,
    yes: bool,
) -> None:
    """Create the database and your shop's folder: name, website, colours, logo and boards."""
    settings = app.settings
    # The options given are checked before anything is written: a typo in one must not leave a
    # database behind (and a "database created" line) for a shop that was refused.
    if website:
        check_website(website)
    if colors:
        parse_colors(colors)
    if logo is not None:
        check_logo(logo)
    if timezone:
        _zone(timezone)
    engine = app.raw_engine()
    before, head = db.schema_revisions(engine)
    db.migrate(engine)
    with db.session_scope(engine) as session:
        account = db.get_or_create_account(session, settings.account)
    # The file, not its URL ("sqlite:////home/…"); the schema's name only for an upgrade check.
    where = settings.database_url.removeprefix("sqlite:///") if settings.is_sqlite else "PostgreSQL"
    # The schema's revision name ("0007_hand_photos") means nothing to an owner; `doctor` shows it.
    if before == head:
        click.echo(f"database already up to date: {where}")
    elif before:
        click.echo(f"database upgraded to the current version: {where}")
    else:
        click.echo(f"database created: {where}")
    if account.name != "default":  # one shop per folder: the account key matters only to an agency
        click.echo(f"account: {account.name}")

    ask = app.can_prompt and not yes
    # Without PINBOT_ASSETS_DIR the settings fall back to pinbot's bundled assets when ./assets is
    # missing; the owner's brand kit belongs in their own folder, never in pinbot's.
    assets_dir = settings.assets_dir if app.env.get("PINBOT_ASSETS_DIR") else Path.cwd() / "assets"
    brand_file = assets_dir / "brand.toml"
    given = any((shop_name, website, colors, logo, boards, from_account, timezone))
    if brand_file.is_file() and not given:
        _describe_shop(app, assets_dir)
        return
    if not shop_name and ask:
        shop_name = click.prompt("Your shop's name (shown on every pin)", default=_existing_name(assets_dir) or None)
    if not shop_name:
        if brand_file.is_file():
            shop_name = _existing_name(assets_dir)
        if not shop_name:
            click.echo(
                'no shop files written yet: run `pinbot init --shop-name "Your Shop" --board "Board name"` '
                "(or run `pinbot init` in a terminal to be asked)"
            )
            return
    if website is None and ask:
        website = _ask("Your shop's website (blank: none)", check_website, default=settings.shop_url)
    site = check_website(website or "")
    if colors is None and ask:
        colors = _ask('Brand colours "#primary,#accent" (blank: neutral slate and sand)', parse_colors, default="")
    palette = parse_colors(colors or "")
    if logo is None and ask:
        answer = _ask("Logo file, a square PNG is best (blank: no logo)", _logo_answer, default="")
        logo = _logo_path(answer)
    logo_file = check_logo(logo) if logo is not None else None
    if timezone is None and ask:
        timezone = _ask("Your timezone (posting windows are in it)", _zone, default=settings.timezone, shown=True)
    seeds = _boards(app, boards, from_account, ask)

    setup = ShopSetup(shop_name.strip(), site, palette, logo_file, seeds)
    written = write_shop(
        setup,
        boards_dir=settings.boards_dir,
        assets_dir=assets_dir,
        rules_file=settings.rules_file,
        bundled_assets=BUNDLED_ASSETS,
    )
    env_note = _write_env(Path.cwd() / ".env", {"PINBOT_SHOP_URL": site, "PINBOT_TIMEZONE": timezone or ""})
    for path in written.created:
        click.echo(f"wrote  {_rel(path)}")
    for path, change in written.updated:
        click.echo(f"updated {_rel(path)} ({change})")
    for path in written.kept:
        click.echo(f"kept   {_rel(path)} (exists; edit it to change it)")
    if logo_file is not None and (note := logo_note(logo_file)):
        click.echo(hanging("note: ", note, app.prose_width), err=True)
    if env_note:
        click.echo(env_note)
    _describe_shop(app, assets_dir)
    if not seeds and not scan_boards(settings.boards_dir)[0]:
        click.echo('no boards yet: `pinbot init --board "Board name"` (or --from-account after login)')
    if _logged_in(app):  # run again on a shop that is set up: logging in again is not the next step
        click.echo("next: `pinbot boards sync` for a new board, then `pinbot doctor`")
    else:
        click.echo("next: `pinbot auth login`, then `pinbot boards sync` (it asks before creating)")


def _ask(question: str, check: Callable[[str], object], *, default: str, shown: bool = False) -> str:
    """Ask until `check` takes the answer: on a terminal a typo gets its reason and the question
    again, instead of ending `init` and losing the answers already given."""
    while True:
        answer: str = click.prompt(question, default=default, show_default=shown)
        try:
            check(answer)
        except PinbotError as exc:
            reason = exc.reason if isinstance(exc, InvalidInput) else str(exc)
            click.echo(f"  {reason}; try again", err=True)
        else:
            return answer


def _logo_path(answer: str) -> Path | None:
    return Path(answer).expanduser() if answer.strip() else None


def _logo_answer(answer: str) -> None:
    path = _logo_path(answer)
    if path is not None:
        check_logo(path)


def _zone(name: str) -> None:
    try:
        Settings.from_mapping({"PINBOT_TIMEZONE": name})
    except ConfigError as exc:  # "PINBOT_TIMEZONE: unknown timezone 'London' (…)": the setting's name is for .env
        raise InvalidInput("--timezone", str(exc).removeprefix("PINBOT_TIMEZONE: ")) from None


def _boards(app: AppContext, names: tuple[str, ...], from_account: bool, ask: bool) -> tuple[BoardSeed, ...]:
    if from_account:
        remote = _account_boards(app)
        if remote is None:
            raise PinbotError("not logged in: run `pinbot auth login` first, then `pinbot init --from-account`")
        if not remote:
            raise InvalidInput("--from-account", "your Pinterest account has no boards yet; name some with --board")
        return seeds_from_account(remote) + seeds_from_names(names)
    if names or not ask:
        return seeds_from_names(names)
    remote = _account_boards(app)
    if remote:
        listed = ", ".join(str(b.get("name")) for b in remote[:6]) + (", …" if len(remote) > 6 else "")
        if click.confirm(f"Use the {plural(len(remote), 'board')} your account has ({listed})?", default=True):
            return seeds_from_account(remote)
    answer = click.prompt("Board names to pin to, comma-separated (blank: add later)", default="", show_default=False)
    return seeds_from_names([answer])


def _logged_in(app: AppContext) -> bool:
    """Whether a token is stored (no call to Pinterest)."""
    from pinbot.pinterest.tokens import TokenStore

    account = app.account()
    assert account.id is not None
    store = TokenStore(app.engine, account.id, app.clock(), seed_access=app.settings.access_token)
    state = store.load()
    return state is not None and bool(state.access_token)


def _account_boards(app: AppContext) -> list[dict[str, Any]] | None:
    """The account's boards when a token is stored (None when not logged in)."""
    if not _logged_in(app):
        return None
    return app.client().list_boards()


def _existing_name(assets_dir: Path) -> str:
    try:
        return load_brand(assets_dir).shop_name
    except PinbotError:
        pass
    # A kit that names a missing logo or font does not load, but its shop name is still the owner's:
    # `init --logo FILE`, doctor's fix for a missing logo, must not ask for the name again.
    try:
        name = tomllib.loads((assets_dir / "brand.toml").read_text(encoding="utf-8")).get("shop_name")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return ""
    return name.strip() if isinstance(name, str) else ""


def _describe_shop(app: AppContext, assets_dir: Path) -> None:
    settings = app.settings
    name = _existing_name(assets_dir) or "(no name: set shop_name in assets/brand.toml)"
    found, errors = scan_boards(settings.boards_dir)
    names = ", ".join(b.name for b in found.values()) or "none yet"
    click.echo(hanging("shop: ", f"{name}; {plural(len(found), 'board')}: {names}", app.prose_width))
    for error in errors:
        click.echo(f"pinbot: {error}", err=True)


def _write_env(path: Path, values: dict[str, str]) -> str:
    """Create .env (0600: it will hold the app secret) from the settings list, or add missing values."""
    values = {k: v for k, v in values.items() if v}
    if not path.exists():
        lines = ["# pinbot settings (`pinbot doctor` checks them). The real environment wins over this file."]
        for name, (comment, default) in SETTING_DOCS.items():
            lines += ["", f"# {comment}", f"{name}={values.get(name, default)}"]
        fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")
        return f"wrote  {_rel(path)} (add PINTEREST_APP_ID and PINTEREST_APP_SECRET there)"
    from dotenv import dotenv_values

    current = dotenv_values(path)
    missing = {k: v for k, v in values.items() if not current.get(k)}
    if not missing:
        return ""
    with path.open("a", encoding="utf-8") as fh:
        fh.write("".join(f"\n{k}={v}" for k, v in missing.items()) + "\n")
    return f"added  {', '.join(missing)} to {_rel(path)}"


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
