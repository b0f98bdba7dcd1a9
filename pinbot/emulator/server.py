"""HTTP plumbing: a stdlib ThreadingHTTPServer on 127.0.0.1 that feeds `Request`s to the emulator.

Keep-alive HTTP/1.1 like the real API. A response marked `reset` closes the socket with
SO_LINGER 0, so the client sees a TCP reset instead of an answer; a `delay` waits on the stop
event (so `stop()` never hangs behind a latency fault). Access logging goes to the debug log and
never includes headers (they carry tokens).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pinbot.emulator.protocol import Request, Response

log = logging.getLogger(__name__)
MAX_BODY = 64 * 1024 * 1024
_REASONS = {0: "Reset"}


class EmulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handle: Callable[[Request], Response]) -> None:
        self.handle_request_fn = handle
        self.stop_event = threading.Event()
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def close_connections(self) -> None:
        with self.connections_lock:
            conns = list(self.connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "PinterestEmulator/1.0"
    timeout = 30  # idle keep-alive connections go away on their own
    server: EmulatorHTTPServer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle + delayed ACK cost 40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_DELETE = do_PATCH = do_PUT = do_HEAD = do_GET

    def _dispatch(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self._write(Response(413, {"code": 413, "message": "Request body too large or malformed."}))
            self.close_connection = True
            return
        body = self.rfile.read(length) if length else b""
        request = Request.build(self.command, self.path, dict(self.headers.items()), body)
        response = self.server.handle_request_fn(request)
        if response.delay > 0 and self.server.stop_event.wait(response.delay):
            self._reset()
            return
        if response.reset:
            self._reset()
            return
        self._write(response)

    def _write(self, response: Response) -> None:
        payload = response.encoded()
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if payload or response.status not in (204, 304):
            self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload and self.command != "HEAD":
            self.wfile.write(payload)

    def _reset(self) -> None:
        """Drop the connection with a TCP RST: the client never learns what happened."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("emulator %s - %s", self.address_string(), format % args)


def serve_in_thread(server: EmulatorHTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.name = f"pinterest-emulator-{server.server_address[1]}"
    thread.start()
    return thread
