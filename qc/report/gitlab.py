"""GitLab Code Quality report (``artifacts: reports: codequality``): a JSON array with one issue
per active finding — description, check_name, fingerprint, severity, location.path/lines.begin.
GitLab compares the merge request's report with the target branch's itself, so every finding is
listed (suppressed ones are not). Fingerprints are unique per issue: qc's fingerprint plus the
path and an occurrence number, hashed.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

from .formats import Outcome, display_path, record_line

SEVERITY = {"info": "info", "warning": "minor", "error": "major"}


def issues(o: Outcome) -> list[dict[str, Any]]:
    out = []
    seen: dict[str, int] = {}
    for rep, f in o.findings():
        path = display_path(rep["path"])
        base = f"{path}\x1f{rep['id']}\x1f{f['fingerprint']}"
        n = seen.get(base, 0)
        seen[base] = n + 1
        fp = hashlib.md5(f"{base}\x1f{n}".encode("utf-8", "surrogatepass")).hexdigest()
        rl = record_line(rep)
        if rep.get("record") is not None:
            lines = {"begin": rl or 1}
            desc = f"{f['rule']} {f['name']}: [{rep['id']} line {f['line']}] {f['message']}"
        else:
            lines = {"begin": f["line"], "end": f["end_line"]}
            desc = f"{f['rule']} {f['name']}: {f['message']}"
        sev = SEVERITY.get(f["severity"], "minor")
        if rep["id"] in o.gate.failing and f["severity"] == "error":
            sev = "critical"
        out.append({
            "type": "issue",
            "check_name": f"qc/{f['rule']}",
            "description": desc,
            "content": {"body": f"Rule page: {o.rule_page(f['rule'])}\n\nText: `{f.get('excerpt') or ''}`"},
            "categories": ["Style"],
            "fingerprint": fp,
            "severity": sev,
            "location": {"path": path, "lines": lines},
        })
    return out


def render(o: Outcome) -> str:
    return json.dumps(issues(o), ensure_ascii=False, indent=1) + "\n"
