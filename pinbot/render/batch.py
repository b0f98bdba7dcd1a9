"""Checking the many photos of an import at once, in worker processes.

An import checks every distinct photo (one full decode, `loading.check_photo`) and keeps its
fingerprint (`subject.check_photo`): C work in Pillow, a few tenths of a millisecond for even a
small PNG, so more cores shorten the wait. The workers are forked from the import (they start
with pinbot loaded and the caller's own check function) and each is spoken to over two pipes: a
batch of photos in, one compact answer per photo out, in a single message each way. Nothing runs in the import's
process between batches: no feeder or manager threads, no result objects per photo, so the photos
cost the import almost nothing but the caller's use of the answers.

A photo that fails in a worker has no answer (None), and the caller's own check refuses it with
the usual one-line reason; any failure of the pool itself (no fork, a worker killed) leaves every
photo to those checks. The work is the same (plus a little for the processes), so the workers cut
the wall time only, and only on idle cores: none start on a busy machine. A worker ends when its
import does, however it ends: the import holds the only writing end of the worker's pipe, so a
killed import is an end of file for the worker.
"""

from __future__ import annotations

import contextlib
import logging
import marshal
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

MIN_PHOTOS = 200  # fewer new photos at once: starting the workers would cost more than they save
MAX_WORKERS = 4

Work = Callable[[Any], Any]  # in a worker: one item (marshal-able) -> its answer (marshal-able), None: none


