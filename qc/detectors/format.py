"""Format damage (family ``format``): text that went through the wrong tools or was cut, copied
or flattened on its way into the corpus.

Catches:
- ``presegmented`` (FM01): a word segmenter's output — spaces between Han words throughout. One
  finding per document with the share of Han–Han boundaries that are spaces; parts = such lines.
- ``stripped_punctuation`` (FM02): long Chinese lines with (almost) no clause punctuation.
- ``stripped_digits`` (FM03): measure words and date patterns whose numbers are gone: ``约名``,
  ``月日``, ``第届``, ``增长%``, a bare ``个`` token after a non-numeral in segmented text (``全球 个 国家``).
- ``truncation`` (FM04): the last content line stops mid-sentence (no closing punctuation).
- ``duplicate_lines`` (FM05): a line or block repeated inside a document (title twice, a block twice).
- ``near_duplicates`` (FM06): documents that are exact or MinHash near-duplicates of another document
  of the corpus (profile ``doc_minhash``), pointing to the other one.
- ``long_lines`` (FM07) and ``short_document`` (FM08): thresholds in the rule params.
How: character-class counts from one numpy pass over the text (``char_stats``, shared by FM01–FM03
and BP03) and compiled regexes, one pass each; MinHash signatures of 5-character shingles are
computed with numpy in the profile pass and bucketed by LSH bands, so the corpus-wide comparison
stays near-linear.
Known false positives: poetry or lyrics written with spaces instead of punctuation (FM01/FM02);
an intentionally unfinished quotation at the very end (FM04); form labels like ``出生年月日`` are
guarded but other blank-form templates can look like stripped digits (FM03); deliberate refrains
(FM05).
"""
from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import count
from typing import Any

from ..model import Hit
from ..profile import contributor
from ..resources.boilerplate import char_stats
from . import detector
from .boilerplate import CLASSIFIER_DEFAULTS, cached_lines, line_bounds

HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_RE = re.compile(f"[{HAN}]")
_HH = re.compile(f"[{HAN}](?=[{HAN}])")
_H_SPACE_H = re.compile(f"(?<=[{HAN}])[ \u3000]+(?=[{HAN}])")
# clause/sentence punctuation incl. half-width forms and quotes (what a stripper removes)
_PUNCT = re.compile(r"[，。！？；：、,!?;:“”‘’\"《》（）()…—]|\.(?!\d)")
_SENT_END = re.compile(r"[。！？!?…；;]")
_CLOSERS = set("。！？!?…；;”’\"'」』）)】》〉~～.—")
_TRAILING_READING = re.compile(r"\([a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜńňǹ]{1,8}[1-5]?\)$")

NUMERAL_CHARS = set("0123456789０１２３４５６７８９一二三四五六七八九十百千万亿两〇零几半数廿卅")
# words that may stand where a numeral stands before a measure word
NUMERAL_LIKE = {"几", "多", "每", "这", "那", "哪", "某", "各", "半", "两", "整", "好", "数", "上", "下", "前", "后",
                "头", "第", "首", "末", "本", "该", "此", "全", "一些", "这些", "那些", "哪些", "若干", "许多", "很多", "好几",
                "成", "逐", "单", "双", "满", "同", "另", "其", "任", "那么", "这么", "多少"}

