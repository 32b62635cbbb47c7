"""Encoding damage (EN rules) on real and generated damage.

Damage is produced with the real codecs (``s.encode("utf-8").decode("gbk")`` …), never typed by hand;
real damaged strings come from ../shared/realdata (skipped cleanly when absent).
"""
from __future__ import annotations

import json
import unicodedata
from collections import Counter

import pytest

from conftest import SEEDS, shared_path
from qc.corpus import SourceFile, document_from_text, read_file
from qc.engine import run_rules
from qc.profile import build_profile
from qc.rules import load_rules

_EN = load_rules().select(["EN"])
MOJIBAKE_RULES = ("EN06", "EN07", "EN08", "EN09", "EN10")


def findings(text: str, rules=None, doc=None):
    doc = doc or document_from_text(text, "case.txt")
    rs = [r for r in _EN.rules if rules is None or r.id in rules]
    found, errors = run_rules(doc, rs, build_profile([doc]))
    assert not errors, errors
    return found


# --- real damaged strings ---------------------------------------------------------------------

# snippet id → the rule that must catch it. Left out, on purpose (documented in docs/readme/encoding.md):
# gh_matomo_12732_a/_b (truth unknown, bytes mangled past any single codec round-trip) and
# gh_luajit-decompiler_58 (bytes printed as \xNN escapes: not mojibake text).
EXPECTED_RULE = {
    "gh_open-codesign_231_a": "EN06",
    "gh_open-codesign_231_b": "EN10",
    "gh_wino-mail_249": "EN09",
    "gh_ftfy-web_3": "EN09",
    "gh_ftfy_217_a": "EN09",
    "gh_ftfy_217_b": "EN09",
    "gh_ftfy_217_c": "EN09",
    "gh_ftfy_34": "EN09",
    "gh_auto-rename-tag_52": "EN10",
    "gh_activate-linux_236_a": "EN01",
    "gh_activate-linux_236_b": "EN01",
    "justjavac_古文码": "EN06",
    "justjavac_口字码": "EN01",
    "justjavac_符号码": "EN09",
    "justjavac_拼音码": "EN09",
    "justjavac_问句码": "EN01",
    "justjavac_锟拷码": "EN10",
    "justjavac_烫烫烫": "EN10",
    "justjavac_屯屯屯": "EN10",
    "ftfy_Simplified_Chinese": "EN09",
    "ftfy_Traditional_Chinese": "EN09",
    "ftfy_Wide_comma_in_UTF-8_-_Windows-1252": "EN09",
}
# lossless damage whose suggestion must give back the truth (the finding's span replaced by it)
LOSSLESS = ("gh_open-codesign_231_a", "gh_wino-mail_249", "gh_ftfy-web_3", "ftfy_Simplified_Chinese",
            "ftfy_Traditional_Chinese", "ftfy_Wide_comma_in_UTF-8_-_Windows-1252")


