"""A title cut short never ends on a small word ("…cotto a", "…bowl with", "…set of the"), a lone
number or a dash: in the pin's headline, in the renderer's ellipsis and in listings (`clip`). A
title that fits stays exactly as the owner wrote it. Checked on every title of the real exports."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from pinbot.importers.text import shorten
from pinbot.render.brand import load_brand
from pinbot.render.headline import HEADLINE_CHARS, headline_from
from pinbot.render.text import ELLIPSIS, TextStyle, fit_text
from pinbot.words import clip, dangles, drop_dangling

REPO = Path(__file__).resolve().parent.parent
REAL = REPO / "tests" / "data" / "real"


def real_titles() -> list[str]:
    titles = []
    for path in sorted([*(REAL / "etsy").glob("*.csv"), *(REAL / "shopify").glob("*.csv")]):
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                title = row.get("TITLE") or row.get("TITOLO") or row.get("Title") or ""
                if title.strip():
                    titles.append(" ".join(title.split()))
    return titles


TITLES = real_titles()
ITALIAN = "Vaso arrotondato bianco crema cotto a fuoco saggar con tracce di rame verde e segni di fumo"


def test_the_real_titles_are_there() -> None:
    assert len(TITLES) > 200 and any(t.startswith(ITALIAN) for t in TITLES)


@pytest.mark.parametrize(
    ("cut", "kept"),
    [
        ("Vaso arrotondato bianco crema cotto a", "Vaso arrotondato bianco crema cotto"),  # Italian
        ("Handmade stoneware bowl with", "Handmade stoneware bowl"),
        ("Mug set of the", "Mug set"),
        ("Studio open day this", "Studio open day"),  # a demonstrative without its noun
        ("Gifts for your", "Gifts"),
        ("Apertura dello studio questo", "Apertura dello studio"),
        ("Ciotola in gres dell'", "Ciotola in gres"),  # an elided article
        ("Bol en grès avec les", "Bol en grès"),  # French
        ("Vase aus Steinzeug mit der", "Vase aus Steinzeug"),  # German
        ("Jarrón de cerámica para el", "Jarrón de cerámica"),  # Spanish
        ("Speckled mug set of 4", "Speckled mug set"),  # a lone number
        ("Stoneware vase 20", "Stoneware vase"),
        ("Raku vase –", "Raku vase"),  # a lone dash
        ("Bowl &", "Bowl"),
        ("Moltres ex 229/182", "Moltres ex 229/182"),  # a card number is a whole thing
        ("Potters' mugs", "Potters' mugs"),  # a possessive is no elision
        ("The", "The"),  # nothing else would be left: as it is
    ],
)
def test_drop_dangling(cut: str, kept: str) -> None:
    assert drop_dangling(cut) == kept


def test_a_cut_headline_of_a_real_title_never_dangles_and_a_whole_one_is_untouched() -> None:
    cut = 0
    for title in TITLES:
        headline = headline_from(title)
        if len(title) <= HEADLINE_CHARS:
            assert headline == title  # the owner's words, even "Vase with" or "Set of 4"
            continue
        cut += 1
        assert title.startswith(headline) and len(headline) <= HEADLINE_CHARS
        assert not dangles(headline.split(" ")[-1]), (title, headline)
    assert cut > 100
    assert headline_from(ITALIAN) == "Vaso arrotondato bianco crema cotto"  # was "... cotto a"
    assert headline_from("Small saggar fired ceramic vase with smoke effects") == "Small saggar fired ceramic vase"
    assert headline_from("Vase with") == "Vase with" and headline_from("Mug set of 4") == "Mug set of 4"


def test_clip_of_a_real_title_never_dangles() -> None:
    for title in TITLES:
        for width in (20, 30, 45, 60):
            clipped = clip(title, width)
            if len(title) <= width:
                assert clipped == title
                continue
            assert clipped.endswith("…") and len(clipped) <= width
            head = clipped[:-1].split(" ")
            if len(head) > 1 and title.startswith(clipped[:-1]):
                assert not dangles(head[-1]), (title, width, clipped)
    # products list shows titles in 45 characters: it showed "...fired vessel with…"
    wheel = "Wheel thrown pink saggar fired vessel with organic leaf markings and smoke textures"
    assert clip(wheel, 45) == "Wheel thrown pink saggar fired vessel…"


def test_the_renderers_ellipsis_never_follows_a_small_word() -> None:
    """Titles too long for two lines at the smallest size are cut with "…" at a word: across
    widths, the word before the ellipsis is never a small word (it was, e.g. "…vase with…")."""
    brand = load_brand(REPO / "assets")
    style = TextStyle(brand.heading_font, 40, 40, max_lines=2)
    cut = 0
    for title in [t for t in TITLES if len(t) > 60][:40]:
        for width in range(300, 700, 37):
            fitted = fit_text(title, style, width, 400)
            assert fitted is not None
            if not fitted.truncated:
                continue
            cut += 1
            last = fitted.lines[-1]
            assert last.endswith(ELLIPSIS)
            words = last[: -len(ELLIPSIS)].split(" ")
            if len(words) > 1:
                assert not dangles(words[-1]), (title, width, fitted.lines)
    assert cut > 100


def test_a_pins_title_and_description_cut_to_pinterests_limits_never_dangle() -> None:
    """`queue add --product` cuts a long title to the pin's title and alt text limits, and an
    import cuts a description to 800 characters, with the same rule."""
    cut = 0
    for title in TITLES:
        for limit in (40, 60, 100):
            short, was_cut = shorten(title, limit)
            if not was_cut:
                assert short == title
                continue
            cut += 1
            words = short[:-1].split(" ")
            assert len(short) <= limit and (len(words) == 1 or not dangles(words[-1])), (title, short)
    assert cut > 200
    assert shorten("Speckled stoneware mug with the oatmeal glaze", 33) == ("Speckled stoneware mug…", True)
