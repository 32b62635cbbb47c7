"""Script family (SC01–SC07): OpenCC tables, generated corpora, the seeds, must-not-fire cases,
real pages from ../shared/realdata.

Traditional text is made with OpenCC (s2t) from Simplified text, pinyin with pypinyin: nothing
Traditional is hand-typed here.
"""
from __future__ import annotations

import glob
import re
from functools import lru_cache

import opencc
import pytest
from pypinyin import lazy_pinyin

from conftest import SEEDS, shared_path
from qc.corpus import document_from_text
from qc.detectors import script as sd
from qc.engine import run_rules
from qc.profile import CorpusProfile, build_profile
from qc.resources import scriptclass as sc
from qc.resources.opencc_tables import HANS, HANT, convert, normalise_script, script_counts, script_sets
from qc.rules import load_rules

S2T = opencc.OpenCC("s2t")

SIMPLIFIED = [
    "今年的世界互联网大会在浙江乌镇举行，来自一百多个国家和地区的嘉宾参加了会议。",
    "研究人员发现，长期睡眠不足会增加患心血管疾病的风险，专家建议每天保证七个小时的睡眠。",
    "春节期间，很多人选择回老家和家人一起吃年夜饭，看春节联欢晚会，气氛非常热闹。",
    "教育部要求各地学校进一步减轻学生的课业负担，保证学生每天锻炼一小时。",
    "这部电影讲述了一个普通家庭在改革开放四十年里的变化，上映以来获得了观众的好评。",
    "气象台预报，明天北方大部分地区将出现大风降温天气，请市民注意防寒保暖。",
]


@lru_cache(maxsize=1)
def ruleset():
    return load_rules()


def rules(*ids):
    by = ruleset().by_id()
    return [by[i] for i in ids]


def script_profile(docs) -> CorpusProfile:
    """The corpus profile with only the script family's part (the other families' parts are
    theirs to test, and cost time)."""
    contrib = sd.ScriptProfile()
    acc = None
    for d in docs:
        acc = contrib.merge(acc, contrib.collect(d))
    return CorpusProfile(n_docs=len(docs), parts={"script": contrib.finalize(acc, len(docs))})


def run(texts, ids=("SC01", "SC02", "SC03", "SC04", "SC05", "SC06", "SC07"), params=None, full_profile=False):
    """Findings per document for a corpus of ``texts`` (profile built from all of them)."""
    docs = [document_from_text(t, f"doc{i}.txt") for i, t in enumerate(texts)]
    prof = build_profile(docs) if full_profile else script_profile(docs)
    rs = rules(*ids)
    if params:
        from dataclasses import replace

        rs = [replace(r, params={**r.params, **params.get(r.id, {})}) for r in rs]
    out = []
    for d in docs:
        found, errors = run_rules(d, rs, prof)
        assert not errors, errors
        out.append(found)
    return docs, out


# --------------------------------------------------------------------------- tables


def test_script_sets_come_from_opencc_and_exclude_shared_characters():
    simp, trad = script_sets()
    assert len(simp) > 2000 and len(trad) > 2000
    assert not simp & trad
    for ch in "国们发这网络会门":
        assert ch in simp
    for ch in "國們發這網絡會門後":
        assert ch in trad
    for shared in "后干著面里台人大中":  # the same character in both scripts, or ambiguous
        assert shared not in simp and shared not in trad


def test_script_counts_on_generated_text():
    for s in SIMPLIFIED:
        t = S2T.convert(s)
        simp_s, trad_s = script_counts(s)
        simp_t, trad_t = script_counts(t)
        assert trad_s == 0 and simp_s > 0
        assert simp_t == 0 and trad_t >= simp_s - 2  # a few characters have phrase-level targets
    assert script_counts("人大中山水") == (0, 0)
    assert script_counts("") == (0, 0)


def test_classify_positions_are_code_point_offsets():
    text = "😀a國\udc80国ｂ"  # an astral character and a lone surrogate before the Han
    cls = sc.classify(text)
    assert cls.positions(sc.HAN_T).tolist() == [2]
    assert cls.positions(sc.HAN_S).tolist() == [4]
    assert cls.positions(sc.FW_ALNUM).tolist() == [5]


