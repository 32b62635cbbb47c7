"""Script and language mixing (family ``script``): Simplified vs Traditional, half-width
punctuation in Chinese sentences, foreign scripts and languages inside Chinese text.

Catches:
- ``document_script`` (SC01): a document written in the other Han script than the corpus majority
  (from the ``script`` profile) or than ``expected_script``; one finding with the ratio.
- ``script_runs`` (SC02): paragraphs and sentences inside a document written in the document's
  minority script (one Traditional paragraph in a Simplified article, a sentence mixing both);
  the suggestion is the span converted with OpenCC.
- ``halfwidth_punct`` (SC03 consistent / SC04 mixed): , : ; ! ? ( ) and straight quotes used in
  Chinese sentences, and full-width Latin letters/digits (ＡＢＣ１２３); one finding per line whose
  ``parts`` are the offending characters and whose suggestion is the corrected line. A document
  that is half-width throughout (SC03) is told apart from one that mixes both widths of the same
  mark (SC04, worse).
- ``foreign_script`` (SC05): runs of kana, hangul, Cyrillic, Greek, Arabic, Hebrew, Thai, Indic…
- ``latin_passages`` (SC06): Latin-script natural-language passages (English or any other) that are
  not names, acronyms, titles, code or pinyin; langdetect names the language.
- ``non_chinese_document`` (SC07): a whole document that is not Chinese.

How: every detector starts from one vectorised character-class pass
(:mod:`qc.resources.scriptclass`, Simplified-only/Traditional-only sets from OpenCC's tables) and
returns at once when its class is absent, so clean Simplified text costs about one regex pass.
Only flagged spans go through OpenCC's phrase converter; langdetect (seeded) runs only on
candidate segments that passed the cheap filters, capped per document.

Leaves alone: characters shared by both scripts (后, 干, 著); isolated Traditional characters in a
Simplified sentence (a name such as 金鍾國 needs 3 such characters and a third of the sentence);
5G, AI, GDP, COVID-19, iPhone, Model Y, 国际电信联盟(ITU), (2023—2025年); quoted English titles of a
few words; numbers, times and dates (1,000 · 10:30); URLs; English sentences that contain a Chinese
word; pinyin (left to the pinyin family).

Known false positives: Hanja/Kanji names in Traditional form inside Simplified text; a
Traditional book title quoted in a Simplified article; code with Chinese string literals in
straight quotes; Greek words used as symbols (αβγ); proper-name lists in lowercase.
"""
from __future__ import annotations

import bisect
import re
import unicodedata
from functools import lru_cache

import numpy as np

from ..model import STATUS_OK, Hit
from ..profile import contributor
from ..resources import scriptclass as sc
from ..resources.opencc_tables import HANS, HANT, SCRIPT_NAMES, convert, normalise_script
from ..language import top_language
from . import detector

# class-code masks: Han or CJK punctuation (Chinese context), Han, Latin letters
_CJKISH = np.zeros(sc.N_CLASSES, dtype=bool)
_CJKISH[[sc.HAN, sc.HAN_S, sc.HAN_T, sc.CJK_PUNCT, sc.FW_PUNCT]] = True
_HANISH = np.zeros(sc.N_CLASSES, dtype=bool)
_HANISH[[sc.HAN, sc.HAN_S, sc.HAN_T]] = True
_LATIN_LETTER = np.zeros(sc.N_CLASSES, dtype=bool)
_LATIN_LETTER[[sc.LATIN_UP, sc.LATIN_LO, sc.LATIN_EXT]] = True
_CJKISH_U8, _HANISH_U8 = _CJKISH.astype(np.uint8), _HANISH.astype(np.uint8)

# ---------------------------------------------------------------------------------------------
# Simplified vs Traditional
# ---------------------------------------------------------------------------------------------

# Profile votes: a document votes for a script when it has this many script-specific characters
# and that script holds this share of them (the rules' own thresholds are in their YAML params).
_VOTE_MIN_CHARS = 10
_VOTE_MIN_SHARE = 0.6


def _dominant(simp: int, trad: int, min_chars: int, min_share: float) -> tuple[str | None, float]:
    """(script, share of that script among script-specific characters); script None when unclear."""
    total = simp + trad
    if total < min_chars or total == 0:
        return None, 0.0
    if trad > simp:
        share = trad / total
        return (HANT if share >= min_share else None), share
    share = simp / total
    return (HANS if share >= min_share else None), share


