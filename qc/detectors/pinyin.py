"""Pinyin in Chinese text (family ``pinyin``): per-character annotations and text rendered as pinyin.

Catches:
- ``pinyin_annotations``: a Han character (or punctuation) followed by its reading in parentheses,
  half- or full-width, as ruby text flattened by a scraper or a learner-site converter:
  ``網(wǎng)``, ``脑(nao)``, ``梗（gěng）``, ``會(huì )``, ``,(,)`` inside an annotated passage, and
  word glosses ``脑梗(nǎo gěng)``. One finding per annotated stretch of a line; ``parts`` are the
  exact glosses, ``suggestion`` is the stretch with the glosses removed.
- ``pinyin_text_block``: Latin text that is Chinese written in pinyin, in one of three styles
  (one rule each): run together without tones (``naogeng,youchengnaogengsai``), spaced toneless
  (``nao geng you cheng``, also ``Nao Geng`` / ``NAO GENG``), tone-marked or tone-numbered
  (``nǎo gěng``, ``nao3 geng3``).
Severity escalates with the share of the document's non-space characters that are pinyin.

How: a gloss must be a string of valid syllables (the complete table derived from pypinyin,
``rules/lexicons/pinyin-syllables.txt``) and, for a stretch to be flagged, at least one gloss must
be a reading of the character(s) before it (pypinyin's character readings). Latin words are
segmented into syllables by dynamic programming; consecutive segmentable words (joined only by
spaces and punctuation) form a candidate block, which is flagged when its pinyin evidence reaches
``min_syllables``: lowercase and tone-marked syllables count in full, a Capitalised single syllable
or an ALL-CAPS word counts half, a Capitalised multi-syllable word (``Wuzhen``, ``Huawei``,
``Xi'an``) counts nothing (a name), and English words that happen to segment (``he``, ``long``,
``change``, ``men``; ``rules/lexicons/english-pinyinlike.txt``) count nothing and must not make up
more than ``max_english_share`` of the block's words. URLs, e-mail addresses, file names, code
(words glued by ``. / _ @ = #``…), camelCase, hex and base64 are never words of a block.
Text with no ASCII letter (or no parenthesis, for annotations) is skipped by a one-pass pre-check;
words with a consonant pair no pinyin has (th, st, ck: most English) are skipped inside the regex.

Known false positives: a long list of Chinese names or places written in lowercase pinyin; a
romanised song lyric or slogan that is meant to be read as pinyin (it is still pinyin).
Known misses: Wade–Giles and Zhuyin (bopomofo); pinyin blocks shorter than ``min_syllables``;
annotations whose readings match none of the characters (e.g. all in another romanisation).
"""
from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from ..model import Hit
from ..resources import pinyin_tables as pt
from . import detector

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_LAT = "A-Za-z" + pt.TONE_MARKED + "üÜ"
_HAS_LATIN = re.compile(f"[{_LAT}]")


@lru_cache(maxsize=4)
def _has_ascii_letter(text: str) -> bool:
    """The pre-check: pinyin of any length has ASCII letters. Dropping non-ASCII characters in C and
    comparing cases is several times faster than a regex search over Chinese text."""
    b = text.encode("ascii", "ignore")
    return b.upper() != b.lower()


# A candidate word: letters, apostrophes between letters, single tone digits 0-5 (not part of a
# number). Pinyin syllables end in a vowel, n, ng or r, and only zh ch sh begin with two consonants, so two
# consonants in a row are impossible unless the first is n, g or r or the pair is zh/ch/sh ("lv" is
# lü, a vowel). A word containing such a pair (the, st, ck, ll: most English words) is never a candidate:
# the regex skips it in C, and the gap check between candidates treats it as a breaker.
_IMPOSSIBLE_PAIR = r"(?i:[bdfhjklmpqtwxy][bcdfghjklmnpqrstwxyz]|[csz][bcdfgjklmnpqrstwxyz])"
# (starts with a character class so the regex engine's fast prefix scan skips Chinese text; the
# word start and the first pair are then checked by lookbehinds)
_FIRST_PAIR = r"(?i:(?<=[bdfhjklmpqtwxy])[bcdfghjklmnpqrstwxyz]|(?<=[csz])[bcdfgjklmnpqrstwxyz])"
_CANDIDATE = re.compile(
    rf"[{_LAT}](?<![{_LAT}'’].)(?!{_FIRST_PAIR})(?![{_LAT}'’0-5]*?{_IMPOSSIBLE_PAIR})"
    rf"(?:[{_LAT}]|['’](?=[{_LAT}])|[0-5](?![0-9]))*")
