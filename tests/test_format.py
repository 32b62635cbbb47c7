"""Format damage (FM01–FM08): generated damage with real tools, seeds, real clean pages as negatives."""
import random
import re

import jieba
import pytest

from conftest import SEEDS, shared_path
from qc.corpus import document_from_text
from qc.detectors.format import minhash_signature
from qc.engine import run_rules
from qc.profile import build_profile


def _findings(ruleset, ids, docs, target=0):
    profile = build_profile(docs)
    rules = [r for r in ruleset.rules if r.id in ids]
    findings, errors = run_rules(docs[target], rules, profile)
    assert not errors, errors
    return findings


def _doc(text, name="a.txt"):
    return document_from_text(text, name)


@pytest.fixture(scope="module")
def gold_pages():
    """Hand-cleaned article text from real pages (clean text the rules must mostly leave alone)."""
    base = shared_path("realdata")
    pages = []
    for ds in ("magichtml_zh", "cwced_zh"):
        for p in sorted((base / ds).glob("*.gold.txt")):
            text = p.read_text(encoding="utf-8", errors="replace")
            if len(re.findall(r"[\u4e00-\u9fff]", text)) >= 300:
                pages.append((p.name, text))
    if len(pages) < 20:
        pytest.skip("not enough gold pages")
    return pages


# --- seeds ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def seeds():
    docs = [document_from_text(p.read_text(encoding="utf-8"), p.name) for p in sorted(SEEDS.glob("*.txt"))]
    return docs


def _seed_rules(ruleset, seeds, i):
    profile = build_profile(seeds)
    rules = [r for r in ruleset.rules if r.family == "format"]
    findings, errors = run_rules(seeds[i], rules, profile)
    assert not errors
    return {f.rule for f in findings}, findings


def test_seed_000_presegmented_and_stripped(ruleset, seeds):
    ids, findings = _seed_rules(ruleset, seeds, 0)
    assert {"FM01", "FM02", "FM03"} <= ids
    assert "FM04" not in ids
    fm01 = next(f for f in findings if f.rule == "FM01")
    assert fm01.evidence["share"] > 0.3
    fm03 = next(f for f in findings if f.rule == "FM03")
    pieces = {seeds[0].text[a:b] for a, b in fm03.parts}
    assert "月日" in pieces and "约名" in pieces and "个" in pieces


def test_seed_004_truncated(ruleset, seeds):
    ids, findings = _seed_rules(ruleset, seeds, 4)
    assert "FM04" in ids and "FM01" not in ids and "FM02" not in ids
    f = next(f for f in findings if f.rule == "FM04")
    assert f.end == len(seeds[4].text.rstrip()) and seeds[4].text[f.start:f.end].endswith("各(ge)")


def test_other_seeds_not_segmented_or_stripped(ruleset, seeds):
    for i in (1, 2, 3):
        ids, _ = _seed_rules(ruleset, seeds, i)
        assert not ids & {"FM01", "FM02", "FM03", "FM04"}, (seeds[i].id, ids)


# --- generated damage with real tools ------------------------------------------------------------

def test_jieba_segmented_gold_text_is_presegmented(ruleset, gold_pages):
    caught = 0
    sample = gold_pages[:15]
    for name, text in sample:
        seg = "\n".join(" ".join(w for w in jieba.cut(line) if w.strip()) for line in text.splitlines())
        fs = _findings(ruleset, {"FM01"}, [_doc(seg)])
        caught += bool(fs)
    assert caught == len(sample)


def test_stripped_punctuation_and_digits_of_gold_text(ruleset, gold_pages):
    strip_punct = re.compile(r"[，。！？；：、“”‘’《》（）,.!?;:()…—\"]")
    p_caught = d_caught = d_total = 0
    sample = gold_pages[:20]
    for name, text in sample:
        fs = _findings(ruleset, {"FM02"}, [_doc(strip_punct.sub("", text))])
        p_caught += bool(fs)
        if len(re.findall(r"\d+\s*(?:月\s*\d+\s*日|名|位|个|家|项|%|届)", text)) >= 4:
            d_total += 1
            d_caught += bool(_findings(ruleset, {"FM03"}, [_doc(re.sub(r"\d+(?:\.\d+)?", "", text))]))
    assert p_caught == len(sample)
    assert d_total >= 5 and d_caught >= 0.8 * d_total, (d_caught, d_total)


def test_clean_gold_pages_are_left_alone(ruleset, gold_pages):
    """FM01–FM03 on hand-cleaned real articles: almost never."""
    fired = {"FM01": 0, "FM02": 0, "FM03": 0}
    for name, text in gold_pages:
        for f in _findings(ruleset, set(fired), [_doc(text)]):
            fired[f.rule] += 1
    n = len(gold_pages)
    assert fired["FM01"] <= 0.03 * n and fired["FM02"] <= 0.03 * n and fired["FM03"] <= 0.05 * n, (fired, n)


