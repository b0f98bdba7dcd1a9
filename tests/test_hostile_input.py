"""Hostile or odd input is refused with one line naming the field (issue 12): control and
text-direction characters in titles, links with credentials, bad ports or spaces, times that
overflow, and images that are folders, pipes or devices."""

from __future__ import annotations

import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pinbot.errors import InvalidInput
from pinbot.shop.validation import TITLE_MAX, check_image_path, check_link, check_text, parse_when
from tests.conftest import Cli
from tests.helpers import make_photo


@pytest.mark.parametrize(
    "title",
    ["Mug\x7f", "Mug\x9b31m red", "Mug\x85two", "Mug\nline two", "Mug\u202eevil", "Mug\u2066x", "Mug\u2028x"],
)
def test_titles_refuse_control_line_break_and_bidi_characters(title: str) -> None:
    with pytest.raises(InvalidInput, match="title"):
        check_text("title", title, TITLE_MAX, single_line=True)


def test_descriptions_keep_their_line_breaks_but_not_controls() -> None:
    assert check_text("description", "Line one\nLine two", 800) == "Line one\nLine two"
    with pytest.raises(InvalidInput, match="U\\+009B"):
        check_text("description", "red\x9b31m", 800)


@pytest.mark.parametrize(
    "link",
    [
        "https://admin:hunter2@shop.example/mug",
        "https://admin@shop.example/mug",
        "https://shop.example:99999/mug",
        "https://shop.example/my mug",
        "https://shop.example/m\tug",
        "https://shop.example:-1/mug",
    ],
)
def test_links_with_credentials_bad_ports_or_spaces_are_refused(link: str) -> None:
    with pytest.raises(InvalidInput, match="link"):
        check_link(link)


def test_ordinary_links_pass() -> None:
    for link in (
        "https://shop.example/mug?x=1#top",
        "http://shop.example:8080/a%20b",
        "https://xn--bcher-kva.example/",
    ):
        assert check_link(link) == link


@pytest.mark.parametrize("value", ["0001-01-01T00:00+01:00", "9999-12-31T23:59-05:00", "1900-01-01T00:00"])
def test_extreme_times_are_refused_not_overflowing(value: str) -> None:
    with pytest.raises(InvalidInput, match="not a plausible time"):
        parse_when(value, ZoneInfo("UTC"))


def test_a_folder_a_pipe_or_a_device_is_not_an_image(tmp_path: Path) -> None:
    fifo = tmp_path / "photo.jpg"
    os.mkfifo(fifo)
    with pytest.raises(InvalidInput, match="not a regular file"):
        check_image_path(str(fifo))  # never opened: reading a pipe would hang
    with pytest.raises(InvalidInput, match="not a regular file"):
        check_image_path("/dev/zero")
    with pytest.raises(InvalidInput, match="is a folder"):
        check_image_path(str(tmp_path))


def test_queue_add_refuses_a_link_with_a_password_in_one_line(initialised_cli: Cli, tmp_path: Path) -> None:
    photo = make_photo(tmp_path / "mug.jpg")
    args = ["queue", "add", "--board", "ceramics", "--title", "Mug", "--image", str(photo)]
    result = initialised_cli(*args, "--link", "https://admin:hunter2@shop.example/mug")
    assert result.exit_code == 2
    assert "user name or password" in result.stderr and "hunter2" not in result.output + result.stderr


def test_queue_add_refuses_an_overflowing_time(initialised_cli: Cli, tmp_path: Path) -> None:
    photo = make_photo(tmp_path / "mug.jpg")
    args = ["queue", "add", "--board", "ceramics", "--title", "Mug", "--image", str(photo)]
    result = initialised_cli(*args, "--at", "9999-12-31T23:59-05:00")
    assert result.exit_code == 2 and "not a plausible time" in result.stderr