_DIGIT = re.compile(r"[0-9]")
_APOSTROPHE = re.compile(r"['’]")
_GLOSS_LETTERS = re.compile(r"[a-zü'’]+")
_LETTER_RUN = re.compile(rf"[{_LAT}'’]+")
# what may stand between two words of one pinyin block: spaces and punctuation, no digits or Han
_GAP_OK = re.compile(r"[ \t\u3000\r\n,.;:!?\"'()\[\]—–\-、，。；：！？“”‘’（）《》〈〉…·]*")
# URLs and e-mail addresses: their words are never pinyin
_URLISH = re.compile(
    r"(?:(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{0,15}://|www\.)[^\s\u3000-\u303f\uff00-\uffef" + HAN + r"]*"
    r"|(?<![\w.+-])[\w.+-]{1,64}@[\w-]+(?:\.[\w-]+)+", re.ASCII)  # bounded: no quadratic scans
# a word glued to another by one of these is code, a path, a file or a domain name
_GLUE = set("/\\@_.=#&%$+~`<>{}[]|*^-")
_SYL_PART = re.compile(r"([^0-9]+)([0-5]?)")
_CJK_TO_ASCII = str.maketrans("，。、；：！？（）", ",.,;:!?()")

_ANNOT = re.compile(r"[(（]([^()（）\n]{1,40})[)）]")
_PUNCT_BASE = set(",.;:!?、，。；：！？“”‘’…·—")

BLOCK_STYLES = ("run-together", "spaced", "toned")


class Word(NamedTuple):
    start: int
    end: int
    kind: str  # "py" | "en" | "other"
    syllables: int
    weight: float
    toned: bool
    letters: int = 0
    logprob: float = 0.0
    title_syllable: bool = False  # a Capitalised single toneless syllable: "Nao", "Li"


class Block(NamedTuple):
    start: int
    end: int
    style: str
    syllables: int
    words: int
    english: int
    weight: float


class Annotation(NamedTuple):
    base_start: int
    gloss_start: int
    gloss_end: int
    kind: str  # "strong" (a reading of its character), "weak" (valid syllables), "punct"
    toned: bool


class Stretch(NamedTuple):
    start: int
    end: int
    parts: tuple[tuple[int, int], ...]
    strong: int


# ---------------------------------------------------------------- segmentation

_UNSEEN_LOGPROB = -7.0


def _segment(word: str, table: frozenset[str], logprob: dict[str, float]) -> tuple[int, float]:
    """The most probable full segmentation of lowercase ``word`` into syllables (apostrophes split):
    (number of syllables, summed log10 frequency); (0, 0.0) if it does not segment."""
    total_n = 0
    total_lp = 0.0
    for piece in _APOSTROPHE.split(word) if "'" in word or "’" in word else (word,):
        n = len(piece)
        if not n:
            return 0, 0.0
        best: list[tuple[float, int] | None] = [(0.0, 0)] + [None] * n
        last_reached = 0
        for i in range(1, n + 1):
            if i - last_reached > 6:  # no syllable can bridge the gap: fail fast
                return 0, 0.0
            for k in range(1, min(6, i) + 1):
                prev = best[i - k]
                if prev is None:
                    continue
                syl = piece[i - k:i]
                if syl in table:
                    cand = (prev[0] + logprob.get(syl, _UNSEEN_LOGPROB), prev[1] + 1)
                    if best[i] is None or cand[0] > best[i][0]:
                        best[i] = cand
                        last_reached = i
        if best[n] is None:
            return 0, 0.0
        total_lp += best[n][0]
        total_n += best[n][1]
    return total_n, total_lp


_OTHER = ("other", 0, 0.0, False, 0.0)


class Tables(NamedTuple):
    syllables: frozenset[str]  # every syllable
    segmenting: frozenset[str]  # syllables used to segment words
    logprob: dict[str, float]
    english: frozenset[str]


@lru_cache(maxsize=8)
def _tables(lexdirs: str) -> Tables:
    params = {"_lexicons": lexdirs}
    return Tables(pt.syllables(params), pt.segmenting_syllables(params), pt.syllable_logprob(params),
                  pt.english_words(params))


