"""Output formats for a finished scan: ``text``, ``json``, ``sarif``, ``github``, ``gitlab``,
``junit``, ``markdown``. Each renders an ``Outcome`` (the scan results, the gate result, the
baseline diff, suppression notes) to a string; nothing here runs a detector or decides the gate.

``qc scan --format F`` prints one format on stdout; ``--output F=PATH`` (repeatable) writes
more in the same run.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import quote

from .files import atomic_write

FORMATS = ("text", "json", "sarif", "github", "gitlab", "junit", "markdown")
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass
class Outcome:
    """Everything an output format may show about one scan."""

    rows: list[dict[str, Any]]
    reports: list[dict[str, Any]]
    summary: dict[str, Any]
    gate: Any  # qc.gate.GateResult
    policy: Any  # qc.gate.Policy
    ruleset: Any = None  # qc.rules.RuleSet
    diff: Any = None  # qc.baseline.BaselineDiff
    out_dir: Path | None = None
    warnings: list[str] = field(default_factory=list)
    unused_suppressions: list[str] = field(default_factory=list)
    changed_only: list[str] | None = None  # the changed files, with --changed-since
    ignored_files: int = 0
    stats: Any = None
    max_annotations: int = 50
    rule_docs_url: str | None = None

    @property
    def exit_code(self) -> int:
        return self.gate.exit_code

    def report_of(self, doc_id: str) -> dict[str, Any] | None:
        if not hasattr(self, "_by_id"):
            self._by_id = {r["id"]: r for r in self.reports}
        return self._by_id.get(doc_id)

    def findings(self) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        """(report, finding) for every active (not suppressed) finding, in scan order."""
        for rep in self.reports:
            for f in rep.get("findings") or ():
                yield rep, f

    def new_findings(self) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        """What CI should point at: new findings with a baseline, all findings without."""
        for rep, f in self.findings():
            if self.diff is None or f.get("baseline_state") == "new":
                yield rep, f

    def rule_page(self, rule_id: str) -> str:
        """Link to a rule's page: ``rules/<ID>.html`` in the report folder (written by the HTML
        report), or under ``rule_docs_url`` when one is configured."""
        if self.rule_docs_url:
            return self.rule_docs_url.rstrip("/") + f"/{rule_id}.html"
        return f"rules/{rule_id}.html"

    def counts(self) -> dict[str, int]:
        n = sum(len(r.get("findings") or ()) for r in self.reports)
        out = {"documents": len(self.rows), "findings": n,
               "suppressed": sum(len(r.get("suppressed") or ()) for r in self.reports),
               "failing_documents": len(self.gate.failing)}
        if self.diff is not None:
            out["new"] = self.diff.new_findings
            out["unchanged"] = n - self.diff.new_findings
            out["fixed"] = self.diff.fixed_findings
        return out


def display_path(path: str) -> str:
    """A report's path relative to the current folder (forward slashes) when inside it."""
    ab = os.path.abspath(path)
    rel = os.path.relpath(ab, os.getcwd())
    if rel.startswith(".."):
        return ab.replace(os.sep, "/")
    return rel.replace(os.sep, "/")


def path_uri(path: str) -> tuple[str, bool]:
    """(URI, is_relative) of a document's file for SARIF: relative to the current folder when
    inside it (SRCROOT), else an absolute file URI."""
    p = display_path(path)
    if p.startswith("/"):
        return "file://" + quote(p, safe="/"), False
    return quote(p, safe="/"), True


def record_line(rep: dict[str, Any]) -> int | None:
    """The line in the file of a record document (``a.jsonl#L12`` → 12), if its id says so."""
    if rep.get("record") is None:
        return None
    m = re.search(r"#L(\d+)$", rep["id"])
    return int(m.group(1)) if m else None


_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\ufeff]")


def visible(s: str) -> str:
    """Control and invisible characters shown as ``<U+200B>`` so they cannot break a log line."""
    return _CTRL.sub(lambda m: f"<U+{ord(m.group()):04X}>", s)


def render_json(o: Outcome) -> str:
    """Machine-readable gate result (``qc.gate/1``): verdict of the gate, reasons, baseline diff."""
    data: dict[str, Any] = {
        "schema": "qc.gate/1",
        "passed": o.gate.passed,
        "exit_code": o.exit_code,
        "policy": o.policy.describe(),
        "reasons": o.gate.reasons,
        "failing": o.gate.failing,
        "corpus": o.gate.corpus,
        "corpus_metrics": o.gate.corpus_metrics,
        "counts": o.counts(),
        "warnings": o.warnings,
        "unused_suppressions": o.unused_suppressions,
        "totals": o.summary.get("totals"),
    }
    if o.changed_only is not None:
        data["changed_only"] = o.changed_only
    if o.diff is not None:
        data["baseline"] = {
            "file": str(o.diff.baseline.path) if o.diff.baseline.path else None,
            "ruleset_changed": o.diff.ruleset_changed,
            "new": [{"id": rep["id"], "rule": f["rule"], "line": f["line"], "column": f["column"],
                     "fingerprint": f["fingerprint"], "message": f["message"]} for rep, f in o.new_findings()],
            "improvements": o.diff.improvements(),
            "worsened": {d.id: {m: list(v) for m, v in d.worsened.items()} for d in o.diff.docs.values() if d.worsened},
        }
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n"


def _renderers() -> dict[str, Callable[[Outcome], str]]:
    from . import github, gitlab, junit, markdown, sarif, text

    return {
        "text": text.render,
        "json": render_json,
        "sarif": sarif.render,
        "github": github.render,
        "gitlab": gitlab.render,
        "junit": junit.render,
        "markdown": markdown.render,
    }


def render(fmt: str, o: Outcome) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    return _renderers()[fmt](o)


def parse_outputs(specs: list[str] | dict[str, str] | None) -> list[tuple[str, str]]:
    """``["sarif=qc.sarif", …]`` or ``{"sarif": "qc.sarif"}`` → [(format, path)], validated."""
    if not specs:
        return []
    items = list(specs.items()) if isinstance(specs, dict) else []
    if not isinstance(specs, dict):
        for s in specs:
            fmt, sep, path = s.partition("=")
            if not sep or not path:
                raise ValueError(f"--output: expected FORMAT=PATH, got {s!r}")
            items.append((fmt, path))
    out = []
    for fmt, path in items:
        fmt = fmt.strip().lower()
        if fmt not in FORMATS:
            raise ValueError(f"--output: unknown format {fmt!r} (one of {', '.join(FORMATS)})")
        out.append((fmt, path))
    return out


def write_outputs(o: Outcome, outputs: list[tuple[str, str]]) -> list[str]:
    """Write each (format, path); returns the paths written. The Markdown summary is appended
    when its path is ``$GITHUB_STEP_SUMMARY`` (GitHub collects several steps' text there)."""
    written = []
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    for fmt, path in outputs:
        text = render(fmt, o)
        if step_summary and os.path.abspath(path) == os.path.abspath(step_summary):
            with open(path, "a", encoding="utf-8") as f:
                f.write(text)
        else:
            atomic_write(Path(path), text)
            from ..baseline import _public

            _public(Path(path))
        written.append(path)
    return written
