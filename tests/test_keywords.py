"""Written for search: the keyword lint, the loops' wording, suggestions, and trends (client + emulator)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

import pytest
from sqlalchemy import Engine

from pinbot.clock import FakeClock
from pinbot.emulator import Emulator
from pinbot.errors import InvalidInput
from pinbot.loops.suggest import suggest
from pinbot.loops.wording import write
from pinbot.pinterest.memory import MemoryPinterest
from pinbot.pinterest.trends import TrendingKeyword
from pinbot.queue.keywords import description_problem, keyword_warnings
from pinbot.shop.boards import BoardDef
from tests.test_emulator_client import make_client

CERAMICS = BoardDef("ceramics", "Ceramic Mugs", keywords=("handmade mug", "stoneware", "pottery gifts"))
GOOD = "A speckled stoneware mug, thrown by hand and glazed in small batches."


@dataclass
class P:
    title: str
    description: str = GOOD
    board_id: int = 1
    link: str = ""
    image_path: str | None = None
    template: str | None = None
    variant_key: str | None = None
    product_id: int | None = None
    id: int | None = 7


def _warn(*pins: P) -> list[tuple[str, str]]:
    return [(f.field, f.message) for f in keyword_warnings(list(pins), {1: CERAMICS})]


def test_title_without_a_board_keyword_in_its_first_40_characters_is_flagged() -> None:
    assert _warn(P("Stoneware mug in speckled oatmeal glaze")) == []
    assert _warn(P("HANDMADE MUG, speckled")) == []  # case does not matter
    [(field, message)] = _warn(P("Speckled oatmeal glaze, a lovely thing to hold every morning: stoneware"))
    assert field == "title" and "first 40 characters" in message and "pin 7" in message
    assert "handmade mug" in message  # says which words would count
    assert "('Speckled oatmeal glaze, a lovely thing…')" in message  # a long title cut after a whole word
    assert _warn(P("Anything at all", board_id=2)) == []  # a board without keywords: nothing to check


def test_descriptions_that_are_only_hashtags_or_too_short_are_flagged() -> None:
    assert description_problem("#mug #stoneware #gift") is not None
    assert "only hashtags" in (description_problem("#mug #stoneware") or "")
    assert "shorter than a sentence" in (description_problem("Blue mug.") or "")
    assert "shorter than a sentence" in (description_problem("") or "")
    assert description_problem(GOOD + " #mug") is None
    fields = [f for f, _ in _warn(P("Stoneware mug", description="#mug #gift"))]
    assert fields == ["description"]


def test_loop_wording_varies_carries_a_keyword_and_repeats_itself_exactly() -> None:
    made = [write("Speckled oatmeal mug", GOOD, ["mug", "gift"], CERAMICS.keywords, (), n) for n in range(6)]
    assert len({w.title for w in made}) == 6 and len({w.description for w in made}) >= 5
    for w in made:
        assert any(k in w.title.lower()[:40] for k in CERAMICS.keywords), w.title
        assert description_problem(w.description) is None and w.description.startswith("A speckled stoneware mug")
        assert "#mug" in w.description
    assert write("Speckled oatmeal mug", GOOD, ["mug"], CERAMICS.keywords, (), 3) == write(
        "Speckled oatmeal mug", GOOD, ["mug"], CERAMICS.keywords, (), 3
    )
    # A loop started from a trend puts the trend first; a long product title never pushes it out.
    long = write("Speckled " * 12, GOOD, [], CERAMICS.keywords, ("christmas mug",), 0)
    assert long.title.lower().startswith("christmas mug") and len(long.title) <= 100 and long.title.endswith("…")
    for n in range(5):
        head = write("A" * 99, GOOD, [], CERAMICS.keywords, (), n).title.lower()[:40]
        assert any(k in head for k in CERAMICS.keywords), head


def test_suggest_explains_every_word() -> None:
    trend = TrendingKeyword("christmas mug", 10, 250, 12, {date(2025, 12, 13): 100, date(2025, 10, 4): 20})
    unrelated = TrendingKeyword("wedding favors", 1, 2, 3)
    s = suggest(1, "Speckled stoneware mug", GOOD, ["gift"], [], {"ceramics": CERAMICS}, [trend, unrelated])
    by_word = {w["word"]: w for w in s.words}
    assert s.boards == ["ceramics"]
    assert by_word["christmas mug"]["source"] == "trend" and "+250% month over month" in by_word["christmas mug"]["why"]
    assert "Dec 13" in by_word["christmas mug"]["why"]
    assert "wedding favors" not in by_word
    assert by_word["handmade mug"]["source"] == "board" and by_word["speckled"]["source"] == "product"
    assert s.sample_title.lower().startswith("christmas mug")


def test_suggest_keeps_trends_about_another_kind_of_product_out_of_the_title() -> None:
    """A saggar vase from a real Etsy export (tests/data/real/etsy, sabaceramics) and the trends the
    emulator offers in late November: a trend sharing only a describing word ("handmade christmas
    ornaments", via the tag "Handmade bud vase") is not about the vase and must not become its title;
    a falling trend is not one "people search now"."""
    tags = ["Smoky_grey_vase", "Handmade_bud_vase", "Earthy_home_decor", "Wheel_thrown_vase"]
    tags = [t.replace("_", " ") for t in tags]
    trends = [
        TrendingKeyword("handmade christmas ornaments", 1, 460, 1),
        TrendingKeyword("fall decor", 1, -59, 1),
        TrendingKeyword("handmade pottery", 1, 2, 1),
        TrendingKeyword("vases", 1, 5, 1),
    ]
    title = "Saggar pottery vase with smoky grey textures and copper marks"
    s = suggest(1, title, "Small stoneware vessel thrown on the wheel.", tags, [], {}, trends)
    by_word = {w["word"]: w for w in s.words}
    assert "handmade christmas ornaments" not in by_word
    assert "christmas" not in s.sample_title.lower() and "christmas" not in s.sample_description.lower()
    assert by_word["handmade pottery"]["source"] == by_word["vases"]["source"] == "trend"  # plural or not
    assert by_word["fall decor"]["why"].startswith("people search it less now, -59%")
    assert s.sample_title.lower().startswith("handmade pottery")  # the first rising one, not the falling one


def test_the_memory_fake_checks_requests_like_the_client() -> None:
    fake = MemoryPinterest(FakeClock())
    fake.trends["seasonal"] = [TrendingKeyword("christmas mug"), TrendingKeyword("fall decor")]
    assert [t.keyword for t in fake.trending_keywords("US", "seasonal", include_keywords=["mug"])] == ["christmas mug"]
    with pytest.raises(InvalidInput, match="interest"):
        fake.trending_keywords("US", "seasonal", ["pottery"])
    with pytest.raises(InvalidInput, match="region"):
        fake.trending_keywords("UK", "growing")


@pytest.fixture
def emu() -> Iterator[Emulator]:
    clock = FakeClock(datetime(2026, 10, 20, 12))
    with Emulator("4242", "client-test-secret", tier="standard", clock=clock, seed=5) as e:
        yield e


def test_trends_through_the_client_follow_the_season(emu: Emulator, engine: Engine) -> None:
    clock = emu.clock
    assert isinstance(clock, FakeClock)
    client = make_client(emu, engine, clock)
    seasonal = client.trending_keywords("US", "seasonal", ["diy_and_crafts", "home_decor"], limit=50)
    words = [t.keyword for t in seasonal]
    assert "handmade pottery" not in words  # no season: never a seasonal trend
    xmas = next(t for t in seasonal if t.keyword == "handmade christmas ornaments")
    assert xmas.pct_growth_mom is not None and xmas.pct_growth_mom > 0  # in October, Christmas searches climb
    assert xmas.peak_week is not None and xmas.peak_week.month == 12
    assert len(xmas.time_series) == 52 and max(xmas.time_series.values()) == 100
    growing = client.trending_keywords("US", "growing", limit=3)
    assert len(growing) == 3
    only = client.trending_keywords("US", "monthly", include_keywords=["mug"])
    assert only and all("mug" in t.keyword for t in only)
    # Six months later the same keyword is falling.
    clock.advance(days=120)
    client = make_client(emu, engine, clock, name="later")  # fresh tokens: the first ones expired meanwhile
    later = client.trending_keywords("US", "yearly", include_keywords=["christmas ornaments"])
    assert later[0].pct_growth_mom is not None and later[0].pct_growth_mom < 0


def test_seasons_wrap_the_new_year_and_start_before_the_peak() -> None:
    from pinbot.loops.season import in_season, lead_start, parse_md, season_around

    assert lead_start("12-25", 50) == "11-05" and lead_start("02-14", 45) == "12-31"
    assert in_season(date(2027, 1, 3), "11-20", "01-06") and not in_season(date(2026, 11, 19), "11-20", "01-06")
    assert season_around(date(2027, 1, 3), "11-20", "01-06") == (date(2026, 11, 20), date(2027, 1, 6))
    assert season_around(date(2026, 3, 1), "11-20", "01-06") == (date(2026, 11, 20), date(2027, 1, 6))
    assert parse_md("2026-12-24", "end") == "12-24"
    with pytest.raises(InvalidInput, match="month-day"):
        parse_md("13-01", "start")


def test_queue_add_warns_about_weak_words_but_queues(initialised_cli, shop_dir) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import make_photo

    photo = make_photo(shop_dir / "photo.jpg")
    args = ["queue", "add", "--board", "ceramics", "--title", "Blue thing", "--image", str(photo)]
    result = initialised_cli.ok(*args, "--description", "#blue #mug")
    said = " ".join(result.output.split())
    assert "first 40 characters of the title carry none of the keywords of board ceramics (handmade mug" in said
    assert "only hashtags" in said and said.endswith(" 1")  # queued all the same
