"""Encoding damage (family ``encoding``): mojibake of every kind in Chinese text, with the recovered
text where the bytes allow it; replacement characters, invisible characters, HTML residue and the
file-level faults (legacy encoding, undecodable bytes, mixed line endings, BOMs, unscannable files).

Catches:
- ``replacement_chars``: runs of U+FFFD, and runs of ``?`` standing where Han characters were
  (a lossy encode replaced them): two or more ``?`` in a row touching Han text. A single ``?``
  between Han characters is usually a half-width question mark and is left alone.
- ``invisible_chars``: C0/C1 control characters (not tab/newline/CR), zero-width and bidi controls,
  private-use characters. U+3000 ideographic space is legitimate and left alone.
- ``utf8_read_as_gbk`` / ``gbk_misaligned`` / ``big5_gbk_confusion``: runs of Han text that are
  really bytes decoded with the wrong codec (浣犲ソ = 你好 as UTF-8 read as GBK; 拔覀兤诖 = a GBK
  stream one byte out of step; Big5 ⇄ GBK). The run is re-encoded with the codec that misread it and
  decoded the right way; the repair is kept only when it is much more plausible Chinese (character
  frequencies from jieba's dictionary, dictionary words), and both plausibilities are reported.
- ``latin1_mojibake``: UTF-8 (or GBK) bytes read as Latin-1/cp1252/cp1250 (ä¸­æ–‡); ftfy's encoding
  repair only (never its quote/width fixes), plus a lost-byte-aware re-decode of our own.
- ``signature_garbage``: 锟斤拷, 烫烫烫, 屯屯屯, and 鈥?/銆?/锛? punctuation stubs.
- ``html_residue``: tags of real HTML elements, entities (also double-escaped), comments, CDATA,
  script/style bodies.
- ``file_encoding``: the file was not UTF-8 (names the detected codec); a BOM.
- ``undecodable_bytes``: bytes that no codec could decode (byte offsets in the message).
- ``mixed_line_endings``, ``bom_inside``: CRLF/LF/CR mixed in one file; U+FEFF inside the text.
- ``unscannable_file``: binary, unreadable or empty files (one finding, nothing else runs).
How: each detector starts with one cheap compiled regex (or a substring test) that clean text
mostly passes straight through; the codec work runs only on the few places it selects, with a
constant number of round-trips per place, so the cost stays linear in the text length.
Known false positives: a ``??`` used as emphasis between Chinese words in chat text; private-use
characters some fonts use for icons; an article that quotes HTML tags on purpose; very short runs
of rare characters that happen to re-decode into common words (none on the 143 gold pages).
Known misses: mojibake damaged twice or hand-copied (bytes no longer consistent); Big5 read as GBK
when Python's decoder dropped most bytes; runs shorter than three characters.
"""
from __future__ import annotations

import re
from functools import lru_cache as _lru_cache
from typing import NamedTuple

from ..model import STATUS_BINARY, STATUS_EMPTY, STATUS_MALFORMED, STATUS_OK, STATUS_UNREADABLE, Hit
from ..resources import mojibake as mj
from ..resources.charfreq import frequent_han
from . import detector

HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_FFFD = re.compile("\ufffd+")
# ? runs next to Han: "??" or more touching Han, or "?" squeezed between two Han characters
_QRUN = re.compile(rf"(?<=[{HAN}])\?{{2,}}|\?{{2,}}(?=[{HAN}])")
_INVISIBLE_CLASS = (
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f"  # C0 (not \t \n \r) and C1 controls
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069"  # zero-width and bidi controls (U+FEFF: bom_inside)
    "\ue000-\uf8ff"  # private use
)
_INVISIBLE = re.compile(f"[{_INVISIBLE_CLASS}]+")


# ----------------------------------------------------------------------------------------------
# Shared pre-filter: one regex pass per document tells every rule whether it has work to do.
# ----------------------------------------------------------------------------------------------


class _Scan(NamedTuple):
    clusters: tuple[int, ...]  # where a cluster of suspicious characters can start (EN06–EN08)
    invisible: int  # first invisible/control character (EN02), -1 if none
    latin: int  # first Latin-1 pair that may be mojibake (EN09), -1 if none
    signature: bool  # one of 鈥 銆 锛 锟 烫 屯 occurs (EN10)


_SIGNATURE_CHARS = "鈥銆锛锟烫屯"


@_lru_cache(maxsize=4)
def _prefilter_re(top: int) -> re.Pattern:
    """One leading character class (suspicious ∪ invisible ∪ Latin-1 letters) lets the regex engine
    skip clean text at C speed; a lookbehind then says which rule the character is for, and a
    lookahead of constant length checks that a cluster / a Latin pair really starts there. Each
    match is one character, so no candidate hides another."""
    sus = _suspicious_class(top)
    return re.compile(f"[{sus[1:-1]}{_INVISIBLE_CLASS}\u00a1-\u017f{_SIGNATURE_CHARS}]"
                      f"(?:(?<={sus})(?={_cluster_tail(sus, True)})()"
                      f"|(?<=[{_INVISIBLE_CLASS}])()"
                      f"|(?<=[\u00a1-\u017f])(?=[{_LATIN_NEXT}])()"
                      f"|(?<=[{_SIGNATURE_CHARS}])())")


@_lru_cache(maxsize=8)
def _prefilter(text: str, top: int) -> _Scan:
    """Candidates for the EN rules in ``text``, one pass (cached: every rule of a document shares it).
    Clean text has few: rare Han characters that start no cluster do not match at all."""
    clusters: list[int] = []
    invisible = latin = -1
    signature = False
    for m in _prefilter_re(top).finditer(text):
        k = m.lastindex
        if k == 1:
            p = m.start()
            clusters.append(p)
            if not signature and text[p] in _SIGNATURE_CHARS:  # 锟 烫 屯 鈥 may start a cluster
                signature = True
        elif k == 2:
            if invisible < 0:
                invisible = m.start()
        elif k == 3:
            if latin < 0:
                latin = m.start()
        else:
            signature = True
    return _Scan(tuple(clusters), invisible, latin, signature)


_PREFILTER_TOP = 2000  # the rules' default common_top: rules without that parameter use it

_NAMES = {
    "\u200b": "ZERO WIDTH SPACE", "\u200c": "ZERO WIDTH NON-JOINER", "\u200d": "ZERO WIDTH JOINER",
    "\u200e": "LEFT-TO-RIGHT MARK", "\u200f": "RIGHT-TO-LEFT MARK", "\ufeff": "BYTE ORDER MARK / ZWNBSP",
    "\u2060": "WORD JOINER",
}


def _describe(ch: str) -> str:
    o = ord(ch)
    if ch in _NAMES:
        return f"U+{o:04X} {_NAMES[ch]}"
    if 0xE000 <= o <= 0xF8FF:
        return f"U+{o:04X} private-use character"
    if 0x202A <= o <= 0x202E or 0x2066 <= o <= 0x2069:
        return f"U+{o:04X} bidi control"
    if o < 0x20 or o == 0x7F:
        return f"U+{o:04X} C0 control character"
    if 0x80 <= o <= 0x9F:
        return f"U+{o:04X} C1 control character"
    return f"U+{o:04X} invisible character"


