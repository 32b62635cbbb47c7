"""Throughput of the encoding (EN) rules against one plain regex pass over the same text.

    python bench/bench_encoding.py [--repeat N] [FILES...]

Default text: the clean gold pages in ../shared/realdata (magichtml_zh, cwced_zh) plus seeds/.
Per-process resources (jieba frequencies, compiled regexes) are loaded before timing, as in a scan.
Each document is a separate Document; times are the best of --repeat runs.
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
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    files = args.files or default_files()
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in files]
    docs = [document_from_text(t, f"bench-{i}.txt") for i, t in enumerate(texts)]
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    rules = load_rules().select(["EN"]).rules
    profile = build_profile(docs[:1])

    # warm up: per-process resources, as the first document of a scan would
    for r in rules:
        list(r.run(docs[0], profile))

    def run_rule(rule):
        def go():
            encoding._analyse_cached.cache_clear()
            for d in docs:
                for _ in rule.run(d, profile):
                    pass
        return go

    def run_all():
        encoding._analyse_cached.cache_clear()
        for d in docs:
            for r in rules:
                for _ in r.run(d, profile):
                    pass

    def plain():
        for t in texts:
            for _ in PLAIN.finditer(t):
                pass

    # interleaved, best of N: the machine may be shared, so both see the same load
    t_plain = t_all = float("inf")
    for _ in range(args.repeat):
        t_plain = min(t_plain, best_of(plain, 1))
        t_all = min(t_all, best_of(run_all, 1))
    print(f"text: {len(files)} files, {mb:.2f} MB (UTF-8)")
    print(f"{'plain regex pass':28s} {mb / t_plain:8.1f} MB/s")
    print(f"{'all EN rules':28s} {mb / t_all:8.1f} MB/s   = {t_all / t_plain:.1f} plain passes")
    for r in rules:
        t = best_of(run_rule(r), args.repeat)
        t_plain = min(t_plain, best_of(plain, 1))
        print(f"  {r.id} {r.name:23s} {mb / t:8.1f} MB/s   = {t / t_plain:.2f} plain passes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