@contributor("script")
class ScriptProfile:
    """Corpus majority script: one vote per document that is clearly Simplified or Traditional."""

    def collect(self, doc):
        c = sc.classify(doc.text).counts
        return int(c[sc.HAN_S]), int(c[sc.HAN_T])

    def merge(self, acc, item):
        acc = acc or {"docs": {HANS: 0, HANT: 0, "mixed": 0}, "chars": {HANS: 0, HANT: 0}}
        simp, trad = item
        acc["chars"][HANS] += simp
        acc["chars"][HANT] += trad
        script, _ = _dominant(simp, trad, _VOTE_MIN_CHARS, _VOTE_MIN_SHARE)
        if script:
            acc["docs"][script] += 1
        elif simp + trad >= _VOTE_MIN_CHARS:
            acc["docs"]["mixed"] += 1
        return acc

    def finalize(self, acc, n_docs):
        if acc is None:
            return {"majority": None, "docs": {HANS: 0, HANT: 0, "mixed": 0}, "chars": {HANS: 0, HANT: 0}}
        d, c = acc["docs"], acc["chars"]
        key = lambda s: (d[s], c[s])  # noqa: E731 - documents first, characters break ties
        majority = None
        if d[HANS] or d[HANT] or c[HANS] or c[HANT]:
            if key(HANS) != key(HANT):
                majority = HANS if key(HANS) > key(HANT) else HANT
        return {"majority": majority, "docs": dict(d), "chars": dict(c)}


def _validate_script_params(params):
    normalise_script(params.get("expected_script"))
    for k in ("min_share", "sentence_share", "paragraph_share"):
        if k in params and not 0 < float(params[k]) <= 1:
            raise ValueError(f"{k} must be in (0, 1]")


def _reference_script(params, profile) -> tuple[str | None, str]:
    expected = normalise_script(params.get("expected_script"))
    if expected:
        return expected, "expected_script"
    prof = profile.get("script") if profile is not None else None
    return (prof or {}).get("majority"), "the corpus majority"


def _suggest(text: str, to_script: str, limit: int) -> str | None:
    if len(text) > limit:
        return None
    out = convert(text, to_script)
    return out if out != text else None


@detector("document_script")
def document_script(doc, profile, params):
    if doc.status != STATUS_OK:
        return
    counts = sc.classify(doc.text).counts
    simp, trad = int(counts[sc.HAN_S]), int(counts[sc.HAN_T])
    script, share = _dominant(simp, trad, int(params["min_chars"]), float(params["min_share"]))
    if script is None:
        return
    ref, source = _reference_script(params, profile)
    if ref is None or ref == script:
        return
    n_doc, n_other = (trad, simp) if script == HANT else (simp, trad)
    name, ref_name = SCRIPT_NAMES[script], SCRIPT_NAMES[ref]
    tool = "t2s" if ref == HANS else "s2t"
    text = doc.text
    start, end = (0, len(text)) if params["cover_document"] else (0, 0)
    yield Hit(
        start, end,
        f"document is written in {name} Chinese ({n_doc} {name}-only vs {n_other} {ref_name}-only "
        f"characters, {share:.0%} {name}) but {source} is {ref_name}; convert it with OpenCC {tool}",
        suggestion=_suggest(text, ref, int(params["suggest_max_chars"])) if end else None,
        evidence={"script": script, "expected": ref, "reference": source, "ratio": round(share, 4),
                  "simplified_only": simp, "traditional_only": trad},
    )


document_script.param_defaults = {"expected_script": None, "min_chars": 20, "min_share": 0.6,
                                  "cover_document": True, "suggest_max_chars": 5000}
document_script.validate_params = _validate_script_params

# sentence ends inside a paragraph (closing quotes/brackets stay with their sentence)
_SENT_END = re.compile(r"[。！？!?；;…]+[”’」』）)\"']*")
_STRONG, _WEAK, _NEUTRAL, _AGAINST = range(4)


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def _sentences(text: str, a: int, b: int):
    """(start, end) of the sentences of text[a:b]."""
    s = a
    for m in _SENT_END.finditer(text, a, b):
        yield s, m.end()
        s = m.end()
    if s < b:
        yield s, b


