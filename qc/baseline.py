"""Baseline: the damage a corpus already carries, recorded so CI fails only on what is new.

``.qc-baseline.json`` (committed next to the corpus) holds, per document with findings or a
non-pass verdict, its content hash, verdict, non-zero family ratios and the fingerprints of its
findings. A finding's fingerprint (qc/engine.py) is rule + normalised matched text + a few
characters of context on the same line, so moving lines or whole paragraphs keeps it. Clean
documents are not stored: a document missing from the baseline is held to "no findings".

Matching a scan against the baseline, per document (keyed by its path relative to the baseline
file's folder, so the same file matches however ``qc scan`` was invoked):
1. exact fingerprints, counted as a multiset (the same damage twice needs two entries);
2. what is left, by rule + matched text only (``loose``), so editing the words next to an
   old damaged span does not make it "new";
3. a document whose path is not in the baseline but whose content hash is (a rename) uses
   that entry.
Findings that match are ``unchanged``, the rest ``new``; baseline entries left over were
``fixed``. A family ratio above its baseline value + tolerance has ``worsened``.

``create`` records the scan; ``update`` only ratchets down (drops fixed findings, lowers ratios,
deletes clean documents) unless ``accept_new`` also records new damage; ``prune`` drops
documents whose files no longer exist.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from . import __version__
from .errors import ConfigError
from .report.files import atomic_write
from .scoring import VERDICTS

SCHEMA = "qc.baseline/1"
DEFAULT_FILE = ".qc-baseline.json"
FAMILY_METRICS = ("encoding_ratio", "script_ratio", "pinyin_ratio", "offtopic_ratio", "boilerplate_ratio", "format_ratio")
_WS = re.compile(r"\s+")


def doc_key(report: dict[str, Any], root: str | Path) -> str:
    """The baseline key of a report: its file path relative to ``root`` (forward slashes),
    plus ``#<record>`` for a record inside a file."""
    rel = os.path.relpath(os.path.abspath(report["path"]), os.path.abspath(root)).replace(os.sep, "/")
    if report.get("record") is not None and "#" in report["id"]:
        rel += "#" + report["id"].split("#", 1)[1]
    return rel


def loose_key(f: dict[str, Any]) -> str:
    """Rule + normalised matched text (the excerpt), without context."""
    core = _WS.sub(" ", f.get("excerpt") or "").strip()
    return hashlib.sha1(f"{f['rule']}\x1f{core}".encode("utf-8", "surrogatepass")).hexdigest()[:16]


def entry_for(report: dict[str, Any]) -> dict[str, Any] | None:
    """What the baseline stores for one report (None for a clean document)."""
    findings = report.get("findings") or []
    if not findings and report["verdict"] == "pass":
        return None
    metrics = {k: v for k, v in sorted((report.get("metrics") or {}).items()) if v}
    fs = sorted(({"fingerprint": f["fingerprint"], "rule": f["rule"], "severity": f["severity"], "loose": loose_key(f)}
                 for f in findings), key=lambda d: (d["rule"], d["fingerprint"]))
    return {"sha256": report.get("sha256", ""), "verdict": report["verdict"], "score": report["score"],
            "metrics": metrics, "findings": fs}


@dataclass
class Baseline:
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    ruleset_digest: str = ""
    rules: list[str] = field(default_factory=list)
    qc_version: str = __version__
    corpus_metrics: dict[str, float] = field(default_factory=dict)
    path: Path | None = None

    @property
    def root(self) -> Path:
        return (self.path.parent if self.path else Path.cwd()).resolve()

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "qc_version": self.qc_version,
            "ruleset_digest": self.ruleset_digest,
            "rules": sorted(self.rules),
            "corpus_metrics": dict(sorted(self.corpus_metrics.items())),
            "files": dict(sorted(self.files.items())),
        }

    def save(self, path: Path | None = None) -> Path:
        path = Path(path or self.path or DEFAULT_FILE)
        atomic_write(path, json.dumps(self.to_json(), ensure_ascii=False, sort_keys=True, indent=1) + "\n")
        _public(path)
        self.path = path
        return path

    def finding_count(self) -> int:
        return sum(len(e["findings"]) for e in self.files.values())