def test_normalise_script():
    assert normalise_script("simplified") == HANS == normalise_script("zh-Hans")
    assert normalise_script("Traditional") == HANT == normalise_script("zh-TW")
    assert normalise_script(None) is None
    with pytest.raises(ValueError):
        normalise_script("klingon")


# --------------------------------------------------------------------------- SC01 / SC02


def test_traditional_document_in_simplified_corpus_gets_one_document_finding():
    trad = S2T.convert("".join(SIMPLIFIED[:3]))
    docs, found = run([*SIMPLIFIED, trad], ("SC01",))
    assert all(not f for f in found[:-1])
    (f,) = found[-1]
    assert (f.start, f.end) == (0, len(trad))
    assert f.evidence["script"] == HANT and f.evidence["expected"] == HANS
    assert f.evidence["ratio"] > 0.9
    assert "Traditional" in f.message and "t2s" in f.message
    assert f.suggestion == convert(trad, HANS)


def test_whole_traditional_corpus_flags_the_simplified_documents():
    trads = [S2T.convert(s) for s in SIMPLIFIED]
    simp = "".join(SIMPLIFIED[:2])
    docs, found = run([*trads, simp], ("SC01",))
    assert all(not f for f in found[:-1])
    assert [f.evidence["script"] for f in found[-1]] == [HANS]
    assert "s2t" in found[-1][0].message


def test_expected_script_wins_over_the_corpus_majority():
    text = "".join(SIMPLIFIED[:3])
    _, found = run([text, "".join(SIMPLIFIED[3:])], ("SC01",), params={"SC01": {"expected_script": "traditional"}})
    assert found[0] and found[1]
    assert "expected_script" in found[0][0].message
    _, found = run([text], ("SC01",), params={"SC01": {"expected_script": "Hans"}})
    assert found == [[]]


def test_single_document_corpus_has_its_own_script_as_majority():
    _, found = run([S2T.convert("".join(SIMPLIFIED))], ("SC01", "SC02"))
    assert found == [[]]


def _paragraph_doc(paras, k):
    """A document of ``paras`` with paragraph ``k`` converted with OpenCC s2t; its span."""
    before = "\n".join(paras[:k])
    conv = S2T.convert(paras[k])
    text = "\n".join([*paras[:k], conv, *paras[k + 1:]])
    start = len(before) + (1 if k else 0)
    return text, (start, start + len(conv)), conv


def test_generated_corpus_exactly_the_converted_paragraph_is_flagged():
    paras = SIMPLIFIED
    corpus = ["\n".join(paras[i:] + paras[:i]) for i in range(1, len(paras))]
    for k in range(len(paras)):
        text, span, conv = _paragraph_doc(paras, k)
        _, found = run([*corpus, text], ("SC01", "SC02"))
        assert all(not f for f in found[:-1])
        assert [(f.rule, f.start, f.end) for f in found[-1]] == [("SC02", *span)], k
        assert found[-1][0].suggestion == convert(conv, HANS)
        assert "Traditional paragraph" in found[-1][0].message


