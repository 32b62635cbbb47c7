"""Plain-text / terminal output: a table of the worst documents (file, score, verdict, findings
per family), the one-line total, and the gate's reasons, baseline changes and warnings."""
from __future__ import annotations

import heapq
import io
from typing import Any

from rich.console import Console
from rich.table import Table

from .formats import Outcome

_VERDICT_STYLE = {"pass": "green", "warn": "yellow", "fail": "bold red"}


def table(rows: list[dict[str, Any]], limit: int = 50) -> Table:
    t = Table(show_lines=False)
    t.add_column("file")
    t.add_column("score", justify="right")
    t.add_column("verdict")
    t.add_column("top findings per family")
    for r in heapq.nsmallest(limit, rows, key=lambda r: (r["score"], r["id"])):  # rows may be millions
        fams = []
        for fam, n in r["by_family"].items():
            if n:
                ratio = r["metrics"].get(f"{fam}_ratio", 0.0)
                fams.append(f"{fam} {n}" + (f" ({ratio:.0%})" if ratio else ""))
        desc = ", ".join(fams) or (r.get("error") or "—")
        t.add_row(r["id"], f"{r['score']:.1f}", f"[{_VERDICT_STYLE[r['verdict']]}]{r['verdict']}[/]", desc)
    return t


def total_line(o: Outcome) -> str:
    t = o.summary["totals"]
    v = t["verdicts"]
    line = f"{t['documents']} documents, {t['findings']} findings: {v['pass']} pass, {v['warn']} warn, {v['fail']} fail"
    if o.stats is not None:
        line += f" — {o.stats.bytes / 1e6:.2f} MB in {o.stats.seconds:.2f}s"
    if o.out_dir is not None:
        line += f" — reports in {o.out_dir}/"
    if o.diff is not None:
        c = o.counts()
        line += f" — baseline: {c['new']} new, {c['unchanged']} known, {c['fixed']} fixed"
    state = "passed" if o.gate.passed else ("FAILED (--exit-zero: exit 0)" if o.gate.exit_zero else "FAILED")
    return line + f" — gate {state} ({o.policy.describe()})"


def details(o: Outcome, limit: int = 20, quiet: bool = False) -> list[str]:
    """Lines explaining the gate: failing documents and corpus limits (always), then
    improvements and warnings (unless quiet)."""
    out = []
    for r in o.gate.reasons[:limit]:
        out.append(f"  gate: {r}")
    if len(o.gate.reasons) > limit:
        out.append(f"  gate: … {len(o.gate.reasons) - limit} more (see --format markdown or json)")
    if quiet:
        return out
    if o.diff is not None:
        imp = o.diff.improvements()
        for x in imp[:limit]:
            out.append(f"  improved: {x}")
        if imp:
            out.append("  (record improvements with `qc baseline update`)")
    if o.changed_only is not None:
        out.append(f"  changed-only scan: {len(o.changed_only)} changed files checked")
    if o.ignored_files:
        out.append(f"  .qcignore: {o.ignored_files} files ignored")
    for w in o.warnings:
        out.append(f"  warning: {w}")
    for u in o.unused_suppressions:
        out.append(f"  warning: suppression matched nothing: {u}")
    return out


def print_text(o: Outcome, console: Console, err_console: Console | None = None, quiet: bool = False, limit: int = 50) -> None:
    err_console = err_console or console
    if not quiet:
        console.print(table(o.rows, limit))
        if len(o.rows) > limit:
            console.print(f"(worst {limit} of {len(o.rows)} documents shown; all are in summary.csv)")
    console.print(total_line(o), markup=False)
    for line in details(o, quiet=quiet):
        err_console.print(line, markup=False)


def render(o: Outcome) -> str:
    buf = io.StringIO()
    print_text(o, Console(file=buf, width=140, no_color=True, highlight=False, color_system=None))
    return buf.getvalue()