def _public(path: Path) -> None:
    """A committed file gets the usual rw-r--r-- (the atomic temp file starts as 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(path, 0o666 & ~umask)
    except OSError:
        pass


def load(path: str | Path) -> Baseline:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"baseline {path} does not exist (create it with `qc baseline create PATHS`)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ConfigError(f"baseline {path}: cannot read: {e}") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA or not isinstance(data.get("files"), dict):
        raise ConfigError(f"baseline {path}: not a {SCHEMA} file")
    for key, e in data["files"].items():
        if not isinstance(e, dict) or not isinstance(e.get("findings"), list):
            raise ConfigError(f"baseline {path}: entry {key!r} is malformed")
    return Baseline(files=data["files"], ruleset_digest=data.get("ruleset_digest", ""), rules=list(data.get("rules") or []),
                    qc_version=data.get("qc_version", ""), corpus_metrics=dict(data.get("corpus_metrics") or {}), path=path)


def corpus_metrics(rows: Iterable[dict[str, Any]]) -> dict[str, float]:
    """Corpus-wide family ratios: the character-weighted mean of the documents' ratios."""
    from .gate import corpus_ratios

    return {f"{fam}_ratio": v for fam, v in corpus_ratios(rows).items()}


def create(reports: Iterable[dict[str, Any]], path: Path, ruleset_digest: str, rules: list[str], rows=None) -> Baseline:
    b = Baseline(ruleset_digest=ruleset_digest, rules=list(rules), path=Path(path))
    reports = list(reports)
    for rep in reports:
        e = entry_for(rep)
        if e is not None:
            b.files[doc_key(rep, b.root)] = e
    b.corpus_metrics = corpus_metrics(rows if rows is not None else reports)
    return b


# --- comparing a scan with the baseline --------------------------------------------------------

@dataclass
class DocDiff:
    id: str
    key: str
    state: str  # "new" (not in baseline), "renamed", "known"
    new: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[dict[str, Any]] = field(default_factory=list)
    fixed: int = 0
    worsened: dict[str, tuple[float, float]] = field(default_factory=dict)
    improved: dict[str, tuple[float, float]] = field(default_factory=dict)
    verdict_before: str = "pass"
    renamed_from: str | None = None


@dataclass
class BaselineDiff:
    baseline: Baseline
    docs: dict[str, DocDiff] = field(default_factory=dict)  # report id → diff
    ruleset_changed: bool = False
    rules_added: list[str] = field(default_factory=list)
    rules_removed: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)  # baseline documents under the scanned paths that are gone

    @property
    def new_findings(self) -> int:
        return sum(len(d.new) for d in self.docs.values())

    @property
    def fixed_findings(self) -> int:
        return sum(d.fixed for d in self.docs.values())

    def improvements(self) -> list[str]:
        out = []
        for d in self.docs.values():
            bits = []
            if d.fixed:
                bits.append(f"{d.fixed} finding{'s' if d.fixed != 1 else ''} fixed")
            bits += [f"{m} {a:.4g} → {b:.4g}" for m, (a, b) in d.improved.items()]
            if bits:
                out.append(f"{d.id}: " + ", ".join(bits))
        out += [f"{k}: gone (run `qc baseline prune`)" for k in self.gone]
        return out


LOOSE_MIN_CHARS = 6  # shorter matched text ("??", one U+FFFD) is identified by its context only


def _match(base_findings: list[dict[str, Any]], findings: list[dict[str, Any]]):
    """Split current findings into (new, unchanged); return the baseline fingerprints left
    over (fixed, or moved to another document)."""
    exact = Counter(f["fingerprint"] for f in base_findings)
    rest: list[dict[str, Any]] = []
    unchanged: list[dict[str, Any]] = []
    for f in findings:
        if exact[f["fingerprint"]] > 0:
            exact[f["fingerprint"]] -= 1
            unchanged.append(f)
        else:
            rest.append(f)
    # baseline entries not matched exactly, available for the loose pass
    left: dict[str, list[str]] = {}
    for bf in base_findings:
        if exact[bf["fingerprint"]] > 0:
            exact[bf["fingerprint"]] -= 1
            left.setdefault(bf.get("loose", ""), []).append(bf["fingerprint"])
    new = []
    for f in rest:
        lk = loose_key(f)
        long_enough = len(_WS.sub("", f.get("excerpt") or "")) >= LOOSE_MIN_CHARS
        if long_enough and left.get(lk):
            left[lk].pop()
            unchanged.append(f)
        else:
            new.append(f)
    return new, unchanged, Counter(fp for fps in left.values() for fp in fps)


