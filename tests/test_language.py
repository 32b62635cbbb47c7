"""The report's ``language`` field (qc.language): fast path for Han/kana/hangul text, seeded
langdetect otherwise. Traditional text is generated with OpenCC."""
from __future__ import annotations

import opencc
import pytest

from conftest import SEEDS, shared_path
from qc.language import analyse, document_language, han_script

ZH = "今年的世界互联网大会在浙江乌镇举行，来自一百多个国家和地区的嘉宾参加了会议，共同探讨数字经济的未来。"
S2T = opencc.OpenCC("s2t")


@pytest.mark.parametrize("text,primary,script", [
    (ZH, "zh", "Hans"),
    (S2T.convert(ZH), "zh", "Hant"),
    ("山水人大中天", "zh", "Hani"),  # only characters shared by both scripts
    (ZH + " The conference was a success, said the organisers.", "zh", "Hans"),
    ("The World Internet Conference was held in Wuzhen. Guests from more than one hundred countries "
     "attended the summit and discussed the future of the digital economy.", "en", "Latn"),
    ("La conférence mondiale de l'Internet s'est tenue à Wuzhen. Des invités de plus de cent pays "
     "ont participé au sommet et discuté de l'avenir de l'économie numérique.", "fr", "Latn"),
    ("Всемирная конференция по интернету прошла в Учжэне. Гости из более чем ста стран обсудили "
     "будущее цифровой экономики.", "ru", "Cyrl"),
    ("これは日本の新聞記事です。東京で開かれた国際会議について書かれています。", "ja", "Jpan"),
    ("세계 인터넷 대회가 우전에서 열렸습니다. 100여 개 나라의 손님들이 참석했습니다.", "ko", "Kore"),
    ("2024-07-13 13:55 | 123 456", "und", "Zyyy"),
    ("", "und", "Zyyy"),
])
def test_document_language(text, primary, script):
    assert document_language(text) == {"primary": primary, "script": script}


def test_chinese_with_a_japanese_quote_stays_chinese():
    text = ZH * 3 + "日本代表说：日本語のテキストです。"
    assert document_language(text)["primary"] == "zh"


def test_langdetect_is_deterministic_and_reports_probability():
    text = ("Der Weltinternetkongress fand in Wuzhen statt. Gäste aus mehr als hundert Ländern "
            "diskutierten über die Zukunft der digitalen Wirtschaft.")
    first = analyse(text)
    for _ in range(3):
        assert analyse(text + " ") == {**first, "letters": first["letters"]}
    assert first["primary"] == "de" and 0.5 < first["probability"] <= 1.0


def test_han_script():
    assert han_script(ZH) == "Hans"
    assert han_script(S2T.convert(ZH)) == "Hant"


def test_seed_languages():
    got = {p.name[:3]: document_language(p.read_text(encoding="utf-8")) for p in sorted(SEEDS.glob("*.txt"))}
    assert got["001"] == {"primary": "zh", "script": "Hant"}
    for k in ("000", "002", "003", "004"):
        assert got[k] == {"primary": "zh", "script": "Hans"}


def test_realdata_pages_are_chinese():
    import glob

    root = shared_path("realdata")
    for path in sorted(glob.glob(str(root / "*" / "*.gold.txt"))):
        text = open(path, encoding="utf-8", errors="replace").read()
        if len(text.strip()) < 50:
            continue
        assert document_language(text)["primary"] == "zh", path


def test_report_language_field():
    from qc.engine import check_text
    from qc.rules import load_rules

    rep = check_text(S2T.convert(ZH), load_rules())
    assert rep["language"] == {"primary": "zh", "script": "Hant"}
