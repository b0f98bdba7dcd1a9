"""A local web server on 127.0.0.1 for importer tests: serves a folder, counts requests, never
touches the network. Files named `*.html` are served as text/html (a "photo" link that is a page)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@dataclass
class Served:
    base: str  # http://127.0.0.1:PORT
    folder: Path
    paths: list[str] = field(default_factory=list)  # every requested path, in order

    def url(self, name: str) -> str:
        return f"{self.base}/{name}"


class _Handler(SimpleHTTPRequestHandler):
    served: Served

    def do_GET(self) -> None:
        self.served.paths.append(self.path)
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass


@contextmanager
def serve(folder: Path) -> Iterator[Served]:
    folder.mkdir(parents=True, exist_ok=True)
    served = Served("", folder)
    handler = type("Handler", (_Handler,), {"served": served})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(folder)))
    served.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
