"""Markdown summary of a scan and its gate, for ``$GITHUB_STEP_SUMMARY``, a merge-request note or
a chat message: the gate result, counts, failing documents with reasons, the (new) findings
(capped), improvements against the baseline and configuration warnings."""
from __future__ import annotations

from .formats import SEVERITY_ORDER, Outcome, display_path, visible

MAX_ROWS = 50


def cell(s: object) -> str:
    """Text safe inside a Markdown table cell."""
    s = visible(str(s)).replace("\r", " ").replace("\n", " ")
    for ch in "\\|`*_[]<>":
        s = s.replace(ch, "\\" + ch)
    return s


def code(s: str, limit: int = 60) -> str:
    s = visible(s).replace("\n", "⏎").replace("`", "ˋ")
    if len(s) > limit:
        s = s[:limit - 1] + "…"
    s = s.replace("|", "\\|")  # GFM splits cells on pipes even inside code spans
    return f"`{s}`" if s.strip() else ""


def render(o: Outcome) -> str:
    c = o.counts()
    t = o.summary.get("totals") or {}
    v = t.get("verdicts") or {}
    head = "✅ qc gate passed" if o.gate.passed else "❌ qc gate failed"
    if not o.gate.passed and o.gate.exit_zero:
        head += " (reported only: --exit-zero)"
    out = [f"## {head}", ""]
    line = f"**{c['documents']}** documents, **{c['findings']}** findings"
    if o.diff is not None:
        line += f" — **{c['new']} new**, {c['unchanged']} already in the baseline, {c['fixed']} fixed"
    if c["suppressed"]:
        line += f", {c['suppressed']} suppressed"
    out.append(line + f" · verdicts: {v.get('pass', 0)} pass, {v.get('warn', 0)} warn, {v.get('fail', 0)} fail")
    out.append("")
    scope = f"Policy: {o.policy.describe()}"
    if o.changed_only is not None:
        scope += f" · changed-only scan ({len(o.changed_only)} changed files)"
    out += [scope, ""]
    if o.gate.failing or o.gate.corpus:
        out += ["### Failing", "", "| document | why |", "| --- | --- |"]
        for doc_id, why in list(o.gate.failing.items())[:MAX_ROWS]:
            out.append(f"| {cell(doc_id)} | {cell('; '.join(why))} |")
        if len(o.gate.failing) > MAX_ROWS:
            out.append(f"| … | {len(o.gate.failing) - MAX_ROWS} more |")
        for r in o.gate.corpus:
            out.append(f"| (corpus) | {cell(r)} |")
        out.append("")
    found = sorted(o.new_findings(), key=lambda rf: (SEVERITY_ORDER.get(rf[1]["severity"], 3), rf[0]["id"], rf[1]["start"]))
    if found:
        title = "New findings" if o.diff is not None else "Findings"
        out += [f"### {title}", "", "| where | rule | severity | message | text |", "| --- | --- | --- | --- | --- |"]
        for rep, f in found[:MAX_ROWS]:
            where = f"{display_path(rep['path'])}:{f['line']}:{f['column']}" if rep.get("record") is None else f"{rep['id']}:{f['line']}:{f['column']}"
            rule = f"[{f['rule']}]({o.rule_page(f['rule'])})"
            out.append(f"| {cell(where)} | {rule} | {f['severity']} | {cell(f['message'])} | {code(f.get('excerpt') or '')} |")
        if len(found) > MAX_ROWS:
            out.append(f"\n{len(found) - MAX_ROWS} more not shown (see the SARIF and HTML reports).")
        out.append("")
    if o.diff is not None:
        imp = o.diff.improvements()
        if imp:
            out += ["### Improvements since the baseline", ""]
            out += [f"- {cell(x)}" for x in imp[:MAX_ROWS]]
            out += ["", "Run `qc baseline update` to record them.", ""]
        worse = [(d.id, d.worsened) for d in o.diff.docs.values() if d.worsened]
        if worse:
            out += ["### Ratios that rose", ""]
            for doc_id, w in worse[:MAX_ROWS]:
                out.append(f"- {cell(doc_id)}: " + ", ".join(f"{m} {a:.4g} → {b:.4g}" for m, (a, b) in w.items()))
            out.append("")
    notes = list(o.warnings) + [f"suppression matched nothing: {u}" for u in o.unused_suppressions]
    if notes:
        out += ["### Warnings", ""] + [f"- {cell(n)}" for n in notes] + [""]
    return "\n".join(out) + "\n"
