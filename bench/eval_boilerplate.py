"""Line-level precision/recall of the boilerplate classifier on real scraped pages.

Data: ``../shared/realdata/{magichtml_zh,cwced_zh}/*.full.txt`` (every visible text block of a page,
one per line) and ``*.gold.txt`` (the main content, cleaned by hand by the datasets' authors).

Labels: a non-blank line of ``full`` is *content* when its whitespace-free form is a line of ``gold``,
or (lines of 10+ characters) a substring of the whitespace-free gold text — some gold files split or
join blocks differently from ``full``; every other line is *boilerplate*.

Split: pages are halved by a hash of their file name (``dev``/``held-out``); the classifier's
parameters were chosen looking at ``dev`` only, ``held-out`` checks that they generalise.
The corpus profile (line repetition across files) is built from all ``full`` pages of a data set,
as ``qc scan`` would.

    python bench/eval_boilerplate.py [--data DIR] [--per-file] [--split dev|held-out|all]
"""
from __future__ import annotations

import argparse
import hashlib
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qc.corpus import document_from_text  # noqa: E402
from qc.detectors.boilerplate import boilerplate_line_labels  # noqa: E402
from qc.profile import build_profile  # noqa: E402
from qc.rules import load_rules  # noqa: E402

DATASETS = ("magichtml_zh", "cwced_zh")


def split_of(name: str) -> str:
    return "dev" if hashlib.sha1(name.encode()).digest()[0] % 2 == 0 else "held-out"


def _squash(s: str) -> str:
    return "".join(s.split())


def gold_labels(full: str, gold: str) -> list[bool]:
    """For each line of ``full`` (blank lines skipped): True when it is boilerplate."""
    gold_lines = {_squash(g) for g in gold.splitlines() if g.strip()}
    gold_text = _squash(gold)
    out = []
    for line in full.splitlines():
        key = _squash(line)
        if not key:
            continue
        content = key in gold_lines or (len(key) >= 10 and key in gold_text)
        out.append(not content)
    return out


@dataclass
class Counts:
    tp: int = 0  # boilerplate called boilerplate
    fp: int = 0  # content called boilerplate
    fn: int = 0  # boilerplate called content
    tn: int = 0
    ctp: int = 0  # the same, in non-whitespace characters
    cfp: int = 0
    cfn: int = 0
    pages: int = 0
    per_file: list = field(default_factory=list)

    def add(self, o: "Counts") -> None:
        for k in ("tp", "fp", "fn", "tn", "ctp", "cfp", "cfn", "pages"):
            setattr(self, k, getattr(self, k) + getattr(o, k))

    @staticmethod
    def prf(tp, fp, fn):
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return p, r, f

    def summary(self) -> dict:
        p, r, f = self.prf(self.tp, self.fp, self.fn)
        cp, cr, cf = self.prf(self.tn, self.fn, self.fp)  # content as the positive class
        wp, wr, wf = self.prf(self.ctp, self.cfp, self.cfn)
        return {"pages": self.pages, "lines": self.tp + self.fp + self.fn + self.tn,
                "bp_precision": p, "bp_recall": r, "bp_f1": f,
                "content_precision": cp, "content_recall": cr, "content_f1": cf,
                "bp_char_precision": wp, "bp_char_recall": wr, "bp_char_f1": wf}


def evaluate_dir(data: Path, ruleset=None, split: str = "all") -> dict[str, Counts]:
    ruleset = ruleset or load_rules()
    params = ruleset.by_id()["BP03"].params
    pages = []
    for full_path in sorted(data.glob("*.full.txt")):
        gold_path = full_path.with_name(full_path.name.replace(".full.txt", ".gold.txt"))
        if not gold_path.exists():
            continue
        name = full_path.name[: -len(".full.txt")]
        full = full_path.read_text(encoding="utf-8", errors="replace")
        pages.append((name, full, gold_path.read_text(encoding="utf-8", errors="replace")))
    docs = [document_from_text(full, name) for name, full, _ in pages]
    profile = build_profile(docs)
    out = {"dev": Counts(), "held-out": Counts()}
    for (name, full, gold), doc in zip(pages, docs):
        sp = split_of(name)
        if split != "all" and sp != split:
            continue
        truth = gold_labels(full, gold)
        labels = boilerplate_line_labels(doc, profile, params)
        assert len(truth) == len(labels), (name, len(truth), len(labels))
        c = Counts(pages=1)
        for t, (s, e, pred, _kind) in zip(truth, labels):
            w = len(_squash(doc.text[s:e]))
            if t and pred:
                c.tp += 1
                c.ctp += w
            elif pred:
                c.fp += 1
                c.cfp += w
            elif t:
                c.fn += 1
                c.cfn += w
            else:
                c.tn += 1
        out[sp].add(c)
        out[sp].per_file.append((name, c))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "realdata"))
    ap.add_argument("--split", default="all", choices=("all", "dev", "held-out"))
    ap.add_argument("--per-file", action="store_true")
    args = ap.parse_args(argv)
    base = Path(args.data)
    total = {"dev": Counts(), "held-out": Counts()}
    print(f"{'data':<14} {'split':<9} {'pages':>5} {'lines':>6}  {'BP P':>6} {'BP R':>6} {'BP F1':>6}  "
          f"{'cont P':>6} {'cont R':>6} {'cont F1':>7}  {'chars F1':>8}")
    for ds in DATASETS:
        d = base / ds
        if not d.is_dir():
            print(f"{ds}: not found under {base}")
            continue
        res = evaluate_dir(d, split=args.split)
        for sp, c in res.items():
            if not c.pages:
                continue
            total[sp].add(c)
            s = c.summary()
            print(f"{ds:<14} {sp:<9} {s['pages']:>5} {s['lines']:>6}  {s['bp_precision']:.3f}  {s['bp_recall']:.3f}  "
                  f"{s['bp_f1']:.3f}   {s['content_precision']:.3f}  {s['content_recall']:.3f}  {s['content_f1']:.3f}    "
                  f"{s['bp_char_f1']:.3f}")
            if args.per_file:
                for name, fc in c.per_file:
                    fs = fc.summary()
                    print(f"    {name:<28} tp={fc.tp:<4} fp={fc.fp:<4} fn={fc.fn:<4} tn={fc.tn:<4} "
                          f"bpF1={fs['bp_f1']:.2f} contF1={fs['content_f1']:.2f}")
    for sp, c in total.items():
        if c.pages:
            s = c.summary()
            print(f"{'both':<14} {sp:<9} {s['pages']:>5} {s['lines']:>6}  {s['bp_precision']:.3f}  {s['bp_recall']:.3f}  "
                  f"{s['bp_f1']:.3f}   {s['content_precision']:.3f}  {s['content_recall']:.3f}  {s['content_f1']:.3f}    "
                  f"{s['bp_char_f1']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