@detector("replacement_chars")
def replacement_chars(doc, profile, params):
    text = doc.text
    if "\ufffd" in text:
        for m in _FFFD.finditer(text):
            n = m.end() - m.start()
            yield Hit(m.start(), m.end(),
                      f"{n} replacement character{'s' if n > 1 else ''} (U+FFFD): bytes here were lost in decoding",
                      evidence={"count": n})
    if params.get("question_runs", True) and "??" in text:
        for m in _QRUN.finditer(text):
            n = m.end() - m.start()
            yield Hit(m.start(), m.end(),
                      f"{n} '?' standing in Han text: characters lost by a lossy encode (e.g. to GBK/Latin-1)",
                      evidence={"count": n})


replacement_chars.param_defaults = {"question_runs": True}


@detector("invisible_chars")
def invisible_chars(doc, profile, params):
    text = doc.text
    first = _prefilter(text, _PREFILTER_TOP).invisible
    if first < 0:
        return
    for m in _INVISIBLE.finditer(text, first):
        s = m.group()
        if m.start() == 0 and s == "\ufeff":
            continue  # leading BOM is a file-encoding matter
        kinds = sorted({_describe(c) for c in s})
        yield Hit(m.start(), m.end(), f"{len(s)} invisible/control character{'s' if len(s) > 1 else ''}: {', '.join(kinds[:4])}",
                  suggestion="", evidence={"codepoints": [f"U+{ord(c):04X}" for c in s[:16]]})


invisible_chars.param_defaults = {}


@detector("file_encoding")
def file_encoding(doc, profile, params):
    enc = doc.encoding
    if doc.status != STATUS_OK:
        return
    if enc.name not in ("utf-8", "ascii"):
        conf = f" (confidence {enc.confidence:.2f})" if enc.confidence is not None else ""
        yield Hit(0, 0, f"file is not UTF-8: decoded as {enc.name}{conf}; convert it to UTF-8",
                  evidence={"encoding": enc.name})
    elif enc.bom and params.get("flag_bom", True):
        yield Hit(0, 0, "file starts with a UTF-8 byte order mark (stripped before scanning)", severity="info",
                  evidence={"bom": True})


file_encoding.param_defaults = {"flag_bom": True}


@detector("undecodable_bytes")
def undecodable_bytes(doc, profile, params):
    enc = doc.encoding
    if not enc.decode_errors:
        return
    offs = ", ".join(str(o) for o in enc.error_bytes[:10])
    more = "…" if len(enc.error_bytes) > 10 or enc.decode_errors > len(enc.error_bytes) else ""
    for s, e in enc.error_spans[: int(params.get("max_spans", 50))]:
        yield Hit(s, e, f"undecodable byte(s) in {enc.name} data replaced by U+FFFD", evidence={"encoding": enc.name})
    yield Hit(0, 0, f"{enc.decode_errors} byte(s) could not be decoded as {enc.name}; byte offsets {offs}{more}",
              evidence={"byte_offsets": enc.error_bytes[:100], "count": enc.decode_errors})


undecodable_bytes.param_defaults = {"max_spans": 50}


@detector("unscannable_file")
def unscannable_file(doc, profile, params):
    if doc.status in (STATUS_BINARY, STATUS_UNREADABLE, STATUS_MALFORMED):
        yield Hit(0, 0, doc.error or f"{doc.status} file", evidence={"status": doc.status})
    elif doc.status == STATUS_EMPTY:
        yield Hit(0, 0, doc.error or "empty file", severity="info", evidence={"status": doc.status})


unscannable_file.param_defaults = {}


# ==============================================================================================
# Mojibake in Han text: UTF-8 read as GBK/Big5, GBK one byte out of step, Big5 ⇄ GBK confusion.
#
# Pre-filter (one regex pass): a *cluster* is three or more suspicious characters (Han characters
# outside the jieba top-N and their Traditional forms; kana, bopomofo, Greek, Cyrillic, box
# drawing and enclosed forms that GBK's symbol rows produce) with at most two characters between
# them. Clean text has few clusters (rare names, 古文); each costs a constant number of codec
# round-trips: the cluster's core is widened by 0..4 characters on each side inside its run, each
# window is re-decoded under every hypothesis, and the best repair is kept only when it is much
# more plausible than the damaged text. Lost bytes are guessed from jieba words only for the
# winning repair.
# ==============================================================================================


_SUSPICIOUS_SYMBOLS = (
    "\u0391-\u03c9"  # Greek (GBK row A6)
    "\u0401-\u0451"  # Cyrillic (row A7)
    "\u2474-\u249b"  # parenthesised numbers (row A2), not ①–⑳
    "\u2500-\u257f"  # box drawing (row A9)
    "\u3041-\u30ff"  # kana (rows A4, A5)
    "\u3105-\u3129"  # bopomofo (row A8)
    "\u3220-\u3229"  # ㈠–㈩ (row A2)
    "\ufffd"  # a byte the bad decode lost
)


def _ranges(chars: list[int]) -> str:
    out = []
    i = 0
    while i < len(chars):
        j = i
        while j + 1 < len(chars) and chars[j + 1] == chars[j] + 1:
            j += 1
        out.append(f"\\u{chars[i]:04x}" if i == j else f"\\u{chars[i]:04x}-\\u{chars[j]:04x}")
        i = j + 1
    return "".join(out)


@_lru_cache(maxsize=4)
def _suspicious_class(top: int) -> str:
    """Regex class of suspicious characters: Han outside the ``top`` frequent ones, GBK symbol rows."""
    common = frequent_han(top)
    rare = [o for lo, hi in ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
            for o in range(lo, hi + 1) if chr(o) not in common]
    return f"[{_ranges(rare)}{_SUSPICIOUS_SYMBOLS}]"


def _cluster_tail(sus: str, bounded: bool) -> str:
    """What must follow a suspicious character for a cluster to start there. ``bounded``: two more
    suspicious characters are enough (the same yes/no answer, for a lookahead of constant cost)."""
    return f"(?:(?:[^\\n]{{0,2}}?{sus}){{{'2' if bounded else '2,'}}}|{sus}[^\\n]{{0,2}}?[?\\ufffd])"


@_lru_cache(maxsize=4)
def _cluster_re(top: int) -> re.Pattern:
    # three or more suspicious characters, gaps of at most two characters (no line break): on the
    # gold pages 109 clusters per 1.3 MB (two would give 912), on mojibake the same 84% coverage
    # or two side by side followed by a lost-byte mark (馊缡恰?). Its starts come from the shared
    # pre-filter (``_prefilter``); this pattern gives each cluster's end.
    sus = _suspicious_class(top)
    return re.compile(f"{sus}{_cluster_tail(sus, False)}")


def _clusters(text: str, top: int):
    """(start, end) of every cluster, as ``_cluster_re(top).finditer(text)`` would give them."""
    cre = _cluster_re(top)
    end = 0
    for p in _prefilter(text, top).clusters:
        if p >= end:
            end = cre.match(text, p).end()
            yield p, end


def _is_suspicious_symbol(ch: str) -> bool:
    o = ord(ch)
    return (0x391 <= o <= 0x3C9 or 0x401 <= o <= 0x451 or 0x2474 <= o <= 0x249B or 0x2500 <= o <= 0x257F
            or 0x3041 <= o <= 0x30FF or 0x3105 <= o <= 0x3129 or 0x3220 <= o <= 0x3229 or o == 0xFFFD)


def _run_char(text: str, i: int) -> bool:
    """Can text[i] belong to a mojibake run? Non-ASCII non-space characters, the lost-byte marks
    ``?``/``!``, and a lone ASCII character between two non-ASCII ones (Big5 trail bytes 0x40–0x7E)."""
    ch = text[i]
    o = ord(ch)
    if o >= 0x80:
        return not ch.isspace()
    if ch in "?!":
        return True
    if 0x21 <= o <= 0x7E and 0 < i < len(text) - 1:
        return ord(text[i - 1]) >= 0x80 and ord(text[i + 1]) >= 0x80 and not text[i - 1].isspace() \
            and not text[i + 1].isspace()
    return False


