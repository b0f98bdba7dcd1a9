"""Blog feeds: RSS 2.0 and Atom items become products (guid/id, summary text, link, one photo from
media:content, enclosure or the first <img>), fetched from a URL or read from a file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pinbot.errors import InvalidInput
from pinbot.importers.feed import parse_feed
from pinbot.importers.fetch import UrllibFetch
from pinbot.importers.images import ImageStore
from tests.photo_server import Served, serve
from tests.product_fixtures import atom_feed, make_photos, rss_feed


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Served]:
    make_photos(tmp_path / "site")
    with serve(tmp_path / "site") as served:
        yield served


def _bytes(path: str | None) -> bytes:
    assert path is not None
    return Path(path).read_bytes()


def test_rss_from_a_url(server: Served, tmp_path: Path) -> None:
    (server.folder / "feed.xml").write_text(rss_feed(server.base))
    fetch = UrllibFetch(timeout=5)
    parsed = parse_feed(server.url("feed.xml"), ImageStore(tmp_path / "photos", fetch), fetch)
    assert server.paths[0] == "/feed.xml"
    assert parsed.source == "feed" and parsed.unit == "item" and parsed.rows == 5
    records = {n: r for n, r in parsed.records}
    assert sorted(records) == [1, 2, 3, 5]

    glaze = records[1]
    assert (glaze.external_id, glaze.title) == ("post-101", "How to glaze pottery at home")
    assert glaze.link == f"{server.base}/blog/glazing-at-home"
    assert glaze.description == "Everything you need to glaze your first bowls without a studio."
    assert glaze.tags == ("tutorial", "glazing") and glaze.in_stock and glaze.price_cents is None
    assert glaze.image_paths and _bytes(glaze.image_paths[0]) == (server.folder / "thumb.jpg").read_bytes()

    open_day = records[2]
    assert open_day.title == "Studio open day & sale" and open_day.external_id == f"{server.base}/blog/open-day"
    assert open_day.image_paths and _bytes(open_day.image_paths[0]) == (server.folder / "enclosure.jpg").read_bytes()

    glazes = records[3]  # no guid: the link is the id; a relative <img> resolved against the post
    assert glazes.external_id == f"{server.base}/blog/three-glazes"
    assert glazes.image_paths and _bytes(glazes.image_paths[0]) == (server.folder / "images/glaze.jpg").read_bytes()

    assert records[5].image_paths == ()
    assert "item 5: no photo found" in parsed.notes[0]
    ((number, error),) = [(e.row, e) for e in parsed.errors]
    assert number == 4 and error.field == "link"


def test_atom_from_a_file(server: Served, tmp_path: Path) -> None:
    feed = tmp_path / "journal.atom"
    feed.write_text(atom_feed(server.base))
    parsed = parse_feed(str(feed), ImageStore(tmp_path / "photos"), UrllibFetch(timeout=5))
    assert parsed.errors == []
    (n1, hanger), (n2, cord) = parsed.records
    assert (n1, n2) == (1, 2)
    assert hanger.title == "Make a macrame plant hanger in an hour"
    assert hanger.external_id == "tag:journal.example.com,2026:plant-hanger"
    assert hanger.link == f"{server.base}/journal/plant-hanger"
    assert hanger.description == "Four knots, one ring and cotton cord."
    assert hanger.tags == ("macrame", "tutorial")
    assert hanger.image_paths and _bytes(hanger.image_paths[0]) == (server.folder / "enclosure.jpg").read_bytes()
    assert cord.link == f"{server.base}/journal/cord" and cord.description == "Cotton or jute?"
    assert cord.image_paths and _bytes(cord.image_paths[0]) == (server.folder / "images/glaze.jpg").read_bytes()


def test_bad_feeds_are_one_clear_error(server: Served, tmp_path: Path) -> None:
    store = ImageStore(tmp_path / "photos")
    fetch = UrllibFetch(timeout=5)
    with pytest.raises(InvalidInput, match=r"feed: http://127\.0\.0\.1:\d+/nope\.xml: HTTP 404"):
        parse_feed(server.url("nope.xml"), store, fetch)
    with pytest.raises(InvalidInput, match="no such file"):
        parse_feed(str(tmp_path / "absent.xml"), store, fetch)
    html = tmp_path / "page.xml"
    html.write_text("<html><body><p>hello</p></body></html>")
    with pytest.raises(InvalidInput, match="not an RSS or Atom feed"):
        parse_feed(str(html), store, fetch)
    broken = tmp_path / "broken.xml"
    broken.write_text("<rss><channel><item></channel>")
    with pytest.raises(InvalidInput, match="not valid XML"):
        parse_feed(str(broken), store, fetch)


def test_entity_expansion_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        "<rss><channel><item><title>&b;</title><link>https://x.example/</link></item></channel></rss>"
    )
    with pytest.raises(InvalidInput, match="refused"):
        parse_feed(str(bomb), ImageStore(tmp_path / "photos"), UrllibFetch(timeout=5))


def test_a_failing_photo_is_a_warning_and_the_post_is_kept(server: Served, tmp_path: Path) -> None:
    text = rss_feed(server.base).replace(f"{server.base}/thumb.jpg", f"{server.base}/gone.jpg")
    feed = tmp_path / "feed.xml"
    feed.write_text(text)
    parsed = parse_feed(str(feed), ImageStore(tmp_path / "photos"), UrllibFetch(timeout=5))
    assert [(e.row, e.field) for e in parsed.errors] == [(4, "link")]
    assert any(n.startswith(f"item 1: {server.base}/gone.jpg: HTTP 404") for n in parsed.notes)
    assert "item 1: no photo found, give --image when you queue it" in parsed.notes
    assert [n for n, _ in parsed.records] == [1, 2, 3, 5]
