"""Getting bytes from the web for importers: a feed, a product photo. stdlib urllib only.

Owns the `Fetch` contract (url, size cap -> `Fetched` or `FetchError` with a short reason) and
its default `UrllibFetch`: http(s) only, a timeout, a size cap enforced while reading (a lying or
missing Content-Length cannot blow it), redirects followed by urllib's own rules. Importers take
a `Fetch` so tests and `--no-download` never need the network.
"""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from pinbot import __version__

USER_AGENT = f"pinbot/{__version__} (product import)"
CHUNK = 64 * 1024


class FetchError(Exception):
    """A download failed; `str()` is the short reason an importer puts after the URL.
    `unreachable`: the host did not answer at all (no network, no such host, a timeout)."""

    def __init__(self, message: str, *, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    content_type: str  # lower case, parameters dropped ("image/jpeg")
    data: bytes


class Fetch(Protocol):
    def __call__(self, url: str, *, max_bytes: int) -> Fetched: ...


def is_url(value: str) -> bool:
    return urlsplit(value.strip()).scheme.lower() in ("http", "https")


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):g} MB"


class UrllibFetch:
    """GET with a timeout and a size cap. Raises `FetchError` with a reason a shop owner can act on."""

    def __init__(self, timeout: float = 20.0) -> None:
        self.timeout = timeout

    def __call__(self, url: str, *, max_bytes: int) -> Fetched:
        if not is_url(url):
            raise FetchError("only http(s) URLs can be downloaded")
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                length = response.headers.get("Content-Length")
                if length and length.isdigit() and int(length) > max_bytes:
                    raise FetchError(f"{_mb(int(length))} is over the {_mb(max_bytes)} limit")
                chunks: list[bytes] = []
                size = 0
                while True:
                    chunk = response.read(CHUNK)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > max_bytes:
                        raise FetchError(f"larger than the {_mb(max_bytes)} limit")
                    chunks.append(chunk)
                content_type = (response.headers.get_content_type() or "").lower()
                return Fetched(response.geturl(), content_type, b"".join(chunks))
        except urllib.error.HTTPError as exc:
            raise FetchError(f"HTTP {exc.code} {exc.reason}".strip()) from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, socket.timeout | TimeoutError):
                raise FetchError(f"no answer within {self.timeout:g} s", unreachable=True) from None
            if isinstance(reason, socket.gaierror):  # "[Errno -2] Name or service not known"
                raise FetchError(
                    f"cannot find {urlsplit(url).hostname}: is this computer online?", unreachable=True
                ) from None
            if isinstance(reason, ConnectionRefusedError):
                raise FetchError(
                    f"cannot connect: {urlsplit(url).hostname} refuses connections", unreachable=True
                ) from None
            raise FetchError(f"cannot connect: {reason}", unreachable=True) from None
        except TimeoutError:
            raise FetchError(f"no answer within {self.timeout:g} s", unreachable=True) from None
        except (ConnectionError, OSError, ValueError) as exc:
            raise FetchError(f"download failed: {exc}") from None