def test_truncating_gold_text_is_caught(ruleset, gold_pages):
    rng = random.Random(1)
    caught = total = clean_fired = 0
    for name, text in gold_pages[:30]:
        text = text.rstrip()
        last = text.splitlines()[-1]
        if not re.search(r"[。！？]$", last) or len(last) < 40:
            continue
        total += 1
        clean_fired += bool(_findings(ruleset, {"FM04"}, [_doc(text)]))
        # cut inside the last line, after a few Han characters of a sentence
        cut = len(text) - rng.randint(5, min(30, len(last) - 20))
        while cut > 0 and not re.match(r"[\u4e00-\u9fff]", text[cut - 1]):
            cut -= 1
        caught += bool(_findings(ruleset, {"FM04"}, [_doc(text[:cut])]))
    assert total >= 10
    assert clean_fired == 0 and caught >= 0.9 * total, (caught, clean_fired, total)


def test_duplicate_block_points_to_first_occurrence(ruleset):
    a = "第一段讲的是这座小镇的历史和它的变化。"
    b = "第二段讲的是互联网大会在这里举办的经过。"
    text = "\n".join(["标题：小镇的十年变化", a, b, "中间的一段新内容，和别的段落不同。", a, b])
    fs = _findings(ruleset, {"FM05"}, [_doc(text)])
    assert len(fs) == 1 and "lines 2–3" in fs[0].message
    assert text[fs[0].start:fs[0].end] == a + "\n" + b


def test_duplicate_lines_same_with_the_line_memo(ruleset):
    """FM05 keeps each distinct line's key across documents: a page checked again after others
    (memo filled), or with another min_chars, gives what it gives on its own."""
    from qc.detectors import format as fmt

    a = "第一段讲的是这座小镇的历史和它的变化。"
    texts = ["\n".join(["# 标题：小镇的十年变化", a, "短行", a, "  " + a + " ", "![图](x.png)", "> " + a]),
             "\n".join(["短行", "短行", "## 标题：小镇的十年变化", "标题：小镇的十年变化", "123456789012", "123456789012"])]
    ref = []
    for t in texts:
        fmt._DUP_MEMO.clear()
        ref.append([(f.start, f.end, f.message) for f in _findings(ruleset, {"FM05"}, [_doc(t)])])
    assert ref[0] and ref[1]
    for _ in range(2):
        for t, want in zip(texts, ref):
            assert [(f.start, f.end, f.message) for f in _findings(ruleset, {"FM05"}, [_doc(t)])] == want
    doc = _doc(texts[0])
    got = {m: list(fmt.duplicate_lines(doc, None, {"min_chars": m})) for m in (5, 30)}
    fmt._DUP_MEMO.clear()
    assert {m: list(fmt.duplicate_lines(doc, None, {"min_chars": m})) for m in (30, 5)} == got


def test_stripped_digit_pattern_leads():
    """FM03 skips a pattern when none of its lead characters is in the text: every match of every
    pattern starts with one of them."""
    from qc.detectors.format import _STRIPPED_LEADS, _STRIPPED_PATTERNS

    rng = random.Random(4)
    alpha = list("第届次月日约名余位万%％ 年其签0１一十") + ["中"] * 4
    for _ in range(3000):
        t = "".join(rng.choice(alpha) for _ in range(rng.randint(1, 12)))
        for (pat, _bad), lead in zip(_STRIPPED_PATTERNS, _STRIPPED_LEADS):
            for m in pat.finditer(t):
                assert t[m.start()] in lead, (pat.pattern, t)


# --- near duplicates ---------------------------------------------------------------------------

def _article(rng, n=8):
    words = ["城市", "发展", "居民", "服务", "项目", "政府", "今年", "社区", "交通", "教育", "医疗", "改革", "经济",
             "文化", "公园", "道路", "学校", "企业", "市场", "农村"]
    return "".join("".join(rng.choice(words) for _ in range(rng.randint(6, 12))) + "。" for _ in range(n * 3))


def test_near_duplicates_point_to_each_other(ruleset):
    rng = random.Random(2)
    base = _article(rng)
    edited = base[:100] + "新增的一句话。" + base[100:]
    other = _article(rng)
    docs = [_doc(base, "a.txt"), _doc(edited, "b.txt"), _doc(other, "c.txt"), _doc(base + "\n", "d.txt")]
    fa = _findings(ruleset, {"FM06"}, docs, 0)
    fb = _findings(ruleset, {"FM06"}, docs, 1)
    fc = _findings(ruleset, {"FM06"}, docs, 2)
    fd = _findings(ruleset, {"FM06"}, docs, 3)
    assert fa and fb and fd and not fc
    assert "exact duplicate of d.txt" in fa[0].message and fa[0].severity == "info"
    assert "a.txt" in fb[0].message and fb[0].severity == "warning"
    assert "exact duplicate of a.txt" in fd[0].message and "keep a.txt" in fd[0].message


