"""The review in an owner's words and pictures: design names, thumbnails, axes that fit the data,
bar colours, what-to-do lines and the experiments' plain sentences."""

from __future__ import annotations

import base64
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image, ImageChops, ImageOps, ImageStat

from pinbot.experiments.status import ExperimentStatus, VariantStatus
from pinbot.render.names import design_name, design_template
from pinbot.render.thumbs import thumbnail_jpeg, thumbnail_uri
from pinbot.report.actions import action_for
from pinbot.report.bars import ABOVE, BELOW, FEW, LEVEL, Bar, compare, rate_bars
from pinbot.report.experiment_text import experiment_dict, lift_words, next_step, verdict_sentence
from pinbot.report.svg import fmt_pct, nice_axis
from pinbot.review.recommend import plural
from pinbot.review.types import Group, Recommendation, Totals
from pinbot.shop.boards import BoardDef
from pinbot.stats import VariantCounts, verdict, wilson

REAL = Path(__file__).parent / "data" / "real"


def test_designs_are_named_as_people_name_them() -> None:
    assert design_name("split-block.light.subject") == "Split block · light palette · subject crop"
    assert design_name("photo-band.brand.close") == "Photo band · brand colours · close-up crop"
    assert design_name("text-forward") == "Text forward"
    assert design_name("(none)") == design_name(None) == "Photo only (no template)"
    # Three designs that differ only at the end stay three different names.
    names = {design_name(f"text-forward.light.{crop}") for crop in ("subject", "close", "centre")}
    assert len(names) == 3
    assert design_name("my.odd.name") == "My.odd.name"  # not a variant id: shown as it is
    assert design_template("collage.dark.centre") == "collage" and design_template("(none)") is None


def test_plurals() -> None:
    assert plural(1, "pin") == "1 pin" and plural(2, "pin") == "2 pins" and plural(0, "board") == "0 boards"
    assert plural(1204, "impression") == "1,204 impressions"
    assert plural(1, "token refresh", "token refreshes") == "1 token refresh"
    assert plural(3, "token refresh", "token refreshes") == "3 token refreshes"


def test_thumbnails_of_real_photos(tmp_path: Path) -> None:
    bowl = REAL / "photos" / "pres6.jpg"  # 1024x1280 portrait
    data = thumbnail_jpeg(bowl, 120, tmp_path / "cache")
    assert data is not None and data[:3] == b"\xff\xd8\xff" and len(data) < 12_000
    assert Image.open(io.BytesIO(data)).size == (120, 150)
    assert len(list((tmp_path / "cache").iterdir())) == 1
    assert thumbnail_jpeg(bowl, 120, tmp_path / "cache") == data  # from the cache
    panorama = thumbnail_jpeg(REAL / "photos" / "CHSDM-1980-31-5MattFlynn.jpg")
    assert panorama is not None and Image.open(io.BytesIO(panorama)).size == (120, 43)
    # EXIF orientation 6 swaps width and height; CMYK comes out as RGB.
    hopper = REAL / "images" / "hopper_orientation_6.jpg"
    rotated = thumbnail_jpeg(hopper, 64)
    assert rotated is not None
    upright = ImageOps.exif_transpose(Image.open(hopper)).resize((64, 64))
    sideways = Image.open(hopper).convert("RGB").resize((64, 64))
    shown = Image.open(io.BytesIO(rotated)).convert("RGB")
    assert _diff(shown, upright) < _diff(shown, sideways) / 2
    cmyk = thumbnail_jpeg(REAL / "images" / "pil_sample_cmyk.jpg", 60)
    assert cmyk is not None and Image.open(io.BytesIO(cmyk)).mode == "RGB"
    # A broken or missing file is no picture, never an error in the report.
    assert thumbnail_jpeg(REAL / "images" / "truncated_image.png") is None
    assert thumbnail_uri(tmp_path / "gone.jpg") is None and thumbnail_uri(None) is None
    uri = thumbnail_uri(bowl)
    assert uri is not None and base64.b64decode(uri.removeprefix("data:image/jpeg;base64,"))[:3] == b"\xff\xd8\xff"


def _diff(a: Image.Image, b: Image.Image) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3


def test_axes_end_just_past_the_data() -> None:
    end, step = nice_axis(0.026)
    assert 0.026 <= end <= 0.03 and step > 0
    for peak in (0.0085, 0.0178, 0.0098, 0.26, 1234.0, 20_000.0, 3.0):
        end, step = nice_axis(peak)
        assert peak <= end < peak + step + 1e-12 and end / step <= 5, peak
    assert [fmt_pct(k * 0.0025, 0.0025) for k in range(5)] == ["0%", "0.25%", "0.5%", "0.75%", "1%"]


def test_bar_colours_mean_something() -> None:
    shop = 0.01
    assert compare(wilson(300, 10_000), shop, True) == ABOVE
    assert compare(wilson(30, 10_000), shop, True) == BELOW
    assert compare(wilson(100, 10_000), shop, True) == LEVEL
    assert compare(wilson(300, 10_000), shop, False) == FEW
    html = rate_bars(
        [Bar("Long product name that must wrap and not be cut", 0.02, 0.015, 0.026, "900 views · 2 pins", ABOVE)],
        title="t", chart_id="c", reference=shop,
    )  # fmt: skip
    assert "Long product name that must wrap and not be cut" in html  # whole, never [:28]
    assert "clearly above the shop&#x27;s average" in html and "shop average 1.00%" in html
    assert "within chance" not in html  # the legend lists only the colours used
    assert ">3%<" in html and ">5%<" not in html  # the axis ends at 3% for data ending at 2.6%


