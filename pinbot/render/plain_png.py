"""The plainest PNG files decoded without Pillow's Python chunk reader: the same pixels, less time.

An import checks every photo with a full decode; for a small PNG, Pillow's own Python around the C
decoder (opening, reading chunks, its loading loop) costs more than the decoding itself. A file
made of a signature, an 8-bit grey or RGB non-interlaced header with a good checksum, its image
data chunks and an end chunk, nothing else, is decoded here with the decoder Pillow itself would
use (its zlib/PNG decoder in C), fed the same bytes: the pixels are Pillow's, bit for bit. Anything
else (another chunk, another colour type, a damaged or cut-off file, a decoder error) gets None,
and the caller goes the usual way, where every check and every one-line error is made.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from struct import unpack_from
from typing import Any

from PIL import Image

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_MODES = {(8, 0): "L", (8, 2): "RGB"}  # (bit depth, colour type) -> Pillow's mode, also its raw mode


def plain_png_pixels(data: bytes, fits: Callable[[int, int], bool]) -> Any | None:
    """The pixels (Pillow's core image) of a plain PNG whose width and height `fits` accepts (the
    caller's limits, checked before a byte is decoded), else None."""
    header = plain_png_header(data)
    return decode_plain_png(*header) if header is not None and fits(*header[1]) else None


def plain_png_header(data: bytes) -> tuple[str, tuple[int, int], list[memoryview]] | None:
    """(mode, size, image data chunks) of a plain PNG (see the module docstring), else None."""
    if not data.startswith(_SIGNATURE) or len(data) < 45:
        return None
    length, kind = unpack_from(">I4s", data, 8)
    if kind != b"IHDR" or length != 13 or zlib.crc32(data[12:29]) != unpack_from(">I", data, 29)[0]:
        return None
    width, height, depth, colour, compression, filtering, interlace = unpack_from(">IIBBBBB", data, 16)
    mode = _MODES.get((depth, colour))
    if mode is None or compression or filtering or interlace:
        return None
    view = memoryview(data)
    chunks: list[memoryview] = []
    pos, end = 33, len(data)
    while pos + 12 <= end:
        length, kind = unpack_from(">I4s", data, pos)
        after = pos + 12 + length  # the chunk, its checksum included, must be whole
        if after > end:
            return None
        if kind == b"IDAT":
            chunks.append(view[pos + 8 : after - 4])
        elif kind == b"IEND" and chunks:
            return mode, (width, height), chunks
        else:
            return None
        pos = after
    return None


def decode_plain_png(mode: str, size: tuple[int, int], chunks: list[memoryview]) -> Any | None:
    """The pixels (Pillow's core image) of a plain PNG whose header `plain_png_header` read, or None
    when the decoder stops short of the image or reports an error (the usual way then says why)."""
    pixels = Image.core.new(mode, size)
    decoder = Image.core.zip_decoder(mode, mode)
    try:
        decoder.setimage(pixels, (0, 0, *size))
        done, error = decoder.decode(chunks[0] if len(chunks) == 1 else b"".join(chunks))
    finally:
        decoder.cleanup()
    # As Pillow's loader: finished (a negative count) without an error code.
    return pixels if done < 0 and error >= 0 else None