def compare(baseline: Baseline, reports: Iterable[dict[str, Any]], ruleset_digest: str, rules: list[str],
            tolerance: float = 0.005, scanned_roots: list[str] | None = None) -> BaselineDiff:
    """Diff a scan's reports against ``baseline``. Each finding dict gets ``baseline_state``
    (``new`` or ``unchanged``), as SARIF names it."""
    diff = BaselineDiff(baseline)
    if baseline.ruleset_digest and ruleset_digest != baseline.ruleset_digest:
        diff.ruleset_changed = True
        diff.rules_added = sorted(set(rules) - set(baseline.rules))
        diff.rules_removed = sorted(set(baseline.rules) - set(rules))
    root = baseline.root
    active = set(rules)
    by_hash: dict[str, str] = {}
    for k, e in baseline.files.items():
        if e.get("sha256"):
            by_hash.setdefault(e["sha256"], k)
    seen: set[str] = set()
    leftover: dict[str, Counter] = {}  # report id → baseline fingerprints not found in it
    for rep in reports:
        key = doc_key(rep, root)
        seen.add(key)
        entry = baseline.files.get(key)
        d = DocDiff(rep["id"], key, "known" if entry is not None else "new")
        if entry is None and rep.get("sha256") and rep["sha256"] in by_hash and rep.get("record") is None:
            old = by_hash[rep["sha256"]]
            if not (root / old.split("#", 1)[0]).exists():
                entry, d.state, d.renamed_from = baseline.files[old], "renamed", old
        findings = rep.get("findings") or []
        if entry is None:
            d.new = list(findings)
            base_metrics: dict[str, float] = {}
        else:
            # baseline findings of rules not run now (--select/--ignore) are neither matched nor fixed
            d.new, d.unchanged, leftover[rep["id"]] = _match([f for f in entry["findings"] if f["rule"] in active], findings)
            base_metrics = entry.get("metrics") or {}
            d.verdict_before = entry.get("verdict", "pass")
        cur = rep.get("metrics") or {}
        for m in FAMILY_METRICS:
            a, b = float(base_metrics.get(m, 0.0)), float(cur.get(m, 0.0))
            if b > a + tolerance:
                d.worsened[m] = (a, b)
            elif b < a - tolerance:
                d.improved[m] = (a, b)
        diff.docs[rep["id"]] = d
    _match_moves(diff, leftover)
    for d in diff.docs.values():
        d.fixed = sum(leftover.get(d.id, Counter()).values())
        for f in d.new:
            f["baseline_state"] = "new"
        for f in d.unchanged:
            f["baseline_state"] = "unchanged"
    if scanned_roots is not None:
        roots = [os.path.relpath(os.path.abspath(p), root).replace(os.sep, "/") for p in scanned_roots]
        for k in baseline.files:
            if k in seen:
                continue
            under = any(r == "." or k == r or k.startswith(r.rstrip("/") + "/") for r in roots)
            if under and not (root / k.split("#", 1)[0]).exists():
                diff.gone.append(k)
    return diff


def _match_moves(diff: BaselineDiff, leftover: dict[str, Counter]) -> None:
    """Damage moved between documents of this scan (a paragraph cut from one file and pasted
    into another) keeps its exact fingerprint: such a "new" finding is matched with a baseline
    finding left over in another document, and is neither new there nor fixed here."""
    pool: dict[str, list[str]] = {}
    for doc_id, c in leftover.items():
        for fp, n in c.items():
            pool.setdefault(fp, []).extend([doc_id] * n)
    if not pool:
        return
    for d in diff.docs.values():
        still_new = []
        for f in d.new:
            src = pool.get(f["fingerprint"])
            if src:
                leftover[src.pop()][f["fingerprint"]] -= 1
                d.unchanged.append(f)
            else:
                still_new.append(f)
        d.new = still_new