@detector("script_runs")
def script_runs(doc, profile, params):
    if doc.status != STATUS_OK:
        return
    text = doc.text
    cls = sc.classify(text)
    simp, trad = int(cls.counts[sc.HAN_S]), int(cls.counts[sc.HAN_T])
    min_chars = int(params["min_chars"])
    if min(simp, trad) < min_chars:
        return  # fast path: one script only (or a handful of stray characters)
    ref, _ = _dominant(simp, trad, int(params["doc_min_chars"]), float(params["doc_min_share"]))
    if ref is None:  # a document mixing both: judge it against the expected/corpus script
        ref = _reference_script(params, profile)[0] or (HANT if trad > simp else HANS)
    minority, majority = (sc.HAN_T, sc.HAN_S) if ref == HANS else (sc.HAN_S, sc.HAN_T)
    codes = cls.codes
    cm = np.concatenate(([0], np.cumsum(codes == minority, dtype=np.int64)))
    cM = np.concatenate(([0], np.cumsum(codes == majority, dtype=np.int64)))
    sent_share = float(params["sentence_share"])
    min_han = int(params["min_sentence_han"])
    para_share = float(params["paragraph_share"])
    limit = int(params["suggest_max_chars"])
    starts = doc.line_starts
    line_ids = np.unique(np.searchsorted(starts, np.flatnonzero(codes == minority), side="right") - 1)
    mname, rname = SCRIPT_NAMES[HANT if ref == HANS else HANS], SCRIPT_NAMES[ref]
    fm = doc.front_matter_span

    def hit(a: int, b: int, kind: str) -> Hit:
        m, M = int(cm[b] - cm[a]), int(cM[b] - cM[a])
        ratio = m / (m + M)
        if M == 0:
            msg = f"{mname} {kind} in a {rname} document ({m} {mname}-only characters)"
        else:
            msg = (f"{kind} mixes {mname} ({m}) and {rname} ({M}) characters ({ratio:.0%} {mname}) "
                   f"in a {rname} document")
        return Hit(a, b, msg + f"; convert it with OpenCC {'t2s' if ref == HANS else 's2t'}",
                   suggestion=_suggest(text[a:b], ref, limit),
                   evidence={"script": HANT if ref == HANS else HANS, "document_script": ref,
                             "minority_chars": m, "majority_chars": M, "ratio": round(ratio, 4)})

    for li in line_ids.tolist():
        a = starts[li]
        b = starts[li + 1] - 1 if li + 1 < len(starts) else len(text)
        if fm and a < fm[1]:
            continue
        m, M = int(cm[b] - cm[a]), int(cM[b] - cM[a])
        if m < min_chars:
            continue
        if m / (m + M) >= para_share:
            a2, b2 = _trim(text, a, b)
            yield hit(a2, b2, "paragraph")
            continue
        # sentence level: runs of minority sentences, bridged by sentences with no script-specific characters
        run: list[list[int]] = []  # [start, end, strong] per sentence of the current run
        pending: list[tuple[int, int]] = []  # neutral sentences after the run

        def close():
            if run and any(r[2] for r in run):
                a2, b2 = _trim(text, run[0][0], run[-1][1])
                return hit(a2, b2, "sentence" if len(run) == 1 else "passage")
            return None

        for s, e in _sentences(text, a, b):
            ms, Ms = int(cm[e] - cm[s]), int(cM[e] - cM[s])
            if ms == 0 and Ms == 0:
                if run:
                    pending.append((s, e))
                continue
            share = ms / (ms + Ms)
            if ms and share >= sent_share:
                if run and pending:
                    run.extend([p[0], p[1], False] for p in pending)
                pending = []
                strong = ms >= min_chars and int(_HANISH[codes[s:e]].sum()) >= min_han
                run.append([s, e, strong])
                continue
            h = close()
            if h:
                yield h
            run, pending = [], []
        h = close()
        if h:
            yield h


script_runs.param_defaults = {"expected_script": None, "min_chars": 3, "min_sentence_han": 6, "sentence_share": 0.34,
                              "paragraph_share": 0.8, "doc_min_chars": 20, "doc_min_share": 0.6,
                              "suggest_max_chars": 5000}
script_runs.validate_params = _validate_script_params

# ---------------------------------------------------------------------------------------------
# Half-width punctuation and full-width Latin in Chinese sentences
# ---------------------------------------------------------------------------------------------

_MARK_RUN = re.compile(r"[,;:!?]+")
_PAREN_PAIR = re.compile(r"\(([^()\n]{1,300})\)")
_QUOTE_PAIR = re.compile(r'"([^"\n]{1,300})"')
_URLISH = re.compile(r"(?:https?|ftp)://[^\s\u3000-\u303f\uff01-\uff5e]+|www\.[A-Za-z0-9.-]+[^\s\u3000-\u303f\uff01-\uff5e]*"
                     r"|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_TYPE_HW = {"，": ",", "；": ";", "：": ":", "！": "!", "？": "?", "（）": "()", "“”": '"'}
# a GB/T 7714 bibliography entry: "[13] 李锋, 王喜成. 题名[J]. 期刊, 2008, 3(2): 1-5."
_REFERENCE_LINE = re.compile(r"^[ \t\u3000]*\[\d{1,4}\]|\[(?:J|M|D|C|N|R|S|P|Z|A|G|EB/OL|DB/OL|M/OL|J/OL)\]")
_FULLWIDTH = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？", "(": "（", ")": "）"}
_MARK_TYPE = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？", "(": "（）", ")": "（）", '"': "“”",
              "，": "，", "；": "；", "：": "：", "！": "！", "？": "？", "（": "（）", "）": "（）", "“": "“”", "”": "“”"}


def _url_spans(text: str) -> list[tuple[int, int]]:
    if "://" not in text and "www." not in text and "@" not in text:
        return []
    return [m.span() for m in _URLISH.finditer(text)]


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _inside(spans: list[tuple[int, int]], starts: list[int], i: int) -> bool:
    k = bisect.bisect_right(starts, i) - 1
    return k >= 0 and spans[k][0] <= i < spans[k][1]


_SPACE = re.compile(r"\s")  # str patterns: \s is exactly str.isspace()