def test_generated_corpus_from_real_pages():
    """N real Simplified pages; one paragraph of one page converted with s2t → exactly it is flagged."""
    root = shared_path("realdata", "magichtml_zh")
    pages = []
    for path in sorted(glob.glob(str(root / "article_*.gold.txt"))):
        text = open(path, encoding="utf-8").read()
        simp, trad = script_counts(text)
        if simp >= 50 and trad == 0:
            pages.append(text)
    assert len(pages) >= 10
    pages = pages[:20]
    checked = 0
    for n, page in enumerate(pages[:8]):
        lines = page.split("\n")
        # a paragraph with enough Simplified-only characters to be unmistakable once converted
        cands = [i for i, ln in enumerate(lines) if script_counts(ln)[0] >= 8]
        if not cands:
            continue
        k = cands[len(cands) // 2]
        text, span, conv = _paragraph_doc(lines, k)
        others = pages[:n] + pages[n + 1:]
        _, found = run([*others, text], ("SC01", "SC02"))
        assert all(not f for f in found[:-1])
        a, b = span
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        assert [(f.rule, f.start, f.end) for f in found[-1]] == [("SC02", a, b)]
        checked += 1
    assert checked >= 5


def test_mixed_sentence_is_flagged_but_isolated_traditional_characters_are_not():
    base = "乌镇峰会今天开幕，来自世界各地的嘉宾齐聚一堂。"
    mixed = S2T.convert("我们认为这个会议对数字经济发展很重要。")
    text = base + mixed + "会议发布了多项成果。"
    _, found = run([text, *SIMPLIFIED], ("SC02",))
    (f,) = found[0]
    assert text[f.start:f.end] == mixed
    # one Traditional character per sentence (後来, 金鍾國 names) is not a run
    calm = "随着犬儒哲学的流行，其内涵开始发生了变化。後来的犬儒派们发表了言论。吃苦在前，享乐在後。"
    _, found = run([calm, *SIMPLIFIED], ("SC02",))
    assert found[0] == []


def test_mojibake_fragments_are_not_script_runs():
    # UTF-8 bytes of Simplified text read as GBK: short strings of rare characters (encoding family)
    garbled = "“世界互联网大会”".encode("utf-8").decode("gbk", errors="replace")
    text = S2T.convert("".join(SIMPLIFIED)) + garbled + S2T.convert(SIMPLIFIED[0])
    _, found = run([text], ("SC02",))
    assert found == [[]]


def test_mixed_document_uses_the_corpus_script_as_reference():
    # half Simplified, half Traditional paragraphs: the Traditional ones are flagged in a Simplified corpus
    paras = SIMPLIFIED[:4]
    text = "\n".join([paras[0], S2T.convert(paras[1]), paras[2], S2T.convert(paras[3])])
    _, found = run([text, *SIMPLIFIED], ("SC02",))
    flagged = [text[f.start:f.end] for f in found[0]]
    assert flagged == [S2T.convert(paras[1]), S2T.convert(paras[3])]


# --------------------------------------------------------------------------- SC03 / SC04

def _width(text, corpus=()):
    _, found = run([text, *corpus], ("SC03", "SC04"))
    return found[0]


def test_halfwidth_line_finding_parts_ratio_suggestion():
    text = "三年来,世界互联网大会在乌镇举办:来自各国的嘉宾(约一千五百人)参会!\n第二行没有问题。"
    (f,) = _width(text)
    assert f.rule == "SC03" and f.severity == "info"
    line = text.split("\n")[0]
    assert (f.start, f.end) == (0, len(line))
    assert [text[a:b] for a, b in f.parts] == [",", ":", "(", ")", "!"]
    assert f.suggestion == "三年来，世界互联网大会在乌镇举办：来自各国的嘉宾（约一千五百人）参会！"
    assert f.evidence["line_ratio"] == 1.0 and "100%" in f.message


def test_mixed_widths_are_sc04_and_worse():
    text = "世界互联网大会在乌镇举行，嘉宾们齐聚一堂。\n会议期间,各方达成了广泛共识，发布了成果。"
    (f,) = _width(text)
    assert f.rule == "SC04" and f.severity == "warning"
    assert [text[a:b] for a, b in f.parts] == [","]
    assert f.evidence["line_ratio"] == 0.5  # one ',' and one '，' on the line
    assert "'，'" in f.message and "mixes" in f.message


def test_suggestion_is_a_fixed_point():
    lines = [
        "来源:世界互联网大会 2024-07-13 13:55",
        "他说:\"欢迎来到乌镇\"!然后, 大家鼓掌。",
        "第１届大会在ＡＢＣ大厅举行,共有１２００人参加。",
        "国际电信联盟(ITU)和世界卫生组织(WHO)的代表(共三人)出席了会议;会议于10:30开始。",
    ]
    for line in lines:
        (f,) = _width(line)
        assert _width(f.suggestion) == [], f.suggestion


@pytest.mark.parametrize("text", [
    "国际电信联盟(ITU)发布了报告。",
    "《数字经济发展规划》(2023—2025年)正式发布。",
    "销售额达到1,000万元，会议于10:30开始，比分3:2。",
    "详情请见 https://www.example.com/a,b?x=1:2 网站，或写信到 news@example.com。",
    "He said: Hello, world! Are you OK? (See the notes.)",
    "他推荐了一本书\"Deep Learning\"，值得一读。",
    "网(wǎng)络(luò)空间，人工智能（AI）与5G、iPhone和Model Y。",
    "[13] 李锋, 王喜成. 我国物流业发展问题研究[J]. 物流技术, 2008, 27(3): 1-5.",
    "这是一个“正确”的句子：全部使用全角标点（包括括号）！对吗？",
])
def test_width_must_not_fire(text):
    assert _width(text) == []


def test_front_matter_is_left_alone():
    text = "---\ntitle: 携手构建网络空间命运共同体\ndate: 2022-11-12\n---\n\n正文，没有问题。"
    assert _width(text) == []


# --------------------------------------------------------------------------- SC05 / SC06 / SC07

CHINESE_FRAME = ("今年的世界互联网大会在浙江乌镇举行，来自一百多个国家和地区的嘉宾参加了会议。{}"
                 "会议期间各方围绕数字经济、人工智能和网络安全等议题进行了深入交流。")


def test_foreign_scripts_are_named_with_language_and_probability():
    cases = {
        "韩国代表说：안녕하세요 여러분 반갑습니다，": ("Kore", "ko"),
        "俄罗斯代表说：«Мы готовы к сотрудничеству в области цифровой экономики»，": ("Cyrl", "ru"),
        "日本代表说：日本語のテキストです，": ("Jpan", "ja"),
        "泰国代表说：ประเทศไทยยินดีต้อนรับ，": ("Thai", "th"),
        "阿拉伯代表说：مرحبا بكم في المؤتمر，": ("Arab", "ar"),
    }
    for insert, (script, lang) in cases.items():
        text = CHINESE_FRAME.format(insert)
        _, found = run([text], ("SC05",))
        assert len(found[0]) == 1, (insert, found[0])
        f = found[0][0]
        assert f.evidence["script"] == script and f.evidence["language"] == lang
        assert text[f.start:f.end] in insert


def test_langdetect_results_are_deterministic():
    text = CHINESE_FRAME.format("Delegates said: the digital economy is changing the way we work and live together. ")
    results = {tuple((f.start, f.end, f.message) for f in run([text], ("SC06",))[1][0]) for _ in range(3)}
    assert len(results) == 1
    ((_, _, message),) = results.pop()
    assert "English" in message and "p=" in message


def test_english_passage_is_reported_with_language_and_probability():
    passage = "The conference was held in Wuzhen and attracted many guests from all over the world."
    text = CHINESE_FRAME.format(passage)
    (f,) = run([text], ("SC06",))[1][0]
    assert text[f.start:f.end] == passage
    assert f.evidence["language"] == "en" and f.evidence["probability"] >= 0.9


@pytest.mark.parametrize("insert", [
    "5G、AI、GDP、COVID-19、iPhone、Model Y以及国际电信联盟(ITU)",
    "万维网之父Tim Berners-Lee与World Internet Conference Wuzhen Summit",
    "他推荐了一本书“Learning to rank for information retrieval”",
    "《The Lord of the Rings》和\"Gone with the Wind\"",
    "代码 for (int i = 0; i < n; i++) { sum += a[i]; } 与 docker run -d --name kafka-exporter",
    "网址 https://www.example.com/news/world-internet-conference-opens-in-wuzhen-today 或 news@example.com",
    "2024-07-13 13:55，第1,000位，10:30",
    "α、β、γ粒子和β受体阻滞剂，Ω表示电阻",
    "我の世界",
])
def test_foreign_rules_must_not_fire(insert):
    text = CHINESE_FRAME.format(insert + "。")
    _, found = run([text, *SIMPLIFIED])
    assert [(f.rule, text[f.start:f.end]) for f in found[0]] == []


def test_pinyin_is_left_to_the_pinyin_family():
    for sentence in SIMPLIFIED:
        for render in (" ".join(lazy_pinyin(sentence)), "".join(lazy_pinyin(sentence)),
                       " ".join(lazy_pinyin(sentence, style=1))):
            text = CHINESE_FRAME.format(render)
            _, found = run([text], ("SC06",))
            assert found == [[]], render


def test_is_pinyin_word():
    for w in ("zhongguo", "Wǎngluò", "xi'an", "nao", "gengsai"):
        assert sd.is_pinyin_word(w), w
    for w in ("conference", "the", "world", "docker", "Wuzhen2"):
        assert not sd.is_pinyin_word(w), w


def test_non_chinese_document():
    english = ("The World Internet Conference was held in Wuzhen. Guests from more than one hundred "
               "countries and regions attended the summit and discussed the digital economy.")
    _, found = run([english, *SIMPLIFIED], ("SC05", "SC06", "SC07"))
    assert [(f.rule, f.start, f.end, f.evidence["language"]) for f in found[0]] == [("SC07", 0, len(english), "en")]
    assert all(not f for f in found[1:])


# --------------------------------------------------------------------------- the seeds


def test_seeds():
    names = sorted(p.name for p in SEEDS.glob("*.txt"))
    texts = [(SEEDS / n).read_text(encoding="utf-8") for n in names]
    _, found = run(texts, full_profile=True)
    by = {n[:3]: fs for n, fs in zip(names, found)}
    assert by["000"] == []
    (doc_level,) = [f for f in by["001"] if f.rule == "SC01"]
    assert doc_level.evidence["script"] == HANT and doc_level.evidence["ratio"] > 0.9
    for other in ("002", "003", "004"):
        assert not [f for f in by[other] if f.rule in ("SC01", "SC02")]
    for seed in ("001", "003", "004"):
        width = [f for f in by[seed] if f.rule in ("SC03", "SC04")]
        assert len(width) >= 5, seed
        text = texts[names.index(next(n for n in names if n.startswith(seed)))]
        for f in width:
            assert all(text[a:b] in sd._MARK_TYPE or sc.classify(text).codes[a] == sc.FW_ALNUM for a, b in f.parts)
    # pinyin in 001 and 004 is not claimed as a foreign-language passage
    assert not [f for fs in found for f in fs if f.rule in ("SC05", "SC06", "SC07")]


# --------------------------------------------------------------------------- real pages


def _gold_pages():
    root = shared_path("realdata")
    return sorted(glob.glob(str(root / "*" / "*.gold.txt")))


def test_realdata_traditional_pages_match_opencc_phrase_conversion():
    """SC01 flags exactly the pages that OpenCC's phrase converter (t2s) changes substantially."""
    paths = _gold_pages()
    texts = [open(p, encoding="utf-8", errors="replace").read() for p in paths]
    _, found = run(texts, ("SC01",))
    flagged = {p for p, fs in zip(paths, found) if fs}
    t2s = opencc.OpenCC("t2s")
    han = re.compile(r"[\u4e00-\u9fff]")
    truth = set()
    for p, t in zip(paths, texts):
        chars = han.findall(t)[:600]  # a sample keeps the slow phrase converter cheap
        if len(chars) < 40:
            continue
        conv = han.findall(t2s.convert("".join(chars)))
        changed = sum(1 for a, b in zip(chars, conv) if a != b)
        if changed / len(chars) > 0.1:
            truth.add(p)
    assert truth and flagged == truth


def test_realdata_mixed_page_and_false_alarm_budget():
    paths = _gold_pages()
    texts = [open(p, encoding="utf-8", errors="replace").read() for p in paths]
    _, found = run(texts, ("SC02", "SC05", "SC06"))
    sc02 = {p.split("/")[-1] for p, fs in zip(paths, found) for f in fs if f.rule == "SC02"}
    # the page mixing Simplified comments into machine-converted Traditional is among them
    assert "8f1cdd94.gold.txt" in sc02
    assert len(sc02) <= 3
    pages_with_foreign = sum(1 for fs in found if any(f.rule in ("SC05", "SC06") for f in fs))
    assert pages_with_foreign <= 8  # of ~140 pages; all real foreign text (Korean lyrics, English abstracts)


def test_shipped_syllable_table_equals_the_one_built_from_pypinyin():
    """SC06 reads rules/lexicons/pinyin-syllables.txt; it must be the set pypinyin gives."""
    assert sd._pinyin_syllables() == sd._pypinyin_syllables()


# --------------------------------------------------------------------------- exact fast paths


def test_convert_equals_opencc_on_real_pages_and_generated_mixtures():
    """opencc_tables.convert (candidate phrases found in numpy, the rest str.translate) gives
    OpenCC's own t2s/s2t output exactly: real pages, their conversions, slices and mixtures."""
    import random

    ref = {HANS: opencc.OpenCC("t2s"), HANT: S2T}
    texts = [open(p, encoding="utf-8", errors="replace").read()[:1200] for p in _gold_pages()[::2]]
    texts += SIMPLIFIED + ["", "国", "後", "a", "  ", "乾隆皇帝，头发。", "碧娜芝．布托", "乔治．布希说：“发财”"]
    rnd = random.Random(7)
    samples = []
    for t in texts:
        samples += [t, S2T.convert(t)]
        a = rnd.randrange(0, max(1, len(t)))
        samples.append(t[a:a + rnd.randrange(1, 200)])
        samples.append(t[:100] + S2T.convert(t[100:200]) + t[200:300])
    for s in samples:
        for to in (HANS, HANT):
            assert convert(s, to) == ref[to].convert(s), (to, s[:80])


def test_lazy_langdetect_profiles_equal_langdetect_own():
    """qc.language's lazily built probability rows are the rows langdetect's own loader builds."""
    from langdetect import detector_factory as df

    from qc.language import _install_lazy_factory, top_language

    top_language("warm up the factory with an English sentence")
    _install_lazy_factory()
    lazy = df._factory
    ref = df.DetectorFactory()
    ref.load_profile(df.PROFILES_DIRECTORY)
    assert lazy.langlist == ref.langlist
    m = lazy.word_lang_prob_map
    assert set(m) == set(ref.word_lang_prob_map)
    words = sorted(ref.word_lang_prob_map)[::15]  # every 15th n-gram (building all rows takes seconds)
    assert [m[w] for w in words] == [ref.word_lang_prob_map[w][:len(ref.langlist)] for w in words]


def test_fast_detector_equals_langdetect_detect_langs():
    """qc.language's detector (numpy update loop) gives langdetect's probabilities bit for bit."""
    import random

    from langdetect import DetectorFactory, detect_langs
    from langdetect import detector_factory as df
    from langdetect.lang_detect_exception import LangDetectException

    from qc.language import _fast_detector_class, top_language

    top_language("warm up")
    texts = [open(p, encoding="utf-8", errors="replace").read() for p in _gold_pages()[::3]]
    texts += ["This is an English sentence about the weather today.", "Le café est très célèbre à Paris.",
              "Привет, как дела?", "こんにちは、世界。", "안녕하세요", "", "123 456", "a b c", "Ünïcödé ñ ß"]
    rnd = random.Random(5)
    samples = []
    for t in texts:
        a = rnd.randrange(0, max(1, len(t)))
        samples += [t[a:a + 40], t[a:a + 400]]

    def probs(make, s):
        DetectorFactory.seed = 0
        try:
            return [(lang.lang, lang.prob) for lang in make(s)]
        except LangDetectException as e:
            return str(e)

    def fast(s):
        d = _fast_detector_class()(df._factory)
        d.append(s)
        return d.get_probabilities()

    for s in samples:
        assert probs(fast, s) == probs(detect_langs, s), s[:80]


def test_seeded_stream_equals_random():
    """The fast langdetect loop reads random.Random(seed)'s Mersenne Twister words from numpy's
    MT19937 started in the same state: the same 32-bit words as ``getrandbits(32)``."""
    import random

    from qc.language import _seeded_stream

    for seed in (0, 1, 12345):
        r = random.Random(seed)
        words = _seeded_stream(seed).upto(10000)[:10000].tolist()
        assert words == [r.getrandbits(32) for _ in range(10000)]