def _group(dim: str, key: str, label: str) -> Group:
    return Group(dim, key, label, Totals(10_000, 100, 50, 40, 5), rank=1)


def test_each_recommendation_says_how_to_act() -> None:
    boards = {
        "ceramics": BoardDef("ceramics", "Ceramics", default_template="collage", path=Path("boards/ceramics.toml")),
        "jewelry": BoardDef("jewelry", "Jewelry", default_template="photo-band", path=Path("boards/jewelry.toml")),
    }
    groups = {"design": [_group("design", "photo-band", "Photo band"), _group("design", "collage", "Collage")]}
    stop = Recommendation("stop", "Collage", "Stop …", {"dimension": "design", "key": "collage.light.subject"})
    act = action_for(stop, boards, groups)
    assert '`default_template = "collage"` in boards/ceramics.toml to "photo-band"' in act
    assert "pinbot queue cancel" in act
    keep = Recommendation("continue", "Photo band", "Continue …", {"dimension": "design", "key": "photo-band"})
    assert 'set `default_template = "photo-band"` in boards/ceramics.toml' in action_for(keep, boards, groups)
    board = Recommendation("stop", "jewelry", "Stop …", {"dimension": "board", "key": "jewelry"})
    assert "pinbot queue list --board jewelry" in action_for(board, boards, groups)
    hour = Recommendation("start", "hour 21:00", "Start …", {"dimension": "hour", "key": "21"})
    assert "pinbot.toml" in action_for(hour, boards, groups)
    product = Recommendation("start", "product 7", "Start …", {"product_id": 7})
    assert "pinbot queue add --product 7" in action_for(product, boards, groups)
    untried = Recommendation("start", "designs", "Start …", {"untried": ["split-block"], "leader": "photo-band"})
    assert "--variants photo-band,split-block" in action_for(untried, boards, groups)


def _status(outcome: str, counts: list[tuple[str, str, int, int]], planned: int, lift: float) -> ExperimentStatus:
    variants = [
        VariantStatus(key, design, 6, 0, VariantCounts(key, hits, n, ((hits, n),))) for key, design, hits, n in counts
    ]
    v = verdict([x.counts for x in variants], planned)
    winner = next((x.design for x in variants if x.key == v.winner), None) if outcome == "winner" else None
    now = datetime(2026, 3, 1, tzinfo=UTC)
    return ExperimentStatus(
        1, "band-vs-text", "A band earns more visits", "outbound_click_rate", "finished", outcome, planned,
        now + timedelta(days=30), False, variants, v, winner, {"lift": lift},
    )  # fmt: skip


def test_experiments_in_plain_words() -> None:
    close = _status("no_difference", [("A", "photo-band", 56, 9866), ("B", "text-forward", 60, 9866)], 9000, 1.0)
    text = verdict_sentence(close)
    assert text.startswith("After 9,866 views per design, “Photo band” and “Text forward” are too close to call")
    assert "a real 2× difference would have shown" in text and "% of the time" in text
    assert "fail" not in (text + next_step(close)).lower()  # no winner is a lesson, not a failure
    uneven = _status("no_difference", [("A", "photo-band", 56, 9866), ("B", "text-forward", 809, 91835)], 5425, 1.0)
    assert verdict_sentence(uneven).startswith(
        "After 9,866 views of “Photo band” and 91,835 views of “Text forward”, the two are too close to call "
        "(0.57% and 0.88% of viewers visited the shop)"
    )
    won = _status("winner", [("A", "photo-band", 260, 20_000), ("B", "split-block", 160, 20_000)], 20_000, 0.3)
    assert verdict_sentence(won).startswith("“Photo band” won: after 20,000 views per design, 1.30% of viewers")
    assert "experiment status band-vs-text --apply" in next_step(won)
    collecting = _status("collecting", [("A", "photo-band", 5, 900), ("B", "split-block", 4, 1000)], 9000, 0.3)
    assert verdict_sentence(collecting).startswith("900 of the planned 9,000 views per design so far (10%)")
    data = experiment_dict(won)
    assert data["winner_design_name"] == "Photo band" and data["outcome_label"] == "winner"
    assert [v["design_name"] for v in data["variants"]] == ["Photo band", "Split block"]
    assert lift_words(0.3) == "30%" and lift_words(1.0) == "2×" and lift_words(1.5) == "2.5×"


def test_one_pin_that_holds_most_views_is_named() -> None:
    from datetime import date

    from pinbot.report.model import Report, heavy_tail_note
    from pinbot.review.types import PinRow, Review

    def pin(n: int, views: int) -> PinRow:
        return PinRow(n, f"pin {n}", "jewelry", "photo-band", None, "ring", None, Totals(views, 0, 0, 0, 1))

    def report(*views: int) -> Report:
        pins = [pin(i, v) for i, v in enumerate(views)]
        shop = Totals()
        for p in pins:
            shop.add(p.totals)
        review = Review(date(2026, 1, 1), date(2026, 1, 30), "UTC", shop, pins, {}, [], [])
        return Report("shop", datetime(2026, 1, 31, tzinfo=UTC), review)

    note = heavy_tail_note(report(61_000, 20_000, 19_000))
    assert note.startswith("One pin, “pin 0” (jewelry), had 61% of the shop's views") and "“Photo band”" not in note
    assert "(Photo band)" in note
    assert heavy_tail_note(report(30_000, 35_000, 35_000)) == "" and heavy_tail_note(report()) == ""
