"""JUnit XML: one ``testcase`` per checked document (name = its id), so CI systems that chart
test results chart corpus quality. A document that fails the gate is a ``failure`` (an
``error`` when it could not be read at all); its findings are listed in the failure body, a
passing document's findings in ``system-out``. Corpus-wide limits add a ``corpus`` testcase.
Characters XML 1.0 forbids (controls found in corpus text) are shown as ``<U+0007>``.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from .formats import Outcome, visible

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
MAX_LISTED = 200


def xml_text(s: str) -> str:
    return _XML_BAD.sub(lambda m: f"<U+{ord(m.group()):04X}>", s)


def _finding_lines(rep: dict[str, Any], findings: list[dict[str, Any]]) -> str:
    out = []
    for f in findings[:MAX_LISTED]:
        state = f" [{f['baseline_state']}]" if f.get("baseline_state") else ""
        ex = visible(f.get("excerpt") or "")
        ex = ex if len(ex) <= 60 else ex[:59] + "…"
        out.append(f"{rep['id']}:{f['line']}:{f['column']}: {f['severity']} {f['rule']} {f['name']}{state}: {f['message']}"
                   + (f" — text: {ex}" if ex.strip() else ""))
    if len(findings) > MAX_LISTED:
        out.append(f"… {len(findings) - MAX_LISTED} more")
    return "\n".join(out)


def build(o: Outcome) -> ET.Element:
    suite = ET.Element("testsuite", name="qc")
    tests = failures = errors = 0
    for row in o.rows:
        rep = o.report_of(row["id"]) or {"id": row["id"], "findings": []}
        tests += 1
        parent = row["path"].replace("\\", "/").rsplit("/", 1)[0] if "/" in row["path"] else "."
        tc = ET.SubElement(suite, "testcase", name=xml_text(row["id"]), classname=xml_text("qc." + parent.replace("/", ".")),
                           file=xml_text(row["path"]), time="0")
        findings = rep.get("findings") or []
        why = o.gate.failing.get(row["id"])
        if why:
            unreadable = row.get("status") in ("unreadable",)
            tag = "error" if unreadable else "failure"
            el = ET.SubElement(tc, tag, message=xml_text("; ".join(why)), type=f"qc.{row['verdict']}")
            el.text = xml_text(_finding_lines(rep, findings) or (row.get("error") or ""))
            if unreadable:
                errors += 1
            else:
                failures += 1
        elif findings:
            ET.SubElement(tc, "system-out").text = xml_text(_finding_lines(rep, findings))
    if o.policy.max_corpus_ratio:
        tests += 1
        tc = ET.SubElement(suite, "testcase", name="corpus", classname="qc.corpus", time="0")
        if o.gate.corpus:
            ET.SubElement(tc, "failure", message=xml_text("; ".join(o.gate.corpus)), type="qc.corpus")
            failures += 1
    seconds = f"{o.stats.seconds:.3f}" if o.stats is not None else "0"
    for k, v in (("tests", tests), ("failures", failures), ("errors", errors), ("skipped", 0), ("time", seconds)):
        suite.set(k, str(v))
    root = ET.Element("testsuites", name="qc", tests=str(tests), failures=str(failures), errors=str(errors), time=seconds)
    root.append(suite)
    return root


def render(o: Outcome) -> str:
    root = build(o)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
