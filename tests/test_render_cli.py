"""`pinbot render` through the real CLI: pins and products from the database, files in --out,
one clear line and a non-zero exit for bad ids or bad photos, and the batch goes on."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image

from pinbot.render.samples import sample_photo
from pinbot.store import db
from pinbot.store.models import Board, Pin, Product
from tests.conftest import Cli


def seed(cli: Cli, tmp_path: Path) -> dict[str, int]:
    """One product with two photos, three pins (good, truncated photo, no template of its own)."""
    mug = tmp_path / "mug.jpg"
    sample_photo("mug", (900, 1200)).save(mug, "JPEG", quality=88)
    planter = tmp_path / "planter.jpg"
    sample_photo("planter", (900, 1200)).save(planter, "JPEG", quality=88)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(mug.read_bytes()[:4000])
    engine = db.make_engine(cli.env["PINBOT_DATABASE_URL"])
    ids: dict[str, int] = {}
    with db.session_scope(engine) as session:
        account = db.get_or_create_account(session, "default")
        assert account.id is not None
        board = Board(account_id=account.id, key="ceramics", name="Ceramic Mugs & Planters")
        session.add(board)
        product = Product(
            account_id=account.id,
            external_id="mug-1",
            title="Speckled stoneware mug",
            link="https://www.fernandkiln.com/mug",
            price_cents=3800,
            currency="USD",
            image_paths=[str(mug), str(planter)],
        )
        session.add(product)
        session.flush()
        assert board.id is not None and product.id is not None
        due = datetime(2026, 12, 1, tzinfo=UTC)
        good = Pin(account_id=account.id, board_id=board.id, product_id=product.id, title="Speckled mug",
                   link="https://fernandkiln.com/mug", template="photo-band", due_at=due)  # fmt: skip
        bad = Pin(account_id=account.id, board_id=board.id, title="Broken photo", image_path=str(broken),
                  template="photo-band", due_at=due)  # fmt: skip
        board_default = Pin(account_id=account.id, board_id=board.id, product_id=product.id, title="Planter",
                            due_at=due)  # fmt: skip
        session.add_all([good, bad, board_default])
        session.flush()
        ids = {"product": product.id, "good": good.id, "bad": bad.id, "board_default": board_default.id}  # type: ignore[dict-item]
    engine.dispose()
    return ids


def test_render_pin_writes_the_image_the_poster_will_post(initialised_cli: Cli, tmp_path: Path) -> None:
    ids = seed(initialised_cli, tmp_path)
    out = tmp_path / "out"
    result = initialised_cli.ok("render", str(ids["good"]), "--out", str(out))
    target = out / f"pin-{ids['good']}.jpg"
    assert str(target) in result.stdout
    with Image.open(target) as im:
        assert im.size == (1000, 1500) and im.format == "JPEG"
    # The render went through the poster's cache, so posting it later is a cache hit.
    cache = Path(initialised_cli.env["PINBOT_DATA_DIR"]) / "renders"
    assert [p.read_bytes() for p in cache.glob("*.jpg")] == [target.read_bytes()]


def test_pin_without_template_uses_its_boards_default(initialised_cli: Cli, tmp_path: Path) -> None:
    ids = seed(initialised_cli, tmp_path)
    result = initialised_cli.ok("render", str(ids["board_default"]), "--out", str(tmp_path / "o"), "--json")
    (row,) = json.loads(result.stdout)["renders"]
    assert row["variant"] == "split-block"  # boards/ceramics.toml: default_template = "split-block"


def test_batch_goes_on_past_a_bad_photo_and_exits_non_zero(initialised_cli: Cli, tmp_path: Path) -> None:
    ids = seed(initialised_cli, tmp_path)
    out = tmp_path / "out"
    result = initialised_cli("render", str(ids["good"]), str(ids["bad"]), str(ids["board_default"]),
                             "--out", str(out), "--jobs", "2")  # fmt: skip
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("pinbot:")]
    assert errors[0].startswith(f"pinbot: pin {ids['bad']}: {tmp_path / 'broken.jpg'}: cannot decode"), errors
    assert errors[1] == "pinbot: 1 of 3 renders failed"
    assert len(errors) == 2
    assert "Traceback" not in result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"pin-{ids['good']}.jpg", f"pin-{ids['board_default']}.jpg"]
    )


def test_unknown_ids_and_templates_fail_with_one_line(initialised_cli: Cli, tmp_path: Path) -> None:
    ids = seed(initialised_cli, tmp_path)
    for args, expect in (
        (["render", "9999"], "pin 9999: no such pin"),
        (["render", "--product", "9999", "--template", "photo-band"], "no product '9999'"),
        (["render", "--product", str(ids["product"]), "--template", "neon"], "template 'neon' not found"),
        (["render"], "which pins to draw (`pinbot queue list` shows their ids)"),
        (["render", "1", "--product", str(ids["product"])], "give PIN_ID(s) or --product ID_OR_KEY, not both"),
        (["render", "--sheet"], "go with --product"),
    ):
        result = initialised_cli(*args, "--out", str(tmp_path / "o"))
        assert result.exit_code != 0, args
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and expect in lines[0], (args, result.stderr)


def test_product_template_and_variants(initialised_cli: Cli, tmp_path: Path) -> None:
    ids = seed(initialised_cli, tmp_path)
    out = tmp_path / "out"
    pid = ids["product"]
    initialised_cli.ok("render", "--product", str(pid), "--template", "collage", "--out", str(out))
    assert (out / f"product-{pid}-collage.jpg").is_file()
    result = initialised_cli.ok("render", "--product", str(pid), "--variants", "3", "--out", str(out), "--json")
    rows = json.loads(result.stdout)["renders"]
    assert len(rows) == 3 and len({r["variant"] for r in rows}) == 3
    again = json.loads(initialised_cli.ok("render", "--product", str(pid), "--variants", "3", "--out", str(out),
                                          "--json").stdout)["renders"]  # fmt: skip
    assert [r["variant"] for r in again] == [r["variant"] for r in rows]  # stable ids
    for row in rows:
        assert Path(row["path"]).name == f"product-{pid}-{row['variant']}.jpg"


def test_contact_sheet_labels_designs_in_words(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under each tile the owner reads "Text forward · light palette · subject crop", never the id
    `text-forward.light.subject` (which stays the key in the database and JSON)."""
    from pinbot.render import sheet
    from pinbot.render.brand import BUNDLED_ASSETS, load_brand

    written: list[str] = []
    real_fit = sheet.fit_text

    def recording(text: str, *args: object, **kw: object):  # type: ignore[no-untyped-def]
        written.append(text)
        return real_fit(text, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(sheet, "fit_text", recording)
    photo = tmp_path / "pin.png"
    Image.new("RGB", (200, 300), (120, 90, 60)).save(photo)
    brand = load_brand(BUNDLED_ASSETS)
    sheet.make_contact_sheet(
        [("text-forward.light.subject", photo.read_bytes())], brand, "Bowl", skipped=[("photo-band", "too wide")]
    )
    assert "Text forward · light palette · subject crop" in written
    assert "Photo band (not used)" in written
    assert not any("text-forward.light" in t or "photo-band" in t for t in written), written


def test_contact_sheet_of_every_template(initialised_cli: Cli, tmp_path: Path) -> None:
    ids = seed(initialised_cli, tmp_path)
    out = tmp_path / "sheet"
    result = initialised_cli.ok("render", "--sheet", "--product", str(ids["product"]), "--out", str(out))
    sheet = out / f"sheet-product-{ids['product']}.jpg"
    assert f"contact sheet: {sheet}" in result.stdout
    assert [p.name for p in out.iterdir()] == [sheet.name]
    with Image.open(sheet) as im:
        assert im.width > 1000 and im.height > 1200
