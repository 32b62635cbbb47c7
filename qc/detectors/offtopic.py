"""Off-topic injected content (family ``offtopic``): passages spliced into a document that do not
belong to it.

Catches:
- ``topic_outlier``: a passage about another subject (a health article appended to a conference
  report). The document is cut into segments (paragraphs; long paragraphs into windows of about
  ``window_han`` Han characters; consecutive short lines grouped), pinyin annotations removed and
  Traditional folded to Simplified first. Each segment is a tf×idf vector of Han character
  bigrams; the IDF comes from the corpus profile (``topic_df``) blended with a background of
  general Chinese vocabulary, so one file alone works too. A robust centre of the document is found
  by repeatedly dropping the least similar segments; a segment far less similar to that centre
  than the document's typical segment (both an absolute and a relative threshold) is reported,
  runs of such segments as one span, with its top terms against the document's top terms.
- ``foreign_block``: a long run-together pinyin block (or similar unreadable letter run) sitting
  inside an otherwise Chinese document.
- ``spam_phrases``: SEO spam phrases (porn, gambling, loans, fake certificates, pirate video, …)
  from ``rules/lexicons/spam_phrases.txt``; strong phrases fire alone, weak ones only in company.
- ``title_keyword_suffix``: a title followed by ``|`` ``_`` ``-`` separated keywords that are spam
  or a list of keywords the body never mentions.
- ``keyword_stuffing``: a line that repeats one keyword over and over, or lists SEO keyword variants.
- ``unrelated_headlines``: a block of short headline lines (often with dates or times) whose topic
  is not the document's (a "recommended stories" rail).
How: numpy over hashed bigrams (linear in the document), one trie-shaped regex for the lexicon.
Known false positives: a document that really does change subject halfway (a digest of several
short news items) has "outliers" by construction; a spam phrase quoted in a report about spam; a
short list of related links whose titles share no words with the article.
"""
from __future__ import annotations

import bisect
import math
import re
import threading
from functools import lru_cache
from itertools import chain

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..model import STATUS_OK, Hit
from ..profile import contributor
from ..resources import lexicon, trie_regex
from ..resources.topic import (
    BUCKET_BITS,
    _ANNOTATION as _ANNOTATED,
    _ANNOTATION_BODY,
    _is_han,
    HAN_CLASS,
    bucket_of,
    stop_table,
    N_BUCKETS,
    TopicStats,
    idf_weights,
    normalise,
    normalised_codepoints,
    strip_annotations,
    codepoints,
    t2s_codepoints,
    term_buckets_cp,
    top_bigrams,
)
from . import detector

_HAN_RE = re.compile(f"[{HAN_CLASS}]")
_SENT_END = re.compile(r"[。！？!?；;…]+[”」』）)]*|\.(?=\s)")
EVIDENCE_CHARS = 20000  # evidence terms are read from at most this much text
_INDENT = re.compile(r"^(?:\u3000|[ \t]{2,})")
_DEFAULT_STOP_CHARS = "的了是在和与也就都而及或被把对从到为以之其这那我你他她它们个着过吗呢吧啊有"


@lru_cache(maxsize=64)
def _lexicon_in(dirs: str, name: str) -> tuple[str, ...]:
    return lexicon({"_lexicons": dirs} if dirs else {}, name)


def _lexicon(params: dict, name: str) -> tuple[str, ...]:
    """``lexicon(params, name)``, with the folder look-up (a stat per folder) done once per
    (folders, name) instead of once per document and rule."""
    return _lexicon_in(str(params.get("_lexicons", "")), name)


# ---------------------------------------------------------------------------------------------
# profile: document frequencies of hashed Han bigrams


@contributor("topic_df")
class TopicDocFreq:
    """In how many documents each Han-bigram bucket occurs (a fixed 2^18 int32 array)."""

    def collect(self, doc):
        if doc.status != STATUS_OK or not doc.text:
            return None
        ids = term_buckets_cp(normalised_codepoints(doc.text))
        if not ids.size:
            return None
        return _distinct(ids.astype(np.uint32), copy=False)  # buckets < 2**18: the narrower sort is faster

    def merge(self, acc, item):
        if acc is None:
            acc = np.zeros(N_BUCKETS, dtype=np.int32)
        if item is not None and len(item):
            acc[item.astype(np.int64)] += 1
        return acc

    def finalize(self, acc, n_docs):
        if acc is None:
            acc = np.zeros(N_BUCKETS, dtype=np.int32)
        return TopicStats(acc, n_docs)


# ---------------------------------------------------------------------------------------------
# segmentation


def _han_count(s: str) -> int:
    return len(_HAN_RE.findall(s))


def _cut_spans(spans: list[tuple[int, int]], s: int, e: int) -> list[tuple[int, int]]:
    """[s, e) minus the given sorted spans."""
    out = []
    cur = s
    for a, b in spans:
        if b <= cur or a >= e:
            continue
        if a > cur:
            out.append((cur, a))
        cur = max(cur, b)
    if cur < e:
        out.append((cur, e))
    return out


_HAN_MEMO_MAX = 1 << 20
_memo: list = [None]  # the _TextIndex of the last text: OT01, OT02 and OT06 share it


