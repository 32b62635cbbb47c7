"""Pinyin family (PY01-PY04): generated positives in every style, real negatives, seeds, helpers.

Positive cases are made with pypinyin from real Chinese sentences (a few below, plus the
realdata gold pages when ../shared is present); negatives are real English text (Python's own
documentation, shipped with the interpreter) and the realdata gold pages.
"""
from __future__ import annotations

import glob
import random
import re
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypinyin import Style, lazy_pinyin

from conftest import SEEDS, shared_path
from qc.corpus import document_from_text
from qc.detectors import pinyin as py
from qc.engine import run_rules
from qc.profile import build_profile
from qc.resources import pinyin_tables as pt

SENTENCES = [
    "脑梗又称脑梗塞，是一种由于脑部血液供应不足而导致的神经功能障碍。",
    "今年的世界互联网大会在浙江乌镇举行，来自一百多个国家和地区的嘉宾参加了会议。",
    "春节期间，很多人选择回老家和家人一起吃年夜饭，看春节联欢晚会。",
    "研究人员发现，长期睡眠不足会增加患心血管疾病的风险。",
    "这家餐厅的招牌菜是红烧肉和清蒸鱼，价格也比较实惠。",
    "教育部要求各地学校进一步减轻学生的课业负担，保证每天锻炼一小时。",
    "他从小就喜欢读书，大学毕业以后在一家出版社当编辑。",
    "气象台预报，明天北方大部分地区将出现大风降温天气，请注意防寒保暖。",
    "我们应该保护环境，节约用水，减少使用一次性塑料制品。",
    "这部电影讲述了一个普通家庭在改革开放四十年里的变化。",
]

HAN_RE = re.compile(r"[\u4e00-\u9fff]")


def render(sentence: str, style: str) -> str:
    """``sentence`` as a pinyin converter or a scraper would leave it."""
    if style == "run-together":
        return "".join(lazy_pinyin(sentence))
    if style == "spaced":
        return " ".join(lazy_pinyin(sentence))
    if style == "capitalised":
        return " ".join(s.capitalize() for s in lazy_pinyin(sentence))
    if style == "tone-numbers":
        return " ".join(lazy_pinyin(sentence, style=Style.TONE3, neutral_tone_with_five=True))
    if style == "tone-marks":
        return " ".join(lazy_pinyin(sentence, style=Style.TONE))
    if style == "annotated":
        readings = lazy_pinyin(list(sentence), style=Style.TONE)
        return "".join(f"{c}({r})" if HAN_RE.match(c) else c for c, r in zip(sentence, readings))
    if style == "annotated-toneless":
        readings = lazy_pinyin(list(sentence))
        return "".join(f"{c}({r})" if HAN_RE.match(c) else c for c, r in zip(sentence, readings))
    raise ValueError(style)


STYLE_RULE = {
    "run-together": "PY01", "spaced": "PY02", "capitalised": "PY02",
    "tone-numbers": "PY03", "tone-marks": "PY03", "annotated": "PY04", "annotated-toneless": "PY04",
}


@pytest.fixture(scope="module")
def py_rules(ruleset):
    return [r for r in ruleset.rules if r.family == "pinyin"]


def scan(text: str, rules):
    """Findings of the pinyin rules on ``text`` (the detectors read no corpus profile)."""
    doc = document_from_text(text, "case.txt")
    out = []
    for rule in rules:
        for hit in rule.run(doc, None):
            out.append(SimpleNamespace(rule=rule.id, start=hit.start, end=hit.end, parts=hit.parts,
                                       suggestion=hit.suggestion, severity=hit.severity or rule.severity))
    return out


def test_through_the_engine(py_rules):
    text = render(SENTENCES[0], "annotated") + "\n" + render(SENTENCES[1], "run-together")
    doc = document_from_text(text, "case.txt")
    findings, errors = run_rules(doc, py_rules, build_profile([doc]))
    assert not errors
    assert {f.rule for f in findings} == {"PY01", "PY04"}
    (ann,) = [f for f in findings if f.rule == "PY04"]
    assert ann.family == "pinyin" and ann.line == 1 and ann.parts


def gold_sentences(limit: int = 300) -> list[str]:
    root = shared_path("realdata")
    out = []
    for g in sorted(glob.glob(str(root / "*" / "*.gold.txt"))):
        text = open(g, encoding="utf-8").read()
        for s in re.split(r"(?<=[。！？])", text):
            s = s.strip()
            if 12 <= len(HAN_RE.findall(s)) <= 80 and not re.search(r"[A-Za-z0-9]", s):
                out.append(s)
    random.Random(7).shuffle(out)
    return out[:limit]


# ---------------------------------------------------------------- tables

