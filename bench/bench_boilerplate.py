"""Throughput of the boilerplate (BP) and format (FM) rules, profile contributors included.

Input: the real scraped pages (``../shared/realdata/*/*.full.txt``, ``--corpus pages``) or their
hand-cleaned text (``*.gold.txt``, ``--corpus clean``), plus the seeds, repeated ``--repeat`` times
as separate documents. Reports MB/s (UTF-8 bytes of text) for
  - the profile contributors (line_df, doc_minhash),
  - the BP rules, the FM rules, and the line classifier alone.

    python bench/bench_boilerplate.py [--repeat 5] [--corpus pages|clean]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qc.corpus import document_from_text  # noqa: E402
from qc.detectors.boilerplate import _CACHE, _MEMO, classify_lines  # noqa: E402
from qc.engine import run_rules  # noqa: E402
from qc.profile import ProfileBuilder  # noqa: E402
from qc.rules import load_rules  # noqa: E402


def load_texts(kind: str = "pages") -> list[str]:
    """``pages``: scraped pages (short lines, mostly furniture); ``clean``: hand-cleaned article
    text and the seeds (paragraph lines, like most corpora)."""
    pattern = "*.full.txt" if kind == "pages" else "*.gold.txt"
    paths = sorted((ROOT.parent / "shared" / "realdata").glob(f"*/{pattern}")) + sorted((ROOT / "seeds").glob("*.txt"))
    return [p.read_text(encoding="utf-8", errors="replace") for p in paths]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--corpus", choices=("pages", "clean"), default="pages")
    args = ap.parse_args(argv)
    texts = load_texts(args.corpus) * args.repeat
    docs = [document_from_text(t, f"d{i}.txt") for i, t in enumerate(texts)]
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    ruleset = load_rules()
    print(f"{len(docs)} documents, {mb:.1f} MB")

    b = ProfileBuilder()
    wanted = {k: v for k, v in b.contribs.items() if k in ("line_df", "doc_minhash")}
    t = time.perf_counter()
    for d in docs:
        b.add({k: c.collect(d) for k, c in wanted.items()})
    profile = b.build()
    dt = time.perf_counter() - t
    print(f"profile (line_df + doc_minhash): {mb / dt:6.2f} MB/s")

    params = ruleset.by_id()["BP03"].params
    # BP03 keeps each distinct line's own evidence (_MEMO): every timing starts with it empty (with
    # --repeat > 1 the copies of a page then find all their lines in it, as repeated furniture does)
    _MEMO.clear()
    t = time.perf_counter()
    for d in docs:
        classify_lines(d, profile, params)
    dt = time.perf_counter() - t
    print(f"line classifier alone:           {mb / dt:6.2f} MB/s")

    for fam in ("boilerplate", "format", "boilerplate+format"):
        rules = [r for r in ruleset.rules if r.family in fam.split("+")]
        _CACHE.clear()
        _MEMO.clear()
        t = time.perf_counter()
        for d in docs:
            run_rules(d, rules, profile)
        dt = time.perf_counter() - t
        print(f"{fam} rules ({len(rules)}): {mb / dt:6.2f} MB/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
