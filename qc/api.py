"""The Python API: ``qc.scan(paths, **options)`` for notebooks and pipelines.

    >>> res = qc.scan(["seeds/"])
    >>> res.frame.sort_values("score").head()      # one row per document (pandas)
    >>> res.reports[0]["findings"][0]               # the same dicts as the JSON reports

With ``out=`` the reports are also written (as ``qc scan`` does).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from . import __version__
from .engine import Engine, ScanStats
from .report.files import summary_frame, summary_row, write_report, write_summary
from .rules import RuleSet, load_rules


@dataclass
class ScanResult:
    reports: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    summary: dict[str, Any]
    stats: ScanStats
    ruleset: RuleSet
    out: Path | None = None
    profile: Any = None

    @property
    def frame(self):
        """pandas DataFrame, one row per document."""
        return summary_frame(self.rows)


def scan(
    paths: list[str] | str,
    *,
    out: str | Path | None = None,
    rules: str | Path | None = None,
    extra_rules: list[str] | None = None,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    jobs: int = 1,
    keep_reports: bool = True,
    on_report: Callable[[dict[str, Any]], None] | None = None,
    profile_paths: list[str] | None = None,
    settings: dict[str, Any] | None = None,
    exclude: Callable[[Any], bool] | None = None,
    only: Callable[[Any], bool] | None = None,
    suppress: Any = None,
    params: dict[str, dict[str, Any]] | None = None,
    expected_script: str | None = None,
) -> ScanResult:
    """Scan ``paths``. ``exclude``/``only`` take a ``SourceFile`` (see ``Engine.run``);
    ``suppress`` is a ``qc.suppress.Suppressions`` (drops allowed findings before scoring)."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [os.fspath(paths)]
    ruleset = load_rules(rules, extra_rules).select(select, ignore)
    if params or expected_script:
        ruleset = ruleset.with_params(params, expected_script=expected_script)
    engine = Engine(ruleset, jobs=jobs, suppress=suppress)
    out_path = Path(out) if out is not None else None
    reports: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    for rep in engine.run([os.fspath(p) for p in paths], profile_paths=profile_paths, exclude=exclude, only=only):
        rel = write_report(out_path, rep) if out_path is not None else None
        rows.append(summary_row(rep, rel or ""))
        if keep_reports:
            reports.append(rep)
        if on_report:
            on_report(rep)
    scan_settings = {
        "qc_version": __version__,
        "ruleset_digest": ruleset.digest,
        "rules": [r.id for r in ruleset.rules],
        "paths": [os.fspath(p) for p in paths],
        "profile_digest": engine.profile.digest() if engine.profile else None,
        **(settings or {}),
    }
    if out_path is not None:
        summary = write_summary(out_path, rows, scan_settings)
    else:
        from .report.files import totals

        summary = {"schema": "qc.summary/1", "settings": scan_settings, "files": rows, "totals": totals(rows)}
    return ScanResult(reports, rows, summary, engine.stats, ruleset, out_path, engine.profile)
