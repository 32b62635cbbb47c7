"""Off-topic family (OT01–OT06): generated splices, clean documents, the seeds, spam lexicon."""
from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
import yaml

from conftest import SEEDS, shared_path
from offtopic_generate import draws, load_articles, overlap
from qc.corpus import document_from_text
from qc.engine import run_rules
from qc.profile import build_profile
from qc.rules import load_rules

HANDWRITTEN = yaml.safe_load((Path(__file__).parent / "fixtures" / "offtopic" / "handwritten.yml").read_text(encoding="utf-8"))
RULESET = load_rules()
OT_RULES = [r for r in RULESET.rules if r.id.startswith("OT")]
BY_ID = RULESET.by_id()


def findings(text: str, rules=None, corpus=()):
    doc = document_from_text(text, "doc.txt")
    others = [document_from_text(t, f"c{i}.txt") for i, t in enumerate(corpus)]
    profile = build_profile([doc, *others])
    out, errors = run_rules(doc, rules or OT_RULES, profile)
    assert not errors, errors
    return out


def test_rules_loaded():
    assert {"OT01", "OT02", "OT03", "OT04", "OT05", "OT06"} <= set(BY_ID)


# --- OT01 on generated documents ------------------------------------------------------------


def test_generated_splices_recall_and_precision():
    """Real articles with a 150–400 Han-character passage of another article spliced in."""
    rule = [BY_ID["OT01"]]
    found = 0
    n_findings = on_target = 0
    cases = draws(60, seed=20261123, lo=150)
    for _, text, span in cases:
        fs = findings(text, rule)
        found += any(overlap((f.start, f.end), span) >= 0.5 * (span[1] - span[0]) for f in fs)
        for f in fs:
            n_findings += 1
            on_target += overlap((f.start, f.end), span) >= 0.5 * (f.end - f.start)
    recall = found / len(cases)
    precision = on_target / max(1, n_findings)
    # measured on these 60 draws: recall 0.83, precision 0.83 (200 draws: docs/readme/offtopic.md)
    assert recall >= 0.7, recall
    assert precision >= 0.75, precision


def test_finding_carries_span_score_and_terms():
    c = HANDWRITTEN["conference"]
    text = "\n".join(c[:3] + [HANDWRITTEN["stroke"]] + c[3:])
    fs = findings(text, [BY_ID["OT01"]])
    assert len(fs) == 1
    f = fs[0]
    assert text[f.start:f.end] == HANDWRITTEN["stroke"]
    ev = f.evidence
    assert ev["similarity"] < ev["typical_similarity"]
    assert any("脑梗" in t for t in ev["segment_terms"])
    assert not any("脑梗" in t for t in ev["document_terms"])
    assert "脑梗" in f.message


def test_clean_articles_mostly_unflagged():
    """Real articles have real digressions; only a few may be called off-topic."""
    arts = load_articles()
    flagged = sum(bool(findings(t, [BY_ID["OT01"]])) for _, t in arts)
    assert flagged / len(arts) <= 0.1, flagged  # measured: 5 / 75


def test_clean_multi_topic_corpus():
    """A corpus of articles on many subjects: each article's own topic dominates."""
    arts = load_articles()
    rng = random.Random(5)
    sample = rng.sample(arts, 8)
    corpus = [t for _, t in arts[:30]]
    flagged = sum(bool(findings(t, [BY_ID["OT01"]], corpus=corpus)) for _, t in sample)
    assert flagged <= 1
    assert not findings("\n".join(HANDWRITTEN["conference"]), corpus=corpus)


def test_sub_topics_and_quotes_not_flagged():
    c = HANDWRITTEN["conference"]
    quote = "“我们需要人工智能方面的帮助，我们不想被落下，”一位来自南太平洋岛国的代表说，“虽然我们的国家很小，但我们有同样的需求和同样的目标。”"
    assert not findings("\n".join(c[:3] + [quote] + c[3:]))


def test_short_document_as_a_whole_not_flagged():
    assert not findings(HANDWRITTEN["stroke"])
    assert not findings(HANDWRITTEN["conference"][0] + "\n" + HANDWRITTEN["stroke"])


def test_pinyin_annotated_injection_found():
    """The spliced passage annotated with pinyin is de-annotated before comparison."""
    from pypinyin import Style, pinyin

    stroke = HANDWRITTEN["stroke"]
    annotated = "".join(f"{ch}({p[0]})" if re.match(r"[\u4e00-\u9fff]", ch) else ch
                        for ch, p in zip(stroke, pinyin(stroke, style=Style.NORMAL, errors=lambda x: [[c] for c in x])))
    c = HANDWRITTEN["conference"]
    text = "\n".join(c + [annotated])
    fs = findings(text, [BY_ID["OT01"]])
    at = text.index(annotated)
    assert any(f.start <= at + 10 and f.end >= at + len(annotated) - 10 for f in fs)


