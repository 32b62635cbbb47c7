"""Hostile input never crashes qc, loses a file, escapes the output folder or hangs (issue 11).

Property tests (hypothesis) run every detector on arbitrary text and the reader on arbitrary
bytes; a nasty corpus built here goes through the real CLI. The large budgets live in
bench/fuzz.py; this suite runs a small one.
"""
import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qc.cli import run
from qc.corpus import SourceFile, decode_bytes, document_from_text, text_document
from qc.detectors import detector
from qc.engine import check_document, run_rules
from qc.profile import build_profile
from qc.rules import load_rules
from test_scan_contract import check_report

RULES = load_rules()

# pieces that trigger every family, glued at random
PIECES = [
    "世界互联网大会", "網(wǎng)", "脑(nao)", "（gěng）", "naogengyouchengnaogengsai", "nǎo gěng", "nao3 geng3",
    "浣犲ソ", "ä¸­æ–‡", "锟斤拷", "烫烫烫", "\ufffd", "??", "?", "!", "，", "。", ",", "(", ")", "（", "）",
    "<p>", "</span>", "&nbsp;", "&#8220;", "![a](http://x/y.png)", "---\n", "\n", "\r\n", " ", "\u3000",
    "\u200b", "\x00", "\x1b", "\ue000", "\ufeff", "分享到朋友圈", "推荐阅读", "责任编辑：", "2024-07-13 13:55",
    "5G", "AI", "COVID-19", "(ITU)", "Model Y", "the quick brown fox", "ひらがな", "한국어", "Привет",
    "亚洲日韩一区二区", "|", "_", "-", "http://example.com/a?b=c", "𠀀", "👍🏽", "\u0301", "a" * 50,
    "的" * 30, "ＡＢＣ１２３",
]
texts = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), max_size=40).map("".join)
FAST = settings(max_examples=int(os.environ.get("QC_FUZZ_EXAMPLES", "40")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


def check_findings(doc, findings):
    text = doc.text
    for f in findings:
        assert 0 <= f.start <= f.end <= len(text)
        assert (f.line, f.column) == (text.count("\n", 0, f.start) + 1, f.start - (text.rfind("\n", 0, f.start) + 1) + 1)
        for a, b in f.parts or ():
            assert f.start <= a < b <= f.end


@FAST
@given(texts)
def test_every_detector_survives_arbitrary_text(text):
    doc = document_from_text(text, "fuzz.txt")
    profile = build_profile([doc])
    findings, errors = run_rules(doc, RULES.rules, profile)
    assert not errors, errors
    check_findings(doc, findings)


@FAST
@given(texts)
def test_reports_are_valid_and_deterministic(text):
    a = check_document(document_from_text(text, "f.txt"), RULES, build_profile([document_from_text(text, "f.txt")]))
    b = check_document(document_from_text(text, "f.txt"), RULES, build_profile([document_from_text(text, "f.txt")]))
    assert json.dumps(a, sort_keys=True, ensure_ascii=False) == json.dumps(b, sort_keys=True, ensure_ascii=False)
    check_report(a, text)


@FAST
@given(st.binary(max_size=400) | st.lists(st.sampled_from(PIECES), max_size=20).map(lambda p: "".join(p).encode("utf-8", "surrogatepass")))
def test_reader_survives_arbitrary_bytes(raw):
    text, info = decode_bytes(raw) if raw else ("", None)
    doc = text_document(SourceFile("f.txt", "f.txt"), raw)
    assert doc.status in ("ok", "empty", "binary")
    if doc.status == "ok":
        check_report(check_document(doc, RULES, build_profile([doc])), doc.text)


# --- limits --------------------------------------------------------------------------------

@detector("test_sleeper")
def _sleeper(doc, profile, params):
    time.sleep(5)
    return []


_sleeper.param_defaults = {}


def test_a_slow_rule_is_stopped_and_reported():
    from dataclasses import replace

    slow = replace(RULES.rules[0], id="EN99", detector="test_sleeper", params={})
    doc = document_from_text("正文", "x.txt")
    t = time.perf_counter()
    findings, errors = run_rules(doc, [slow], build_profile([doc]), max_rule_seconds=0.2)
    assert time.perf_counter() - t < 2
    assert errors and "timed out" in errors[0]["error"]


@pytest.mark.parametrize("evil", [
    "(" * 20000 + "a",
    "a" * 50000 + "!",
    "网(" * 20000,
    "?" * 30000 + "中",
    "ab " * 20000,
    "<" * 20000 + "p",
    "&" * 10000 + "#" * 10000,
    "浣" * 20000,
    "\n" * 30000,
    "|" * 30000,
])
def test_adversarial_strings_finish_quickly(evil):
    doc = document_from_text(evil, "evil.txt")
    t = time.perf_counter()
    findings, errors = run_rules(doc, RULES.rules, build_profile([doc]))
    took = time.perf_counter() - t
    assert not errors, errors
    assert took < 10, f"{took:.1f}s on {evil[:20]!r}…"
    check_findings(doc, findings)


# --- the nasty corpus through the real CLI ---------------------------------------------------

GOOD = "世界互联网大会在乌镇开幕，来自全球的嘉宾围绕数字经济展开讨论。"


def build_nasty(root: Path) -> set[str]:
    """Write the nasty corpus; return the report ids that must appear in the summary."""
    root.mkdir()
    w = lambda rel, data: (root / rel).parent.mkdir(parents=True, exist_ok=True) or (root / rel).write_bytes(data)
    w("binary.txt", bytes(range(256)) * 20)
    w("invalid-utf8.txt", GOOD.encode() + b"\xc3\x28\xa0\xa1" + GOOD.encode())
    w("gbk.txt", (GOOD * 5).encode("gbk"))
    w("big5.txt", ("維基大典者，網路為礎；集天下知、四海言，以成典籍。" * 5).encode("big5"))
    w("utf16-bom.txt", (GOOD * 3).encode("utf-16"))
    w("utf16-nobom.txt", (GOOD * 3).encode("utf-16-le"))
    w("bom-in-middle.txt", GOOD.encode() + b"\xef\xbb\xbf" + GOOD.encode())
    w("nul.txt", GOOD.encode() + b"\x00" + GOOD.encode())
    w("empty.txt", b"")
    w("whitespace.txt", b" \n\t\r\n   \n")
    w("name with spaces.txt", GOOD.encode())
    w("name\nwith\nnewlines.txt", GOOD.encode())
    w("$(rm -rf x);`id`&|.txt", GOOD.encode())
    w("dots..in..name.txt", GOOD.encode())
    w("<script>alert(1)</script>.md", b"<script>alert(1)</script>\n" + GOOD.encode())
    (root / os.fsdecode(b"bad-\xff\xfe-name.txt")).write_bytes(GOOD.encode())
    deep = root / "/".join(f"d{i}" for i in range(40))
    deep.mkdir(parents=True)
    (deep / "deep.txt").write_bytes(GOOD.encode())
    (root / "loop").mkdir()
    os.symlink(root / "loop", root / "loop" / "self")
    os.symlink(root / "nowhere.txt", root / "dangling.txt")
    os.mkfifo(root / "fifo.txt")
    (root / "dir.txt").mkdir()
    (root / "broken.jsonl").write_text('{"text": "好的文本。"}\n{"text": 12\nnot json\n{"text": "' + GOOD + '"}\n')
    return {"binary.txt", "invalid-utf8.txt", "gbk.txt", "big5.txt", "utf16-bom.txt", "utf16-nobom.txt",
            "bom-in-middle.txt", "nul.txt", "empty.txt", "whitespace.txt", "name with spaces.txt",
            "name_with_newlines.txt", "$(rm -rf x);`id`&|.txt", "dots..in..name.txt", "<script>alert(1)</script>.md",
            "bad-\ufffd\ufffd-name.txt", "/".join(f"d{i}" for i in range(40)) + "/deep.txt", "dangling.txt",
            "fifo.txt"}


def snapshot(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if "out" not in p.relative_to(root).parts[:1]}


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_nasty_corpus_scans_completely(tmp_path, jobs):
    corpus = tmp_path / "corpus"
    must = build_nasty(corpus)
    before = snapshot(tmp_path)
    out = tmp_path / "out"
    code = run(["scan", str(corpus), "--out", str(out), "-j", jobs, "-q"])
    assert code in (0, 1)
    assert snapshot(tmp_path) == before, "qc wrote outside --out"
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    ids = {r["id"] for r in summary["files"]}
    missing = {m for m in must if m not in ids}
    assert not missing, (missing, sorted(ids))
    status = {r["id"]: r["status"] for r in summary["files"]}
    assert status["binary.txt"] == "binary" and status["empty.txt"] == "empty"
    assert status["whitespace.txt"] == "empty" and status["fifo.txt"] == "unreadable"
    assert status["dangling.txt"] == "unreadable"
    for i in ("gbk.txt", "big5.txt", "utf16-bom.txt", "utf16-nobom.txt", "invalid-utf8.txt", "nul.txt"):
        assert status[i] == "ok", (i, status[i])
    for p in out.rglob("*"):
        assert out.resolve() in p.resolve().parents or p.resolve() == out.resolve()
        assert not p.name.startswith(".tmp-")
    for p in (out / "files").rglob("*.json"):
        check_report(json.loads(p.read_text(encoding="utf-8")), None)


@pytest.mark.slow
def test_ten_thousand_tiny_files(tmp_path):
    corpus = tmp_path / "tiny"
    for i in range(10_000):
        d = corpus / f"{i % 50:02d}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"{i}.txt").write_text(f"第{i}条：世界互联网大会在乌镇举行。", encoding="utf-8")
    out = tmp_path / "out"
    assert run(["scan", str(corpus), "--out", str(out), "-q", "--fail-on", "never", "--no-html"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["totals"]["documents"] == 10_000


# run the CLI in a child that reports its own peak RSS (VmHWM) on exit; ru_maxrss of a child
# would include the forking pytest process's size, which Linux carries across exec
_MEASURED_CLI = ("import atexit, sys\n"
                 "atexit.register(lambda: sys.stderr.write('VmHWM ' + open('/proc/self/status').read()"
                 ".split('VmHWM:')[1].split()[0] + '\\n'))\n"
                 "from qc.cli import main\n"
                 "sys.argv = ['qc'] + sys.argv[1:]\n"
                 "main()\n")


def _peak_mb(stderr: str) -> float:
    return int(stderr.rsplit("VmHWM ", 1)[1].split()[0]) / 1024


@pytest.mark.slow
def test_fifty_megabyte_single_line(tmp_path):
    sentence = "世界互联网大会在乌镇举行，来自全球的嘉宾围绕数字经济、人工智能与网络安全展开讨论。AI和5G是热点，"
    n = 50_000_000 // len(sentence.encode())
    big = tmp_path / "big.txt"
    with open(big, "w", encoding="utf-8") as f:
        for _ in range(n // 1000):
            f.write(sentence * 1000)
    assert big.stat().st_size > 45_000_000
    out = tmp_path / "out"
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _MEASURED_CLI, "scan", str(big), "--out", str(out), "-q",
                           "--fail-on", "never", "-j", "1", "--no-cache"], capture_output=True, text=True,
                          timeout=600, cwd=Path(__file__).resolve().parent.parent)
    took = time.perf_counter() - t
    assert proc.returncode == 0, proc.stderr[-2000:]
    rep = json.loads((out / "files" / "big.txt.json").read_text())
    assert rep["status"] == "ok" and not rep.get("rule_errors"), rep.get("rule_errors")
    rss = _peak_mb(proc.stderr)
    print(f"50 MB line: {took:.1f}s, peak RSS {rss:.0f} MB")
    assert rss < 3000


def test_sigint_exits_130_and_leaves_no_partial_reports(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    para = ("世界互联网大会在乌镇举行，来自全球的嘉宾围绕数字经济展开讨论。" * 40 + "\n") * 5
    for i in range(400):
        (corpus / f"{i:04d}.txt").write_text(para, encoding="utf-8")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "qc.cli", "scan", str(corpus), "--out", str(out), "-q", "-j", "2", "--no-cache"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and not (out / "files").is_dir():
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    if proc.returncode == 0:
        pytest.skip("scan finished before the interrupt arrived")
    assert proc.returncode == 130, err[-2000:]
    assert "Traceback" not in err
    for p in out.rglob("*"):
        assert not p.name.startswith(".tmp-"), p
        if p.suffix == ".json":
            json.loads(p.read_text(encoding="utf-8"))  # complete, parseable
    # a re-run completes
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    assert json.loads((out / "summary.json").read_text())["totals"]["documents"] == 400


def test_interrupt_during_a_report_write_is_delivered_after_it(tmp_path):
    """Ctrl-C while a report is being written arrives once the file is in place: never a
    ``.tmp-`` file, never half a report."""
    from qc.report.files import atomic_write, interrupts_deferred

    done = []
    with pytest.raises(KeyboardInterrupt):
        with interrupts_deferred():
            os.kill(os.getpid(), signal.SIGINT)
            atomic_write(tmp_path / "a.json", "{}\n")
            done.append(True)
    assert done and (tmp_path / "a.json").read_text() == "{}\n"
    assert not list(tmp_path.glob(".tmp-*"))


def _write_records(out, reports, parts=1, abort_after=None):
    """Feed ``reports`` (bytes) to a ReportWriter as the records of one source in ``parts`` units."""
    from types import SimpleNamespace

    from qc.report.files import ReportWriter

    w = ReportWriter(out)
    n = max(1, -(-len(reports) // parts))
    chunks = [reports[i:i + n] for i in range(0, len(reports), n)] or [[]]
    for k, chunk in enumerate(chunks):
        unit = SimpleNamespace(src=SimpleNamespace(rel="data/a.jsonl"), part=k, parts=len(chunks))
        rows = [{"id": f"data/a.jsonl#L{i}", "record": i} for i in range(len(chunk))]
        w.write(unit, rows, chunk)
        if abort_after is not None and k == abort_after:
            w.abort()
            return
    w.close()


@pytest.mark.parametrize("change", ["same", "middle", "fewer", "more", "first"])
def test_record_report_file_is_left_alone_when_equal_and_replaced_when_not(tmp_path, change):
    recs = [f'{{"id": {i}, "x": "{"汉" * (i % 7)}"}}\n'.encode() for i in range(50)]
    target = tmp_path / "files" / "data" / "a.jsonl.jsonl"
    _write_records(tmp_path, recs, parts=4)
    assert target.read_bytes() == b"".join(recs)
    os.utime(target, ns=(1, 1))
    new = {"same": recs, "middle": recs[:20] + [b'{"changed": 1}\n'] + recs[21:], "fewer": recs[:30],
           "more": recs + [b'{"extra": 1}\n'], "first": [b'{"changed": 0}\n'] + recs[1:]}[change]
    _write_records(tmp_path, new, parts=3)
    assert target.read_bytes() == b"".join(new)
    assert (target.stat().st_mtime_ns == 1) == (change == "same")
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~_umask()
    assert not list(target.parent.glob(".tmp-*"))


def test_aborted_record_report_file_keeps_the_old_one(tmp_path):
    recs = [f'{{"id": {i}}}\n'.encode() for i in range(40)]
    target = tmp_path / "files" / "data" / "a.jsonl.jsonl"
    _write_records(tmp_path, recs)
    _write_records(tmp_path, [b'{"other": 1}\n'] * 40, parts=4, abort_after=1)
    assert target.read_bytes() == b"".join(recs) and not list(target.parent.glob(".tmp-*"))


def _umask() -> int:
    m = os.umask(0)
    os.umask(m)
    return m


def test_summaries_and_reports_are_ordinary_files(tmp_path):
    """Written through temp files (mkstemp makes them 0600), they end up with the umask's mode."""
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text("今天天气很好。\n", "utf-8")
    (corpus / "b.jsonl").write_text('{"text": "你好"}\n', "utf-8")
    from qc import api

    api.scan([str(corpus)], out=tmp_path / "o", select=["EN01"])
    for name in ("summary.json", "summary.csv", "files/a.txt.json", "files/b.jsonl.jsonl"):
        assert stat.S_IMODE((tmp_path / "o" / name).stat().st_mode) == 0o666 & ~_umask(), name
