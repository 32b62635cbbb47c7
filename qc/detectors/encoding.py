"""Encoding damage (family ``encoding``): replacement characters, ``?`` runs, invisible characters,
legacy file encodings, undecodable bytes, binary and unreadable files.

Catches:
- ``replacement_chars``: runs of U+FFFD, and runs of ``?`` standing where Han characters were
  (a lossy encode replaced them): two or more ``?`` in a row touching Han text. A single ``?``
  between Han characters is usually a half-width question mark and is left alone.
- ``invisible_chars``: C0/C1 control characters (not tab/newline/CR), zero-width and bidi controls,
  private-use characters. U+3000 ideographic space is legitimate and left alone.
- ``file_encoding``: the file was not UTF-8 (names the detected codec); a BOM.
- ``undecodable_bytes``: bytes that no codec could decode (byte offsets in the message).
- ``unscannable_file``: binary, unreadable or empty files (one finding, nothing else runs).
How: one compiled regex per detector over the text; the file-level ones read what the reader recorded.
Known false positives: a ``??`` used as emphasis between Chinese words in chat text;
private-use characters some fonts use for icons.
"""
from __future__ import annotations

import re

from ..model import STATUS_BINARY, STATUS_EMPTY, STATUS_MALFORMED, STATUS_OK, STATUS_UNREADABLE, Hit
from . import detector

HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_FFFD = re.compile("\ufffd+")
# ? runs next to Han: "??" or more touching Han, or "?" squeezed between two Han characters
_QRUN = re.compile(rf"(?<=[{HAN}])\?{{2,}}|\?{{2,}}(?=[{HAN}])")
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f"  # C0 (not \t \n \r) and C1 controls
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"  # zero-width and bidi controls
    "\ue000-\uf8ff]+"  # private use
)

_NAMES = {
    "\u200b": "ZERO WIDTH SPACE", "\u200c": "ZERO WIDTH NON-JOINER", "\u200d": "ZERO WIDTH JOINER",
    "\u200e": "LEFT-TO-RIGHT MARK", "\u200f": "RIGHT-TO-LEFT MARK", "\ufeff": "BYTE ORDER MARK / ZWNBSP",
    "\u2060": "WORD JOINER",
}


def _describe(ch: str) -> str:
    o = ord(ch)
    if ch in _NAMES:
        return f"U+{o:04X} {_NAMES[ch]}"
    if 0xE000 <= o <= 0xF8FF:
        return f"U+{o:04X} private-use character"
    if 0x202A <= o <= 0x202E or 0x2066 <= o <= 0x2069:
        return f"U+{o:04X} bidi control"
    if o < 0x20 or o == 0x7F:
        return f"U+{o:04X} C0 control character"
    if 0x80 <= o <= 0x9F:
        return f"U+{o:04X} C1 control character"
    return f"U+{o:04X} invisible character"


@detector("replacement_chars")
def replacement_chars(doc, profile, params):
    text = doc.text
    if "\ufffd" in text:
        for m in _FFFD.finditer(text):
            n = m.end() - m.start()
            yield Hit(m.start(), m.end(),
                      f"{n} replacement character{'s' if n > 1 else ''} (U+FFFD): bytes here were lost in decoding",
                      evidence={"count": n})
    if params.get("question_runs", True) and "?" in text:
        for m in _QRUN.finditer(text):
            n = m.end() - m.start()
            yield Hit(m.start(), m.end(),
                      f"{n} '?' standing in Han text: characters lost by a lossy encode (e.g. to GBK/Latin-1)",
                      evidence={"count": n})


replacement_chars.param_defaults = {"question_runs": True}


@detector("invisible_chars")
def invisible_chars(doc, profile, params):
    text = doc.text
    for m in _INVISIBLE.finditer(text):
        s = m.group()
        if m.start() == 0 and s == "\ufeff":
            continue  # leading BOM is a file-encoding matter
        kinds = sorted({_describe(c) for c in s})
        yield Hit(m.start(), m.end(), f"{len(s)} invisible/control character{'s' if len(s) > 1 else ''}: {', '.join(kinds[:4])}",
                  suggestion="", evidence={"codepoints": [f"U+{ord(c):04X}" for c in s[:16]]})


invisible_chars.param_defaults = {}


@detector("file_encoding")
def file_encoding(doc, profile, params):
    enc = doc.encoding
    if doc.status != STATUS_OK:
        return
    if enc.name not in ("utf-8", "ascii"):
        conf = f" (confidence {enc.confidence:.2f})" if enc.confidence is not None else ""
        yield Hit(0, 0, f"file is not UTF-8: decoded as {enc.name}{conf}; convert it to UTF-8",
                  evidence={"encoding": enc.name})
    elif enc.bom and params.get("flag_bom", True):
        yield Hit(0, 0, "file starts with a UTF-8 byte order mark (stripped before scanning)", severity="info",
                  evidence={"bom": True})


file_encoding.param_defaults = {"flag_bom": True}


@detector("undecodable_bytes")
def undecodable_bytes(doc, profile, params):
    enc = doc.encoding
    if not enc.decode_errors:
        return
    offs = ", ".join(str(o) for o in enc.error_bytes[:10])
    more = "…" if len(enc.error_bytes) > 10 or enc.decode_errors > len(enc.error_bytes) else ""
    for s, e in enc.error_spans[: int(params.get("max_spans", 50))]:
        yield Hit(s, e, f"undecodable byte(s) in {enc.name} data replaced by U+FFFD", evidence={"encoding": enc.name})
    yield Hit(0, 0, f"{enc.decode_errors} byte(s) could not be decoded as {enc.name}; byte offsets {offs}{more}",
              evidence={"byte_offsets": enc.error_bytes[:100], "count": enc.decode_errors})


undecodable_bytes.param_defaults = {"max_spans": 50}


@detector("unscannable_file")
def unscannable_file(doc, profile, params):
    if doc.status in (STATUS_BINARY, STATUS_UNREADABLE, STATUS_MALFORMED):
        yield Hit(0, 0, doc.error or f"{doc.status} file", evidence={"status": doc.status})
    elif doc.status == STATUS_EMPTY:
        yield Hit(0, 0, doc.error or "empty file", severity="info", evidence={"status": doc.status})


unscannable_file.param_defaults = {}
