"""Term statistics for the off-topic rules: hashed Han character bigrams, corpus document
frequencies and IDF weights.

A term is a pair of adjacent Han characters (after folding Traditional to Simplified character by
character and removing inline pinyin annotations such as ``網(wǎng)``). Bigrams are hashed into
``N_BUCKETS`` buckets with a fixed multiplicative hash over their code points (the same in every
process, unlike ``hash()``), so the corpus statistics are one fixed-size integer array however
large the corpus is. Everything per document is vectorised with numpy (linear in its length).
"""
from __future__ import annotations

import os
import re
from functools import lru_cache

import numpy as np

BUCKET_BITS = 18
N_BUCKETS = 1 << BUCKET_BITS
_MULT = np.uint64(0x9E3779B97F4A7C15)
_SHIFT = np.uint64(64 - BUCKET_BITS)

HAN_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüêńňǹḿ"
# 網(wǎng) / 網(wang3) / 會(huì ) / 脑(nao): a Han character followed by its pinyin in brackets
_ANNOTATION_BODY = rf"[(（]\s*[a-z{_TONED}]{{1,7}}[1-5]?\s*[)）]"  # the gloss, brackets included
_ANNOTATION = re.compile(rf"(?<=[{HAN_CLASS}])" + _ANNOTATION_BODY, re.I)
# 《,(,)》: punctuation "annotated" with itself, as annotation tools leave it
_PUNCT_ANNOTATION = re.compile(r"(?<=[,，。.、；;：:！!？?])[(（][,，。.、；;：:！!？?][)）]")


def strip_annotations(text: str) -> str:
    """Remove inline pinyin annotations so annotated text reads (and counts) as plain Han text.

    Uses the pinyin family's helper when it is available, else a local equivalent."""
    if "(" not in text and "（" not in text:
        return text
    helper = _pinyin_helper("strip_annotations")
    if helper is not None:
        try:
            return helper(text)
        except Exception:  # the helper's failure must not stop topic analysis
            pass
    return _PUNCT_ANNOTATION.sub("", _ANNOTATION.sub("", text))


def _pinyin_helper(name: str):
    try:
        from ..detectors import pinyin
    except Exception:
        return None
    return getattr(pinyin, name, None)


@lru_cache(maxsize=1)
def t2s_table() -> dict[int, str]:
    """Character-level Traditional→Simplified map (first candidate of OpenCC's TSCharacters)."""
    try:
        import opencc

        path = os.path.join(os.path.dirname(opencc.__file__), "dictionary", "TSCharacters.txt")
        table: dict[int, str] = {}
        with open(path, encoding="utf-8") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 2 and len(parts[0]) == 1 and len(parts[1]) == 1:
                    table[ord(parts[0])] = parts[1]
        return table
    except Exception:
        return {}


def normalise(text: str) -> str:
    """Text as the topic model reads it: annotations removed, Traditional folded to Simplified."""
    return strip_annotations(text).translate(t2s_table())


@lru_cache(maxsize=1)
def _t2s_array() -> np.ndarray:
    """``t2s_table`` as a code-point lookup array over [0, _TABLE_MAX) (identity elsewhere)."""
    arr = np.arange(_TABLE_MAX, dtype=np.uint32)
    for k, v in t2s_table().items():
        if k >= _TABLE_MAX:
            return None  # never with OpenCC's table; callers then fall back to str.translate
        arr[k] = ord(v)
    return arr


def t2s_codepoints(cp: np.ndarray) -> np.ndarray:
    """Code points of ``text.translate(t2s_table())`` from the code points ``cp`` of ``text``
    (the table maps one character to one character), without building the string."""
    arr = _t2s_array()
    if arr is None:
        return _codepoints(cp.tobytes().decode("utf-32-le", "surrogatepass").translate(t2s_table()))
    out = arr.take(cp, mode="clip")  # = arr[min(cp, _TABLE_MAX - 1)]
    big = cp >= _TABLE_MAX
    if big.any():
        out[big] = cp[big]
    return out