def _looks_japanese(s: str) -> bool:
    """Japanese prose: over 20% hiragana, and its particles/endings (の は を が に で て た し と す)
    make most of the hiragana. Big5 read as GBK also yields hiragana, but spread over the row."""
    na = [c for c in s if ord(c) >= 0x80 and not c.isspace()]
    hira = [c for c in na if "\u3041" <= c <= "\u309f"]
    if not na or len(hira) < 0.2 * len(na):
        return False
    return sum(1 for c in hira if c in "のはをがにでてたしとすなるいっ") >= 0.4 * len(hira)


# hypothesis name → (rule kind, description, function(window, clean_only) -> list[Decoded]);
# clean_only: leave out decodes with errors (the window search never uses those), which lets the
# decoders stop at the first bad byte
def _h_utf8_as(codec):
    def run(w, clean_only=False):
        bs = mj.damaged_bytes(w, codec)
        if bs is None:
            return []
        dec = mj.decode_utf8(bs, clean_only=clean_only)
        return [dec] if dec is not None else []
    return run


def _h_shifted(codec):
    def run(w, clean_only=False):
        out = []
        for bang in (True, False):
            if not bang and "!" not in w:
                continue
            bs = mj.damaged_bytes(w, codec, fullwidth_bang=bang)
            if bs is None:
                continue
            for start in (0, 1):
                dec = mj.decode_double_byte(bs, codec, start, clean_only)
                if dec is not None:
                    out.append(dec)
        return out
    return run


def _h_cross(enc_codec, dec_codec):
    def run(w, clean_only=False):
        bs = mj.damaged_bytes(w, enc_codec)
        dec = mj.decode_double_byte(bs, dec_codec, 0, clean_only) if bs is not None else None
        return [dec] if dec is not None else []
    return run


_TEXT_CACHES: list = []  # per-text caches (cleared by ``clear_text_caches``)


def _memo(run):
    """A hypothesis' decodes of a window, cached: the gate, the window search and the growth step
    ask again for the same windows. The Decoded objects are shared; nobody changes them."""
    @_lru_cache(maxsize=128)
    def cached(w, clean_only=False):
        return tuple(run(w, clean_only))
    _TEXT_CACHES.append(cached)
    return cached


_HYPOTHESES = (
    ("utf8_as_gbk", "UTF-8 bytes decoded as GBK", _memo(_h_utf8_as("gbk"))),
    ("utf8_as_gbk", "UTF-8 bytes decoded as GB18030", _memo(_h_utf8_as("gb18030"))),
    ("utf8_as_gbk", "UTF-8 bytes decoded as Big5", _memo(_h_utf8_as("big5"))),
    ("gbk_shifted", "GBK bytes decoded one byte out of step", _memo(_h_shifted("gbk"))),
    ("big5_gbk", "Big5 bytes decoded as GBK", _memo(_h_cross("gbk", "big5"))),
    ("big5_gbk", "GBK bytes decoded as Big5", _memo(_h_cross("big5", "gbk"))),
)


def clear_text_caches() -> None:
    """Forget everything cached about particular texts (benchmarks: every timed run does all the work)."""
    for c in _TEXT_CACHES + [_analyse_cached, _prefilter, mj.plausibility, mj.common_ratio]:
        c.cache_clear()


_MIN_UNITS = {"utf8_as_gbk": 2, "gbk_shifted": 3, "big5_gbk": 3}


def _score(fixed: mj.Plausibility, damaged: mj.Plausibility) -> float:
    """Window choice: what the repair reads well, minus what it leaves rare, minus what was fine."""
    return fixed.good - 2 * fixed.rare - damaged.good


def _provisional(dec: mj.Decoded) -> tuple[str, frozenset[int]]:
    """The repair as text with U+FFFD for each lost-byte character, and those indices (cached on ``dec``)."""
    return dec.provisional


def _analyse_han_mojibake(text: str, top: int, min_fixed: float, min_gain: float, max_widen: int):
    """Repairs found in ``text``: list of dicts (kind, start, end, fixed, …); cached per text."""
    return _analyse_cached(text, top, min_fixed, min_gain, max_widen)


