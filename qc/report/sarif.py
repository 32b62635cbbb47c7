"""SARIF 2.1.0 log of a scan, for GitHub code scanning and other SARIF viewers.

- ``columnKind: unicodeCodePoints``; lines and columns are 1-based and count code points, as the
  JSON reports do, so a viewer highlights exactly the finding's span.
- every result carries ``partialFingerprints`` (qc's line-independent fingerprint, and a looser
  one without context) and, with a baseline, ``baselineState`` (``new`` / ``unchanged``).
- suppressed findings are included with a ``suppressions`` entry giving the reason.
- each rule has help text (what it does, why, known false positives) and a link to its page,
  ``rules/<ID>.html`` in the report folder (``helpUri`` when ``rule_docs_url`` is configured,
  since SARIF wants an absolute URI there).
- a suggestion becomes a ``fix`` replacing the span (whole-file documents only).
Records inside a file (``a.jsonl#L12``) point at their line in the file; their inner line and
column are in the message.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .. import __version__
from ..baseline import loose_key
from .formats import Outcome, path_uri, record_line

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _rule_descriptor(rule: Any, o: Outcome) -> dict[str, Any]:
    page = o.rule_page(rule.id)
    desc = " ".join((rule.description or "").split())
    parts = [desc]
    md = [f"**{rule.id} {rule.name}** ({rule.family}, {rule.severity})", "", desc]
    if rule.rationale:
        why = " ".join(rule.rationale.split())
        parts.append("Why it matters: " + why)
        md += ["", "**Why it matters.** " + why]
    if rule.false_positives:
        fp = " ".join(rule.false_positives.split())
        parts.append("Known false positives: " + fp)
        md += ["", "**Known false positives.** " + fp]
    parts.append(f"Rule page: {page}")
    md += ["", f"[Rule page]({page})"]
    d: dict[str, Any] = {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": f"{rule.id} {rule.name}"},
        "fullDescription": {"text": desc or rule.name},
        "help": {"text": "\n\n".join(parts), "markdown": "\n".join(md)},
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": {"family": rule.family, "tags": ["qc", rule.family], "helpPage": page},
    }
    if o.rule_docs_url:
        d["helpUri"] = page
    return d


def _region(f: dict[str, Any], rep: dict[str, Any]) -> dict[str, Any] | None:
    rl = record_line(rep)
    if rep.get("record") is not None:
        return {"startLine": rl} if rl else None
    region = {
        "startLine": f["line"],
        "startColumn": f["column"],
        "endLine": f["end_line"],
        "endColumn": f["end_column"],
        "charOffset": f["start"],
        "charLength": f["end"] - f["start"],
    }
    excerpt = f.get("excerpt") or ""
    if excerpt and len(excerpt) == f["end"] - f["start"]:  # the excerpt is the whole span, not cut
        region["snippet"] = {"text": excerpt}
    return region


def _result(rep: dict[str, Any], f: dict[str, Any], rule_index: dict[str, int], art: dict[str, Any], o: Outcome,
            suppression: dict[str, Any] | None = None) -> dict[str, Any]:
    msg = f["message"]
    if rep.get("record") is not None:
        msg += f" (record {rep['id']}, line {f['line']}, column {f['column']} of the record text)"
    if f.get("suggestion") is not None:
        msg += f" Suggested replacement: {f['suggestion']!r}."
    loc: dict[str, Any] = {"artifactLocation": art}
    region = _region(f, rep)
    if region:
        loc["region"] = region
    location: dict[str, Any] = {"physicalLocation": loc}
    if rep.get("record") is not None:
        location["logicalLocations"] = [{"name": rep["id"], "kind": "element"}]
    r: dict[str, Any] = {
        "ruleId": f["rule"],
        "level": LEVEL.get(f["severity"], "warning"),
        "message": {"text": msg},
        "locations": [location],
        "partialFingerprints": {"qcFingerprint/v1": f["fingerprint"], "qcLooseFingerprint/v1": loose_key(f)},
        "properties": {"family": f["family"], "document": rep["id"], "excerpt": f.get("excerpt") or ""},
    }
    if f["rule"] in rule_index:
        r["ruleIndex"] = rule_index[f["rule"]]
    if o.diff is not None and f.get("baseline_state"):
        r["baselineState"] = f["baseline_state"]
    if suppression is not None:
        r["suppressions"] = [suppression]
    if f.get("suggestion") is not None and rep.get("record") is None and region:
        r["fixes"] = [{
            "description": {"text": f"Replace with {f['suggestion']!r}"},
            "artifactChanges": [{
                "artifactLocation": art,
                "replacements": [{"deletedRegion": {k: region[k] for k in ("charOffset", "charLength")},
                                  "insertedContent": {"text": f["suggestion"]}}],
            }],
        }]
    return r


def build(o: Outcome) -> dict[str, Any]:
    rules = list(o.ruleset.rules) if o.ruleset is not None else []
    rule_index = {r.id: i for i, r in enumerate(rules)}
    artifacts: list[dict[str, Any]] = []
    art_index: dict[str, int] = {}
    results: list[dict[str, Any]] = []
    for rep in o.reports:
        found = rep.get("findings") or []
        supp = rep.get("suppressed") or []
        if not found and not supp:
            continue
        uri, rel = path_uri(rep["path"])
        if uri not in art_index:
            art_index[uri] = len(artifacts)
            a: dict[str, Any] = {"location": {"uri": uri, **({"uriBaseId": "SRCROOT"} if rel else {})}}
            if rep.get("sha256"):
                a["hashes"] = {"sha-256": rep["sha256"]}
            if rep.get("encoding", {}).get("name"):
                a["encoding"] = rep["encoding"]["name"]
            artifacts.append(a)
        art = {"uri": uri, **({"uriBaseId": "SRCROOT"} if rel else {}), "index": art_index[uri]}
        for f in found:
            results.append(_result(rep, f, rule_index, art, o))
        for f in supp:
            s = {"kind": "external", "status": "accepted", "justification": f"{f.get('suppressed_by')}: {f.get('reason')}"}
            results.append(_result(rep, f, rule_index, art, o, s))
    notes: list[dict[str, Any]] = []
    for rep in o.reports:
        for e in rep.get("rule_errors") or ():
            notes.append({"level": "error", "message": {"text": f"{rep['id']}: rule {e['rule']} crashed: {e['error']}"},
                          "descriptor": {"id": e["rule"]}})
    config_notes = [{"level": "warning", "message": {"text": w}} for w in o.warnings]
    config_notes += [{"level": "warning", "message": {"text": f"suppression matched nothing: {u}"}} for u in o.unused_suppressions]
    invocation: dict[str, Any] = {"executionSuccessful": True, "exitCode": o.exit_code}
    if notes:
        invocation["toolExecutionNotifications"] = notes
    if config_notes:
        invocation["toolConfigurationNotifications"] = config_notes
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "qc", "version": __version__, "semanticVersion": __version__,
                            "rules": [_rule_descriptor(r, o) for r in rules]}},
        "invocations": [invocation],
        "originalUriBaseIds": {"SRCROOT": {"uri": Path(os.getcwd()).as_uri().rstrip("/") + "/"}},
        "artifacts": artifacts,
        "results": results,
        "columnKind": "unicodeCodePoints",
        "properties": {
            "gatePassed": o.gate.passed,
            "gateReasons": o.gate.reasons[:200],
            "rulesetDigest": o.ruleset.digest if o.ruleset is not None else "",
        },
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(o: Outcome) -> str:
    return json.dumps(build(o), ensure_ascii=False, indent=1) + "\n"
