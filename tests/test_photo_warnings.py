"""The queue's "photo too small for its design" warnings: one line per photo and design, whether the
design is the pin's own or its board's default, in the order the pins name them."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from pinbot.queue.photo_check import photo_warnings
from pinbot.queue.service import PinRequest
from pinbot.shop.boards import BoardDef

ASSETS = Path(__file__).resolve().parent.parent / "assets"


def test_each_photo_and_design_is_warned_about_once_in_order(tmp_path: Path) -> None:
    small, other, big = tmp_path / "small.jpg", tmp_path / "other.jpg", tmp_path / "big.jpg"
    Image.new("RGB", (600, 400), (120, 80, 40)).save(small)
    Image.new("RGB", (500, 500), (40, 80, 120)).save(other)
    Image.new("RGB", (2000, 3000), (40, 120, 80)).save(big)
    boards = {
        "plain": BoardDef(key="plain", name="Plain"),
        "banded": BoardDef(key="banded", name="Banded", default_template="photo-band"),
        "blank": BoardDef(key="blank", name="Blank", default_template=""),
    }

    def pin(image: Path | None, *keys: str, template: str | None = None) -> PinRequest:
        return PinRequest(boards=keys, title="Mug", image=str(image) if image else None, template=template)

    requests = [
        pin(small, "plain"),  # no design anywhere: nothing to say
        pin(small, "blank", "nowhere"),  # an empty default, an unknown board: nothing either
        pin(None, "banded"),  # no photo
        pin(other, "plain", "banded"),  # the board's design
        pin(small, "plain", template="photo-overlay"),  # the pin's own
        pin(small, "banded"),
        pin(other, "banded", template="photo-band"),  # already said
        pin(small, template="photo-band"),  # on no board: nothing
        pin(big, "banded"),  # big enough
    ]
    lines = photo_warnings(ASSETS, boards, requests)
    assert [line.split(" (")[0] + " | " + line.split(" in the ")[1].split(" design")[0] for line in lines] == [
        "warning: other.jpg | photo-band",
        "warning: small.jpg | photo-overlay",
        "warning: small.jpg | photo-band",
    ]
    assert photo_warnings(ASSETS, {"plain": boards["plain"]}, requests[:2]) == []