@_lru_cache(maxsize=8)
def _analyse_cached(text, top, min_fixed, min_gain, max_widen):
    found = []
    n = len(text)
    next_free = 0
    japanese_lines: dict[int, bool] = {}
    # clusters a few characters apart on one line are one damaged stretch
    spans: list[list[int]] = []
    for ms, me in _clusters(text, top):
        if spans and ms - spans[-1][1] <= max_widen and "\n" not in text[spans[-1][1]:ms]:
            spans[-1][1] = me
        else:
            spans.append([ms, me])
    for cs, ce in spans:
        if cs < next_free:
            continue
        # grow the core over adjacent suspicious characters and lost-byte marks
        common = frequent_han(top)
        while cs > next_free and (text[cs - 1] in "?!\ufffd" or _is_suspicious_symbol(text[cs - 1])
                                  or (mj.is_han(text[cs - 1]) and text[cs - 1] not in common)):
            cs -= 1
        while ce < n and (text[ce] in "?!\ufffd" or _is_suspicious_symbol(text[ce])
                          or (mj.is_han(text[ce]) and text[ce] not in common)):
            ce += 1
        # gate 1 (C speed): some hypothesis must give a streak of frequent characters
        gs = cs
        while gs > max(next_free, cs - 3) and _run_char(text, gs - 1):
            gs -= 1
        ge = ce + 1 if ce < n and _run_char(text, ce) else ce
        quick = _quick_gate(text[gs:ge], top)
        if gs < cs:  # Python's decoders resynchronise after an error: try the bare core too
            quick |= _quick_gate(text[cs:ge], top)
        if not quick:
            continue
        core_dmg = mj.plausibility(text[cs:ce], top, left=text[max(0, cs - 3):cs], right=text[ce:ce + 3])
        if core_dmg.ratio > 1 - min_gain:
            continue  # reads as Chinese already
        # the run around the cluster (bounded, so one huge line stays linear)
        rs = gs
        while rs > 0 and rs > cs - 64 and rs > next_free and _run_char(text, rs - 1):
            rs -= 1
        re_ = ge
        while re_ < n and re_ < ce + 64 and _run_char(text, re_):
            re_ += 1
        line_s = text.rfind("\n", 0, cs) + 1
        if line_s not in japanese_lines:
            line_e = text.find("\n", ce)
            japanese_lines[line_s] = _looks_japanese(text[line_s: line_e if line_e >= 0 else n])
        if japanese_lines[line_s]:
            continue
        # gate 2: a hypothesis is searched only if it already reads the core plausibly
        hyps = []
        for hyp in _HYPOTHESES:
            if hyp[0] not in quick:
                continue
            gate_best = None
            # UTF-8 needs the window to start on a character boundary: try three starts
            for d1 in ((0, 1, 2, 3) if hyp[0] == "utf8_as_gbk" else (0, 1)):
                for d2 in (0, 1):
                    ws, we = max(rs, cs - d1), min(re_, ce + d2)
                    for dec in hyp[2](text[ws:we], True):
                        if dec.errors:
                            continue
                        prov, skip = _provisional(dec)
                        r = mj.common_ratio(prov, top, skip)
                        if r >= min_fixed - 0.2 and (gate_best is None or r > gate_best[0]) and len(prov) > len(skip):
                            gate_best = (r, ws, we, prov, skip)
            if gate_best is not None:
                _, ws, we, prov, skip = gate_best
                if mj.plausibility(prov, top, skip, left=text[max(0, ws - 3):ws],
                                   right=text[we:we + 3]).ratio >= min_fixed - 0.35:
                    hyps.append(hyp)
        best = None
        starts = sorted({max(rs, cs - d) for d in range(max_widen + 1)} | {rs})
        ends = sorted({min(re_, ce + d) for d in range(max_widen + 1)} | {re_})
        relaxed = None
        for s in (starts if hyps else ()):
            left = text[max(0, s - 3):s]
            for e in ends:
                w = text[s:e]
                right = text[e:e + 3]
                dmg = None  # computed once a repair is worth comparing
                for kind, desc, fn in hyps:
                    for dec in fn(w, True):
                        if dec.errors:
                            continue  # bytes that are no character: the window is out of step
                        prov, skip = _provisional(dec)
                        if not skip and prov == w:
                            continue  # the window itself (GBK re-read in step): no gain, never kept
                        if mj.common_ratio(prov, top, skip) < 0.5:
                            continue  # mostly rare characters: cannot read as Chinese
                        fix = mj.plausibility(prov, top, skip, left=left, right=right)
                        # windows a little below the bar may extend a repair that clears it
                        if fix.units < _MIN_UNITS[kind] or fix.ratio < min_fixed - 0.1:
                            continue
                        if dmg is None:
                            dmg = mj.plausibility(w, top, left=left, right=right)
                        if fix.ratio - dmg.ratio < min_gain:
                            continue
                        key = (_score(fix, dmg), e - s)
                        cand = (key, s, e, kind, desc, dec, dmg, fix)
                        if fix.ratio >= min_fixed and (best is None or key > best[0]):
                            best = cand
                        if relaxed is None or key > relaxed[0]:
                            relaxed = cand
        if best is not None and relaxed[0] > best[0] and relaxed[3] == best[3] \
                and relaxed[1] <= best[1] and relaxed[2] >= best[2]:
            best = relaxed
        if best is None:
            if "utf8_as_gbk" in quick:
                # a byte lost without a trace breaks one UTF-8 read into pieces: repair each piece
                pieces = _utf8_pieces(text, rs, re_, top, min_fixed, min_gain)
                if pieces:
                    found.extend(pieces)
                    next_free = pieces[-1]["end"]
            continue
        key, s, e, kind, desc, dec, dmg, fix = best
        # grow the chosen window one character at a time while the repair keeps improving
        same_kind = [h for h in _HYPOTHESES if h[0] == kind]
        for step in (1, -1):
            neutral = 0
            while True:
                ns, ne = (s, e + 1) if step == 1 else (s - 1, e)
                if ns < rs or ne > re_:
                    break
                w = text[ns:ne]
                left, right = text[max(0, ns - 3):ns], text[ne:ne + 3]
                ndmg = mj.plausibility(w, top, left=left, right=right)
                grown = None
                for _, hdesc, hfn in same_kind:
                    for cand in hfn(w):
                        prov, skip = _provisional(cand)
                        nfix = mj.plausibility(prov, top, skip, left=left, right=right)
                        nkey = (_score(nfix, ndmg), ne - ns)
                        # a neutral step (a common character decodes to another common one) is taken
                        # at most twice in a row: damage usually runs to the end of its run
                        ok = nkey[0] > key[0] or (kind != "gbk_shifted" and nkey[0] >= key[0] and neutral < 2
                                                  and not cand.errors
                                                  and prov[0 if step == -1 else -1] != w[0 if step == -1 else -1])
                        if nfix.ratio >= min_fixed - 0.1 and ok and (grown is None or nkey > grown[0]):
                            grown = (nkey, cand, ndmg, nfix, hdesc)
                if grown is None:
                    break
                neutral = neutral + 1 if grown[0][0] <= key[0] else 0
                key, dec, dmg, fix, desc = grown
                s, e = ns, ne
        # a repair right after another of the same kind: one damaged stretch whose middle character
        # happened to look common (腔 for 的) — repair the whole stretch if it reads as well
        prev = found[-1] if found else None
        if prev and prev["desc"] == desc and 0 < s - prev["end"] <= 2:
            fn = next(h[2] for h in _HYPOTHESES if h[1] == desc)
            w = text[prev["start"]:e]
            left, right = text[max(0, prev["start"] - 3):prev["start"]], text[e:e + 3]
            for cand in fn(w, True):
                if cand.errors:
                    continue
                prov, skip = _provisional(cand)
                cfix = mj.plausibility(prov, top, skip, left=left, right=right)
                if cfix.ratio >= min(fix.ratio, prev["p_fixed"]) - 0.05:
                    found.pop()
                    s, dec, fix = prev["start"], cand, cfix
                    dmg = mj.plausibility(w, top, left=left, right=right)
                    break
        if kind == "gbk_shifted":
            e, dec = _resync_end(text, s, e, dec)
        # Big5/GBK lost bytes leave ~100 candidates with no structure to narrow them: no guessing
        fixed, guessed, unknown = dec.resolve(text[max(0, s - 4):s], text[e:e + 4], guess=kind != "big5_gbk")
        # characters the repair leaves as they are stay outside the span
        while fixed and s < e and fixed[0] == text[s]:
            fixed, s = fixed[1:], s + 1
        while fixed and s < e and fixed[-1] == text[e - 1]:
            fixed, e = fixed[:-1], e - 1
        found.append({"kind": kind, "desc": desc, "start": s, "end": e, "fixed": fixed,
                      "lossless": dec.lossless, "guessed": len(guessed), "unknown": unknown,
                      "p_damaged": round(dmg.ratio, 2), "p_fixed": round(fix.ratio, 2)})
        next_free = e
    if "\ufffd" in text:
        found = _resync_repairs(text, found, top, min_fixed, min_gain, japanese_lines)
    return found


def _japanese_line(text: str, i: int, memo: dict[int, bool]) -> bool:
    """Does the line holding text[i] read as Japanese prose (memo by line start)?"""
    line_s = text.rfind("\n", 0, i) + 1
    if line_s not in memo:
        line_e = text.find("\n", i)
        memo[line_s] = _looks_japanese(text[line_s: line_e if line_e >= 0 else len(text)])
    return memo[line_s]


def _resync_end(text: str, s: int, e: int, dec: mj.Decoded) -> tuple[int, mj.Decoded]:
    """A misaligned GBK repair whose window ends at the decoder's resync point: take the U+FFFD
    that stands for the last character's trail byte into the span, and narrow that character's
    candidates to the trails the decoder could have rejected (``gbk_resync_cands``)."""
    if not dec.items or not isinstance(dec.items[-1], tuple) or not dec.items[-1]:
        return e, dec
    if text[e - 1] != "\ufffd":
        if e < len(text) and text[e] == "\ufffd":
            e += 1  # the window ended on a lone lead byte; its trail is the U+FFFD after it
        else:
            return e, dec
    if e < len(text):
        try:
            nxt = text[e].encode("gbk")[0]
        except UnicodeEncodeError:
            return e, dec  # a U+FFFD or ? after it: the byte the decoder paired it with is unknown
    else:
        nxt = -1
    lead = dec.items[-1][0].encode("gbk")[0]
    # the narrowed candidates are guessed here; when none forms a clear word (or the U+FFFD came
    # from a decoder that works otherwise) the character keeps all its candidates
    cands = mj.gbk_resync_cands(lead, nxt)
    g = mj.guess_char(cands, "".join(it for it in dec.items[:-1] if isinstance(it, str)),
                      text[e:e + 4]) if cands else None
    if g is None:
        return e, dec
    return e, mj.Decoded(dec.items[:-1] + [(g,)], dec.errors)