# unsegmented stripped-number patterns: (regex starting with a literal, characters that may not
# precede the match — they make the match part of an ordinary word)
_NUMERALS = "0123456789０１２３４５６７８９一二三四五六七八九十百千万两〇零廿卅"
_STRIPPED_PATTERNS = [
    # 第届 第次 … : an ordinal whose number is gone (次第/门第/及第… are words)
    (re.compile(r"第\s?(?:届|次|名|条|期|章|节|批|轮|季|集|页|版|号)"), set("次门府宅落及科甲品等")),
    # 月日 : a date whose numbers are gone (年月日 is a form label; 本月日均 a word)
    (re.compile(r"月\s?日(?![均常益趋渐夜复久])"), set(_NUMERALS + "年岁")),
    # 约名 约万 : an approximate count whose number is gone (签约/预约/节约… are words)
    (re.compile(r"约\s?(?:名|位|项|万|亿)(?!元)"), set("签预契合节制特邀公条大隐履违解践赴相婉租盟誓")),
    # 余名 余位 : "N余名" with N gone (其余/多余/业余… are words)
    (re.compile(r"余\s?(?:名|位|家|项|篇|场|所|件|种|万|亿)"), set(_NUMERALS + "其多剩残业课空富盈宽有")),
    # 增长% : a percent sign right after Han text
    (re.compile(r"[%％]"), None),
]
# the characters a match of each pattern above starts with
_STRIPPED_LEADS = ["第", "月", "约", "余", "%％"]
MEASURE_TOKENS = {"个", "名", "位", "家", "项", "场", "份", "届", "次", "支", "件", "种", "台", "部", "条", "所", "座",
                  "万", "亿", "余", "人次", "万元", "亿元", "万人", "余名", "余位", "余家", "余人", "余万", "约名", "场分"}


def _count(pat: re.Pattern, text: str) -> int:
    """Number of matches without building a list of them (matters for 50 MB lines)."""
    return pat.subn("", text)[1]


def _han_stats(text: str) -> tuple[int, int]:
    """(Han–Han boundaries, Han–space–Han boundaries) of ``text``: the matches of ``_HH`` and
    ``_H_SPACE_H`` (regex form, for single lines)."""
    return _count(_HH, text), _count(_H_SPACE_H, text)


@lru_cache(maxsize=4)
def _boundaries(text: str):
    """Han–Han boundaries (marked on the first character) and Han–space–Han boundaries (marked on
    the first space of the run) over the whole text, from ``char_stats``, with their totals:
    (hh marks, hsh marks, hh total, hsh total) — the same counts as ``_HH`` and ``_H_SPACE_H`` in
    any span that starts and ends at line boundaries (FM01 and FM03 share them; only FM01 needs
    per-line counts, and only when it fires, so prefix sums are not made here)."""
    import numpy as np

    cs = char_stats(text)
    han = cs.mask("han")
    hh = np.zeros(len(han), dtype=bool)
    hh[:-1] = han[:-1] & han[1:]
    sp = cs.mask("space")
    hsh = np.zeros(len(han), dtype=bool)
    if sp.any():
        prev = np.zeros(len(sp), dtype=bool)
        prev[1:] = sp[:-1]
        nxt = np.zeros(len(sp), dtype=bool)
        nxt[:-1] = sp[1:]
        first = np.flatnonzero(sp & ~prev)  # runs of spaces: first and last character
        last = np.flatnonzero(sp & ~nxt)
        ok = (first > 0) & (last < len(han) - 1)
        first, last = first[ok], last[ok]
        keep = han[first - 1] & han[last + 1]
        hsh[first[keep]] = True
    return hh, hsh, int(np.count_nonzero(hh)), int(np.count_nonzero(hsh))


@detector("presegmented")
def presegmented(doc, profile, params):
    text = doc.text
    if text.count(" ") + text.count("\u3000") < int(params["min_boundaries"]):
        return  # each spaced boundary needs a space of its own
    hh_m, sp_m, hh, sp = _boundaries(text)
    if sp < int(params["min_boundaries"]) or sp / (hh + sp) < float(params["min_share"]):
        return
    cs = char_stats(text)
    hh_p, sp_p = cs._cumsum(hh_m), cs._cumsum(sp_m)
    parts = []
    starts, ends = line_bounds(doc)
    min_share = float(params["min_share"])
    for s, e, lhh, lsp in zip(starts.tolist(), ends.tolist(), (hh_p[ends] - hh_p[starts]).tolist(),
                              (sp_p[ends] - sp_p[starts]).tolist()):
        if lsp >= 2 and lsp / (lhh + lsp) >= min_share:
            parts.append((s, e))
    if not parts:
        return
    share = sp / (hh + sp)
    yield Hit(parts[0][0], parts[-1][1],
              f"pre-segmented text: {share:.0%} of Han–Han boundaries are spaces ({sp} of {hh + sp}); "
              f"this is a word segmenter's output — join the words back",
              parts=parts, evidence={"space_boundaries": sp, "han_boundaries": hh + sp, "share": round(share, 3)})


