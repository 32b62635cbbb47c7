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
  Per-document cost is linear in the number of lines; per-line character counts come from one
  numpy pass over the document (``char_stats``), the lexicons are one dict and one prefix-trie
  regex; Traditional variants of the entries are added at load time (OpenCC).
Known false positives: a page title or dateline above the article; a poem or list page with no
prose line at all is left to strong evidence only; forum replies below the post look like a tail.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from ..model import Hit
from ..profile import contributor
from ..resources.boilerplate import boilerplate_lexicon, char_stats, norm_key
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

    def collect(self, doc):
        out = set()
        max_len = self.max_len
        for _s, _e, line in doc.lines():
            key = "".join(line.split()).lower()  # line_key
            if 2 <= len(key) <= max_len:
                out.add(line_hash(key))
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

@dataclass(slots=True)
class Line:
    start: int
    end: int
    text: str
    n: int  # non-whitespace characters
    cls: str = NEAR
    kind: str | None = None
    boilerplate: bool = False


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


def _strong_structure(t: str, lex, n: int, has_digit=None, has_crumb=None) -> str | None:
    """Strong structural evidence for line ``t`` (``n`` non-whitespace characters), or None.
    ``has_digit`` / ``has_crumb`` (does ``t`` hold a ``\\d`` / a breadcrumb separator) may be
    passed in when already known; otherwise they are looked up here."""
    if _PUNCT_LINE.fullmatch(t) and not _ELLIPSIS_LINE.fullmatch(t):
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
        if len(toks) >= 3:
            hits = sum(1 for tok in toks if (k := norm_key(tok)) and (k in lex.strong_lines or k in lex.weak_lines))
            if hits >= 0.6 * len(toks):
                return "menu"
    return None


def _title_bar(t: str, lex) -> bool:
    m = _TITLE_BAR.fullmatch(t)
    if not m:
        return False
    tail = m.group(2).strip()
    tail = re.split(r"\s*(?:_|\||｜|\s[-–—]\s)\s*", tail)[0]
    return any(tail.endswith(s) for s in lex.site_suffixes) and not ends_sentence(t)


