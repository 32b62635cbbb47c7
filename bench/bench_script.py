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


# --------------------------------------------------------------------------- accuracy (--eval)


def _english_sentences(limit: int = 400) -> list[str]:
    """Plain English sentences from the standard library's own docstrings (shipped with Python)."""
    import importlib

    out = []
    pat = re.compile(r"(?<![\w.])([A-Z][a-z]+(?: [a-z][a-z'-]*,?){6,24} [a-z]+\.)")
    for name in ("argparse", "collections", "functools", "json", "textwrap", "unittest", "logging", "difflib",
                 "email", "http.client", "zipfile", "tarfile", "sqlite3", "shutil", "subprocess", "threading",
                 "asyncio", "pathlib", "typing", "random", "statistics", "decimal", "fractions", "csv"):
        mod = importlib.import_module(name)
        docs = [mod.__doc__ or ""] + [getattr(v, "__doc__", "") or "" for k, v in vars(mod).items()
                                      if callable(v) and not k.startswith("_") and k not in ("io", "re")]
        for doc in (d for d in docs if isinstance(d, str)):
            for m in pat.finditer(" ".join(doc.split())):
                out.append(m.group(1))
    return sorted(set(out))[:limit]


def evaluate(texts: list[str]) -> None:
    import random

    import opencc
    from pypinyin import Style, lazy_pinyin

    from qc.profile import CorpusProfile

    s2t = opencc.OpenCC("s2t")
    rules = {r.id: r for r in load_rules().rules if r.family == "script"}
    rng = random.Random(0)

    def profile_of(ds):
        c = sd.ScriptProfile()
        acc = None
        for d in ds:
            acc = c.merge(acc, c.collect(d))
        return CorpusProfile(n_docs=len(ds), parts={"script": c.finalize(acc, len(ds))})

    def hits(rule_ids, text, prof):
        d = document_from_text(text, "eval.txt")
        return [(rid, h) for rid in rule_ids for h in (rules[rid].run(d, prof) or ())]

    docs = [document_from_text(t, f"p{i}") for i, t in enumerate(texts)]
    base_prof = profile_of(docs)
    calm = [t for t in texts if not hits(("SC01", "SC02"), t, base_prof)]

    # A/B: one paragraph (or one sentence) converted with s2t
    tp = fp_doc = fn = trials = 0
    s_tp = s_fn = s_trials = 0
    for t in calm:
        lines = t.split("\n")
        cands = [i for i, ln in enumerate(lines) if script_counts(ln)[0] >= 3]
        for k in rng.sample(cands, min(3, len(cands))):
            conv = s2t.convert(lines[k])
            text = "\n".join([*lines[:k], conv, *lines[k + 1:]])
            start = sum(len(x) + 1 for x in lines[:k])
            found = [h for _, h in hits(("SC01", "SC02"), text, base_prof)]
            a, b = start, start + len(conv)
            exact = [h for h in found if a <= h.start and h.end <= b and h.end - h.start >= len(conv.strip()) - 2]
            trials += 1
            tp += bool(exact)
            fn += not exact
            fp_doc += len(found) - len(exact)
        # a sentence of at least 6 Han characters and 3 Simplified-only ones, inside a paragraph
        for ln_i, ln in enumerate(lines):
            sents = [m.group() for m in re.finditer(r"[^。！？]*[。！？]", ln)]
            good = [x for x in sents if script_counts(x)[0] >= 3 and len(x) >= 8]
            if len(sents) >= 3 and good:
                target = good[0].strip()
                at = ln.find(target)
                new_ln = ln[:at] + s2t.convert(target) + ln[at + len(target):]
                text = "\n".join([*lines[:ln_i], new_ln, *lines[ln_i + 1:]])
                start = sum(len(x) + 1 for x in lines[:ln_i]) + at
                found = [h for _, h in hits(("SC02",), text, base_prof)]
                s_trials += 1
                ok = any(h.start <= start + 1 and h.end >= start + len(target) - 1 and h.end - h.start <= len(target) + 2
                         for h in found)
                s_tp += ok
                s_fn += not ok
                break
    print(f"SC02 one paragraph converted (s2t): {tp}/{trials} exactly flagged (recall {tp / max(1, trials):.1%}), "
          f"{fp_doc} other findings in those documents")
    print(f"SC02 one sentence converted inside a paragraph: {s_tp}/{s_trials} flagged (recall {s_tp / max(1, s_trials):.1%})")

    # C: whole documents converted: 10% of the corpus
    idx = set(rng.sample(range(len(calm)), max(1, len(calm) // 10)))
    corpus = [s2t.convert(t) if i in idx else t for i, t in enumerate(calm)]
    cdocs = [document_from_text(t, f"c{i}") for i, t in enumerate(corpus)]
    prof = profile_of(cdocs)
    flagged = {i for i, d in enumerate(cdocs) if list(rules["SC01"].run(d, prof) or ())}
    print(f"SC01 {len(idx)} of {len(calm)} pages converted to Traditional: flagged {len(flagged)}, "
          f"correct {len(flagged & idx)}, missed {len(idx - flagged)}, wrong {len(flagged - idx)}")

    # D: full-width commas of clean lines made half-width
    line_tp = line_trials = part_ok = part_total = extra = 0
    for t in calm:
        for ln in t.split("\n"):
            if ln.count("，") < 2 or hits(("SC03", "SC04"), ln, base_prof):
                continue
            commas = [i for i, ch in enumerate(ln) if ch == "，"]
            chosen = sorted(rng.sample(commas, max(1, len(commas) // 2)))
            bad = "".join("," if i in chosen else ch for i, ch in enumerate(ln))
            found = [h for _, h in hits(("SC03", "SC04"), bad, base_prof)]
            line_trials += 1
            line_tp += bool(found)
            got = sorted(a for h in found for a, _ in (h.parts or []))
            part_total += len(chosen)
            part_ok += len(set(got) & set(chosen))
            extra += len(set(got) - set(chosen))
            if line_trials >= 300:
                break
        if line_trials >= 300:
            break
    print(f"SC03/SC04 half of a clean line's '，' made ',': {line_tp}/{line_trials} lines found, "
          f"{part_ok}/{part_total} marks exactly in parts, {extra} extra parts")

    # E: English sentences and pinyin inserted into Chinese paragraphs
    english = _english_sentences()
    paras = [ln for t in calm for ln in t.split("\n")
             if len(ln) >= 60 and script_counts(ln)[0] >= 10 and not hits(("SC06",), ln, base_prof)][:400]
    e_tp = e_trials = 0
    for sent, para in zip(english, paras):
        at = para.find("。") + 1 or len(para) // 2
        text = para[:at] + sent + " " + para[at:]
        found = [h for _, h in hits(("SC06",), text, base_prof)]
        e_trials += 1
        e_tp += any(h.start <= at + 1 and h.end >= at + len(sent) - 1 for h in found)
    p_fp = p_trials = 0
    for para in paras[:150]:
        chunk = para[:40]
        for render in (" ".join(lazy_pinyin(chunk)), " ".join(lazy_pinyin(chunk, style=Style.TONE))):
            text = para + render + "。" + para
            p_trials += 1
            p_fp += bool(hits(("SC06",), text, base_prof))
    print(f"SC06 English sentences (from Python's docstrings, 7–25 words) inserted: {e_tp}/{e_trials} flagged "
          f"(recall {e_tp / max(1, e_trials):.1%}); pinyin renderings inserted: {p_fp}/{p_trials} flagged")

    # F: findings on the real pages as they are
    per_rule = {rid: 0 for rid in rules}
    pages = {rid: 0 for rid in rules}
    for d in docs:
        for rid in rules:
            n = len(list(rules[rid].run(d, base_prof) or ()))
            per_rule[rid] += n
            pages[rid] += bool(n)
    print("findings on the unmodified pages: " + ", ".join(f"{rid} {per_rule[rid]} ({pages[rid]} pages)" for rid in rules))


if __name__ == "__main__":
    if "--eval" in sys.argv:
        root = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "realdata")
        evaluate(load(sorted(glob.glob(os.path.join(root, "*", "*.gold.txt")))))
    else:
        main()