presegmented.param_defaults = {"min_share": 0.2, "min_boundaries": 20}


@detector("stripped_punctuation")
def stripped_punctuation(doc, profile, params):
    min_line_han = int(params["min_line_han"])
    cs = char_stats(doc.text)
    starts, ends = line_bounds(doc)
    han, np_ = cs.span_counts(("han", "punct"), starts, ends)
    sel = han >= min_line_han
    starts, ends, han, np_ = starts[sel], ends[sel], han[sel], np_[sel]
    han_total, punct_total = int(han.sum()), int(np_.sum())
    bare_sel = np_ == 0
    if han_total < int(params["min_han"]) or not bare_sel.any():
        return
    bare = list(zip(starts[bare_sel].tolist(), ends[bare_sel].tolist()))
    rate = punct_total / han_total
    if rate > float(params["max_rate"]):
        return
    yield Hit(bare[0][0], bare[-1][1],
              f"punctuation stripped: {punct_total} punctuation marks in {han_total} Han characters of long lines "
              f"(prose has about one per 10); {len(bare)} long line{'s' if len(bare) > 1 else ''} without any",
              parts=bare, evidence={"han": han_total, "punctuation": punct_total, "rate": round(rate, 4)})


stripped_punctuation.param_defaults = {"min_line_han": 20, "min_han": 200, "max_rate": 0.02}


def _numeral_like(tok: str) -> bool:
    return tok in NUMERAL_LIKE or tok[-1] in NUMERAL_CHARS or any(c.isdigit() for c in tok)


@detector("stripped_digits")
def stripped_digits(doc, profile, params):
    text = doc.text
    found: list[tuple[int, int]] = []
    for (pat, bad_prev), lead in zip(_STRIPPED_PATTERNS, _STRIPPED_LEADS):
        if not any(c in text for c in lead):
            continue  # every match starts with one of these characters (str search beats the regex scan)
        for m in pat.finditer(text):
            a, b = m.span()
            prev = text[a - 1] if a else ""
            if prev == " " and a > 1:
                prev = text[a - 2]
            if bad_prev is None:  # the percent sign: only right after Han (or Han + one space)
                if not prev or not _HAN_RE.match(prev):
                    continue
            elif prev in bad_prev:
                continue
            found.append((a, b))
    # segmented text: a measure-word token whose numeral token is missing
    # (each spaced boundary needs a space of its own: fewer than 10 spaces cannot make sp >= 10)
    hh, sp = _boundaries(text)[2:] if text.count(" ") + text.count("\u3000") >= 10 else (0, 0)
    if sp >= 10 and sp / (hh + sp or 1) >= 0.2:
        for s, e, line in doc.lines():
            prev = None
            pos = 0
            for tok in line.split(" "):
                if tok in MEASURE_TOKENS and (prev is None or not _numeral_like(prev)):
                    # a lone token at line start, or after a word that is no numeral
                    found.append((s + pos, s + pos + len(tok)))
                if tok:
                    prev = tok
                pos += len(tok) + 1
    found = sorted(set(found))
    if len(found) < int(params["min_hits"]):
        return
    shown = "、".join(dict.fromkeys(text[max(0, a - 2):b + 2].strip() for a, b in found[:6]))
    yield Hit(found[0][0], found[-1][1],
              f"numbers stripped: {len(found)} measure words or dates without their number (e.g. {shown})",
              parts=found, evidence={"count": len(found)})


stripped_digits.param_defaults = {"min_hits": 3}


def _classifier_params(params):
    return {**CLASSIFIER_DEFAULTS, "_lexicons": params.get("_lexicons", "")}