def _han_share(hanb: bytes, text: str, a: int, b: int) -> tuple[int, float]:
    """(Han characters, their share of the non-space characters) of text[a:b]; ``hanb`` has a 1
    byte per Han character of the text."""
    han = hanb.count(1, a, b)
    nonspace = (b - a) - len(_SPACE.findall(text, a, b))
    return han, (han / nonspace if nonspace else 0.0)


_width_memo: list = [None, None]


def _width_analysis(doc, params) -> dict | None:
    """Offending characters per line, shared by SC03 and SC04 (memoised per text)."""
    text = doc.text
    key = (float(params["bracket_han_share"]),)
    if _width_memo[0] is text and _width_memo[1][0] == key:
        return _width_memo[1][1]
    result = _analyse_widths(doc, text, float(params["bracket_han_share"]))
    _width_memo[0], _width_memo[1] = text, (key, result)
    return result


def _analyse_widths(doc, text: str, bracket_share: float) -> dict | None:
    cls = sc.classify(text)
    n_hw, n_fwa = int(cls.counts[sc.HW_PUNCT]), int(cls.counts[sc.FW_ALNUM])
    if n_hw == 0 and n_fwa == 0:
        return None
    codes = cls.codes
    n = len(text)
    fm = doc.front_matter_span or (0, 0)
    flagged: dict[int, str] = {}  # offset → replacement
    drop: set[int] = set()  # spaces removed after a converted mark
    if n_hw:
        # only the lines that hold a half-width mark are looked at, each on its own
        # one byte per character (1 = Han / Han or CJK punctuation): C-level find/count on spans
        hanb = _HANISH_U8[codes].tobytes()
        cjkb = _CJKISH_U8[codes].tobytes()
        # a mark can only matter with Chinese next to it (a bracket or quote around Chinese has Han
        # just inside it): keep marks with a Han/CJK character 1 before or up to 4 after
        pos = [x for x in np.flatnonzero(codes == sc.HW_PUNCT).tolist()
               if (x > 0 and cjkb[x - 1]) or cjkb.find(1, x + 1, x + 5) >= 0]
        done_to = -1
        for x0 in pos:
            if x0 < done_to:
                continue  # its line is done
            a = text.rfind("\n", 0, x0) + 1
            b = text.find("\n", x0)
            b = n if b < 0 else b
            done_to = b
            if a < fm[1] or hanb.find(1, a, b) < 0:
                continue  # front matter, or no Han on the line: not a Chinese sentence
            line = text[a:b]
            if "[" in line and _REFERENCE_LINE.search(line):
                continue  # a bibliography entry (GB/T 7714 uses half-width marks)
            skip = _url_spans(line)
            skip_starts = [s for s, _ in skip]

            def usable(i: int) -> bool:
                return not (skip and _inside(skip, skip_starts, i))

            if "(" in line:
                for m in _PAREN_PAIR.finditer(line):
                    x, y = m.span()
                    han, share = _han_share(hanb, text, a + x + 1, a + y - 1)
                    if han and share >= bracket_share and usable(x):
                        flagged[a + x], flagged[a + y - 1] = "（", "）"
            if '"' in line:
                for m in _QUOTE_PAIR.finditer(line):
                    x, y = m.span()
                    han, share = _han_share(hanb, text, a + x + 1, a + y - 1)
                    if han and share >= bracket_share and usable(x):
                        flagged[a + x], flagged[a + y - 1] = "“", "”"
            # , ; : ! ? after the brackets and quotes, which they may touch
            for m in _MARK_RUN.finditer(line):
                x, y = m.span()
                if "??" in m.group() or not usable(x):
                    continue
                i, j = a + x, a + y
                p = i - 1
                if p >= a and codes[p] == sc.DIGIT and j < b and codes[j] == sc.DIGIT:
                    continue  # 1,000 · 10:30 · 3:2
                left_cjk = p >= a and (cjkb[p] or p in flagged)  # incl. a converted ) or "
                k = j
                while k < b and k - j < 3 and text[k] in " \t":
                    k += 1
                right_cjk = k < b and (cjkb[k] or k in flagged)
                spaced_latin = j < k < b and _LATIN_LETTER[codes[k]]
                if (left_cjk and not spaced_latin) or right_cjk:
                    for q in range(i, j):
                        flagged[q] = _FULLWIDTH[text[q]]
                    if right_cjk and k > j:
                        drop.update(range(j, k))
    if n_fwa:
        for x in np.flatnonzero(codes == sc.FW_ALNUM).tolist():
            if not fm[0] <= x < fm[1]:
                flagged[x] = chr(ord(text[x]) - 0xFEE0)
    if not flagged:
        return None
    # document-level width usage per mark type
    hw_types: dict[str, int] = {}
    for x in flagged:
        t = _MARK_TYPE.get(text[x])
        if t:
            hw_types[t] = hw_types.get(t, 0) + 1
    fw_types: dict[str, int] = {}
    if cls.counts[sc.FW_PUNCT]:
        for ch in sc.FW_PUNCT_CHARS:  # one C-level count per mark (the text has thousands of them)
            k = text.count(ch)
            if k:
                t = _MARK_TYPE[ch]
                fw_types[t] = fw_types.get(t, 0) + k
    mixed_types = sorted(t for t in hw_types if fw_types.get(t))
    starts = doc.line_starts
    lines: dict[int, list[int]] = {}
    for x in sorted(flagged):
        lines.setdefault(bisect.bisect_right(starts, x) - 1, []).append(x)
    return {"flagged": flagged, "drop": drop, "lines": lines, "hw_types": hw_types, "fw_types": fw_types,
            "mixed_types": mixed_types}


