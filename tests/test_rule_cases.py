"""Every rule's YAML examples and fixture cases (tests/fixtures/rules/*.yml) pass."""
import pytest

from qc.rules import load_rules
from rulecases import all_cases, check_case

_RULESET = load_rules()
CASES = all_cases(_RULESET)


@pytest.mark.parametrize("rule_id,case", [(r, c) for r, _, c in CASES], ids=[i for _, i, _ in CASES])
def test_rule_case(rule_id, case):
    check_case(_RULESET, rule_id, case)


def test_every_rule_has_examples():
    for rule in _RULESET.rules:
        assert rule.examples.get("pass"), f"{rule.id} has no pass examples"
        if rule.detector not in ("file_encoding", "undecodable_bytes", "unscannable_file"):
            assert rule.examples.get("fail"), f"{rule.id} has no fail examples"
