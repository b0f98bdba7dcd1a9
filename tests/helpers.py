"""Small builders shared by tests: real image files and CSV files written on the fly."""

from __future__ import annotations

import csv
from pathlib import Path

from PIL import Image


def make_photo(
    path: Path, size: tuple[int, int] = (120, 180), color: tuple[int, int, int] = (180, 120, 90), fmt: str = "JPEG"
) -> Path:
    # At least 100 px on the short side: smaller is refused when queued (no template could use it).
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path, fmt)
    return path


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path