def _corrected(text: str, a: int, b: int, xs: list[int], flagged: dict[int, str], drop: set[int]) -> str:
    """text[a:b] with the flagged characters replaced and the dropped spaces removed."""
    out, at = [], a
    for x in sorted(set(xs) | {d for d in drop if a <= d < b}):
        out.append(text[at:x])
        out.append(flagged.get(x, "") if x not in drop else "")
        at = x + 1
    out.append(text[at:b])
    return "".join(out)


def _show(ch: str) -> str:
    return f"'{ch}'"


@detector("halfwidth_punct")
def halfwidth_punct(doc, profile, params):
    if doc.status != STATUS_OK:
        return
    res = _width_analysis(doc, params)
    if res is None:
        return
    want_mixed = params["mode"] == "mixed"
    text = doc.text
    starts = doc.line_starts
    flagged, drop = res["flagged"], res["drop"]
    hw_types, fw_types, mixed_types = res["hw_types"], res["fw_types"], set(res["mixed_types"])
    for li, xs in res["lines"].items():
        punct = [x for x in xs if text[x] in _MARK_TYPE]
        types = {_MARK_TYPE[text[x]] for x in punct}
        line_mixed = sorted(types & mixed_types)
        if bool(line_mixed) != want_mixed:
            continue
        a = starts[li]
        b = starts[li + 1] - 1 if li + 1 < len(starts) else len(text)
        alnum = [x for x in xs if text[x] not in _MARK_TYPE]
        # the line's ratio: half-width marks among the marks of the same kinds on this line
        line = text[a:b]
        fw_line = sum(line.count(ch) for ch in sc.FW_PUNCT_CHARS if _MARK_TYPE[ch] in types)
        ratio = len(punct) / (len(punct) + fw_line) if punct else 0.0
        chars: dict[str, int] = {}
        for x in punct:
            chars[text[x]] = chars.get(text[x], 0) + 1
        bits = []
        if punct:
            shown = ", ".join(f"{_show(c)}×{k}" if k > 1 else _show(c) for c, k in sorted(chars.items()))
            bits.append(f"{len(punct)} half-width punctuation mark{'s' if len(punct) > 1 else ''} in Chinese text "
                        f"({shown}; {ratio:.0%} of this line's marks of those kinds are half-width)")
        if alnum:
            bits.append(f"{len(alnum)} full-width Latin letter{'s' if len(alnum) > 1 else ''}/digits "
                        f"({''.join(text[x] for x in alnum[:6])}{'…' if len(alnum) > 6 else ''})")
        msg = "; ".join(bits)
        doc_hw = sum(hw_types.get(t, 0) for t in types)
        doc_fw = sum(fw_types.get(t, 0) for t in types)
        doc_ratio = doc_hw / (doc_hw + doc_fw) if doc_hw + doc_fw else 0.0
        if line_mixed:
            both = ", ".join(f"'{_TYPE_HW[t]}' ×{hw_types[t]} and '{t}' ×{fw_types[t]}" for t in line_mixed)
            msg += f"; the document mixes both widths: {both}"
        elif punct:
            msg += "; the document uses the half-width form throughout"
        yield Hit(a, b, msg, suggestion=_corrected(text, a, b, xs, flagged, drop), parts=[(x, x + 1) for x in xs],
                  evidence={"halfwidth": len(punct), "fullwidth": fw_line, "line_ratio": round(ratio, 4),
                            "fullwidth_alnum": len(alnum), "doc_halfwidth": doc_hw, "doc_fullwidth": doc_fw,
                            "doc_ratio": round(doc_ratio, 4), "mixed": line_mixed})


halfwidth_punct.param_defaults = {"mode": "consistent", "bracket_han_share": 0.5}


def _validate_width(params):
    if params.get("mode") not in ("consistent", "mixed"):
        raise ValueError("mode must be 'consistent' or 'mixed'")
    if not 0 < float(params.get("bracket_han_share", 0.5)) <= 1:
        raise ValueError("bracket_han_share must be in (0, 1]")


halfwidth_punct.validate_params = _validate_width

# ---------------------------------------------------------------------------------------------
# Foreign scripts and languages
# ---------------------------------------------------------------------------------------------

