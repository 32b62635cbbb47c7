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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=4.0)
    args = ap.parse_args()
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