def test_syllable_table_is_pypinyins():
    shipped = set(pt.lexicon({}, "pinyin-syllables.txt"))
    assert shipped == set(pt.build_syllable_table())
    assert len(shipped) > 400
    for s in ("a", "er", "zhuang", "shuang", "lüe", "nü", "yo", "ng", "ê"):
        assert s in shipped
    seg = pt.segmenting_syllables({})
    assert "ng" not in seg and "m" not in seg and "lve" in seg and "zhuang" in seg


def test_impossible_pair_filter_never_rejects_pinyin():
    """The regex that skips English words in C must accept every pair of syllables."""
    bad = re.compile(py._IMPOSSIBLE_PAIR)
    seg = sorted(pt.segmenting_syllables({}))
    assert not [(a, b) for a in seg for b in seg if bad.search(a + b)]
    assert bad.search("the") and bad.search("struck") and not bad.search("zhuangshenglv")


def test_english_lexicon_has_the_segmentable_words():
    eng = pt.english_words({})
    for w in ("he", "long", "change", "men", "sang", "hang", "machine", "anyone"):
        assert w in eng, w
    for w in ("zhongguo", "naogeng", "shijiazhuang", "xinjiang"):
        assert w not in eng, w


def test_character_readings():
    assert "wang" in pt.readings("網")
    assert "nao" in pt.readings("脑")
    assert "lü" in pt.readings("率")
    assert pt.readings("A") == ()


# ---------------------------------------------------------------- generated positives

@pytest.mark.parametrize("style", sorted(STYLE_RULE))
def test_fixture_sentences_every_style(style, py_rules):
    for s in SENTENCES:
        text = render(s, style)
        rules = {f.rule for f in scan(text, py_rules)}
        assert STYLE_RULE[style] in rules, (style, text[:80], rules)


@pytest.mark.parametrize("style", sorted(STYLE_RULE))
def test_generated_from_real_pages_recall(style, py_rules):
    sentences = gold_sentences(150)
    found = sum(1 for s in sentences if STYLE_RULE[style] in {f.rule for f in scan(render(s, style), py_rules)})
    assert found >= 0.95 * len(sentences), f"{style}: {found}/{len(sentences)}"


def test_pinyin_block_inside_chinese_text(py_rules):
    body = "".join(SENTENCES[:3])
    block = render(SENTENCES[3] + SENTENCES[4], "run-together")
    text = body + "\n" + block + "\n" + body
    f = [x for x in scan(text, py_rules) if x.rule == "PY01"]
    assert len(f) == 1
    assert text[f[0].start:f[0].end] == block.rstrip("。")
    assert f[0].suggestion == ""  # the whole line is pinyin: delete it


def test_annotation_parts_and_suggestion(py_rules):
    s = SENTENCES[1]
    text = "前言。\n" + render(s, "annotated") + "\n后记。"
    (f,) = [x for x in scan(text, py_rules) if x.rule == "PY04"]
    assert f.parts and len(f.parts) == len(HAN_RE.findall(s))
    for a, b in f.parts:
        assert text[a] == "(" and text[b - 1] == ")"
    assert "(" not in f.suggestion
    assert s.startswith(f.suggestion.rstrip("。"))


def test_lu_nu_spelled_without_umlaut(py_rules):
    text = "女(nu)孩(hai)穿(chuan)绿(lu)衣(yi)"
    (f,) = [x for x in scan(text, py_rules) if x.rule == "PY04"]
    assert f.suggestion == "女孩穿绿衣" and len(f.parts) == 5


def test_word_glosses_in_a_teaching_text(py_rules):
    text = "北京(Běijīng)、上海(Shànghǎi)和广州(Guǎngzhōu)都是大城市。华为(Huawei)总部在深圳。"
    (f,) = [x for x in scan(text, py_rules) if x.rule == "PY04"]
    assert f.suggestion == "北京、上海和广州" and len(f.parts) == 3


def test_fullwidth_and_trailing_space_annotations(py_rules):
    text = "世界互聯（lián ）網（wǎng）大會(huì )烏鎮峰會(huì )"
    (f,) = [x for x in scan(text, py_rules) if x.rule == "PY04"]
    assert f.suggestion == "聯網大會烏鎮峰會"
    assert [text[a:b] for a, b in f.parts] == ["（lián ）", "（wǎng）", "(huì )", "(huì )"]


# ---------------------------------------------------------------- must not fire

