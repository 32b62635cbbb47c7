"""Run the rules over documents: profile pass, then detect + score, locally in processes.

``check_document`` is the unit of work (one document → one report dict, the report contract).
``Engine.run`` walks the inputs, builds the corpus profile, then checks every document,
with ``jobs`` worker processes when there is enough work. Results come back in input order,
so reports are identical for any ``jobs``.
"""
from __future__ import annotations

import hashlib
import os
import re
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from . import __version__
from .corpus import SourceFile, read_file, unreadable, walk
from .language import document_language
from .model import STATUS_OK, Document, Finding, Hit
from .profile import CorpusProfile, ProfileBuilder, collect_doc, contributors
from .rules import Rule, RuleSet
from .scoring import family_ratios, non_ws_count, score, status_verdict, verdict

SCHEMA = "qc.file-report/1"


def _excerpt(text: str, start: int, end: int, limit: int) -> str:
    s = text[start:end]
    if len(s) > limit:
        half = limit // 2
        s = s[:half] + "…" + s[-(limit - half - 1):]
    return s


_WS = re.compile(r"\s+")


def fingerprint(text: str, rule_id: str, start: int, end: int, context: int = 8) -> str:
    """Line-independent identity of a finding: rule + normalised matched text + a little context."""
    core = _WS.sub(" ", text[start:end][:2000]).strip()
    # context stays inside the finding's own line, so moving whole lines keeps the fingerprint
    before = text[max(0, start - context):start].rpartition("\n")[2]
    after = text[end:end + context].partition("\n")[0]
    before, after = _WS.sub(" ", before), _WS.sub(" ", after)
    return hashlib.sha1(f"{rule_id}\x1f{before}\x1f{core}\x1f{after}".encode("utf-8", "surrogatepass")).hexdigest()[:16]


def to_finding(doc: Document, rule: Rule, hit: Hit, excerpt_chars: int) -> Finding:
    n = len(doc.text)
    start = max(0, min(int(hit.start), n))
    end = max(start, min(int(hit.end), n))
    line, col = doc.line_col(start)
    end_line, end_col = doc.line_col(end)
    parts = None
    if hit.parts:
        parts = tuple(sorted((max(start, int(a)), min(end, int(b))) for a, b in hit.parts if b > a))
    sev = hit.severity or rule.severity
    return Finding(
        rule=rule.id,
        name=rule.name,
        family=rule.family,
        severity=sev,
        start=start,
        end=end,
        line=line,
        column=col,
        end_line=end_line,
        end_column=end_col,
        excerpt=_excerpt(doc.text, start, end, excerpt_chars),
        message=hit.message,
        suggestion=hit.suggestion,
        parts=parts or None,
        evidence=hit.evidence,
        fingerprint=fingerprint(doc.text, rule.id, start, end),
    )


def _finding_key(f: Finding):
    return (f.start, f.end, f.rule, f.message)


def run_rules(doc: Document, rules: list[Rule], profile: CorpusProfile, excerpt_chars: int = 160):
    """All findings of ``rules`` on ``doc`` (sorted), and the rules that crashed."""
    findings: list[Finding] = []
    errors: list[dict[str, str]] = []
    for rule in rules:
        try:
            for hit in rule.run(doc, profile) or ():
                findings.append(to_finding(doc, rule, hit, excerpt_chars))
        except Exception as e:  # a detector bug is reported, never fatal
            tb = traceback.extract_tb(e.__traceback__)[-1]
            errors.append({"rule": rule.id, "error": f"{type(e).__name__}: {e} ({os.path.basename(tb.filename)}:{tb.lineno})"})
    findings.sort(key=_finding_key)
    return findings, errors


def check_document(doc: Document, ruleset: RuleSet, profile: CorpusProfile, suppress: Any = None) -> dict[str, Any]:
    """One document → its report (the ``qc.file-report/1`` contract).

    ``suppress``: optional object with ``apply(doc, findings) -> (kept, suppressed_json)``
    (qc/suppress.py); suppressed findings count for nothing and are listed under ``suppressed``."""
    cfg = ruleset.scoring
    limits = cfg.get("limits") or {}
    excerpt_chars = int(limits.get("excerpt_chars", 160))
    max_chars = int(limits.get("max_doc_chars", 60_000_000))
    notes: list[str] = []
    if len(doc.text) > max_chars:
        notes.append(f"document cut to its first {max_chars} characters for detection ({len(doc.text)} in all)")
        doc.text = doc.text[:max_chars]
        doc._line_starts = None
    findings, errors = run_rules(doc, ruleset.rules, profile, excerpt_chars)
    suppressed = None
    if suppress is not None and findings:
        findings, suppressed = suppress.apply(doc, findings)
    total = non_ws_count(doc.text)
    metrics = family_ratios(doc.text, findings, total)
    if doc.status == STATUS_OK:
        sc = score(metrics, findings, cfg)
        vd = verdict(sc, metrics, findings, cfg)
    else:
        sc = 0.0 if status_verdict(doc.status, cfg) == "fail" else 100.0
        vd = status_verdict(doc.status, cfg)
    report: dict[str, Any] = {
        "schema": SCHEMA,
        "id": doc.id,
        "path": doc.path,
        "status": doc.status,
        "sha256": doc.sha256,
        "size_bytes": doc.size_bytes,
        "chars": len(doc.text),
        "lines": (doc.text.count("\n") + (0 if doc.text.endswith("\n") else 1)) if doc.text else 0,
        "encoding": doc.encoding.to_json(),
        "language": document_language(doc.text) if doc.status == STATUS_OK else {"primary": "und", "script": "Zyyy"},
        "metadata": doc.metadata,
        "metrics": metrics,
        "score": sc,
        "verdict": vd,
        "findings": [f.to_json() for f in findings],
    }
    if doc.record is not None:
        report["record"] = doc.record
    if doc.error:
        report["error"] = doc.error
    if suppressed:
        report["suppressed"] = suppressed
    if errors:
        report["rule_errors"] = errors
    if notes:
        report["notes"] = notes
    return report