def _snippets():
    root = shared_path("realdata", "mojibake_snippets")
    out = {}
    for line in (root / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        rec["text"] = (root / f"{rec['id']}.txt").read_text(encoding="utf-8").rstrip("\n")
        out[rec["id"]] = rec
    return out


@pytest.mark.parametrize("sid", sorted(EXPECTED_RULE))
def test_real_mojibake_snippet_detected(sid):
    rec = _snippets()[sid]
    found = findings(rec["text"])
    assert any(f.rule == EXPECTED_RULE[sid] for f in found), (sid, [(f.rule, f.excerpt) for f in found])


@pytest.mark.parametrize("sid", LOSSLESS)
def test_real_mojibake_lossless_repair(sid):
    rec = _snippets()[sid]
    text = rec["text"]
    fixes = [f for f in findings(text) if f.suggestion is not None and f.rule in MOJIBAKE_RULES]
    assert fixes, sid
    repaired = text
    for f in sorted(fixes, key=lambda f: -f.start):
        repaired = repaired[:f.start] + f.suggestion + repaired[f.end:]
    truth = rec["truth"]
    if sid.startswith("ftfy_Wide_comma"):
        # ftfy's test case also folds the width (，→ ,); qc keeps the real full-width comma on purpose
        repaired = unicodedata.normalize("NFKC", repaired)
    assert repaired == truth


def test_every_real_snippet_is_flagged_or_documented():
    snippets = _snippets()
    documented = {"gh_matomo_12732_a", "gh_matomo_12732_b", "gh_luajit-decompiler_58"}
    assert set(snippets) == set(EXPECTED_RULE) | documented


def test_suggestion_guesses_lost_bytes_from_words():
    # ftfy issue 217: the last UTF-8 byte was cut; the truth's last character is completed from jieba words
    rec = _snippets()["gh_ftfy_217_b"]
    f = [f for f in findings(rec["text"], ["EN09"])][0]
    assert rec["text"][:f.start] + f.suggestion + rec["text"][f.end:] == rec["truth"]


# --- legacy-encoded files ---------------------------------------------------------------------


def _legacy_docs():
    root = shared_path("realdata", "legacy")
    for p in sorted(root.iterdir()):
        yield p, list(read_file(SourceFile(str(p), p.name)))


def test_legacy_files_named_and_not_mistaken_for_mojibake():
    n = 0
    for p, docs in _legacy_docs():
        for doc in docs:
            found = findings("", doc=doc)
            rules = Counter(f.rule for f in found)
            assert rules["EN03"] == 1, p.name  # not UTF-8, codec named
            true_codec = p.name.split("__")[2].split("-")[0]
            assert doc.encoding.name.replace("-", "") in {"gb2312", "gbk", "gb18030", "big5"}
            if true_codec == "big5":
                assert doc.encoding.name == "big5", p.name
            # decoded correctly, the text holds (almost) no mojibake: at most one real misaligned run
            assert sum(rules[r] for r in ("EN06", "EN08", "EN09", "EN10")) == 0, (p.name, rules)
            assert rules["EN07"] <= 1, (p.name, rules)
            n += 1
    assert n >= 40


def test_real_misaligned_run_in_legacy_page():
    # cwced 8f1cdd94 really holds a GBK run decoded one byte out of step
    p = shared_path("realdata", "legacy", "cwced__8f1cdd94__gb18030__declared-gb2312.html")
    doc = list(read_file(SourceFile(str(p), p.name)))[0]
    hits = [f for f in findings("", ["EN07"], doc=doc)]
    assert len(hits) == 1 and hits[0].suggestion == "中外如是。"


def test_big5_file_read_as_gbk_is_detected_and_repaired():
    raw = shared_path("realdata", "legacy", "charset_normalizer__sample-chinese__big5.txt").read_bytes()
    truth = raw.decode("big5")
    damaged = raw.decode("gbk", errors="replace")  # very lossy: GBK rejects most Big5 trail bytes
    hits = [f for f in findings(damaged, ["EN08"])]
    assert hits
    # every suggestion offered (no byte lost in its window) is the real text
    assert all(f.suggestion in truth for f in hits if f.suggestion)
    text = raw.decode("gb18030", errors="replace")  # a decoder that maps more of the bytes
    hits = [f for f in findings(text, ["EN08"])]
    assert hits and all(f.suggestion in truth for f in hits if f.suggestion)


def test_gbk_page_read_as_big5_is_detected():
    raw = shared_path("realdata", "legacy", "cwced__05e98007__gb2312__declared-gb2312.html").read_bytes()
    truth = raw.decode("gb2312")
    damaged = raw.decode("big5", errors="replace")
    hits = [f for f in findings(damaged, ["EN08"])]
    assert len(hits) >= 10
    exact = [f for f in hits if f.suggestion and f.evidence.get("lossless")]
    assert exact and sum(f.suggestion in truth for f in exact) >= 0.9 * len(exact)


def test_utf8_page_read_as_gbk_is_repaired():
    gold = sorted(shared_path("realdata", "magichtml_zh").glob("*.gold.txt"))[0].read_text(encoding="utf-8")
    lines = [ln for ln in gold.splitlines() if len(ln) >= 12][:20]
    for line in lines:
        damaged = line.encode("utf-8").decode("gbk", errors="replace")
        hits = findings(damaged, ["EN06", "EN09", "EN10"])
        covered = set()
        for f in hits:
            covered.update(range(f.start, f.end))
        han = [i for i, c in enumerate(damaged) if ord(c) > 0x2E80]
        assert len(covered & set(han)) >= 0.7 * len(han), (line, damaged, [(f.start, f.end) for f in hits])


# --- the seeds --------------------------------------------------------------------------------


def _seed(prefix):
    p = next(SEEDS.glob(f"{prefix}_*.txt"))
    return list(read_file(SourceFile(str(p), p.name)))[0]


def test_seed_001_misaligned_runs_realigned():
    doc = _seed("001")
    hits = [f for f in findings("", ["EN07"], doc=doc)]
    assert len(hits) == 3
    text = doc.text
    for f in hits:
        assert text[f.start] == "?" and "!" in text[f.start:f.end]
    sugg = [f.suggestion for f in hits]
    assert sugg[0] == "。“我們期待"  # …技術。“我們期待著(zhù)向中國學習…
    assert sugg[1] == sugg[2] == "。”世界互聯"  # …的縮影。”世界互聯(lián)網大會…
    # the lost closing tag "</p>" after the second "?!" run is HTML residue
    assert any(f.rule == "EN11" and text[f.start:f.end] == "?/p>" for f in findings("", ["EN11"], doc=doc))


def test_no_encoding_finding_on_seed_000():
    doc = _seed("000")
    assert findings("", doc=doc) == []


@pytest.mark.parametrize("prefix", ["002", "003", "004"])
def test_no_mojibake_on_clean_seeds(prefix):
    doc = _seed(prefix)
    assert [f for f in findings("", doc=doc) if f.rule != "EN11"] == []


# --- gold pages: false alarms -----------------------------------------------------------------


def test_gold_pages_false_alarm_rate():
    pages = sorted(shared_path("realdata", "magichtml_zh").glob("*.gold.txt")) + \
        sorted(shared_path("realdata", "cwced_zh").glob("*.gold.txt"))
    flagged = Counter()
    for p in pages:
        doc = document_from_text(p.read_text(encoding="utf-8"), p.name)
        for f in findings("", MOJIBAKE_RULES, doc=doc):
            flagged[p.name] += 1
    assert len(pages) >= 140
    assert sum(flagged.values()) <= 2, flagged


# --- must-not-fire --------------------------------------------------------------------------

CLEAN = [
    "邬贺铨院士、倪光南院士出席了本次峰会。",  # rare characters in names
    "鬻子、夔龙、饕餮纹、龘靐齉齾、犇羴鱻，都是真字。",  # 生僻字
    "子曰：学而时习之，不亦说乎？有朋自远方来，不亦乐乎？",  # 古文
    "今日は良い天気ですね。東京タワーに行きましょう。",  # Japanese
    "真的吗?!太好了!你来了?",  # half-width ?/! in Chinese
    "The quick brown fox jumps over the lazy dog. Café déjà vu, naïve façade, São Paulo.",
    "def f(x): return x ** 2  # 平方\nconsole.log('结果', a && b);",
    "访问 https://example.com/path?id=3&lang=zh-CN#top 或 mailto:a@b.cn",
    "表情包😀🎉👍🏻很受欢迎，❤️满满。",
    "5G、AI、COVID-19、国际电信联盟(ITU)、Model Y 都是正常的拉丁文字。",
    "網絡空間命運共同體，這是一個關於人工智慧的報告。",
    "온라인 한국어 텍스트와 中文 混排。",
    "温度 25°C ±2°，价格 ¥100 或 €20，§3 ×2 ÷4。",
]


@pytest.mark.parametrize("text", CLEAN)
def test_clean_text_not_flagged(text):
    assert findings(text) == []


# --- speed tables must equal what they replace ---------------------------------------------------


@pytest.mark.parametrize("codec", ["gbk", "big5", "gb18030"])
def test_pair_grid_equals_pair_by_pair_decode(codec):
    """``_pair_grid`` (one bulk decode) gives exactly what decoding each byte pair strictly gives."""
    from qc.resources import mojibake as mj

    grid = mj._pair_grid(codec)
    assert grid is not None
    for a in range(0x80, 0x100):
        for b in range(0x40, 0xFF):
            try:
                ref = bytes((a, b)).decode(codec)
            except UnicodeDecodeError:
                ref = None
            assert grid[(a - 0x80) * 191 + b - 0x40] == ref, (hex(a), hex(b))


def test_wide_spaces_are_exactly_the_non_ascii_isspace_characters():
    """``plausibility``/``common_ratio`` skip whitespace by table lookup instead of ``str.isspace``."""
    from qc.resources import mojibake as mj

    assert mj._WIDE_SPACES == "".join(c for c in map(chr, range(0x80, 0x110000)) if c.isspace())


def test_word_code_tables_agree_with_jieba_counts():
    """The numpy word tables hold every jieba word of their lengths and counts, with its count."""
    from qc.resources import mojibake as mj
    from qc.resources.charfreq import jieba_word_freq

    for lo, hi, min_count in ((2, 2, 1), (2, 3, 10)):
        table, counts = mj._word_code_table(lo, hi, min_count)
        want = {w: n for w, n in jieba_word_freq().items() if lo <= len(w) <= hi and n >= min_count}
        assert len(table) == len(want)
        words = sorted(want)[::97]
        got = mj.word_counts(mj.np.array([mj._word_code(w) for w in words], dtype=mj.np.uint64), table, counts)
        assert got.tolist() == [want[w] for w in words]
        absent = ["的的的", "丂丂", "ab"]
        assert mj.word_counts(mj.np.array([mj._word_code(w) for w in absent], dtype=mj.np.uint64),
                              table, counts).tolist() == [0, 0, 0]


def test_guess_char_equals_a_dictionary_scan():
    """``guess_char`` reads each neighbour pattern's words off ``_pattern_tables``: the same guess as
    scoring every candidate by jieba's dict (words of 2–3 characters occurring ≥ 10 times), on real
    candidate rows with real, short, ASCII, U+0000, U+FFFF and astral contexts."""
    import random

    from qc.resources import mojibake as mj
    from qc.resources.charfreq import jieba_word_freq

    wf = jieba_word_freq()

    def reference(cands, left, right):
        punct = [c for c in "。，、；：！？" if c in cands]
        if punct and right[:1] in mj.CJK_PUNCT:
            return punct[0]
        chars = [c for c, _ in mj._word_cands(cands)]
        simp = [cs for _, cs in mj._word_cands(cands)]
        left, right = mj._simplified(left[-2:]), mj._simplified(right[:2])
        pats = {(a, b) for a, b in ((left[-1:], ""), (left[-2:], ""), ("", right[:1]), ("", right[:2]),
                                    (left[-1:], right[:1])) if len(a) + len(b) >= 1}
        best = None
        if chars and pats:
            scores = [max((n if (n := wf.get(a + cs + b, 0)) >= 10 and len(a + cs + b) <= 3 else 0)
                          for a, b in pats) for cs in simp]
            top = max(scores)
            k = scores.index(top)
            if top >= mj.MIN_GUESS_COUNT and (len(scores) < 2 or top >= 2 * max(scores[:k] + scores[k + 1:])):
                best = chars[k]
        return best if best is not None or not punct else punct[0]

    rnd = random.Random(3)
    text = "".join(w for w, n in list(wf.items())[::50] if n >= 50)
    rows = [mj._gbk_cands_lead(lead, codec) for lead in range(0x81, 0xFF, 7) for codec in ("gbk", "big5")]
    rows += [mj._gbk_cands_trail(t, "gbk") for t in range(0x40, 0xFF, 11)]
    odd = ["\0", "\uffff", "\U00020000", "a", "?", "\ufffd", "。", "”", "們"]
    n_guessed = 0
    for _ in range(3000):
        cands = rnd.choice([r for r in rows if r])
        if rnd.random() < 0.6:
            i = rnd.randrange(2, len(text) - 3)
            left, right = text[i - rnd.randint(0, 2):i], text[i + 1:i + 1 + rnd.randint(0, 2)]
        else:
            left = "".join(rnd.choice(odd + list(text[:200])) for _ in range(rnd.randint(0, 3)))
            right = "".join(rnd.choice(odd + list(text[:200])) for _ in range(rnd.randint(0, 3)))
        got = mj.guess_char(cands, left, right)
        assert got == reference(cands, left, right), (left, right)
        n_guessed += got is not None
    assert n_guessed > 300


def test_latin_bytes_fast_path_equals_the_per_character_loop():
    """EN09's ``_latin_bytes`` encodes a run with no space to judge in one call per stretch between
    U+FFFD: the same bytes as the per-character loop (kept for spaces and characters the codec
    lacks), on random runs of Latin-1/cp1252/cp1250 images, U+FFFD, ?, spaces and Han."""
    import random

    from qc.detectors import encoding as enc
    from qc.resources import mojibake as mj

    def reference(run, codec, nbsp_spaces):
        out, pending = [], 0
        for ch in run:
            if ch == "\ufffd":
                b = [mj.LOST]
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

    rnd = random.Random(11)
    alphabet = [chr(c) for c in range(0x80, 0x180)] + list("?\ufffd  aZ!中\u2013\u2014\u201c\u20ac\u0192\x81\x8d\u0151")
    for _ in range(20000):
        run = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 10)))
        codec = rnd.choice(["cp1252", "latin-1", "cp1250"])
        nbsp = rnd.random() < 0.7
        assert enc._latin_bytes(run, codec, nbsp) == reference(run, codec, nbsp), (run, codec, nbsp)