def _classify(token: str, lexdirs: str) -> tuple[str, int, float, bool, float]:
    # short words repeat and are cached; long ones (run-together sentences) are unique
    return _classify_cached(token, lexdirs) if len(token) <= 40 else _classify_word(token, lexdirs)


def _classify_word(token: str, lexdirs: str) -> tuple[str, int, float, bool, float]:
    """(kind, syllables, weight, toned, summed syllable log-frequency) of one Latin word."""
    tables = _tables(lexdirs)
    base, n_marks = pt.strip_tones(token)
    letters = re.sub(r"[0-9'’]", "", base)
    if not letters:
        return _OTHER
    if letters.islower():
        case = "lower"
    elif letters.isupper():
        case = "upper"
    elif letters[0].isupper() and letters[1:].islower():
        case = "title"
    else:
        return _OTHER  # camelCase, base64
    low = base.lower()
    table = tables.segmenting
    logprob = tables.logprob
    has_digits = any(c.isdigit() for c in low)
    if has_digits:  # tone numbers: every digit 0-5 closes a syllable group
        parts = _SYL_PART.findall(low)
        if "".join(a + b for a, b in parts) != low or not parts[0][1]:
            return _OTHER
        n = 0
        lp = 0.0
        for letters_part, digit in parts:
            k, klp = _segment(letters_part, table, logprob)
            if not k:
                return _OTHER
            n += k
            lp += klp
        if n > 2 * sum(1 for _, d in parts if d):  # tone digits must be on most syllables
            return _OTHER
    else:
        n, lp = _segment(low, table, logprob)
        if not n:
            return _OTHER
    toned = n_marks > 0 or has_digits
    if n_marks > n:  # more tone marks than syllables: not pinyin (e.g. Vietnamese, French)
        return _OTHER
    if not toned and low in tables.english:
        return "en", n, 0.0, False, lp
    if toned:
        weight = float(n)
    elif case == "lower":
        weight = float(n)
    elif case == "upper":
        weight = 0.5 * n
    else:  # Capitalised: a syllable in "Nao Geng" style, or a name (Wuzhen, Huawei, Xi'an)
        weight = 0.5 if n == 1 else 0.0
    return "py", n, weight, toned, lp


_classify_cached = lru_cache(maxsize=65536)(_classify_word)


def _ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _masked_spans(text: str) -> list[tuple[int, int]]:
    """The spans ``_URLISH.finditer(text)`` gives, found by trying ``_URLISH.match`` only at the
    positions a match can start: every match holds a trigger (``://`` at most 16 characters after
    its start, ``www.`` at its start, ``@`` at most 64 after), so starts lie within 64 characters
    before a trigger. Trying those positions left to right from the end of the previous match gives
    finditer's leftmost non-overlapping matches, without running the pattern over all the text
    (several alternatives tried at every position: ~5 MB/s). Text dense with triggers is scanned
    whole."""
    if "://" not in text and "www." not in text and "@" not in text:
        return []
    triggers = sorted(i for needle in ("://", "www.", "@") for i in _find_all(text, needle))
    if len(triggers) * _URL_REACH > len(text):  # dense triggers (a mailing list, code): one full scan is cheaper
        return [m.span() for m in _URLISH.finditer(text)]
    out: list[tuple[int, int]] = []
    pos = 0
    for t in triggers:
        for start in range(max(pos, t - _URL_REACH), t + 1):
            if text[start] not in _URL_START:
                continue  # every alternative starts with one of these
            m = _URLISH.match(text, start)
            if m:
                out.append(m.span())
                pos = m.end()
                break
    return out


_URL_REACH = 64  # the longest stretch before a trigger that a _URLISH match can start at
_URL_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.+-")


def _find_all(text: str, needle: str) -> list[int]:
    out = []
    i = text.find(needle)
    while i >= 0:
        out.append(i)
        i = text.find(needle, i + 1)
    return out


