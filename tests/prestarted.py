"""`pinbot run` processes forked from an interpreter that has already imported pinbot.

Each is a real process of its own (its own database connections, its own memory; SIGKILL loses all
it had in hand), running `pinbot run` from the CLI's entry point exactly as `python -m pinbot.cli run`
does, minus the second of imports before it: the kill loop kills a service a random 0..0.8 s after
"service started" fifty times, and with a fresh interpreter per cycle most of its time went on
imports that no kill could land in. A service's own start-up (database checks, signals, the log
line) still runs in every child. Tests of start-up itself start `python -m pinbot.cli` instead.

The server (`python -m tests.prestarted [--naive]`) imports pinbot, then reads one JSON request a
line: `spawn` forks a child (its log, working folder and environment as given) and answers its pid;
`poll` answers a child's exit code once it has ended (-9 for SIGKILL, like `subprocess.Popen`).
It opens no database connection and starts no thread before it forks.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

REPO = Path(__file__).resolve().parent.parent

# What `pinbot run` imports before "service started", and what its first ticks import lazily.
PRELOAD = (
    "pinbot.cli",
    "pinbot.cli.context",
    "pinbot.cli.service_cmds",
    "pinbot.app",
    "pinbot.daemon",
    "pinbot.store.engine",
    "pinbot.posting.poster",
    "pinbot.posting.reconcile",
    "pinbot.posting.images",
    "pinbot.pinterest.client",
    "pinbot.advocates.deadlinks",
    "pinbot.advocates.pull",
    "pinbot.advocates.job",
    "pinbot.loops.store",
    "pinbot.loops.topup",
    "pinbot.metrics.sweep",
)


class Forked:
    """A child of the server, answering like the parts of `subprocess.Popen` the tests use."""

    def __init__(self, server: PreStarted, pid: int) -> None:
        self.server = server
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self.server.exit_code(self.pid)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while (code := self.poll()) is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"pinbot run (pid {self.pid})", timeout or 0.0)
            time.sleep(0.01)
        return code

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:  # never signal a pid that has been reaped (and may be reused)
            os.kill(self.pid, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class PreStarted:
    """The test's side: starts the server, asks it for children, stops it (and any child left)."""

    def __init__(self, env: dict[str, str], *, naive: bool = False) -> None:
        command = [sys.executable, "-m", "tests.prestarted", *(["--naive"] if naive else [])]
        server_env = {**env, "PYTHONPATH": str(REPO)}
        self.proc = subprocess.Popen(command, env=server_env, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.children: list[Forked] = []
        assert self._read() == {"ready": True}

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(request).encode() + b"\n")
        self.proc.stdin.flush()
        return self._read()

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise AssertionError(f"the pre-started pinbot exited with {self.proc.wait()}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def spawn(self, argv: list[str], env: dict[str, str], cwd: Path, log: Path) -> Forked:
        log.open("ab").close()  # there before the child is: the test reads it at once
        answer = self._ask({"op": "spawn", "argv": argv, "env": env, "cwd": str(cwd), "log": str(log)})
        child = Forked(self, int(answer["pid"]))
        self.children.append(child)
        return child

    def exit_code(self, pid: int) -> int | None:
        code = self._ask({"op": "poll", "pid": pid})["code"]
        return None if code is None else int(code)

    def close(self) -> None:
        for child in self.children:
            if child.poll() is None:
                os.kill(child.pid, signal.SIGCONT)  # a stopped child could not die of SIGKILL until resumed
                child.kill()
                child.wait()
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def _become(request: dict[str, Any], channels: tuple[int, int]) -> None:
    """In the child: the log as stdout and stderr, nothing on stdin, the request's folder and
    environment, and none of the server's pipes."""
    for fd in channels:
        os.close(fd)
    log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = ["pinbot", *request["argv"]]


def _serve(requests: IO[bytes], answers: IO[bytes], channels: tuple[int, int]) -> dict[str, Any] | None:
    """Answers requests until the test closes the pipe (None); in a forked child, its request."""

    def answer(payload: dict[str, Any]) -> None:
        answers.write(json.dumps(payload).encode() + b"\n")
        answers.flush()

    answer({"ready": True})
    for line in requests:
        request = json.loads(line)
        if request["op"] == "spawn":
            pid = os.fork()
            if pid == 0:
                _become(request, channels)
                return request
            answer({"pid": pid})
        elif request["op"] == "poll":
            done, status = os.waitpid(request["pid"], os.WNOHANG)
            answer({"code": os.waitstatus_to_exitcode(status) if done else None})
    return None


def _main() -> None:
    import importlib

    # Requests and answers on private descriptors; whatever an import prints goes to stderr.
    channels = (os.dup(0), os.dup(1))
    os.dup2(2, 1)
    modules = [*PRELOAD, *(["tests.naive_worker"] if "--naive" in sys.argv else [])]
    for name in modules:
        importlib.import_module(name)
    sys.stdout.flush()
    sys.stderr.flush()
    with os.fdopen(channels[0], "rb", closefd=False) as requests, os.fdopen(channels[1], "wb", 0, closefd=False) as out:
        request = _serve(requests, out, channels)
    if request is None:
        return
    from pinbot.cli import main

    main(args=request["argv"], prog_name="pinbot")


if __name__ == "__main__":
    _main()