def _last_content_line(doc) -> str | None:
    """The text of the last non-blank line outside the front matter (what ``classify_lines`` would
    put last), found from the end without touching the rest of the document."""
    text = doc.text
    starts = doc.line_starts
    n = len(text)
    fm_end = doc.front_matter_span[1] if doc.front_matter_span else 0
    for i in range(len(starts) - 1, -1, -1):
        s = starts[i]
        if s == n and i > 0:
            continue  # doc.lines() stops before an empty last line
        e = starts[i + 1] - 1 if i + 1 < len(starts) else n
        if e <= fm_end:
            return None
        line = text[s:e]
        if line.strip():
            return line
    return None


def _may_be_truncated(line: str, min_line_chars: int) -> bool:
    """The checks on the last line alone (cheap): False means the rule cannot fire."""
    core = _TRAILING_READING.sub("", line.rstrip()).rstrip()
    if not core or core[-1] in _CLOSERS:
        return False
    if len("".join(core.split())) < min_line_chars or not _PUNCT.search(core):
        return False
    return bool(_HAN_RE.match(core[-1]) or core[-1] in "，、,：:(（“‘《")


@detector("truncation")
def truncation(doc, profile, params):
    # pre-check on the last line: most documents end closed, and then the whole-document line
    # classifier (the expensive part) is not needed
    last_text = _last_content_line(doc)
    if last_text is None or not _may_be_truncated(last_text, int(params["min_line_chars"])):
        return
    lines = cached_lines(doc, profile, _classifier_params(params))
    if not lines:
        return
    last = lines[-1]
    if last.boilerplate and last.cls == "bad":
        return  # page furniture at the end (strong evidence), not a cut sentence
    line = doc.text[last.start:last.end].rstrip()
    end = last.start + len(line)
    core = _TRAILING_READING.sub("", line).rstrip()
    if not core or core[-1] in _CLOSERS:
        return
    if len("".join(core.split())) < int(params["min_line_chars"]) or not _PUNCT.search(core):
        return  # a short last line (signature, heading) or a line with no punctuation at all (FM02's business)
    if not (_HAN_RE.match(core[-1]) or core[-1] in "，、,：:(（“‘《"):
        return
    # the document's own paragraphs must normally end with punctuation (informal posts often don't)
    others = [ln for ln in lines[:-1] if not ln.boilerplate and ln.n >= int(params["min_line_chars"])]
    if len(others) >= 2:
        closed = sum(1 for ln in others if ln.text.rstrip()[-1] in _CLOSERS)
        if closed < float(params["closed_share"]) * len(others):
            return
    m = None
    for m in _SENT_END.finditer(line):
        pass
    start = last.start + (m.end() if m else 0)
    frag = doc.text[start:end]
    yield Hit(start, end, f"document ends mid-sentence: the last sentence stops at “…{frag[-12:]}” with no closing punctuation "
                          f"(the text was cut off)", evidence={"last_char": core[-1]})


truncation.param_defaults = {"min_line_chars": 20, "closed_share": 0.6}


_DUP_SKIP = ""      # a line FM05 ignores without ending a block (blank, image/link markup)
_DUP_BREAK = "\n"   # a line FM05 does not compare and that ends a block (short, no letter); never a key
_DUP_MEMO: dict = {}  # min_chars -> [new, old] generations of {raw line: key, _DUP_SKIP or _DUP_BREAK}
_DUP_MEMO_MAX = 1 << 14  # lines per generation (the full new one becomes the old one; lines met again
                         # move back to the new one): furniture lines repeat across pages
_DUP_MEMO_MAX_LEN = 200  # longer lines are rarely repeated: not kept


def _dup_key(line: str, min_chars: int) -> str:
    """What FM05 compares line ``line`` on: whitespace removed, leading Markdown heading/quote/list
    markers dropped, lowercased; ``_DUP_SKIP`` for blank and markup lines, ``_DUP_BREAK`` for a
    line shorter than ``min_chars`` or without a letter."""
    key = "".join(line.split()).lstrip("#>*-").lower()
    if not key or key.startswith(("![", "[![", "http", "www.")):
        return _DUP_SKIP  # markup lines (images, links) are boilerplate's business
    if len(key) < min_chars or not (key[0].isalpha() or any(ch.isalpha() for ch in key)):
        return _DUP_BREAK
    return key


