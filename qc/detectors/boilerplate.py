"""Boilerplate (family ``boilerplate``): page furniture left in the text by a scraper.

Catches:
- ``punctuation_lines`` (BP01): lines made only of punctuation, symbols or separators.
- ``markdown_images`` (BP02): Markdown image lines ``![alt](url)``.
- ``boilerplate_lines`` (BP03): every other line of page furniture — share widgets, navigation and
  breadcrumbs, credits, copyright notices, recommendation rails, comment and reaction widgets,
  WeChat/app UI, timestamps, bare URLs, link-only lines, lines repeated across the corpus — merged
  into one finding per block with the kinds in the message.
- ``front_matter`` (BP04): a YAML front-matter block (parsed into the report's metadata).
How: every line gets local evidence, then its neighbours decide the unclear ones (a jusText-style
pass adapted to Chinese):
  1. Strong evidence (→ boilerplate): structure (image/link-only/URL/timestamp/punctuation-only
     lines, breadcrumbs ``首页 > … > 正文``, ``[ 责编:… ]`` brackets, menus of lexicon words,
     headline+date items, a page-title bar at the top), a whole line from ``boilerplate_lines.txt``,
     a phrase from ``boilerplate_phrases.txt`` in a short line or at its start.
  2. Weak evidence (neighbours decide): a phrase inside a longer non-sentence line, ordinary words
     that are also menu items (``~`` entries), headline-like lines, and lines that also appear in
     other files of the corpus (profile ``line_df``).
  3. Prose evidence (→ content): a line long enough that ends like a sentence with a normal share
     of function characters (的了是在和…; titles and menus have few).
  4. The rest is decided by the nearest decided lines on both sides; the document's start and end
     count as boilerplate, so furniture clusters at the head and tail are taken while a short line
     between two prose paragraphs (a subheading, a one-line quote, an article's list) stays
     content; a prose paragraph stays content wherever it is, except a one-sentence item squeezed
     between two timestamps (a headline/date rail).
  Per-document cost is linear in the number of lines. A line's own evidence (everything but the
  document context) is kept per distinct line text (bounded memo), since furniture repeats across
  pages; for new lines the character counts and class flags come from one numpy pass over the
  document (``char_stats``), and the flags skip the tests that cannot match. The lexicons are one
  dict and one prefix-trie regex; Traditional variants of the entries are added at load time
  (OpenCC).
Known false positives: a page title or dateline above the article; a poem or list page with no
prose line at all is left to strong evidence only; forum replies below the post look like a tail.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache, partial
from itertools import compress, repeat
from typing import NamedTuple

from ..model import Hit
from ..profile import contributor
from ..resources.boilerplate import BITS, WHITESPACE, boilerplate_lexicon, char_stats, norm_key
from . import detector

HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_RE = re.compile(f"[{HAN}]")
_PUNCT_LINE = re.compile(r"[\s\W_]+")
_ELLIPSIS_LINE = re.compile(r"[…⋯.。]{2,}|…")  # an editor's omission mark inside an article
_MD_IMAGE_LINE = re.compile(r"\s*(?:\[?!\[[^\]\n]*\]\([^)\n]*\)\]?(?:\([^)\n]*\))?\s*)+")
_MD_LINK_LINE = re.compile(r"\s*(?:(?:[-*+•·|]|\d{1,2}[.、])\s*)?(?:\[[^\]\n]*\]\([^)\n]*\)[\s|·/,，、]*)+")
_URL_LINE = re.compile(r"\s*(?:[-*+•·]\s*)?<?(?:https?://|www\.)[^\s]+>?\s*")
# a line that is only dates/times, with an optional label ("发布时间：") and bullet
_DATE = r"(?:\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?|\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日|\d{4}年\d{1,2}月|\d{1,2}-\d{1,2})"
_TIME = r"(?:(?<!\d)\d{1,2}:\d{2}(?::\d{2})?(?!\d))"
_AGO = r"(?:\d+\s*(?:秒|分钟|小时|天|周|个月|月|年)前|刚刚|昨天|前天|今天)"
_DATETIME_LINE = re.compile(
    rf"[\s\-*•·|()（）\[\]【】]*(?:(?:发布|更新|发表|编辑|修改|上传)?(?:时间|日期|于)\s*[:：]?\s*)?"
    rf"(?:(?:{_DATE}|{_TIME}|{_AGO})[\s,，|·/]*)+[)）\]】]*"
)
# a numeric date/time stamp at the start or end of a line: a headline/date list item or a post header
_NUM_STAMP = r"(?<![\d:.])(?:\d{2,4}[-/.]\d{1,2}[-/.]\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?|\d{1,2}[-/]\d{1,2}\s+\d{1,2}:\d{2}(?::\d{2})?|\d{1,2}:\d{2}(?::\d{2})?)(?:\s?[AaPp][Mm])?(?![\d:])"
_STAMP_EDGE = re.compile(rf"^[\s\[【(（]*{_NUM_STAMP}[\s\]】)）]*|{_NUM_STAMP}[\s\]】)）]*$")
_ANY_STAMP = re.compile(rf"{_NUM_STAMP}|\d{{4}}年\d{{1,2}}月\d{{1,2}}日|\d+\s*(?:秒|分钟|分鐘|小时|小時|天)前")
_EDITOR_BRACKET = re.compile(
    r"\s*[\[【(（]\s*(?:责任编辑|责编|编辑|主编|作者|来源|记者|校对|审核|编审|值班编辑|实习编辑)\s*[:：]?[^\n\]】)）]{0,40}[\]】)）]\s*"
)
_HAS_DIGIT = re.compile(r"\d")
_CRUMB_CHARS = re.compile(r">|[»›＞→]")
_CRUMB_SPLIT = re.compile(r"\s*(?:>>|[>»›＞→]|&gt;)\s*")
_PIPE_SPLIT = re.compile(r"\s*[|｜]\s*")
_TITLE_BAR = re.compile(r"(.{2,80}?)\s*(?:_|\||｜|\s[-–—]\s)\s*(.{2,30})")
_BULLET = re.compile(r"\s*(?:[-*+•·●○■□◆◇▪▶►#>]+|\d{1,2}[.、)）])\s*")
# clause and sentence punctuation, full and half width
_CLAUSE_PUNCT = re.compile(r"[，。！？；：、,!?;:…]|\.(?!\d)")
_FINAL_PUNCT = re.compile(r"[。！？!?…”』」][）)]?\s*$|\.\s*$")
_TRAILING_READING = re.compile(r"\s*\([a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜńňǹ]{1,8}[1-5]?\s*\)\s*$")


_SENT_FINAL = frozenset("。！？!?…”』」")
_EDGE_HEAD = "[【(（" + WHITESPACE  # what _STAMP_EDGE allows before a stamp at the start …
_EDGE_TAIL = "]】)）" + WHITESPACE  # … and after one at the end


def _stamp_edge(t: str) -> bool:
    """``_STAMP_EDGE.search(t)`` for a line ``t`` without newlines, run only when it can match:
    a stamp starts with a digit and ends with a digit or ``m``/``M``, and only brackets and
    whitespace may stand between it and the line's start or end."""
    h = t.lstrip(_EDGE_HEAD)
    r = t.rstrip(_EDGE_TAIL)
    if (h and h[0].isdecimal()) or (r and (r[-1].isdecimal() or r[-1] in "mM")):
        return _STAMP_EDGE.search(t) is not None
    return False