_RESYNC_RUN = 12  # characters looked at before a U+FFFD that may end a misaligned run
_RESYNC_MIN = 3  # fewest characters before the U+FFFD (the realigned text has one fewer known)


def _resync_repairs(text: str, found: list[dict], top: int, min_fixed: float, min_gain: float,
                    japanese_lines: dict[int, bool]) -> list[dict]:
    """``found`` plus misaligned GBK runs that end at a U+FFFD outside every repair in ``found``.
    A GBK stream one byte out of step is made of random GB2312 characters, many of them frequent,
    and Python's decoder falls back into step at the first pair that is no character (writing one
    U+FFFD), so most misaligned runs are a few characters long and the cluster pre-filter misses
    them. Each U+FFFD (at most 200 per text) gets ``_resync_repair`` on the run of up to
    ``_RESYNC_RUN`` non-ASCII characters before it (no CJK punctuation, at least ``_RESYNC_MIN``).
    Only texts holding U+FFFD pay for this, after the cluster repairs, which it never changes.
    Known false positives: none on the gold pages (no U+FFFD there) nor on clean text with
    U+FFFD inserted (its run already reads as Chinese); rare characters before a lost byte must
    realign into frequent characters and words to be reported."""
    spans = sorted((r["start"], r["end"]) for r in found)
    added = []
    k = 0
    p = text.find("\ufffd")
    tries = 0
    while p >= 0 and tries < 200:
        while k < len(spans) and spans[k][1] <= p:
            k += 1
        if k < len(spans) and spans[k][0] <= p:
            p = text.find("\ufffd", spans[k][1])  # inside a repair
            continue
        floor = max(spans[k - 1][1] if k else 0, added[-1]["end"] if added else 0)
        s = p
        while s > max(floor, p - _RESYNC_RUN) and text[s - 1] not in "?!\ufffd" \
                and ord(text[s - 1]) >= 0x80 and not text[s - 1].isspace() and text[s - 1] not in mj.CJK_PUNCT:
            s -= 1
        # Python's decoder writes one U+FFFD per rejected byte and is in step right after it: a run
        # of U+FFFD is other damage
        if p - s >= _RESYNC_MIN and text[p + 1:p + 2] != "\ufffd":
            tries += 1
            r = _resync_repair(text, s, p, top, min_fixed, min_gain, japanese_lines)
            if r is not None and (k >= len(spans) or r["end"] <= spans[k][0]):
                added.append(r)
        p = text.find("\ufffd", p + 1)
    if not added:
        return found
    return sorted(found + added, key=lambda r: r["start"])


def _resync_repair(text: str, lo: int, p: int, top: int, min_fixed: float, min_gain: float,
                   japanese_lines: dict[int, bool]):
    """Misaligned GBK in text[s:p+1] for some lo ≤ s, where text[p] is the U+FFFD at which the
    decoder fell back into step (see ``_resync_repairs``). Each start is read one byte later:
    the first character lost a byte (its lead, or the trail of the character before), the U+FFFD
    is the last one's trail (narrowed by ``gbk_resync_cands``); both are guessed from the words
    around them. A window is kept when its recovered characters clear the usual plausibility and
    gain bars (at least three of them), or when at least two recovered characters, all frequent,
    and the two guessed ones read together as Chinese words (at least four characters: two rare
    characters before a U+FFFD are never enough). Returns a repair dict or None."""
    if _japanese_line(text, p, japanese_lines):
        return None
    kind, desc, fn = _HYPOTHESES[3]
    best = None
    for s in range(lo, p - _RESYNC_MIN + 1):
        w = text[s:p + 1]
        left, right = text[max(0, s - 3):s], text[p + 1:p + 4]
        dmg = None
        for dec in fn(w, True):
            if dec.errors or not dec.items or not isinstance(dec.items[0], tuple):
                continue  # not a re-read one byte later
            prov, skip = _provisional(dec)
            known = len(prov) - len(skip)
            if known < 2 or mj.common_ratio(prov, top, skip) < 0.5:
                continue
            if dmg is None:
                # the U+FFFD itself says nothing about the run: left out (and the words it breaks
                # joined), so that clean text before an inserted U+FFFD keeps its plausibility
                dmg = mj.plausibility(w[:-1], top, left=left, right=text[p + 1:p + 4])
                if dmg.ratio > 1 - min_gain:
                    break  # reads as Chinese already
            fix = mj.plausibility(prov, top, skip, left=left, right=right)
            e, rdec = _resync_end(text, s, p + 1, dec)
            narrowed = isinstance(rdec.items[-1], tuple) and len(rdec.items[-1]) == 1
            first = rdec.items[0]
            if first:  # lost: the byte before the run, or the one after the first byte
                fb = first[0].encode("gbk")
                if len(fb) == 2 and fb[1] >= 0x40:
                    rdec = mj.Decoded([mj.gbk_either_cands(fb[1])] + rdec.items[1:], rdec.errors)
            tier1 = known >= _MIN_UNITS[kind] and fix.units >= _MIN_UNITS[kind] and fix.ratio >= min_fixed \
                and fix.ratio - dmg.ratio >= min_gain
            if not tier1 and ((known < 3 and not narrowed) or mj.common_ratio(prov, top, skip) < 1.0):
                continue  # two recovered characters are too few unless the last one's guess was narrowed
            # windows are compared on their text with the guessed characters in it (a character
            # left unknown is left out), so a longer window is not worse for holding one more guess
            fixed, guessed, unknown = rdec.resolve(text[max(0, s - 4):s], text[e:e + 4])
            unk = frozenset(i for i, c in enumerate(fixed) if c == "\ufffd")
            score = mj.plausibility(fixed, top, unk, left=left, right=text[e:e + 3])
            if not tier1 and (unknown or score.units < 4 or score.ratio < min_fixed
                              or score.ratio - dmg.ratio < min_gain
                              or not all(mj.word_covered(fixed, 1, len(fixed) - 1))):
                continue  # every recovered character must lie in a word of the realigned text
            key = (_score(score, dmg), e - s)
            if best is None or key > best[0]:
                best = (key, s, e, rdec, dmg, score)
    if best is None:
        return None
    _, s, e, dec, dmg, fix = best
    fixed, guessed, unknown = dec.resolve(text[max(0, s - 4):s], text[e:e + 4])
    return {"kind": kind, "desc": desc, "start": s, "end": e, "fixed": fixed, "lossless": False,
            "guessed": len(guessed), "unknown": unknown, "p_damaged": round(dmg.ratio, 2),
            "p_fixed": round(fix.ratio, 2)}


@_lru_cache(maxsize=4)
def _common_class(top: int) -> str:
    chars = sorted(ord(c) for c in frequent_han(top) | mj.CJK_PUNCT)
    return f"[{_ranges(chars)}]"


@_lru_cache(maxsize=4)
def _common_run_re(top: int) -> re.Pattern:
    return re.compile(f"{_common_class(top)}+")


def _best_piece(s: str, top: int) -> int:
    """Longest streak of frequent characters (CJK punctuation included) in a trial decode."""
    return max(map(len, _common_run_re(top).findall(s)), default=0)