_LANG_NAMES = {
    "en": "English", "fr": "French", "de": "German", "es": "Spanish", "it": "Italian", "pt": "Portuguese",
    "nl": "Dutch", "ru": "Russian", "uk": "Ukrainian", "bg": "Bulgarian", "mk": "Macedonian", "ja": "Japanese",
    "ko": "Korean", "ar": "Arabic", "fa": "Persian", "ur": "Urdu", "he": "Hebrew", "th": "Thai", "el": "Greek",
    "hi": "Hindi", "vi": "Vietnamese", "id": "Indonesian", "tl": "Tagalog", "tr": "Turkish", "pl": "Polish",
    "sv": "Swedish", "da": "Danish", "no": "Norwegian", "fi": "Finnish", "cs": "Czech", "ro": "Romanian",
    "hu": "Hungarian", "sw": "Swahili", "so": "Somali", "af": "Afrikaans", "ca": "Catalan", "hr": "Croatian",
}
_SCRIPT_LANG = {sc.KANA: "ja", sc.HANGUL: "ko", sc.THAI: "th", sc.HEBREW: "he", sc.GREEK: "el"}
_CLAUSE_BOUND = re.compile(r"[。！？!?\n，：；,:;「」『』“”\"]")


def _detect(text: str) -> tuple[str | None, float | None]:
    """langdetect's top language and probability for ``text`` (seeded: deterministic, so the
    result is cached per distinct 400-character sample)."""
    return _detect_sample(text[:400])


# cached per distinct 400-character sample
_detect_sample = lru_cache(maxsize=4096)(top_language)


def _lang_label(lang: str | None) -> str:
    return _LANG_NAMES.get(lang or "", lang or "unknown-language")


def _is_chinese_document(text: str) -> bool:
    from ..language import analyse

    return analyse(text)["primary"] in ("zh", "und")


@detector("foreign_script")
def foreign_script(doc, profile, params):
    if doc.status != STATUS_OK:
        return
    text = doc.text
    cls = sc.classify(text)
    if not any(cls.counts[c] for c in sc.FOREIGN_CLASSES):
        return
    if not _is_chinese_document(text):
        return  # the whole document is foreign: SC07's business
    ignore = {str(s).lower() for s in params.get("ignore_scripts") or ()}
    classes = [c for c in sc.FOREIGN_CLASSES if cls.counts[c] and sc.SCRIPT_KEYS[c] not in ignore]
    if not classes:
        return
    codes = cls.codes
    min_letters, min_word, max_gap = int(params["min_letters"]), int(params["min_word"]), int(params["max_gap"])
    budget = int(params["max_detect"])
    pos = cls.positions(*classes).tolist()
    runs: list[list[int]] = []  # [class, start, end, letters, longest word]
    word = 0
    for x in pos:
        c = int(codes[x])
        if runs and runs[-1][0] == c and x - runs[-1][2] <= max_gap:
            r = runs[-1]
            gap = codes[r[2]:x]
            ok = "\n" not in text[r[2]:x] and not (c != sc.KANA and _HANISH[gap].any())
            if ok:
                word = word + 1 if x == r[2] else 1
                r[2], r[3], r[4] = x + 1, r[3] + 1, max(r[4], word)
                continue
        word = 1
        runs.append([c, x, x + 1, 1, 1])
    for c, a, b, letters, longest in runs:
        if letters < min_letters or longest < min_word:
            continue
        if c == sc.KANA:  # a Japanese clause: kana and the kanji around them
            s = a
            while s > 0 and a - s < 300 and not _CLAUSE_BOUND.match(text, s - 1):
                s -= 1
            e = b
            while e < len(text) and e - b < 300 and not _CLAUSE_BOUND.match(text, e):
                e += 1
            seg = codes[s:e]
            kana, han = int((seg == sc.KANA).sum()), int(_HANISH[seg].sum())
            if kana / max(1, kana + han) >= 0.3:
                a, b = _trim(text, s, e)
        lang, prob = _SCRIPT_LANG.get(c), None
        if letters >= int(params["detect_min_letters"]) and budget > 0:
            budget -= 1
            lang, prob = _detect(text[a:b])
            lang = lang or _SCRIPT_LANG.get(c)
        label = sc.FOREIGN_NAMES[c]
        detail = f"{_lang_label(lang)}, p={prob:.2f}" if prob is not None else _lang_label(lang) if lang else ""
        yield Hit(a, b, f"{label} text inside Chinese text ({letters} letters{'; ' + detail if detail else ''})",
                  evidence={"script": sc.ISO_SCRIPT[c], "letters": letters, "language": lang, "probability": prob})


foreign_script.param_defaults = {"min_letters": 3, "min_word": 2, "max_gap": 20, "detect_min_letters": 12,
                                 "max_detect": 20, "ignore_scripts": []}


def _validate_foreign(params):
    known = set(sc.SCRIPT_KEYS.values())
    bad = [s for s in params.get("ignore_scripts") or () if str(s).lower() not in known]
    if bad:
        raise ValueError(f"ignore_scripts: unknown script {bad[0]!r} (known: {', '.join(sorted(known))})")


foreign_script.validate_params = _validate_foreign

# Latin-script passages ------------------------------------------------------------------------