# --- the scan ---------------------------------------------------------------------------------

_W: dict[str, Any] = {}


def _init_worker(ruleset: RuleSet, profile: CorpusProfile | None, suppress: Any = None) -> None:
    _W["ruleset"] = ruleset
    _W["profile"] = profile
    _W["suppress"] = suppress
    _W["contribs"] = contributors()


def _profile_file(src: SourceFile) -> list[dict[str, Any]]:
    return [collect_doc(d, _W["contribs"]) for d in read_file(src)]


def _check_file(src: SourceFile) -> list[dict[str, Any]]:
    out = []
    for doc in read_file(src):
        out.append(check_document(doc, _W["ruleset"], _W["profile"], _W.get("suppress")))
    return out


@dataclass
class ScanStats:
    files: int = 0
    documents: int = 0
    bytes: int = 0
    seconds: float = 0.0
    profile_seconds: float = 0.0


@dataclass
class Engine:
    ruleset: RuleSet
    jobs: int = 1
    stats: ScanStats = field(default_factory=ScanStats)
    profile: CorpusProfile | None = None
    suppress: Any = None  # see check_document

    def _map(self, fn, items: list, profile: CorpusProfile | None) -> Iterator:
        jobs = max(1, self.jobs)
        if jobs == 1 or len(items) < 4:
            _init_worker(self.ruleset, profile, self.suppress)
            for it in items:
                yield fn(it)
            return
        chunks = max(1, min(16, len(items) // (jobs * 4)))
        with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker,
                                 initargs=(self.ruleset, profile, self.suppress)) as ex:
            yield from ex.map(fn, items, chunksize=chunks)

    def build_profile(self, files: list[SourceFile]) -> CorpusProfile:
        t = time.perf_counter()
        b = ProfileBuilder()
        for per_file in self._map(_profile_file, files, None):
            for stats in per_file:
                b.add(stats)
        self.stats.profile_seconds = time.perf_counter() - t
        return b.build()

    def run(self, paths: list[str], profile_paths: list[str] | None = None,
            exclude: Callable[[SourceFile], bool] | None = None,
            only: Callable[[SourceFile], bool] | None = None) -> Iterator[dict[str, Any]]:
        """Reports for every document under ``paths``, in walk order.

        ``profile_paths``: build the corpus profile from these instead (e.g. the whole corpus
        while only changed files are checked). ``exclude``: files neither profiled nor checked
        (.qcignore). ``only``: check just these files; the profile still sees all the others."""
        t0 = time.perf_counter()
        files, bad = walk(paths)
        if exclude is not None:
            files = [f for f in files if not exclude(f)]
            bad = [f for f in bad if not exclude(f)]
        if self.profile is None:
            pfiles = files if profile_paths is None else walk(profile_paths)[0]
            if profile_paths is not None and exclude is not None:
                pfiles = [f for f in pfiles if not exclude(f)]
            self.profile = self.build_profile(pfiles)
        if only is not None:
            files = [f for f in files if only(f)]
            bad = [f for f in bad if only(f)]
        for src in bad:
            doc = unreadable(src, f"cannot read: {'no such file or directory' if not os.path.lexists(src.path) else 'permission denied or not a regular file'}")
            self.stats.documents += 1
            yield check_document(doc, self.ruleset, self.profile, self.suppress)
        for per_file in self._map(_check_file, files, self.profile):
            self.stats.files += 1
            for rep in per_file:
                self.stats.documents += 1
                self.stats.bytes += rep.get("size_bytes", 0) if rep.get("record") is None else 0
                yield rep
        self.stats.seconds = time.perf_counter() - t0


def check_text(text: str, ruleset: RuleSet, profile: CorpusProfile | None = None, id: str = "<text>") -> dict[str, Any]:
    """Report for a string (tests, notebooks). The profile defaults to one built from this text."""
    from .corpus import document_from_text
    from .profile import build_profile

    doc = document_from_text(text, id)
    if profile is None:
        profile = build_profile([doc])
    return check_document(doc, ruleset, profile)


__all__ = ["Engine", "check_document", "check_text", "run_rules", "SCHEMA", "__version__"]
