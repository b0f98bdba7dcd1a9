"""A new owner's first steps, end to end against the emulator: their own shop from `pinbot init`
(never the demo's sample shop), `boards sync` that shows its plan and asks, login, queue, run,
metrics and report; plus a service and a doctor that say what is wrong, from the wrong folder too."""

from __future__ import annotations

import json
import logging
import re
import tomllib
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests
from PIL import Image

from pinbot.cli.context import AppContext
from pinbot.config import SETTING_DOCS
from pinbot.demo.shop import BOARDS as SAMPLE_BOARDS
from pinbot.demo.shop import SHOP_NAME as SAMPLE_NAME
from pinbot.emulator import Emulator
from tests.conftest import Cli

APP_ID, APP_SECRET = "5150", "owner-path-secret"
SAMPLE_BOARD_NAMES = [re.search(r'name = "(.*)"', text).group(1) for text in SAMPLE_BOARDS.values()]  # type: ignore[union-attr]
PRIMARY, ACCENT = (29, 53, 87), (230, 57, 70)  # "#1D3557", "#E63946"
MAGENTA = (230, 20, 200)


def _owner_cli(folder: Path, **env: str) -> Cli:
    """`pinbot` run in the owner's folder with nothing set but what is given: .env and the
    defaults (paths relative to the folder) do the rest, as on the owner's machine."""
    unset: dict[str, str | None] = {name: None for name in SETTING_DOCS}
    return Cli({**unset, **env}, folder)  # type: ignore[dict-item]