def classify_lines(doc, profile, params: dict) -> list[Line]:
    """Every non-blank line of ``doc`` outside its front matter, with ``boilerplate`` decided.

    Character counts per line (non-whitespace, Han, clause marks, function characters, digits,
    breadcrumb marks) come from one numpy pass over the document (``char_stats``) and two prefix-sum
    lookups per line, instead of a regex call per line and class."""
    import numpy as np

    p = {**CLASSIFIER_DEFAULTS, **{k: v for k, v in params.items() if k in CLASSIFIER_DEFAULTS}}
    lex = boilerplate_lexicon(params)
    fm_end = doc.front_matter_span[1] if doc.front_matter_span else 0
    text = doc.text
    raw: list[tuple[int, int, str, int]] = []  # (start, end, stripped text, offset of the stripped text)
    for s, e, line in doc.lines():
        if e <= fm_end:
            continue
        lead = line.lstrip()
        if lead:
            raw.append((s, e, lead.rstrip(), s + len(line) - len(lead)))
    if not raw:
        return []

    # per-line counts from prefix sums (the first 4000 characters of a very long line are its sample)
    cs = char_stats(text)
    ts = np.fromiter((r[3] for r in raw), dtype=np.int64, count=len(raw))
    te = ts + np.fromiter((len(r[2]) for r in raw), dtype=np.int64, count=len(raw))
    func = "set:" + lex.function_set
    ws_c, han_c, clause_c, func_c, dec_c, crumb_c, cased_c, ast_c = cs.span_counts(
        ("ws5", "han", "clause", func, "dec", "crumb", "cased", "astral"), ts, te)
    n_l = ((te - ts) - ws_c).tolist()
    punct_any_l = (clause_c > 0).tolist()
    dec_l, crumb_l, cased_l, ast_l = (dec_c > 0).tolist(), (crumb_c > 0).tolist(), (cased_c > 0).tolist(), (ast_c > 0).tolist()
    se = np.minimum(te, ts + 4000)
    if (se < te).any():  # a line over 4000 characters is measured on its first 4000
        han_c, clause_c, func_c = cs.span_counts(("han", "clause", func), ts, se)
    han_l, npunct_l, func_l = han_c.tolist(), clause_c.tolist(), func_c.tolist()
    lines = [Line(s, e, t, n) for (s, e, t, _o), n in zip(raw, n_l)]

    # document-level context: is punctuation present at all (stripped-punctuation text makes
    # "no punctuation" meaningless as a line signal)
    long_idx = [i for i, ln in enumerate(lines) if ln.n >= p["good_chars"]]
    punct_doc = True
    if long_idx:
        with_punct = sum(1 for i in long_idx if punct_any_l[i])
        punct_doc = with_punct >= 0.3 * len(long_idx)

    # hard-wrapped text (old pages, plain-text archives): many lines of one width are prose pieces
    widths: dict[int, int] = {}
    for i in long_idx:
        widths[n_l[i]] = widths.get(n_l[i], 0) + 1
    wrap = 0
    if widths:
        w, c = max(widths.items(), key=lambda kv: (kv[1], kv[0]))
        around = c + widths.get(w - 1, 0) + widths.get(w + 1, 0)
        if around >= 5 and around >= 0.25 * len(long_idx):
            wrap = w

    # whitespace-free lowercased lines (line_df's key; the phrase search runs on them too)
    lows: list[str | None] = [("".join(ln.text.split()).lower() if ln.n <= 200 else None) for ln in lines]

    ldf = profile.get("line_df") if profile is not None else None
    use_repeat = ldf is not None and getattr(ldf, "n_docs", 0) >= p["repeat_min_docs"]
    repeats: list[int] = []
    if use_repeat:
        repeats = [ldf.get(k) if k is not None else 1 for k in lows]
        short_enough = [r for k, r in zip(lows, repeats) if k is not None]
        if len(short_enough) >= 5 and sum(1 for r in short_enough if r >= p["repeat_min_docs"]) > p["repeat_max_share"] * len(short_enough):
            use_repeat = False  # this document is (nearly) a copy of another: its lines are not furniture

    phrases, phrases_lower = lex.phrases, lex.phrases_lower
    strong_lines, weak_lines = lex.strong_lines, lex.weak_lines
    repeat_min, phrase_max = p["repeat_min_docs"], p["phrase_max_chars"]
    short_chars, good_chars, long_chars = p["short_chars"], p["good_chars"], p["long_chars"]
    fshare, fshare2 = p["function_share"], p["function_share"] / 2
    for i, ln in enumerate(lines):
        t = ln.text
        n = ln.n
        has_digit = dec_l[i] and (not ast_l[i] or _HAS_DIGIT.search(t) is not None)
        kind = _strong_structure(t, lex, n, has_digit, crumb_l[i])
        if kind:
            ln.cls, ln.kind = BAD, kind
            continue
        key = norm_key(t) if n <= 60 else ""
        if key in strong_lines:
            ln.cls, ln.kind = BAD, strong_lines[key]
            continue
        if use_repeat and repeats[i] >= repeat_min:
            # evidence, not a verdict: its neighbours decide (a heading such as 参考文献 repeats too)
            ln.cls, ln.kind = WEAK, "repeated"
            continue
        if key in weak_lines:
            ln.cls, ln.kind = WEAK, weak_lines[key]
            continue
        if phrases is not None and n <= phrase_max:
            compact = "".join(t.split())
            if phrases_lower is not None and not cased_l[i]:
                low = lows[i] if lows[i] is not None else compact.lower()
                m = phrases_lower.search(low)  # no cased non-ASCII: the same match as the re.I pattern
            else:
                m = phrases.search(compact)
            if m:
                body = _BULLET.sub("", compact, count=1) if _BULLET.match(compact) else compact
                found = m.group()
                phrase = found.lower()
                k = lex.phrase_kind.get(phrase, "boilerplate")
                if len(compact) <= len(found) + p["phrase_slack"] or body.lower().startswith(phrase):
                    ln.cls, ln.kind = BAD, k
                    continue
                if not ends_sentence(t):  # in a sentence the phrase is just a word
                    ln.cls, ln.kind = WEAK, k
                    continue
        if i < 3 and n <= 80 and _title_bar(t, lex):
            ln.cls, ln.kind = BAD, "title"
            continue
        ends = ends_sentence(t)
        if n <= 80 and punct_doc and dec_l[i]:  # both stamp patterns need a digit
            m = _STAMP_EDGE.search(t)
            if m:  # "[2005-08-06] 某标题", "某标题 08-16 16:31": a list item or a post header
                ln.cls, ln.kind = BAD, "list"
                continue
            if n <= 40 and not ends:
                m = _ANY_STAMP.search(t)
                if m and len(_HAN_RE.findall(t[:m.start()] + t[m.end():])) <= 8:
                    ln.cls, ln.kind = BAD, "timestamp"
                    continue
        # prose or not (a very long line is measured on its first 4000 characters)
        if len(t) <= 4000:
            scale = 1.0
            npunct = float(npunct_l[i])
        else:
            scale = len(t) / 4000
            npunct = npunct_l[i]
            if t[3999] == "." and t[4000].isdecimal():
                npunct += 1  # the sample's last character: no digit follows it inside the sample
            npunct *= scale
        han = han_l[i] * scale
        func = func_l[i] * scale
        share = func / han if han else 0.0
        if n < short_chars:
            ln.cls = SHORT
        elif han < 0.3 * n:  # mostly Latin/digits: prose if it reads as sentences
            words = len(t.split())
            ln.cls = GOOD if (n >= good_chars and words >= 6 and npunct >= 1) else NEAR
        elif not punct_doc:
            ln.cls = GOOD if n >= good_chars and share >= fshare else NEAR
        elif n >= long_chars and npunct >= 2:
            ln.cls = GOOD
        elif wrap and abs(n - wrap) <= 1 and npunct >= 1 and han >= 0.5 * n:
            ln.cls = GOOD  # a piece of a hard-wrapped paragraph
        elif n >= good_chars and ends and share >= fshare:
            ln.cls = GOOD
        elif ends and share >= fshare2 and han >= short_chars:
            ln.cls = GOOD  # a short sentence (a line of verse, a one-line paragraph)
        elif not ends and (npunct == 0 and share < fshare2 or n < good_chars):
            ln.cls = WEAK  # headline-like: no closing punctuation, short or few function characters
        else:
            ln.cls = NEAR

    _resolve(lines, p, punct_doc)
    return lines


