"""Which Han characters are common in real Chinese text.

Built from the standards' own frequency split, read out of Python's codecs (no data file):
GB2312 level 1 (the 3,755 most frequent Simplified characters, rows 16–55) and Big5's
"frequently used" block (5,401 Traditional characters, 0xA440–0xC67E). Real text of either
script is ~95% made of these; text decoded with the wrong codec is not.
"""
from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def gb2312_level1() -> frozenset[str]:
    out = set()
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                out.add(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return frozenset(out)


@lru_cache(maxsize=1)
def gb2312_all() -> frozenset[str]:
    out = set()
    for hi in range(0xB0, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                out.add(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return frozenset(out)


@lru_cache(maxsize=1)
def big5_level1() -> frozenset[str]:
    out = set()
    for code in range(0xA440, 0xC67F):
        hi, lo = code >> 8, code & 0xFF
        if not (0x40 <= lo <= 0x7E or 0xA1 <= lo <= 0xFE):
            continue
        try:
            out.add(bytes((hi, lo)).decode("big5"))
        except UnicodeDecodeError:
            pass
    return frozenset(out)


@lru_cache(maxsize=1)
def common_han() -> frozenset[str]:
    """Common characters of either script (GB2312 level 1 ∪ Big5 level 1)."""
    return gb2312_level1() | big5_level1()


def is_han(ch: str) -> bool:
    o = ord(ch)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x20000 <= o <= 0x2FA1F or 0xF900 <= o <= 0xFAFF


def common_ratio(text: str) -> tuple[float, int]:
    """(share of Han characters that are common, number of Han characters)."""
    common = common_han()
    han = 0
    hit = 0
    for ch in text:
        if is_han(ch):
            han += 1
            if ch in common:
                hit += 1
    return (hit / han if han else 0.0), han
