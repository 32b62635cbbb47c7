"""What the script family (SC01–SC07) costs, against one plain regex pass over the same text.

    python bench/bench_script.py [PATH ...]      # default: the Simplified realdata gold pages

Text: Simplified pages (no Traditional-only character), each one document, as a corpus would
hold them. Two sets are timed: the pages as they are (real web text, with its half-width commas
and English fragments), and the *clean* pages (those on which no script rule fires), which is the
common case the family must be cheap on. Each pass starts with a cold character-class memo, as
in a scan where the profile pass and the detection pass read the file separately.

Reported: MB/s of UTF-8 input and the cost relative to one regex pass. Two baselines:
``re.finditer('[\\u4e00-\\u9fff]+')`` (Han runs: a dense-match pass, what most detectors do) and
``re.search`` for a sparse class (kana/hangul: a pure scan). Best CPU time of ``--repeat`` runs.
"""
from __future__ import annotations

import argparse
import glob
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from qc.corpus import document_from_text  # noqa: E402
from qc.detectors import script as sd  # noqa: E402
from qc.engine import run_rules  # noqa: E402
from qc.language import _memo as lang_memo  # noqa: E402
from qc.language import document_language  # noqa: E402
from qc.profile import CorpusProfile  # noqa: E402
from qc.resources import scriptclass as sc  # noqa: E402
from qc.resources.opencc_tables import script_counts  # noqa: E402
from qc.rules import load_rules  # noqa: E402

HAN_RUNS = re.compile(r"[\u4e00-\u9fff]+")
SPARSE = re.compile(r"[\u3040-\u30ff\uac00-\ud7a3]")


def cold() -> None:
    sc._memo[0] = sc._memo[1] = None
    lang_memo[0] = lang_memo[1] = None
    sd._width_memo[0] = sd._width_memo[1] = None


def best(fn, repeat: int) -> float:
    """Best CPU time of ``repeat`` runs (process time: the machine may be shared)."""
    out = float("inf")
    for _ in range(repeat):
        t = time.process_time()
        fn()
        out = min(out, time.process_time() - t)
    return out


def load(paths: list[str]) -> list[str]:
    texts = []
    for p in paths:
        text = open(p, encoding="utf-8", errors="replace").read()
        simp, trad = script_counts(text)
        if trad == 0 and simp >= 20:
            texts.append(text)
    return texts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*")
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    root = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "realdata")
    paths = args.paths or sorted(glob.glob(os.path.join(root, "*", "*.gold.txt")))
    if not paths:
        sys.exit("no input: give text files, or put ../shared/realdata next to the repo")
    texts = load(paths)
    ruleset = load_rules()
    rules = [r for r in ruleset.rules if r.family == "script"]
    docs = [document_from_text(t, f"doc{i}.txt") for i, t in enumerate(texts)]
    contrib = sd.ScriptProfile()
    acc = None
    for d in docs:
        acc = contrib.merge(acc, contrib.collect(d))
    profile = CorpusProfile(n_docs=len(docs), parts={"script": contrib.finalize(acc, len(docs))})
    sd._pinyin_family_spans("warm up")
    sd._detect("warm up the langdetect profiles")

    clean = [d for d in docs if not run_rules(d, rules, profile)[0]]
    print(f"{len(docs)} Simplified pages ({sum(len(d.text.encode()) for d in docs) / 1e6:.2f} MB); "
          f"{len(clean)} clean ({sum(len(d.text.encode()) for d in clean) / 1e6:.2f} MB)\n")

    def regex_dense(ds):
        for d in ds:
            for _ in HAN_RUNS.finditer(d.text):
                pass

    def regex_sparse(ds):
        for d in ds:
            SPARSE.search(d.text)

    fns = [(r.run, r) for r in rules]

    def family(ds):  # profile contribution + every SC rule, cold memo, as in a scan
        for d in ds:
            cold()
            contrib.collect(d)
            cold()
            for _, r in fns:
                list(r.run(d, profile) or ())

    def detection(ds):  # every SC rule (the profile pass not counted)
        for d in ds:
            cold()
            for _, r in fns:
                list(r.run(d, profile) or ())

    def profile_pass(ds):
        for d in ds:
            cold()
            contrib.collect(d)

    def engine(ds):  # through the engine's run_rules (adds its per-rule bookkeeping)
        for d in ds:
            cold()
            run_rules(d, rules, profile)

    def per_rule(rule):
        def fn(ds):
            for d in ds:
                cold()
                list(rule.run(d, profile) or ())
        return fn

    def language(ds):
        for d in ds:
            cold()
            document_language(d.text)

    # the clean pages joined into ~64 KB documents: per-call overhead matters less
    big, cur = [], []
    for d in clean:
        cur.append(d.text)
        if sum(map(len, cur)) >= 22_000:
            big.append(document_from_text("\n".join(cur), f"big{len(big)}.txt"))
            cur = []
    sets = (("clean pages", clean), ("clean pages joined into ~64 KB documents", big), ("all pages", docs))
    for label, ds in sets:
        if not ds:
            continue
        mb = sum(len(d.text.encode()) for d in ds) / 1e6
        timed = [("script family (profile + SC01–SC07)", family), ("  detection only (SC01–SC07)", detection),
                 ("  profile contribution only", profile_pass), ("  SC01–SC07 via engine.run_rules", engine),
                 ("  report language field", language)]
        timed += [(f"  {r.id} {r.name} (alone, cold)", per_rule(r)) for r in rules]
        print(f"== {label}: {len(ds)} documents, {mb:.2f} MB")
        base = best(lambda: regex_dense(ds), args.repeat)
        print(f"{'regex pass: Han runs (baseline)':44s} {base * 1000:8.1f} ms {mb / base:8.1f} MB/s")
        sparse = best(lambda: regex_sparse(ds), args.repeat)
        print(f"{'regex pass: sparse class':44s} {sparse * 1000:8.1f} ms {mb / sparse:8.1f} MB/s  {sparse / base:5.2f}×")
        for name, fn in timed:
            # interleave with the baseline so that load on a shared machine cancels out in the ratio
            ratios, secs = [], []
            for _ in range(args.repeat):
                b = best(lambda: regex_dense(ds), 1)
                t = best(lambda: fn(ds), 1)
                ratios.append(t / b)
                secs.append(t)
            ratio = statistics.median(ratios)
            print(f"{name:44s} {min(secs) * 1000:8.1f} ms {mb / min(secs):8.1f} MB/s  {ratio:5.2f}× (median ratio)")
        print()


if __name__ == "__main__":
    main()