def test_minhash_estimates_jaccard():
    import numpy as np

    rng = random.Random(4)
    a = _article(rng, 20)
    b = a[: len(a) // 2] + _article(rng, 10)

    def shingles(s):
        return {s[i:i + 5] for i in range(len(s) - 4)}

    true = len(shingles(a) & shingles(b)) / len(shingles(a) | shingles(b))
    sa = np.frombuffer(minhash_signature(a), dtype=np.uint32)
    sb = np.frombuffer(minhash_signature(b), dtype=np.uint32)
    est = float(np.mean(sa == sb))
    assert abs(est - true) < 0.15, (est, true)


def test_single_document_profile_has_no_duplicates(ruleset):
    assert not _findings(ruleset, {"FM06"}, [_doc(_article(random.Random(5)))])


def test_short_and_long(ruleset):
    assert _findings(ruleset, {"FM08"}, [_doc("页面不存在")])
    assert not _findings(ruleset, {"FM08"}, [_doc(_article(random.Random(6)))])
    long_line = _article(random.Random(7), 200).replace("\n", "")
    fs = _findings(ruleset, {"FM07"}, [_doc("标题\n" + long_line)])
    assert fs and fs[0].start == 3


def test_minhash_band_pairs_match_a_plain_reference():
    """The numpy LSH grouping gives exactly the pairs a dict-of-buckets loop gives."""
    import random

    import numpy as np

    from qc.detectors.format import _BANDS, _NPERM, _band_pairs

    rng = random.Random(5)
    base = [rng.randrange(2**32) for _ in range(_NPERM)]
    acc = []
    for k in range(300):
        sig = base if rng.random() < 0.15 else [x if rng.random() < 0.8 else rng.randrange(2**32) for x in base]
        acc.append((f"d{k:03d}", bytes([rng.randrange(4)]), np.array(sig, dtype=np.uint32).tobytes() if k % 17 else b""))
    pos = [i for i, t in enumerate(acc) if t[2]]
    rows, want = _NPERM // _BANDS, set()
    sigs = {i: np.frombuffer(acc[i][2], dtype=np.uint32) for i in pos}
    for band in range(_BANDS):
        buckets: dict = {}
        for i in pos:
            buckets.setdefault(sigs[i][band * rows:(band + 1) * rows].tobytes(), []).append(i)
        for members in buckets.values():
            members = members[:40]
            for x in range(len(members)):
                for y in range(x + 1, len(members)):
                    i, j = members[x], members[y]
                    if acc[i][1] != acc[j][1]:
                        want.add((i, j, float(np.mean(sigs[i] == sigs[j]))))
    def pairs(chunks):
        got = [(i, j, s / _NPERM) for ci, cj, cs in chunks for i, j, s in zip(ci.tolist(), cj.tolist(), cs.tolist())]
        assert len(got) == len(set(got))  # each pair once, whichever bands it shares
        return set(got)

    assert pairs(_band_pairs(acc, pos, 40)) == want and len(want) > 100
    assert pairs(_band_pairs(acc, pos, 40, min_same=48)) == {w for w in want if w[2] >= 0.75}


def test_minhash_rows_same_in_one_pass_or_many():
    """Filling the match table a few rows at a time gives the same table as one pass."""
    import numpy as np

    from qc.detectors.format import _compress_rows

    rng = np.random.default_rng(3)
    n, m = 60, 400
    pairs = {tuple(sorted(rng.choice(n, 2, replace=False).tolist())) for _ in range(m)}
    i, j = (np.asarray(v, dtype=np.int32) for v in zip(*sorted(pairs)))
    same = rng.integers(32, 65, len(i)).astype(np.uint8)
    chunks = [(i[:5], j[:5], np.full(5, 64, np.uint8), True), (i[5:], j[5:], same[5:], False)]
    ids = [f"d{k:02d}" for k in range(n)]
    one, many = _compress_rows(ids, chunks), _compress_rows(ids, chunks, entries_per_pass=7)
    for name in ("indptr", "other", "same", "exact"):
        assert np.array_equal(getattr(one, name), getattr(many, name)), name
    row = one.get("d00")
    assert [s for _, s, _ in row] == sorted((s for _, s, _ in row), reverse=True)
    assert sum(len(one.get(d)) for d in ids) == 2 * len(pairs)