def _has_streak(s: str, top: int, k: int) -> bool:
    """Is there a streak of at least ``k`` frequent characters in ``s``? (One compiled regex for
    every k: each pattern with the ~2,000-character class costs ~10 ms to compile.)"""
    return any(len(m) >= k for m in _common_run_re(top).findall(s))


def _quick_gate(core: str, top: int) -> set[str]:
    """Which hypothesis kinds deserve the careful search: a trial decode at C speed (lost bytes just
    become U+FFFD) must yield a streak of frequent characters longer than the damaged text's
    own, and at least two (UTF-8) or three (the others) long."""
    kinds = set()
    for codec in ("gb18030", "big5"):  # GB18030 encodes every GBK character to the same bytes
        if _has_streak(core.encode(codec, "replace").decode("utf-8", "replace"), top, 2):
            kinds.add("utf8_as_gbk")
            break
    k = max(3, _best_piece(core, top) + 1)

    def need(s):
        return _has_streak(s, top, k)
    # a lost byte stands in as A1 (the punctuation row's lead) so the pairing parity survives
    b = core.replace("!", "！").encode("gbk", "replace").replace(b"?", b"\xa1")
    if need(b[1:].decode("gbk", "replace")) or (
            ("?" in core or "\ufffd" in core) and need(b.decode("gbk", "replace"))):  # b: parity shifted by a lost byte
        kinds.add("gbk_shifted")
    # here a lost byte stands in as A4, the lead of Big5's most frequent row
    if need(core.encode("gbk", "replace").replace(b"?", b"\xa4").decode("big5", "replace")) or \
            need(core.encode("big5", "replace").decode("gbk", "replace")):
        kinds.add("big5_gbk")
    return kinds


def _utf8_pieces(text, rs, re_, top, min_fixed, min_gain):
    """UTF-8-read-as-GBK repairs of the error-free pieces of run text[rs:re_] (a piece ends where
    the re-encoded bytes stop being UTF-8, e.g. where a byte went missing without a ``?``)."""
    out = []
    for codec, desc in (("gbk", "UTF-8 bytes decoded as GBK"), ("gb18030", "UTF-8 bytes decoded as GB18030")):
        owner: list[int] = []  # byte index → character index
        bs: list[int] = []
        for i in range(rs, re_):
            b = mj.damaged_bytes(text[i], codec)
            if b is None:
                bs = []
                break
            bs.extend(b)
            owner.extend([i] * len(b))
        if not bs:
            continue
        dec = mj.decode_utf8(bs, with_offsets=True)
        piece: list[int] = []  # item indices of the current error-free piece
        pieces = []
        for k, it in enumerate(dec.items):
            if it == "\ufffd":
                if piece:
                    pieces.append(piece)
                piece = []
            else:
                piece.append(k)
        if piece:
            pieces.append(piece)
        for pc in pieces:
            s = owner[dec.offsets[pc[0]]]
            e = owner[dec.offsets[pc[-1] + 1] - 1] + 1 if pc[-1] + 1 < len(dec.offsets) else re_
            sub = mj.Decoded([dec.items[k] for k in pc], 0)
            prov, skip = _provisional(sub)
            if len(prov) - len(skip) < 2 or mj.common_ratio(prov, top, skip) < min_fixed - 0.1:
                continue
            left, right = text[max(0, s - 3):s], text[e:e + 3]
            fix = mj.plausibility(prov, top, skip, left=left, right=right)
            dmg = mj.plausibility(text[s:e], top, left=left, right=right)
            # a piece is checked 0.1 less strictly: its words were cut where the byte went missing
            if fix.units < 2 or fix.ratio < min_fixed - 0.1 or fix.ratio - dmg.ratio < min_gain:
                continue
            fixed, guessed, unknown = sub.resolve(left, right)
            out.append({"kind": "utf8_as_gbk", "desc": desc, "start": s, "end": e, "fixed": fixed,
                        "lossless": False, "guessed": len(guessed), "unknown": unknown,
                        "p_damaged": round(dmg.ratio, 2), "p_fixed": round(fix.ratio, 2)})
        if out:
            break
    return out


@_lru_cache(maxsize=4)
def _repair_tables(top: int) -> None:
    """Build the one-time tables of the repairs (the cluster and frequent-run regexes, the word
    sets of ``mj.build_tables``) on a rule's first document rather than on the first damaged one."""
    _cluster_re(top)
    _common_run_re(top)
    mj.build_tables(top)


def _mojibake_hits(doc, params, kind):
    if doc.status != STATUS_OK:
        return
    _repair_tables(int(params["common_top"]))
    for r in _analyse_han_mojibake(doc.text, int(params["common_top"]), float(params["min_plausibility"]),
                                   float(params["min_gain"]), int(params["max_widen"])):
        if r["kind"] != kind:
            continue
        damaged = doc.text[r["start"]:r["end"]]
        loss = ""
        if not r["lossless"]:
            bits = []
            if r["guessed"]:
                bits.append(f"{r['guessed']} character(s) with a lost byte guessed from the words around them")
            if r["unknown"]:
                bits.append(f"{r['unknown']} character(s) unrecoverable (U+FFFD)")
            loss = "; " + ", ".join(bits) if bits else "; some bytes were lost"
        yield Hit(r["start"], r["end"],
                  f"{r['desc']}: {damaged[:30]!r} reads as {r['fixed'][:30]!r} "
                  f"(plausibility {r['p_damaged']:.2f} → {r['p_fixed']:.2f}){loss}",
                  suggestion=None if r["unknown"] else r["fixed"],
                  evidence={"hypothesis": r["desc"], "plausibility_damaged": r["p_damaged"],
                            "plausibility_fixed": r["p_fixed"], "lossless": r["lossless"]})


_MOJIBAKE_DEFAULTS = {"common_top": 2000, "min_plausibility": 0.6, "min_gain": 0.45, "max_widen": 4}


def _validate_mojibake(params):
    if not 100 <= int(params["common_top"]) <= 8000:
        raise ValueError("common_top must be between 100 and 8000")
    if not 0 < float(params["min_plausibility"]) <= 1 or not 0 < float(params["min_gain"]) <= 1:
        raise ValueError("min_plausibility and min_gain must be in (0, 1]")
    if not 0 <= int(params["max_widen"]) <= 8:
        raise ValueError("max_widen must be between 0 and 8")


@detector("utf8_read_as_gbk")
def utf8_read_as_gbk(doc, profile, params):
    yield from _mojibake_hits(doc, params, "utf8_as_gbk")


@detector("gbk_misaligned")
def gbk_misaligned(doc, profile, params):
    yield from _mojibake_hits(doc, params, "gbk_shifted")


@detector("big5_gbk_confusion")
def big5_gbk_confusion(doc, profile, params):
    yield from _mojibake_hits(doc, params, "big5_gbk")


for _fn in (utf8_read_as_gbk, gbk_misaligned, big5_gbk_confusion):
    _fn.param_defaults = dict(_MOJIBAKE_DEFAULTS)
    _fn.validate_params = _validate_mojibake


# ==============================================================================================
# Latin-family misreads: UTF-8 (or GBK) bytes decoded as Latin-1 / cp1252 / cp1250.
# ==============================================================================================

# characters a Latin-1/cp1252/cp1250 decode of high bytes produces
_LATIN = ("\u0080-\u017f\u0192\u02c6\u02c7\u02d8\u02d9\u02db\u02dd\u02dc\u2013\u2014\u2018-\u201a\u201c-\u201e"
          "\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122\ufffd")
