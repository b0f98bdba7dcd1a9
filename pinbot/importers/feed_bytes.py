"""A feed's bytes made into UTF-8 XML that the parser can read, whatever encoding it was saved in.

expat reads UTF-8, UTF-16, ISO-8859-1 and ASCII only: a feed declaring gb2312, windows-1251 or
Shift_JIS stopped the import. Here the declared encoding (any Python knows) is decoded in Python,
with the web's usual reading of legacy labels (gb2312 as its superset GB18030, ISO-8859-1 as
Windows-1252, whose curly quotes feeds often carry), and the declaration is rewritten to UTF-8. A
feed that declares nothing and is not UTF-8 is read in the encoding charset-normalizer finds most
likely (Windows-1252 among equals, the commonest), with a note saying so. Whitespace or a byte
order mark before the declaration is dropped.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from pinbot.errors import InvalidInput

_DECLARATION = re.compile(r"""^<\?xml\b[^>]*?\?>""")
_ENCODING = re.compile(r"""\bencoding\s*=\s*["']([A-Za-z0-9._:\-]+)["']""")
# Labels read as their supersets, as browsers do (WHATWG Encoding): the feed's author meant those.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "iso8859-1": "cp1252", "ascii": "cp1252"}


def utf8_feed(data: bytes, name: str) -> tuple[bytes, str | None]:
    """The feed as UTF-8 XML bytes, and a note when its encoding had to be guessed."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return _rewrite(data.decode(encoding)), None
    head = data[:400].decode("ascii", "replace").lstrip()
    declared = _declared(head)
    if declared:
        return _rewrite(_decode_declared(data, declared, name)), None
    try:
        return _rewrite(data.decode("utf-8")), None
    except UnicodeDecodeError:
        pass
    guess = _guess(data)
    if guess is None:
        raise InvalidInput("feed", "is neither UTF-8 nor in an encoding pinbot can recognise", source=name)
    return _rewrite(data.decode(guess)), f"the feed does not say its encoding; it was read as {_label(guess)}"


def _declared(head: str) -> str | None:
    decl = _DECLARATION.match(head)
    found = _ENCODING.search(decl.group(0)) if decl else None
    return found.group(1) if found else None


def _decode_declared(data: bytes, declared: str, name: str) -> str:
    try:
        codec = codecs.lookup(declared).name
    except LookupError:
        raise InvalidInput("feed", f"declares an unknown encoding {declared!r}", source=name) from None
    wide = _SUPERSETS.get(codec, codec)
    for encoding in dict.fromkeys((wide, codec)):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as exc:
            error = exc
    raise InvalidInput(
        "feed", f"declares {declared} but byte {error.start} is not {declared} text (a damaged file?)", source=name
    )


def _guess(data: bytes) -> str | None:
    matches = list(from_bytes(data))
    if not matches:
        return None
    calm = min(m.chaos for m in matches)
    best = [m.encoding for m in matches if m.chaos == calm]
    return "cp1252" if "cp1252" in best else best[0]


def _label(encoding: str) -> str:
    """ "cp1255" -> "Windows-1255", "koi8_r" -> "KOI8-R"."""
    name = codecs.lookup(encoding).name.upper().replace("_", "-")
    return f"Windows-{name[2:]}" if name.startswith("CP125") else name


def _rewrite(text: str) -> bytes:
    """UTF-8 bytes with the declaration saying so (or none), nothing before it."""
    text = text.lstrip("\ufeff \t\r\n")
    text = _DECLARATION.sub('<?xml version="1.0" encoding="utf-8"?>', text, count=1)
    return text.encode("utf-8")