def idle_cores() -> int:
    """The cores nothing else is using (this process's own included): workers on busy cores would
    only add their own overhead to the same work. Busy cores are the last minute's load average,
    unless fewer other processes are running right now: the average still counts work that has
    ended (the previous import of an agency importing shop after shop) for a minute after."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    try:
        busy = int(os.getloadavg()[0])
    except OSError:  # no load average on this system
        busy = 0
    running = others_running()
    if running is not None and running < busy:
        busy = running
    return max(1, cores - busy)


def others_running() -> int | None:
    """How many other threads are running or ready to run at this moment (Linux's /proc/loadavg
    counts this one too); None where the system does not say."""
    try:
        with open("/proc/loadavg", encoding="ascii") as fh:
            runnable = fh.read().split()[3].split("/")[0]
        return max(0, int(runnable) - 1)
    except (OSError, IndexError, ValueError):
        return None


@dataclass
class _Worker:
    pid: int
    tasks: int  # the pipe the worker reads batches from (written here)
    answers: int  # the pipe the worker writes answers to (read here)


class PhotoPool:
    """Worker processes (forked at the first batch big enough) running `work` on each item of a
    batch; `close` ends them."""

    def __init__(self, work: Work, workers: int | None = None) -> None:
        self.workers = min(MAX_WORKERS, workers or idle_cores())
        self.broken = False
        self._work = work
        self._procs: list[_Worker] = []
        self._busy = False  # a batch sent, its answers not read yet

    @property
    def usable(self) -> bool:
        """Two workers or more, none failed. One idle core (the import's own) is not worth a worker:
        the import mostly waits while its worker checks, so the worker only takes its place.
        Measured on 2 cores, the rows of an import of 100,000 rows naming 10,000 photos: 4.33 s
        wall with one worker, 4.32 s without (medians of 7), 2.6 s with two."""
        return self.workers >= 2 and not self.broken

    @property
    def pids(self) -> list[int]:
        return [w.pid for w in self._procs]

    def submit(self, items: list[Any]) -> list[int] | None:
        """Send `items` to the workers, shared out in order; returns how many each has (for
        `answers`), or None when there are too few for the workers (or no workers)."""
        if not self.usable or len(items) < MIN_PHOTOS:
            return None
        try:
            if not self._procs:
                self._start()
            step = -(-len(items) // len(self._procs))
            shares = [items[i * step : (i + 1) * step] for i in range(len(self._procs))]
            self._busy = True
            for worker, share in zip(self._procs, shares, strict=True):
                _send(worker.tasks, marshal.dumps(share))
            return [len(share) for share in shares]
        except Exception as exc:  # any failure: the photos are checked in-process
            self._fail(exc)
            return None

    def answers(self, sent: list[int] | None) -> list[Any] | None:
        """Wait for the answers to one `submit`, in the order of its items; None when nothing was
        sent or a worker failed (the caller checks those photos itself)."""
        if sent is None or not self._procs:
            return None
        out: list[Any] = []
        try:
            for worker, count in zip(self._procs, sent, strict=True):
                message = _receive(worker.answers)
                got = marshal.loads(message) if message is not None else None
                if not isinstance(got, list) or len(got) != count:
                    raise OSError(f"photo check worker {worker.pid} gave no answer")
                out.extend(got)
        except Exception as exc:  # a worker died: the rest is checked in-process
            self._fail(exc)
            return None
        self._busy = False
        return out

    def _start(self) -> None:
        if not hasattr(os, "fork"):
            raise OSError("no fork on this system")
        from pinbot.render.loading import register_formats

        # Pillow's plugins registered once, before the fork: each worker would otherwise import
        # them at its first photo, tens of ms a process.
        register_formats()
        parent = os.getpid()
        for _ in range(self.workers):
            tasks_r, tasks_w = os.pipe()
            answers_r, answers_w = os.pipe()
            pid = os.fork()
            if pid == 0:  # the worker
                try:
                    os.close(tasks_w)
                    os.close(answers_r)
                    for other in self._procs:  # a killed import must be an end of file for each
                        os.close(other.tasks)
                        os.close(other.answers)
                    _serve(tasks_r, answers_w, self._work, parent)
                finally:
                    os._exit(0)
            os.close(tasks_r)
            os.close(answers_w)
            self._procs.append(_Worker(pid, tasks_w, answers_r))

    def _fail(self, exc: BaseException) -> None:
        log.debug("photo check workers failed, checking in this process: %r", exc)
        self.broken = True
        self.close()

    def close(self) -> None:
        """End the workers: an end of file for each, then wait for it; workers in the middle of a
        batch nobody will read (the import failed or was interrupted) are killed first."""
        procs, self._procs = self._procs, []
        for worker in procs:
            for fd in (worker.tasks, worker.answers):
                with contextlib.suppress(OSError):
                    os.close(fd)
            if self._busy:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(worker.pid, signal.SIGKILL)
        self._busy = False
        for worker in procs:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(worker.pid, 0)


def _serve(tasks: int, answers: int, work: Work, parent: int) -> None:
    """A worker's life: batches in, answers out, until the import closes its end (or is gone: also
    looked at between photos, so that a killed import's worker stops within one photo's check)."""
    # Ctrl-C is the import's to handle (it stops the workers): no traceback from each worker.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _let_go_of_output()
    while (message := _receive(tasks)) is not None:
        out = []
        for item in marshal.loads(message):
            if os.getppid() != parent:
                return
            try:
                out.append(work(item))
            except Exception:  # the caller's own check gives the reason, in its words
                out.append(None)
        _send(answers, marshal.dumps(out))


def _let_go_of_output() -> None:
    """Point the worker's stdout and stderr at /dev/null. A worker writes nothing; holding the
    command's own output open would keep a pipe reading it from ending, and the inherited stream
    objects may have been locked by another thread (a progress bar) at the fork."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)
    sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the worker


def _send(fd: int, payload: bytes) -> None:
    data = memoryview(len(payload).to_bytes(8, "little") + payload)
    while data:
        data = data[os.write(fd, data) :]


def _receive(fd: int) -> bytes | None:
    """One message, or None at the end of the pipe (its writer closed it or is gone)."""
    head = _exactly(fd, 8)
    return None if head is None else _exactly(fd, int.from_bytes(head, "little"))


def _exactly(fd: int, size: int) -> bytes | None:
    parts: list[bytes] = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        parts.append(chunk)
        size -= len(chunk)
    return b"".join(parts)
