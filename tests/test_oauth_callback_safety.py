"""A forged OAuth callback (issue 12): its error_description never reaches the terminal raw
(no escape sequences), and the browser page tells the truth when the state is wrong."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest

from pinbot.errors import InvalidInput
from pinbot.pinterest.errors import PinterestError
from pinbot.pinterest.oauth import CallbackListener, code_from_redirect, plain_text
from tests.test_pinterest_oauth import free_port

EVIL = "denied\x1b]0;pwned\x07\x1b[2J\x9b31m\u202eevil\nsecond line"


def _page(url: str, out: list[tuple[int, str]]) -> None:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            out.append((resp.status, resp.read().decode()))
    except urllib.error.HTTPError as exc:
        out.append((exc.code, exc.read().decode()))


def test_error_description_is_printed_without_escapes() -> None:
    with pytest.raises(PinterestError) as info:
        code_from_redirect(f"http://127.0.0.1/cb?error=access_denied&error_description={quote(EVIL)}", "st")
    message = str(info.value)
    assert "denied" in message and "evil" in message
    for bad in ("\x1b", "\x07", "\x9b", "\u202e", "\n"):
        assert bad not in message
    assert plain_text("a" * 500).endswith("…") and len(plain_text("a" * 500)) == 200


def test_the_page_says_failed_on_a_wrong_state() -> None:
    port = free_port()
    pages: list[tuple[int, str]] = []
    with CallbackListener(f"http://127.0.0.1:{port}/callback") as listener:
        url = f"http://127.0.0.1:{port}/callback?code=c&state=forged"
        thread = threading.Thread(target=_page, args=(url, pages))
        thread.start()
        with pytest.raises(InvalidInput, match="state"):
            listener.wait("st", timeout=10)
        thread.join(5)
    ((status, body),) = pages
    assert status == 400 and "login failed" in body and "connected" not in body.replace("Nothing was connected", "")


def test_the_page_shows_a_forged_description_escaped() -> None:
    port = free_port()
    pages: list[tuple[int, str]] = []
    with CallbackListener(f"http://127.0.0.1:{port}/callback") as listener:
        url = f"http://127.0.0.1:{port}/callback?error=x&error_description={quote('<script>' + EVIL)}"
        thread = threading.Thread(target=_page, args=(url, pages))
        thread.start()
        with pytest.raises(PinterestError):
            listener.wait("st", timeout=10)
        thread.join(5)
    ((status, body),) = pages
    assert status == 400 and "<script>" not in body and "\x1b" not in body