def test_run_together_pinyin_block_is_foreign():
    from pypinyin import Style, lazy_pinyin

    stroke = HANDWRITTEN["stroke"]
    block = "".join(lazy_pinyin(stroke, style=Style.NORMAL)).replace("，", ",")
    text = "\n".join(HANDWRITTEN["conference"] + [block])
    fs = [f for f in findings(text) if f.rule == "OT02"]
    at = text.index(block[:30])
    assert fs and fs[0].start <= at and fs[0].end >= at + len(block) * 0.9


# --- OT03–OT05 spam ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "最新电影在线观看完整版，高清无码",
    "澳门新葡京娱乐场，真人荷官，注册送彩金",
    "黑户贷款秒下款，征信修复，信用卡套现",
    "代开增值税发票，办理毕业证书",
    "出售仿真枪，听话水，催情药",
    "蜘蛛池出租，百度快排，外链代发",
    "Visit 91porn and bet365 today",
])
def test_spam_lexicon_catches(text):
    assert any(f.rule == "OT03" for f in findings(text, [BY_ID["OT03"]]))


@pytest.mark.parametrize("text", [
    "前方路口交通管制，请绕行。",       # 口交 across a word boundary
    "节目特色播出时间为每晚八点。",      # 色播 across a word boundary
    "警方捣毁一个网络赌场，查获百家乐赌具。",
    "The rabbinical court met.",          # bbin inside an English word
    "大会开幕式可以在线观看。",
    "国际电信联盟(ITU)发布5G、AI与COVID-19相关报告，Model Y销量上升。",
])
def test_spam_lexicon_leaves_alone(text):
    assert not findings(text, [BY_ID["OT03"]])


def test_spam_lexicon_is_broad():
    from qc.resources import lexicon

    entries = lexicon({}, "spam_phrases.txt")
    assert len(entries) >= 400
    cats = {e.split("\t")[1] for e in entries if "\t" in e}
    assert {"porn", "gambling", "loan", "fakecert", "piracy", "seo"} <= cats


def test_title_suffix_with_separators():
    body = "\n" + "\n".join(HANDWRITTEN["conference"][:3])
    for sep in ("|", "_", " - ", "丨"):
        title = f"乌镇峰会今日开幕{sep}澳门新葡京{sep}百家乐{sep}高清无码"
        fs = [f for f in findings(title + body, [BY_ID["OT04"]])]
        assert fs and fs[0].start == title.index(sep.strip() or sep) - (len(sep) - len(sep.lstrip())), (sep, fs)
        assert fs[0].suggestion == ""


def test_keyword_stuffing():
    line = "上海装修公司 上海装修价格 上海装修哪家好 上海装修电话 上海装修公司排名 上海装修报价"
    assert any(f.rule == "OT05" for f in findings(line, [BY_ID["OT05"]]))
    assert not findings("“一带一路”互联网国际合作论坛、互联网企业家论坛、数字技术论坛、网络传播与和平发展论坛", [BY_ID["OT05"]])


# --- the seeds ----------------------------------------------------------------------------


def _seed(prefix: str) -> str:
    paths = sorted(SEEDS.glob(prefix + "_*.txt"))
    if not paths:
        pytest.skip("seeds not present")
    return paths[0].read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed_results():
    from qc.corpus import document_from_text as d

    texts = {p.name[:3]: p.read_text(encoding="utf-8", errors="replace") for p in sorted(SEEDS.glob("*.txt"))}
    if len(texts) < 5:
        pytest.skip("seeds not present")
    docs = {k: d(t, k) for k, t in texts.items()}
    profile = build_profile(list(docs.values()))
    out = {}
    for k, doc in docs.items():
        fs, errors = run_rules(doc, OT_RULES, profile)
        assert not errors
        out[k] = (doc.text, fs)
    return out


def test_seed_004_stroke_text_and_title_spam(seed_results):
    text, fs = seed_results["004"]
    pin = text.index("naogeng,")
    ann = text.index("脑(nao)梗(geng)")
    assert any(f.rule == "OT02" and f.start <= pin + 5 and f.end >= ann - 5 for f in fs)
    assert any(f.rule == "OT01" and f.start <= ann + 5 and f.end >= len(text.rstrip()) - 5 for f in fs)
    title_end = text.index("\n")
    assert any(f.rule in ("OT03", "OT04") and f.end <= title_end and "一区二区" in text[f.start:f.end] for f in fs)


def test_seed_003_recommended_stories(seed_results):
    text, fs = seed_results["003"]
    a = text.index("推荐阅读")
    b = text.index("加载更多")
    covered = sum(min(f.end, b) - max(f.start, a) for f in fs if f.rule == "OT06" and f.end > a and f.start < b)
    assert covered >= 0.8 * (b - a - len("推荐阅读") - 5)


@pytest.mark.parametrize("key", ["000", "001", "003", "004"])
def test_seed_bodies_not_flagged(seed_results, key):
    text, fs = seed_results[key]
    body = {
        "000": lambda: (0, len(text)),
        "001": lambda: (0, len(text)),
        "003": lambda: (text.index("作为互联网大家庭"), text.index("[ 责编")),
        "004": lambda: (text.index("\n") + 1, text.index("naogeng,")),
    }[key]()
    hits = [f for f in fs if f.start < body[1] and f.end > body[0]]
    assert not hits, [(f.rule, f.start, f.end, f.excerpt[:40]) for f in hits]