def _words(text: str, lexdirs: str) -> list[Word]:
    """The candidate words (kind py or en) in text order; a word that cannot be pinyin (English,
    code, URL, acronym next to digits…) is kept only as a breaker (kind other) between them."""
    masked = _masked_spans(text)
    mi = 0
    out: list[Word] = []
    n = len(text)
    last_other = True

    def other(s, e):
        nonlocal last_other
        if not last_other:
            out.append(Word(s, e, "other", 0, 0.0, False))
            last_other = True

    classify_cached = _classify_cached
    for m in _CANDIDATE.finditer(text):
        tok = m.group()
        # (_classify inlined: this loop runs once per Latin word of the corpus)
        kind, syl, weight, toned, lp = classify_cached(tok, lexdirs) if len(tok) <= 40 else \
            _classify_word(tok, lexdirs)
        if kind == "other" and (tok.isalpha() or not _DIGIT.search(tok)):
            if not last_other:  # other(), inlined
                out.append(Word(m.start(), m.end(), "other", 0, 0.0, False))
                last_other = True
            continue
        s, e = m.span()
        while mi < len(masked) and masked[mi][1] <= s:
            mi += 1
        if mi < len(masked) and masked[mi][0] < e:
            other(s, e)
            continue
        before = text[s - 1] if s else " "
        after = text[e] if e < n else " "
        if before == "_" or after == "_" or (before.isdigit() or after.isdigit()) and not (
                e - s >= 4 and tok.islower() and tok.isalpha()):
            other(s, e)  # 5G, A4, x86, mp3, snake_case (but "2012niande" is a word)
            continue
        glued = (before in _GLUE and s >= 2 and _ascii_alnum(text[s - 2])) or \
                (after in _GLUE and e + 1 < n and (_ascii_alnum(text[e + 1]) or text[e + 1] in _GLUE)) or \
                (after == "(" and e + 1 < n and text[e + 1] == ")")
        if glued and not (before == "-" or after == "-") or after == "@" or before in "@#/\\":
            # code, paths, file and domain names; @handles and #hashtags are names
            other(s, e)
            continue
        if kind == "other":
            # not tone numbers: numerals inside run-together text (zhaohu3suiyixia): split there
            for piece in _LETTER_RUN.finditer(tok):
                ptok = piece.group()
                ps, pe = s + piece.start(), s + piece.end()
                if len(ptok) >= 4 and ptok.islower() and ptok.isalpha():
                    pk = _classify(ptok, lexdirs)
                    if pk[0] != "other":
                        out.append(Word(ps, pe, pk[0], pk[1], pk[2], pk[3], len(ptok), pk[4]))
                        last_other = False
                        continue
                other(ps, pe)
            continue
        title = kind == "py" and not toned and syl == 1 and tok[0].isupper() and tok[1:].islower()
        letters = len(tok) if tok.isalpha() else sum(1 for c in tok if c.isalpha())
        out.append(Word(s, e, kind, syl, weight, toned, letters, lp, title))
        last_other = False
    return out


def _blocks(text: str, lexdirs: str, glosses: list[tuple[int, int]], min_syllables: float,
            max_english_share: float, max_gap: int, min_letters_per_syllable: float,
            min_mean_logprob: float) -> list[Block]:
    words = _words(text, lexdirs)
    if glosses:  # the readings of annotations are not a text block
        gi = 0
        for k, w in enumerate(words):
            while gi < len(glosses) and glosses[gi][1] <= w.start:
                gi += 1
            if gi < len(glosses) and glosses[gi][0] <= w.start:
                words[k] = w._replace(kind="other")
    out: list[Block] = []
    run: list[Word] = []

    def close():
        if not run:
            return
        weight = sum(w.weight for w in run)
        # Capitalised syllables count half (Li Na, Wang Fang are names), but a name has at most
        # three: four or more in a row, joined only by spaces, is text ("Nao Geng You Cheng")
        i = 0
        while i < len(run):
            j = i
            while j < len(run) and run[j].title_syllable and (
                    j == i or not text[run[j - 1].end:run[j].start].strip(" ")):
                j += 1
            if j - i >= 4:
                weight += sum(1.0 - w.weight for w in run[i:j])
            i = max(j, i + 1)
        english = sum(1 for w in run if w.kind == "en")
        if weight >= min_syllables and english <= max_english_share * len(run):
            py = [w for w in run if w.kind == "py"]
            toned = sum(1 for w in py if w.toned)
            syl = sum(w.syllables for w in run)
            if toned * 2 < len(py):
                # toneless: letter statistics must look like Chinese, not English that segments
                # (deserialize = de-se-ri-a-li-ze: short, rare syllables)
                psyl = sum(w.syllables for w in py)
                if (sum(w.letters for w in py) < min_letters_per_syllable * psyl
                        or sum(w.logprob for w in py) < min_mean_logprob * psyl):
                    run.clear()
                    return
            if toned * 2 >= len(py):
                style = "toned"
            elif syl / len(run) >= 2.5 or max(w.syllables for w in run) >= min_syllables:
                style = "run-together"
            else:
                style = "spaced"
            out.append(Block(run[0].start, run[-1].end, style, syl, len(run), english, weight))
        run.clear()

    prev_end = None
    for w in words:
        if w.kind == "other":
            close()
            prev_end = None
            continue
        if prev_end is not None:
            gap = text[prev_end:w.start]
            if len(gap) > max_gap or not _GAP_OK.fullmatch(gap) or "\n\n" in gap.replace("\r", ""):
                close()
        run.append(w)
        prev_end = w.end
    close()
    return out


