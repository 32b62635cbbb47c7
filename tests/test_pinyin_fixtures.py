"""The PY fixture cases (tests/fixtures/rules/PY0*.yml) are generated with pypinyin from the
sentences below; this test checks the shipped files are exactly what the generator makes.
Regenerate with ``python tests/test_pinyin_fixtures.py``."""
from __future__ import annotations

import sys
from pathlib import Path

import yaml
from pypinyin import Style, lazy_pinyin

sys.path.insert(0, str(Path(__file__).parent))
from test_pinyin import HAN_RE, MUST_NOT_FIRE, render  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures" / "rules"
SENTS = [
    "北京是中华人民共和国的首都，也是全国的政治和文化中心。",
    "小明每天早上七点起床，吃完早饭就骑自行车去学校上课。",
    "医生提醒，高血压和糖尿病患者要定期体检，注意饮食清淡。",
    "这座古镇保留了大量明清时期的建筑，每年吸引很多游客前来参观。",
]
HEAD = ("# Cases generated with pypinyin (lazy_pinyin) from real Chinese sentences by\n"
        "# tests/test_pinyin_fixtures.py (python tests/test_pinyin_fixtures.py rewrites this file).\n")


def dump(rule, cases, note=""):
    data = {"rule": rule, "cases": cases}
    return rule, HEAD + note + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)


def generate() -> dict[str, str]:
    files = {}

    def block_case(name, s, style, prefix="", suffix=""):
        b = render(s, style)
        t = prefix + b + suffix
        return {"name": name, "text": t, "expect": "fail", "covers": [b[:20]]}

    neg = [{"name": f"must-not-fire-{i}", "text": t, "expect": "pass"} for i, t in enumerate(MUST_NOT_FIRE)]
    neg_en = [
        {"name": "english-prose", "text": "The summit was held in Wuzhen, a water town near Hangzhou. Delegates from more than one hundred countries came to discuss the future of the internet, and many of them gave long speeches.", "expect": "pass"},
        {"name": "english-lyric-all-syllables", "text": "he sang a long song, she came home, then the men ran", "expect": "pass"},
        {"name": "code-identifiers", "text": "def get_pinyin(zhongwen):\n    return zhongwen.lower().replace('shi', 'si')  # TODO", "expect": "pass"},
        {"name": "base64-image", "text": "图片数据：data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "expect": "pass"},
        {"name": "names-in-english", "text": "Zhang Xiaoming, Wang Lihua and Chen Jianguo of Tsinghua University co-authored the paper with Liu Yang.", "expect": "pass"},
        {"name": "one-word-gloss", "text": "他的名字叫李白(Lǐ Bái)，是唐代诗人。", "expect": "pass"},
    ]
    pos01 = [block_case(f"run-together-{i}", s, "run-together") for i, s in enumerate(SENTS)]
    pos01 += [block_case("run-together-in-chinese", SENTS[0] + SENTS[1], "run-together", prefix="原文如下。\n", suffix="\n以上为转写。"),
              {"name": "run-together-capitalised-start", "text": "".join(lazy_pinyin(SENTS[2])).capitalize(), "expect": "fail"},
              {"name": "run-together-with-numerals", "text": "jinnian7yuefen，" + "".join(lazy_pinyin(SENTS[3])), "expect": "fail"}]
    files.update([dump("PY01", pos01 + neg + neg_en)])
    pos02 = [block_case(f"spaced-{i}", s, "spaced") for i, s in enumerate(SENTS)]
    pos02 += [block_case(f"capitalised-{i}", s, "capitalised") for i, s in enumerate(SENTS[:2])]
    pos02 += [{"name": "upper-case", "text": " ".join(lazy_pinyin(SENTS[1])).upper() + " " + " ".join(lazy_pinyin(SENTS[2])).upper(), "expect": "fail"},
              {"name": "word-spaced", "text": "xiaoming meitian zaoshang qidian qichuang, chiwan zaofan jiu qi zixingche qu xuexiao shangke.", "expect": "fail"}]
    files.update([dump("PY02", pos02 + neg + neg_en)])
    pos03 = [block_case(f"tone-marks-{i}", s, "tone-marks") for i, s in enumerate(SENTS)]
    pos03 += [block_case(f"tone-numbers-{i}", s, "tone-numbers") for i, s in enumerate(SENTS)]
    pos03 += [{"name": "tone-numbers-run-together", "text": "".join(lazy_pinyin(SENTS[0], style=Style.TONE3)), "expect": "fail"},
              {"name": "tone-marks-capitalised", "text": " ".join(p.capitalize() for p in lazy_pinyin(SENTS[3], style=Style.TONE)), "expect": "fail"}]
    files.update([dump("PY03", pos03 + neg + neg_en + [{"name": "vietnamese", "text": "Tiếng Việt là ngôn ngữ chính thức của Việt Nam, được dùng rộng rãi.", "expect": "pass"}])])
    pos04 = []
    for i, s in enumerate(SENTS):
        a = render(s, "annotated")
        pos04.append({"name": f"annotated-{i}", "text": a, "expect": "fail", "suggestion": s.rstrip("。")})
        b = render(s, "annotated-toneless")
        pos04.append({"name": f"annotated-toneless-{i}", "text": b, "expect": "fail", "suggestion": s.rstrip("。")})
    r = lazy_pinyin(list(SENTS[0]), style=Style.TONE)
    fw = "".join(f"{c}（{p}）" if HAN_RE.match(c) else c for c, p in zip(SENTS[0], r))
    pos04.append({"name": "full-width-parentheses", "text": fw, "expect": "fail", "suggestion": SENTS[0].rstrip("。")})
    r = lazy_pinyin(list(SENTS[1]), style=Style.TONE3)
    tn = "".join(f"{c}({p} )" if HAN_RE.match(c) else c for c, p in zip(SENTS[1], r))
    pos04.append({"name": "tone-numbers-trailing-space", "text": tn, "expect": "fail", "suggestion": SENTS[1].rstrip("。")})
    sp = "".join(f"{c}({p})" if HAN_RE.match(c) else f"{c}({c})" for c, p in zip(SENTS[2], lazy_pinyin(list(SENTS[2]))))
    pos04.append({"name": "punctuation-annotated-too", "text": sp, "expect": "fail", "suggestion": SENTS[2]})
    files.update([dump("PY04", pos04 + neg + neg_en)])
    return files


def test_fixtures_are_generated():
    for rule, text in generate().items():
        assert (FIXTURES / f"{rule}.yml").read_text(encoding="utf-8") == text, f"{rule}.yml is stale"


if __name__ == "__main__":
    for rule, text in generate().items():
        (FIXTURES / f"{rule}.yml").write_text(text, encoding="utf-8")
