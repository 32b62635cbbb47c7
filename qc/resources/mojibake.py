"""Codec arithmetic for repairing Chinese mojibake: plausibility, byte-level re-decoding, lost-byte guesses.

Used by the ``encoding`` detectors (qc/detectors/encoding.py). Everything here is a pure function of
its inputs plus shipped resources (jieba's dictionary, OpenCC's Traditional→Simplified table, the
Python codecs), cached once per process.

Vocabulary
- *damaged* text: what the corpus holds (e.g. ``浣犲ソ``).
- a *hypothesis*: how the damage happened (UTF-8 bytes decoded as GBK, a GBK stream decoded one byte
  out of step, Big5 bytes decoded as GBK, …). Undoing it means re-encoding the damaged text with the
  codec that produced it and decoding the bytes with the right one.
- a *lost byte*: a ``?`` or U+FFFD in the damaged text stands for one byte the bad decode could not
  map. When a repaired character is missing a byte, the candidates sharing the known bytes are
  ranked by whether they form a jieba word with their neighbours; with no such word the character
  stays U+FFFD (we do not guess blindly).
- *plausibility*: the share of the text's Han characters and CJK punctuation that are frequent
  (jieba top-N characters or their Traditional forms, see ``charfreq.frequent_han``); kana, Greek,
  box drawing, private-use and other symbols that GBK rows 0xA1–0xA9 produce count as implausible
  in Chinese text; ASCII other than ``?`` is neutral.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np

from .charfreq import chars_of, frequent_han, jieba_word_arrays, jieba_word_freq, to_simplified_char, to_simplified_chars

LOST = -1  # a byte we know existed but not its value
MIN_GUESS_COUNT = 20  # a guessed word must occur at least this often in jieba's dictionary
LOST_MARKS = frozenset("?\ufffd")
CJK_PUNCT = frozenset("。，、；：？！“”‘’（）《》〈〉【】「」『』—…·～　")

def is_han(ch: str) -> bool:
    o = ord(ch)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x2FA1F


@dataclass(frozen=True)
class Plausibility:
    good: float
    units: int
    rare: int = 0  # counted characters that are neither frequent, nor punctuation, nor in a word

    @property
    def ratio(self) -> float:
        return self.good / self.units if self.units else 0.0


def _simplified(s: str) -> str:
    return to_simplified_chars(s)


@lru_cache(maxsize=4)
def word_first_chars(min_freq: int = 3) -> frozenset[str]:
    """Characters that begin some jieba word of 2–4 characters occurring ≥ ``min_freq`` times
    (~5,600 characters): ``word_covered`` looks up words only where one of these stands.
    (This table and the two below are read off ``jieba_word_arrays`` with numpy: ~0.01 s, where a
    loop over the 350k words took ~0.1 s each.)"""
    counts, lens, cps, starts = jieba_word_arrays()
    return chars_of(cps[starts[(counts >= min_freq) & (lens >= 2) & (lens <= 4)]])


@lru_cache(maxsize=1)
def _pair_chars() -> tuple[frozenset[str], frozenset[str]]:
    """(first characters, second characters) of jieba's two-character words: ``guess_pair`` skips
    candidates that can be neither."""
    counts, lens, cps, starts = jieba_word_arrays()
    firsts = starts[(lens == 2) & (counts > 0)]
    return chars_of(cps[firsts]), chars_of(cps[firsts + 1])


def word_covered(text: str, lo: int, hi: int, min_freq: int = 3) -> list[bool]:
    """For text[lo:hi]: is each character inside some jieba word (2–4 characters, Traditional
    mapped to Simplified) that occurs anywhere in ``text``? ``text`` may carry context around."""
    get = jieba_word_freq().get
    starts = word_first_chars(min_freq)
    lengths = _word_pair_filter(min_freq)
    simp = _simplified(text)
    n = len(simp)
    covered = [False] * (hi - lo)
    for i in range(max(0, lo - 3), min(hi, n - 1)):
        c = simp[i]
        if c not in starts:
            continue  # no word of 2–4 characters begins here
        # the word lengths that may begin with this pair (a hash bucket: no false negatives)
        f = lengths[(ord(c) * 40961 + ord(simp[i + 1])) & _PAIR_MASK]
        if not f:
            continue
        # the longest word that begins here and reaches into text[lo:hi]
        if f & 4 and i + 4 <= n and get(simp[i:i + 4], 0) >= min_freq:
            j = i + 4
        elif f & 2 and lo < i + 3 <= n and get(simp[i:i + 3], 0) >= min_freq:
            j = i + 3
        elif f & 1 and i + 2 > lo and get(simp[i:i + 2], 0) >= min_freq:
            j = i + 2
        else:
            continue
        for k in range(max(i, lo), min(j, hi)):
            covered[k - lo] = True
    return covered


_PAIR_MASK = (1 << 20) - 1


@lru_cache(maxsize=4)
def _word_pair_filter(min_freq: int = 3) -> bytes:
    """One byte per bucket of a hash of two characters (2^20 buckets, 1 MB, ~0.01 s once per
    process): bit 1 when a jieba word of two characters occurring ≥ ``min_freq`` times is in the
    bucket, bit 2 when a word of three characters begins with a pair in it, bit 4 for four. A
    word's bucket always has its bit, so ``word_covered`` skips only look-ups that would find
    nothing: with ~14% of the buckets set, most of the ~3 dict look-ups per character of damaged
    text and many of real text (a failed look-up in the 350k-word dict costs ~0.5 µs)."""
    counts, lens, cps, starts = jieba_word_arrays()
    filt = np.zeros(_PAIR_MASK + 1, dtype=np.uint8)
    for length, bit in ((2, 1), (3, 2), (4, 4)):
        st = starts[(lens == length) & (counts >= min_freq)]
        filt[(cps[st].astype(np.int64) * 40961 + cps[st + 1].astype(np.int64)) & _PAIR_MASK] |= bit
    return filt.tobytes()


@lru_cache(maxsize=1024)  # the window search asks again for the same decodes (gate, search, growth)
def common_ratio(text: str, top: int = 2000, skip: frozenset[int] = frozenset()) -> float:
    """The cheap half of ``plausibility``: share of counted characters that are frequent."""
    kind = _char_kinds(top).get
    good = units = 0
    for i, ch in enumerate(text):
        if ch < "\x80":
            if ch == "?" and not (skip and i in skip):
                units += 1
            continue
        k = kind(ch)
        if k == _SPACE or (skip and i in skip):
            continue
        units += 1
        good += k is not None  # frequent or CJK punctuation
    return good / units if units else 0.0


_SPACE = 3
# the characters above ASCII for which str.isspace() is true (none above U+3000 in Unicode 15)
_WIDE_SPACES = "\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
               "\u2028\u2029\u202f\u205f\u3000"


@lru_cache(maxsize=4)
def _char_kinds(top: int) -> dict[str, int]:
    """1 for CJK punctuation, 2 for the ``top`` frequent characters (punctuation wins), 3 for
    whitespace above ASCII (not counted; wins over the punctuation U+3000), else absent: one dict
    access tells ``plausibility`` and ``common_ratio`` what a character is."""
    kinds = dict.fromkeys(frequent_han(top), 2)
    kinds.update(dict.fromkeys(CJK_PUNCT, 1))
    kinds.update(dict.fromkeys(_WIDE_SPACES, _SPACE))
    return kinds


@lru_cache(maxsize=1024)  # as common_ratio; the result is shared, callers do not change it
def plausibility(text: str, top: int = 2000, skip: frozenset[int] = frozenset(), left: str = "",
                 right: str = "") -> Plausibility:
    """How much of ``text`` looks like real Chinese (see module docstring): each counted character
    scores 0.5 for being frequent and 0.5 for lying inside a dictionary word (``left``/``right``
    are context for finding words across the edges). ``skip``: indices of guessed characters."""
    kind = _char_kinds(top).get
    covered = word_covered(left + text + right, len(left), len(left) + len(text))
    good = 0.0
    units = rare = 0
    for i, ch in enumerate(text):
        if ch < "\x80":
            if ch == "?" and not (skip and i in skip):
                units += 1
                rare += 1
            continue
        k = kind(ch)
        if k == _SPACE or (skip and i in skip):
            continue
        units += 1
        if k == 1:  # CJK punctuation
            good += 1.0
        elif k == 2:  # a frequent character
            good += 1.0 if covered[i] else 0.5
        elif covered[i]:
            good += 0.5  # a rare character inside a dictionary word (诡 in 诡异) is not noise
        else:
            rare += 1
    return Plausibility(good, units, rare)


@lru_cache(maxsize=4)
def build_tables(top: int = 2000) -> None:
    """Build every per-process table the repairs use (character kinds, the jieba word sets): the
    detectors call this on their first document, so the one-time cost (~0.03 s) is not paid
    later by whichever document first holds damage."""
    _char_kinds(top)
    # the arguments spelled as the callers spell them: lru_cache keys f() and f(3) apart
    word_first_chars(3)
    _word_pair_filter(3)
    _pair_chars()
    _short_word_chars()
    _guess_table()
    _pattern_tables()
    _word_code_table(2, 2, 1)
    for codec in ("gbk", "big5"):
        _pair_grid(codec)
    jieba_word_arrays.cache_clear()  # ~13 MB of arrays the tables are read off: not kept


# --- word-context guesses for characters with a lost byte -------------------------------------


def _word_score(word: str) -> int:
    """jieba count of ``word`` (already mapped to Simplified by the caller)."""
    return jieba_word_freq().get(word, 0)


def guess_char(cands: tuple[str, ...], left: str, right: str) -> str | None:
    """The candidate that forms the most frequent jieba word with its neighbours, or None."""
    punct, chars, index = _guess_cands(cands)
    if punct and right[:1] in CJK_PUNCT:
        return punct[0]  # e.g. 。” / ，“: the lead byte of 。 (A1 A3) lost before a quotation mark
    best = None
    left, right = _simplified(left[-2:]), _simplified(right[:2])
    l1, l2 = left[-1:], left[-2:]
    r1, r2 = right[:1], right[:2]
    # the words a candidate may form: l1+c, l2+c, c+r1, c+r2, l1+c+r1 (those of two characters or
    # more; the ones that coincide when a side is short are looked up once)
    around = [(a, b) for a, b in ((l1, ""), (l2, ""), ("", r1), ("", r2), (l1, r1))
              if len(a) + len(b) >= 1]
    around = list(dict.fromkeys(around))
    # candidates in no word of two or three characters score 0 and change nothing: left out
    if chars and around:
        # a candidate's score is its best word. Each neighbour pattern's words (the characters that
        # complete it, with their counts; cached per pattern) are matched against the candidates
        # from whichever side is smaller. Words rarer than MIN_GUESS_COUNT / 2 are not in the
        # table: they can neither win nor be a runner-up that stops a winner.
        scores = [0] * len(chars)
        for a, b in around:
            words = _pattern_words(a, b)
            if len(words) <= len(index):
                for c, n in words.items():
                    for i in index.get(c, ()):
                        if n > scores[i]:
                            scores[i] = n
            else:
                for c, idx in index.items():
                    n = words.get(c, 0)
                    if n:
                        for i in idx:
                            if n > scores[i]:
                                scores[i] = n
        best_n = max(scores)
        # only a clear winner is a guess (the first candidate with the best count, twice the
        # runner-up's, ties included); otherwise the character stays unknown
        if best_n >= MIN_GUESS_COUNT:
            k = scores.index(best_n)
            if len(scores) < 2 or best_n >= 2 * max(scores[:k] + scores[k + 1:]):
                best = chars[k]
    if best is None and punct:
        return punct[0]
    return best


@lru_cache(maxsize=1024)
def _guess_cands(cands: tuple[str, ...]) -> tuple[list[str], tuple[str, ...], dict[int, tuple[int, ...]]]:
    """For ``guess_char``: (the punctuation among ``cands``, the candidates in some word of two or
    three characters (``_word_cands``), the code points of their Simplified forms → their indices
    in that tuple)."""
    cw = _word_cands(cands)
    index: dict[int, list[int]] = {}
    for i, (_, cs) in enumerate(cw):
        index.setdefault(ord(cs), []).append(i)
    return ([c for c in "。，、；：！？" if c in cands], tuple(c for c, _ in cw),
            {cs: tuple(idx) for cs, idx in index.items()})


@lru_cache(maxsize=4096)  # ~4 MB when full
def _pattern_words(a: str, b: str) -> dict[int, int]:
    """For ``guess_char``: the words a + c + b of ``_guess_table`` (two or three characters), as
    {code point of c: count}. ``a`` and ``b`` are Simplified neighbour characters: ``a`` one or
    two and ``b`` empty, ``a`` empty and ``b`` one or two, or one each. The words are one
    contiguous range of one of ``_pattern_tables`` (found with one ``searchsorted``); a neighbour
    outside U+0001–U+FFFE is in no word."""
    if not all(0 < ord(ch) < _NO_CHAR for ch in a + b):
        return {}
    codes, cps, counts = _pattern_tables()[(len(a), len(b))]
    # the known characters, in the table's order, from the top 16 bits down
    known = a + b if a else b[::-1]
    lo = _word_code(known)
    i0, i1 = np.searchsorted(codes, np.array([lo, lo + (1 << (64 - 16 * len(known)))], dtype=np.uint64)).tolist()
    return dict(zip(cps[i0:i1].tolist(), counts[i0:i1].tolist())) if i1 > i0 else {}


@lru_cache(maxsize=1)
def _pattern_tables() -> dict[tuple[int, int], tuple["np.ndarray", "np.ndarray", "np.ndarray"]]:
    """For ``_pattern_words``: per neighbour shape (len(a), len(b)), the words of ``_guess_table``
    of that length as (sorted codes of their known characters followed by the unknown one, the
    unknown character's code point, count): a + c is coded a c, a + c + b as a b c, c + b as b c
    and c + b0 b1 as b1 b0 c (the neighbours read outwards from c)."""
    table, counts = _guess_table()
    m16 = np.uint64(0xFFFF)
    c0, c1, c2 = (table >> np.uint64(48)) & m16, (table >> np.uint64(32)) & m16, (table >> np.uint64(16)) & m16
    two = c2 == 0

    def part(mask, first, second, third, unknown):
        code = (first[mask] << np.uint64(48)) | (second[mask] << np.uint64(32))
        if third is not None:
            code |= third[mask] << np.uint64(16)
        order = np.argsort(code)
        return code[order], unknown[mask][order].astype(np.int32), counts[mask][order].astype(np.int32)

    if len(counts) and int(counts.max()) >= 2 ** 31:
        raise ValueError("a jieba count does not fit 32 bits")
    three = ~two
    return {
        (1, 0): part(two, c0, c1, None, c1),           # a c
        (0, 1): part(two, c1, c0, None, c0),           # b c (c + b)
        (2, 0): part(three, c0, c1, c2, c2),           # a0 a1 c
        (1, 1): part(three, c0, c2, c1, c1),           # a b c (a + c + b)
        (0, 2): part(three, c2, c1, c0, c0),           # b1 b0 c (c + b0 b1)
    }


# --- jieba word counts at numpy speed ------------------------------------------------------------
# A word of two to four characters is one uint64 code, 16 bits per character from the top
# (every character of jieba's dictionary is below U+FFFF; ``_word_code_table`` checks it).


_NO_CHAR = 0xFFFF  # the code of a character that is in no jieba word (U+0000, U+FFFF and above)


def _c16(ch: str) -> int:
    o = ord(ch)
    return o if 0 < o < _NO_CHAR else _NO_CHAR


def _word_code(word: str, skip: int = -1) -> int:
    """The code of ``word`` (two to four characters); position ``skip`` is left 0."""
    code = 0
    for p, ch in enumerate(word):
        if p != skip:
            code |= _c16(ch) << (48 - 16 * p)
    return code


@lru_cache(maxsize=4)
def _word_code_table(min_len: int, max_len: int, min_count: int):
    """(sorted codes, counts) of jieba's words of ``min_len``–``max_len`` characters occurring at
    least ``min_count`` times (built once per process with numpy, ~0.02 s). ``word_counts`` looks
    up a whole array of candidate words with one ``searchsorted``: a dict access per word costs
    ~1 µs in jieba's 350k-word dictionary (cache misses), and a lost-byte guess asks for ~100."""
    counts, lens, cps, starts = jieba_word_arrays()
    if len(cps) and not (0 < int(cps.min()) and int(cps.max()) < _NO_CHAR):
        raise ValueError("jieba's dictionary holds a character outside U+0001–U+FFFE")
    m = (lens >= min_len) & (lens <= max_len) & (counts >= min_count)
    st, ln = starts[m], lens[m]
    code = np.zeros(len(st), dtype=np.uint64)
    for k in range(max_len):
        ch = cps[np.minimum(st + k, len(cps) - 1)].astype(np.uint64)
        code |= np.where(ln > k, ch, np.uint64(0)) << np.uint64(48 - 16 * k)
    order = np.argsort(code)
    return code[order], counts[m][order]


def _guess_table():
    """Words of two or three characters that can matter to ``guess_char`` (count ≥ MIN_GUESS_COUNT / 2)."""
    return _word_code_table(2, 3, (MIN_GUESS_COUNT + 1) // 2)


def word_counts(codes, table, counts):
    """The count in ``table`` (sorted codes) / ``counts`` of each word code in the array ``codes``
    (0 for a word not in the table), any shape."""
    idx = np.minimum(np.searchsorted(table, codes), len(table) - 1)
    return np.where(table[idx] == codes, counts[idx], 0)


@lru_cache(maxsize=1024)
def _simplified_cands(cands: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(candidate, its Simplified form) for a candidate tuple (the same tuples recur: they come
    from the cached ``_gbk_cands_*`` / ``_utf8_cands``)."""
    joined = "".join(cands)
    if len(joined) == len(cands):  # single characters: one translate (it maps one character to one)
        return tuple(zip(cands, to_simplified_chars(joined)))
    return tuple((c, to_simplified_char(c)) for c in cands)


@lru_cache(maxsize=1)
def _short_word_chars() -> frozenset[str]:
    """Characters of jieba's words of two or three characters (~6,300)."""
    counts, lens, cps, _ = jieba_word_arrays()
    return chars_of(cps[np.repeat((lens >= 2) & (lens <= 3) & (counts > 0), lens)])


@lru_cache(maxsize=1024)
def _word_cands(cands: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """``_simplified_cands`` without the candidates whose Simplified form is in no word of two or
    three characters (about 60% of a candidate row): ``guess_char`` could not score them."""
    chars = _short_word_chars()
    return tuple((c, cs) for c, cs in _simplified_cands(cands) if cs in chars)


@lru_cache(maxsize=1024)
def _pair_cands_codes(cands: tuple[str, ...], pos: int) -> tuple[tuple[str, ...], "np.ndarray"]:
    """``_pair_cands`` as (the candidates, the character codes of their Simplified forms)."""
    pc = _pair_cands(cands, pos)
    return tuple(c for c, _ in pc), np.array([_c16(cs) for _, cs in pc], dtype=np.uint64)


@lru_cache(maxsize=1024)
def _pair_cands(cands: tuple[str, ...], pos: int) -> tuple[tuple[str, str], ...]:
    """``_simplified_cands`` without the candidates that are in no two-character word at ``pos``."""
    chars = _pair_chars()[pos]
    return tuple((c, cs) for c, cs in _simplified_cands(cands) if cs in chars)


def guess_pair(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, str] | None:
    """The pair (x from a, y from b) that is the most frequent two-character jieba word, or None
    (the first x in order with the best count, and the first y of that x, as a scan would keep)."""
    # candidates that cannot be part of a two-character word score 0 and never win: left out
    ys, yc = _pair_cands_codes(b, 1)
    xs, xc = _pair_cands_codes(a, 0)
    if not ys or not xs:
        return None
    grid = word_counts((xc[:, None] << np.uint64(48)) | (yc[None, :] << np.uint64(32)), *_word_code_table(2, 2, 1))
    k = int(grid.argmax())  # row-major: the first row holding the maximum, its first column
    if grid.flat[k] <= 0:
        return None
    return xs[k // len(ys)], ys[k % len(ys)]


def _pair_char(a: int, b: int, codec: str) -> str | None:
    """What the two bytes (a, b) decode to under ``codec``, or None when they are no character."""
    if 0x80 <= a <= 0xFF and 0x40 <= b <= 0xFE:
        grid = _pair_grid(codec)
        if grid is not None:
            return grid[(a - 0x80) * 191 + b - 0x40]
    try:
        return bytes((a, b)).decode(codec)
    except UnicodeDecodeError:
        return None


@lru_cache(maxsize=8)
def _pair_grid(codec: str) -> tuple[str | None, ...] | None:
    """``_pair_char`` for every lead 0x80–0xFF and trail 0x40–0xFE (row by row), from one decode of
    all the pairs, each followed by a line feed (no trail of these codecs, so the decoder is back
    in step after every pair): a pair is a character when its piece is one character other than
    U+FFFD (a bad pair always leaves a U+FFFD). ~2 ms per codec instead of 24k decodes that raise.
    None (the caller decodes pair by pair) if the pieces do not line up with the pairs."""
    pairs = [bytes((a, b)) for a in range(0x80, 0x100) for b in range(0x40, 0xFF)]
    try:
        pieces = b"\n".join(pairs).decode(codec, "replace").split("\n")
    except LookupError:
        return None
    if len(pieces) != len(pairs):
        return None
    return tuple(p if len(p) == 1 and p != "\ufffd" else None for p in pieces)


@lru_cache(maxsize=512)
def _gbk_cands_lead(lead: int, codec: str) -> tuple[str, ...]:
    grid = _pair_grid(codec)
    if grid is not None and 0x80 <= lead <= 0xFF:  # the row of the grid, trail 0x7F left out
        row = list(grid[(lead - 0x80) * 191:(lead - 0x7F) * 191])
        row[0x7F - 0x40] = None
        return tuple(filter(None, row))
    return tuple(c for t in range(0x40, 0xFF) if t != 0x7F and (c := _pair_char(lead, t, codec)) is not None)


@lru_cache(maxsize=512)
def _gbk_cands_trail(trail: int, codec: str) -> tuple[str, ...]:
    grid = _pair_grid(codec)
    if grid is not None and 0x40 <= trail <= 0xFE:  # the column of the grid, leads 0x81–0xFE
        return tuple(filter(None, grid[191 + trail - 0x40:127 * 191:191]))
    return tuple(c for lead in range(0x81, 0xFF) if (c := _pair_char(lead, trail, codec)) is not None)


@lru_cache(maxsize=512)
def gbk_resync_cands(lead: int, next_byte: int, codec: str = "gbk") -> tuple[str, ...]:
    """Characters (lead, t) whose trail byte t a decode one byte out of step turned into U+FFFD
    just before ``next_byte`` (-1: the end of the text): Python's decoder read t as a lead, found
    (t, next_byte) to be no character, replaced t alone and went on in step. So t is ≥ 0x80 and
    (t, next_byte) does not decode: of a lead's ~190 trails, about 15 remain (0x80, the
    user-defined rows AA–AF and F8–FE, the gaps of the symbol rows)."""
    # skip t when the decoder would have read (t, next_byte) as a character
    return tuple(c for t in range(0x80, 0xFF)
                 if (next_byte < 0 or _pair_char(t, next_byte, codec) is None)
                 and (c := _pair_char(lead, t, codec)) is not None)


@lru_cache(maxsize=512)
def gbk_either_cands(b: int, codec: str = "gbk") -> tuple[str, ...]:
    """Characters with ``b`` as lead or as trail: the first character of a realigned run when it is
    not known whether the byte before ``b`` or the one after it was lost."""
    return tuple(dict.fromkeys(_gbk_cands_trail(b, codec) + (_gbk_cands_lead(b, codec) if b >= 0x81 else ())))


@lru_cache(maxsize=2048)
def _utf8_cands(pattern: tuple[int, ...]) -> tuple[str, ...]:
    """Characters whose UTF-8 bytes match ``pattern`` (LOST = any continuation byte)."""
    slots = [range(0x80, 0xC0) if b == LOST else (b,) for b in pattern]
    if sum(1 for b in pattern if b == LOST) > 1:
        return ()  # too many unknowns to guess honestly
    out = []
    import itertools

    for combo in itertools.product(*slots):
        try:
            out.append(bytes(combo).decode("utf-8"))
        except UnicodeDecodeError:
            pass
    return tuple(out)


# --- damaged text → bytes --------------------------------------------------------------------


_SPECIAL = re.compile("([?\ufffd])")
_SPECIAL_BANG = re.compile("([?\ufffd!])")


def damaged_bytes(text: str, codec: str, fullwidth_bang: bool = False) -> list[int] | None:
    """Re-encode damaged text with the codec that misread it; ``?``/U+FFFD → one LOST byte each.
    ``fullwidth_bang``: read ``!`` as ！ (A3 A1), the pair a one-byte shift makes from 。“ and
    that half-width normalisation then turned into ``!``. None when a character cannot be encoded."""
    if "?" not in text and "\ufffd" not in text and not (fullwidth_bang and "!" in text):
        try:  # no special character (the usual window): one encode
            return list(text.encode(codec))
        except UnicodeEncodeError:
            return None
    # the stretches between lost-byte marks (and ``!`` when it stands for ！) are encoded in one
    # C-speed call each: these codecs are stateless, so that equals the characters' encodings joined
    out: list[int] = []
    for k, part in enumerate((_SPECIAL_BANG if fullwidth_bang else _SPECIAL).split(text)):
        if k % 2:  # a separator: one special character
            if part in LOST_MARKS:
                out.append(LOST)
            else:
                out.extend((0xA3, 0xA1))
        elif part:
            try:
                out.extend(part.encode(codec))
            except UnicodeEncodeError:
                return None
    return out


@dataclass
class Decoded:
    """Repaired text as items: a str (recovered character) or a tuple of candidates (lost byte)."""

    items: list
    errors: int  # bytes that decode to nothing (U+FFFD, not a lost-byte guess)
    offsets: list[int] | None = None  # byte index where each item starts, plus the end (decode_utf8)

    def resolve(self, left: str, right: str, guess: bool = True) -> tuple[str, set[int], int]:
        """(text, indices of guessed characters, number of characters left as U+FFFD)."""
        chars: list[str] = []
        guessed: set[int] = set()
        unknown = 0
        items = list(self.items)
        # two neighbouring characters that both lost a byte: guess them together as one word
        for i in range(len(items) - 1 if guess else 0):
            a, b = items[i], items[i + 1]
            if isinstance(a, tuple) and isinstance(b, tuple) and a and b:
                pair = guess_pair(a, b)
                if pair:
                    items[i], items[i + 1] = (pair[0],), (pair[1],)
        provisional = [it if isinstance(it, str) else "" for it in items]
        for i, it in enumerate(items):
            if isinstance(it, str):
                chars.append(it)
                continue
            if not guess:
                g = None
            elif len(it) == 1:
                g = it[0]
            else:
                g = guess_char(it, left + "".join(chars), "".join(provisional[i + 1 :]) + right) if it else None
            if g is None:
                chars.append("\ufffd")
                unknown += 1
            else:
                chars.append(g)
                guessed.add(len(chars) - 1)
        return "".join(chars), guessed, unknown

    @cached_property
    def provisional(self) -> tuple[str, frozenset[int]]:
        """The text with U+FFFD for each character that lost a byte, and the indices of those."""
        chars, skip = [], set()
        for i, it in enumerate(self.items):
            if isinstance(it, str):
                chars.append(it)
            else:
                chars.append("\ufffd")
                skip.add(i)
        return "".join(chars), frozenset(skip)

    @property
    def lossless(self) -> bool:
        return self.errors == 0 and all(isinstance(it, str) for it in self.items)


_NO_SKIP: frozenset[int] = frozenset()
_FIRST_SKIPPED: frozenset[int] = frozenset((0,))


def _plain(chars: str) -> Decoded:
    """A decode with no lost byte and no error, its ``provisional`` text known without a loop."""
    dec = Decoded(list(chars), 0)
    dec.__dict__["provisional"] = (chars, _NO_SKIP)  # what the cached_property would compute
    return dec


def _utf8_item(bs: list[int], i: int, n: int) -> tuple[object, int, int]:
    """The item of the sequence starting at bs[i]: (character, candidates tuple or U+FFFD; 1 if it
    is an error; index after it). A LOST lead is an empty candidate tuple (an error too)."""
    b = bs[i]
    if b == LOST:
        return (), 1, i + 1
    if b < 0x80:
        return chr(b), 0, i + 1
    need = 1 if 0xC2 <= b <= 0xDF else 2 if 0xE0 <= b <= 0xEF else 3 if 0xF0 <= b <= 0xF4 else 0
    if need == 0:
        return "\ufffd", 1, i + 1
    seq = [b]
    j = i + 1
    while j < n and len(seq) <= need and (bs[j] == LOST or 0x80 <= bs[j] <= 0xBF):
        seq.append(bs[j])
        j += 1
    if len(seq) == need + 1 and LOST not in seq:
        try:
            return bytes(seq).decode("utf-8"), 0, j
        except UnicodeDecodeError:
            return "\ufffd", 1, j
    if LOST in seq or (j == n and len(seq) < need + 1):
        # a lost continuation byte, or a sequence cut at the end of the window
        return _utf8_cands(tuple(seq) + (LOST,) * (need + 1 - len(seq))), 0, j
    return "\ufffd", 1, j


def decode_utf8(bs: list[int], with_offsets: bool = False, clean_only: bool = False) -> Decoded | None:
    """UTF-8 decode of a byte list that may hold LOST bytes. ``clean_only``: return None instead of a
    decode that has errors (callers that discard those)."""
    n = len(bs)
    if not with_offsets and LOST not in bs:
        try:
            return _plain(bytes(bs).decode("utf-8"))
        except UnicodeDecodeError:
            pass  # malformed or cut at the end: the stretches below
    if not with_offsets:
        # fast path: the stretches of well-formed UTF-8 between the sequences that hold a lost byte
        # are decoded at C speed; they give the same characters as the byte loop
        items: list = []
        errors = 0
        i = 0
        while i < n:
            try:
                k = bs.index(LOST, i)
            except ValueError:
                k = n
            j = k  # the sequence holding bs[k] starts at or after j
            while j > i and 0x80 <= bs[j - 1] <= 0xBF:
                j -= 1
            if j > i and bs[j - 1] >= 0xC0:
                j -= 1
            if j > i:
                try:
                    items.extend(bytes(bs[i:j]).decode("utf-8"))
                    i = j
                except UnicodeDecodeError:
                    if clean_only:
                        return None  # malformed bytes inside the stretch are an error item in the loop too
                    # malformed: the byte loop below decides what each piece is
            while i < n and i <= k:
                it, err, i = _utf8_item(bs, i, n)
                if err and clean_only:
                    return None
                items.append(it)
                errors += err
        return Decoded(items, errors)
    items = []
    offsets: list[int] = []
    errors = 0
    i = 0
    while i < n:
        offsets.extend([i] * (len(items) - len(offsets) + 1))
        it, err, i = _utf8_item(bs, i, n)
        items.append(it)
        errors += err
    del offsets[len(items):]
    offsets.append(n)
    return Decoded(items, errors, offsets)


def _double_byte_item(bs: list[int], i: int, n: int, codec: str) -> tuple[object, int, int]:
    """The item of the byte(s) at bs[i] in a GBK/Big5 stream: (character, candidates tuple or U+FFFD;
    1 if it is an error; index after it)."""
    b = bs[i]
    if b != LOST and b < 0x80:
        return chr(b), 0, i + 1
    if i + 1 >= n:  # a lead byte whose trail lies after the window
        return (_gbk_cands_lead(b, codec) if b != LOST else ()), 0, i + 1
    t = bs[i + 1]
    if b == LOST and t == LOST:
        return (), 0, i + 2
    if b == LOST:
        return _gbk_cands_trail(t, codec), 0, i + 2
    if t == LOST:
        return _gbk_cands_lead(b, codec), 0, i + 2
    try:
        return bytes((b, t)).decode(codec), 0, i + 2
    except UnicodeDecodeError:
        return "\ufffd", 1, i + 2


def decode_double_byte(bs: list[int], codec: str, start: int = 0, clean_only: bool = False) -> Decoded | None:
    """Decode a GBK/Big5 byte list that may hold LOST bytes, pairing bytes from ``start``.
    With start=1 the first byte is the trail of a character whose lead came before the window.
    ``clean_only``: return None instead of a decode that has errors (callers that discard those)."""
    n = len(bs)
    if LOST not in bs:
        if start == 0:
            try:
                return _plain(bytes(bs).decode(codec))  # the common case: see the stretches below
            except UnicodeDecodeError:
                pass
        elif n:  # start 1: the first byte is a trail, the rest decodes as a whole (the other common case)
            try:
                rest = bytes(bs[1:]).decode(codec)
            except UnicodeDecodeError:
                pass
            else:
                t = bs[0]
                dec = Decoded([_gbk_cands_trail(t, codec) if 0x40 <= t <= 0xFE else (), *rest], 0)
                dec.__dict__["provisional"] = ("\ufffd" + rest, _FIRST_SKIPPED)  # as the cached_property computes it
                return dec
    items: list = []
    errors = 0
    i = 0
    if start == 1 and n:
        t = bs[0]
        items.append(_gbk_cands_trail(t, codec) if t != LOST and 0x40 <= t <= 0xFE else ())
        i = 1
    while i < n:
        try:
            k = bs.index(LOST, i)
        except ValueError:
            k = n
        if k > i:
            # the bytes up to the next lost one in one strict decode: GBK and Big5 decode no byte
            # ≥ 0x80 alone and every pair to one character, so the stream pairs bytes as the loop
            # below does and gives the same characters
            seg = bytes(bs[i:k])
            try:
                items.extend(seg.decode(codec))
                i = k
            except UnicodeDecodeError as e:
                if e.start == len(seg) - 1 and seg[-1] >= 0x80:
                    items.extend(seg[:-1].decode(codec))  # a last lead byte: the loop pairs it
                    i = k - 1
                elif clean_only:
                    return None  # a pair that is no character: an error item in the loop too
        while i < n and i <= k:
            it, err, i = _double_byte_item(bs, i, n, codec)
            if err:
                if clean_only:
                    return None
                errors += 1
            items.append(it)
    return Decoded(items, errors)


def plain_decode(bs: list[int], codec: str) -> Decoded | None:
    """Strict decode of a byte list with no LOST bytes (None when there are some)."""
    if LOST in bs:
        return None
    try:
        return _plain(bytes(bs).decode(codec))
    except UnicodeDecodeError:
        s = bytes(bs).decode(codec, errors="replace")
        return Decoded(list(s), s.count("\ufffd"))
