"""An import with many photos checks them in worker processes ahead of its rows: the rows, their
order and their errors (one line naming the row and the file) are the same as when every photo is
checked in-process, the fingerprints are the same bit for bit, and a pool that cannot start or
whose worker dies leaves every photo to the in-process check."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pinbot.errors import InvalidInput
from pinbot.queue import photo_check
from pinbot.queue.csv_import import ParsedFile, parse_csv
from pinbot.render import batch, loading, subject
from pinbot.shop import validation
from pinbot.shop.boards import load_boards
from tests.test_fingerprint_pinned import PINNED, REAL

GOOD = [name for name, (result, _) in PINNED.items() if isinstance(result, tuple) and not name.startswith("derived")]
BAD = [name for name, (result, _) in PINNED.items() if isinstance(result, str)]


@pytest.fixture(autouse=True)
def two_idle_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers start whatever else this machine is running."""
    monkeypatch.setattr(batch, "idle_cores", lambda: 2)


def _shop(where: Path) -> Path:
    """A pin CSV naming real photos, good and bad, some on several rows, with a missing file, a
    folder and a text file in between; the same layout wherever it is written."""
    photos = where / "photos"
    photos.mkdir(parents=True)
    (where / "boards").mkdir()
    (where / "boards" / "mugs.toml").write_text('name = "Mugs"\n', encoding="utf-8")
    names = []
    for name in GOOD + BAD:
        target = photos / name.replace("/", "-")
        shutil.copyfile(REAL / name, target)
        names.append(f"photos/{target.name}")
    (photos / "notes.png").write_text("not a photo", encoding="utf-8")
    (photos / "folder.png").mkdir()
    names[3:3] = ["photos/missing.png", "photos/notes.png", "photos/folder.png"]
    lines = ["board,title,image,key"]
    for i, image in enumerate(names + names[::3]):  # every third photo again, further down
        lines.append(f"mugs,Mug {i},{image},k{i}")
    (where / "pins.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return where / "pins.csv"


def _parse(csv_path: Path) -> ParsedFile:
    return parse_csv(csv_path, load_boards(csv_path.parent / "boards"), ZoneInfo("UTC"))


def _outcome(parsed: ParsedFile, where: Path) -> tuple[list[tuple[int, str]], list[tuple[int | None, str, str]]]:
    requests = [(row, str(Path(req.image).relative_to(where))) for row, req in parsed.requests]
    errors = [(e.row, e.field, e.reason) for e in parsed.errors]
    return requests, errors


def _fingerprints(parsed: ParsedFile, where: Path) -> dict[str, str | None]:
    return {str(Path(req.image).relative_to(where)): subject.fingerprint(Path(req.image)) for _, req in parsed.requests}


@pytest.fixture
def decoded(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The photos decoded in this process (a worker's decodes are its own)."""
    seen: list[Path] = []
    real_open = loading.open_photo
    monkeypatch.setattr(loading, "open_photo", lambda src, *a: seen.append(src.path) or real_open(src, *a))
    monkeypatch.setattr(subject, "open_photo", lambda src, *a: seen.append(src.path) or real_open(src, *a))
    return seen


Outcome = tuple[list[tuple[int, str]], list[tuple[int | None, str, str]], dict[str, str | None]]


@pytest.fixture
def in_process(tmp_path: Path) -> Outcome:
    """The import checked in this process only (too few photos for the workers)."""
    where = tmp_path / "alone"
    parsed = _parse(_shop(where))
    assert len(GOOD) >= 15 and len(BAD) >= 15
    return (*_outcome(parsed, where), _fingerprints(parsed, where))


@pytest.mark.parametrize("ahead", [1000, 4])
def test_photos_checked_by_workers_give_the_same_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_process: Outcome, decoded: list[Path], ahead: int
) -> None:
    monkeypatch.setattr(batch, "MIN_PHOTOS", 1)
    monkeypatch.setattr(photo_check, "AHEAD", ahead)
    kept: list[int] = []
    real_keep = photo_check._keep
    monkeypatch.setattr(photo_check, "_keep", lambda *a: kept.append(real_keep(*a)) or kept[-1])
    where = tmp_path / "pooled"
    parsed = _parse(_shop(where))
    requests, errors = _outcome(parsed, where)
    assert (requests, errors) == in_process[:2]
    assert sum(kept) == len(GOOD)  # every good photo was checked by a worker ...
    assert {p.name for p in decoded} <= {n.replace("/", "-") for n in BAD}  # ... and only bad ones here
    prints = _fingerprints(parsed, where)
    assert prints == in_process[2]
    for name in GOOD:
        assert prints[f"photos/{name.replace('/', '-')}"] == PINNED[name][1]
    assert any("photos/missing.png: no such file" in reason for _, _, reason in errors)
    assert any("cannot decode" in reason for _, _, reason in errors)
    assert validation._checked_ahead == {}  # the workers' answers end with the import


def _no_pool(*args: object, **kwargs: object) -> None:
    raise OSError("cannot fork")


def _dies(*args: object) -> None:
    os._exit(3)  # a worker killed (out of memory, say)


@pytest.mark.parametrize("failure", ["cannot start", "worker dies"])
def test_a_failing_pool_leaves_the_photos_to_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_process: Outcome, decoded: list[Path], failure: str
) -> None:
    monkeypatch.setattr(batch, "MIN_PHOTOS", 1)
    if failure == "cannot start":
        monkeypatch.setattr(os, "fork", _no_pool)
    else:
        monkeypatch.setattr(photo_check, "_answer", _dies)
    where = tmp_path / "failed"
    parsed = _parse(_shop(where))
    assert _outcome(parsed, where) == in_process[:2]
    assert _fingerprints(parsed, where) == in_process[2]
    assert {p.name for p in decoded} >= {n.replace("/", "-") for n in GOOD}


def test_an_error_ending_the_rows_comes_after_the_rows_before_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A malformed CSV line ends the rows with an InvalidInput: the rows read before it are all
    handed on first, in order, then the error, whatever was read ahead."""
    monkeypatch.setattr(batch, "MIN_PHOTOS", 1)
    monkeypatch.setattr(photo_check, "AHEAD", 3)
    shutil.copytree(REAL / "images", tmp_path / "images")
    cells = [{"image": f"images/{n.removeprefix('images/')}"} for n in GOOD if n.startswith("images/")]
    bad_line = InvalidInput("row", "malformed CSV", row=99)

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        yield from enumerate(cells, start=2)
        raise bad_line

    got: list[tuple[int, dict[str, str]]] = []
    with pytest.raises(InvalidInput) as raised:
        for row in photo_check.checked_ahead(rows(), tmp_path):
            got.append(row)
    assert raised.value is bad_line and got == list(enumerate(cells, start=2)) and len(got) > 3 * 2


def test_a_worker_answers_as_the_import_checks(tmp_path: Path) -> None:
    """The import's own check of the cell (its path, the file's stat, the decoded size) and the
    fingerprint; a cell that check refuses has no answer."""
    shutil.copyfile(REAL / "images" / "pil123p.png", tmp_path / "p.png")
    st = (tmp_path / "p.png").stat()
    size, print_ = PINNED["images/pil123p.png"]
    assert photo_check._answer("p.png", tmp_path) == (
        str(tmp_path / "p.png"),
        st.st_mtime_ns,
        st.st_size,
        *size,
        print_,
    )
    (tmp_path / "notes.png").write_text("not a photo", encoding="utf-8")
    with pytest.raises(InvalidInput):
        photo_check._answer("notes.png", tmp_path)


def test_too_few_photos_start_no_workers(tmp_path: Path) -> None:
    pool = batch.PhotoPool(str, workers=2)
    assert pool.submit([str(tmp_path / f"{i}.png") for i in range(batch.MIN_PHOTOS - 1)]) is None
    assert pool.pids == []
    assert batch.PhotoPool(str, workers=1).submit(["x"] * batch.MIN_PHOTOS) is None


def test_answers_in_order_from_every_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch, "MIN_PHOTOS", 1)
    pool = batch.PhotoPool(lambda n: (n + 0, os.getpid()), workers=3)
    try:
        for items in (list(range(10)), list(range(100, 103)), list(range(7))):
            answers = pool.answers(pool.submit(items))
            assert answers is not None and [n for n, _ in answers] == items
        assert {pid for _, pid in answers} == set(pool.pids) and len(pool.pids) == 3
        assert pool.answers(pool.submit([None, "fails"])) == [None, None]  # a failed item has no answer
    finally:
        pool.close()


def test_no_workers_on_a_busy_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()  # the real idle_cores
    cores = len(os.sched_getaffinity(0))
    monkeypatch.setattr(os, "getloadavg", lambda: (cores + 0.5, 0.0, 0.0))
    monkeypatch.setattr(batch, "others_running", lambda: cores)
    assert batch.idle_cores() == 1
    assert batch.PhotoPool(str).submit(["x"] * batch.MIN_PHOTOS) is None
    monkeypatch.setattr(os, "getloadavg", lambda: (0.2, 0.0, 0.0))
    assert batch.idle_cores() == cores and batch.PhotoPool(str).workers == min(cores, batch.MAX_WORKERS)
    # Busy for the last minute, idle now (the previous import has ended): the cores are free.
    monkeypatch.setattr(os, "getloadavg", lambda: (cores + 0.5, 0.0, 0.0))
    monkeypatch.setattr(batch, "others_running", lambda: 0)
    assert batch.idle_cores() == cores
    # Where the system does not say what runs now, the load average decides.
    monkeypatch.setattr(batch, "others_running", lambda: None)
    assert batch.idle_cores() == 1


@pytest.mark.skipif(not os.path.exists("/proc/loadavg"), reason="Linux's /proc/loadavg")
def test_others_running_read_from_the_system() -> None:
    running = batch.others_running()
    assert running is not None and running >= 0  # this test's own thread is not counted


_KILLED_IMPORT = """
import sys
from pinbot.render import batch
batch.MIN_PHOTOS = 1
pool = batch.PhotoPool(str, workers=2)
assert pool.answers(pool.submit([sys.argv[1]] * 4)) == [sys.argv[1]] * 4
print(*pool.pids, flush=True)
sys.stdin.read()  # until the test kills this process
"""


@pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="waiting on another process's end needs pidfd_open (Linux)")
def test_workers_end_when_the_import_is_killed(tmp_path: Path) -> None:
    """A killed import (SIGKILL, the OOM killer, a supervisor that signals only the main process)
    leaves no worker behind holding its database and its output open."""
    import select
    import signal
    import subprocess
    import sys

    importer = subprocess.Popen(
        [sys.executable, "-c", _KILLED_IMPORT, str(tmp_path / "no-such.png")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert importer.stdout is not None
        workers = [int(pid) for pid in importer.stdout.readline().split()]
        assert len(workers) == 2
        handles = [os.pidfd_open(pid) for pid in workers]
        importer.send_signal(signal.SIGKILL)
        importer.wait()
        # A worker reads its batches from a pipe only the import writes to: it ends at once.
        for handle in handles:
            ready, _, _ = select.select([handle], [], [], 10)
            assert ready, "a photo-check worker outlived the killed import"
            os.close(handle)
        assert importer.stdout.read() == ""  # the output ended: no worker holds it open
    finally:
        importer.kill()
        importer.wait()
