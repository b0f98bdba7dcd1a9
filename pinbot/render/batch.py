"""Checking the many photos of an import at once, in worker processes.

An import checks every distinct photo (a full decode, `loading.check_photo`) and fingerprints it
(`subject.fingerprint`): C work in Pillow, about half a millisecond for even a small PNG, so a
second core halves the wait. The workers' answers (decoded size and fingerprint, by path, mtime and
size) are kept in this process's caches, where the import's own checks find them: the rows keep
their order and their errors. A photo that fails in a worker is not kept, so the import's own
check refuses it with the usual one-line reason; any failure of the pool itself (no fork, a worker
killed) leaves every photo to those checks. The work is the same (plus a little for the
processes), so the workers cut the wall time only, and only on idle cores: none start on a busy
machine.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from pinbot.render.loading import remember_check
from pinbot.render.subject import check_photo, fingerprint, remember_fingerprint

log = logging.getLogger(__name__)

MIN_PHOTOS = 200  # fewer new photos at once: starting the workers would cost more than they save
MAX_WORKERS = 4
_PER_TASK = 16  # photos sent to a worker at a time: fewer round trips

PhotoKey = tuple[str, int, int]  # absolute path, st_mtime_ns, st_size: the caches' key
Answer = tuple[tuple[int, int], str | None] | None  # (decoded size, fingerprint), None: left to the caller


def idle_cores() -> int:
    """The cores nothing else is using (this process's own included): workers on busy cores would
    only add their own overhead to the same work."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    try:
        busy = int(os.getloadavg()[0])
    except OSError:  # no load average on this system
        busy = 0
    return max(1, cores - busy)


class PhotoPool:
    """Worker processes (forked at the first batch big enough) checking photos; `close` ends them."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = min(MAX_WORKERS, workers or idle_cores())
        self._executor: ProcessPoolExecutor | None = None
        self.broken = False

    @property
    def usable(self) -> bool:
        """Two workers or more, none failed."""
        return self.workers >= 2 and not self.broken

    def submit(self, keys: list[PhotoKey]) -> Iterator[Answer] | None:
        """Start checking `keys`; None when there are too few for the workers (or no workers)."""
        if not self.usable or len(keys) < MIN_PHOTOS:
            return None
        try:
            if self._executor is None:
                context = multiprocessing.get_context("fork")  # the workers start with pinbot loaded
                self._executor = ProcessPoolExecutor(
                    self.workers, mp_context=context, initializer=_worker_start, initargs=(os.getpid(),)
                )
            return self._executor.map(_check, keys, chunksize=_PER_TASK)
        except Exception as exc:  # any failure: the photos are checked in-process
            self._fail(exc)
            return None

    def keep(self, keys: list[PhotoKey], answers: Iterator[Answer] | None) -> int:
        """Wait for the answers to `submit(keys)` and keep the passed checks in the caches; returns
        how many were kept."""
        if answers is None:
            return 0
        kept = 0
        try:
            for key, answer in zip(keys, answers, strict=True):
                if answer is not None:
                    remember_check(key, answer[0])
                    remember_fingerprint(key, answer[1])
                    kept += 1
        except Exception as exc:  # a worker died: the rest is checked in-process
            self._fail(exc)
        return kept

    def _fail(self, exc: BaseException) -> None:
        log.debug("photo check workers failed, checking in this process: %r", exc)
        self.broken = True
        self.close()

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None


def _worker_start(parent: int) -> None:
    # Ctrl-C is the import's to handle (it stops the workers): no traceback from each worker.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _let_go_of_output()
    threading.Thread(target=_end_with, args=(parent,), name="photo-check-parent", daemon=True).start()


def _let_go_of_output() -> None:
    """Point the worker's stdout and stderr at /dev/null. A worker writes nothing; holding the
    command's own output open would keep a pipe reading it from ending, and the inherited stream
    objects may have been locked by another thread (a progress bar) at the fork."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)
    sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the worker


def _end_with(parent: int) -> None:
    """End the worker once the import that started it has gone (killed, not stopped: a stopped
    import shuts its workers down). The workers wait on a pipe they hold both ends of, so they
    would never notice on their own."""
    while os.getppid() == parent:
        time.sleep(_PARENT_CHECK_S)
    os._exit(0)


_PARENT_CHECK_S = 0.5


def _check(key: PhotoKey) -> Answer:
    """In a worker: check and fingerprint one photo, unless it changed since the caller's stat."""
    path = Path(key[0])
    try:
        st = path.stat()
        if (st.st_mtime_ns, st.st_size) != key[1:]:
            return None
        return check_photo(path, st), fingerprint(path)
    except Exception:  # the caller's own check gives the reason, in its words
        return None