def _login_url(emu: Emulator, redirect: str) -> str:
    """What the browser ends on after the owner clicks "Allow" on the consent page."""
    query = urlencode(
        {"client_id": APP_ID, "redirect_uri": redirect, "response_type": "code", "scope": "boards:read,boards:write,"
         "pins:read,pins:write,user_accounts:read", "state": "s"}
    )  # fmt: skip
    answer = requests.get(f"{emu.authorize_url}?{query}", allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    return answer.headers["Location"]


def _no_sample(text: str) -> None:
    assert SAMPLE_NAME not in text and "F&K" not in text
    for name in SAMPLE_BOARD_NAMES:
        assert name not in text


def test_new_owner_path_uses_their_shop_and_never_the_sample(tmp_path: Path) -> None:
    folder = tmp_path / "clayshop"
    folder.mkdir()
    logo = tmp_path / "my-logo.png"
    Image.new("RGBA", (300, 300), (*MAGENTA, 255)).save(logo)
    photo = folder / "mug.jpg"
    Image.new("RGB", (1000, 1300), (200, 190, 170)).save(photo, quality=90)
    with Emulator(APP_ID, APP_SECRET, tier="standard", seed=5) as emu:
        env = {"PINTEREST_API_BASE": emu.base_url, "PINTEREST_APP_ID": APP_ID, "PINTEREST_APP_SECRET": APP_SECRET}
        owner = _owner_cli(folder, **env)
        outputs: list[str] = []

        # Before init: any command says where it looked and creates nothing.
        lost = owner("queue", "list")
        assert lost.exit_code == 5 and str(folder / ".pinbot" / "pinbot.db") in lost.output
        assert "PINBOT_DATA_DIR" in lost.output and "`cd`" in lost.output and ".env" in lost.output
        assert not (folder / ".pinbot").exists()

        init = owner.ok(
            "init", "--shop-name", "Clay & Co", "--website", "clayandco.example", "--colors", "#1D3557,#E63946",
            "--logo", str(logo), "--board", "Stoneware Mugs", "--board", "Planters, Vases", "--timezone",
            "Europe/London", "--yes",
        ).output  # fmt: skip
        outputs.append(init)
        assert "shop: Clay & Co; 3 boards: " in init and "pinbot boards sync` (it asks before creating)" in init
        assert sorted(p.name for p in (folder / "boards").glob("*.toml")) == [
            "planters.toml", "stoneware-mugs.toml", "vases.toml",
        ]  # fmt: skip
        brand = tomllib.loads((folder / "assets" / "brand.toml").read_text())
        assert brand["shop_name"] == "Clay & Co" and brand["logo"] == "logo.png"
        assert brand["colors"]["primary"] == "#1D3557" and brand["colors"]["accent"] == "#E63946"
        assert (folder / "assets" / "logo.png").read_bytes() == logo.read_bytes()
        assert (folder / "assets" / "templates" / "split-block.toml").is_file()
        dotenv = (folder / ".env").read_text()
        assert "PINBOT_SHOP_URL=https://clayandco.example" in dotenv and "PINBOT_TIMEZONE=Europe/London" in dotenv
        assert (folder / ".env").stat().st_mode & 0o777 == 0o600
        again = owner.ok("init").output
        assert again.count("database already up to date: ") == 1 and "0007" not in again  # safe to run again

        # boards sync: the plan first; without a terminal and --yes it creates nothing.
        owner.ok("auth", "login", "--redirect-url", _login_url(emu, "http://127.0.0.1:8085/callback"))
        emu.add_board("Planters", "Our planters")  # the owner made this one on Pinterest already
        refused = owner("boards", "sync")
        outputs.append(refused.output)
        assert refused.exit_code == 1 and "2 boards not created; run `pinbot boards sync --yes`" in refused.output
        assert "  create  stoneware-mugs" in refused.output and "  link    planters" in refused.output
        assert sorted(b.name for b in emu.store.boards.values()) == ["Planters"]
        synced = owner.ok("boards", "sync", "--yes").output
        outputs.append(synced)
        assert all(len(line) <= 80 for line in (refused.output + synced).splitlines())
        assert sorted(b.name for b in emu.store.boards.values()) == ["Planters", "Stoneware Mugs", "Vases"]

        # queue, list in shop time, run, metrics, report.
        added = owner.ok(
            "queue", "add", "--board", "stoneware-mugs", "--title", "Speckled mug", "--image", str(photo),
            "--template", "split-block", "--link", "https://clayandco.example/mug", "--at", "2020-01-01T09:00",
        )  # fmt: skip
        assert "no link" not in added.output
        listing = owner.ok("queue", "list").output
        assert "due (shop time)" in listing and "Wed 1 Jan 2020 09:00" in listing  # London time, a past year
        ran = owner("run", "--once")
        assert ran.exit_code == 0, ran.output
        (posted,) = emu.pins()
        assert posted["title"] == "Speckled mug"
        renders = list((folder / ".pinbot" / "renders").glob("*.jpg"))
        assert len(renders) == 1
        with Image.open(renders[0]) as im:
            colours = {rgb for _n, rgb in (im.convert("RGB").getcolors(2_000_000) or [])}
        assert any(_near(c, PRIMARY) for c in colours), "the owner's primary colour paints the split block"
        assert any(_near(c, MAGENTA) for c in colours), "the owner's logo is on the pin"
        outputs.append(owner.ok("metrics", "pull").output)
        report = owner.ok("report", "--json").output
        outputs.append(report)
        assert json.loads(report)["account"] == "Clay & Co"
        owner.ok("report", "--html", "report.html")
        html = (folder / "report.html").read_text()
        assert "Clay &amp; Co" in html
        outputs.append(html)
    for text in outputs:
        _no_sample(text)


def _near(a: tuple[int, int, int], b: tuple[int, int, int], tol: int = 6) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b, strict=True))