_LATIN_CONT = ("\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014"
               "\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122")
# pre-filter: a Latin-1/Latin Extended-A letter followed by another or by a continuation byte's
# image (covers UTF-8 lead + continuation, and GBK byte pairs read as Latin). Chinese text's own
# — “ ” … never start a match; legit European words rarely put two accented letters side by side.
_LATIN_NEXT = f"\u00a1-\u017f{_LATIN_CONT}\ufffd"
_LATIN_HINT = re.compile(f"[\u00a1-\u017f][{_LATIN_NEXT}]")
# the run around a hint: such characters, a single space allowed between them (a collapsed U+00A0)
_LATIN_RUN = re.compile(f"[{_LATIN}](?: ?[{_LATIN}])+")
_LATIN_CHARS = re.compile(f"[{_LATIN}]")


@_lru_cache(maxsize=1)
def _ftfy_config():
    import ftfy

    # only the encoding repair: never touch quotes, width, ligatures, HTML or line breaks, so
    # legitimate full-width Chinese punctuation (，！（）“”) is left as it is
    return ftfy.TextFixerConfig(unescape_html=False, remove_terminal_escapes=False, fix_encoding=True,
                                restore_byte_a0=True, replace_lossy_sequences=True,
                                decode_inconsistent_utf8=True, fix_c1_controls=True, fix_latin_ligatures=False,
                                fix_character_width=False, uncurl_quotes=False, fix_line_breaks=False,
                                fix_surrogates=False, remove_control_chars=False, normalization=None,
                                explain=False)


def _latin_bytes(run: str, codec: str, nbsp_spaces: bool) -> list[int] | None:
    """Bytes a Latin-family decode came from; a space inside a UTF-8 sequence was U+00A0."""
    if not nbsp_spaces or " " not in run:
        # no space to judge: the stretches between U+FFFD (one lost byte each) are encoded in one
        # call each (these codecs are stateless); a character ``codec`` lacks takes the loop below
        try:
            out = []
            for k, part in enumerate(run.split("\ufffd")):
                if k:
                    out.append(mj.LOST)
                out.extend(part.encode(codec))
            return out
        except UnicodeEncodeError:
            pass
    out: list[int] = []
    pending = 0  # continuation bytes still expected by the current UTF-8 sequence
    for ch in run:
        if ch in mj.LOST_MARKS and ch != "?":
            b = [mj.LOST]  # a byte cp1252 has no character for (81 8D 8F 90 9D)
        elif ch == " " and nbsp_spaces and pending:
            b = [0xA0]
        else:
            try:
                b = list(ch.encode(codec))
            except UnicodeEncodeError:
                try:
                    b = list(ch.encode("latin-1"))
                except UnicodeEncodeError:
                    return None
        for x in b:
            if pending and (0x80 <= x <= 0xBF or x == mj.LOST):
                pending -= 1
            else:
                pending = 1 if 0xC2 <= x <= 0xDF else 2 if 0xE0 <= x <= 0xEF else 3 if 0xF0 <= x <= 0xF4 else 0
        out.extend(b)
    return out


def _latin_repairs(run: str):
    """(description, fixed, lossless) candidates for one Latin-looking run."""
    import ftfy

    fixed = ftfy.fix_encoding(run, config=_ftfy_config())
    if fixed != run:
        yield "UTF-8 bytes decoded as Latin-1/cp1252 (ftfy)", fixed, True
    for codec in ("cp1252", "latin-1"):
        bs = _latin_bytes(run, codec, nbsp_spaces=True)
        if bs is not None:
            dec = mj.decode_utf8(bs, clean_only=True)
            if dec is not None:
                yield f"UTF-8 bytes decoded as {codec}", dec, dec.lossless
    for codec in ("cp1252", "latin-1", "cp1250"):
        try:
            bs = list(run.encode(codec))
        except UnicodeEncodeError:
            continue
        dec = mj.decode_double_byte(bs, "gbk", 0, clean_only=True)
        if dec is not None:
            yield f"GBK bytes decoded as {codec}", dec, dec.lossless


@detector("latin1_mojibake")
def latin1_mojibake(doc, profile, params):
    text = doc.text
    if doc.status != STATUS_OK:
        return
    top = int(params["common_top"])
    mj.build_tables(top)
    _ftfy_config()  # imports ftfy (~0.1 s once per process) on the first document, not the first damaged one
    first = _prefilter(text, top).latin
    if first < 0:
        return  # no Latin pair: ftfy is never called
    min_fixed = float(params["min_plausibility"])
    next_free = 0
    for hint in _LATIN_HINT.finditer(text, first):
        if hint.start() < next_free:
            continue
        s = hint.start()
        while s > max(next_free, hint.start() - 200) and (
                _LATIN_CHARS.match(text, s - 1) or (text[s - 1] == " " and s >= 2 and _LATIN_CHARS.match(text, s - 2))):
            s -= 1
        if text[s] == " ":
            s += 1
        m = _LATIN_RUN.match(text, s)
        if m is None:
            continue
        next_free = m.end()
        run = m.group()
        left, right = text[max(0, m.start() - 4):m.start()], text[m.end():m.end() + 4]
        dmg = mj.plausibility(run, top, left=left, right=right)
        best = None
        for desc, fixed, lossless in _latin_repairs(run):
            if isinstance(fixed, mj.Decoded):
                prov, skip = _provisional(fixed)
                fix = mj.plausibility(prov, top, skip, left=left, right=right)
                fixed, _, unknown = fixed.resolve(left, right)
                if unknown:
                    lossless = False
            else:
                fix = mj.plausibility(fixed, top, left=left, right=right)
            cjk_part = "".join(c for c in fixed if ord(c) >= 0x2E80)
            cjk = len(cjk_part)
            if cjk and desc.endswith("(ftfy)"):
                # ftfy may leave a broken tail: judge the characters of its CJK part
                fix = mj.Plausibility(mj.common_ratio(cjk_part, top) * cjk, cjk)
            # a Chinese repair must read as Chinese; ftfy's non-CJK repairs (Ã© → é) are trusted
            if cjk and (fix.units < 1 or fix.ratio < min_fixed):
                continue
            if not cjk and not desc.endswith("(ftfy)"):
                continue
            key = (not _LATIN_RUN.search(fixed), fix.ratio, desc.endswith("(ftfy)"), -len(fixed))
            if best is None or key > best[0]:
                best = (key, desc, fixed, fix, lossless)
        if best is None:
            continue
        _, desc, fixed, fix, lossless = best
        if _LATIN_RUN.search(fixed):
            lossless = False  # part of the run could not be repaired
        yield Hit(m.start(), m.end(),
                  f"{desc}: {run[:30]!r} reads as {fixed[:30]!r} (plausibility {dmg.ratio:.2f} → {fix.ratio:.2f})"
                  + ("" if lossless else "; some bytes were lost"),
                  suggestion=None if "\ufffd" in fixed or _LATIN_RUN.search(fixed) else fixed,
                  evidence={"hypothesis": desc, "plausibility_damaged": round(dmg.ratio, 2),
                            "plausibility_fixed": round(fix.ratio, 2), "lossless": lossless})


latin1_mojibake.param_defaults = {"common_top": 2000, "min_plausibility": 0.6}


# ==============================================================================================
# Signature strings: 锟斤拷 (U+FFFD's UTF-8 bytes read as GBK), 烫烫烫 / 屯屯屯 (MSVC's 0xCC / 0xCD
# fill of uninitialised memory read as GBK).
# ==============================================================================================