def _dup_keys(lines: list, min_chars: int) -> list[str]:
    """``_dup_key`` of every line of ``lines`` ((start, end, text) tuples), from the memo where it
    can (bounded, two generations: a full table becomes the old one, lines met again move back)."""
    gens = _DUP_MEMO.get(min_chars)
    if gens is None:
        if len(_DUP_MEMO) >= 8:
            _DUP_MEMO.clear()
        gens = _DUP_MEMO[min_chars] = [{}, {}]
    texts = [ln[2] for ln in lines]
    keys = list(map(gens[0].get, texts))
    if None in keys:
        miss = [i for i, k in enumerate(keys) if k is None]
        mt = [texts[i] for i in miss]
        old = gens[1]
        vals = [old.pop(t, None) for t in mt] if old else [None] * len(mt)  # met again: moves back
        vals = [_dup_key(t, min_chars) if v is None else v for t, v in zip(mt, vals)]
        for i, v in zip(miss, vals):
            keys[i] = v
        new = gens[0]
        if len(new) + len(mt) > _DUP_MEMO_MAX:  # the new generation becomes the old one
            gens[1] = new
            new = gens[0] = {}
        new.update({t: v for t, v in zip(mt, vals) if len(t) <= _DUP_MEMO_MAX_LEN})
    return keys


@detector("duplicate_lines")
def duplicate_lines(doc, profile, params):
    """A line's key is computed once per distinct line text (bounded memo across documents); a
    document whose compared keys are all different (most) is done after a few C-level passes."""
    min_chars = int(params["min_chars"])
    lines = list(doc.lines())
    first_no = 1  # line number of lines[0]
    if doc.front_matter_span:
        fm_end = doc.front_matter_span[1]
        while first_no <= len(lines) and lines[first_no - 1][1] <= fm_end:
            first_no += 1
        lines = lines[first_no - 1:]
    keys = _dup_keys(lines, min_chars)
    compared = len(keys) - keys.count(_DUP_SKIP) - keys.count(_DUP_BREAK)
    distinct = set(keys)
    distinct.discard(_DUP_SKIP)
    distinct.discard(_DUP_BREAK)
    if len(distinct) == compared:
        return  # no line repeats another

    seen: dict[str, int] = {}
    block: list[tuple[int, int, int]] = []  # (start, end, first line no)

    def flush():
        if block:
            firsts = sorted(b[2] for b in block)
            where = f"line {firsts[0]}" if len(firsts) == 1 else f"lines {firsts[0]}–{firsts[-1]}"
            n = len(block)
            yield Hit(block[0][0], block[-1][1], f"{n} line{'s' if n > 1 else ''} repeated from {where} of this document",
                      suggestion="",
                      parts=[(a, b) for a, b, _ in block] if n > 1 else None, evidence={"first_line": firsts[0]})

    for no, (s, e, _line), key in zip(count(first_no), lines, keys):
        if not key:
            continue
        if key is _DUP_BREAK:
            if block:
                yield from flush()
                block = []
            continue
        first = seen.get(key)
        if first is not None:
            block.append((s, e, first))
        else:
            seen[key] = no
            if block:
                yield from flush()
                block = []
    yield from flush()


duplicate_lines.param_defaults = {"min_chars": 10}


# --- near-duplicate documents ----------------------------------------------------------------

@dataclass
class DocDuplicates:
    """Finalised ``doc_minhash``: doc id → [(other id, estimated Jaccard, exact)] best first.

    Stored as arrays (compressed rows, a few bytes per match) rather than Python tuples: a corpus
    of many near-duplicates has millions of matches, and the profile goes to every worker."""

    ids: list[str]          # every signed document, sorted
    indptr: Any             # int64, len(ids) + 1: row i's matches are [indptr[i], indptr[i+1])
    other: Any              # int32 index into ids
    same: Any               # uint8: signature slots that agree, of _NPERM (Jaccard = same / _NPERM)
    exact: Any              # bool: same text apart from whitespace

    def get(self, doc_id: str) -> list[tuple[str, float, bool]]:
        i = bisect.bisect_left(self.ids, doc_id)
        if i == len(self.ids) or self.ids[i] != doc_id:
            return []
        lo, hi = int(self.indptr[i]), int(self.indptr[i + 1])
        ids = self.ids
        return [(ids[o], s / _NPERM, e) for o, s, e in
                zip(self.other[lo:hi].tolist(), self.same[lo:hi].tolist(), self.exact[lo:hi].tolist())]


