"""Product photos: URLs downloaded (size cap, content-type and signature checks) into
photos/<sha256>.<ext>, local paths checked, each failure a reason naming the URL."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from pinbot.importers.fetch import Fetched
from pinbot.importers.images import ImageFailed, ImageStore
from tests.helpers import make_photo
from tests.photo_server import Served, serve


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Served]:
    folder = tmp_path / "cdn"
    make_photo(folder / "mug.jpg", size=(300, 450))
    make_photo(folder / "copy-of-mug.jpg", size=(300, 450))
    make_photo(folder / "bowl.png", fmt="PNG")
    (folder / "fake.jpg").write_bytes(b"this is not a jpeg at all")
    (folder / "page.html").write_text("<html></html>")
    with serve(folder) as served:
        yield served


def test_download_is_content_addressed_and_remembered(server: Served, tmp_path: Path) -> None:
    store = ImageStore(tmp_path / "photos")
    path = Path(store.resolve(server.url("mug.jpg")) or "")
    assert path.read_bytes() == (server.folder / "mug.jpg").read_bytes()
    assert path.suffix == ".jpg" and path.parent == (tmp_path / "photos").resolve()
    assert path.stem == hashlib.sha256(path.read_bytes()).hexdigest()
    assert store.resolve(server.url("copy-of-mug.jpg")) == str(path)  # same bytes, stored once
    png = store.resolve(server.url("bowl.png"))
    assert png is not None and png.endswith(".png")
    assert not list((tmp_path / "photos").glob(".part-*"))
    # a later import (a new store) finds every URL in the index: no request at all
    before = len(server.paths)
    again = ImageStore(tmp_path / "photos")
    assert again.resolve(server.url("mug.jpg")) == str(path) and again.downloaded == 0
    assert len(server.paths) == before


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("missing.jpg", "HTTP 404"),
        ("page.html", "sent text/html, not an image"),
        ("fake.jpg", "not a JPEG, PNG, WebP, GIF, TIFF or BMP image"),
    ],
)
def test_failures_name_the_url_and_reason(server: Served, tmp_path: Path, name: str, reason: str) -> None:
    store = ImageStore(tmp_path / "photos")
    with pytest.raises(ImageFailed) as failed:
        store.resolve(server.url(name))
    assert str(failed.value).startswith(server.url(name) + ": ") and reason in str(failed.value)
    assert not list((tmp_path / "photos").glob("*.jpg"))


def test_size_cap(server: Served, tmp_path: Path) -> None:
    store = ImageStore(tmp_path / "photos", max_bytes=100)
    with pytest.raises(ImageFailed, match=r"over the .* limit|larger than"):
        store.resolve(server.url("mug.jpg"))


def test_nothing_listening(tmp_path: Path) -> None:
    with pytest.raises(ImageFailed, match=r"http://127\.0\.0\.1:9/x\.jpg: cannot connect"):
        ImageStore(tmp_path / "photos").resolve("http://127.0.0.1:9/x.jpg")


def test_injected_fetch_and_no_download(tmp_path: Path) -> None:
    photo = make_photo(tmp_path / "p.jpg")
    calls: list[str] = []

    def fetch(url: str, *, max_bytes: int) -> Fetched:
        calls.append(url)
        return Fetched(url, "image/jpeg", photo.read_bytes())

    store = ImageStore(tmp_path / "photos", fetch)
    got = store.resolve("https://cdn.example.com/p.jpg?v=1")
    assert calls == ["https://cdn.example.com/p.jpg?v=1"] and Path(got or "").read_bytes() == photo.read_bytes()
    assert ImageStore(tmp_path / "photos", fetch, download=False).resolve("https://cdn.example.com/other.jpg") is None
    assert len(calls) == 1


def test_local_paths(tmp_path: Path) -> None:
    photo = make_photo(tmp_path / "shop" / "mug.jpg")
    store = ImageStore(tmp_path / "photos")
    assert store.resolve("mug.jpg", base=tmp_path / "shop") == str(photo.resolve())
    with pytest.raises(ImageFailed, match="no such file"):
        store.resolve("nope.jpg", base=tmp_path)
    with pytest.raises(ImageFailed, match="only http"):
        store.resolve("ftp://example.com/mug.jpg")


def test_a_photo_host_that_cannot_be_found_is_said_in_words(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Offline, every Etsy photo said "cannot connect: [Errno -2] Name or service not known"."""
    import socket
    import urllib.error
    import urllib.request

    def offline(*args: object, **kwargs: object) -> object:
        raise urllib.error.URLError(socket.gaierror(-2, "Name or service not known"))

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(ImageFailed) as caught:
        ImageStore(tmp_path / "photos").resolve("https://i.etsystatic.com/57670088/il_fullxfull.jpg")
    said = str(caught.value)
    assert "cannot find i.etsystatic.com: is this computer online?" in said and "Errno" not in said
