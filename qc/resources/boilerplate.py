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
import sys
from dataclasses import dataclass
from functools import lru_cache

from . import lexicon
from . import trie_regex


_NOT_LETTER = re.compile(r"[\W\d_]+")
_DOT_OK = re.compile(r"\.(?!\d)")  # the dot rule of the ``clause`` and ``punct`` classes


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
    max_key_len: int = 0  # the longest key of ``strong_lines`` and ``weak_lines``


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
    max_key_len = max(map(len, [*strong, *weak]), default=0)
    return BoilerplateLexicon(strong, weak, phrases, phrase_kind, func, suffixes, chars, phrases_lower, max_key_len)


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
# BP03's line pre-checks (flags: does a line hold any such character; astral characters are set
# conservatively so that a flag never wrongly skips a check):
# ``alnum``  str.isalnum() (astral: not set) — a line with none may be punctuation-only
# ``struct`` a character some strong structural test of BP03 needs (brackets, pipes, breadcrumb
#            marks, inner spaces, ! for images, 前/天 for "3天前"); digits are the ``dec`` class
# ``keyx``   a character ``norm_key`` drops or changes (not a letter, or lower() changes it)
# ``lowx``   a character whitespace removal + lower() drops or changes (str.isspace, or lower() changes it)
STRUCT_CHARS = "![]【(（|｜>»›＞→ \u3000\xa0前天"
WHITESPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006" \
             "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"  # = every c with c.isspace()
# ``hanx``   a ``han`` character that norm_key drops (unassigned: U+FA6E, U+FA6F, U+FADA–U+FAFF): a
#            line without one keeps all its Han characters in its key, so the key is at least that long
BITS = {name: 1 << i for i, name in enumerate(("han", *CLASS_CHARS, "dec", "cased", "astral", "dot",
                                               "alnum", "struct", "keyx", "lowx", "hanx"))}
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
    for ch in STRUCT_CHARS:
        t[ord(ch)] |= BITS["struct"]
    dec, cased, alnum, keyx, lowx = BITS["dec"], BITS["cased"], BITS["alnum"], BITS["keyx"], BITS["lowx"]
    for c in range(_ASTRAL):
        ch = chr(c)
        low_changes = ch.lower() != ch
        if ch.isdecimal():  # = re's \d on str patterns (Unicode category Nd)
            t[c] |= dec
        if c >= 128 and (low_changes or ch.upper() != ch):
            t[c] |= cased
        if ch.isalnum():  # = re's \w on str patterns, less "_"
            t[c] |= alnum
        if not ch.isalnum() or ch.isdecimal() or low_changes:  # what norm_key drops ([\W\d_]) or lowers
            t[c] |= keyx
        if ch.isspace() or low_changes:
            t[c] |= lowx
    for lo, hi in HAN_RANGES:
        for c in range(lo, hi + 1):
            ch = chr(c)
            if not ch.isalnum() or ch.isdecimal():
                t[c] |= BITS["hanx"]
    t[_ASTRAL] = BITS["astral"] | dec | cased | BITS["struct"] | keyx | lowx
    return t


@lru_cache(maxsize=8)
def _set_table(chars: str):
    """Membership table for an arbitrary character set, and the set's astral members."""
    import numpy as np

    t = np.zeros(_ASTRAL + 1, dtype=bool)
    for c in chars:
        if ord(c) < _ASTRAL:
            t[ord(c)] = True
    return t, np.array(sorted(ord(c) for c in chars if ord(c) >= _ASTRAL), dtype=np.uint32)


def _class_member_table(name: str):
    """Membership table (index ``_ASTRAL`` = every astral character) of class ``name`` without the
    dot rule; ``set:<chars>`` names an arbitrary set."""
    if name.startswith("set:"):
        return _set_table(name[4:])[0]
    return (_class_table() & BITS[name]) != 0


_LANE = 21  # bits per count in a packed prefix sum: three counts per int64, texts below 2**21 characters
_LANE_MASK = (1 << _LANE) - 1


_LANE16 = 16  # texts below 2**16 - 1 characters: four 16-bit counts per int64 (wrapping is harmless:
_LANE16_MASK = (1 << _LANE16) - 1  # no lane's prefix count reaches 2**16, so no carry crosses lanes)


_LITTLE_ENDIAN = sys.byteorder == "little"


@lru_cache(maxsize=64)
def _has_astral_set(names: tuple[str, ...]) -> bool:
    """Does a ``set:`` class of ``names`` have astral members (then it is counted on its own)."""
    return any(nm.startswith("set:") and len(_set_table(nm[4:])[1]) for nm in names)


@lru_cache(maxsize=16)
def _packed_table(names: tuple[str, ...], lane: int = _LANE):
    """int64 table: class i of ``names`` in bits [lane·i, lane·i + lane)."""
    import numpy as np

    t = np.zeros(_ASTRAL + 1, dtype=np.int64)
    for i, name in enumerate(names):
        t |= _class_member_table(name).astype(np.int64) << (lane * i)
    return t


