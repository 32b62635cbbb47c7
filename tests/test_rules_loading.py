"""Rule files: loading, validation errors name the file and key, select/ignore, user folders."""
import shutil
from pathlib import Path

import pytest

from qc.cli import run
from qc.errors import ConfigError
from qc.rules import default_rules_dir, load_rules

GOOD = """id: EN90
name: test-rule
family: encoding
detector: replacement_chars
severity: warning
description: test
examples:
  fail: ["中文??中文"]
  pass: ["中文"]
"""


def user_rules(tmp_path: Path, text: str, name: str = "EN90-test-rule.yml") -> Path:
    d = tmp_path / "myrules"
    d.mkdir(exist_ok=True)
    (d / name).write_text(text, encoding="utf-8")
    return d


def test_default_rules_load_and_have_unique_ids():
    rs = load_rules()
    ids = [r.id for r in rs.rules]
    assert len(ids) == len(set(ids)) and ids == sorted(ids)
    assert {"EN01", "EN03", "EN05", "BP01"} <= set(ids)
    assert rs.digest and default_rules_dir().is_dir()


def test_user_folder_adds_a_rule(tmp_path):
    rs = load_rules(None, [user_rules(tmp_path, GOOD)])
    assert "EN90" in rs.by_id()


@pytest.mark.parametrize(
    "mutate,needle",
    [
        (lambda s: s.replace("detector: replacement_chars", "detector: no_such_detector"), "key 'detector'"),
        (lambda s: s.replace("severity: warning", "severity: fatal"), "key 'severity'"),
        (lambda s: s.replace("family: encoding", "family: pinyin"), "key 'family'"),
        (lambda s: s.replace("id: EN90", "id: XX90"), "key 'id'"),
        (lambda s: s.replace("name: test-rule", "name: Test Rule"), "key 'name'"),
        (lambda s: s + "params:\n  bogus: 1\n", "params.bogus"),
        (lambda s: s.replace("description: test\n", ""), "missing key 'description'"),
        (lambda s: s + "colour: red\n", "unknown key 'colour'"),
        (lambda s: s + "  - [unclosed\n", "malformed YAML"),
    ],
)
def test_bad_rule_files_are_config_errors(tmp_path, mutate, needle):
    d = user_rules(tmp_path, mutate(GOOD))
    with pytest.raises(ConfigError) as e:
        load_rules(None, [d])
    assert needle in str(e.value)
    assert "EN90-test-rule.yml" in str(e.value)


def test_bad_rules_exit_2_from_cli(tmp_path, capsys):
    d = user_rules(tmp_path, GOOD.replace("detector: replacement_chars", "detector: nope"))
    (tmp_path / "a.txt").write_text("中文")
    code = run(["scan", str(tmp_path / "a.txt"), "--rules", str(d), "--out", str(tmp_path / "out")])
    assert code == 2
    err = capsys.readouterr().err
    assert "EN90-test-rule.yml" in err and "detector" in err


def test_select_and_ignore():
    rs = load_rules()
    assert {r.id[:2] for r in rs.select(["EN"]).rules} == {"EN"}
    assert all(r.family == "boilerplate" for r in rs.select(["boilerplate"]).rules)
    assert "EN01" not in rs.select(None, ["EN01"]).by_id()
    assert rs.select(["EN01", "BP"], ["BP01"]).by_id().keys() >= {"EN01"}
