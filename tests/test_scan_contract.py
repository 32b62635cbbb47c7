"""The report contract (qc.file-report/1), the summary, determinism, and bad inputs in one scan."""
import json
import os
from pathlib import Path

import pytest

from qc.cli import run
from qc.corpus import SourceFile, read_file

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
REPORT_KEYS = {"schema", "id", "path", "status", "sha256", "size_bytes", "chars", "lines", "encoding",
               "language", "metadata", "metrics", "score", "verdict", "findings"}
FINDING_KEYS = {"rule", "name", "family", "severity", "start", "end", "line", "column", "end_line",
                "end_column", "excerpt", "message", "suggestion", "fingerprint"}
FAMILIES = {"encoding", "script", "pinyin", "offtopic", "boilerplate", "format"}


def scan(args, capsys=None):
    code = run(["scan", *map(str, args)])
    return code


def load_reports(out: Path):
    return {p.relative_to(out / "files").as_posix(): json.loads(p.read_text(encoding="utf-8"))
            for p in sorted((out / "files").rglob("*.json"))}


def check_report(rep: dict, text: str | None):
    assert REPORT_KEYS <= rep.keys()
    assert rep["schema"] == "qc.file-report/1"
    assert rep["verdict"] in ("pass", "warn", "fail") and 0 <= rep["score"] <= 100
    assert set(rep["metrics"]) == {f"{f}_ratio" for f in FAMILIES}
    assert all(0.0 <= v <= 1.0 for v in rep["metrics"].values())
    for f in rep["findings"]:
        assert FINDING_KEYS <= f.keys(), f
        assert f["family"] in FAMILIES and f["severity"] in ("info", "warning", "error")
        assert f["rule"][:2] in ("EN", "SC", "PY", "OT", "BP", "FM")
        assert 0 <= f["start"] <= f["end"] <= rep["chars"]
        if text is not None:
            span = text[f["start"]:f["end"]]
            if len(span) <= 150:
                assert f["excerpt"] == span
            line = text.count("\n", 0, f["start"]) + 1
            col = f["start"] - (text.rfind("\n", 0, f["start"]) + 1) + 1
            assert (f["line"], f["column"]) == (line, col)
            for a, b in f.get("parts") or []:
                assert f["start"] <= a < b <= f["end"]


def test_seed_reports_follow_the_contract(tmp_path):
    out = tmp_path / "out"
    code = scan([SEEDS, "--out", out, "-j", "1", "--fail-on", "never"])
    assert code == 0
    reports = load_reports(out)
    assert sorted(reports) == sorted(p.name + ".json" for p in SEEDS.glob("*.txt"))
    for name, rep in reports.items():
        src = SEEDS / name[:-5]
        doc = next(read_file(SourceFile(str(src), src.name)))
        assert rep["sha256"] == doc.sha256 and rep["size_bytes"] == src.stat().st_size
        assert rep["chars"] == len(doc.text)
        check_report(rep, doc.text)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["schema"] == "qc.summary/1"
    assert summary["totals"]["documents"] == 5
    assert summary["settings"]["ruleset_digest"] and summary["settings"]["qc_version"]
    assert {r["report"] for r in summary["files"]} == {f"files/{n}" for n in reports}
    csv = (out / "summary.csv").read_text().splitlines()
    assert len(csv) == 6 and csv[0].startswith("id,path,status,score,verdict")


def test_same_input_same_bytes_for_any_jobs(tmp_path):
    outs = []
    for i, jobs in enumerate(["1", "1", "2"]):
        out = tmp_path / f"out{i}"
        assert scan([SEEDS, "--out", out, "-j", jobs, "--fail-on", "never", "-q"]) == 0
        outs.append(out)
    def blobs(out):
        return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*.json"))}
    a, b, c = map(blobs, outs)
    assert a == b == c


def test_bad_inputs_never_stop_the_scan(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    good = "世界互联网大会在乌镇开幕，来自全球的嘉宾参会。"
    (corpus / "good.txt").write_text(good, encoding="utf-8")
    (corpus / "gbk.txt").write_bytes((good * 3).encode("gbk"))
    (corpus / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "invalid.txt").write_bytes(good.encode() + b"\xff\xfe\xfa" + good.encode())
    (corpus / "nested" / "deeper").mkdir(parents=True)
    (corpus / "nested" / "deeper" / "x.md").write_text("# 标题\n\n" + good)
    os.symlink(corpus / "missing-target.txt", corpus / "dangling.txt")
    out = tmp_path / "out"
    code = scan([corpus, tmp_path / "does-not-exist.txt", "--out", out, "-j", "1", "--fail-on", "never", "-q"])
    assert code == 0
    summary = json.loads((out / "summary.json").read_text())
    by_id = {r["id"]: r for r in summary["files"]}
    st = {k: v["status"] for k, v in by_id.items()}
    assert st["corpus/good.txt"] == "ok"
    assert st["corpus/gbk.txt"] == "ok" and by_id["corpus/gbk.txt"]["encoding"] in ("gb2312", "gbk", "gb18030")
    assert st["corpus/binary.txt"] == "binary"
    assert st["corpus/empty.txt"] == "empty"
    assert st["corpus/invalid.txt"] == "ok"
    assert st["corpus/dangling.txt"] == "unreadable"
    assert st["does-not-exist.txt"] == "unreadable"
    assert st["corpus/nested/deeper/x.md"] == "ok"
    reports = {r["id"]: r for r in load_reports(out).values()}
    rules_of = lambda i: {f["rule"] for f in reports[i]["findings"]}
    assert "EN03" in rules_of("corpus/gbk.txt")
    assert "EN05" in rules_of("corpus/binary.txt") and reports["corpus/binary.txt"]["verdict"] == "fail"
    assert "EN04" in rules_of("corpus/invalid.txt")
    assert "No such file" in reports["corpus/dangling.txt"]["error"] or "cannot read" in reports["corpus/dangling.txt"]["error"]
    for rep in reports.values():
        check_report(rep, None)
    # nothing outside out/, no temp files left
    assert not [p for p in out.rglob(".tmp-*")]


def test_report_paths_stay_inside_out(tmp_path):
    from qc.report.files import report_relpath

    assert report_relpath("../../etc/passwd") == "files/etc/passwd.json"
    assert report_relpath("/abs/x.txt") == "files/abs/x.txt.json"
    assert report_relpath("a.jsonl#L3") == "files/a.jsonl/L3.json"
    assert report_relpath("bad\nname.txt") == "files/bad_name.txt.json"


def test_python_api(tmp_path):
    import qc

    res = qc.scan([str(SEEDS)], jobs=1)
    df = res.frame
    assert len(df) == 5 and {"score", "verdict", "encoding_ratio"} <= set(df.columns)
    assert len(res.reports) == 5 and res.reports[0]["schema"] == "qc.file-report/1"
