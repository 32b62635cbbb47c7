"""Boilerplate word lists from ``rules/lexicons/``, parsed once per process.

Entries are written in Simplified Chinese; their Traditional forms (OpenCC s2t/s2tw/s2hk) are
added at load time.

- ``boilerplate_lines.txt``: ``kind|line`` whole lines (a leading ``~`` on the kind marks a weak entry)
- ``boilerplate_phrases.txt``: ``kind|phrase`` substrings, compiled into one regex
- ``boilerplate_function_chars.txt``: characters of running prose (particles, pronouns, prepositions)
- ``boilerplate_site_suffixes.txt``: words that end a site name in a page-title line

Also ``char_stats(text)``: per-character classes of a text (Han, punctuation, digits, …) looked up
in one numpy table, with prefix counts, so the boilerplate and format detectors count a class in
any line or span with two lookups instead of a regex call per line (computed once per text).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from . import lexicon
from . import trie_regex


_NOT_LETTER = re.compile(r"[\W\d_]+")


def norm_key(s: str) -> str:
    """What a line is matched on: letters and Han only, Latin lowercased (digits, spaces,
    punctuation and symbols dropped), so ``分享到：``, ``【分享到】`` and ``分享到 12`` are one key."""
    return _NOT_LETTER.sub("", s).lower()




@dataclass(frozen=True)
class BoilerplateLexicon:
    strong_lines: dict[str, str]  # norm key -> kind
    weak_lines: dict[str, str]
    phrases: re.Pattern | None  # one alternation; group text -> kind via phrase_kind
    phrase_kind: dict[str, str]
    function_chars: re.Pattern
    site_suffixes: tuple[str, ...]
    function_set: str = ""  # the characters of ``function_chars`` (for ``CharStats.prefix_set``)
    phrases_lower: re.Pattern | None = None  # ``phrases`` without re.I, for text with no cased non-ASCII


def _split(entry: str, name: str) -> tuple[str, str]:
    if "|" not in entry:
        raise ValueError(f"{name}: entry {entry!r} is not 'kind|text'")
    kind, text = entry.split("|", 1)
    return kind.strip(), text.strip()


@lru_cache(maxsize=1)
def _to_traditional():
    """Simplified → Traditional converters (OpenCC), so a Simplified word list also matches
    Traditional pages; None when OpenCC is not installed."""
    try:
        import opencc
    except ImportError:  # pragma: no cover
        return ()
    return tuple(opencc.OpenCC(cfg) for cfg in ("s2t", "s2tw", "s2hk"))


def _variants(text: str) -> set[str]:
    out = {text}
    for conv in _to_traditional():
        out.add(conv.convert(text))
    return out


@lru_cache(maxsize=8)
def _load(lex_dirs: str) -> BoilerplateLexicon:
    params = {"_lexicons": lex_dirs}
    strong: dict[str, str] = {}
    weak: dict[str, str] = {}
    for entry in lexicon(params, "boilerplate_lines.txt"):
        kind, text = _split(entry, "boilerplate_lines.txt")
        for variant in _variants(text):
            key = norm_key(variant)
            if not key:
                continue
            if kind.startswith("~"):
                weak.setdefault(key, kind[1:])
            else:
                strong.setdefault(key, kind)
    for k in strong:
        weak.pop(k, None)
    phrase_kind: dict[str, str] = {}
    for entry in lexicon(params, "boilerplate_phrases.txt"):
        kind, text = _split(entry, "boilerplate_phrases.txt")
        for variant in _variants(text) if text else ():
            phrase_kind.setdefault(variant.lower(), kind)
    phrases = re.compile(trie_regex(phrase_kind), re.I) if phrase_kind else None
    # the same alternation without re.I (5× faster in Python's engine): on lowercased text it finds
    # exactly what the re.I pattern finds as long as neither side holds a non-ASCII cased character
    # (whose re.I equivalents, e.g. ſ ~ s or K ~ k, lower() does not reproduce)
    phrases_lower = None
    if phrase_kind and not any(_cased_non_ascii(c) for w in phrase_kind for c in w):
        phrases_lower = re.compile(trie_regex(phrase_kind))
    chars = "".join(sorted(set("".join(lexicon(params, "boilerplate_function_chars.txt")))))
    func = re.compile(f"[{re.escape(chars)}]") if chars else re.compile(r"(?!x)x")
    suffixes = tuple(sorted(lexicon(params, "boilerplate_site_suffixes.txt"), key=len, reverse=True))
    return BoilerplateLexicon(strong, weak, phrases, phrase_kind, func, suffixes, chars, phrases_lower)


def boilerplate_lexicon(params: dict) -> BoilerplateLexicon:
    return _load(str(params.get("_lexicons", "")))


# --- per-character classes (numpy) ----------------------------------------------------------------

def _cased_non_ascii(c: str) -> bool:
    return ord(c) >= 128 and (c.lower() != c or c.upper() != c)


HAN_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))  # = [\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]
# character classes, one bit each; every class but ``dec`` and ``cased`` is exact for all code points
# (astral ones are flagged ``astral`` and counted as ``dec``/``cased`` conservatively)
CLASS_CHARS = {
    "clause": "，。！？；：、,!?;:…",                      # BP03's clause marks (without the dot rule)
    "punct": "，。！？；：、,!?;:“”‘’\"《》（）()…—",       # FM02's punctuation (without the dot rule)
    "ws5": " \t\r\u3000\xa0",                          # what BP03's ``_nonws`` discounts
    "crumb": ">»›＞→",                                  # breadcrumb separators
    "space": " \u3000",                                # FM01's word separators
}
BITS = {name: 1 << i for i, name in enumerate(("han", *CLASS_CHARS, "dec", "cased", "astral", "dot"))}
_ASTRAL = 0x10000


@lru_cache(maxsize=1)
def _class_table():
    import numpy as np

    t = np.zeros(_ASTRAL + 1, dtype=np.uint16)
    for lo, hi in HAN_RANGES:
        t[lo:hi + 1] |= BITS["han"]
    for name, chars in CLASS_CHARS.items():
        for ch in chars:
            t[ord(ch)] |= BITS[name]
    t[ord(".")] |= BITS["dot"]
    dec, cased = BITS["dec"], BITS["cased"]
    for c in range(_ASTRAL):
        ch = chr(c)
        if ch.isdecimal():  # = re's \d on str patterns (Unicode category Nd)
            t[c] |= dec
        if c >= 128 and (ch.lower() != ch or ch.upper() != ch):
            t[c] |= cased
    t[_ASTRAL] = BITS["astral"] | dec | cased
    return t


@lru_cache(maxsize=8)
def _set_table(chars: str):
    """Membership table for an arbitrary character set (index ``_ASTRAL``: any astral member)."""
    import numpy as np

    t = np.zeros(_ASTRAL + 1, dtype=bool)
    astral = [c for c in chars if ord(c) >= _ASTRAL]
    for c in chars:
        if ord(c) < _ASTRAL:
            t[ord(c)] = True
    return t, np.array(sorted(ord(c) for c in astral), dtype=np.uint32)


class CharStats:
    """Character classes of one text and prefix counts per class: ``prefix(name)[j] - prefix(name)[i]``
    is the number of characters of class ``name`` in ``text[i:j]``. Classes: ``han``, ``clause``
    (``[，。！？；：、,!?;:…]|\\.(?!\\d)``), ``punct`` (FM02's marks, same dot rule), ``ws5``, ``dec``
    (``\\d``; astral characters count), ``crumb``, ``space``, ``cased`` (non-ASCII letters with case;
    astral characters count), ``astral``."""

    __slots__ = ("text", "cps", "cls", "_prefix", "_dot_ok")

    def __init__(self, text: str):
        import numpy as np

        self.text = text
        self.cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        self.cls = _class_table()[np.minimum(self.cps, _ASTRAL)]
        self._prefix: dict[str, object] = {}
        self._dot_ok = None

    def mask(self, name: str):
        """Boolean array: is each character of class ``name``."""
        if name in ("clause", "punct"):
            return ((self.cls & BITS[name]) != 0) | self.dot_ok()
        return (self.cls & BITS[name]) != 0

    def dot_ok(self):
        """``\\.(?!\\d)``: a full stop not followed by a decimal digit."""
        if self._dot_ok is None:
            import numpy as np

            cls, dot, dec = self.cls, BITS["dot"], BITS["dec"]
            ok = (cls & dot) != 0
            if ok.any():
                nxt_dec = np.zeros(len(cls), dtype=bool)
                nxt_dec[:-1] = (cls[1:] & dec) != 0
                ast = (cls[1:] & BITS["astral"]) != 0
                for i in np.flatnonzero(ok[:-1] & ast).tolist():  # astral digits: ask Python
                    nxt_dec[i] = self.text[i + 1].isdecimal()
                ok &= ~nxt_dec
            self._dot_ok = ok
        return self._dot_ok

    def prefix(self, name: str):
        """Prefix counts (int64 array of len(text)+1) of class ``name``."""
        p = self._prefix.get(name)
        if p is None:
            p = self._cumsum(self.mask(name))
            self._prefix[name] = p
        return p

    def prefix_set(self, chars: str):
        """Prefix counts of the characters in ``chars`` (e.g. the function characters)."""
        key = "set:" + chars
        p = self._prefix.get(key)
        if p is None:
            import numpy as np

            table, astral = _set_table(chars)
            m = table[np.minimum(self.cps, _ASTRAL)]
            if len(astral):
                m &= self.cps < _ASTRAL
                m |= np.isin(self.cps, astral)
            p = self._cumsum(m)
            self._prefix[key] = p
        return p

    @staticmethod
    def _cumsum(mask):
        import numpy as np

        p = np.zeros(len(mask) + 1, dtype=np.int64)
        np.cumsum(mask, out=p[1:])
        return p

    def count(self, name: str) -> int:
        return int(self.prefix(name)[-1])


@lru_cache(maxsize=4)
def char_stats(text: str) -> CharStats:
    """``CharStats`` of ``text``, computed once per text (BP03, FM01–FM03 share it)."""
    return CharStats(text)