_L = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"
_WORD = rf"[{_L}0-9]++(?:['’.\-][{_L}0-9]++)*+"
_SEP = r"[ \t,;:.!?\"“”‘’()&–—\-]++"
_LATIN_RUN = re.compile(rf"{_WORD}(?:{_SEP}{_WORD})*+")
_ALPHA_WORD = re.compile(rf"[{_L}]+(?:['’\-][{_L}]+)*")
# command-line options, shell operators, method calls, paths: a run holding one of these is code
_CODE_TOKENS = re.compile(r"(?:^|\s)--?[A-Za-z]|&&|\|\||\w\.\w+\(|\(\)|::|\w/\w")
_CODE_CHARS = re.compile(r"[{}<>=_\[\]\\|`$#]")
_QUOTES = {'"': '"', "“": "”", "《": "》", "「": "」", "『": "』", "'": "'", "‘": "’", "〈": "〉", "<": ">", "(": ")",
           "（": "）", "【": "】", "[": "]"}
_TRIM_HEAD = set(" \t,;:.!?)\"”’-–—")
_TRIM_TAIL = set(" \t,;:(\"“‘-–—")
_TONE = str.maketrans({"ü": "v", "ǖ": "v", "ǘ": "v", "ǚ": "v", "ǜ": "v"})


@lru_cache(maxsize=1)
def _pinyin_syllables() -> frozenset[str]:
    """Toneless pinyin syllables: the shipped ``rules/lexicons/pinyin-syllables.txt`` (generated
    from pypinyin's character table), ü spelled v; pypinyin's table itself when the file is missing."""
    try:
        from ..resources import lexicon

        readings = lexicon({}, "pinyin-syllables.txt")
    except Exception:  # pragma: no cover - the file ships with the rules
        readings = None
    return _syllables_from(readings) if readings else _pypinyin_syllables()


def _syllables_from(readings) -> frozenset[str]:
    out = set()
    for r in readings:
        r = r.translate(_TONE)
        r = "".join(ch for ch in unicodedata.normalize("NFD", r) if not unicodedata.combining(ch))
        if r.isascii() and r.isalpha():
            out.add(r.lower())
    out -= {"m", "n", "ng", "hm", "hng", "ê"}  # interjection readings that match English letters
    return frozenset(out)


def _pypinyin_syllables() -> frozenset[str]:
    """Toneless pinyin syllables, read from pypinyin's character table (slow: imports pypinyin)."""
    from pypinyin.pinyin_dict import pinyin_dict

    return _syllables_from(r for readings in pinyin_dict.values() for r in readings.split(","))


def _strip_tones(word: str) -> str:
    w = word.lower().translate(_TONE)
    return "".join(ch for ch in unicodedata.normalize("NFD", w) if not unicodedata.combining(ch))


@lru_cache(maxsize=4096)
def is_pinyin_word(word: str) -> bool:
    """True when ``word`` splits into valid pinyin syllables (toned or toneless, ' as separator)."""
    w = _strip_tones(word).replace("'", "").replace("’", "")
    if not w or not w.isascii() or not w.isalpha() or len(w) > 30:
        return False
    syl = _pinyin_syllables()
    ok = [True] + [False] * len(w)
    for i in range(1, len(w) + 1):
        for k in range(max(0, i - 6), i):
            if ok[k] and w[k:i] in syl:
                ok[i] = True
                break
    return ok[len(w)]


def _pinyin_family_spans(text: str) -> list[tuple[int, int]]:
    """The pinyin family's own pinyin-block spans (qc.detectors.pinyin), so SC06 never claims them."""
    try:
        from .pinyin import pinyin_block_spans
    except ImportError:  # the pinyin family is optional here; our syllable test still applies
        return []
    return _merge(list(pinyin_block_spans(text)))


def _quoted(text: str, a: int, b: int) -> bool:
    i = a - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    j = b
    while j < len(text) and text[j] in " \t":
        j += 1
    return i >= 0 and j < len(text) and _QUOTES.get(text[i]) == text[j]


def _line_of(text: str, a: int, b: int) -> str:
    s = text.rfind("\n", 0, a) + 1
    e = text.find("\n", b)
    return text[s:e if e >= 0 else len(text)]


_BREAKS = np.zeros(sc.N_CLASSES, dtype=bool)  # what ends a Latin passage: Han, CJK punctuation (not “”), a newline
_BREAKS[[sc.HAN, sc.HAN_S, sc.HAN_T, sc.CJK_PUNCT, sc.NEWLINE, sc.KANA, sc.HANGUL]] = True
_MAX_WORD_GAP = 8


