"""Per-document JSON reports (``<out>/files/<rel>.json``) and the summary (json + csv).

Writes are atomic (temp file + rename) and confined to ``<out>``: a report path is built
from the document's relative name with ``..``, absolute parts and control characters removed.
JSON is written with sorted keys and no timestamps, so the same input gives the same bytes.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Iterable

FAMILY_KEYS = ("encoding", "script", "pinyin", "offtopic", "boilerplate", "format")


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=1) + "\n"


def atomic_write(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def safe_rel(rel: str) -> str:
    """A relative path that stays inside the output folder."""
    parts = []
    for p in re.split(r"[\\/]+", rel):
        p = re.sub(r"[\x00-\x1f\x7f]", "_", p)
        if p in ("", ".", ".."):
            continue
        parts.append(p[:200])
    return "/".join(parts) or "_"


def report_relpath(doc_id: str, ext: str = ".json") -> str:
    """Where a document's report lives under ``<out>/files/``. Record ids (``a.jsonl#L3``)
    become ``a.jsonl/L3``."""
    rel = doc_id.replace("#", "/")
    return "files/" + safe_rel(rel) + ext


def confined(out: Path, rel: str) -> Path:
    target = (out / rel).resolve()
    root = out.resolve()
    if root != target and root not in target.parents:
        raise ValueError(f"report path {rel!r} escapes {out}")
    return target


def write_report(out: Path, report: dict[str, Any]) -> str:
    rel = report_relpath(report["id"])
    atomic_write(confined(out, rel), dumps(report))
    return rel


def summary_row(report: dict[str, Any], rel: str) -> dict[str, Any]:
    counts: dict[str, int] = {}
    fam_counts = {f: 0 for f in FAMILY_KEYS}
    sev_counts = {"info": 0, "warning": 0, "error": 0}
    for f in report["findings"]:
        counts[f["rule"]] = counts.get(f["rule"], 0) + 1
        fam_counts[f["family"]] += 1
        sev_counts[f["severity"]] += 1
    row = {
        "id": report["id"],
        "path": report["path"],
        "report": rel,
        "status": report["status"],
        "score": report["score"],
        "verdict": report["verdict"],
        "chars": report["chars"],
        "size_bytes": report["size_bytes"],
        "encoding": report["encoding"]["name"],
        "language": report["language"]["primary"],
        "script": report["language"]["script"],
        "metrics": report["metrics"],
        "findings": len(report["findings"]),
        "by_rule": dict(sorted(counts.items())),
        "by_family": fam_counts,
        "by_severity": sev_counts,
    }
    if report.get("error"):
        row["error"] = report["error"]
    if report.get("record") is not None:
        row["record"] = report["record"]
    return row


def totals(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    rows = list(rows)
    verdicts = {"pass": 0, "warn": 0, "fail": 0}
    statuses: dict[str, int] = {}
    by_rule: dict[str, int] = {}
    chars = 0
    for r in rows:
        verdicts[r["verdict"]] += 1
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
        chars += r["chars"]
        for k, v in r["by_rule"].items():
            by_rule[k] = by_rule.get(k, 0) + v
    mean = round(sum(r["score"] for r in rows) / len(rows), 2) if rows else None
    return {
        "documents": len(rows),
        "verdicts": verdicts,
        "statuses": dict(sorted(statuses.items())),
        "findings": sum(r["findings"] for r in rows),
        "by_rule": dict(sorted(by_rule.items())),
        "chars": chars,
        "mean_score": mean,
    }


def write_summary(out: Path, rows: list[dict[str, Any]], settings: dict[str, Any]) -> dict[str, Any]:
    import pandas as pd

    summary = {"schema": "qc.summary/1", "settings": settings, "files": rows, "totals": totals(rows)}
    atomic_write(out / "summary.json", dumps(summary))
    atomic_write(out / "summary.csv", summary_frame(rows).to_csv(index=False, lineterminator="\n"))
    return summary


def summary_frame(rows: list[dict[str, Any]]):
    """One row per document: path, status, score, verdict, each family ratio, finding counts."""
    import pandas as pd

    cols = ["id", "path", "status", "score", "verdict", "chars", "encoding", "language", "script"]
    recs = []
    for r in rows:
        rec = {c: r.get(c) for c in cols}
        rec.update(r["metrics"])
        rec["findings"] = r["findings"]
        for sev, n in r["by_severity"].items():
            rec[f"{sev}s"] = n
        rec["error"] = r.get("error", "")
        recs.append(rec)
    metric_cols = [f"{f}_ratio" for f in FAMILY_KEYS]
    return pd.DataFrame.from_records(recs, columns=cols + metric_cols + ["findings", "infos", "warnings", "errors", "error"])
