"""Gate policy (verdicts, severities, per-file and corpus ratio limits, --exit-zero), its config
keys, and suppressions (.qcignore, per-file-ignores, allowlist) with their unused report."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from qc.cli import run
from qc.gate import Policy, evaluate, parse_ratio_flags

from test_gate_ci import DAMAGED_LINES, SELECT, article, latin1_loss


@pytest.fixture
def corpus(tmp_path, monkeypatch):
    c = tmp_path / "corpus"
    (c / "news").mkdir(parents=True)
    (c / "legacy").mkdir()
    (c / "news" / "ok.txt").write_text(article(1), encoding="utf-8")
    # one lossy '???' run in a long article: an error finding, but a small encoding ratio
    (c / "news" / "one-loss.txt").write_text(article(2, 8) + "据报道，" + latin1_loss("代表") + "们参加了会议。\n", encoding="utf-8")
    (c / "legacy" / "old.txt").write_text(article(3, 3) + "\n".join(DAMAGED_LINES) + "\n![logo](logo.png)\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return c


def gate(*extra: str) -> tuple[int, dict]:
    rc = run(["scan", "corpus", "-j", "1", "--no-html", "-q", *SELECT, "--output", "json=gate.json", *extra])
    data = json.loads(Path("gate.json").read_text(encoding="utf-8")) if rc in (0, 1) else {}
    return rc, data


def report(doc: str) -> dict:
    return json.loads(Path("reports/files", doc + ".json").read_text(encoding="utf-8"))


def test_verdict_policy_and_severity(corpus):
    rc, g = gate()
    assert rc == 0, g["reasons"]  # a single '???' run is a warning-level verdict, not a fail
    rc, g = gate("--fail-on", "warn")
    assert rc == 1 and "news/one-loss.txt" in g["failing"] and "news/ok.txt" not in g["failing"]
    rc, g = gate("--fail-on-severity", "error")
    assert rc == 1 and "news/one-loss.txt" in g["failing"]
    assert "EN01" in g["failing"]["news/one-loss.txt"][0]


def test_ratio_limits(corpus):
    rc, g = gate("--max-ratio", "encoding=0.5")
    assert rc == 0
    rc, g = gate("--max-ratio", "encoding=0.001")
    assert rc == 1 and set(g["failing"]) == {"news/one-loss.txt", "legacy/old.txt"}
    assert "encoding_ratio" in g["failing"]["legacy/old.txt"][0]
    rc, g = gate("--max-corpus-ratio", "encoding=0.0001")
    assert rc == 1 and g["corpus"] and g["corpus"][0].startswith("corpus encoding_ratio")
    assert 0 < g["corpus_metrics"]["encoding"] < 0.1
    rc, g = gate("--max-corpus-ratio", "encoding=0.5")
    assert rc == 0


def test_exit_zero_reports_but_passes(corpus):
    rc, g = gate("--fail-on", "warn", "--exit-zero")
    assert rc == 0 and g["passed"] is False and g["exit_code"] == 0 and g["failing"]


def test_config_keys(corpus):
    Path("qc.toml").write_text('fail_on_severity = "error"\n[max-ratio]\nboilerplate = 0.9\n', encoding="utf-8")
    rc, g = gate()
    assert rc == 1 and "fail-on-severity error" in g["policy"]
    rc, g = gate("--fail-on-severity", "never")  # flags win
    assert rc == 0
    Path("qc.toml").write_text('exit_zero = true\nfail_on = "warn"\n', encoding="utf-8")
    assert gate()[0] == 0


@pytest.mark.parametrize("toml", [
    'fail_on_severity = "fatal"\n',
    '[max_ratio]\nspelling = 0.1\n',
    '[max_corpus_ratio]\nencoding = 2\n',
    'exit_zero = "yes"\n',
    '[per-file-ignores]\n"a/**" = 3\n',
    'formats = ["sarif"]\n',
])
def test_bad_config_exits_2(corpus, toml, capsys):
    Path("qc.toml").write_text(toml, encoding="utf-8")
    assert gate()[0] == 2
    assert "qc.toml" in capsys.readouterr().err


@pytest.mark.parametrize("args", [["--max-ratio", "encoding"], ["--max-ratio", "nope=0.1"], ["--format", "xml"],
                                  ["--output", "sarif"], ["--output", "pdf=x.pdf"], ["--fail-on-severity", "bad"]])
def test_bad_flags_exit_2(corpus, args):
    assert run(["scan", "corpus", "-q", "--no-html", *args]) == 2


def test_policy_api():
    rows = [{"id": "a", "verdict": "warn", "score": 80.0, "status": "ok", "chars": 100,
             "metrics": {"encoding_ratio": 0.2}},
            {"id": "b", "verdict": "pass", "score": 100.0, "status": "ok", "chars": 300, "metrics": {}}]
    assert evaluate(rows, "fail").passed
    assert not evaluate(rows, "warn").passed
    g = evaluate(rows, Policy(max_corpus_ratio={"encoding": 0.04}))
    assert not g.passed and g.corpus_metrics["encoding"] == 0.05
    assert parse_ratio_flags(["encoding=0.1,pinyin_ratio=0.2"], "--max-ratio") == {"encoding": 0.1, "pinyin": 0.2}
    with pytest.raises(ValueError):
        Policy(fail_on="sometimes")


# --- suppressions -----------------------------------------------------------------------------

def test_qcignore_skips_files_and_reports_unused_patterns(corpus):
    Path(".qcignore").write_text("# legacy dump, cleaned elsewhere\ncorpus/legacy/\n*.bak.txt\n", encoding="utf-8")
    rc, g = gate("--fail-on", "warn", "--fail-on-severity", "never")
    assert "legacy/old.txt" not in g["failing"]
    summary = json.loads(Path("reports/summary.json").read_text(encoding="utf-8"))
    assert all(not f["id"].startswith("legacy/") for f in summary["files"])
    assert any("*.bak.txt" in u for u in g["unused_suppressions"])
    assert not any("corpus/legacy/" in u for u in g["unused_suppressions"])


def test_per_file_ignores(corpus):
    Path("qc.toml").write_text('[per-file-ignores]\n"corpus/legacy/**" = ["EN", "boilerplate"]\n"corpus/none/*" = ["EN02"]\n',
                               encoding="utf-8")
    rc, g = gate("--max-ratio", "encoding=0.001")
    assert "legacy/old.txt" not in g["failing"] and "news/one-loss.txt" in g["failing"]
    rep = report("legacy/old.txt")
    assert rep["findings"] == [] and rep["metrics"]["encoding_ratio"] == 0.0
    assert {s["rule"] for s in rep["suppressed"]} >= {"EN01", "EN02", "BP02"}
    assert all(s["suppressed_by"] == "per-file-ignores:corpus/legacy/**" for s in rep["suppressed"])
    assert any("corpus/none/*" in u for u in g["unused_suppressions"])


def test_allowlist(corpus):
    Path(".qc-allowlist.yml").write_text(
        "allow:\n"
        "  - rule: EN02\n    text: \"\\u200b\"\n    reason: zero-width spaces are stripped by our loader\n"
        "  - rule: BP02\n    pattern: '^!\\[logo\\]'\n    paths: ['corpus/legacy/*']\n    reason: site logo, removed downstream\n"
        "  - rule: EN01\n    text: never matches\n    reason: stale entry\n",
        encoding="utf-8")
    rc, g = gate()
    rep = report("legacy/old.txt")
    assert {f["rule"] for f in rep["findings"]} == {"EN01"}
    sup = {(s["rule"], s["suppressed_by"]) for s in rep["suppressed"]}
    assert sup == {("EN02", "allowlist:1"), ("BP02", "allowlist:2")}
    assert all(s["reason"] for s in rep["suppressed"])
    assert len(g["unused_suppressions"]) == 1 and "never matches" in g["unused_suppressions"][0]
    assert g["counts"]["suppressed"] == 3  # two zero-width spaces and the logo line


@pytest.mark.parametrize("entry", [
    "  - rule: EN02\n    text: x\n",  # no reason
    "  - rule: EN02\n    text: x\n    pattern: y\n    reason: r\n",  # both
    "  - rule: EN02\n    pattern: '('\n    reason: r\n",  # bad regex
    "  - rule: EN02\n    text: x\n    reason: r\n    why: extra\n",  # unknown key
])
def test_bad_allowlist_exits_2(corpus, entry, capsys):
    Path(".qc-allowlist.yml").write_text("allow:\n" + entry, encoding="utf-8")
    assert gate()[0] == 2
    assert ".qc-allowlist.yml: entry 1" in capsys.readouterr().err


# --- the shipped integrations ---------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent


def test_example_config_and_allowlist_are_valid(tmp_path):
    from qc.config import _load
    from qc.suppress import load_allowlist

    cfg = _load(ROOT / "examples" / "qc.toml", section=None)
    assert cfg["per_file_ignores"] and cfg["max_ratio"]["encoding"] == 0.02
    Policy(fail_on=cfg["fail_on"], fail_on_severity=cfg["fail_on_severity"], max_ratio=cfg["max_ratio"],
           max_corpus_ratio=cfg["max_corpus_ratio"])
    assert all(a.reason for a in load_allowlist(ROOT / "examples" / "qc-allowlist.yml"))


def test_github_workflow_and_pre_commit_hooks():
    import yaml

    wf = yaml.safe_load((ROOT / "examples" / "github-actions.yml").read_text(encoding="utf-8"))
    assert "pull_request" in wf.get("on", wf.get(True))  # YAML 1.1 reads the key `on` as True
    steps = wf["jobs"]["qc"]["steps"]
    uses = [s.get("uses", "") for s in steps]
    assert any(u.startswith("github/codeql-action/upload-sarif") for u in uses)
    assert any(u.startswith("actions/upload-artifact") for u in uses)
    scan_step = next(s["run"] for s in steps if "qc scan" in s.get("run", ""))
    for flag in ("--changed-since", "--baseline", "--format github", "--output sarif=", "$GITHUB_STEP_SUMMARY"):
        assert flag in scan_step
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert {h["id"] for h in hooks} == {"qc", "qc-changed"}
    for h in hooks:
        assert h["entry"].startswith("qc scan") and h["language"] == "python"


def test_corpus_ratios_stream_rows_in_one_pass():
    """Rows may be millions, spooled on disk: the corpus ratios read them once, as an iterator,
    weighting each readable document's ratio by its characters."""
    from qc.gate import corpus_ratios

    rows = [{"status": "ok", "chars": 100, "metrics": {"encoding_ratio": 0.5}},
            {"status": "ok", "chars": 300, "metrics": {"encoding_ratio": 0.1, "script_ratio": 0.2}},
            {"status": "unreadable", "chars": 0, "metrics": {}}]
    got = corpus_ratios(iter(rows))
    assert got["encoding"] == 0.2
    assert got["script"] == 0.15 and corpus_ratios(iter([])) == dict.fromkeys(got, 0.0)