def _latin_runs(text: str, codes: np.ndarray, min_words: int):
    """``_LATIN_RUN`` matches, searched only inside stretches of at least ``min_words`` Latin words
    (found with array operations, so text with a few Latin tokens costs no regex pass)."""
    letters = _LATIN_LETTER[codes]
    bounds = np.flatnonzero(letters[1:] != letters[:-1]) + 1  # where letter runs start and end
    if letters[0]:
        bounds = np.concatenate(([0], bounds))
    if letters[-1]:
        bounds = np.concatenate((bounds, [len(codes)]))
    ws, we = bounds[0::2], bounds[1::2]
    if len(ws) < min_words:
        return
    # the gap between two words: short, and no Han, CJK punctuation or newline in it
    idx = we[:-1, None] + np.arange(_MAX_WORD_GAP)
    in_gap = idx < ws[1:, None]
    has_break = (_BREAKS[codes[np.minimum(idx, len(codes) - 1)]] & in_gap).any(axis=1)
    gap_ok = (ws[1:] - we[:-1] <= _MAX_WORD_GAP) & ~has_break
    cuts = np.flatnonzero(~gap_ok).tolist()
    first = 0
    for last in [*cuts, len(ws) - 1]:
        if last - first + 1 >= min_words:
            yield from _LATIN_RUN.finditer(text, int(ws[first]), int(we[last]))
        first = last + 1


@detector("latin_passages")
def latin_passages(doc, profile, params):
    if doc.status != STATUS_OK:
        return
    text = doc.text
    cls = sc.classify(text)
    min_letters = int(params["min_letters"])
    if int(cls.counts[sc.LATIN_LO]) + int(cls.counts[sc.LATIN_EXT]) < min_letters:
        return  # fast path: acronyms and names only
    if not _is_chinese_document(text):
        return
    min_words, max_title = int(params["min_words"]), int(params["max_title_words"])
    lower_share, pinyin_share = float(params["min_lowercase_share"]), float(params["pinyin_share"])
    min_prob, budget = float(params["min_probability"]), int(params["max_detect"])
    fm = doc.front_matter_span or (0, 0)
    urls: list[tuple[int, int]] | None = None  # computed on the first candidate
    pinyin_spans: list[tuple[int, int]] | None = None  # likewise
    for m in _latin_runs(text, cls.codes, min_words):
        a0, b0 = m.span()
        if b0 - a0 < min_letters or fm[0] <= a0 < fm[1]:
            continue
        pieces = [(a0, b0)]
        if urls is None:
            urls = _url_spans(text)
        for us, ue in urls:  # cut URLs and e-mail addresses out of the run
            if us < b0 and ue > a0:
                pieces = [q for p in pieces for q in ((p[0], min(p[1], us)), (max(p[0], ue), p[1])) if q[1] > q[0]]
        for a, b in pieces:
            while a < b and text[a] in _TRIM_HEAD:
                a += 1
            while b > a and text[b - 1] in _TRIM_TAIL:
                b -= 1
            if b < len(text) and text[b] in ".!?" and b == b0:
                b += 1  # the sentence's own full stop
            seg = text[a:b]
            words = _ALPHA_WORD.findall(seg)
            letters = sum(len(w) for w in words)
            if len(words) < min_words or letters < min_letters:
                continue
            if sum(1 for w in words if w[0].islower()) / len(words) < lower_share:
                continue  # names, titles, acronyms: natural sentences are mostly lowercase words
            if len(words) <= max_title and _quoted(text, a, b):
                continue  # a quoted title
            if sum(1 for w in words if is_pinyin_word(w)) / len(words) >= pinyin_share:
                continue  # pinyin: the pinyin family's
            if pinyin_spans is None:
                pinyin_spans = _pinyin_family_spans(text)
            if any(ps < b and pe > a and min(pe, b) - max(ps, a) >= (b - a) / 2 for ps, pe in pinyin_spans):
                continue  # the pinyin family flags (most of) this run
            if _CODE_TOKENS.search(seg) or len(_CODE_CHARS.findall(_line_of(text, a, b))) >= 3:
                continue  # code: command-line options, calls, or a line full of code symbols
            if budget <= 0:
                return
            budget -= 1
            lang, prob = _detect(seg)
            if lang is None or prob is None or prob < min_prob or lang.startswith(("zh", "ja", "ko")):
                continue
            yield Hit(a, b, f"{_lang_label(lang)} passage inside Chinese text ({len(words)} words; "
                            f"langdetect {lang}, p={prob:.2f})",
                      evidence={"language": lang, "probability": prob, "words": len(words)})


latin_passages.param_defaults = {"min_words": 5, "min_letters": 20, "min_probability": 0.8, "max_title_words": 8,
                                 "min_lowercase_share": 0.5, "pinyin_share": 0.7, "max_detect": 20}


@detector("non_chinese_document")
def non_chinese_document(doc, profile, params):
    if doc.status != STATUS_OK:
        return
    from ..language import analyse

    info = analyse(doc.text)
    if info["primary"] in ("zh", "und") or info["letters"] < int(params["min_letters"]):
        return
    prob = info.get("probability")
    detail = f"langdetect {info['primary']}, p={prob:.2f}" if prob is not None else f"script {info['script']}"
    yield Hit(0, len(doc.text), f"document is not Chinese: {_lang_label(info['primary'])} ({detail})",
              evidence={"language": info["primary"], "script": info["script"], "probability": prob})


non_chinese_document.param_defaults = {"min_letters": 50}