_NPERM = 64
_BANDS = 16
_SHINGLE = 5
_MAX_CHARS = 200_000


def _perm_params():
    import numpy as np

    rng = np.random.default_rng(0x5EED)
    a = rng.integers(1, 2**63 - 1, size=_NPERM, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 2**63 - 1, size=_NPERM, dtype=np.uint64)
    return a, b


_PERMS = None


def minhash_signature(key: str) -> bytes:
    """64 × uint32 MinHash of the 5-character shingles of ``key``: for each permutation (a, b), the
    high 32 bits of min over shingles h of (a·h + b) mod 2⁶⁴. The permutations are evaluated in
    blocks (an outer product of ≈ 64 K values at a time, so a block stays in cache) instead of one
    numpy call chain per permutation; the min is taken before the shift (``>> 32`` is monotone) and
    over all shingles, repeated ones included (they cannot change a minimum)."""
    import numpy as np

    global _PERMS
    if _PERMS is None:
        _PERMS = _perm_params()
    a, b = _PERMS
    cps = np.frombuffer(key[:_MAX_CHARS].encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
    n = len(cps) - _SHINGLE + 1
    if n <= 0:
        return b""
    with np.errstate(over="ignore"):
        h = cps[:n].copy()
        for j in range(1, _SHINGLE):
            h *= np.uint64(1_000_003)
            h += cps[j:j + n]
        h ^= h >> np.uint64(31)
        h *= np.uint64(0x9E3779B97F4A7C15)
        step = max(1, min(_NPERM, 65536 // n))
        mins = np.empty(_NPERM, dtype=np.uint64)
        for i in range(0, _NPERM, step):
            block = np.multiply.outer(a[i:i + step], h)
            block += b[i:i + step, None]
            block.min(axis=1, out=mins[i:i + step])
    return (mins >> np.uint64(32)).astype(np.uint32).tobytes()


@lru_cache(maxsize=64)
def _pairs_of(k: int):
    import numpy as np

    return np.triu_indices(k, 1)


def _bucket_pairs(order, starts, counts, groups, max_bucket: int, batch: int = 1 << 18):
    """Batches of (x, y) int32 arrays, about ``batch`` pairs each: every pair x < y of the first
    ``max_bucket`` members (in index order) of each bucket in ``groups``."""
    import numpy as np

    sizes = np.minimum(counts[groups], max_bucket)
    npairs = sizes * (sizes - 1) // 2
    ends = np.cumsum(npairs)
    g0 = 0
    while g0 < len(groups):
        g1 = max(g0 + 1, int(np.searchsorted(ends, (ends[g0 - 1] if g0 else 0) + batch, side="right")))
        total = int(npairs[g0:g1].sum())
        rx = np.empty(total, dtype=np.int32)
        ry = np.empty(total, dtype=np.int32)
        at = 0
        for g, m in zip(groups[g0:g1].tolist(), sizes[g0:g1].tolist()):
            members = order[starts[g]:starts[g] + m]
            x, y = _pairs_of(m)
            k = len(x)
            rx[at:at + k] = members[x]
            ry[at:at + k] = members[y]
            at += k
        yield rx, ry
        g0 = g1


def _band_pairs(acc: list, pos: list[int], max_bucket: int, min_same: int = 0) -> list:
    """LSH candidates as a list of chunks (i, j, same) — int32, int32, uint8 arrays — holding
    every pair of documents (indices into ``acc``, i < j, exact hashes different) that share a
    band of their signatures, taking at most ``max_bucket`` documents per band bucket in index
    order, and whose signatures agree in at least ``min_same`` of the _NPERM slots. Each pair
    appears once: a band keeps only the pairs no earlier band emitted (the pair's signatures
    agree on that earlier band and both are inside its bucket's cap), so no cross-band
    de-duplication, and memory follows the kept pairs (9 bytes each) plus one batch of candidates."""
    import numpy as np

    rows = _NPERM // _BANDS
    npos = len(pos)
    sig = np.frombuffer(b"".join(acc[i][2] for i in pos), dtype=np.uint32).reshape(npos, _NPERM)
    index = np.asarray(pos, dtype=np.int32)
    exact_codes: dict[bytes, int] = {}
    exact_id = np.asarray([exact_codes.setdefault(acc[i][1], len(exact_codes)) for i in pos], dtype=np.int64)
    in_cap = np.zeros((npos, _BANDS), dtype=bool)  # inside its bucket's first max_bucket, per band
    out: list = []
    buf: list = []
    nbuf = 0
    step = 16384  # candidates compared at once: two (step × 64) uint32 gathers
    for band in range(_BANDS):
        part = np.ascontiguousarray(sig[:, band * rows:(band + 1) * rows])
        keys = part.view(np.dtype((np.void, rows * 4))).ravel()
        _, inv = np.unique(keys, return_inverse=True)
        inv = inv.ravel()
        counts = np.bincount(inv)
        order = np.argsort(inv, kind="stable")  # members of a bucket, in index order
        starts = np.cumsum(counts) - counts
        rank = np.empty(npos, dtype=np.int64)
        rank[order] = np.arange(npos) - starts[inv[order]]
        in_cap[:, band] = rank < max_bucket
        groups = np.nonzero(counts >= 2)[0]
        if not len(groups):
            continue
        for rx, ry in _bucket_pairs(order, starts, counts, groups, max_bucket):
            for lo in range(0, len(rx), step):  # bounded memory for huge candidate sets
                x, y = rx[lo:lo + step], ry[lo:lo + step]
                eq = sig[x] == sig[y]
                same = eq.sum(axis=1, dtype=np.int64)
                keep = (same >= min_same) & (exact_id[x] != exact_id[y])
                if band:
                    earlier = eq[:, :band * rows].reshape(len(x), band, rows).all(axis=2)
                    earlier &= in_cap[x, :band] & in_cap[y, :band]
                    keep &= ~earlier.any(axis=1)
                if keep.any():
                    buf.append((index[x[keep]], index[y[keep]], same[keep].astype(np.uint8)))
                    nbuf += len(buf[-1][0])
                if nbuf >= 1 << 20:  # fewer, bigger chunks for the row pass
                    out.append(tuple(np.concatenate(c) for c in zip(*buf)))
                    buf, nbuf = [], 0
    if buf:
        out.append(tuple(np.concatenate(c) for c in zip(*buf)))
    return out


@contributor("doc_minhash")
class DocMinHash:
    """Exact hash and MinHash signature of each document's whitespace-free text (≥ 50 characters)."""

    min_chars = 50
    keep_jaccard = 0.5
    max_bucket = 50

    def collect(self, doc):
        key = "".join(doc.text.split())
        if len(key) < self.min_chars:
            return None
        exact = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=12).digest()
        return (doc.id, exact, minhash_signature(key))

    def merge(self, acc, item):
        if acc is None:
            acc = []
        if item is not None:
            acc.append(item)
        return acc

    def finalize(self, acc, n_docs):
        import numpy as np

        acc = sorted(acc or [], key=lambda t: t[0])
        n = len(acc)
        # exact copies: each later copy is matched with the first (at most max_bucket per group)
        by_exact: dict[bytes, list[int]] = {}
        for i, (_id, ex, _sig) in enumerate(acc):
            by_exact.setdefault(ex, []).append(i)
        ei = [g[0] for g in by_exact.values() for _ in g[1:self.max_bucket]]
        ej = [j for g in by_exact.values() for j in g[1:self.max_bucket]]
        pos = [i for i, t in enumerate(acc) if t[2]]
        min_same = next((k for k in range(_NPERM + 1) if k / _NPERM >= self.keep_jaccard), _NPERM + 1)
        chunks = [(np.asarray(ei, dtype=np.int32), np.asarray(ej, dtype=np.int32),
                   np.full(len(ei), _NPERM, dtype=np.uint8), True)]
        chunks += [(i, j, same, False) for i, j, same in (_band_pairs(acc, pos, self.max_bucket, min_same) if pos else [])]
        return _compress_rows([t[0] for t in acc], chunks)


def _compress_rows(ids: list[str], chunks: list, entries_per_pass: int = 1 << 20) -> DocDuplicates:
    """Matches, given once per pair as chunks (i, j, same, exact), → DocDuplicates: each pair in
    both rows, a row ordered by most slots in common, then the other's index (= id order). Rows
    are filled a range at a time (≈ ``entries_per_pass`` matches), each range with one sort of a
    packed int64 key (row, slots missed, other, exact bit; pairs are unique, so the exact bit
    never decides), so the transient memory is one range's key, not the whole table's."""
    import numpy as np

    n = len(ids)
    counts = np.zeros(n, dtype=np.int64)
    for i, j, _same, _exact in chunks:
        counts += np.bincount(i, minlength=n)
        counts += np.bincount(j, minlength=n)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    total = int(indptr[-1])
    col = np.empty(total, dtype=np.int32)
    same = np.empty(total, dtype=np.uint8)
    exact = np.empty(total, dtype=bool)
    r0 = 0
    while r0 < n:
        r1 = int(np.searchsorted(indptr, indptr[r0] + entries_per_pass, side="right")) - 1
        r1 = min(n, max(r1, r0 + 1))
        parts = []
        for i, j, sm, ex in chunks:
            for row, other in ((i, j), (j, i)):
                m = (row >= r0) & (row < r1)
                if m.any():
                    miss = _NPERM - sm[m].astype(np.int64)
                    parts.append((((row[m].astype(np.int64) - r0) * (_NPERM + 1) + miss) * n + other[m]) * 2 + int(ex))
        if parts:
            key = np.concatenate(parts)
            del parts
            key.sort()
            lo, hi = int(indptr[r0]), int(indptr[r1])
            exact[lo:hi] = (key & 1).astype(bool)
            key >>= 1
            col[lo:hi] = key % n
            key //= n
            same[lo:hi] = _NPERM - key % (_NPERM + 1)
            del key
        r0 = r1
    return DocDuplicates(ids, indptr, col, same, exact)


@detector("near_duplicates")
def near_duplicates(doc, profile, params):
    dups = profile.get("doc_minhash") if profile is not None else None
    if dups is None:
        return
    found = [(o, j, e) for o, j, e in dups.get(doc.id) if e or j >= float(params["min_jaccard"])]
    if not found:
        return
    other, jac, exact = found[0]
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    first = min([doc.id, *(o for o, _, _ in found)])
    keep = "this copy is the first in scan order" if first == doc.id else f"keep {first}"
    if exact:
        msg = f"exact duplicate of {other}{more}: same text apart from whitespace; {keep}"
    else:
        msg = f"near-duplicate of {other}{more}: estimated Jaccard {jac:.2f} of 5-character shingles; {keep}"
    yield Hit(0, 0, msg, severity="info" if first == doc.id else None,
              evidence={"other": other, "jaccard": round(jac, 3), "exact": exact, "others": [o for o, _, _ in found[:10]]})


near_duplicates.param_defaults = {"min_jaccard": 0.8}


@detector("long_lines")
def long_lines(doc, profile, params):
    limit = int(params["max_chars"])
    if len(doc.text) <= limit:
        return
    for s, e, _line in doc.lines():
        if e - s > limit:
            yield Hit(s, e, f"line of {e - s} characters (limit {limit}): line breaks were probably lost",
                      evidence={"chars": e - s})


long_lines.param_defaults = {"max_chars": 5000}


@detector("short_document")
def short_document(doc, profile, params):
    n = len("".join(doc.text.split()))
    if 0 < n < int(params["min_chars"]):
        yield Hit(0, 0, f"very short document: {n} non-whitespace characters (minimum {params['min_chars']})",
                  evidence={"chars": n})


short_document.param_defaults = {"min_chars": 50}