def _resolve(lines: list[Line], p: dict, punct_doc: bool = True) -> None:
    n = len(lines)
    cls = [ln.cls for ln in lines]
    # a one-sentence item between two timestamps (or a rail header and a timestamp): a headline/date rail
    max_item = p["list_item_max_chars"]
    for i in range(1, n - 1):
        if cls[i - 1] == BAD and cls[i + 1] == BAD and cls[i] in (GOOD, NEAR) and lines[i].n <= max_item:
            t = lines[i].text
            a, b = lines[i - 1], lines[i + 1]
            if t.count("。") + t.count("！") + t.count("？") <= 1 and "timestamp" in (a.kind, b.kind) \
                    and {a.kind, b.kind} <= {"timestamp", "related", "link", "url"}:  # one sentence at most
                lines[i].kind = "list"
    for ln in lines:
        if ln.kind == "list":
            ln.cls = BAD
    cls = [ln.cls for ln in lines]

    has_good = GOOD in cls
    if not has_good:
        # no prose anchor at all (a poem, a list page, a very short text): only strong evidence counts
        for ln in lines:
            ln.boilerplate = ln.cls == BAD
        return

    # nearest GOOD/BAD on each side (document edges count as BAD), skipping SHORT/WEAK/NEAR
    prev_dec = [BAD] * n
    last = BAD
    last_near_adjacent = [False] * n  # is the nearest non-short line on the left a NEAR one
    last_any = None
    for i in range(n):
        prev_dec[i] = last
        last_near_adjacent[i] = last_any == NEAR
        if cls[i] in (GOOD, BAD):
            last = cls[i]
        if cls[i] not in (SHORT, WEAK):
            last_any = cls[i]
    next_dec = [BAD] * n
    next_near_adjacent = [False] * n
    last, last_any = BAD, None
    for i in range(n - 1, -1, -1):
        next_dec[i] = last
        next_near_adjacent[i] = last_any == NEAR
        if cls[i] in (GOOD, BAD):
            last = cls[i]
        if cls[i] not in (SHORT, WEAK):
            last_any = cls[i]

    final = list(cls)
    for i, c in enumerate(cls):
        if c in (SHORT, WEAK):
            a, b = prev_dec[i], next_dec[i]
            if a == GOOD and b == GOOD:
                final[i] = GOOD
            elif a == BAD and b == BAD:
                final[i] = BAD
            elif c == WEAK:
                final[i] = BAD
            elif (a == BAD and last_near_adjacent[i]) or (b == BAD and next_near_adjacent[i]):
                final[i] = GOOD
            else:
                final[i] = BAD
    for i, c in enumerate(cls):
        if c == NEAR:
            a, b = prev_dec[i], next_dec[i]
            if a == BAD and b == BAD:
                final[i] = BAD
            elif a == GOOD and b == GOOD:
                final[i] = GOOD
            else:  # at the edge of a boilerplate block: only a line that ends like a sentence stays
                ln = lines[i]
                prose = ends_sentence(ln.text) or "。" in ln.text or "！" in ln.text or "？" in ln.text
                final[i] = GOOD if (prose or not punct_doc or ln.n >= p["long_chars"]) else BAD
    # a clean article starts with its title: a first line followed directly by prose is content
    if n > 1 and cls[0] in (SHORT, WEAK, NEAR) and cls[1] == GOOD and (lines[0].kind is None or lines[0].n >= 15):
        final[0] = GOOD
    for ln, f in zip(lines, final):
        ln.boilerplate = f == BAD
        if ln.boilerplate and ln.kind is None:
            ln.kind = "context"


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
    def match(line: str) -> bool:
        t = line.strip()
        return (_PUNCT_LINE.fullmatch(line) is not None and len(t) >= int(params["min_chars"])
                and not _ELLIPSIS_LINE.fullmatch(t))

    yield from merge_line_blocks(doc, match, "punctuation-only line")


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