# ---------------------------------------------------------------- annotations

@lru_cache(maxsize=16384)
def _gloss_syllables(gloss: str, lexdirs: str) -> tuple[tuple[str, ...], bool] | None:
    """The toneless syllables of a gloss like ``wǎng``, ``nao3``, ``nǎo gěng``, or None."""
    tables = _tables(lexdirs)
    full = tables.syllables
    seg = tables.segmenting
    out: list[str] = []
    toned = False
    for tok in gloss.split():
        base, marks = pt.strip_tones(tok)
        if marks:
            toned = True
        if base and base[-1] in "012345":
            base = base[:-1]
            toned = True
        if toned and base[:1].isupper() and base[1:].islower():
            base = base.lower()  # a proper noun glossed in standard orthography: 北京(Běijīng)
        if not base or not base.islower() or not _GLOSS_LETTERS.fullmatch(base):
            return None
        if base in full and "'" not in base:
            out.append(base.replace("v", "ü"))
            continue
        # a run-together gloss of a word: segment it
        pieces = _split_syllables(base, seg)
        if not pieces:
            return None
        out.extend(p.replace("v", "ü") for p in pieces)
    return (tuple(out), toned) if out else None


def _split_syllables(word: str, table: frozenset[str]) -> list[str]:
    res: list[str] = []
    for piece in _APOSTROPHE.split(word):
        n = len(piece)
        best: list[list[str] | None] = [[]] + [None] * n
        for i in range(1, n + 1):
            for k in range(min(6, i), 0, -1):
                prev = best[i - k]
                if prev is not None and piece[i - k:i] in table and (best[i] is None or len(prev) + 1 < len(best[i])):
                    best[i] = prev + [piece[i - k:i]]
        if not piece or best[n] is None:
            return []
        res.extend(best[n])
    return res


def _is_han(ch: str) -> bool:
    o = ord(ch)
    return 0x3400 <= o <= 0x4DBF or 0x4E00 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF


def _reads_as(ch: str, syl: str) -> bool:
    """Is ``syl`` a reading of ``ch``? (lü/nü are often typed lu/nu)"""
    r = pt.readings(ch)
    return syl in r or (syl[:1] in "ln" and "u" in syl and syl.replace("u", "ü", 1) in r)


def _annotations(text: str, lexdirs: str) -> list[Annotation]:
    out: list[Annotation] = []
    for m in _ANNOT.finditer(text):
        p = m.start()
        if p == 0:
            continue
        gloss = m.group(1)
        base = text[p - 1]
        g = gloss.strip()
        if len(g) == 1 and base in _PUNCT_BASE or (len(g) == 1 and unicodedata.category(g).startswith("P")
                                                  and unicodedata.category(base).startswith("P")):
            if g.translate(_CJK_TO_ASCII) == base.translate(_CJK_TO_ASCII):
                out.append(Annotation(p - 1, p, m.end(), "punct", False))
            continue
        if not _HAS_LATIN.search(g):
            continue
        parsed = _gloss_syllables(g, lexdirs)
        if parsed is None:
            continue
        syls, toned = parsed
        k = len(syls)
        if k > 8 or p - k < 0:
            continue
        chars = text[p - k:p]
        if not all(_is_han(c) for c in chars):
            if not _is_han(base):
                continue
            out.append(Annotation(p - 1, p, m.end(), "weak", toned))
            continue
        hits = sum(1 for c, s in zip(chars, syls) if _reads_as(c, s))
        kind = "strong" if hits and hits >= math.ceil(0.6 * k) else "weak"
        out.append(Annotation(p - k, p, m.end(), kind, toned))
    return out