def test_init_asks_on_a_terminal_and_offers_account_boards(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(AppContext, "can_prompt", property(lambda self: True))
    with Emulator(APP_ID, APP_SECRET, tier="standard", seed=5) as emu:
        env = {"PINTEREST_API_BASE": emu.base_url, "PINTEREST_APP_ID": APP_ID, "PINTEREST_APP_SECRET": APP_SECRET}
        owner = _owner_cli(tmp_path, **env)
        owner.ok("init", "--yes")  # only the database: no shop files without a name
        assert not (tmp_path / "boards").exists()
        owner.ok("auth", "login", "--redirect-url", _login_url(emu, "http://127.0.0.1:8085/callback"))
        emu.add_board("Wheel-thrown Bowls", "Bowls", "PUBLIC")
        emu.add_board("Glaze Tests", "", "SECRET")
        answers = "Bowl Barn\nhttps://bowlbarn.example\n#223344,#AA5500\n\nAmerica/New_York\ny\n"
        result = owner.ok("init", input=answers)
        assert "Use the 2 boards your account has (Wheel-thrown Bowls, Glaze Tests)?" in result.output
        board = tomllib.loads((tmp_path / "boards" / "glaze-tests.toml").read_text())
        assert board["name"] == "Glaze Tests" and board["privacy"] == "SECRET"
        assert tomllib.loads((tmp_path / "assets" / "brand.toml").read_text())["shop_name"] == "Bowl Barn"
        assert "logo" not in tomllib.loads((tmp_path / "assets" / "brand.toml").read_text())
        plan = owner.ok("boards", "sync").output  # both exist: nothing to create, nothing asked
        assert plan.count("  link    ") == 2 and "Create" not in plan


def test_init_on_a_terminal_asks_again_after_a_wrong_answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A typo in one answer (a colour, a logo that is not there, a timezone) gets its reason and the
    same question again; it does not end `init` and throw away the answers already given."""
    monkeypatch.setattr(AppContext, "can_prompt", property(lambda self: True))
    owner = _owner_cli(tmp_path)
    answers = "Clay & Kiln\nclayandkiln.example\ngreen\n#1D3557,#E63946\nnope.png\n\nLondon\nEurope/London\nMugs\n"
    result = owner("init", input=answers)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"database created: {tmp_path / '.pinbot' / 'pinbot.db'}\n")
    assert "sqlite:" not in result.output and "account: default" not in result.output
    assert "'green' is not a colour" in result.stderr and "no such file" in result.stderr
    assert "  unknown timezone 'London'" in result.stderr and result.stderr.count("try again") == 3
    assert "PINBOT_TIMEZONE:" not in result.stderr  # the question's words, not the setting's name
    brand = tomllib.loads((tmp_path / "assets" / "brand.toml").read_text())
    assert brand["shop_name"] == "Clay & Kiln" and brand["colors"]["primary"] == "#1D3557"
    assert "PINBOT_TIMEZONE=Europe/London" in (tmp_path / ".env").read_text()
    assert (tmp_path / "boards" / "mugs.toml").is_file()


def test_the_board_file_names_the_templates_there_are(tmp_path: Path) -> None:
    """The comment in a board file `init` writes names every template the owner can pick, and no
    file the owner's folder does not have (it once pointed at docs/images/templates.png)."""
    from pinbot.render.brand import BUNDLED_ASSETS

    _owner_cli(tmp_path).ok("init", "--shop-name", "Kiln Corner", "--board", "Mugs", "--yes")
    text = (tmp_path / "boards" / "mugs.toml").read_text()
    templates = sorted(p.stem for p in (BUNDLED_ASSETS / "templates").glob("*.toml"))
    assert templates and all(name in text for name in templates), text
    assert "docs/" not in text and ".png" not in text
    assert tomllib.loads(text)["default_template"] in templates


def test_boards_sync_asks_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(AppContext, "can_prompt", property(lambda self: True))
    with Emulator(APP_ID, APP_SECRET, tier="standard", seed=5) as emu:
        env = {"PINTEREST_API_BASE": emu.base_url, "PINTEREST_APP_ID": APP_ID, "PINTEREST_APP_SECRET": APP_SECRET}
        owner = _owner_cli(tmp_path, **env)
        first = owner.ok("init", "--shop-name", "Kiln Corner", "--board", "Mugs", "--yes")
        assert "next: `pinbot auth login`" in first.stdout
        owner.ok("auth", "login", "--redirect-url", _login_url(emu, "http://127.0.0.1:8085/callback"))
        # a board added later: logging in again is not what comes next
        later = owner.ok("init", "--board", "Vases", "--yes").stdout
        assert "auth login" not in later and "next: `pinbot boards sync` for a new board" in later
        (tmp_path / "boards" / "vases.toml").unlink()
        declined = owner("boards", "sync", input="n\n")
        assert declined.exit_code == 1 and "Create 1 board on Pinterest (Mugs)?" in declined.output
        assert not emu.store.boards
        owner.ok("boards", "sync", input="y\n")
        assert [b.name for b in emu.store.boards.values()] == ["Mugs"]


def test_init_refuses_bad_input_in_one_line(tmp_path: Path) -> None:
    owner = _owner_cli(tmp_path)
    bad = owner("init", "--shop-name", "X", "--colors", "green")
    assert bad.exit_code == 2 and "--colors: 'green' is not a colour" in bad.output
    missing = owner("init", "--shop-name", "X", "--logo", str(tmp_path / "nope.png"))
    assert missing.exit_code == 2 and "--logo: no such file" in missing.output
    zone = owner("init", "--shop-name", "X", "--timezone", "London", "--yes")
    assert zone.exit_code == 2 and "--timezone: unknown timezone 'London'" in zone.output
    site = owner("init", "--shop-name", "X", "--website", "not a site", "--yes")
    assert site.exit_code == 2 and site.output.startswith("pinbot: --website")
    assert "Traceback" not in bad.output + missing.output + zone.output + site.output
    # Refused before anything is written: no database for a shop that was not made.
    assert "database created" not in bad.output + missing.output + zone.output + site.output
    assert not (tmp_path / ".pinbot").exists()


def test_run_without_a_token_says_log_in(tmp_path: Path) -> None:
    owner = _owner_cli(tmp_path, PINTEREST_API_BASE="http://127.0.0.1:9/v5")
    owner.ok("init", "--shop-name", "Kiln Corner", "--board", "Mugs", "--yes")
    once = owner("run", "--once")
    assert once.exit_code == 6
    assert once.output.strip() == "pinbot: not logged in: run `pinbot auth login`"
    seen: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = seen.append  # type: ignore[method-assign]
    service_log = logging.getLogger("pinbot.service")
    service_log.addHandler(handler)
    try:
        waiting = owner("run", "--max-ticks", "1")  # the service waits quietly instead of failing
    finally:
        service_log.removeHandler(handler)
    assert waiting.exit_code == 0 and "Traceback" not in waiting.output
    messages = [r.getMessage() for r in seen]
    assert any("not logged in: run `pinbot auth login`; the service checks again" in m for m in messages)
    assert not any(r.exc_info for r in seen)


def test_doctor_is_read_only_and_names_each_problem(tmp_path: Path) -> None:
    owner = _owner_cli(tmp_path, PINTEREST_API_BASE="http://127.0.0.1:9/v5")
    result = owner("doctor", "--json")
    assert result.exit_code == 1
    found = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    assert not (tmp_path / ".pinbot").exists() and list(tmp_path.iterdir()) == []  # nothing created
    assert found["database"]["status"] == "fail" and "PINBOT_DATA_DIR" in found["database"]["fix"]
    assert found["app"]["status"] == "fail" and "PINTEREST_APP_ID and PINTEREST_APP_SECRET" in found["app"]["detail"]
    assert found["boards"]["status"] == "fail" and "pinbot init --board" in found["boards"]["fix"]
    assert "fix the named file" not in found["boards"]["fix"]


def test_doctor_shows_the_mail_port_that_will_be_used_not_zero(tmp_path: Path) -> None:
    """An unset PINBOT_SMTP_PORT means the TLS mode's usual port; the settings table said "0"."""
    owner = _owner_cli(tmp_path, PINTEREST_API_BASE="http://127.0.0.1:9/v5")
    shown = owner("doctor").stdout
    assert "(not set: 587, the usual port for starttls)" in shown
    assert "(not set: 465, the usual port for ssl)" in owner("doctor", PINBOT_SMTP_TLS="ssl").stdout
    port_line = next(ln for ln in owner("doctor", PINBOT_SMTP_PORT="2525").stdout.splitlines() if "SMTP_PORT" in ln)
    assert port_line.split()[-1] == "2525"
    assert json.loads(owner("doctor", "--json").stdout)["settings"]["PINBOT_SMTP_PORT"] == "0"  # JSON as it was


def test_doctor_fails_a_token_pinterest_rejects(tmp_path: Path) -> None:
    with Emulator(APP_ID, APP_SECRET, tier="standard", seed=5) as emu:
        env = {"PINTEREST_API_BASE": emu.base_url, "PINTEREST_APP_ID": APP_ID, "PINTEREST_APP_SECRET": APP_SECRET}
        owner = _owner_cli(tmp_path, **env)
        owner.ok("init", "--shop-name", "Kiln Corner", "--board", "Mugs", "--yes")
        owner.ok("auth", "login", "--redirect-url", _login_url(emu, "http://127.0.0.1:8085/callback"))
        good = {c["name"]: c for c in json.loads(owner.ok("doctor", "--json").stdout)["checks"]}
        assert good["token"]["status"] == "ok" and good["token"]["detail"].startswith("accepted by Pinterest")
        emu.inject("expired_token", path="/user_account")
        bad = owner("doctor", "--json")
        token = {c["name"]: c for c in json.loads(bad.stdout)["checks"]}["token"]
        assert bad.exit_code == 1 and token["status"] == "fail" and "rejected the token (HTTP 401" in token["detail"]
        assert "pinbot auth" in token["fix"]


def test_init_from_account_needs_a_login_then_writes_the_accounts_boards(tmp_path: Path) -> None:
    with Emulator(APP_ID, APP_SECRET, tier="standard", seed=5) as emu:
        env = {"PINTEREST_API_BASE": emu.base_url, "PINTEREST_APP_ID": APP_ID, "PINTEREST_APP_SECRET": APP_SECRET}
        owner = _owner_cli(tmp_path, **env)
        early = owner("init", "--shop-name", "Kiln Corner", "--from-account")
        assert early.exit_code == 1
        assert "not logged in: run `pinbot auth login` first, then `pinbot init --from-account`" in early.output
        owner.ok("auth", "login", "--redirect-url", _login_url(emu, "http://127.0.0.1:8085/callback"))
        emu.add_board("Raku Bowls", "Smoke-fired", "PUBLIC")
        done = owner.ok("init", "--shop-name", "Kiln Corner", "--from-account", "--board", "Gifts").output
        assert "shop: Kiln Corner; 2 boards: Gifts, Raku Bowls" in done
        assert tomllib.loads((tmp_path / "boards" / "raku-bowls.toml").read_text())["description"] == "Smoke-fired"


def test_a_new_logo_on_an_existing_shop_is_used_and_a_poor_one_is_said(tmp_path: Path) -> None:
    """A potter's first logo was a small, wide JPEG (taken without a word, shown as a smudge); the
    fix the README gives, `init --logo` again, said "wrote assets/logo.png" and kept brand.toml
    naming logo.jpg, so the new logo was never used. A damaged logo was taken too, and then every
    pin failed to render."""
    real = Path(__file__).resolve().parent / "data" / "real" / "images"
    owner = _owner_cli(tmp_path)
    damaged = owner("init", "--shop-name", "Terra & Fumo", "--logo", str(real / "broken.png"), "--yes")
    assert damaged.exit_code == 2
    assert damaged.output.strip() == "pinbot: --logo: broken.png: damaged PNG file: its header cannot be read"
    assert not (tmp_path / ".pinbot").exists()

    wide = tmp_path / "banner.jpg"
    Image.new("RGB", (200, 120), PRIMARY).save(wide)
    first = owner("init", "--shop-name", "Terra & Fumo", "--board", "Raku", "--logo", str(wide), "--yes")
    assert first.exit_code == 0
    assert "note: your logo banner.jpg is 200x120 px" in first.stderr and "square PNG" in first.stderr
    brand = tmp_path / "assets" / "brand.toml"
    assert tomllib.loads(brand.read_text())["logo"] == "logo.jpg"
    brand.write_text(brand.read_text().replace('accent = "', 'accent = "#E63946"  # mine\n# was "'))

    square = tmp_path / "seal.png"
    Image.new("RGBA", (400, 400), (*MAGENTA, 255)).save(square)
    again = owner.ok("init", "--logo", str(square), "--yes")
    assert 'updated assets/brand.toml (logo = "logo.png")' in again.stdout and "note:" not in again.stderr
    kit = tomllib.loads(brand.read_text())
    assert kit["logo"] == "logo.png" and kit["colors"]["accent"] == "#E63946"  # the owner's edit stays
    assert "kept   assets/brand.toml" not in again.stdout
    from pinbot.render.brand import load_brand

    assert load_brand(tmp_path / "assets").logo == tmp_path / "assets" / "logo.png"
    assert "updated" not in owner.ok("init", "--logo", str(square), "--yes").stdout  # nothing to change
    assert "ok   assets" in owner("doctor").output
    # the logo damaged later (a bad copy, a sync tool): doctor says so, as every render would fail
    (tmp_path / "assets" / "logo.png").write_bytes((real / "truncated_image.png").read_bytes())
    doctor = owner("doctor").output
    assert "FAIL assets" in doctor and "logo.png" in doctor and "every pin would fail to render" in doctor, doctor


def test_a_new_logo_replaces_the_logo_line_not_the_commented_example(tmp_path: Path) -> None:
    """brand.toml is written with the example `# logo = "logo.png"`; an owner who added their own
    `logo =` line under it and then ran `init --logo` got the example turned into a second `logo`
    key: a brand.toml that no longer reads, so every pin failed to render."""
    owner = _owner_cli(tmp_path)
    owner.ok("init", "--shop-name", "Terra & Fumo", "--board", "Raku", "--yes")
    brand = tmp_path / "assets" / "brand.toml"
    text = brand.read_text()
    example = next(line for line in text.splitlines() if line.startswith("# logo ="))
    brand.write_text(text.replace(example, f'{example}\nlogo = "mine.png"'))
    square = tmp_path / "seal.png"
    Image.new("RGBA", (400, 400), (*MAGENTA, 255)).save(square)
    Image.new("RGBA", (300, 300), (*PRIMARY, 255)).save(tmp_path / "assets" / "mine.png")
    owner.ok("init", "--logo", str(square), "--yes")
    assert tomllib.loads(brand.read_text())["logo"] == "logo.png"
    assert example in brand.read_text()  # the example is the owner's to keep


def test_doctors_fix_for_a_missing_logo_works(tmp_path: Path) -> None:
    """The logo file went missing (a tidied folder): doctor says `pinbot init --logo FILE --yes`,
    and that said "no shop files written yet", as brand.toml naming a missing logo did not read."""
    owner = _owner_cli(tmp_path)
    first = tmp_path / "seal.png"
    Image.new("RGBA", (400, 400), (*MAGENTA, 255)).save(first)
    owner.ok("init", "--shop-name", "Terra & Fumo", "--board", "Raku", "--logo", str(first), "--yes")
    (tmp_path / "assets" / "logo.png").unlink()
    doctor = owner("doctor").output
    assert "FAIL assets" in doctor and "pinbot init --logo FILE --yes" in doctor, doctor
    again = owner.ok("init", "--logo", str(first), "--yes")
    assert "no shop files written yet" not in again.output
    assert (tmp_path / "assets" / "logo.png").read_bytes() == first.read_bytes()
    assert "ok   assets" in owner("doctor").output


def test_doctor_names_a_broken_brand_kit_line_not_the_logo(tmp_path: Path) -> None:
    """A typo in a colour made doctor say to swap the logo or delete the `logo =` line, which
    fixes nothing: the fix names the line that is wrong."""
    owner = _owner_cli(tmp_path)
    owner.ok("init", "--shop-name", "Terra & Fumo", "--board", "Raku", "--yes")
    brand = tmp_path / "assets" / "brand.toml"
    brand.write_text(re.sub(r'accent = "[^"]*"', 'accent = "sky blue"', brand.read_text()))
    doctor = owner("doctor").output
    assert "FAIL assets" in doctor and "colors.accent" in doctor, doctor
    assert "--logo" not in doctor and "`logo =`" not in doctor, doctor
    assert "colors.accent in assets/brand.toml" in doctor, doctor
