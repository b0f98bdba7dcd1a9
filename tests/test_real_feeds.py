"""Real saved feeds (tests/data/real/feeds): any declared encoding is decoded, tracking pixels and
emoji are never a post's photo (by markup, by host, by real size), Shopify's products feed gives
prices and clean descriptions. Photos come from an injected fetch: no network."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from pinbot.importers.feed import parse_feed
from pinbot.importers.fetch import Fetched, FetchError
from pinbot.importers.images import ImageStore
from tests.conftest import Cli

FEEDS = Path(__file__).resolve().parent / "data" / "real" / "feeds"
TRACKERS = ("feedpress.me", "feedburner.com/~r", "medium.com/_/stat", "s.w.org/images/core/emoji", "wp-smiley")


def jpeg(size: tuple[int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (150, 120, 90)).save(buf, "JPEG")
    return buf.getvalue()


class FakeWeb:
    """Every image URL answers with a photo (or what `sizes` says); records what was asked."""

    def __init__(self, sizes: dict[str, tuple[int, int]] | None = None, missing: tuple[str, ...] = ()) -> None:
        self.asked: list[str] = []
        self.sizes = sizes or {}
        self.missing = missing

    def __call__(self, url: str, *, max_bytes: int) -> Fetched:
        self.asked.append(url)
        if any(m in url for m in self.missing):
            raise FetchError("HTTP 404 Not Found")
        size = next((s for key, s in self.sizes.items() if key in url), (900, 1200))
        return Fetched(url, "image/jpeg", jpeg(size))


def parse(name: str, tmp_path: Path, web: FakeWeb | None = None) -> tuple:  # type: ignore[type-arg]
    web = web or FakeWeb()
    parsed = parse_feed(str(FEEDS / name), ImageStore(tmp_path / "photos", web), web)
    return parsed, web


@pytest.mark.parametrize(
    ("name", "items", "title_part", "note"),
    [
        ("kc0011.rss", 20, "", None),  # gb2312 declared: exit 70 before
        ("encoding.rss", 40, "Mãe de utente", None),  # ISO-8859-1 declared
        ("uolNoticias.rss", 15, "", "read as Windows-1252"),  # no declaration, Latin-1 bytes
        ("PaulDixExplainsNothing.xml", 5, "", None),  # a blank line before <?xml
    ],
)
def test_every_encoding_is_decoded(name: str, items: int, title_part: str, note: str | None, tmp_path: Path) -> None:
    parsed, _ = parse(name, tmp_path)
    assert parsed.rows == items and len(parsed.records) == items, parsed.errors
    text = " ".join(r.title + r.description for _, r in parsed.records)
    assert "\ufffd" not in text and "Ã" not in text  # no mojibake
    if title_part:
        assert title_part in text
    if note:
        assert any(note in n for n in parsed.notes)


def test_gb2312_titles_are_chinese(tmp_path: Path) -> None:
    parsed, _ = parse("kc0011.rss", tmp_path)
    titles = [r.title for _, r in parsed.records]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in t) for t in titles[:5]), titles[:5]


def test_undeclared_koi8r_and_windows1255_are_read_with_a_note(tmp_path: Path) -> None:
    koi, _ = parse("koi8r.xml", tmp_path)
    assert "the feed does not say its encoding; it was read as KOI8-R" in koi.notes
    hebrew, _ = parse("windows1255.xml", tmp_path)
    assert "the feed does not say its encoding; it was read as Windows-1255" in hebrew.notes
    # Their one item has no link (a parser test file): refused for that, not for the bytes.
    assert [e.field for e in koi.errors] == ["link"]


@pytest.mark.parametrize("name", ["natasha.xml", "KatieFloyd.rss", "489.rss", "encoding.rss"])
def test_trackers_and_emoji_are_never_chosen_nor_downloaded(name: str, tmp_path: Path) -> None:
    raw = (FEEDS / name).read_bytes().decode("latin-1")
    assert any(t in raw for t in TRACKERS)  # the real file does carry them
    parsed, web = parse(name, tmp_path)
    assert not [u for u in web.asked if any(t in u for t in TRACKERS)]
    for number, record in parsed.records:
        if not record.image_paths:
            assert f"item {number}: no photo found, give --image when you queue it" in " ".join(parsed.notes)


def test_emoji_without_size_hints_are_skipped_by_their_real_size(tmp_path: Path) -> None:
    """Derived from natasha.xml: the emoji's class and host are hidden, only its pixels tell."""
    text = (FEEDS / "natasha.xml").read_text(encoding="utf-8")
    text = text.replace('class="wp-smiley"', "").replace("s.w.org/images/core/emoji", "cdn.example/e")
    derived = tmp_path / "natasha-derived.xml"
    derived.write_text(text, encoding="utf-8")
    web = FakeWeb(sizes={"cdn.example/e/": (72, 72)})
    parsed = parse_feed(str(derived), ImageStore(tmp_path / "photos", web), web)
    chosen = [Path(p) for _, r in parsed.records for p in (r.image_paths or ())]
    assert chosen and all(Image.open(p).size == (900, 1200) for p in chosen)
    assert any("(1 image skipped: a tracking pixel, emoji or icon)" in n or "images skipped" in n for n in parsed.notes)


def test_a_missing_photo_falls_back_to_the_next(tmp_path: Path) -> None:
    """natasha.xml's first post has two screenshots: the first answers 404, the second is used."""
    gone = "https://www.natashatherobot.com/wp-content/uploads/Screen-Shot-2017-07-07-at-12.35.13-PM.png"
    parsed, _ = parse("natasha.xml", tmp_path, FakeWeb(missing=(gone,)))
    assert f"item 1: {gone}: HTTP 404 Not Found; another photo was used" in parsed.notes
    first = parsed.records[0][1]
    assert first.image_paths and len(first.image_paths) == 1 and parsed.errors == []


def test_the_shopify_products_feed_gives_prices_and_clean_descriptions(tmp_path: Path) -> None:
    parsed, _ = parse("draw-down.atom", tmp_path)
    assert len(parsed.records) == 25
    first = parsed.records[0][1]
    assert (first.price_cents, first.currency) == (1550, "USD")  # <s:price currency="USD">15.50</s:price>
    assert "Publishing" in first.tags  # <s:tag>
    for _, record in parsed.records:
        assert record.price_cents is not None
        assert not record.description.startswith(("Vendor:", "Type:", "Price:")), record.description[:60]
        assert "Vendor:" not in record.description.split("\n", 1)[0]


def test_notes_are_one_line_each_when_piped(initialised_cli: Cli) -> None:
    result = initialised_cli.ok("products", "import-feed", str(FEEDS / "natasha.xml"), "--no-download")
    notes = [line for line in result.stderr.splitlines() if "no photo found" in line]
    assert notes and all(line.endswith("give --image when you queue it") or line.endswith(")") for line in notes)
    assert all(len(line) > 80 for line in notes)  # not hard-wrapped at 80 columns