class CharStats:
    """Character classes of one text, counted over spans. Classes: ``han``, ``clause``
    (``[，。！？；：、,!?;:…]|\\.(?!\\d)``), ``punct`` (FM02's marks, same dot rule), ``ws5``, ``dec``
    (``\\d``; astral characters count), ``crumb``, ``space``, ``cased`` (non-ASCII letters with case;
    astral characters count), ``astral``, and ``set:<chars>`` (any character of ``chars``).

    ``span_counts`` counts up to four classes with one table lookup and one prefix sum (the counts
    packed into 16-bit lanes of an int64 below 65535 characters, else three in 21-bit lanes);
    ``prefix``/``mask`` give one class at a time."""

    __slots__ = ("text", "cps", "_idx", "_cls", "_prefix", "_dots")

    def __init__(self, text: str):
        import numpy as np

        self.text = text
        self.cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        self._idx = np.minimum(self.cps, _ASTRAL)
        self._cls = None
        self._prefix: dict = {}
        self._dots = None

    @property
    def cls(self):
        if self._cls is None:
            self._cls = _class_table().take(self._idx)  # take: faster than indexing with uint32
        return self._cls

    def dot_ok(self):
        """Positions of ``\\.(?!\\d)`` matches: a full stop not followed by a decimal digit. A text
        with few dots asks the regex itself (its scan for the literal costs less than a dozen numpy
        passes over the text); one with many uses the code points."""
        if self._dots is None:
            import numpy as np

            text = self.text
            ndots = text.count(".")
            if not ndots:
                self._dots = np.zeros(0, dtype=np.int64)
            elif ndots <= 256:
                self._dots = np.array([m.start() for m in _DOT_OK.finditer(text)], dtype=np.int64)
            else:
                dots = np.flatnonzero(self.cps == 46)
                nxt = dots + 1
                inside = nxt < len(text)
                nxt_dec = np.zeros(len(dots), dtype=bool)
                nxt_dec[inside] = (self.cls[nxt[inside]] & BITS["dec"]) != 0
                for k in np.flatnonzero(inside & ((self.cls[np.minimum(nxt, len(text) - 1)] & BITS["astral"]) != 0)).tolist():
                    nxt_dec[k] = text[int(nxt[k])].isdecimal()  # astral digits: ask Python
                self._dots = dots[~nxt_dec]
        return self._dots

    def mask(self, name: str):
        """Boolean array: is each character of class ``name``."""
        import numpy as np

        if name.startswith("set:"):
            table, astral = _set_table(name[4:])
            m = table.take(self._idx)
            if len(astral):
                m &= self.cps < _ASTRAL
                m |= np.isin(self.cps, astral)
            return m
        m = (self.cls & BITS[name]) != 0
        if name in ("clause", "punct"):
            m[self.dot_ok()] = True
        return m

    def prefix(self, name: str):
        """Prefix counts (int64 array of len(text)+1) of class ``name``."""
        p = self._prefix.get(name)
        if p is None:
            p = self._cumsum(self.mask(name))
            self._prefix[name] = p
        return p

    def span_counts(self, names: tuple[str, ...], starts, ends) -> list:
        """For each class of ``names``: an int64 array of its counts in ``text[starts[i]:ends[i]]``."""
        import numpy as np

        out: list = [None] * len(names)
        if len(self.cps) >= _LANE_MASK:
            for k, name in enumerate(names):
                p = self.prefix(name)
                out[k] = p[ends] - p[starts]
            return out
        lane, mask, per = (_LANE16, _LANE16_MASK, 4) if len(self.cps) < _LANE16_MASK else (_LANE, _LANE_MASK, 3)
        for g in range(0, len(names), per):
            grp = tuple(names[g:g + per])
            if _has_astral_set(grp):
                for k, name in enumerate(grp):  # a set with astral members: one class at a time
                    p = self.prefix(name)
                    out[g + k] = p[ends] - p[starts]
                continue
            key = ("packed", grp, lane)
            p = self._prefix.get(key)
            if p is None:
                p = np.empty(len(self.cps) + 1, dtype=np.int64)
                p[0] = 0
                np.add.accumulate(_packed_table(grp, lane).take(self._idx), out=p[1:])
                self._prefix[key] = p
            d = p[ends] - p[starts]
            if lane == _LANE16 and _LITTLE_ENDIAN:  # the 16-bit lanes are the int64's uint16 words
                lanes = d.view(np.uint16).reshape(len(d), 4).astype(np.int64)
            else:
                lanes = None
            for k, name in enumerate(grp):
                if lanes is not None:
                    c = lanes[:, k]
                else:
                    c = (d >> (lane * k)) & mask if k else d & mask
                if name in ("clause", "punct"):
                    dots = self.dot_ok()
                    if len(dots):
                        c = c + (np.searchsorted(dots, ends) - np.searchsorted(dots, starts))
                out[g + k] = c
        return out

    def span_flags(self, starts, ends):
        """uint16 array: the OR of the class bits (``BITS``, without the dot rule) of the characters
        of each non-empty span ``text[starts[i]:ends[i]]``; the spans must be in order and not overlap."""
        import numpy as np

        k = len(starts)
        if k == 0:
            return np.zeros(0, dtype=np.uint16)
        idx = np.empty(2 * k, dtype=np.int64)
        idx[0::2], idx[1::2] = starts, ends
        cls = self.cls
        if idx[-1] >= len(cls):  # reduceat needs every index inside the array
            cls = np.append(cls, np.uint16(0))
        return np.bitwise_or.reduceat(cls, idx)[0::2]

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