def normalised_codepoints(text: str) -> np.ndarray:
    """Code points of ``normalise(text)``."""
    return t2s_codepoints(_codepoints(strip_annotations(text)))


def codepoints(text: str) -> np.ndarray:
    return _codepoints(text)


def _codepoints(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


@lru_cache(maxsize=1)
def _han_table() -> np.ndarray:
    """Han-ness (the ranges of HAN_CLASS) of every code point below _TABLE_MAX; the last entry
    (False) stands for every larger code point under ``take(mode="clip")``."""
    t = np.zeros(_TABLE_MAX + 1, dtype=bool)
    t[0x3400:0x4DC0] = True
    t[0x4E00:0xA000] = True
    t[0xF900:0xFB00] = True
    return t


def _is_han(cp: np.ndarray) -> np.ndarray:
    """Which code points are Han (HAN_CLASS): one table look-up (``take`` clips large ones)."""
    return _han_table().take(cp, mode="clip")


def bigram_buckets(text: str) -> np.ndarray:
    """Bucket ids of every adjacent Han-Han pair in ``text`` (with repeats, in order)."""
    return term_buckets(text, unigrams=False)[0]


_UNI = np.uint64(0x1FFFFF)  # second "character" of a unigram key (no real code point is this large)


_TABLE_MAX = 0x30000


@lru_cache(maxsize=8)
def stop_table(stop_bytes: bytes) -> np.ndarray:
    """Boolean lookup table over code points for a set of stop characters."""
    t = np.zeros(_TABLE_MAX, dtype=bool)
    cps = np.frombuffer(stop_bytes, dtype=np.uint32)
    t[cps[cps < _TABLE_MAX]] = True
    return t


def term_buckets(text: str, unigrams: bool = True, stop: np.ndarray | None = None):
    """Bucket ids of the Han terms of ``text``: every adjacent Han pair, and (``unigrams``) every
    Han character. Returns (ids, is_unigram, is_stop): is_stop marks terms made only of / touching
    a stop character (function words such as 的, 了)."""
    empty = np.zeros(0, dtype=np.int64)
    if not text:
        return empty, np.zeros(0, dtype=bool), np.zeros(0, dtype=bool)
    cp = _codepoints(text)
    han = _is_han(cp)
    pair = han[:-1] & han[1:] if cp.size > 1 else np.zeros(0, dtype=bool)
    a = cp[:-1][pair].astype(np.uint64)
    b = cp[1:][pair].astype(np.uint64)
    ids = [bucket_of(a, b)]
    uni = [np.zeros(a.size, dtype=bool)]
    st = None
    if stop is not None and stop.size:
        is_stop = stop_table(stop.tobytes()).take(cp, mode="clip")
        st = [(is_stop[:-1] | is_stop[1:])[pair]] if cp.size > 1 else [np.zeros(0, dtype=bool)]
    if unigrams:
        hc = cp[han].astype(np.uint64)
        ids.append(bucket_of(hc, np.full(hc.size, _UNI, dtype=np.uint64)))
        uni.append(np.ones(hc.size, dtype=bool))
        if st is not None:
            st.append(is_stop[han])
    ids_a = np.concatenate(ids)
    uni_a = np.concatenate(uni)
    st_a = np.concatenate(st) if st is not None else np.zeros(ids_a.size, dtype=bool)
    return ids_a, uni_a, st_a


def term_buckets_cp(cp: np.ndarray) -> np.ndarray:
    """``bigram_buckets`` of the text whose code points are ``cp``."""
    if cp.size < 2:
        return np.zeros(0, dtype=np.int64)
    han = _is_han(cp)
    pair = han[:-1] & han[1:]
    return bucket_of(cp[:-1][pair].astype(np.uint64), cp[1:][pair].astype(np.uint64))


def bucket_of(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    key = (a << np.uint64(21)) | b
    if isinstance(key, np.ndarray) and key.ndim:
        # integer arithmetic on arrays wraps silently (only numpy scalars warn on overflow), so
        # the errstate context (≈ 5 µs per call) is needed for scalars only
        return ((key * _MULT) >> _SHIFT).astype(np.int64)
    with np.errstate(over="ignore"):
        return ((key * _MULT) >> _SHIFT).astype(np.int64)


def bucket_of_str(bigram: str) -> int:
    a = np.array([ord(bigram[0])], dtype=np.uint64)
    b = np.array([ord(bigram[1])], dtype=np.uint64)
    return int(bucket_of(a, b)[0])


class TopicStats:
    """What the profile pass learnt: in how many documents each bigram bucket occurs."""

    def __init__(self, df: np.ndarray, n_docs: int) -> None:
        self.df = df
        self.n_docs = n_docs

    def __getstate__(self):
        return {"df": self.df, "n_docs": self.n_docs}

    def __setstate__(self, state):
        self.df = state["df"]
        self.n_docs = state["n_docs"]


def background_df(common: tuple[str, ...]) -> np.ndarray:
    """Assumed document frequency (a fraction) of general-vocabulary bigrams, by frequency rank."""
    return _background_df(common)


@lru_cache(maxsize=4)
def _background_df(common: tuple[str, ...]) -> np.ndarray:
    bg = np.zeros(N_BUCKETS, dtype=np.float32)
    ranks = [rank for rank, w in enumerate(common) if len(w) == 2]
    if not ranks:
        return bg
    a = np.array([ord(common[r][0]) for r in ranks], dtype=np.uint64)
    b = np.array([ord(common[r][1]) for r in ranks], dtype=np.uint64)
    frac = np.array([0.8 if r < 300 else 0.5 if r < 1000 else 0.3 if r < 2000 else 0.15 for r in ranks],
                    dtype=np.float32)
    np.maximum.at(bg, bucket_of(a, b), frac)  # a bucket shared by several words keeps the largest
    return bg


_IDF_CACHE: dict[tuple, np.ndarray] = {}


def idf_weights(stats: TopicStats | None, common: tuple[str, ...], background_docs: float) -> np.ndarray:
    """IDF per bucket from the corpus, blended with ``background_docs`` pseudo-documents of general
    Chinese so a small corpus (one file) still down-weights common vocabulary."""
    n = stats.n_docs if stats is not None else 0
    key = (id(stats), n, id(common), float(background_docs))
    got = _IDF_CACHE.get(key)
    if got is not None:
        return got
    bg = background_df(common)
    df = stats.df.astype(np.float32) if stats is not None else np.zeros(N_BUCKETS, dtype=np.float32)
    idf = np.log((n + background_docs + 1.0) / (df + background_docs * bg + 1.0)) + 1.0
    idf = idf.astype(np.float32)
    if len(_IDF_CACHE) > 8:
        _IDF_CACHE.clear()
    _IDF_CACHE[key] = idf
    return idf


@lru_cache(maxsize=8)
def _usable_table(stop: str) -> np.ndarray:
    """``_han_table()`` with the stop characters cleared: one look-up gives ``_is_han(cp) &
    ~_stop_mask(cp, stop)`` (stop characters beyond the table are not Han anyway)."""
    t = _han_table().copy()
    cps = [ord(c) for c in stop if ord(c) < _TABLE_MAX]
    t[cps] = False
    return t


def _stop_mask(cp: np.ndarray, stop: str) -> np.ndarray:
    """``np.isin(cp, stop code points)`` through a lookup table."""
    stop_arr = np.array(sorted({ord(c) for c in stop}), dtype=np.uint32)
    if stop_arr.size and stop_arr[-1] >= _TABLE_MAX:
        return np.isin(cp, stop_arr)
    tab = stop_table(stop_arr.tobytes())
    return tab.take(cp, mode="clip") & (cp < _TABLE_MAX)


def top_bigrams(text: str, weight_of: np.ndarray, k: int = 6, stop: str = "") -> list[str]:
    """The ``k`` most characteristic terms of ``text`` by tf×idf over Han bigrams (``weight_of``:
    the IDF array), for evidence. Bigrams touching a stop character are skipped; a top bigram is
    grown into a longer term while one neighbouring character nearly always comes with it
    ("互联" → "互联网"). Scoring is vectorised (one sort); growing the few top candidates walks
    their occurrences in Python (a handful each: cheaper than numpy calls on tiny arrays)."""
    cp = normalised_codepoints(text)
    if cp.size < 2:
        return []
    usable = _usable_table(stop).take(cp, mode="clip")  # Han and not a stop character
    pair = usable[:-1] & usable[1:]
    pos = pair.nonzero()[0]
    if not pos.size:
        return []
    keys = (cp[pos].astype(np.uint64) << np.uint64(21)) | cp[pos + 1].astype(np.uint64)
    # positions grouped by bigram, ascending within each (= a stable argsort of the keys): one
    # plain sort of key and index packed together (keys take 42 bits) when the index fits
    bits = max(1, int(pos.size).bit_length())
    if bits <= 22:
        packed = np.sort((keys << np.uint64(bits)) | np.arange(pos.size, dtype=np.uint64))
        by_key = (packed & np.uint64((1 << bits) - 1)).astype(np.int64)
        sk = packed >> np.uint64(bits)
    else:
        by_key = np.argsort(keys, kind="stable")
        sk = keys[by_key]
    first = np.empty(sk.size, dtype=bool)
    first[0] = True
    np.not_equal(sk[1:], sk[:-1], out=first[1:])
    at = first.nonzero()[0]
    uniq = sk[at]
    ends = np.concatenate((at[1:], [sk.size]))
    counts = ends - at
    a = uniq >> np.uint64(21)
    b = uniq & np.uint64(0x1FFFFF)
    score = (1.0 + np.log(counts)) * weight_of[bucket_of(a, b)]
    m = k * 3
    if score.size > 4 * m:
        # only terms scoring at least the m-th largest score can be among the first m of the
        # full (-score, key) order, and they keep their relative order: sort just those
        cand = (score >= np.partition(score, score.size - m)[score.size - m]).nonzero()[0]
        order = cand[np.lexsort((uniq[cand], -score[cand]))][:m]
    else:
        order = np.lexsort((uniq, -score))[:m]
    n = cp.size
    grouped = pos[by_key]
    bounds = at.tolist()
    bounds.append(int(sk.size))
    # the text with every unusable character (not Han, or a stop character) replaced by NUL
    su = np.where(usable, cp, 0).astype(np.uint32, copy=False).tobytes().decode("utf-32-le", "surrogatepass")

    def neighbour(key_pos: list, offset: int):
        """The usable character at ``offset`` (0: at each position, -1: before it) from the given
        positions when it is the same at a share of at least 0.7 of them, and that share; else
        (None, 0.0). (Such a character is the only one with that share, so no tie to break.)"""
        if offset == 0:
            near = "".join([su[p] for p in key_pos if p < n])  # positions are never negative
        else:
            near = "".join([su[p - 1] for p in key_pos if p])
        total = len(key_pos)
        for c in set(near):
            if c != "\0":
                share = near.count(c) / total
                if share >= 0.7:
                    return c, share
        return None, 0.0

    terms: list[str] = []
    for idx in order.tolist():
        left = grouped[bounds[idx]:bounds[idx + 1]].tolist()  # the term covers [left, right) at every occurrence
        right = [p + 2 for p in left]
        term = su[left[0]:left[0] + 2]  # a usable pair: its characters as they are in su
        for _ in range(8 if len(left) >= 2 else 0):  # a single occurrence says nothing
            ch, share = neighbour(right, 0)
            if ch and share >= 0.7:
                keep = [i for i, r in enumerate(right) if r < n and su[r] == ch]
                left, right = [left[i] for i in keep], [right[i] + 1 for i in keep]
                term += ch
                continue
            ch, share = neighbour(left, -1)
            if ch and share >= 0.7:
                keep = [i for i, p in enumerate(left) if p > 0 and su[p - 1] == ch]
                left, right = [left[i] - 1 for i in keep], [right[i] for i in keep]
                term = ch + term
                continue
            break
        if not any(term in t or t in term for t in terms):
            terms.append(term)
        if len(terms) >= k:
            break
    return terms
