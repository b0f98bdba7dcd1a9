"""A photo check registers only the allowed formats' Pillow plugins (not all ~45 of them, tens of ms
a process), and still opens every allowed format, and refuses the others as before, in a process
where nothing else has registered a plugin."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from PIL import Image

PROBE = """
import json, sys
from pathlib import Path
from pinbot.errors import ImageError
from pinbot.render.loading import check_photo
out = {}
for name in sys.argv[1:]:
    try:
        out[Path(name).name] = list(check_photo(Path(name)))
    except ImageError as exc:
        out[Path(name).name] = exc.reason
plugins = sorted(m.split(".")[-1] for m in sys.modules if m.startswith("PIL.") and m.endswith("ImagePlugin"))
print(json.dumps({"checked": out, "plugins": plugins}))
"""


def test_each_allowed_format_opens_in_a_fresh_process_without_every_plugin(tmp_path: Path) -> None:
    photo = Image.linear_gradient("L").resize((120, 150)).convert("RGB")
    files = []
    for suffix in ("png", "jpg", "webp", "gif", "tiff", "bmp"):
        files.append(tmp_path / f"photo.{suffix}")
        photo.save(files[-1])
    files.append(tmp_path / "photo.pcx")  # a format Pillow reads, but not one a pin takes
    photo.save(files[-1])
    run = subprocess.run([sys.executable, "-c", PROBE, *map(str, files)], capture_output=True, text=True, check=True)
    answer = json.loads(run.stdout)
    assert answer["checked"] == {
        **{f"photo.{s}": [120, 150] for s in ("png", "jpg", "webp", "gif", "tiff", "bmp")},
        "photo.pcx": "not a supported image (use JPEG, PNG, WebP, GIF, TIFF or BMP)",
    }
    assert set(answer["plugins"]) <= {
        "BmpImagePlugin",
        "GifImagePlugin",
        "JpegImagePlugin",
        "MpoImagePlugin",
        "PngImagePlugin",
        "PpmImagePlugin",
        "TiffImagePlugin",
        "WebPImagePlugin",
    }