MUST_NOT_FIRE = [
    "He sang a long song and the men began to change their minds.",
    "a hang on, he said, long before the men came home",
    "发布《世界互联网大会人工智能(AI)公益行动计划(2023—2025年)》",
    "国际电信联盟(ITU)、全球移动通信系统协会(GSMA)和联合国互联网治理论坛(IGF)共同主办。",
    "5G、AI、COVID-19、Model Y、iPhone 15 Pro、H264、MP3、A4纸",
    "2023年世界互联网大会在Wuzhen举行，Huawei、Alibaba和Tencent的代表在Xi'an与Beijing会面。",
    "President Xi Jinping met delegates in Beijing, Shanghai and Hangzhou before visiting Wuzhen.",
    "详见 https://www.wuzhenwic.org/zhongguo/xinwen/2023/index.html 或 mailto:zhangsan@huanqiu.com",
    "请下载 zhongguo_xinwen_huizong.xlsx 与 shanghai-beijing-guangzhou.csv 两个文件。",
    "调用 self.zhongguoxinwen.huoqu_shuju(zhongguo, beijing) 返回 dict。",
    "sha1: 3fa85f6457174562b3fc2c963f66afa6d1e2f0aa, token: eyJhbGciOiJIUzI1NiJ9.ZGVtbw",
    "Le café de la gare est très célèbre, même en été à Paris.",
    "他的英文名是 Zhang Wei，同事叫他 Li Na 和 Wang Fang。",
    "中新网乌镇11月11日电(张煜欢)记者报道。(完)",
    "条款(a)和条款(b)适用于本合同(see above)，附件(ii)除外。",
    "转发微博 @wangxiaomingbeijingren 参与话题 #zhongguohaoshengyindisanji# 一起看。",
]


def test_halfwidth_colon_inside_pinyin_text(py_rules):
    text = "shouxian:" + render(SENTENCES[0], "run-together")
    assert [f.rule for f in scan(text, py_rules)] == ["PY01"]


@pytest.mark.parametrize("text", MUST_NOT_FIRE)
def test_must_not_fire(text, py_rules):
    assert scan(text, py_rules) == []


def test_real_english_text_is_not_pinyin():
    """Python's documentation topics: ~1 MB of real English prose and code."""
    topics = pytest.importorskip("pydoc_data.topics").topics
    flagged = [k for k, t in topics.items() if py.pinyin_block_spans(t) or py.strip_annotations(t) != t]
    assert flagged == []


def test_realdata_gold_false_alarms():
    """Hand-cleaned Chinese pages: nearly none may carry a pinyin finding."""
    root = shared_path("realdata")
    golds = sorted(glob.glob(str(root / "*" / "*.gold.txt")))
    assert golds
    flagged = []
    for g in golds:
        t = open(g, encoding="utf-8").read()
        if py.pinyin_block_spans(t) or py.strip_annotations(t) != t:
            flagged.append(g)
    assert len(flagged) <= 0.02 * len(golds), flagged


# ---------------------------------------------------------------- seeds (acceptance)

def _seed(prefix: str) -> str:
    (path,) = SEEDS.glob(prefix + "_*.txt")
    return path.read_text(encoding="utf-8")


def test_seed_001_annotations(py_rules):
    text = _seed("001")
    glosses = [m for m in re.finditer(r"[(（]([a-zü\u00e0-\u01dc]+ ?)[)）]", text)]
    fs = [f for f in scan(text, py_rules) if f.rule == "PY04"]
    parts = {p for f in fs for p in f.parts}
    assert len(glosses) > 300
    assert sum(1 for m in glosses if m.span() in parts) >= 0.98 * len(glosses)
    assert len(fs) < len(parts) / 5  # merged into stretches
    for f in fs:
        assert f.suggestion == py._remove_parts(text, f.start, f.end, f.parts)
        assert not re.search(r"\((?:[a-z]|[\u00e0-\u01dc])", f.suggestion)
    assert "(張煜歡)" in py.strip_annotations(text)


def test_seed_004_blocks(py_rules):
    text = _seed("004")
    fs = scan(text, py_rules)
    rules = {f.rule for f in fs}
    assert {"PY01", "PY04"} <= rules
    (run,) = [f for f in fs if f.rule == "PY01"]
    assert text[run.start:run.end].startswith("naogeng,youcheng") and run.end - run.start > 1000
    (ann,) = [f for f in fs if f.rule == "PY04"]
    assert text[ann.start:].startswith("脑(nao)梗(geng)")
    assert len(ann.parts) > 500
    for acronym in ("(AI)", "(ITU)", "(IGF)", "(2023—2025年)"):
        at = text.index(acronym)
        assert not any(f.start <= at < f.end for f in fs), acronym
    assert run.severity == "error"  # half the document is pinyin


@pytest.mark.parametrize("prefix", ["000", "002", "003"])
def test_clean_seeds(prefix, py_rules):
    assert scan(_seed(prefix), py_rules) == []


# ---------------------------------------------------------------- severity, helpers, speed

