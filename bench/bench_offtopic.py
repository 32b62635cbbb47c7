"""Throughput and accuracy of the off-topic rules (OT01–OT06).

    python bench/bench_offtopic.py [--mb 5] [--draws 200]

Speed (CPU time of this process, so other jobs on the machine disturb it less): builds a corpus of real articles (tests/fixtures/offtopic/articles, some with spliced
passages) of about ``--mb`` MB, builds the profile once (as a scan does), then times the profile
pass and each OT detector separately; prints MB/s.
Accuracy: ``--draws`` generated documents (a 150–400 Han-character passage of another article
spliced in) and the clean articles; prints OT01 recall, precision and the share of clean articles
flagged, for a profile of the document alone and for a profile of the whole article set.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from offtopic_generate import draws, load_articles, overlap  # noqa: E402
from qc.corpus import document_from_text  # noqa: E402
from qc.detectors import get  # noqa: E402
from qc.profile import ProfileBuilder, collect_doc  # noqa: E402
from qc.rules import load_rules  # noqa: E402


def _params(rule):
    return rule.params


def speed(mb: float) -> None:
    arts = [t for _, t in load_articles()]
    rng = random.Random(1)
    docs, size = [], 0
    while size < mb * 1e6:
        a, b = rng.sample(arts, 2)
        text = a if rng.random() < 0.5 else a + "\n" + b[: len(b) // 3]
        docs.append(document_from_text(text, f"d{len(docs)}.txt"))
        size += len(text.encode("utf-8"))
    rules = [r for r in load_rules().rules if r.id.startswith("OT")]
    b = ProfileBuilder()
    from qc.profile import contributors

    only = {"topic_df": contributors()["topic_df"]}
    t0 = time.process_time()
    for d in docs:
        b.add(collect_doc(d, only))
    profile = b.build()
    t_prof = time.process_time() - t0
    print(f"corpus: {len(docs)} documents, {size / 1e6:.1f} MB")
    print(f"profile pass (topic_df): {size / 1e6 / t_prof:.2f} MB/s")
    total = 0.0
    for r in rules:
        fn = get(r.detector)
        t0 = time.process_time()
        n = 0
        for d in docs:
            n += sum(1 for _ in fn(d, profile, r.params))
        dt = time.process_time() - t0
        total += dt
        print(f"{r.id} {r.detector:22s} {size / 1e6 / dt:8.2f} MB/s  ({n} findings)")
    print(f"all OT detectors: {size / 1e6 / total:.2f} MB/s")


def accuracy(n: int) -> None:
    rule = load_rules().by_id()["OT01"]
    fn = get(rule.detector)
    arts = load_articles()
    corpus = [document_from_text(t, n) for n, t in arts]
    b = ProfileBuilder()
    for d in corpus:
        b.add(collect_doc(d, b.contribs))
    corpus_profile = b.build()

    def run(text: str, mode: str):
        d = document_from_text(text, "x.txt")
        if mode == "single":
            pb = ProfileBuilder()
            pb.add(collect_doc(d, pb.contribs))
            prof = pb.build()
        else:
            prof = corpus_profile  # the whole article set (the spliced doc's sources are in it)
        return list(fn(d, prof, rule.params))

    cases = draws(n, seed=20261123, lo=150)
    for mode in ("single", "corpus"):
        found = nf = on = 0
        for _, text, span in cases:
            hits = run(text, mode)
            found += any(overlap((h.start, h.end), span) >= 0.5 * (span[1] - span[0]) for h in hits)
            nf += len(hits)
            on += sum(overlap((h.start, h.end), span) >= 0.5 * (h.end - h.start) for h in hits)
        clean = sum(bool(run(t, mode)) for _, t in arts)
        print(f"OT01 [{mode} profile] recall {found / len(cases):.3f}  precision {on / max(1, nf):.3f}  "
              f"clean articles flagged {clean}/{len(arts)} ({len(cases)} draws)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=5.0)
    ap.add_argument("--draws", type=int, default=200)
    ap.add_argument("--no-accuracy", action="store_true")
    a = ap.parse_args()
    speed(a.mb)
    if not a.no_accuracy:
        accuracy(a.draws)


if __name__ == "__main__":
    main()