# --- real pages (skip when ../shared is absent) --------------------------------------------


def test_gold_pages_have_no_spam():
    root = shared_path("realdata")
    rules = [BY_ID["OT03"], BY_ID["OT04"], BY_ID["OT05"]]
    bad = []
    for p in sorted(root.glob("*_zh/*.gold.txt")):
        fs = findings(p.read_text(encoding="utf-8", errors="replace"), rules)
        bad += [(p.name, f.rule, f.excerpt[:30]) for f in fs]
    assert len(bad) <= 2, bad


def test_full_pages_flag_mostly_non_content():
    """On real scraped pages, what OT01/OT06 flag lies outside the hand-cleaned main content."""
    root = shared_path("realdata", "magichtml_zh")
    rules = [BY_ID["OT01"], BY_ID["OT06"]]
    total = on_gold = 0
    for full in sorted(root.glob("*.full.txt"))[:40]:
        gold = full.with_name(full.name.replace(".full.", ".gold."))
        if not gold.exists():
            continue
        text = full.read_text(encoding="utf-8", errors="replace")
        gold_lines = {l.strip() for l in gold.read_text(encoding="utf-8", errors="replace").split("\n") if l.strip()}
        for f in findings(text, rules):
            for line in text[f.start:f.end].split("\n"):
                line = line.strip()
                total += len(line)
                on_gold += len(line) if line in gold_lines else 0
    assert total > 0
    assert on_gold / total <= 0.2, on_gold / total


def test_leave_out_similarities_match_direct_computation():
    """The algebraic leave-out similarities (stacked cumulative sums, cached neighbour index
    arrays, key look-ups through a reused table) equal cosines computed directly."""
    import numpy as np
    from qc.detectors import offtopic as ot

    rng = np.random.default_rng(11)
    for trial in range(30):
        n = int(rng.integers(4, 40))
        occ = int(rng.integers(200, 3000))
        seg = np.sort(rng.integers(0, n, occ))
        bucket = rng.integers(0, 400 if trial % 2 else 1 << 18, occ)
        stop = rng.random(occ) < 0.2
        idf = rng.random(1 << 18).astype(np.float32) + 0.5
        vecs = ot.SegmentVectors(ot.SegmentVectors.pack(seg, bucket, stop), n, idf, 0.3)
        dense = np.zeros((n, vecs.V))
        dense[vecs.seg, vecs.term] = vecs.w
        alive = rng.random(n) < 0.8
        for radius in (0, 1, 2):
            near = vecs.near_dots(2 * radius)
            sims = ot._similarities(vecs, alive, radius, near)
            live = alive & vecs.nonempty
            for i in range(n):
                rest = live.copy()
                rest[max(0, i - radius):i + radius + 1] = False
                r = dense[rest].sum(axis=0)
                want = float(dense[i] @ r / np.linalg.norm(r)) if vecs.nonempty[i] and r @ r > 1e-12 else 0.0
                assert abs(sims[i] - want) < 1e-9


def test_small_document_path_gives_the_same_floats(monkeypatch):
    """_leave_out_small (Python, few segments) adds the same terms in the same order as the numpy
    path's cumulative sums: every similarity is the same float, radius 0-2, any alive mask."""
    import numpy as np
    from qc.detectors import offtopic as ot

    rng = np.random.default_rng(5)
    for trial in range(40):
        n = int(rng.integers(1, 30))
        occ = int(rng.integers(50, 1500))
        seg = np.sort(rng.integers(0, n, occ))
        bucket = rng.integers(0, 300 if trial % 2 else 1 << 18, occ)
        stop = rng.random(occ) < 0.3
        idf = rng.random(1 << 18).astype(np.float32) + 0.5
        vecs = ot.SegmentVectors(ot.SegmentVectors.pack(seg, bucket, stop), n, idf, 0.3)
        for radius in (0, 1, 2):
            near = vecs.near_dots(2 * radius)
            for alive in (np.ones(n, dtype=bool), rng.random(n) < 0.6):
                monkeypatch.setattr(ot, "SMALL_SEGMENTS", -1)
                big = ot._similarities(vecs, alive, radius, near)
                monkeypatch.setattr(ot, "SMALL_SEGMENTS", 10 ** 9)
                small = ot._similarities(vecs, alive, radius, near)
                assert big.tobytes() == small.tobytes()


def test_key_index_ignores_stale_table_entries():
    import numpy as np
    from qc.detectors import offtopic as ot

    rng = np.random.default_rng(3)
    for _ in range(20):
        space = int(rng.integers(10, 5000))
        keys = np.unique(rng.integers(0, space, int(rng.integers(1, 200))))
        queries = rng.integers(0, space, 500)
        at = ot._key_index(keys, space, queries)
        assert ((keys[at] == queries) == np.isin(queries, keys)).all()