def ends_sentence(t: str) -> bool:
    """Does the line end like a sentence (。！？…” etc.; a trailing reading annotation such as
    ``各(ge)`` is looked through; a bracket alone, as in ``(组图)``, is no sentence end).
    Same answer as ``_FINAL_PUNCT.search``, read from the end of the string instead of scanning it."""
    if t.endswith(")"):
        t = _TRAILING_READING.sub("", t)
    u = t.rstrip()  # \s*$ (rstrip and \s agree on what whitespace is)
    if not u:
        return False
    c = u[-1]
    if c in _SENT_FINAL or c == ".":
        return True
    return (c == "）" or c == ")") and len(u) > 1 and u[-2] in _SENT_FINAL

BAD, GOOD, NEAR, SHORT, WEAK = "bad", "good", "near", "short", "weak"

KIND_NAMES = {
    "share": "share widget", "nav": "navigation", "footer": "site footer", "login": "account links",
    "ui": "page UI", "wechat": "WeChat UI", "comment": "comment widget", "reaction": "reaction widget",
    "related": "recommendation list", "ad": "ad/app prompt", "app": "app prompt",
    "editor": "credits/metadata", "copyright": "copyright notice", "contact": "contact details",
    "timestamp": "timestamp", "link": "link-only line", "url": "bare URL", "image": "image",
    "punctuation": "punctuation-only line", "breadcrumb": "breadcrumb", "menu": "menu line",
    "title": "page title bar", "repeated": "repeated across files", "list": "headline/date list",
    "context": "short lines next to boilerplate",
}


# --- corpus profile: in how many files does each normalised line appear -----------------------

def line_key(line: str) -> str:
    return "".join(line.split()).lower()


