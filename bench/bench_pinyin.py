"""Throughput of the pinyin rules (PY01-PY04) in MB/s of UTF-8 input, per kind of text.

    python bench/bench_pinyin.py [--mb 4]

Kinds: Chinese without Latin letters (the pre-check path), Chinese web text with some Latin
(the realdata gold pages when ../shared is present, else generated), English prose (Python's
documentation), and text full of pinyin (pypinyin renderings of Chinese, all styles).
"""
from __future__ import annotations

import argparse
import glob
import re
import time
from pathlib import Path

from pypinyin import Style, lazy_pinyin

from qc.corpus import document_from_text
from qc.detectors import pinyin as py
from qc.rules import load_rules

ROOT = Path(__file__).resolve().parent.parent


def corpora(mb: float) -> dict[str, list[str]]:
    golds = sorted(glob.glob(str(ROOT.parent / "shared" / "realdata" / "*" / "*.gold.txt")))
    zh = [open(g, encoding="utf-8").read() for g in golds] or \
        [(ROOT / "seeds" / p).read_text(encoding="utf-8") for p in ("000_e2904fb8b4351005.txt",)]
    no_latin = [re.sub(r"[A-Za-z]", "", t) for t in zh]
    from pydoc_data.topics import topics

    english = list(topics.values())
    sents = [s for t in zh for s in re.split(r"(?<=[。！？])", t) if re.search(r"[\u4e00-\u9fff]{8}", s)][:400]
    pinyin = []
    for i, s in enumerate(sents):
        if i % 4 == 0:
            pinyin.append(s + "".join(lazy_pinyin(s)))
        elif i % 4 == 1:
            pinyin.append(s + " ".join(lazy_pinyin(s, style=Style.TONE)))
        elif i % 4 == 2:
            pinyin.append(s + " ".join(lazy_pinyin(s, style=Style.TONE3)))
        else:
            r = lazy_pinyin(list(s), style=Style.TONE)
            pinyin.append("".join(f"{c}({p})" if "\u4e00" <= c <= "\u9fff" else c for c, p in zip(s, r)))

    def fill(docs):
        out, size = [], 0
        while size < mb * 1e6:
            for d in docs:
                out.append(d)
                size += len(d.encode("utf-8"))
                if size >= mb * 1e6:
                    break
        return out

    return {"chinese, no Latin": fill(no_latin), "chinese web text (gold pages)": fill(zh),
            "english prose (pydoc)": fill(english), "pinyin-heavy (generated)": fill(pinyin)}


def accuracy() -> None:
    """Recall on pypinyin renderings of every realdata gold sentence, false alarms on real text."""
    import sys

    sys.path.insert(0, str(ROOT / "tests"))
    from test_pinyin import STYLE_RULE, render  # the same renderings the tests use

    golds = sorted(glob.glob(str(ROOT.parent / "shared" / "realdata" / "*" / "*.gold.txt")))
    fulls = sorted(glob.glob(str(ROOT.parent / "shared" / "realdata" / "*" / "*.full.txt")))
    if not golds:
        print("../shared/realdata not present: no accuracy figures")
        return
    sents = []
    for g in golds:
        for s in re.split(r"(?<=[。！？])", open(g, encoding="utf-8").read()):
            s = s.strip()
            if 8 <= len(re.findall(r"[\u4e00-\u9fff]", s)) <= 120:
                sents.append(s)
    print(f"recall on {len(sents)} real sentences rendered with pypinyin (a sentence counts when its rule fires):")
    for style, rule in sorted(STYLE_RULE.items()):
        found = 0
        for s in sents:
            text = render(s, style)
            an = py._analysis_for(text, {})
            ok = bool(an.stretches) if rule == "PY04" else any(
                {"run-together": "PY01", "spaced": "PY02", "toned": "PY03"}[b.style] == rule for b in an.blocks)
            found += ok
        print(f"  {style:20s} {rule}  {found}/{len(sents)} = {found / len(sents):.1%}")
    from importlib import metadata
    from pydoc_data.topics import topics

    readmes = [d.metadata.get_payload() or "" for d in metadata.distributions()]
    readmes = [t for t in readmes if len(t) > 2000]
    for name, texts in (("english package READMEs (installed)", readmes),
                        ("realdata gold pages", [open(g, encoding="utf-8").read() for g in golds]),
                        ("realdata full pages", [open(g, encoding="utf-8").read() for g in fulls]),
                        ("english (pydoc topics)", list(topics.values()))):
        flagged = [t for t in texts if py.pinyin_block_spans(t) or py.strip_annotations(t) != t]
        print(f"false alarms, {name}: {len(flagged)}/{len(texts)} documents")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=4.0)
    ap.add_argument("--accuracy", action="store_true", help="print recall / false-alarm figures instead")
    args = ap.parse_args()
    if args.accuracy:
        accuracy()
        return
    rules = [r for r in load_rules().rules if r.family == "pinyin"]
    sets = corpora(args.mb)
    for docs in sets.values():  # warm-up: load tables, fill the per-word cache (once per process)
        for d in docs[:50]:
            for rule in rules:
                list(rule.run(document_from_text(d + "\nwarm", "w.txt"), None))
    for name, docs in sets.items():
        size = sum(len(d.encode("utf-8")) for d in docs)
        # distinct strings so the per-text analysis cache cannot help across documents
        docs = [d + f"\n{i}" for i, d in enumerate(docs)]
        objs = [document_from_text(d, f"d{i}.txt") for i, d in enumerate(docs)]
        t = time.perf_counter()
        n = 0
        for doc in objs:
            for rule in rules:
                n += sum(1 for _ in rule.run(doc, None))
        dt = time.perf_counter() - t
        print(f"{name:32s} {size / 1e6:6.1f} MB  {size / 1e6 / dt:8.1f} MB/s  {n} findings")


if __name__ == "__main__":
    main()
