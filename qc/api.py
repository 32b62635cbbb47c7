"""The Python API: ``qc.scan(paths, **options)`` for notebooks and pipelines.

    >>> res = qc.scan(["seeds/"])
    >>> res.frame.sort_values("score").head()      # one row per document (pandas)
    >>> res.reports[0]["findings"][0]               # the same dicts as the JSON reports

With ``out=`` the reports are also written (as ``qc scan`` does).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from . import __version__
from .engine import Engine, ScanStats
from .errors import ConfigError
from .readers import ReadOptions
from .report.files import (ReportWriter, SourceRollup, SpooledRows, Totals, row_text, summary_frame,
                           write_summary_streaming)
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
    on_row: Callable[[dict[str, Any]], None] | None = None,
    profile_paths: list[str] | None = None,
    settings: dict[str, Any] | None = None,
    exclude: Callable[[Any], bool] | None = None,
    only: Callable[[Any], bool] | None = None,
    suppress: Any = None,
    params: dict[str, dict[str, Any]] | None = None,
    expected_script: str | None = None,
    text_field: str = "text",
    id_field: str | None = None,
    engine: str = "local",
    address: str | None = None,
    cache: bool | str | Path = False,
    batch_bytes: int | None = None,
) -> ScanResult:
    """Scan ``paths``. ``exclude``/``only`` take a ``SourceFile`` (see ``Engine.run``);
    ``suppress`` is a ``qc.suppress.Suppressions`` (drops allowed findings before scoring).

    Records: ``text_field`` (dotted for nested objects) and ``id_field`` of JSONL/JSON/Parquet
    records. ``engine``: "local" (``jobs`` processes) or "ray" (``address``: "auto",
    "ray://host:10001", or None for a local Ray). ``cache``: True for ``.qc-cache/`` (or
    ``$QC_CACHE_DIR``), a folder, or False. ``batch_bytes``: plain JSONL bigger than this is
    split into line-aligned ranges checked in parallel (default 2 MB). ``keep_reports=False`` streams: reports are not kept
    and ``rows`` is a ``SpooledRows`` on disk, so memory stays flat however many records.
    ``on_report`` is called with each report dict, ``on_row`` with each summary row (cheaper: a
    cached report is not rebuilt for it)."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [os.fspath(paths)]
    store = None
    if cache:
        from .cache import Cache

        store = Cache(os.environ.get("QC_CACHE_DIR", ".qc-cache") if cache is True else cache)
    ruleset = load_rules(rules, extra_rules, cache=store).select(select, ignore)
    if params or expected_script:
        ruleset = ruleset.with_params(params, expected_script=expected_script)
    if engine not in ("local", "ray"):
        raise ConfigError(f"--engine: {engine!r} is not one of local, ray")
    eng = Engine(ruleset, jobs=jobs, suppress=suppress, read_options=ReadOptions(text_field or "text", id_field or None),
                 cache=store, executor=engine, address=address)
    if batch_bytes:
        eng.batch_bytes = int(batch_bytes)
    out_path = Path(out) if out is not None else None
    writer = ReportWriter(out_path, store) if out_path is not None else None
    reports: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] | SpooledRows = [] if keep_reports else SpooledRows()
    tot, rollup = Totals(), SourceRollup()
    try:
        for unit, res in eng.run_units([os.fspath(p) for p in paths], profile_paths=profile_paths,
                                       exclude=exclude, only=only):
            where = (writer.write(unit, res.rows, lambda res=res: res.serialised, res.key)
                     if writer is not None else [("", None)] * len(res))
            for row, halves, (rel, line) in zip(res.rows, res.halves, where):
                row["report"] = rel
                if line is not None:
                    row["report_line"] = line
                if keep_reports:
                    rows.append(row)
                else:
                    rows.append(row, row_text(halves, rel, line))
                tot.add(row)
                rollup.add(row)
                if on_row:
                    on_row(row)
            if keep_reports or on_report:  # report dicts are only rebuilt (from the cache) when asked for
                for rep in res.reports:
                    if keep_reports:
                        reports.append(rep)
                    if on_report:
                        on_report(rep)
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    if writer is not None:
        writer.finish()
    scan_settings = {
        "qc_version": __version__,
        "ruleset_digest": ruleset.digest,
        "rules": [r.id for r in ruleset.rules],
        "paths": [os.fspath(p) for p in paths],
        "profile_digest": eng.profile_digest,
        **(settings or {}),
    }
    totals_, sources = tot.result(), rollup.result()
    if out_path is not None:
        write_summary_streaming(out_path, rows, scan_settings, totals_, sources)
    summary = {"schema": "qc.summary/1", "settings": scan_settings, "files": rows, "totals": totals_}
    if sources:
        summary["sources"] = sources
    return ScanResult(reports, rows, summary, eng.stats, ruleset, out_path, eng.profile)
