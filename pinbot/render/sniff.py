"""What a file that Pillow cannot open is, from its first bytes: the one-line reason a photo is
refused when it is an SVG, an HTML page, a HEIC, a damaged image of a known format or no image at
all (used by `pinbot.render.loading`)."""

from __future__ import annotations


def sniff(data: bytes) -> str | None:
    """A reason to refuse a file that Pillow would only call 'unidentified'."""
    head = data[:1024].lstrip().lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head) or b"<svg" in head[:256]:
        return "SVG (vector) images are not supported; export it as PNG or JPEG"
    if head.startswith((b"<!doctype html", b"<html")):
        return "this is an HTML page, not an image (was a web page saved instead of the photo?)"
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftyphevc"):
        return "HEIC/HEIF images are not supported; export it as JPEG"
    return None


SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "PNG",
    b"GIF87a": "GIF",
    b"GIF89a": "GIF",
    b"\xff\xd8\xff": "JPEG",
    b"II*\x00": "TIFF",
    b"MM\x00*": "TIFF",
    b"BM": "BMP",
}


def unidentified(data: bytes) -> str:
    """Why Pillow could not identify a file: a known signature with a header it rejects is a
    damaged (or zero-size) image, anything else is an unsupported format."""
    fmt = next((f for sig, f in SIGNATURES.items() if data.startswith(sig)), None)
    if fmt is None and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        fmt = "WebP"
    if fmt is None:
        return "not a supported image (use JPEG, PNG, WebP, GIF, TIFF or BMP)"
    if fmt == "GIF" and len(data) >= 10:
        w, h = int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
        if not (w and h):
            return f"has no pixels (the GIF says {w}x{h})"
    if fmt == "PNG" and len(data) >= 24 and data[12:16] == b"IHDR":
        w, h = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        if not (w and h):
            return f"has no pixels (the PNG says {w}x{h})"
    return f"damaged {fmt} file: its header cannot be read"