# 锟 = EF BF, 拷 = BF BD: a run from one 锟 to the last 拷 with at most three other characters
# between them (the half-decoded bytes of the text that was there)
_KUNKAO = re.compile(r"锟(?:[^\s\x00-\x7f]{0,3}?拷)(?:锟(?:[^\s\x00-\x7f]{0,3}?拷)|[斤拷])*")


# 鈥 = E2 80, 銆 = E3 80, 锛 = EF BC: the first two UTF-8 bytes of — “ ” …, of 。、「」 and of ，！（）
# read as GBK; the third byte paired with the next one and was lost (? or U+FFFD)
_PUNCT_STUB = re.compile("[鈥銆锛][?\ufffd]")


@detector("signature_garbage")
def signature_garbage(doc, profile, params):
    text = doc.text
    if doc.status != STATUS_OK:
        return
    if int(params["min_repeat"]) >= 1 and not _prefilter(text, _PREFILTER_TOP).signature:
        return  # none of the characters any of these signatures needs
    if "鈥" in text or "銆" in text or "锛" in text:
        for m in _PUNCT_STUB.finditer(text):
            yield Hit(m.start(), m.end(),
                      f"{m.group()!r}: a UTF-8 punctuation mark (— “ ” … 。 ， ！ …) read as GBK, its last byte lost",
                      evidence={"signature": m.group()[0]})
    if "锟" in text:
        for m in _KUNKAO.finditer(text):
            yield Hit(m.start(), m.end(),
                      f"'锟斤拷' garbage ({m.end() - m.start()} characters): text that already held U+FFFD was "
                      "re-encoded as UTF-8 and read as GBK; the original characters are gone",
                      evidence={"signature": "锟斤拷"})
    n = int(params["min_repeat"])
    for ch, why in (("烫", "0xCC (MSVC uninitialised stack memory)"), ("屯", "0xCD (MSVC uninitialised heap memory)")):
        if ch * n in text:
            for m in re.finditer(f"{ch}{{{n},}}", text):
                yield Hit(m.start(), m.end(),
                          f"{m.end() - m.start()}× '{ch}': bytes {why} read as GBK, not text", suggestion="",
                          evidence={"signature": ch * 3})


signature_garbage.param_defaults = {"min_repeat": 3}


# ==============================================================================================
# HTML residue left in extracted text: tags, entities, comments, CDATA, script/style bodies.
# ==============================================================================================

# a closing tag whose "<" a lossy decode turned into "?" ("?/p>") counts too
_HTML_TAG = re.compile(r"(?:</?|\?/)([A-Za-z][A-Za-z0-9]{0,15})"
                       r"(?:\s+[A-Za-z_:@][-\w:.@]{0,40}(?:\s*=\s*(?:\"[^\"<>\n]{0,300}\"|'[^'<>\n]{0,300}'|[^\s\"'=<>`]{1,100}))?){0,20}"
                       r"\s*/?>", re.A)
_HTML_ENTITY = re.compile(r"&(?:amp;)*(?:#[0-9]{2,7};|#[xX][0-9a-fA-F]{2,6};|[A-Za-z][A-Za-z0-9]{1,31};|"
                          r"(?:nbsp|amp|lt|gt|quot|copy|reg|middot|hellip|ldquo|rdquo|mdash)(?![A-Za-z0-9;]))")
_HTML_BLOCK = re.compile(r"<!\[CDATA\[.*?(?:\]\]>|$)|<!--.*?(?:-->|$)|<(script|style)\b[^>]*>.*?(?:</\1\s*>|$)",
                         re.S | re.I)


@_lru_cache(maxsize=4)
def _tag_names(lexicon_key: tuple) -> frozenset[str]:
    from ..resources import lexicon

    return frozenset(t.lower() for t in lexicon(dict(lexicon_key), "html_tags.txt"))


@detector("html_residue")
def html_residue(doc, profile, params):
    import html

    text = doc.text
    if doc.status != STATUS_OK or ("<" not in text and "&" not in text and "/" not in text):
        return
    tags = _tag_names((("_lexicons", params.get("_lexicons", "")),))
    taken: list[tuple[int, int]] = []
    if "<" in text or ">" in text:
        for m in _HTML_BLOCK.finditer(text):
            kind = "script/style block" if m.group(1) else "CDATA section" if m.group().startswith("<![") \
                else "HTML comment"
            taken.append(m.span())
            yield Hit(m.start(), m.end(), f"HTML residue: {kind} left in the text", suggestion="",
                      evidence={"kind": kind})
        for m in _HTML_TAG.finditer(text):
            name = m.group(1).lower()
            if name not in tags or any(s <= m.start() < e for s, e in taken):
                continue
            yield Hit(m.start(), m.end(), f"HTML residue: tag {m.group()[:40]!r} left in the text",
                      suggestion="", evidence={"kind": "tag", "tag": name})
    if "&" in text:
        for m in _HTML_ENTITY.finditer(text):
            if any(s <= m.start() < e for s, e in taken):
                continue
            ent = m.group()
            plain = ent if ent.endswith(";") else ent + ";"
            for _ in range(8):  # &amp;amp;nbsp; unescapes step by step
                nxt = html.unescape(plain)
                if nxt == plain:
                    break
                plain = nxt
            if plain == ent or plain == ent + ";":
                continue  # not an entity html knows
            plain = plain.replace("\xa0", " ")
            yield Hit(m.start(), m.end(), f"HTML residue: entity {ent!r} not decoded (stands for {plain!r})",
                      suggestion=plain, evidence={"kind": "entity"})


html_residue.param_defaults = {}


# ==============================================================================================
# File-level: mixed line endings, a byte order mark in the middle of the text.
# ==============================================================================================


@detector("mixed_line_endings")
def mixed_line_endings(doc, profile, params):
    text = doc.text
    if doc.status != STATUS_OK or "\r" not in text:
        return
    crlf = text.count("\r\n")
    cr = text.count("\r") - crlf
    lf = text.count("\n") - crlf
    kinds = {k: v for k, v in (("CRLF", crlf), ("LF", lf), ("CR", cr)) if v}
    if len(kinds) < 2:
        return
    major = max(kinds, key=kinds.get)
    # the minority endings are the damaged places (a span each, capped)
    spans = []
    pattern = {"CRLF": r"\r\n", "LF": r"(?<!\r)\n", "CR": r"\r(?!\n)"}
    for k in kinds:
        if k == major:
            continue
        for m in re.finditer(pattern[k], text):
            spans.append(m.span())
            if len(spans) >= int(params["max_spans"]):
                break
    counts = ", ".join(f"{v} {k}" for k, v in kinds.items())
    want = {"CRLF": "\r\n", "LF": "\n", "CR": "\r"}[major]
    for s, e in spans:
        yield Hit(s, e, f"mixed line endings ({counts}); this one differs from the file's {major}",
                  suggestion=want, evidence={"counts": kinds})


mixed_line_endings.param_defaults = {"max_spans": 20}


@detector("bom_inside")
def bom_inside(doc, profile, params):
    text = doc.text
    if doc.status != STATUS_OK or "\ufeff" not in text:
        return
    for m in re.finditer("\ufeff+", text):
        if m.start() == 0:
            continue
        yield Hit(m.start(), m.end(), "byte order mark (U+FEFF) inside the text: files were concatenated "
                  "without stripping their BOMs", suggestion="", evidence={"offset": m.start()})


bom_inside.param_defaults = {}
