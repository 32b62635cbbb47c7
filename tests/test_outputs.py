"""Output formats: SARIF 2.1.0 (validated against the official schema), JUnit XML, GitHub
workflow commands + step summary, GitLab Code Quality, Markdown, JSON — written together with
repeatable --output FORMAT=PATH."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from qc.cli import run
from qc.report.github import command, escape_property

from test_gate_ci import SELECT
from test_gate_policy import corpus  # noqa: F401 - fixture

SCHEMA = Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"
ALL = ["sarif", "junit", "github", "gitlab", "markdown", "json", "text"]
EXT = {"sarif": "sarif", "junit": "xml", "github": "txt", "gitlab": "json", "markdown": "md", "json": "json", "text": "txt"}


def scan_all(*extra: str) -> int:
    outs = []
    for f in ALL:
        outs += ["--output", f"{f}=out/qc-{f}.{EXT[f]}"]
    return run(["scan", "corpus", "-j", "1", "--no-html", "-q", *SELECT, *outs, *extra])


def read(fmt: str) -> str:
    return Path(f"out/qc-{fmt}.{EXT[fmt]}").read_text(encoding="utf-8")


@pytest.fixture
def bell(corpus):  # noqa: F811
    """A file with a C0 control character (not allowed in XML 1.0) and a zero-width space."""
    (corpus / "news" / "bell.txt").write_text("会议\x07现场，代表们\u200b认真听取了报告。\n", encoding="utf-8")
    return corpus


def test_every_format_in_one_run(bell):
    rc = scan_all("--fail-on", "warn")
    assert rc == 1
    for f in ALL:
        assert read(f).strip(), f
    gate = json.loads(read("json"))
    assert gate["schema"] == "qc.gate/1" and not gate["passed"]
    assert json.loads(Path("reports/gate.json").read_text(encoding="utf-8")) == gate  # kept with the reports
    assert "gate FAILED" in read("text")


def _validate(doc: dict) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def test_sarif_valid_and_precise(bell):
    scan_all()
    log = json.loads(read("sarif"))
    _validate(log)
    run_ = log["runs"][0]
    assert log["version"] == "2.1.0" and run_["columnKind"] == "unicodeCodePoints"
    rules = run_["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert set(ids) >= {"EN01", "EN02", "BP02"}
    for r in rules:
        assert r["help"]["text"] and f"rules/{r['id']}.html" in r["help"]["markdown"]
        assert r["properties"]["helpPage"] == f"rules/{r['id']}.html"
    assert run_["results"]
    for res in run_["results"]:
        assert ids[res["ruleIndex"]] == res["ruleId"]
        assert res["partialFingerprints"]["qcFingerprint/v1"]
        assert "baselineState" not in res  # no baseline in this run
        loc = res["locations"][0]["physicalLocation"]
        region = loc["region"]
        text = Path(loc["artifactLocation"]["uri"]).read_text(encoding="utf-8")
        # 1-based code-point columns select exactly the finding's text on its line
        if region["startLine"] == region["endLine"] and region["endColumn"] > region["startColumn"]:
            line = text.split("\n")[region["startLine"] - 1]
            got = line[region["startColumn"] - 1:region["endColumn"] - 1]
            assert got == text[region["charOffset"]:region["charOffset"] + region["charLength"]]
            if len(got) <= 100:
                assert got == res["properties"]["excerpt"]
    zw = [r for r in run_["results"] if r["ruleId"] == "EN02" and "bell.txt" in r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]]
    assert any(r["locations"][0]["physicalLocation"]["region"]["startColumn"] == 3 for r in zw)  # 会议|\x07 → column 3


def test_sarif_baseline_state_and_suppressions(bell):
    assert run(["baseline", "create", "corpus", "-j", "1", *SELECT]) == 0
    (bell / "news" / "new.txt").write_text("据报道，" + "代表".encode("latin-1", "replace").decode("latin-1") + "们到场。\n", encoding="utf-8")
    Path(".qc-allowlist.yml").write_text("allow:\n  - rule: BP02\n    pattern: logo\n    reason: logo line\n", encoding="utf-8")
    assert scan_all("--baseline", ".qc-baseline.json") == 1
    log = json.loads(read("sarif"))
    _validate(log)
    results = log["runs"][0]["results"]
    states = {r.get("baselineState") for r in results if "suppressions" not in r}
    assert states == {"new", "unchanged"}
    new = [r for r in results if r.get("baselineState") == "new"]
    assert all("new.txt" in r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in new)
    sup = [r for r in results if "suppressions" in r]
    assert sup and sup[0]["suppressions"][0]["kind"] == "external" and "logo line" in sup[0]["suppressions"][0]["justification"]
    # the GitHub annotations point at the new finding only
    ann = [ln for ln in read("github").splitlines() if "title=qc EN01" in ln]
    assert ann and all("new.txt" in ln for ln in ann)


def test_junit_counts(bell):
    scan_all("--fail-on", "warn")
    gate = json.loads(read("json"))
    root = ET.fromstring(read("junit").encode("utf-8"))  # parses: no raw control characters
    suite = root.find("testsuite")
    cases = suite.findall("testcase")
    summary = json.loads(Path("reports/summary.json").read_text(encoding="utf-8"))
    assert int(suite.get("tests")) == len(cases) == len(summary["files"]) == int(root.get("tests"))
    failed = {c.get("name") for c in cases if c.find("failure") is not None}
    assert failed == set(gate["failing"]) and int(suite.get("failures")) == len(failed)
    assert int(suite.get("errors")) == 0
    assert len({c.get("name") for c in cases}) == len(cases)
    bell_case = next(c for c in cases if c.get("name") == "news/bell.txt")
    assert "text: <U+0007>" in bell_case.find("failure").text


def test_junit_corpus_case(corpus):  # noqa: F811
    scan_all("--max-corpus-ratio", "encoding=0.0001")
    suite = ET.fromstring(read("junit").encode("utf-8")).find("testsuite")
    corpus_case = [c for c in suite.findall("testcase") if c.get("name") == "corpus"]
    assert len(corpus_case) == 1 and corpus_case[0].find("failure") is not None


ANNOTATION = re.compile(r"^::(error|warning|notice)(?: ([A-Za-z]+=[^,:\r\n]*(?:,[A-Za-z]+=[^,:\r\n]*)*))?::[^\r\n]*$")


def test_github_annotations_well_formed_and_capped(bell):
    Path("qc.toml").write_text("max_annotations = 3\n", encoding="utf-8")
    scan_all("--fail-on", "warn")
    lines = read("github").splitlines()
    for ln in lines:
        assert ANNOTATION.match(ln), ln
    findings = [ln for ln in lines if "title=qc EN" in ln or "title=qc BP" in ln]
    gate_lines = [ln for ln in lines if "title=qc gate failed" in ln]
    assert len(findings) + len(gate_lines) - 1 <= 3  # the closing summary line is extra
    assert any("not annotated (cap 3)" in ln for ln in lines)
    assert lines[-1].startswith("::error title=qc gate failed::qc gate failed")
    for ln in findings:
        props = dict(p.split("=", 1) for p in ln.split("::")[1].split(" ", 1)[1].split(","))
        assert props["file"].startswith("corpus/") and int(props["line"]) >= 1 and int(props["col"]) >= 1
    assert not any("\x07" in ln or "\u200b" in ln for ln in lines)


def test_github_escaping():
    assert command("error", "50% done\r\nnext", file="a,b:c.txt", line=3) == "::error file=a%2Cb%3Ac.txt,line=3::50%25 done%0D%0Anext"
    assert escape_property("x\u200by") == "x<U+200B>y"
    assert command("notice", "fine") == "::notice::fine"


def test_github_step_summary_is_appended(bell, monkeypatch):
    summary = Path("step-summary.md")
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary.resolve()))
    run(["scan", "corpus", "-j", "1", "--no-html", "-q", *SELECT, "--output", f"markdown={summary}"])
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n## ") and "qc gate" in text


def test_gitlab_code_quality(bell):
    scan_all()
    issues = json.loads(read("gitlab"))
    assert issues and isinstance(issues, list)
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    for i in issues:
        assert i["check_name"].startswith("qc/") and i["description"]
        assert i["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert i["location"]["path"].startswith("corpus/") and i["location"]["lines"]["begin"] >= 1


def test_markdown_summary(bell):
    scan_all("--fail-on", "warn")
    md = read("markdown")
    assert md.startswith("## ❌ qc gate failed")
    assert "### Failing" in md and "| document | why |" in md
    assert "<U+0007>" in md and "\x07" not in md
    assert "(rules/EN01.html)" in md


def test_format_on_stdout(bell, capsys):
    capsys.readouterr()
    rc = run(["scan", "corpus", "-j", "1", "--no-html", "-q", *SELECT, "--format", "sarif"])
    assert rc == 1  # bell.txt is short: its control characters fail it
    out = capsys.readouterr().out
    assert json.loads(out)["version"] == "2.1.0"