def _stretches(text: str, annots: list[Annotation], max_gap: int, min_stretch_glosses: int,
               min_doc_glosses: int) -> list[Stretch]:
    """Annotations merged per line (at most ``max_gap`` characters apart). A stretch is kept when it
    has ``min_stretch_glosses`` glosses that are readings of their characters, or when the whole
    document has ``min_doc_glosses`` such glosses (one explained word, 滟滪(yàn yù), is writing)."""
    out: list[Stretch] = []
    group: list[Annotation] = []

    def edge_ok(a: Annotation, inner: Annotation, a_first: bool) -> bool:
        # a punctuation "annotation" at the edge belongs to the stretch when it touches it: 。(。)
        if a.kind == "strong":
            return True
        touching = a.gloss_end == inner.base_start if a_first else inner.gloss_end == a.base_start
        return a.kind == "punct" and touching

    def close():
        while group and not (group[0].kind == "strong" or len(group) > 1 and edge_ok(group[0], group[1], True)):
            group.pop(0)
        while group and not (group[-1].kind == "strong" or len(group) > 1 and edge_ok(group[-1], group[-2], False)):
            group.pop()
        if group and not any(a.kind == "strong" for a in group):
            group.clear()
        if group:
            out.append(Stretch(group[0].base_start, group[-1].gloss_end,
                               tuple((a.gloss_start, a.gloss_end) for a in group),
                               sum(1 for a in group if a.kind == "strong")))
        group.clear()

    for a in annots:
        if group:
            gap = text[group[-1].gloss_end:a.base_start]
            if len(gap) > max_gap or "\n" in gap:
                close()
        group.append(a)
    close()
    if sum(st.strong for st in out) >= min_doc_glosses:
        return out
    return [st for st in out if st.strong >= min_stretch_glosses]


def _remove_parts(text: str, start: int, end: int, parts) -> str:
    pieces = []
    pos = start
    for s, e in parts:
        pieces.append(text[pos:s])
        pos = e
    pieces.append(text[pos:end])
    return "".join(pieces)


# ---------------------------------------------------------------- analysis shared by the rules

_BLOCK_DEFAULTS = {"min_syllables": 6, "max_english_share": 0.5, "max_gap": 8,
                   "min_letters_per_syllable": 2.2, "min_mean_logprob": -2.85}
_ANNOT_DEFAULTS = {"stretch_gap": 80, "min_stretch_glosses": 2, "min_doc_glosses": 3}
_SEVERITY_DEFAULTS = {"warning_share": 0.01, "error_share": 0.1}


class Analysis(NamedTuple):
    blocks: list[Block]
    stretches: list[Stretch]
    share: float  # pinyin characters / non-space characters


@lru_cache(maxsize=4)
def _analyse(text: str, lexdirs: str, block_key: tuple, annot_key: tuple) -> Analysis:
    blocks: list[Block] = []
    stretches: list[Stretch] = []
    if _has_ascii_letter(text):
        annots = _annotations(text, lexdirs) if "(" in text or "（" in text else []
        stretches = _stretches(text, annots, *annot_key)
        blocks = _blocks(text, lexdirs, [(a.gloss_start, a.gloss_end) for a in annots], *block_key)
    covered = sum(b.end - b.start for b in blocks) + sum(e - s for st in stretches for s, e in st.parts)
    nonspace = len(text) - sum(text.count(c) for c in " \t\r\n\u3000")
    return Analysis(blocks, stretches, covered / nonspace if nonspace else 0.0)


@lru_cache(maxsize=1)
def _default_lexdirs() -> str:
    from ..rules import default_rules_dir

    return str(default_rules_dir() / "lexicons")


def _analysis_for(text: str, params: dict) -> Analysis:
    # the shipped rules and the public helpers share one cached analysis per text
    lexdirs = str(params.get("_lexicons", "")) or _default_lexdirs()
    block_key = tuple(params.get(k, v) for k, v in _BLOCK_DEFAULTS.items())
    annot_key = tuple(params.get(k, v) for k, v in _ANNOT_DEFAULTS.items())
    return _analyse(text, lexdirs, block_key, annot_key)


def _severity(share: float, params: dict) -> str:
    if share >= params["error_share"]:
        return "error"
    if share >= params["warning_share"]:
        return "warning"
    return "info"


# ---------------------------------------------------------------- public helpers (stable API)

def strip_annotations(text: str) -> str:
    """``text`` with per-character pinyin glosses removed: ``網(wǎng)絡(luò)`` → ``網絡``."""
    if "(" not in text and "（" not in text:
        return text
    stretches = _default_stretches(text)
    if not stretches:
        return text
    parts = [p for st in stretches for p in st.parts]
    return _remove_parts(text, 0, len(text), parts)