# --- update and prune --------------------------------------------------------------------------

def update(baseline: Baseline, reports: Iterable[dict[str, Any]], ruleset_digest: str, rules: list[str],
           accept_new: bool = False, rows=None, scanned_roots: list[str] | None = None) -> tuple[Baseline, dict[str, int]]:
    """Ratchet ``baseline`` towards the scan: keep only findings still present, lower ratios,
    drop clean documents (and gone ones under the scanned paths). With ``accept_new`` the
    scan's new findings and documents are recorded too. Returns the baseline and counts."""
    reports = list(reports)
    active = set(rules)
    diff = compare(baseline, reports, ruleset_digest, rules, tolerance=0.0, scanned_roots=scanned_roots)
    stats = {"fixed": 0, "removed_documents": 0, "accepted": 0, "documents": 0}
    files = dict(baseline.files)
    for rep in reports:
        d = diff.docs[rep["id"]]
        if d.renamed_from:
            files.pop(d.renamed_from, None)
        old = baseline.files.get(d.renamed_from or d.key)
        cur = entry_for(rep)
        stats["fixed"] += d.fixed
        if accept_new:
            stats["accepted"] += len(d.new)
            new_entry = cur
        elif old is None and not d.unchanged:
            new_entry = None  # new damage is not absorbed without --accept-new
        else:
            # known findings only (for a document new to the baseline: damage moved into it)
            keep = {id(f) for f in d.unchanged}
            kept = [f for f in rep.get("findings") or [] if id(f) in keep]
            if old is None:
                old = {"metrics": rep["metrics"], "verdict": rep["verdict"], "score": rep["score"], "findings": []}
            metrics = {m: min(float(old.get("metrics", {}).get(m, 0.0)), float(rep["metrics"].get(m, 0.0)))
                       for m in FAMILY_METRICS}
            verdict = min(old.get("verdict", "pass"), rep["verdict"], key=VERDICTS.index)
            new_entry = entry_for({**rep, "findings": kept, "metrics": metrics, "verdict": verdict,
                                   "score": max(float(old.get("score", 0.0)), float(rep["score"]))})
            inactive = [f for f in old["findings"] if f["rule"] not in active]
            if inactive:  # rules not run now keep their entries
                new_entry = new_entry or {"sha256": rep.get("sha256", ""), "verdict": verdict, "score": rep["score"],
                                          "metrics": {}, "findings": []}
                new_entry["findings"] = sorted(new_entry["findings"] + inactive, key=lambda f: (f["rule"], f["fingerprint"]))
        if new_entry is None:
            if files.pop(d.key, None) is not None:
                stats["removed_documents"] += 1
        else:
            files[d.key] = new_entry
    for k in diff.gone:
        if files.pop(k, None) is not None:
            stats["removed_documents"] += 1
    out = Baseline(files=files, ruleset_digest=baseline.ruleset_digest, rules=baseline.rules, path=baseline.path,
                   corpus_metrics=dict(baseline.corpus_metrics))
    cm = corpus_metrics(rows if rows is not None else reports)
    if accept_new:
        out.ruleset_digest, out.rules, out.corpus_metrics = ruleset_digest, list(rules), cm
    else:
        out.corpus_metrics = {m: min(float(baseline.corpus_metrics.get(m, cm[m])), cm[m]) for m in FAMILY_METRICS}
    stats["documents"] = len(files)
    return out, stats


def prune(baseline: Baseline, exists=None) -> tuple[Baseline, list[str]]:
    """Drop documents whose files no longer exist. Returns the baseline and the removed keys."""
    root = baseline.root
    exists = exists or (lambda k: (root / k.split("#", 1)[0]).is_file())
    gone = [k for k in baseline.files if not exists(k)]
    files = {k: v for k, v in baseline.files.items() if k not in gone}
    return Baseline(files=files, ruleset_digest=baseline.ruleset_digest, rules=baseline.rules, qc_version=baseline.qc_version,
                    corpus_metrics=baseline.corpus_metrics, path=baseline.path), gone