class _TextIndex:
    """Arrays of one text that several OT rules need, computed once: code points, Han mask,
    cumulative Han count (O(1) Han counts of any span), line bounds, and (per stop-character set)
    the hashed bigrams of the Traditional→Simplified folded text. Callers must not modify them."""

    __slots__ = ("text", "cp", "mask", "cum", "_lines", "_bigrams", "_solid")

    def __init__(self, text: str) -> None:
        self.text = text
        self.cp = codepoints(text)
        self.mask = _han_mask(self.cp)
        cum = np.empty(self.cp.size + 1, dtype=np.int64)
        cum[0] = 0
        self.mask.cumsum(out=cum[1:])
        self.cum = cum
        self._lines = None
        self._bigrams: dict = {}
        self._solid = None

    def non_space(self) -> np.ndarray:
        """Positions of the characters that ``str.strip()`` keeps (not ``isspace()``)."""
        if self._solid is None:
            tab = _space_table()
            cp = self.cp
            self._solid = (~(tab.take(cp, mode="clip") & (cp < tab.size))).nonzero()[0]
        return self._solid

    def line_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """(starts, ends) of the lines as ``text.split("\\n")`` gives them (ends exclude the newline)."""
        if self._lines is None:
            nl = (self.cp == 10).nonzero()[0]
            self._lines = (np.concatenate(([0], nl + 1)), np.concatenate((nl, [self.cp.size])))
        return self._lines

    def bigrams(self, stop: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(positions, bucket ids, stop flags) of every adjacent Han pair of the folded text
        (``text.translate(t2s_table())``: same length, so positions are positions in ``text``);
        a pair is a stop pair when one of its characters is in ``stop``."""
        key = stop.tobytes()
        got = self._bigrams.get(key)
        if got is None:
            cp = t2s_codepoints(self.cp)
            han = _han_mask(cp)
            pair = han[:-1] & han[1:]
            pos = pair.nonzero()[0]
            nxt = pos + 1
            ids = bucket_of(cp[pos].astype(np.uint64), cp[nxt].astype(np.uint64))
            tab = stop_table(key)
            is_stop = tab.take(cp, mode="clip")  # = tab[min(cp, len(tab) - 1)]
            st = is_stop[pos] | is_stop[nxt]
            got = self._bigrams[key] = (pos, ids, st)
        return got


@lru_cache(maxsize=1)
def _space_table() -> np.ndarray:
    """``chr(c).isspace()`` for every code point up to the last whitespace character (U+3000)."""
    return np.array([chr(c).isspace() for c in range(0x3001)], dtype=bool)


def _text_index(text: str) -> _TextIndex:
    """The _TextIndex of ``text``, memoised for the last text (a huge text's arrays are not kept
    alive after its rules)."""
    ix = _memo[0]
    if ix is not None and ix.text is text:
        return ix
    ix = _TextIndex(text)
    _memo[0] = ix if len(text) <= _HAN_MEMO_MAX else None
    return ix


def _han_index(text: str):
    """(Han mask, cumulative Han count) of a text: O(1) Han counts of any span afterwards."""
    ix = _text_index(text)
    return ix.mask, ix.cum


def _windows(text: str, s: int, e: int, window: int, mask=None, han: int | None = None) -> list[tuple[int, int]]:
    """Split [s, e) into pieces of about ``window`` Han characters, at sentence ends when possible
    (``han``: the span's Han count when the caller knows it)."""
    if han is not None and han < window * 1.5:
        return [(s, e)]
    part = text[s:e]
    if mask is None:
        han_pos = [m.start() for m in _HAN_RE.finditer(part)]
    else:
        han_pos = np.flatnonzero(mask[s:e])  # stays a numpy array: a 50 MB line has millions
    total = len(han_pos)
    if total < window * 1.5:
        return [(s, e)]
    ends = [m.end() for m in _SENT_END.finditer(part)]
    cuts = []
    n_pieces = max(1, round(total / window))
    reach = window // 3 * 2
    for k in range(1, n_pieces):
        target = int(han_pos[min(total - 1, k * total // n_pieces)])
        best = None
        at = bisect.bisect_left(ends, target)  # nearest sentence end within reach
        for x in ends[max(0, at - 1):at + 1]:
            if abs(x - target) <= reach and (best is None or abs(x - target) < abs(best - target)):
                best = x
        cut = best if best is not None else target
        if (not cuts or cut > cuts[-1]) and 0 < cut < len(part):
            cuts.append(cut)
    bounds = [0, *cuts, len(part)]
    return [(s + a, s + b) for a, b in zip(bounds, bounds[1:]) if b > a]


def segments(text: str, params: dict, skip: list[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """Segments of a document: paragraphs, windows of long paragraphs, groups of short lines."""
    window = int(params["window_han"])
    min_han = int(params["min_segment_han"])
    skip = sorted(skip or [])
    ix = _text_index(text)
    mask, cum = ix.mask, ix.cum
    out: list[tuple[int, int]] = []
    group: list[tuple[int, int]] = []
    group_han = 0

    def flush():
        nonlocal group, group_han
        if group and group_han >= min_han:
            out.append((group[0][0], group[-1][1]))
        group, group_han = [], 0

    if not skip:
        # lines without Han change nothing (stripping removes no Han): visit only the others,
        # with their Han counts from one vectorised subtraction
        starts, ends = ix.line_bounds()
        han_line = cum[ends] - cum[starts]
        sel = han_line.nonzero()[0]
        starts = starts[sel]
        # the stripped bounds of those lines: their first and last non-whitespace characters
        solid = ix.non_space()
        a2s = solid[solid.searchsorted(starts)]
        b2s = solid[solid.searchsorted(ends[sel]) - 1] + 1
        # the loop below is flush() / group inlined: the open group is [gs, ge) with gh Han
        # characters (gs < 0: no open group)
        gs, ge, gh = -1, 0, 0
        whole = window * 1.5  # _windows keeps a paragraph below this whole
        for a, a2, b2, han in zip(starts.tolist(), a2s.tolist(), b2s.tolist(), han_line[sel].tolist()):
            if han >= min_han:
                if gs >= 0 and gh >= min_han:
                    out.append((gs, ge))
                gs, gh = -1, 0
                if han < whole:
                    out.append((a2, b2))
                else:
                    out.extend(_windows(text, a2, b2, window, mask, han))
            else:
                # an indented line starts a new paragraph of hard-wrapped text (_INDENT reads at
                # most two characters, none of them Han)
                if gs >= 0 and gh >= min_han and _INDENT.match(text[a:a + 2]):
                    out.append((gs, ge))
                    gs, gh = -1, 0
                if gs < 0:
                    gs = a2
                ge = b2
                gh += han
                if gh >= window:
                    if gh >= min_han:
                        out.append((gs, ge))
                    gs, gh = -1, 0
        if gs >= 0 and gh >= min_han:
            out.append((gs, ge))
        return out

    pos = 0
    n = len(text)
    while pos <= n:
        nl = text.find("\n", pos)
        end = n if nl == -1 else nl
        for a, b in _cut_spans(skip, pos, end):
            piece = text[a:b]
            stripped = piece.strip()
            if not stripped:
                continue
            a += len(piece) - len(piece.lstrip())
            b -= len(piece) - len(piece.rstrip())
            han = int(cum[b] - cum[a])
            if han >= min_han:
                flush()
                out.extend(_windows(text, a, b, window, mask, han))
            elif han:
                if group and group_han >= min_han and _INDENT.match(piece):
                    flush()  # an indented line starts a new paragraph of hard-wrapped text
                group.append((a, b))
                group_han += han
                if group_han >= window:
                    flush()
        if skip and any(a <= end and b > pos for a, b in skip):
            flush()  # a skipped block separates what is before it from what is after
        if nl == -1:
            break
        pos = nl + 1
    flush()
    return out


# ---------------------------------------------------------------------------------------------
# topic outliers


@lru_cache(maxsize=8)
def _stop_codepoints(chars: str) -> np.ndarray:
    return np.array(sorted({ord(c) for c in chars}), dtype=np.uint32)


_lut_local = threading.local()


def _vocab_index(vocab: np.ndarray, buckets: np.ndarray) -> np.ndarray:
    """``np.searchsorted(vocab, buckets)`` for buckets that all occur in the sorted ``vocab``,
    through a bucket -> index table. The 2 MB table is kept per thread: a fresh one per call
    costs more in page faults than the look-up itself. Only the entries written here are read."""
    lut = getattr(_lut_local, "lut", None)
    if lut is None:
        lut = _lut_local.lut = np.empty(N_BUCKETS, dtype=np.int64)
    lut[vocab] = np.arange(vocab.size)
    return lut[buckets]


KEY_TABLE_MAX = 1 << 20  # key spaces up to this are looked up in a table (4 bytes per key: at most 4 MB per thread)


def _key_index(keys: np.ndarray, space: int, queries: np.ndarray) -> np.ndarray:
    """For every query, an index ``i`` into the sorted, distinct ``keys`` (all in [0, space)) such
    that ``keys[i] == query`` whenever the query is one of the keys (check that to tell hits from
    misses). Through a per-thread table over the key space when it is small enough (no binary
    search; the table is not cleared: a stale or unset entry only gives some index, which the
    caller's check rejects), else ``searchsorted``."""
    if space > KEY_TABLE_MAX:
        return np.minimum(np.searchsorted(keys, queries), keys.size - 1)
    table = getattr(_lut_local, "keys", None)
    if table is None or table.size < space:
        table = _lut_local.keys = np.empty(max(space, 1 << 16), dtype=np.uint32)
    table[keys] = np.arange(keys.size, dtype=np.uint32)
    return np.minimum(table[queries], keys.size - 1)


def _distinct(a: np.ndarray, copy: bool = True) -> np.ndarray:
    """``np.unique(a)`` by one sort (numpy's hash-based unique is slower on small arrays);
    ``copy=False`` sorts ``a`` itself."""
    if copy:
        a = a.copy()
    a.sort()
    if a.size < 2:
        return a
    keep = np.empty(a.size, dtype=bool)
    keep[0] = True
    np.not_equal(a[1:], a[:-1], out=keep[1:])
    return a[keep]


def _neighbour_index(n: int, radius: int, width: int):
    """The index arrays of the leave-out geometry, which depend only on the segment count: for every
    offset d in -radius..radius (rows) and segment i (columns) the member j = i + d (clipped) and
    whether it exists; then, for the pairs (i, j) and (j, k) of members, the lower index, whether
    the two are the same segment and their distance (capped at ``width - 1``). Cached for the
    usual segment counts (≈ 230 bytes per segment); callers must not modify the arrays."""
    if n <= 1024:
        return _neighbour_index_cached(n, radius, width)
    return _neighbour_index_of(n, radius, width)


def _neighbour_index_of(n: int, radius: int, width: int):
    idx = np.arange(n)
    raw = idx[None, :] + np.arange(-radius, radius + 1)[:, None]
    j = np.clip(raw, 0, n - 1)
    inside = (raw >= 0) & (raw < n)

    def pair(a: np.ndarray, b: np.ndarray):
        lo, gap = np.minimum(a, b), np.abs(a - b)
        return lo, gap == 0, np.minimum(gap, width - 1)

    return j, inside, pair(idx[None, :], j), pair(j[:, None, :], j[None, :, :])


_neighbour_index_cached = lru_cache(maxsize=64)(_neighbour_index_of)


class SegmentVectors:
    """The tf×idf vectors of all segments of a document in one flat, sorted representation:
    parallel arrays ``seg`` (segment index), ``term`` (index into the document's vocabulary) and
    ``w`` (L2-normalised weight), sorted by (seg, term); ``n_bigrams`` per segment."""

    def __init__(self, keys: np.ndarray, n: int, idf: np.ndarray, stop_factor: float) -> None:
        """``keys``: one packed key per bigram occurrence (see ``pack``), in any order (the array
        is sorted in place)."""
        self.n = n
        # one sort of (segment, bucket, stop flag) keys gives the distinct (segment, term) pairs in
        # (segment, term) order, their counts and how many of their occurrences are stop pairs
        k = keys
        k.sort()
        g = k >> 1
        if g.size:
            first = np.empty(g.size, dtype=bool)
            first[0] = True
            np.not_equal(g[1:], g[:-1], out=first[1:])
            at = first.nonzero()[0]
            tf = np.empty(at.size, dtype=np.int64)  # = np.diff(np.append(at, g.size))
            np.subtract(at[1:], at[:-1], out=tf[:-1])
            tf[-1] = g.size - at[-1]
            # a group's stop-flagged keys sort after its others: it is all stop pairs exactly
            # when its first key is flagged
            all_stop = (k[at] & 1).astype(bool)
            ug = g[at]
        else:
            tf = ug = np.zeros(0, dtype=np.int64)
            all_stop = np.zeros(0, dtype=bool)
        bucket = ug & (N_BUCKETS - 1)
        self.vocab = _distinct(bucket)
        V = max(1, self.vocab.size)
        self.V = V
        self.seg = ug >> BUCKET_BITS
        self.term = _vocab_index(self.vocab, bucket)
        self.key = self.seg * V + self.term
        w = (1.0 + np.log(tf)) * idf[self.vocab][self.term]  # = idf[bucket], gathered from less memory
        w = np.where(all_stop, w * stop_factor, w)
        norm = np.sqrt(np.bincount(self.seg, weights=w * w, minlength=n))
        self.w = w / np.where(norm > 0, norm, 1.0)[self.seg]
        self.n_bigrams = np.bincount(k >> (BUCKET_BITS + 1), minlength=n)
        self.nonempty = self.n_bigrams > 0
        self._self2 = None
        self._geometry = None
        self._geometry_lists = None

    @staticmethod
    def pack(seg: np.ndarray, buckets: np.ndarray, is_stop: np.ndarray) -> np.ndarray:
        """The key of each bigram occurrence: segment, bucket and stop flag in one int64."""
        return (seg.astype(np.int64, copy=False) << (BUCKET_BITS + 1)) | (buckets.astype(np.int64, copy=False) << 1) | is_stop

    def self2(self) -> np.ndarray:
        """Squared norm of each segment's vector (as summed, not assumed to be 1)."""
        if self._self2 is None:
            self._self2 = np.bincount(self.seg, weights=self.w * self.w, minlength=self.n)
        return self._self2

    def leave_out_geometry(self, radius: int, near: np.ndarray | None = None):
        """What does not change between _similarities iterations: for every offset d in
        -radius..radius (rows) and segment i (columns), the index j = i + d (clipped), whether it
        exists, minus the dot product of segments i and j, and the dot product of every two
        members j, k (d × d × n)."""
        key = (radius, id(near))
        if self._geometry is not None and self._geometry[0] == key:
            return self._geometry[1]
        self2 = self.self2()
        if near is None:
            near = self.near_dots(2 * radius)
        j, inside, own, cross = _neighbour_index(self.n, radius, near.shape[1])

        def dot(lo: np.ndarray, same: np.ndarray, gap: np.ndarray) -> np.ndarray:
            return np.where(same, self2[lo], near[lo, gap])

        got = (j, inside, -dot(*own), dot(*cross))
        self._geometry = (key, got, near)  # keeps ``near`` alive so its id stays its own
        self._geometry_lists = None
        return got

    def geometry_lists(self) -> tuple[list, list, list, list]:
        """The arrays of the last ``leave_out_geometry`` as nested Python lists (for small documents,
        where a Python loop over the segments costs less than numpy's per-call overhead)."""
        if self._geometry_lists is None:
            self._geometry_lists = tuple(a.tolist() for a in self._geometry[1])
        return self._geometry_lists

    def centre_dots(self, live: np.ndarray) -> tuple[float, np.ndarray]:
        """(|c|², c·v_i for every segment i) where c is the sum of the ``live`` segments' vectors."""
        # the other segments' entries add 0.0 to their terms' sums, which changes no sum
        centre = np.bincount(self.term, weights=self.w * live[self.seg], minlength=self.V)
        return float(centre @ centre), np.bincount(self.seg, weights=centre[self.term] * self.w, minlength=self.n)

    def near_dots(self, span: int) -> np.ndarray:
        """near[j, d] = dot product of segments j and j + d, for d = 1..span (all offsets in one
        lookup; each product is summed in the same order as term by term per offset)."""
        near = np.zeros((self.n, span + 1))
        if span < 1 or not self.key.size:
            return near
        # entries of segments >= d (a suffix of the entries: they are sorted by segment), for
        # every d in turn
        d = np.arange(1, span + 1)
        first = self.seg.searchsorted(d).tolist()
        size = self.key.size
        src = np.concatenate([np.arange(f, size) for f in first])
        shift = d.repeat([size - f for f in first])
        shifted = self.key[src] - shift * self.V  # segment j + d's terms, labelled as segment j
        at = _key_index(self.key, self.n * self.V, shifted)
        hit = self.key[at] == shifted
        if hit.any():
            at, src, shift = at[hit], src[hit], shift[hit]
            cell = self.seg[at] * (span + 1) + shift
            near += np.bincount(cell, weights=self.w[at] * self.w[src],
                                minlength=self.n * (span + 1)).reshape(self.n, span + 1)
        return near


# _ANNOTATED without its look-behind (a look-behind first defeats the regex engine's scan for
# the opening bracket); the character before each match is checked instead. Matches cannot
# overlap (no bracket inside one), so finditer sees every candidate.
_ANNOTATED_BODY = re.compile(_ANNOTATION_BODY, _ANNOTATED.flags)


def _annotated(text: str) -> bool:
    """``bool(_ANNOTATED.search(text))``: a Han character followed by a pinyin gloss in brackets.

    The gloss is tried only at the opening brackets that follow a Han character (found with numpy
    over the text's code points, which the other OT rules share): a gloss holds no opening bracket
    but its first character, so these are exactly the matches ``finditer`` would look at."""
    if "(" not in text and "（" not in text:
        return False
    if len(text) > _HAN_MEMO_MAX:  # no shared index is kept for such a text: scan it
        return any(m.start() > 0 and _HAN_RE.match(text, m.start() - 1) for m in _ANNOTATED_BODY.finditer(text))
    ix = _text_index(text)
    cp = ix.cp
    at = np.flatnonzero(((cp[1:] == 40) | (cp[1:] == 0xFF08)) & ix.mask[:-1]) + 1
    return any(_ANNOTATED_BODY.match(text, p) for p in at.tolist())


def _span_array(spans: list[tuple[int, int]]) -> np.ndarray:
    """The (start, end) pairs as an (n, 2) int64 array."""
    return np.fromiter(chain.from_iterable(spans), dtype=np.int64, count=2 * len(spans)).reshape(-1, 2)


def _segment_vectors(text: str, spans, idf: np.ndarray, params: dict, bounds: np.ndarray | None = None) -> SegmentVectors:
    """The vectors of the segments ``spans`` (``bounds``: the same as an array, if at hand)."""
    stop = _stop_codepoints(params["stop_chars"])
    stop_factor = float(params["stop_factor"])
    n = len(spans)
    if not _annotated(text):
        # fast path: character-for-character normalisation, so one pass over the whole document
        ix = _text_index(text)
        pos, ids_all, st_all = ix.bigrams(stop)  # on text.translate(t2s_table())
        if bounds is None:
            bounds = _span_array(spans)
        # the segment of each bigram: how many segments start at or before it, less one (spans
        # are sorted, disjoint and not empty, so their starts are distinct)
        if n <= 64:
            seg = bounds[:, 0].searchsorted(pos, side="right") - 1
        else:  # a binary search per bigram costs more than one pass over the text
            mark = np.zeros(ix.cp.size + 1, dtype=np.int32)
            mark[bounds[:, 0]] = 1
            seg = mark.cumsum(dtype=np.int32)[pos] - 1
        inside = (seg >= 0) & (pos + 1 < bounds[:, 1][seg])  # both characters in the segment
        return SegmentVectors(SegmentVectors.pack(seg, ids_all, st_all)[inside], n, idf, stop_factor)
    # annotations are removed segment by segment (as each segment reads alone); the stripped
    # segments are then joined with newlines (no bigram crosses one) and read in one numpy pass
    parts = [strip_annotations(text[a:b]) for a, b in spans]
    starts = np.cumsum([0] + [len(p) + 1 for p in parts[:-1]])
    cp = t2s_codepoints(codepoints("\n".join(parts)))
    han = _han_mask(cp)
    pair = han[:-1] & han[1:]
    pos = np.flatnonzero(pair)
    ids_all = bucket_of(cp[:-1][pair].astype(np.uint64), cp[1:][pair].astype(np.uint64))
    if stop.size:
        tab = stop_table(stop.tobytes())
        is_stop = tab.take(cp, mode="clip")
        st_all = (is_stop[:-1] | is_stop[1:])[pair]
    else:
        st_all = np.zeros(ids_all.size, dtype=bool)
    seg = np.searchsorted(starts, pos, side="right") - 1
    return SegmentVectors(SegmentVectors.pack(seg, ids_all, st_all), n, idf, stop_factor)


def _han_mask(cp: np.ndarray) -> np.ndarray:
    return _is_han(cp)


def _median(x: np.ndarray) -> float:
    """``float(np.median(x))`` for a small array without NaNs, without np.median's overhead."""
    v = np.sort(x).tolist()
    h = len(v) // 2
    return v[h] if len(v) % 2 else (v[h - 1] + v[h]) / 2


SMALL_SEGMENTS = 12  # documents with at most this many segments take _leave_out_small (measured crossover: ~16)


def _similarities(vecs: SegmentVectors, alive: np.ndarray, radius: int = 0, near=None) -> np.ndarray:
    """Cosine of each segment with the sum of the alive segments, leaving out the segment itself
    and its ``radius`` neighbours on each side (so a spliced passage cut into several windows does
    not vouch for itself). Computed algebraically from the centre and the dot products of nearby
    segments: O(total terms), not O(segments × vocabulary)."""
    n = vecs.n
    live = alive & vecs.nonempty
    c2, cdot = vecs.centre_dots(live)
    j, inside, neg_own, cross_dot = vecs.leave_out_geometry(radius, near)
    if n <= SMALL_SEGMENTS:
        return _leave_out_small(vecs, live, c2, cdot)
    m = inside & live[j]
    k = j.shape[0]
    # num = cdot - own[0] - own[1] - …;  r2 = c2 - 2·cen[0] + cross[0, 0] + cross[0, 1] + … -
    # 2·cen[1] + …: the terms stacked as rows in that order and added by a cumulative sum down the
    # rows (sequential by definition, so every value is the same as adding them one by one;
    # subtracting x is adding -x exactly, and a masked-out term adds 0)
    rows = np.empty((k + 1, n))
    rows[0] = cdot
    rows[1:] = np.where(m, neg_own, 0.0)
    num = rows.cumsum(axis=0)[-1]
    rows = np.empty((1 + k * (k + 1), n))
    rows[0] = c2
    block = rows[1:].reshape(k, k + 1, n)
    block[:, 0] = np.where(m, -2.0 * cdot[j], 0.0)
    block[:, 1:] = np.where(m[:, None, :] & m[None, :, :], cross_dot, 0.0)
    r2 = rows.cumsum(axis=0)[-1]
    ok = vecs.nonempty & (r2 > 1e-12)
    sims = np.zeros(n)
    sims[ok] = num[ok] / np.sqrt(r2[ok])
    return sims


def _leave_out_small(vecs: SegmentVectors, live: np.ndarray, c2: float, cdot: np.ndarray) -> np.ndarray:
    """The rest of ``_similarities`` as a Python loop over the segments: the same terms added in
    the same order as the rows of its cumulative sums (a masked-out term adds 0.0 here too), so
    every similarity is the same float. Below ~16 segments this costs less than the ~20 numpy
    calls it replaces (≈ 55 instead of 80 µs); above, more."""
    j, inside, neg_own, cross_dot = vecs.geometry_lists()
    cd, lv, ne = cdot.tolist(), live.tolist(), vecs.nonempty.tolist()
    k = len(j)
    offsets = range(k)
    sims = [0.0] * vecs.n
    for i in range(vecs.n):
        m = [inside[d][i] and lv[j[d][i]] for d in offsets]
        num = cd[i]
        for d in offsets:
            num += neg_own[d][i] if m[d] else 0.0
        r2 = c2
        for a in offsets:
            ma = m[a]
            r2 += -2.0 * cd[j[a][i]] if ma else 0.0
            row = cross_dot[a]
            for b in offsets:
                r2 += row[b][i] if ma and m[b] else 0.0
        if ne[i] and r2 > 1e-12:
            sims[i] = num / math.sqrt(r2)
    return np.array(sims)


def topic_outliers(text: str, profile, params: dict, skip=None):
    """(segments, similarities, flagged mask, median) for a document; None when it is too small."""
    spans = segments(text, params, skip)
    if len(spans) < int(params["min_segments"]):
        return None
    common = _lexicon(params, params["background_lexicon"])
    stats = profile.get("topic_df") if profile is not None else None
    idf = idf_weights(stats, common, float(params["background_docs"]))
    sp = _span_array(spans)
    vecs = _segment_vectors(text, spans, idf, params, sp)
    usable = vecs.n_bigrams >= int(params["min_segment_bigrams"])
    if usable.sum() < int(params["min_segments"]):
        return None
    _, cum = _han_index(text)
    han = (cum[sp[:, 1]] - cum[sp[:, 0]]).astype(float)
    alive = usable.copy()
    flagged = np.zeros(len(spans), dtype=bool)
    med = 0.0
    sims = np.zeros(len(spans))
    radius = int(params["neighbour_radius"])
    near = vecs.near_dots(2 * radius)
    for _ in range(int(params["iterations"])):
        sims = _similarities(vecs, alive, radius, near)
        core = sims[alive]
        if core.size == 0:
            return None
        med = _median(core)
        cut = min(float(params["max_similarity"]), float(params["relative_similarity"]) * med)
        new = usable & (sims < cut)
        if han[new].sum() > float(params["max_outlier_fraction"]) * han[usable].sum():
            # too much of the document would be "off-topic": keep only the clearest outliers
            order = np.argsort(sims)
            new = np.zeros_like(new)
            budget = float(params["max_outlier_fraction"]) * han[usable].sum()
            used = 0.0
            for i in order:
                if not usable[i] or sims[i] >= cut or used + han[i] > budget:
                    break
                new[i] = True
                used += han[i]
        if (new == flagged).all():
            break
        flagged = new
        alive = usable & ~flagged
    if med < float(params["min_document_similarity"]):
        return None  # no common subject to deviate from (a digest, a list page)
    return spans, sims, flagged, med, idf


@detector("topic_outlier")
def topic_outlier(doc, profile, params):
    text = doc.text
    if len(text) < int(params["min_document_han"]):
        return
    if int(_han_index(text)[1][-1]) < int(params["min_document_han"]):
        return
    skip = [(a, b) for a, b in _foreign_spans_memo(text, params) if b - a >= int(params["skip_blocks_over"])]
    if doc.front_matter_span:
        skip.append(tuple(doc.front_matter_span))
    res = topic_outliers(text, profile, params, skip)
    if res is None:
        return
    spans, sims, flagged, med, idf = res
    if not flagged.any():
        return
    runs: list[list[int]] = []
    for i in np.flatnonzero(flagged):
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([int(i)])
    cum = _han_index(text)[1]
    doc_terms = None  # computed once, and only when a run is long enough to report
    for run in runs:
        s, e = spans[run[0]][0], spans[run[-1]][1]
        sim = float(np.mean(sims[run]))
        n_han = int(cum[e] - cum[s])
        if n_han < int(params["min_outlier_han"]):
            continue  # a short aside: too little text to call it foreign with confidence
        if doc_terms is None:
            core_text = "\n".join(text[a:b] for (a, b), f in zip(spans, flagged) if not f)[:EVIDENCE_CHARS]
            doc_terms = top_bigrams(core_text, idf, stop=params["stop_chars"])
        seg_terms = top_bigrams(text[s:e][:EVIDENCE_CHARS], idf, stop=params["stop_chars"])
        yield Hit(
            s, e,
            f"Off-topic passage ({n_han} Han characters) unrelated to the rest of the document: "
            f"{', '.join(seg_terms[:5])} vs {', '.join(doc_terms[:5])} "
            f"(similarity {sim:.3f}, typical {med:.3f})",
            suggestion="",
            evidence={
                "score": round(1.0 - sim / med, 3) if med > 0 else 1.0,
                "similarity": round(sim, 4),
                "typical_similarity": round(med, 4),
                "segments": len(run),
                "segment_terms": seg_terms,
                "document_terms": doc_terms,
            },
        )


topic_outlier.param_defaults = {
    "window_han": 200,
    "min_segment_han": 40,
    "min_outlier_han": 100,
    "min_segment_bigrams": 30,
    "min_segments": 4,
    "min_document_han": 300,
    "background_lexicon": "common_bigrams.txt",
    "background_docs": 20,
    "stop_chars": _DEFAULT_STOP_CHARS,
    "stop_factor": 0.3,
    "max_similarity": 0.03,
    "relative_similarity": 0.2,
    "min_document_similarity": 0.05,
    "max_outlier_fraction": 0.45,
    "iterations": 4,
    "neighbour_radius": 1,
    "skip_blocks_over": 100,  # pinyin blocks at least this long are left out of the segments
    "min_foreign_chars": 150,
}


# ---------------------------------------------------------------------------------------------
# foreign (unreadable) blocks

# a run of Latin letters glued together with Chinese or ASCII punctuation but (almost) no spaces
_LETTER_RUN = re.compile(r"[a-zü]{2,}(?:[,，。、；;：:！!？?'’·\-]{0,2}[a-zü]+)*", re.I)
_VOWELS = set("aeiouüv")
_LONG_LETTERS = re.compile(r"[a-z]{12}")


def _fallback_pinyin_spans(text: str, min_chars: int) -> list[tuple[int, int]]:
    out = []
    for m in _LETTER_RUN.finditer(text):
        s = m.group()
        if len(s) < min_chars:
            continue
        letters = [c for c in s.lower() if c.isalpha()]
        vowels = sum(c in _VOWELS for c in letters)
        if letters and 0.28 <= vowels / len(letters) <= 0.6 and s == s.lower():
            out.append((m.start(), m.end()))
    return out


_foreign_memo: list = [(None, {})]  # (last text, {min_foreign_chars: spans}): OT01 and OT02 share it


def _foreign_spans_memo(text: str, params: dict) -> list[tuple[int, int]]:
    """``_foreign_spans(text, params)``, once per text (callers must not modify the list)."""
    memo_text, by_min = _foreign_memo[0]  # one slot, replaced whole: never a torn pair
    if memo_text is not text:
        by_min = {}
        _foreign_memo[0] = (text, by_min)
    key = int(params.get("min_foreign_chars", 150))
    got = by_min.get(key)
    if got is None:
        got = by_min[key] = _foreign_spans(text, params)
    return got


def _foreign_spans(text: str, params: dict) -> list[tuple[int, int]]:
    min_chars = int(params.get("min_foreign_chars", 150))
    if not _has_run(text, "letters", 12):  # cheap pre-check: no long letter run at all
        return []
    spans = None
    try:
        from . import pinyin as _py

        helper = getattr(_py, "pinyin_block_spans", None)
        if helper is not None:
            spans = [(int(a), int(b)) for a, b in helper(text)]
    except Exception:  # helper missing or failing: use the local heuristic
        spans = None
    if spans is None:
        spans = _fallback_pinyin_spans(text, min_chars)
    return sorted((a, b) for a, b in spans if b - a >= min_chars)


# a base64/hex-like blob: a long unbroken run of the base64 alphabet
_ENCODED = re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{200,}={0,2}(?![A-Za-z0-9+/=])")


def _encoded_spans(text: str, min_chars: int) -> list[tuple[int, int]]:
    out = []
    for m in _ENCODED.finditer(text):
        s = m.group()
        if len(s) < min_chars:
            continue
        kinds = (any(c.isupper() for c in s), any(c.islower() for c in s), any(c.isdigit() for c in s))
        if sum(kinds) >= 3 or (kinds[2] and all(c in "0123456789abcdefABCDEF" for c in s)):
            out.append((m.start(), m.end()))
    return out


@detector("foreign_block")
def foreign_block(doc, profile, params):
    text = doc.text
    spans = [(a, b, "pinyin") for a, b in _foreign_spans_memo(text, params)]
    if params["encoded_blobs"] and len(text) >= 200 and _has_run(text, "base64", 200):
        spans += [(a, b, "encoded") for a, b in _encoded_spans(text, int(params["min_encoded_chars"]))]
    if not spans:
        return
    total_han = _han_count(text)
    for a, b, kind in sorted(spans):
        context = total_han - _han_count(text[a:b])
        if context < int(params["min_context_han"]):
            continue  # the document is not Chinese around it: nothing to be foreign to
        what = "run-together pinyin or similar" if kind == "pinyin" else "an encoded blob (base64/hex)"
        yield Hit(
            a, b,
            f"Unreadable block of {b - a} characters ({what}) inside Chinese text: "
            f"injected content that does not belong to the document",
            suggestion="",
            evidence={"chars": b - a, "context_han": context, "kind": kind},
        )


_LONG_ALNUM = re.compile(r"[A-Za-z0-9+/]{200}")


@lru_cache(maxsize=4)
def _class_table(kind: str) -> np.ndarray:
    """Membership of the ASCII code points (and False for every larger one, under ``take(mode=
    "clip")``) in the character class of _LONG_LETTERS ("letters") or _LONG_ALNUM ("base64")."""
    chars = "abcdefghijklmnopqrstuvwxyz"
    if kind == "base64":
        chars += chars.upper() + "0123456789+/"
    t = np.zeros(129, dtype=bool)
    t[[ord(c) for c in chars]] = True
    return t


def _has_run(text: str, kind: str, length: int) -> bool:
    """``bool(_LONG_LETTERS.search(text))`` (kind "letters", length 12) or
    ``bool(_LONG_ALNUM.search(text))`` ("base64", 200): does the text hold ``length`` consecutive
    characters of the class? With numpy over the shared code points: the class positions p_i are
    increasing, so p_{i+length-1} - p_i = length - 1 exactly when they are consecutive."""
    if len(text) < length:
        return False
    if len(text) > _HAN_MEMO_MAX:  # no shared index is kept for such a text: do not build one
        return bool((_LONG_LETTERS if kind == "letters" else _LONG_ALNUM).search(text))
    at = _class_table(kind).take(_text_index(text).cp, mode="clip").nonzero()[0]
    if at.size < length:
        return False
    return bool((at[length - 1:] - at[:at.size - length + 1] == length - 1).any())


foreign_block.param_defaults = {"min_foreign_chars": 150, "min_context_han": 100, "encoded_blobs": True,
                                "min_encoded_chars": 200}


# ---------------------------------------------------------------------------------------------
# spam phrases




@lru_cache(maxsize=8)
def _spam_table(entries: tuple[str, ...]):
    info: dict[str, tuple[str, bool]] = {}
    for line in entries:
        parts = [p.strip() for p in line.split("\t")]
        if not parts[0]:
            continue
        cat = parts[1] if len(parts) > 1 and parts[1] else "spam"
        strong = (parts[2] if len(parts) > 2 else "strong").lower() == "strong"
        info[parts[0].lower()] = (cat, strong)
    pat = re.compile(trie_regex(sorted(info, key=len, reverse=True)))
    return pat, info


@lru_cache(maxsize=8)
def _spam_prefixes(entries: tuple[str, ...]):
    """What a match must start with: (first-character lookup table, a bitmap of the hashed first
    two characters of the entries of two or more characters, code points of one-character entries),
    each with every ASCII case variant (the text is matched ASCII-folded to lower case), so the
    text's own code points are looked up without folding them."""
    info = _spam_table(entries)[1]
    size = max((ord(c) for w in info for c in w[:2]), default=0) + 1
    first = np.zeros(size + 1, dtype=bool)  # the last entry (False) stands for larger code points
    pairs, singles = set(), set()

    def cased(c: str) -> list[int]:
        # the code points that ASCII case folding (_ASCII_LOWER) turns into c (entries are lower case)
        return [ord(c), ord(c) - 32] if "a" <= c <= "z" else [ord(c)]

    for w in info:
        for a in cased(w[0]):
            first[a] = True
            if len(w) >= 2:
                pairs.update((a << 21) | b for b in cased(w[1]))
            else:
                singles.add(a)
    # pair membership as a bitmap over a 16-bit hash of the two code points (see _pair_hash): a
    # hash collision only adds a candidate start, which the regex then rejects
    pair_bits = np.zeros(1 << _PAIR_HASH_BITS, dtype=bool)
    if pairs:
        keys = np.array(sorted(pairs), dtype=np.int64)
        pair_bits[_pair_hash((keys >> 21).astype(np.uint32), (keys & 0x1FFFFF).astype(np.uint32))] = True
    return first, pair_bits, np.array(sorted(singles), dtype=np.int64)


_PAIR_HASH_BITS = 16  # a 64 kB table stays in cache (2^20 entries: a cache miss per look-up)


def _pair_hash(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A _PAIR_HASH_BITS-bit hash of code point pairs (uint32 arrays; multiplicative, wrapping)."""
    return (a * np.uint32(0x9E3779B1) + b * np.uint32(0x85EBCA77)) >> np.uint32(32 - _PAIR_HASH_BITS)


@lru_cache(maxsize=8)
def _spam_longest(entries: tuple[str, ...]) -> int:
    return max((len(w) for w in _spam_table(entries)[1]), default=1)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@lru_cache(maxsize=8)
def _context_pattern(entries: tuple[str, ...]):
    return re.compile("|".join(re.escape(e) for e in sorted(entries, key=len, reverse=True)))


_ASCII_WORD = re.compile(r"[a-z0-9]", re.I)
_SPAM_SCAN_MIN = 200  # shorter texts are simply scanned with the regex


def _spam_starts(text: str, entries: tuple[str, ...]) -> list[int]:
    """Positions where a lexicon phrase could start in ``text`` (ASCII folded to lower case): its
    first two characters are those of an entry (or its character is a one-character entry).
    A superset of the match starts; numpy over the document's code points."""
    first, pair_bits, singles = _spam_prefixes(entries)
    cp = _text_index(text).cp
    if not singles.size:
        # a two-character entry needs a next character: the last one starts none
        cand = first.take(cp[:-1], mode="clip").nonzero()[0]
        return cand[pair_bits[_pair_hash(cp[cand], cp[cand + 1])]].tolist()
    cand = first.take(cp, mode="clip").nonzero()[0]
    ok = pair_bits[_pair_hash(cp[cand], cp[np.minimum(cand + 1, cp.size - 1)])] & (cand + 1 < cp.size)
    ok |= np.isin(cp[cand], singles)
    return cand[ok].tolist()


def spam_matches(text: str, params: dict):
    """(start, end, phrase, category, strong) of every lexicon phrase in ``text``.

    Long texts: the regex is tried only where a phrase can start (see _spam_starts), left to
    right and skipping over each match, which finds exactly what ``finditer`` finds."""
    entries = _lexicon(params, params["lexicon"])
    pat, info = _spam_table(entries)
    out = []
    if len(text) < _SPAM_SCAN_MIN:
        found = [(m.start(), m.end(), m.group()) for m in pat.finditer(text.translate(_ASCII_LOWER))]
    else:
        starts = _spam_starts(text, entries)
        if not starts:
            return out
        longest = _spam_longest(entries)
        found = []
        end = 0
        for p in starts:
            if p < end:
                continue
            # no phrase is longer than ``longest``: the regex reads nothing beyond this window
            m = pat.match(text[p:p + longest].translate(_ASCII_LOWER))
            if m:
                found.append((p, p + m.end(), m.group()))
                end = p + m.end()
    for s, e, g in found:
        word = g.lower()
        # a Latin entry must not be a piece of a longer Latin word ("bbin" in "rabbinical")
        if _ASCII_WORD.match(word[0]) and s > 0 and _ASCII_WORD.match(text[s - 1]):
            continue
        if _ASCII_WORD.match(word[-1]) and e < len(text) and _ASCII_WORD.match(text[e]):
            continue
        cat, strong = info[word]
        if strong and len(word) <= 2 and _HAN_RE.match(word):
            strong = False  # two Han characters also occur across word boundaries (路口交通)
        out.append((s, e, text[s:e], cat, strong))
    return out


_SENTENCE = re.compile(r"[^。！？!?\n]*[。！？!?]?")


@detector("spam_phrases")
def spam_phrases(doc, profile, params):
    text = doc.text
    matches = spam_matches(text, params)
    if not matches:
        return
    ctx = _context_pattern(_lexicon(params, params["report_context_lexicon"]))
    gap = int(params["cluster_gap"])
    clusters: list[list[tuple]] = []
    for m in matches:
        if clusters and m[0] - clusters[-1][-1][1] <= gap and "\n" not in text[clusters[-1][-1][1]:m[0]]:
            clusters[-1].append(m)
        else:
            clusters.append([m])
    for cl in clusters:
        s, e = cl[0][0], cl[-1][1]
        ls = text.rfind("\n", 0, s) + 1
        le = text.find("\n", e)
        le = len(text) if le == -1 else le
        line = text[ls:le]
        reported = bool(ctx.search(line))
        strong = [m for m in cl if m[4] and not reported]
        distinct = {m[2].lower() for m in cl}
        # news about spam names it too: a reported line needs one more distinct phrase
        if not strong and len(distinct) < int(params["min_weak_terms"]) + (1 if reported else 0):
            continue
        if not strong and all(len(t) <= 2 and _HAN_RE.match(t) for t in distinct):
            continue  # two-character pieces alone also turn up across word boundaries
        terms = sorted(distinct)
        cats = sorted({m[3] for m in cl})
        whole_line = not text[ls:s].strip() and not text[e:le].strip()
        yield Hit(
            s, e,
            f"Spam phrase{'s' if len(terms) > 1 else ''} ({', '.join(cats)}): {', '.join(terms[:8])}",
            suggestion="" if whole_line else None,
            evidence={"terms": terms[:20], "categories": cats, "strong": len(strong) > 0},
        )


spam_phrases.param_defaults = {
    "lexicon": "spam_phrases.txt",
    "report_context_lexicon": "spam_report_context.txt",
    "min_weak_terms": 2,
    "cluster_gap": 40,
}


# ---------------------------------------------------------------------------------------------
# title keyword suffixes

_TITLE_SEP = re.compile(r"\s*(?:[|｜丨]|_{1,2}|(?<=\S)\s+-{1,2}\s+|(?<=[^\sA-Za-z0-9])-{1,2}(?=[^\sA-Za-z0-9])|—{1,2})\s*")
_MD_HEADING = re.compile(r"^#{1,6}\s+")
_FM_TITLE = re.compile(r"^title\s*:\s*", re.I)


# _MD_HEADING at a line start of a whole text (its whitespace may not run into the next line)
_MD_HEADING_AT = re.compile(r"#{1,6}[^\S\n]+")
_NON_SPACE = re.compile(r"\S")  # what str.strip() keeps (both use the same Unicode whitespace test)


def _title_lines(doc) -> list[tuple[int, int]]:
    """Spans of the lines that hold a title: the first content line, Markdown headings, a front
    matter ``title:`` value. The first non-blank line is found by a regex search and the heading
    lines by ``str.find`` instead of a Python pass over every line; front matter lines are read
    one by one as before."""
    text = doc.text
    fm = doc.front_matter_span
    starts = doc.line_starts
    n = len(text)

    def end_of(i: int) -> int:
        return starts[i + 1] - 1 if i + 1 < len(starts) else n

    def in_fm(s: int) -> bool:
        return bool(fm) and fm[0] <= s < fm[1]

    out = []
    if fm:
        for i in range(bisect.bisect_left(starts, fm[0]), bisect.bisect_left(starts, fm[1])):
            s, e = starts[i], end_of(i)
            line = text[s:e]
            if line.strip():  # (so never the empty line after a final newline, which lines() omits)
                m = _FM_TITLE.match(line)
                if m:
                    out.append((s + m.end(), e))
    first = None  # the first non-blank line outside the front matter
    pos = 0
    while True:
        m = _NON_SPACE.search(text, pos)
        if m is None:
            break
        i = bisect.bisect_right(starts, m.start()) - 1
        if not in_fm(starts[i]):
            first = i
            break
        pos = end_of(i) + 1
    # lines starting with "#" (str.find: far cheaper than a regex tried at every line start)
    heads = [0] if text.startswith("#") else []
    nl = text.find("\n#")
    while nl != -1:
        heads.append(nl + 1)
        nl = text.find("\n#", nl + 2)
    for at in heads:
        m = _MD_HEADING_AT.match(text, at)  # its whitespace ends in the line, as _MD_HEADING's does
        if m and not in_fm(at):
            i = bisect.bisect_right(starts, at) - 1
            out.append((m.end(), end_of(i)))
            if i == first:
                first = None  # the first line is a heading: reported as one
    if first is not None:
        out.append((starts[first], end_of(first)))
    out.sort()
    return out


def _bigrams_of(s: str) -> set[str]:
    s = normalise(s)
    out = set()
    for m in re.finditer(f"[{HAN_CLASS}]{{2,}}", s):
        g = m.group()
        out.update(g[i:i + 2] for i in range(len(g) - 1))
    return out


@detector("title_keyword_suffix")
def title_keyword_suffix(doc, profile, params):
    text = doc.text
    max_len = int(params["max_title_chars"])
    body_bigrams = None
    for ts, te in _title_lines(doc):
        title = text[ts:te]
        if len(title) > max_len or not _TITLE_SEP.search(title):
            continue
        seps = list(_TITLE_SEP.finditer(title))
        head_end = seps[0].start()
        if _han_count(title[:head_end]) < int(params["min_title_han"]):
            continue  # "首页 - 新闻 - 体育 …": a menu, not a title with a suffix
        parts = [p.strip() for p in _TITLE_SEP.split(title[seps[0].start():]) if p.strip()]
        if not parts:
            continue
        start = ts + head_end
        spam = spam_matches(title[head_end:], params)
        terms = sorted({m[2] for m in spam})
        if spam and (any(m[4] for m in spam) or len(terms) >= 1):
            yield Hit(start, te,
                      f"Spam keywords appended to the title: {', '.join(terms[:6])}",
                      suggestion="", evidence={"terms": terms, "keywords": parts[:12]})
            continue
        if len(parts) < int(params["min_keywords"]):
            continue  # one or two parts: a site name or a section, not a keyword list
        if any(len(p) > int(params["max_keyword_chars"]) for p in parts):
            continue
        if body_bigrams is None:
            body_bigrams = _bigrams_of(text[:ts] + text[te:])
        unrelated = [p for p in parts if not (_bigrams_of(p) & body_bigrams)]
        if len(unrelated) >= int(params["min_keywords"]) and len(unrelated) / len(parts) >= 0.6:
            yield Hit(start, te,
                      f"Keyword list appended to the title ({len(parts)} keywords the text never mentions: "
                      f"{', '.join(unrelated[:6])})",
                      suggestion="", evidence={"keywords": parts[:12], "unrelated": unrelated[:12]})


title_keyword_suffix.param_defaults = {
    "lexicon": "spam_phrases.txt",
    "max_title_chars": 200,
    "min_keywords": 4,
    "max_keyword_chars": 16,
    "min_title_han": 4,
}


# ---------------------------------------------------------------------------------------------
# keyword stuffing

_ITEM_SEP = re.compile(r"[\s,，、|｜/;；_]+")
# the same 2–10 character phrase repeated five or more times in a row (with separators)
_UNIT_MIN, _UNIT_MAX, _SEP_MAX, _COPIES = 2, 10, 3, 5
_REPEAT = re.compile(rf"([{HAN_CLASS}A-Za-z0-9]{{{_UNIT_MIN},{_UNIT_MAX}}}?)"
                     rf"(?:[\s,，、|｜/_\-]{{0,{_SEP_MAX}}}\1){{{_COPIES - 1},}}")


_REPEAT_STRIDED_MAX = 1 << 14  # texts up to this many positions take the one-call comparison (12 bytes each)


@lru_cache(maxsize=1)
def _word_table() -> np.ndarray:
    """The word characters of _REPEAT's unit (HAN_CLASS, A-Z, a-z, 0-9) as a code point table (the
    last entry, False, stands for every larger code point under ``take(mode="clip")``)."""
    t = _is_han(np.arange(0x30001, dtype=np.uint32))
    t[-1] = False
    t[48:58] = t[65:91] = t[97:123] = True
    return t


def _repeat_candidates(cp: np.ndarray, han: np.ndarray | None = None) -> np.ndarray:
    """Positions where a _REPEAT match could start (a superset, by a necessary condition).

    A match is a unit of ``_UNIT_MIN``–``_UNIT_MAX`` word characters followed, ``_COPIES - 1``
    times, by at most ``_SEP_MAX`` separators and the unit again. So at the start i of every copy
    but the last, the character pair cp[i], cp[i+1] (both word characters) recurs p positions
    later, p in [_UNIT_MIN, _UNIT_MAX + _SEP_MAX]; and those ``_COPIES - 1`` starts lie within
    ``(_COPIES - 2) * p_max`` positions of the first. A position is a candidate when it has the
    recurring pair and at least ``_COPIES - 1`` such positions lie in that window from it. Pairs
    are compared by a 32-bit code (equal pairs have equal codes; the rare unequal pair with the
    same code only adds a candidate, which the regex then rejects)."""
    n = cp.size
    p_max = _UNIT_MAX + _SEP_MAX
    if n < _UNIT_MIN * _COPIES:
        return np.zeros(0, dtype=np.int64)
    word = _word_table().take(cp, mode="clip")  # Han, ASCII letters and digits
    pc = (cp[:-1] << np.uint32(11)) ^ cp[1:]  # uint32 (wraps): half the memory of an exact pair key
    m = pc.size
    # rec[i]: pc[i] equals one of pc[i + _UNIT_MIN .. i + p_max]
    if m <= _REPEAT_STRIDED_MAX:
        # all offsets compared in one call on a strided (offsets × positions) view (fewer numpy
        # calls: faster for short texts, slower for long ones); the zero padding behind the end
        # can only add candidates
        pad = np.zeros(m + p_max, dtype=np.uint32)
        pad[:m] = pc
        stride = pad.strides[0]
        ahead = as_strided(pad[_UNIT_MIN:], shape=(p_max - _UNIT_MIN + 1, m), strides=(stride, stride))
        rec = np.logical_or.reduce(ahead == pad[:m], axis=0)
    else:
        rec = np.zeros(m, dtype=bool)
        eq = np.empty(m, dtype=bool)
        for p in range(_UNIT_MIN, p_max + 1):
            np.equal(pc[:-p], pc[p:], out=eq[:-p])
            rec[:-p] |= eq[:-p]
    rec &= word[:-1] & word[1:]
    if not rec.any():
        return np.zeros(0, dtype=np.int64)
    cs = np.empty(rec.size + 1, dtype=np.int64)
    cs[0] = 0
    rec.cumsum(out=cs[1:])
    at = rec.nonzero()[0]
    span = (_COPIES - 2) * p_max + 1  # positions i .. i + (_COPIES - 2) * p_max
    within = cs[np.minimum(at + span, rec.size)] - cs[at]
    return at[within >= _COPIES - 1]


def _repetitive(line: str) -> bool:
    """Cheap pre-check for _REPEAT: some 60-character stretch uses at most half as many distinct
    characters as its length."""
    if len(line) <= 60:
        return len(set(line)) * 2 <= len(line)
    return any(len(set(line[i:i + 60])) <= 30 for i in range(0, len(line) - 30, 30))


def _common_prefix(items: list[str]) -> str:
    first, last = min(items), max(items)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[:n]


@lru_cache(maxsize=8)
def _suffix_pattern(suffixes: tuple[str, ...]):
    """One regex for all suffixes, or None when a pre-check by regex would not be exact."""
    if not suffixes or any(not x or "\n" in x for x in suffixes):
        return None
    return re.compile(trie_regex(sorted(set(suffixes))))


def _stuffing_lines(doc, suffixes: tuple[str, ...]) -> tuple[list, dict, set]:
    """(lines, {line index: positions in the line where a _REPEAT match can start}, indices of
    lines holding a suffix): document-level pre-checks, so the per-line work runs only where it
    can find something."""
    lines = list(doc.lines())
    ix = _text_index(doc.text)
    starts, ends = ix.line_bounds()  # doc.lines(), and an empty line after a final newline
    starts, ends = starts[:len(lines)], ends[:len(lines)]
    rep_lines: dict[int, list[int]] = {}
    # the repeat test only runs on lines of 12..5000 characters
    size = ends - starts
    rep = _repeat_candidates(ix.cp, ix.mask) if ((size >= 12) & (size <= 5000)).any() else []
    if len(rep):
        for i, p in zip((starts.searchsorted(rep, side="right") - 1).tolist(), rep.tolist()):
            rep_lines.setdefault(i, []).append(p - lines[i][0])
    pat = _suffix_pattern(suffixes)
    if pat is None:
        return lines, rep_lines, set(range(len(lines)))
    # a line holding a suffix holds a finditer match start (matches never cross a newline), and
    # one of its positions where a suffix occurs (a start of the pattern) is a candidate below
    text = doc.text
    pre = _suffix_prefixes(suffixes)
    if pre is None:
        hits = [m.start() for m in pat.finditer(text)]
        return lines, rep_lines, set((starts.searchsorted(hits, side="right") - 1).tolist()) if hits else set()
    first, pair_bits = pre
    cp = ix.cp
    cand = first.take(cp[:-1], mode="clip").nonzero()[0]
    cand = cand[pair_bits[_pair_hash(cp[cand], cp[cand + 1])]]
    suf_lines: set[int] = set()
    for i, p in zip((starts.searchsorted(cand, side="right") - 1).tolist(), cand.tolist()):
        if i not in suf_lines and pat.match(text, p):
            suf_lines.add(i)
    return lines, rep_lines, suf_lines


@lru_cache(maxsize=8)
def _suffix_prefixes(suffixes: tuple[str, ...]):
    """(first-character table, hashed first-pair bitmap) of the suffixes, as for the spam lexicon
    (_spam_prefixes, without case variants: the suffix regex is case-sensitive); None when some
    suffix has a single character (then the regex scans the whole text)."""
    if any(len(x) < 2 for x in suffixes):
        return None
    a = np.array([ord(x[0]) for x in suffixes], dtype=np.uint32)
    b = np.array([ord(x[1]) for x in suffixes], dtype=np.uint32)
    first = np.zeros(int(a.max()) + 2, dtype=bool)  # the last entry (False): larger code points
    first[a] = True
    pair_bits = np.zeros(1 << _PAIR_HASH_BITS, dtype=bool)
    pair_bits[_pair_hash(a, b)] = True
    return first, pair_bits


def _repeat_matches(line: str, candidates: list[int]) -> list:
    """``list(_REPEAT.finditer(line))``, trying only the (sorted) candidate start positions: a
    match cannot start anywhere else, and finditer resumes after each match the same way."""
    out = []
    end = 0
    for c in candidates:
        if c < end:
            continue
        m = _REPEAT.match(line, c)
        if m:
            out.append(m)
            end = m.end()
    return out


@detector("keyword_stuffing")
def keyword_stuffing(doc, profile, params):
    suffixes = _lexicon(params, params["suffix_lexicon"])
    min_items = int(params["min_items"])
    lines, rep_lines, suf_lines = _stuffing_lines(doc, suffixes)
    for i in sorted(rep_lines.keys() | suf_lines):
        ls, le, line = lines[i]
        if len(line) < 12:
            continue
        found = _repeat_matches(line, rep_lines[i]) if i in rep_lines and len(line) <= 5000 else []
        if found and _repetitive(line):  # the gate is checked only where the regex matched
            for m in found:
                unit = m.group(1)
                if len(set(unit)) == 1 and not _HAN_RE.search(unit):
                    continue  # "-----", "0000": not a keyword
                if not _HAN_RE.search(unit) and len(unit) < 3:
                    continue
                n = m.group().count(unit)
                yield Hit(ls + m.start(), ls + m.end(),
                          f"Keyword stuffing: “{unit}” repeated {n} times in a row",
                          suggestion=unit, evidence={"keyword": unit, "repeats": n})
        if len(line) > 600 or i not in suf_lines:
            continue  # a keyword-variant list needs a suffix in the line
        items = [p for p in _ITEM_SEP.split(line) if p]
        if len(items) < min_items or sum(len(p) for p in items) / len(items) > int(params["max_item_chars"]):
            continue
        # the head keyword most items start with ("北京搬家" in 北京搬家价格, 北京搬家哪家好 …)
        counts: dict[str, int] = {}
        for p in items:
            if len(p) >= 3:
                counts[p[:2]] = counts.get(p[:2], 0) + 1
        if not counts:
            continue
        lead, n_lead = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
        if n_lead / len(items) < float(params["min_shared_fraction"]) or not _HAN_RE.search(lead):
            continue
        group = [p for p in items if p.startswith(lead)]
        head = _common_prefix(group)
        with_suffix = [p for p in group if any(x in p[len(head):] for x in suffixes)]
        kinds = {x for p in with_suffix for x in suffixes if x in p[len(head):]}
        if len(with_suffix) >= int(params["min_suffix_items"]) and len(kinds) >= 2:
            yield Hit(ls, le,
                      f"Keyword stuffing: {len(items)} keyword variants of “{head}” "
                      f"({', '.join(items[:5])}…)",
                      suggestion="", evidence={"head": head, "items": items[:20], "suffixes": sorted(kinds)[:10]})


keyword_stuffing.param_defaults = {
    "suffix_lexicon": "seo_keyword_suffixes.txt",
    "min_items": 5,
    "max_item_chars": 14,
    "min_shared_fraction": 0.6,
    "min_suffix_items": 3,
}


# ---------------------------------------------------------------------------------------------
# lists of unrelated headlines

_DATE_ONLY = re.compile(
    r"^\s*[\[(（【]?\s*(?:\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?|\d{1,2}[-/.月]\d{1,2}日?)"
    r"(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?\s*[\])）】]?\s*$|^\s*\d{1,2}:\d{2}(?::\d{2})?\s*$")
_DATE_ONLY_MAX_HAN = 3  # 年, 月, 日: the only Han characters _DATE_ONLY can match
_HAS_DATE = re.compile(r"\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}|\d{1,2}月\d{1,2}日|\b\d{1,2}:\d{2}\b|\d{1,2}-\d{1,2}\s")


def headline_blocks(doc, params) -> list[tuple[list[tuple[int, int]], int]]:
    """Runs of short lines (blank lines and date/time lines allowed between them): each run as
    (headline line spans, number of date/time marks)."""
    return [(lines, date_lines + _dated_items(doc.text, lines)) for lines, date_lines in _headline_runs(doc, params)]


def _dated_items(text: str, lines: list[tuple[int, int]]) -> int:
    """How many of the given headline lines carry a date or time."""
    return sum(1 for s, e in lines if _HAS_DATE.search(text[s:e].strip()))


def _headline_runs(doc, params) -> list[tuple[list[tuple[int, int]], int]]:
    """headline_blocks without the dated-item count (only needed for blocks that get that far):
    each run as (headline line spans, number of date-only lines)."""
    max_chars = int(params["max_line_chars"])
    min_line_han = int(params["min_line_han"])
    min_items = int(params["min_items"])
    lines = list(doc.lines())
    if not lines:
        return []
    ix = _text_index(doc.text)
    m = len(lines)
    starts, ends = ix.line_bounds()  # the lines of doc.lines(), and an empty one after a final newline
    starts, ends = starts[:m], ends[:m]
    han = ix.cum[ends] - ix.cum[starts]  # Han count of a line = of its stripped text
    enough = han >= min_line_han
    if int(np.count_nonzero(enough)) < min_items:
        return []  # not enough lines with Han enough to be headlines for even one block
    # Lines that may be headlines (a stripped line is at least its Han count long) and lines that
    # surely end a run (Han, so neither blank nor date-only when over _DATE_ONLY_MAX_HAN, and not
    # a headline). Runs restart after every such line, so only the stretches between them that
    # hold min_items possible headlines are walked line by line, exactly as before.
    maybe = enough & ((ends - starts <= max_chars) | (han <= max_chars))
    breaks = ((han > _DATE_ONLY_MAX_HAN) & ~maybe).nonzero()[0]
    cm = np.empty(m + 1, dtype=np.int64)
    cm[0] = 0
    maybe.cumsum(out=cm[1:])
    lo = np.concatenate(([0], breaks + 1))
    hi = np.concatenate((breaks, [m]))
    keep = (cm[hi] - cm[lo]) >= min_items
    if not keep.any():
        return []
    blocks = []
    han_list = han.tolist()
    for a, z in zip(lo[keep].tolist(), hi[keep].tolist()):
        cur: list[tuple[int, int]] = []
        dates = 0
        for (s, e, line), h in zip(lines[a:z], han_list[a:z]):
            if h > _DATE_ONLY_MAX_HAN:  # not a date-only line; Han, so not blank either
                if h >= min_line_han and (len(line) <= max_chars or len(line.strip()) <= max_chars):
                    cur.append((s, e))
                    continue
            else:
                st = line.strip()
                if not st:
                    continue
                if _DATE_ONLY.match(st):
                    dates += 1
                    continue
                if len(st) <= max_chars and h >= min_line_han:
                    cur.append((s, e))
                    continue
            if len(cur) >= min_items:
                blocks.append((cur, dates))
            cur, dates = [], 0
        if len(cur) >= min_items:  # line z ends the run (or there is none)
            blocks.append((cur, dates))
    return blocks


class _DocTerms:
    """All Han bigrams of a document once (positions, vocabulary ids, stop flags), so that any
    span's vector and the vector of "the document minus a span" cost O(span), not O(document)."""

    def __init__(self, text: str, idf: np.ndarray, stop: np.ndarray, stop_factor: float) -> None:
        self.pos, ids, st = _text_index(text).bigrams(stop)  # shared with OT01
        self.vocab = _distinct(ids)
        self.inv = _vocab_index(self.vocab, ids)  # np.unique's inverse
        self.tf = np.bincount(self.inv, minlength=self.vocab.size).astype(float)
        stopped = np.bincount(self.inv, weights=st.astype(float), minlength=self.vocab.size) >= self.tf
        self.scale = idf[self.vocab] * np.where(stopped, stop_factor, 1.0)
        self.w = (1.0 + np.log(self.tf)) * self.scale  # = _weight: every term occurs
        self.norm2 = float(self.w @ self.w)

    @staticmethod
    def _weight(tf: np.ndarray, scale: np.ndarray) -> np.ndarray:
        """(1 + log tf) · scale, and 0 where tf is 0."""
        return np.where(tf > 0, (1.0 + np.log(np.maximum(tf, 1.0))) * scale, 0.0)

    def terms(self, s: int, e: int) -> tuple[np.ndarray, np.ndarray]:
        """(vocabulary indices, term frequencies) of the bigrams starting in [s, e - 1)."""
        i, j = self.pos.searchsorted((s, e - 1)).tolist()
        if j <= i:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        ids = self.inv[i:j].copy()  # = np.unique(..., return_counts=True), by one sort
        ids.sort()
        first = np.empty(ids.size, dtype=bool)
        first[0] = True
        np.not_equal(ids[1:], ids[:-1], out=first[1:])
        at = first.nonzero()[0]
        tf = np.empty(at.size)  # = np.diff(np.append(at, ids.size)).astype(float)
        np.subtract(at[1:], at[:-1], out=tf[:-1])
        tf[-1] = ids.size - at[-1]
        return ids[at], tf

    def vector(self, s: int, e: int):
        ids, tf = self.terms(s, e)
        w = self._weight(tf, self.scale[ids])
        n = float(np.sqrt(w @ w)) if w.size else 0.0
        return ids, (w / n if n else w)

    def vectors(self, spans: list[tuple[int, int]]) -> list[tuple[np.ndarray, np.ndarray]]:
        """``[self.vector(s, e) for s, e in spans]``: the term counts of all spans from one sort;
        only each vector's norm is taken span by span (summed exactly as ``vector`` sums it)."""
        b = np.array(spans, dtype=np.int64).reshape(-1, 2)
        i = np.searchsorted(self.pos, b[:, 0])
        j = np.maximum(np.searchsorted(self.pos, b[:, 1] - 1), i)
        lens = j - i
        label = np.repeat(np.arange(len(spans)), lens)
        at = np.arange(int(lens.sum())) - np.repeat(np.cumsum(lens) - lens - i, lens)
        V = max(1, self.vocab.size)
        key = np.sort(label * V + self.inv[at])
        if key.size:
            first = np.empty(key.size, dtype=bool)
            first[0] = True
            np.not_equal(key[1:], key[:-1], out=first[1:])
            start = np.flatnonzero(first)
            tf = np.diff(np.append(start, key.size)).astype(float)
            key = key[start]
        else:
            tf = np.zeros(0)
        ids = key % V
        w_all = (1.0 + np.log(tf)) * self.scale[ids]  # = _weight: every count here is >= 1
        cut = np.searchsorted(key // V, np.arange(len(spans) + 1)).tolist()
        out = []
        for a, z in zip(cut, cut[1:]):
            w = w_all[a:z]
            n = float(np.sqrt(w @ w)) if w.size else 0.0
            out.append((ids[a:z], w / n if n else w))
        return out

    def rest_weights(self, ids: np.ndarray, tf: np.ndarray) -> tuple[np.ndarray, float]:
        """Weights, on ``ids``, of the document without a span whose terms are (ids, tf), and
        the norm of that whole rest vector."""
        rest_tf = self.tf[ids] - tf
        wr = self._weight(rest_tf, self.scale[ids])
        r2 = self.norm2 - float(self.w[ids] @ self.w[ids]) + float(wr @ wr)
        return wr, float(np.sqrt(max(r2, 0.0)))


def _cos_sorted(a, b) -> float:
    """Dot product of two sparse vectors (sorted unique ids, weights)."""
    if not a[0].size or not b[0].size:
        return 0.0
    at = np.searchsorted(b[0], a[0])  # the common ids, in ascending order (as intersect1d)
    hit = b[0][np.minimum(at, b[0].size - 1)] == a[0]
    return float((a[1][hit] * b[1][at[hit]]).sum())


@detector("unrelated_headlines")
def unrelated_headlines(doc, profile, params):
    text = doc.text
    blocks = _headline_runs(doc, params)
    if not blocks:
        return
    common = _lexicon(params, params["background_lexicon"])
    stats = profile.get("topic_df") if profile is not None else None
    idf = idf_weights(stats, common, float(params["background_docs"]))
    terms = _DocTerms(text, idf, _stop_codepoints(params["stop_chars"]), float(params["stop_factor"]))
    _, cum = _han_index(text)
    for lines, dates in blocks:
        bs, be = lines[0][0], lines[-1][1]
        if int(cum[-1] - (cum[be] - cum[bs])) < int(params["min_rest_han"]):
            continue  # the document is mostly this list: nothing to compare it with
        b_ids, b_tf = terms.terms(bs, be)
        if not b_ids.size:
            continue
        rest_w, rest_norm = terms.rest_weights(b_ids, b_tf)
        if rest_norm <= 0:
            continue
        b_w = (1.0 + np.log(b_tf)) * terms.scale[b_ids]  # = _weight: every count here is >= 1
        b_norm = float(np.sqrt(b_w @ b_w))
        block_sim = float(b_w @ rest_w) / (b_norm * rest_norm) if b_norm else 0.0
        if block_sim >= float(params["max_block_similarity"]):
            continue  # the list shares the document's subject (cheap test first)
        rest_vec = (b_ids, rest_w / rest_norm)  # the rest, restricted to the block's terms
        item_vecs = terms.vectors(lines)
        item_sims = [(_cos_sorted(v, rest_vec) if v[0].size else 0.0) for v in item_vecs]
        off = [x < float(params["max_item_similarity"]) for x in item_sims]
        frac_off = sum(off) / len(off)
        if frac_off < float(params["min_offtopic_items"]):
            continue
        # headlines about other subjects are also unrelated to each other
        pair = [_cos_sorted(a, b) for a, b in zip(item_vecs, item_vecs[1:]) if a[0].size and b[0].size]
        mutual = float(np.mean(pair)) if pair else 0.0
        dates += _dated_items(text, lines)
        headline_like = dates >= max(2, len(lines) // 3) or mutual < float(params["max_mutual_similarity"])
        if frac_off >= float(params["min_offtopic_items"]) and headline_like:
            yield Hit(
                bs, be,
                f"List of {len(lines)} headlines about other subjects (a recommendation block): "
                f"similarity to the document {block_sim:.3f}, {sum(off)}/{len(off)} items unrelated",
                suggestion="",
                evidence={"items": len(lines), "dates": dates, "block_similarity": round(block_sim, 4),
                          "offtopic_items": sum(off), "mutual_similarity": round(mutual, 4)},
            )


unrelated_headlines.param_defaults = {
    "max_line_chars": 80,
    "min_line_han": 6,
    "min_items": 5,
    "min_rest_han": 200,
    "max_block_similarity": 0.05,
    "max_item_similarity": 0.03,
    "min_offtopic_items": 0.7,
    "max_mutual_similarity": 0.05,
    "background_lexicon": "common_bigrams.txt",
    "background_docs": 20,
    "stop_chars": _DEFAULT_STOP_CHARS,
    "stop_factor": 0.3,
}