def test_severity_escalates_with_share(py_rules):
    block = render(SENTENCES[0], "spaced")
    small = "\n".join(SENTENCES * 100) + "\n" + block
    big = block + "\n" + SENTENCES[1]
    sev_small = {f.severity for f in scan(small, py_rules) if f.rule == "PY02"}
    sev_big = {f.severity for f in scan(big, py_rules) if f.rule == "PY02"}
    assert sev_small == {"info"} and sev_big == {"error"}


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.integers(3, 40), st.sampled_from(["annotated", "annotated-toneless"]))
def test_strip_annotations_restores_any_stretch(seed, length, style):
    source = "".join(SENTENCES)
    start = seed % (len(source) - length)
    piece = source[start:start + length]
    if len(HAN_RE.findall(piece)) < 3:
        return
    assert py.strip_annotations(render(piece, style)) == piece


def test_helpers():
    text = "前言。" + render(SENTENCES[0], "annotated") + "\n" + render(SENTENCES[2], "run-together")
    stripped = py.strip_annotations(text)
    assert stripped.startswith("前言。" + SENTENCES[0])
    spans = py.pinyin_block_spans(text)
    assert len(spans) == 1 and text[spans[0][0]:spans[0][1]].startswith("chunjie")
    assert py.strip_annotations("没有注音的文字(AI)") == "没有注音的文字(AI)"
    assert py.pinyin_block_spans("纯中文文本，没有拉丁字母。") == []


def test_no_latin_costs_nothing(monkeypatch, py_rules):
    def boom(*a, **k):
        raise AssertionError("analysis ran on text without Latin letters")

    monkeypatch.setattr(py, "_blocks", boom)
    monkeypatch.setattr(py, "_annotations", boom)
    assert scan("，".join(SENTENCES) + "（括号）", py_rules) == []


def test_param_validation():
    with pytest.raises(ValueError):
        py.pinyin_text_block.validate_params({**py.pinyin_text_block.param_defaults, "style": "wade-giles"})


def test_masked_spans_equal_a_full_urlish_scan():
    """_masked_spans tries _URLISH only near its triggers (://, www., @); it must give exactly the
    spans of _URLISH.finditer over the whole text, on real-looking and on adversarial text."""
    import random

    from qc.detectors import pinyin as pmod

    rnd = random.Random(11)
    pieces = ["http://", "https://x.com/a", "www.", "www.a.b", "a@b.c", "x.y+z@mail.example.com", "@", "://",
              "中文", " ", "abc", "-", ".", "a" * 70, "ftp://", "git+ssh://h", "，", "\n", "_", "wanggeng"]
    texts = ["".join(rnd.choice(pieces) for _ in range(rnd.randrange(1, 15))) for _ in range(3000)]
    texts += ["".join(rnd.choice("ab.-+_@:/w3 中。x\n") for _ in range(rnd.randrange(1, 200))) for _ in range(2000)]
    texts.append("请访问 https://www.wuzhenwic.org/zhongguo/xinwen/index.html 或写信到 zhangsan@huanqiu.com 。" * 3)
    for t in texts:
        full = [m.span() for m in pmod._URLISH.finditer(t)] if ("://" in t or "www." in t or "@" in t) else []
        assert pmod._masked_spans(t) == full, t


def test_strip_annotations_equals_the_full_analysis_path():
    """strip_annotations skips the pinyin-block pass; its result must be what the full shared
    analysis gives, on texts with and without generated glosses."""
    import random

    from pypinyin import Style, pinyin

    from qc.detectors import pinyin as P

    def via_analysis(text):
        an = P._analysis_for(text, {})
        parts = [p for st in an.stretches for p in st.parts]
        return P._remove_parts(text, 0, len(text), parts) if parts else text

    rng = random.Random(11)
    base = "世界互联网大会在乌镇开幕，来自全球的嘉宾围绕数字经济展开讨论（Digital Economy）。5G 和 AI 是焦点。"
    stripped = 0
    for k in range(120):
        i = rng.randrange(0, 20)
        seg = base[i:i + rng.randint(2, 5)]
        style = rng.choice([Style.TONE, Style.NORMAL, Style.TONE3])
        if k % 3 == 0:
            glossed = "".join(f"{c}({pinyin(c, style=style)[0][0]})" for c in seg)
        elif k % 3 == 1:
            glossed = seg + "（" + " ".join(x[0] for x in pinyin(seg, style=style)) + "）"
        else:
            glossed = seg
        text = base[:i] + glossed + base[i + len(seg):]
        P._analyse.cache_clear()
        P._default_stretches.cache_clear()
        assert P.strip_annotations(text) == via_analysis(text), text
        stripped += P.strip_annotations(text) != text
    assert stripped > 20
