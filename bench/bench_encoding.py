"""Throughput of the encoding (EN) rules against one plain regex pass over the same text.

    python bench/bench_encoding.py [--repeat N] [FILES...]
    python bench/bench_encoding.py --accuracy     # recall/precision figures for docs/readme/encoding.md

Default text: the clean gold pages in ../shared/realdata (magichtml_zh, cwced_zh) plus seeds/.
Per-process resources (jieba frequencies, compiled regexes) are loaded before timing, as in a scan.
Each document is a separate Document; times are the best of --repeat runs (CPU time). The headline
ratio is over the clean gold pages; the seeds add real damage (001).
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qc.corpus import document_from_text  # noqa: E402
from qc.detectors import encoding  # noqa: E402
from qc.profile import build_profile  # noqa: E402
from qc.rules import load_rules  # noqa: E402

PLAIN = re.compile(r"[\u4e00-\u9fff]+")  # the yardstick: one pass of a simple character-class regex


def default_files() -> list[Path]:
    shared = ROOT.parent / "shared" / "realdata"
    files = sorted(shared.glob("magichtml_zh/*.gold.txt")) + sorted(shared.glob("cwced_zh/*.gold.txt"))
    return files + sorted((ROOT / "seeds").glob("*.txt"))


def best_of(fn, repeat: int) -> float:
    """Best CPU time (process_time: the machine may be shared) of ``repeat`` runs."""
    best = float("inf")
    for _ in range(repeat):
        t = time.process_time()
        fn()
        best = min(best, time.process_time() - t)
    return best


def clear_caches() -> None:
    """Forget the per-text caches the EN rules share, so every timed run does all the work."""
    if hasattr(encoding, "clear_text_caches"):
        encoding.clear_text_caches()
    else:  # an older checkout
        encoding._analyse_cached.cache_clear()


def accuracy() -> int:
    """Generated damage on real sentences (gold pages), per kind: how often the damage is found
    (a finding covers ≥ 80% of it) and, where the damage was lossless, how often the suggestion
    gives back the sentence exactly; then findings on the clean gold pages."""
    import random
    from collections import Counter

    import opencc

    from qc.engine import run_rules

    s2t = opencc.OpenCC("s2t")
    rules = load_rules().select(["EN"]).rules
    mojibake = {"EN06", "EN07", "EN08", "EN09", "EN10"}

    def scan(text):
        doc = document_from_text(text, "acc.txt")
        return run_rules(doc, rules, build_profile([doc]))[0]

    sentences = []
    for p in default_files():
        if p.name.endswith(".gold.txt"):
            for s in re.split(r"[。！？\n，；：]", p.read_text(encoding="utf-8")):
                if 6 <= len(s) <= 30 and all("\u4e00" <= c <= "\u9fff" for c in s):
                    sentences.append(s)
    random.Random(5).shuffle(sentences)
    sentences = sentences[:300]

    def strict(b, codec):
        try:
            return b.decode(codec), True
        except UnicodeDecodeError:
            return b.decode(codec, errors="replace"), False

    kinds = {
        "UTF-8 read as GBK": lambda s: strict(s.encode(), "gbk"),
        "UTF-8 read as GB18030": lambda s: strict(s.encode(), "gb18030"),
        "UTF-8 read as Big5": lambda s: strict(s.encode(), "big5"),
        "UTF-8 read as Latin-1": lambda s: (s.encode().decode("latin-1"), True),
        "UTF-8 read as cp1252": lambda s: strict(s.encode(), "cp1252"),
        "GBK read as Latin-1": lambda s: (s.encode("gbk").decode("latin-1"), True),
        "GBK read as Big5": lambda s: strict(s.encode("gbk"), "big5"),
        "Big5 read as GBK": lambda s: strict(s2t.convert(s).encode("big5"), "gbk"),
        "GBK one byte out of step": lambda s: strict(s.encode("gbk")[1:], "gbk"),
    }
    prefix, suffix = "据报道，", "。后文正常。"
    print(f"{'damage kind':26s} {'n':>4s} {'found':>6s} {'lossless':>9s} {'exact fix':>9s}")
    for name, fn in kinds.items():
        n = found = lossless = exact = 0
        for s in sentences:
            try:
                damaged, is_lossless = fn(s)
            except UnicodeEncodeError:
                continue
            if damaged == s:
                continue
            n += 1
            text = prefix + damaged + suffix
            lo, hi = len(prefix), len(prefix) + len(damaged)
            hits = [f for f in scan(text) if f.rule in mojibake]
            cov = set()
            for f in hits:
                cov.update(range(f.start, f.end))
            found += len(cov & set(range(lo, hi))) >= 0.8 * (hi - lo)
            if is_lossless:
                lossless += 1
                fixed = text
                for f in sorted(hits, key=lambda f: -f.start):
                    if f.suggestion is not None:
                        fixed = fixed[:f.start] + f.suggestion + fixed[f.end:]
                original = s2t.convert(s) if name.startswith("Big5") else s
                exact += fixed == prefix + original + suffix
        print(f"{name:26s} {n:4d} {found / n:6.1%} {lossless:9d} {exact / max(1, lossless):9.1%}")
    pages = [p for p in default_files() if p.name.endswith(".gold.txt")]
    per_rule: Counter = Counter()
    flagged_pages: Counter = Counter()
    chars = 0
    for p in pages:
        t = p.read_text(encoding="utf-8")
        chars += len(t)
        c = Counter(f.rule for f in scan(t))
        per_rule.update(c)
        flagged_pages.update(c.keys())
    print(f"gold pages: {len(pages)}, {chars} characters")
    for rid in sorted(per_rule):
        print(f"  {rid}: {per_rule[rid]} findings on {flagged_pages[rid]} pages")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--accuracy", action="store_true", help="recall/precision figures instead of speed")
    args = ap.parse_args(argv)
    if args.accuracy:
        return accuracy()
    files = args.files or default_files()
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in files]
    docs = [document_from_text(t, f"bench-{i}.txt") for i, t in enumerate(texts)]
    # the clean subset: the gold pages (the seeds hold real damage, e.g. 001's misaligned runs)
    clean = [i for i, p in enumerate(files) if p.name.endswith(".gold.txt")]
    rules = load_rules().select(["EN"]).rules
    profile = build_profile(docs[:1])

    # warm up: per-process resources, as the first document of a scan would
    for r in rules:
        list(r.run(docs[0], profile))

    def run(rules_, idx):
        def go():
            clear_caches()
            for i in idx:
                for r in rules_:
                    for _ in r.run(docs[i], profile):
                        pass
        return go

    def plain(idx):
        def go():
            for i in idx:
                for _ in PLAIN.finditer(texts[i]):
                    pass
        return go

    def megabytes(idx):
        return sum(len(texts[i].encode("utf-8")) for i in idx) / 1e6

    # interleaved, best of N: the machine may be shared, so both see the same load
    print(f"text: {len(files)} files, {megabytes(range(len(files))):.2f} MB (UTF-8), {len(clean)} clean gold pages")
    every = list(range(len(files)))
    for label, idx in (("clean gold pages", clean), ("all files", every)):
        if not idx:
            continue
        mb = megabytes(idx)
        t_plain = t_all = float("inf")
        for _ in range(args.repeat):
            t_plain = min(t_plain, best_of(plain(idx), 1))
            t_all = min(t_all, best_of(run(rules, idx), 1))
        print(f"{label}: plain regex pass {mb / t_plain:6.1f} MB/s; all EN rules {mb / t_all:6.1f} MB/s"
              f"   = {t_all / t_plain:.1f} plain passes")
    mb = megabytes(every)
    t_plain = best_of(plain(every), args.repeat)
    print("each rule alone (all files; a rule alone also pays the shared pre-filter pass):")
    for r in rules:
        t = best_of(run([r], every), args.repeat)
        t_plain = min(t_plain, best_of(plain(every), 1))
        print(f"  {r.id} {r.name:23s} {mb / t:8.1f} MB/s   = {t / t_plain:.2f} plain passes")
    return 0

if __name__ == "__main__":
    raise SystemExit(main())