def line_hash(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


@dataclass
class LineDocFreq:
    """Finalised ``line_df``: hash of normalised line → number of documents containing it (only ≥ 2)."""

    df: dict[int, int]
    n_docs: int

    def get(self, key: str) -> int:
        return self.df.get(line_hash(key), 1) if key else 1


@contributor("line_df")
class LineDocFreqContributor:
    """Counts in how many documents each normalised line (whitespace removed, 2–200 chars) appears.
    Memory is bounded: past ``cap`` distinct lines, lines seen once are dropped (lossy counting:
    a line first met again after a prune is undercounted by one)."""

    max_len = 200
    cap = 2_000_000
    memo_max = 1 << 14  # raw line -> hash (-1: no key) per generation (two generations, ≤ 6 MB): furniture lines repeat

    def __init__(self):
        self._gens: list[dict[str, int]] = [{}, {}]  # new, old (see _memo_put: lines met again move back)

    def collect(self, doc):
        out = set()
        max_len = self.max_len
        gens = self._gens
        get = gens[0].get
        for _s, _e, line in doc.lines():
            h = get(line)
            if h is None:
                h = gens[1].pop(line, None) if gens[1] else None
                if h is None:
                    key = "".join(line.split()).lower()  # line_key
                    h = line_hash(key) if 2 <= len(key) <= max_len else -1
                if len(line) <= 2 * max_len:
                    new = gens[0]
                    if len(new) >= self.memo_max:  # the new generation becomes the old one
                        gens[1] = new
                        new = gens[0] = {}
                        get = new.get
                    new[line] = h
            if h >= 0:
                out.add(h)
        return out

    def merge(self, acc, item):
        if acc is None:
            acc = {}
        for h in item:
            acc[h] = acc.get(h, 0) + 1
        if len(acc) > self.cap:
            acc = {h: c for h, c in acc.items() if c > 1}
        return acc

    def finalize(self, acc, n_docs):
        acc = acc or {}
        for h in [h for h, c in acc.items() if c < 2]:  # pruned in place: no second table
            del acc[h]
        return LineDocFreq(acc, n_docs)


# --- the line classifier ---------------------------------------------------------------------

class Line(NamedTuple):
    """One classified line (a tuple: built in bulk at C speed, read-only once classified)."""

    start: int
    end: int
    text: str
    n: int  # non-whitespace characters
    cls: str = NEAR  # local class before the neighbours decide (bad, good, near, short, weak)
    kind: str | None = None
    boilerplate: bool = False


_new_line = partial(tuple.__new__, Line)


CLASSIFIER_DEFAULTS = {
    "short_chars": 10,       # below: a short line, decided by its neighbours
    "good_chars": 30,        # at least: may be prose
    "long_chars": 120,       # at least: prose whatever its function-character share
    "phrase_max_chars": 80,  # phrases are only looked for in lines up to this long
    "phrase_slack": 20,      # a phrase is strong evidence if the line is at most len(phrase)+slack
    "function_share": 0.12,  # prose: function characters / Han characters at least this
    "repeat_min_docs": 2,    # a line in at least this many files of the corpus is boilerplate evidence
    "repeat_max_share": 0.8,  # … unless most of this document's lines repeat (a duplicate document)
    "list_item_max_chars": 150,
}


def _strong_structure(t: str, lex, n: int, has_digit=None, has_crumb=None, has_alnum=None) -> str | None:
    """Strong structural evidence for line ``t`` (``n`` non-whitespace characters), or None.
    ``has_digit`` / ``has_crumb`` / ``has_alnum`` (does ``t`` hold a ``\\d`` / a breadcrumb
    separator / a ``str.isalnum`` character) may be passed in when already known; otherwise they
    are looked up here (a line with a letter or digit is never punctuation-only)."""
    if has_alnum is not True and _PUNCT_LINE.fullmatch(t) and not _ELLIPSIS_LINE.fullmatch(t):
        return "punctuation"
    if "![" in t and _MD_IMAGE_LINE.fullmatch(t):
        return "image"
    if "](" in t and _MD_LINK_LINE.fullmatch(t):
        return "link"
    if ("http" in t or "www." in t) and _URL_LINE.fullmatch(t):
        return "url"
    if n <= 40 and ((_HAS_DIGIT.search(t) is not None if has_digit is None else has_digit)
                    or "前" in t or "天" in t) and _DATETIME_LINE.fullmatch(t):
        return "timestamp"
    if n <= 60 and t[0] in "[【(（" and _EDITOR_BRACKET.fullmatch(t):
        return "editor"
    if n <= 120:
        if (_CRUMB_CHARS.search(t) is not None if has_crumb is None else has_crumb):
            segs = [s for s in _CRUMB_SPLIT.split(t) if s]
            if len(segs) >= 3 and all(len(s) <= 24 for s in segs) and not _CLAUSE_PUNCT.search(t):
                return "breadcrumb"
            if len(segs) == 2 and (norm_key(segs[0]) in lex.strong_lines or norm_key(segs[1]) in lex.strong_lines) \
                    and len(segs[0]) <= 12 and len(segs[1]) <= 24:
                return "breadcrumb"
        if "|" in t or "｜" in t:
            segs = [s for s in _PIPE_SPLIT.split(t) if s]
            if len(segs) >= 3 and all(len(s) <= 12 for s in segs):
                return "menu"
        toks = t.split() if " " in t or "\u3000" in t or "\xa0" in t else ()
        if len(toks) >= 3:  # a line of menu words: at least 60 % of its tokens are lexicon entries
            strong, weak = lex.strong_lines, lex.weak_lines
            allowed = len(toks) - 0.6 * len(toks)  # misses allowed
            misses = 0
            for tok in toks:
                k = norm_key(tok)
                if not (k and (k in strong or k in weak)):
                    misses += 1
                    if misses > allowed:  # too many already: the rest cannot make 60 %
                        return None
            return "menu"
    return None


def _title_bar(t: str, lex) -> bool:
    m = _TITLE_BAR.fullmatch(t)
    if not m:
        return False
    tail = m.group(2).strip()
    tail = re.split(r"\s*(?:_|\||｜|\s[-–—]\s)\s*", tail)[0]
    return tail.endswith(lex.site_suffixes) and not ends_sentence(t)  # str.endswith takes the tuple


# per-line evidence that depends only on the line's text (and the lexicon and parameters), kept
# across documents: page furniture repeats from page to page, so many short lines are seen before
_MEMO: dict = {}          # (id(lexicon), parameters) -> (lexicon, stage A generations, stage B generations)
_MEMO_MAX = 1 << 14       # entries per generation (≈ 0.45 KB per line with both stages: ≤ 15 MB in all)
_MEMO_MAX_LEN = 200       # longer lines are rarely repeated: not kept


def _memo_put(gens: list, key: str, value) -> None:
    """Store in a two-generation memo ``[new, old]``: when the new table is full it becomes the
    old one (the previous old one is dropped) and a new one starts. Lines met again are moved
    back into the new table (``_memo_old``), so furniture that keeps repeating stays while lines
    seen once age out — emptying one table when full instead dropped the furniture with them
    (on a 6000-page crawl: 122 K stage-A computations instead of 64 K; 51 K with no bound)."""
    new = gens[0]
    if len(new) >= _MEMO_MAX:
        gens[1] = new
        new = gens[0] = {}
    new[key] = value


def _memo_old(gens: list, key: str):
    """The value of ``key`` in the old generation (moved into the new one), or None."""
    v = gens[1].pop(key, None)
    if v is not None:
        _memo_put(gens, key, v)
    return v


def classify_lines(doc, profile, params: dict) -> list[Line]:
    """Every non-blank line of ``doc`` outside its front matter, with ``boilerplate`` decided.

    A line's own evidence is computed once per distinct line text and kept (furniture repeats
    across pages), in two stages: ``_evidence_a`` (counts, flags, strong evidence, ``line_df``
    hash) for every line, ``_evidence_b`` (weak lexicon, phrases, stamps, prose class) only for
    the lines that are neither strong nor repeated in the corpus — as the original decision chain
    stops there. For lines not seen before, the character counts and class flags come from one
    numpy pass over the document (``char_stats``) and a few lookups per line."""
    p = {**CLASSIFIER_DEFAULTS, **{k: v for k, v in params.items() if k in CLASSIFIER_DEFAULTS}}
    lex = boilerplate_lexicon(params)
    mkey = (id(lex), *(p[k] for k in CLASSIFIER_DEFAULTS))
    memo_entry = _MEMO.get(mkey)
    if memo_entry is None or memo_entry[0] is not lex:
        if len(_MEMO) >= 8:
            _MEMO.clear()
        memo_entry = _MEMO[mkey] = (lex, [{}, {}], [{}, {}])
    _lex, gens_a, gens_b = memo_entry

    # the non-blank lines outside the front matter, stripped (list comprehensions and maps: the
    # per-line work of a page whose lines were seen before is mostly these few C-level passes)
    lines = list(doc.lines())
    if doc.front_matter_span:
        fm_end = doc.front_matter_span[1]
        lines = [ln for ln in lines if ln[1] > fm_end]
    texts = [ln[2].strip() for ln in lines]  # the same object when nothing is stripped (CPython)
    if "" in texts:
        lines = [ln for ln, t in zip(lines, texts) if t]
        texts = [t for t in texts if t]
    if not texts:
        return []
    evs = list(map(gens_a[0].get, texts))
    if None in evs:
        miss = []
        for i in [i for i, ev in enumerate(evs) if ev is None]:
            ev = _memo_old(gens_a, texts[i]) if gens_a[1] else None
            if ev is None:
                miss.append(i)
            else:
                evs[i] = ev
        if miss:
            _evidence_a(doc.text, lines, texts, miss, evs, lex)
            for i in miss:
                t = texts[i]
                if len(t) <= _MEMO_MAX_LEN:
                    _memo_put(gens_a, t, evs[i])

    # document-level context (one pass over the lines' evidence): is punctuation present at all
    # (stripped-punctuation text makes "no punctuation" meaningless as a line signal), and is the
    # text hard-wrapped (old pages, plain-text archives: many lines of one width are prose pieces)
    good_chars = p["good_chars"]
    n_long = with_punct = 0
    widths: dict[int, int] = {}
    for ev in evs:
        w = ev[1]
        if w >= good_chars:
            n_long += 1
            if ev[3]:
                with_punct += 1
            widths[w] = widths.get(w, 0) + 1
    punct_doc = with_punct >= 0.3 * n_long if n_long else True
    wrap = 0
    if n_long:
        w, c = max(widths.items(), key=lambda kv: (kv[1], kv[0]))
        around = c + widths.get(w - 1, 0) + widths.get(w + 1, 0)
        if around >= 5 and around >= 0.25 * n_long:
            wrap = w

    ldf = profile.get("line_df") if profile is not None else None
    repeated = None
    if ldf is not None and getattr(ldf, "n_docs", 0) >= p["repeat_min_docs"]:
        repeat_min = p["repeat_min_docs"]
        df = getattr(ldf, "df", None)
        hs = [ev[2] for ev in evs]  # None: no key (too long)
        if isinstance(df, dict):
            repeats = list(map(df.get, hs, repeat(1)))  # a hash is an int: None is never a key
        else:  # another line_df object: ask it by key
            repeats = [ldf.get("".join(t.split()).lower()) if h is not None else 1 for t, h in zip(texts, hs)]
        n_keyed = len(hs) - hs.count(None)
        flags = [r >= repeat_min for r in repeats]
        if repeat_min > 1:  # lines without a key (count 1) are never repeated
            n_rep = flags.count(True)
        else:
            n_rep = sum(1 for h, f in zip(hs, flags) if f and h is not None)
        if not (n_keyed >= 5 and n_rep > p["repeat_max_share"] * n_keyed):
            repeated = flags
        # else: this document is (nearly) a copy of another: its lines are not furniture

    cls: list[str] = []
    kinds: list[str | None] = []
    add_cls, add_kind = cls.append, kinds.append
    get_b = gens_b[0].get

    def stage_b(t, ev):
        b = gens_b[0].get(t) or _memo_old(gens_b, t)  # (the new table may have changed meanwhile)
        if b is None:
            b = _evidence_b(t, ev, lex, p)
            if len(t) <= _MEMO_MAX_LEN:
                _memo_put(gens_b, t, b)
        return b

    reps = repeated if repeated is not None else [False] * len(evs)
    # the common document context (punctuated, not hard-wrapped): past the first three lines (where a
    # page-title bar may stand) a line's class and kind are its stage B's precomputed default
    head = 3 if punct_doc and not wrap else len(evs)
    for i, (ev, rp, t) in enumerate(zip(evs[:head], reps[:head], texts[:head])):
        if ev[0] is not None:
            add_cls(BAD)
            add_kind(ev[0])
            continue
        if rp:
            # evidence, not a verdict: its neighbours decide (a heading such as 参考文献 repeats too)
            add_cls(WEAK)
            add_kind("repeated")
            continue
        b = get_b(t) or stage_b(t, ev)
        if b[0] is not None:
            add_cls(b[0])
            add_kind(b[1])
        elif i < 3 and ev[1] <= 80 and _title_bar(t, lex):
            add_cls(BAD)
            add_kind("title")
        elif not punct_doc:
            add_cls(b[6])
            add_kind(None)
        elif b[2] is not None:
            add_cls(BAD)
            add_kind(b[2])
        else:
            c = b[3]
            if c is None:
                c = GOOD if (wrap and b[5] and abs(ev[1] - wrap) <= 1) else b[4]
            add_cls(c)
            add_kind(None)
    for ev, rp, t in zip(evs[head:], reps[head:], texts[head:]):
        k = ev[0]
        if k is not None:
            add_cls(BAD)
            add_kind(k)
        elif rp:
            add_cls(WEAK)
            add_kind("repeated")
        else:
            d = (get_b(t) or stage_b(t, ev))[7]
            add_cls(d[0])
            add_kind(d[1])

    ns = [ev[1] for ev in evs]
    final = _resolve(cls, kinds, ns, texts, p, punct_doc)
    return list(map(_new_line, zip([ln[0] for ln in lines], [ln[1] for ln in lines], texts, ns, cls, kinds, final)))


def _evidence_a(text: str, lines: list, texts: list, idx: list[int], evs: list, lex) -> None:
    """Fill ``evs[i]`` for the lines ``lines[i]`` (stripped: ``texts[i]``), ``i`` in ``idx``, with the first stage of a
    line's own evidence: its counts and class flags, its strong kind (structure or whole-line
    lexicon, which no document context overrides) and the ``line_df`` hash of its key.

    Counts come from prefix sums over the document (a line over 4000 characters is measured on
    its first 4000) and character-class flags from one OR-reduction per line; the flags skip tests
    that cannot succeed: no ``alnum`` character → maybe punctuation-only; no ``struct`` character,
    digit or URL → ``_strong_structure`` finds nothing; no ``keyx``/``lowx`` character → the line
    is its own ``norm_key``/whitespace-free lowercase key.

    Stage A tuple: (strong kind, n, key hash, punct_any, han, npunct, func, flags, norm key or
    None — also when it holds more Han characters than the longest lexicon key, so that no line
    entry can match —, whitespace-free lowercase key or None, ends_sentence or None)."""
    import numpy as np

    cs = char_stats(text)
    k = len(idx)
    tl = [texts[i] for i in idx]
    # where each stripped text starts: after the leading whitespace of its line
    ts = np.array([ln[0] if t is ln[2] else ln[0] + ln[2].find(t) for ln, t in zip([lines[i] for i in idx], tl)],
                  dtype=np.int64)
    te = ts + np.fromiter(map(len, tl), dtype=np.int64, count=k)
    fset = "set:" + lex.function_set
    ws_c, han_c, clause_c, func_c = cs.span_counts(("ws5", "han", "clause", fset), ts, te)
    n_l = ((te - ts) - ws_c).tolist()
    punct_any_l = (clause_c > 0).tolist()
    flags_l = cs.span_flags(ts, te).tolist()
    se = np.minimum(te, ts + 4000)
    if (se < te).any():  # a line over 4000 characters is measured on its first 4000
        han_c, clause_c, func_c = cs.span_counts(("han", "clause", fset), ts, se)
    han_l, npunct_l, func_l = han_c.tolist(), clause_c.tolist(), func_c.tolist()
    if k <= 48:  # a few lines: ask Python directly (the numpy version costs a dozen calls per document)
        ends_l = [None if t[-1] == ")" else ends_sentence(t) for t in tl]
    else:
        ends_l = _ends_sentence_at(cs.cps, ts, te)

    DEC, CRUMB, ASTRAL = BITS["dec"], BITS["crumb"], BITS["astral"]
    ALNUM, STRUCT, KEYX, LOWX, HANX = BITS["alnum"], BITS["struct"], BITS["keyx"], BITS["lowx"], BITS["hanx"]
    max_key = lex.max_key_len
    strong_get = lex.strong_lines.get
    blake2b, from_bytes = hashlib.blake2b, int.from_bytes
    for j, (i, t) in enumerate(zip(idx, tl)):
        n = n_l[j]
        f = flags_l[j]
        dec = f & DEC != 0
        if n <= 200:  # line_df's key (see line_hash); the phrase search runs on it too
            low = "".join(t.split()).lower() if f & LOWX else t
            h = from_bytes(blake2b(low.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")
        else:
            low = h = None
        if len(t) <= 4000:
            npunct = npunct_l[j]
            han, func = han_l[j], func_l[j]
        else:
            scale = len(t) / 4000
            npunct = npunct_l[j]
            if t[3999] == "." and t[4000].isdecimal():
                npunct += 1  # the sample's last character: no digit follows it inside the sample
            npunct *= scale
            han, func = han_l[j] * scale, func_l[j] * scale
        kind = key = None
        if f & STRUCT or dec or not f & ALNUM or "http" in t or "www." in t:
            has_digit = dec and (not f & ASTRAL or _HAS_DIGIT.search(t) is not None)
            kind = _strong_structure(t, lex, n, has_digit, f & CRUMB != 0, f & ALNUM != 0)
        if kind is None and n <= 60 and (han_l[j] <= max_key or f & HANX):
            # (otherwise the key keeps more Han characters than any lexicon key has: no entry can match;
            # han_l counts the first 4000 characters, a lower bound)
            key = norm_key(t) if f & KEYX else t
            if key:
                kind = strong_get(key)
        evs[i] = (kind, n, h, punct_any_l[j], han, npunct, func, f, key, low, ends_l[j])


def _evidence_b(t: str, a: tuple, lex, p) -> tuple:
    """The second stage of line ``t``'s own evidence (``a``: its stage A), for a line with no
    strong evidence that the corpus does not repeat: the weak-line or phrase verdict, else the
    stamp verdict and its prose class for each document context.

    Stage B tuple: (post cls, post kind, stamp kind, class in a punctuated document decided
    before the hard-wrap test, class after it, fits a hard-wrap width test, class in an
    unpunctuated document, (class, kind) in a punctuated document that is not hard-wrapped
    below its first three lines)."""
    _strong, n, _h, _pa, han, npunct, func, f, key, low, ends = a
    if key:
        kind = lex.weak_lines.get(key)
        if kind is not None:
            return (WEAK, kind, None, None, None, False, None, (WEAK, kind))
    if lex.phrases is not None and n <= p["phrase_max_chars"]:
        compact = t if low is t else "".join(t.split())
        if lex.phrases_lower is not None and not f & BITS["cased"]:
            m = lex.phrases_lower.search(low if low is not None else compact.lower())
        else:
            m = lex.phrases.search(compact)
        if m:
            body = _BULLET.sub("", compact, count=1) if _BULLET.match(compact) else compact
            found = m.group()
            phrase = found.lower()
            kind = lex.phrase_kind.get(phrase, "boilerplate")
            if len(compact) <= len(found) + p["phrase_slack"] or body.lower().startswith(phrase):
                return (BAD, kind, None, None, None, False, None, (BAD, kind))
            if ends is None:
                ends = ends_sentence(t)
            if not ends:  # in a sentence the phrase is just a word
                return (WEAK, kind, None, None, None, False, None, (WEAK, kind))
    if ends is None:
        ends = ends_sentence(t)
    stamp = None  # applies only in a document with punctuation
    if n <= 80 and f & BITS["dec"]:  # both stamp patterns need a digit
        if _stamp_edge(t):  # "[2005-08-06] 某标题", "某标题 08-16 16:31": a list item or a post header
            stamp = "list"
        elif n <= 40 and not ends:
            m = _ANY_STAMP.search(t)
            if m and len(_HAN_RE.findall(t[:m.start()] + t[m.end():])) <= 8:
                stamp = "timestamp"
    # prose or not (a very long line is measured on its first 4000 characters)
    short_chars, good_chars, fshare = p["short_chars"], p["good_chars"], p["function_share"]
    fshare2 = fshare / 2
    share = func / han if han else 0.0
    pre = post = npd = None
    wrap_ok = False
    if n < short_chars:
        pre = npd = SHORT
    elif han < 0.3 * n:  # mostly Latin/digits: prose if it reads as sentences
        pre = npd = GOOD if (n >= good_chars and len(t.split()) >= 6 and npunct >= 1) else NEAR
    else:
        npd = GOOD if n >= good_chars and share >= fshare else NEAR  # a document without punctuation
        if n >= p["long_chars"] and npunct >= 2:
            pre = GOOD
        else:
            wrap_ok = npunct >= 1 and han >= 0.5 * n  # a piece of a hard-wrapped paragraph if its width fits
            if n >= good_chars and ends and share >= fshare:
                post = GOOD
            elif ends and share >= fshare2 and han >= short_chars:
                post = GOOD  # a short sentence (a line of verse, a one-line paragraph)
            elif not ends and (npunct == 0 and share < fshare2 or n < good_chars):
                post = WEAK  # headline-like: no closing punctuation, short or few function characters
            else:
                post = NEAR
    default = (BAD, stamp) if stamp is not None else (pre if pre is not None else post, None)
    return (None, None, stamp, pre, post, wrap_ok, npd, default)


@lru_cache(maxsize=1)
def _sentence_final_table():
    import numpy as np

    fin = np.zeros(0x10001, dtype=np.uint8)  # 1: ends a sentence; 2: a closing bracket (look one back)
    for c in _SENT_FINAL | {"."}:
        fin[ord(c)] = 1
    fin[ord("）")] = 2
    return fin


def _ends_sentence_at(cps, ts, te) -> list:
    """``ends_sentence`` of the stripped lines ``text[ts[i]:te[i]]`` (code points ``cps``) read
    from their last two characters at once; None for a line ending with ``)``, which may carry
    a reading annotation (``各(ge)``): the caller asks ``ends_sentence`` for those."""
    import numpy as np

    fin = _sentence_final_table()
    last = cps[te - 1]
    prev = cps[np.maximum(te - 2, ts)]
    code = fin[np.minimum(last, 0x10000)]
    prev_final = (fin[np.minimum(prev, 0x10000)] == 1) & (prev != 46) & (te - ts > 1)  # _SENT_FINAL has no "."
    ends = (code == 1) | ((code == 2) & prev_final)
    out = ends.tolist()
    for k in np.flatnonzero(last == 41).tolist():  # ")"
        out[k] = None
    return out


_CODE = {BAD: "B", GOOD: "G", NEAR: "N", SHORT: "S", WEAK: "W"}
_RAIL_CANDIDATE = re.compile(r"(?<=B)[GN](?=B)")  # a prose/unclear line between two boilerplate lines
_UNDECIDED_RUN = re.compile(r"[SWN]+")
_RAIL_KINDS = frozenset(("timestamp", "related", "link", "url"))


def _resolve(cls: list[str], kinds: list, ns: list[int], texts: list[str], p: dict, punct_doc: bool = True) -> list[bool]:
    """Decide the unclear lines from their neighbours: is each line boilerplate. ``cls`` (local
    classes) and ``kinds`` are updated in place (headline/date rail items become BAD ``list``
    lines; boilerplate lines without a kind get ``context``).

    Works on a string of one-letter class codes: the unclear lines come in runs between decided
    lines (or the document's edges, which count as boilerplate), and a run whose two sides agree
    takes their class at once; only runs between prose and boilerplate are looked at line by line."""
    n = len(cls)
    code = "".join(map(_CODE.__getitem__, cls))
    # a one-sentence item between two timestamps (or a rail header and a timestamp): a headline/date rail
    max_item = p["list_item_max_chars"]
    lists = []
    for m in _RAIL_CANDIDATE.finditer(code):
        i = m.start()
        if ns[i] <= max_item:
            ka, kb = kinds[i - 1], kinds[i + 1]
            if (ka == "timestamp" or kb == "timestamp") and ka in _RAIL_KINDS and kb in _RAIL_KINDS:
                t = texts[i]
                if t.count("。") + t.count("！") + t.count("？") <= 1:  # one sentence at most
                    lists.append(i)
    if lists:
        chars = list(code)
        for i in lists:
            kinds[i] = "list"
            cls[i] = BAD
            chars[i] = "B"
        code = "".join(chars)

    if "G" not in code:
        # no prose anchor at all (a poem, a list page, a very short text): only strong evidence counts
        return list(map("B".__eq__, code))

    final = list(code)
    long_chars = p["long_chars"]
    for m in _UNDECIDED_RUN.finditer(code):
        s, e = m.span()
        a = code[s - 1] if s else "B"  # nearest decided line on each side; the edges count as boilerplate
        b = code[e] if e < n else "B"
        if a == b:
            final[s:e] = a * (e - s)
            continue
        first_near, last_near = code.find("N", s, e), code.rfind("N", s, e)
        for i in range(s, e):
            c = code[i]
            if c == "W":
                final[i] = "B"
            elif c == "S":  # is the nearest non-short line on the boilerplate side a NEAR one
                near_left = first_near != -1 and first_near < i
                near_right = last_near > i
                final[i] = "G" if (a == "B" and near_left) or (b == "B" and near_right) else "B"
            else:  # NEAR at the edge of a boilerplate block: only a line that ends like a sentence stays
                t = texts[i]
                prose = ends_sentence(t) or "。" in t or "！" in t or "？" in t
                final[i] = "G" if (prose or not punct_doc or ns[i] >= long_chars) else "B"
    # a clean article starts with its title: a first line followed directly by prose is content
    if n > 1 and code[0] in "SWN" and code[1] == "G" and (kinds[0] is None or ns[0] >= 15):
        final[0] = "G"
    out = list(map("B".__eq__, final))
    for i in compress(range(n), out):  # boilerplate lines without a kind of their own
        if kinds[i] is None:
            kinds[i] = "context"
    return out


_CACHE: dict = {}


def cached_lines(doc, profile, params) -> list[Line]:
    """The classification of ``doc`` (computed once per document even when several rules ask)."""
    key = (id(doc), hash(doc.text), id(profile),  # str hashes are cached by Python: cheap
           tuple(sorted((k, params[k]) for k in CLASSIFIER_DEFAULTS if k in params)), params.get("_lexicons"))
    hit = _CACHE.get("key")
    if hit is not None and hit[0] == key:
        return hit[1]
    lines = classify_lines(doc, profile, params)
    _CACHE["key"] = (key, lines)
    return lines


def _message(kinds: list[str], count: int) -> str:
    seen: list[str] = []
    for k in kinds:
        name = KIND_NAMES.get(k, k)
        if name not in seen:
            seen.append(name)
    shown = ", ".join(seen[:5]) + (", …" if len(seen) > 5 else "")
    return f"boilerplate ({shown}): {count} line{'s' if count > 1 else ''}"


# --- detectors -----------------------------------------------------------------------------------

def line_bounds(doc):
    """numpy arrays of the (start, end) of every line of ``doc`` (as ``doc.lines()`` gives them)."""
    import numpy as np

    n = len(doc.text)
    starts = np.asarray(doc.line_starts, dtype=np.int64)
    ends = np.empty_like(starts)
    ends[:-1] = starts[1:] - 1
    ends[-1] = n
    if len(starts) > 1 and starts[-1] == n:  # doc.lines() stops before an empty last line
        starts, ends = starts[:-1], ends[:-1]
    return starts, ends


def merge_line_blocks(doc, is_match, kind: str, min_lines: int = 1):
    """Consecutive matching lines → one Hit each block (blank lines don't break a block;
    front matter is BP04's)."""
    start = end = None
    count = 0
    fm_end = doc.front_matter_span[1] if doc.front_matter_span else 0
    for s, e, line in doc.lines():
        if not line.strip() or e <= fm_end:
            continue
        if is_match(line):
            if start is None:
                start, count = s, 0
            end, count = e, count + 1
        elif start is not None:
            if count >= min_lines:
                yield Hit(start, end, f"{kind}: {count} line{'s' if count > 1 else ''}", suggestion="")
            start = None
    if start is not None and count >= min_lines:
        yield Hit(start, end, f"{kind}: {count} line{'s' if count > 1 else ''}", suggestion="")


@detector("punctuation_lines")
def punctuation_lines(doc, profile, params):
    """Only lines without a letter or digit (no ``alnum`` class bit, from one numpy reduction over
    the document's lines) can be punctuation-only: the others are not looked at. A line with a
    letter or digit is neither blank nor a match, so it ends a block: two candidate lines are in
    one block only when they are neighbours (blank lines are candidates too, and are skipped)."""
    import numpy as np

    min_chars = int(params["min_chars"])

    def match(line: str) -> bool:
        t = line.strip()
        return (_PUNCT_LINE.fullmatch(line) is not None and len(t) >= min_chars
                and not _ELLIPSIS_LINE.fullmatch(t))

    lines = list(doc.lines())
    if not lines:
        return
    starts, ends = line_bounds(doc)
    # an empty line's span reads the character after it (its newline) or a 0: no alnum bit either way
    flags = char_stats(doc.text).span_flags(starts, ends)
    cand = np.flatnonzero((flags & BITS["alnum"]) == 0).tolist()
    if not cand:
        return
    fm_end = doc.front_matter_span[1] if doc.front_matter_span else 0
    kind = "punctuation-only line"
    start = end = None
    count = 0
    prev = -2
    for i in cand:
        s, e, line = lines[i]
        if start is not None and i != prev + 1:  # a line with a letter or digit came between
            if count >= 1:
                yield Hit(start, end, f"{kind}: {count} line{'s' if count > 1 else ''}", suggestion="")
            start = None
        prev = i
        if not line.strip() or e <= fm_end:
            continue
        if match(line):
            if start is None:
                start, count = s, 0
            end, count = e, count + 1
        elif start is not None:
            yield Hit(start, end, f"{kind}: {count} line{'s' if count > 1 else ''}", suggestion="")
            start = None
    if start is not None:
        yield Hit(start, end, f"{kind}: {count} line{'s' if count > 1 else ''}", suggestion="")


punctuation_lines.param_defaults = {"min_chars": 1}


@detector("markdown_images")
def markdown_images(doc, profile, params):
    if "![" not in doc.text:
        return
    yield from merge_line_blocks(doc, lambda line: _MD_IMAGE_LINE.fullmatch(line) is not None, "Markdown image line")


markdown_images.param_defaults = {}

# kinds that BP01/BP02 report themselves
_OWN_RULE_KINDS = {"punctuation", "image"}


@detector("boilerplate_lines")
def boilerplate_lines(doc, profile, params):
    lines = cached_lines(doc, profile, params)
    skip = set(params.get("skip_kinds") or ())
    block: list[Line] = []

    def flush():
        parts = [(ln.start, ln.end) for ln in block if ln.kind not in skip]
        if parts:
            kinds = [ln.kind for ln in block if ln.kind not in skip]
            yield Hit(block[0].start, block[-1].end, _message(kinds, len(parts)), suggestion="",
                      parts=parts if len(parts) < len(block) else None,
                      evidence={"lines": len(parts), "kinds": sorted(set(kinds))})

    for ln in lines:
        if ln.boilerplate:
            block.append(ln)
        elif block:
            yield from flush()
            block = []
    if block:
        yield from flush()


boilerplate_lines.param_defaults = {**CLASSIFIER_DEFAULTS, "skip_kinds": sorted(_OWN_RULE_KINDS)}


def _validate_classifier(params):
    for k in ("short_chars", "good_chars", "long_chars", "phrase_max_chars", "repeat_min_docs"):
        if int(params[k]) < 0:
            raise ValueError(f"{k} must be ≥ 0")
    if not params["short_chars"] <= params["good_chars"] <= params["long_chars"]:
        raise ValueError("need short_chars ≤ good_chars ≤ long_chars")
    if not 0 <= float(params["function_share"]) <= 1:
        raise ValueError("function_share must be within 0..1")


boilerplate_lines.validate_params = _validate_classifier


@detector("front_matter")
def front_matter(doc, profile, params):
    span = doc.front_matter_span
    if not span or span[1] <= span[0]:
        return
    keys = ", ".join(sorted(doc.metadata)[:8]) or "no keys"
    yield Hit(span[0], span[1], f"front matter ({keys}): metadata, not content (kept in the report's metadata)",
              suggestion="", evidence={"keys": sorted(doc.metadata)})


front_matter.param_defaults = {}


def boilerplate_line_labels(doc, profile, params) -> list[tuple[int, int, bool, str | None]]:
    """(start, end, is_boilerplate, kind) for every non-blank line (evaluation and other families)."""
    return [(ln.start, ln.end, ln.boilerplate, ln.kind) for ln in cached_lines(doc, profile, params)]
