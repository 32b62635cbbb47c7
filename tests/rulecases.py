"""Rule test cases as data: the ``examples`` of every rule YAML and ``tests/fixtures/rules/<ID>.yml``.

A fixture file looks like::

    rule: PY01
    cases:
      - name: annotated sentence          # optional
        text: "網(wǎng)絡(luò)"
        expect: fail                      # fail: the rule must fire; pass: it must not
        spans: [[1, 7]]                   # optional: exact [start, end) of findings of this rule
        covers: ["(wǎng)"]               # optional: substrings that some finding's span must contain
        suggestion: "網絡"                # optional: some finding's suggestion equals this
        corpus: ["另一篇文章……"]          # optional: other documents the profile is built from
"""
from __future__ import annotations

from pathlib import Path

import yaml

FIXTURES = Path(__file__).parent / "fixtures" / "rules"


def all_cases(ruleset):
    cases = []
    for rule in ruleset.rules:
        for kind in ("fail", "pass"):
            for i, ex in enumerate(rule.examples.get(kind) or []):
                case = dict(ex) if isinstance(ex, dict) else {"text": ex}
                case["expect"] = kind
                cases.append((rule.id, f"{rule.id}-yml-{kind}-{i}", case))
    if FIXTURES.is_dir():
        for path in sorted(FIXTURES.glob("*.yml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            rid = data["rule"]
            for i, case in enumerate(data.get("cases") or []):
                cases.append((rid, f"{rid}-{case.get('name', i)}", case))
    return cases


def run_case(ruleset, rule_id: str, case: dict):
    from qc.corpus import document_from_text
    from qc.engine import run_rules
    from qc.profile import build_profile

    rule = ruleset.by_id()[rule_id]
    doc = document_from_text(case["text"], "case.txt")
    others = [document_from_text(t, f"corpus-{i}.txt") for i, t in enumerate(case.get("corpus") or [])]
    profile = build_profile([doc, *others])
    findings, errors = run_rules(doc, [rule], profile)
    assert not errors, errors
    return doc, findings


def check_case(ruleset, rule_id: str, case: dict) -> None:
    doc, findings = run_case(ruleset, rule_id, case)
    text = case["text"]
    shown = [(f.start, f.end, text[f.start:f.end][:40], f.message[:60]) for f in findings]
    if case["expect"] == "pass":
        assert not findings, f"{rule_id} fired on a pass case: {shown}"
        return
    assert findings, f"{rule_id} did not fire on: {text[:80]!r}"
    for s, e in case.get("spans") or []:
        assert any(f.start == s and f.end == e for f in findings), f"no {rule_id} finding at [{s},{e}) {text[s:e]!r}; got {shown}"
    for sub in case.get("covers") or []:
        at = text.find(sub)
        assert at >= 0, f"covers {sub!r} not in text"
        assert any(f.start <= at and at + len(sub) <= f.end for f in findings), f"{sub!r} not covered; got {shown}"
    if "suggestion" in case:
        assert any(f.suggestion == case["suggestion"] for f in findings), \
            f"no suggestion {case['suggestion']!r}; got {[f.suggestion for f in findings]}"
    for f in findings:
        assert 0 <= f.start <= f.end <= len(text)