@lru_cache(maxsize=4)
def _default_stretches(text: str) -> list[Stretch]:
    """The annotation stretches ``_analyse`` finds with the default parameters, without its
    pinyin-block pass (the costly part, which stripping glosses does not need)."""
    if not _has_ascii_letter(text):
        return []
    return _stretches(text, _annotations(text, _default_lexdirs()), *_ANNOT_DEFAULTS.values())


def pinyin_block_spans(text: str) -> list[tuple[int, int]]:
    """Spans of Latin text blocks that are Chinese written in pinyin (run together, spaced,
    tone-marked or tone-numbered), as the ``pinyin_text_block`` rules find them."""
    return [(b.start, b.end) for b in _analysis_for(text, {}).blocks]


# ---------------------------------------------------------------- detectors

_STYLE_TEXT = {
    "run-together": "toneless pinyin run together",
    "spaced": "spaced toneless pinyin",
    "toned": "pinyin with tone marks or tone numbers",
}


@detector("pinyin_text_block")
def pinyin_text_block(doc, profile, params):
    text = doc.text
    if not _has_ascii_letter(text):
        return
    an = _analysis_for(text, params)
    sev = _severity(an.share, params)
    for b in an.blocks:
        if b.style != params["style"]:
            continue
        line_start = text.rfind("\n", 0, b.start) + 1
        line_end = text.find("\n", b.end)
        line_end = len(text) if line_end < 0 else line_end
        whole_line = not text[line_start:b.start].strip() and not text[b.end:line_end].strip(" \t\r.。")
        yield Hit(b.start, b.end,
                  f"{_STYLE_TEXT[b.style]}: {b.syllables} syllables of Chinese written in Latin letters "
                  f"({an.share:.0%} of the document is pinyin)",
                  suggestion="" if whole_line else None, severity=sev,
                  evidence={"syllables": b.syllables, "words": b.words, "english_words": b.english,
                            "pinyin_share": round(an.share, 4)})


pinyin_text_block.param_defaults = {"style": "run-together", **_BLOCK_DEFAULTS, **_SEVERITY_DEFAULTS}


def _validate_block(params):
    if params["style"] not in BLOCK_STYLES:
        raise ValueError(f"style must be one of {', '.join(BLOCK_STYLES)}")
    if not 0 <= params["max_english_share"] <= 1:
        raise ValueError("max_english_share must be between 0 and 1")
    if params["min_syllables"] < 1:
        raise ValueError("min_syllables must be >= 1")
    if params["min_letters_per_syllable"] < 0 or params["max_gap"] < 0:
        raise ValueError("min_letters_per_syllable and max_gap must be >= 0")
    if not 0 <= params["warning_share"] <= params["error_share"]:
        raise ValueError("need 0 <= warning_share <= error_share")


pinyin_text_block.validate_params = _validate_block


@detector("pinyin_annotations")
def pinyin_annotations(doc, profile, params):
    text = doc.text
    if "(" not in text and "（" not in text or not _has_ascii_letter(text):
        return
    an = _analysis_for(text, params)
    sev = _severity(an.share, params)
    for st in an.stretches:
        first = st.parts[0]
        example = text[st.start:first[1]].strip()
        n = len(st.parts)
        yield Hit(st.start, st.end,
                  f"{n} pinyin annotation{'s' if n > 1 else ''} in parentheses (e.g. {example}): "
                  f"readings glued after the characters ({an.share:.0%} of the document is pinyin)",
                  suggestion=_remove_parts(text, st.start, st.end, st.parts), severity=sev,
                  parts=list(st.parts), evidence={"glosses": n, "pinyin_share": round(an.share, 4)})


pinyin_annotations.param_defaults = {**_ANNOT_DEFAULTS, **_SEVERITY_DEFAULTS}


def _validate_annot(params):
    if params["stretch_gap"] < 0:
        raise ValueError("stretch_gap must be >= 0")
    if params["min_stretch_glosses"] < 1 or params["min_doc_glosses"] < 1:
        raise ValueError("min_stretch_glosses and min_doc_glosses must be >= 1")
    if not 0 <= params["warning_share"] <= params["error_share"]:
        raise ValueError("need 0 <= warning_share <= error_share")


pinyin_annotations.validate_params = _validate_annot
