"""Does a link still lead to something the shop can sell? HEAD, falling back to GET (stdlib urllib).

HEAD first (cheap), redirects followed (urllib keeps HEAD across 301/302/303/307/308). A 404 or
410 is broken at once. A server that refuses HEAD (405, 501, 403, 400) or errs (5xx) is asked
again with GET. For a product page (the default) the page itself is read too, up to 512 KB, to
catch what a status code hides: a sold-out product or an error page answered with 200. The link
checked is the one the pin carries, marker and UTM tags included, and a redirect that drops them
is reported (clicks would no longer be attributed to the pin). Never raises: `LinkVerdict.verdict`
is ok, broken, sold_out, or unknown (no answer: timeouts and our own network trouble do not
block a pin).
"""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from pinbot import __version__
from pinbot.web.pages import error_page, sold_out_marker

USER_AGENT = f"Mozilla/5.0 (compatible; pinbot/{__version__}; link check)"
MAX_BYTES = 512 * 1024
RETRY_WITH_GET = (400, 403, 405, 501)


@dataclass(frozen=True)
class LinkVerdict:
    url: str
    verdict: str  # ok, broken, sold_out, unknown
    status: int | None = None
    reason: str = ""
    final_url: str = ""
    utm_kept: bool = True

    @property
    def dead(self) -> bool:
        return self.verdict in ("broken", "sold_out")

    def describe(self) -> str:
        if self.verdict == "ok":
            return "works" + ("" if self.utm_kept else f" ({self.reason})")
        return self.reason


class _Answer:
    def __init__(self, status: int, url: str, body: bytes = b"", content_type: str = "") -> None:
        self.status, self.url, self.body, self.content_type = status, url, body, content_type


class LinkChecker:
    def __init__(self, timeout: float = 10.0, max_bytes: int = MAX_BYTES) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes

    def _open(self, url: str, method: str) -> _Answer:
        request = urllib.request.Request(
            url, method=method, headers={"User-Agent": USER_AGENT, "Accept": "text/html,*/*;q=0.8"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read(self.max_bytes) if method == "GET" else b""
                ctype = (response.headers.get_content_type() or "").lower()
                return _Answer(response.status, response.geturl(), body, ctype)
        except urllib.error.HTTPError as exc:
            body = b""
            if method == "GET" and exc.fp is not None:
                try:
                    body = exc.read(self.max_bytes)
                except OSError:
                    body = b""
            return _Answer(exc.code, exc.geturl() or url, body)

    def check(self, url: str, *, product_page: bool = True, in_stock: bool = True) -> LinkVerdict:
        """The verdict on `url`; `in_stock=False` (the product's own flag) makes it sold out whatever the page says."""
        if urlsplit(url).scheme not in ("http", "https"):
            return LinkVerdict(url, "broken", reason="not a web address (http or https)")
        if _reserved(urlsplit(url).hostname or ""):
            return LinkVerdict(url, "unknown", reason="an example address (reserved for documentation); not checked")
        try:
            answer = self._open(url, "HEAD")
            if answer.status in RETRY_WITH_GET or answer.status >= 500 or (answer.status < 300 and product_page):
                answer = self._open(url, "GET")
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, socket.timeout | TimeoutError):
                return LinkVerdict(url, "unknown", reason=f"no answer within {self.timeout:g} s")
            if isinstance(reason, socket.gaierror):
                # Could be the site, or this machine's own network: not proof enough to hold a pin back.
                host = urlsplit(url).hostname
                return LinkVerdict(
                    url, "unknown", reason=f"cannot look up {host} (the site, or this machine's network)"
                )
            if isinstance(reason, ConnectionRefusedError):
                return LinkVerdict(url, "broken", reason="the site refuses connections")
            return LinkVerdict(url, "unknown", reason=f"cannot connect: {reason}")
        except TimeoutError:
            return LinkVerdict(url, "unknown", reason=f"no answer within {self.timeout:g} s")
        except (OSError, ValueError) as exc:
            return LinkVerdict(url, "unknown", reason=f"cannot connect: {exc}")
        return self._judge(url, answer, product_page=product_page, in_stock=in_stock)

    def _judge(self, url: str, answer: _Answer, *, product_page: bool, in_stock: bool) -> LinkVerdict:
        final = answer.url
        kept = _utm_kept(url, final)
        moved = f" (after redirects: {final})" if final != url else ""
        if answer.status in (404, 410):
            word = "gone (410)" if answer.status == 410 else "not found (404)"
            return LinkVerdict(url, "broken", answer.status, f"the page is {word}{moved}", final, kept)
        if answer.status >= 400:
            return LinkVerdict(
                url, "broken", answer.status, f"the site answers with error {answer.status}{moved}", final, kept
            )
        if not in_stock:
            return LinkVerdict(
                url, "sold_out", answer.status, "the product is marked out of stock in pinbot", final, kept
            )
        html = answer.body.decode("utf-8", "replace") if answer.body else ""
        if html and product_page:
            soft = error_page(html)
            if soft:
                return LinkVerdict(url, "broken", answer.status, f"an error page: {soft}{moved}", final, kept)
            sold = sold_out_marker(html)
            if sold:
                return LinkVerdict(url, "sold_out", answer.status, f"sold out: {sold}", final, kept)
        note = "" if kept else f"a redirect to {final} drops the UTM tags, so clicks are not counted for the pin"
        return LinkVerdict(url, "ok", answer.status, note, final, kept)


# RFC 2606 / 6761 names: never a real shop, and never worth a lookup (tests and examples use them).
_RESERVED_SUFFIXES = (".example", ".test", ".invalid", ".localhost")
_RESERVED_NAMES = ("example.com", "example.net", "example.org")


def _reserved(host: str) -> bool:
    host = host.lower().rstrip(".")
    return host.endswith(_RESERVED_SUFFIXES) or any(host == n or host.endswith("." + n) for n in _RESERVED_NAMES)


def _utm_kept(original: str, final: str) -> bool:
    wanted = {k: v for k, v in parse_qsl(urlsplit(original).query) if k.startswith("utm_")}
    if not wanted:
        return True
    got = dict(parse_qsl(urlsplit(final).query))
    return all(got.get(k) == v for k, v in wanted.items())
