"""GitHub Actions workflow commands: one ``::error|warning|notice file=…,line=…,col=…::message``
annotation per finding (with a baseline: per new finding), documents that fail the gate first,
capped at ``max_annotations`` (GitHub shows only a few per step anyway) with a line saying how
many were left out, and a closing line with the gate result.

Escaping follows GitHub's runner: in the message ``%`` ``\\r`` ``\\n`` become ``%25`` ``%0D``
``%0A``; in property values ``:`` and ``,`` also become ``%3A`` ``%2C``. Invisible characters
are shown as ``<U+200B>`` so corpus text cannot forge a command.
"""
from __future__ import annotations

from typing import Any

from .formats import SEVERITY_ORDER, Outcome, display_path, record_line, visible

LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(s: str) -> str:
    return visible(s).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(s: str) -> str:
    return escape_data(s).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, **props: Any) -> str:
    """One workflow command line, e.g. ``command("error", "msg", file="a.txt", line=3)``."""
    ps = ",".join(f"{k}={escape_property(str(v))}" for k, v in props.items() if v is not None)
    return f"::{level}{' ' + ps if ps else ''}::{escape_data(message)}"


def _annotation(rep: dict[str, Any], f: dict[str, Any]) -> str:
    rl = record_line(rep)
    msg = f["message"]
    sug = f.get("suggestion")
    if sug is not None:
        msg += f" (suggested: {sug if len(sug) <= 80 else sug[:79] + '…'!r})"
    props: dict[str, Any] = {"file": display_path(rep["path"]), "title": f"qc {f['rule']} {f['name']}"}
    if rep.get("record") is not None:
        props["line"] = rl
        msg = f"[{rep['id']} line {f['line']} col {f['column']}] " + msg
    else:
        props.update(line=f["line"], col=f["column"])
        if f["end_line"] == f["line"]:
            props.update(endLine=f["end_line"], endColumn=f["end_column"])
        else:
            props.update(endLine=f["end_line"])
    return command(LEVEL.get(f["severity"], "warning"), msg, **props)


def lines(o: Outcome) -> list[str]:
    failing = o.gate.failing
    out: list[str] = []
    for doc_id, why in failing.items():
        rep = o.report_of(doc_id)
        path = display_path(rep["path"]) if rep else doc_id
        out.append(command("error", f"qc gate: {doc_id}: " + "; ".join(why), file=path,
                           line=record_line(rep) if rep else None, title="qc gate failed"))
    cands = list(o.new_findings())
    cands.sort(key=lambda rf: (rf[0]["id"] not in failing, SEVERITY_ORDER.get(rf[1]["severity"], 3)))
    room = max(0, o.max_annotations - len(out))
    for rep, f in cands[:room]:
        out.append(_annotation(rep, f))
    left = len(cands) - min(room, len(cands))
    if left:
        what = "new findings" if o.diff is not None else "findings"
        out.append(command("warning", f"qc: {left} more {what} not annotated (cap {o.max_annotations}); "
                                      "see the SARIF/HTML reports or the step summary", title="qc annotations capped"))
    for w in o.warnings:
        out.append(command("warning", w, title="qc"))
    for u in o.unused_suppressions:
        out.append(command("warning", f"suppression matched nothing: {u}", title="qc unused suppression"))
    c = o.counts()
    detail = f"{c['documents']} documents, {c['findings']} findings"
    if o.diff is not None:
        detail += f" ({c['new']} new, {c['unchanged']} in baseline, {c['fixed']} fixed)"
    if o.gate.passed:
        out.append(command("notice", f"qc gate passed: {detail}", title="qc"))
    else:
        names = ", ".join(list(failing)[:10]) + (" …" if len(failing) > 10 else "")
        corpus = "; ".join(o.gate.corpus)
        msg = f"qc gate failed: {detail}; {len(failing)} failing documents" + (f": {names}" if names else "")
        if corpus:
            msg += f"; {corpus}"
        out.append(command("error", msg, title="qc gate failed"))
    return out


def render(o: Outcome) -> str:
    return "\n".join(lines(o)) + "\n"
