"""Scale: record reports layout, streamed summary, -j N identical to -j 1, split big files."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qc import api
from qc.report.files import SpooledRows

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


# fast rules incl. ones that read the corpus profile (BP03: line document frequency); the full
# rule set is exercised by the other test files and the benchmark
RULES = ["EN", "BP", "PY", "FM01"]


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
            and p.suffix != ".html"}


def make_records(folder: Path, n: int = 120) -> None:
    """A record corpus made from the seed texts: JSONL (split when batch_bytes is small), gz, Parquet."""
    import gzip

    import pyarrow as pa
    import pyarrow.parquet as pq

    texts = []
    for p in sorted(SEEDS.glob("*.txt")):
        body = p.read_text("utf-8", errors="replace")
        texts += [body[i:i + 300] for i in range(0, min(len(body), 3000), 300)]
    lines = [json.dumps({"id": f"r{i}", "text": texts[i % len(texts)]}, ensure_ascii=False) for i in range(n)]
    lines[5] = '{"text": 未加引号}'
    lines[9] = ""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "big.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    (folder / "small.jsonl.gz").write_bytes(gzip.compress(("\n".join(lines[:20]) + "\n").encode()))
    pq.write_table(pa.table({"text": [texts[i % len(texts)] for i in range(40)]}), folder / "t.parquet", row_group_size=10)
    (folder / "note.txt").write_text(texts[0], "utf-8")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("records") / "corpus"
    make_records(folder)
    return folder


def test_record_reports_layout_and_rollup(corpus, tmp_path):
    out = tmp_path / "out"
    res = api.scan([str(corpus)], out=out, id_field="id", batch_bytes=4000, select=RULES)
    big = out / "files" / "big.jsonl.jsonl"
    assert big.is_file() and (out / "files" / "note.txt.json").is_file()
    lines = big.read_text("utf-8").splitlines()
    reps = [json.loads(x) for x in lines]
    assert [r["id"] for r in reps][:6] == [f"big.jsonl#L{n}" for n in (1, 2, 3, 4, 5, 6)]
    assert "big.jsonl#L10" not in {r["id"] for r in reps}  # the blank line
    assert reps[5]["status"] == "malformed" and any(f["rule"] == "EN05" for f in reps[5]["findings"])
    assert reps[0]["metadata"] == {"record_id": "r0"} and reps[0]["record"] == "L1"
    # every line is exactly the compact form of its report, keys sorted (stable bytes)
    assert all(line == json.dumps(r, ensure_ascii=False, sort_keys=True, separators=(",", ":")) for line, r in zip(lines, reps))
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    rows = {r["id"]: r for r in summary["files"]}
    assert rows["big.jsonl#L1"]["report"] == "files/big.jsonl.jsonl" and rows["big.jsonl#L1"]["report_line"] == 1
    assert len(summary["files"]) == summary["totals"]["documents"] == len(res.rows)
    src = {s["source"]: s for s in summary["sources"]}
    assert set(src) == {"big.jsonl", "small.jsonl.gz", "t.parquet"}
    assert src["big.jsonl"]["documents"] == len(reps) and src["big.jsonl"]["statuses"]["malformed"] == 1
    assert src["big.jsonl"]["verdict"] == "fail"
    # one compact row per line in "files"
    text = (out / "summary.json").read_text("utf-8")
    assert text.count('\n  {"by_family"') == len(summary["files"])
    csv = (out / "summary.csv").read_text("utf-8").splitlines()
    assert len(csv) == len(res.rows) + 1


def test_jobs_give_identical_bytes(corpus, tmp_path):
    a, b = tmp_path / "j1", tmp_path / "j2"
    api.scan([str(corpus), str(SEEDS)], out=a, jobs=1, batch_bytes=4000, keep_reports=False, select=RULES)
    api.scan([str(corpus), str(SEEDS)], out=b, jobs=2, batch_bytes=4000, keep_reports=False, select=RULES)
    ta, tb = _tree(a), _tree(b)
    assert ta.keys() == tb.keys() and len(ta) > 8
    assert ta == tb


def test_split_and_unsplit_give_identical_reports(corpus, tmp_path):
    a, b = tmp_path / "whole", tmp_path / "split"
    ra = api.scan([str(corpus)], out=a, batch_bytes=1 << 30, select=RULES)
    rb = api.scan([str(corpus)], out=b, batch_bytes=3000, select=RULES)
    assert rb.stats.units > ra.stats.units
    assert _tree(a) == _tree(b)


def test_streaming_rows_are_spooled(corpus, tmp_path):
    res = api.scan([str(corpus)], out=tmp_path / "o", keep_reports=False, select=["EN"])
    assert isinstance(res.rows, SpooledRows) and res.reports == []
    rows = list(res.rows)
    assert len(rows) == len(res.rows) == res.summary["totals"]["documents"]
    assert rows[0]["id"] == res.rows[0]["id"]


def test_cli_record_options(corpus, tmp_path):
    from qc.cli import run

    out = tmp_path / "cli"
    code = run(["scan", str(corpus), "--out", str(out), "--text-field", "text", "--id-field", "id", "-j", "2",
                "--no-cache", "--no-html", "-q", "--fail-on", "never", "--select", "EN,BP"])
    assert code == 0
    assert (out / "files" / "big.jsonl.jsonl").is_file()
    assert run(["scan", str(corpus), "--out", str(out), "--engine", "spark", "--no-cache", "-q"]) == 2


def test_memory_is_bounded_on_a_big_jsonl(tmp_path):
    """A JSONL many times the per-unit batch scans in bounded memory: reports and rows stream to
    disk (the benchmark measures the same on bigger files)."""
    p = tmp_path / "big.jsonl"
    line = json.dumps({"text": "今天天气很好，我们去公园散步。北京是中国的首都。" * 6}, ensure_ascii=False) + "\n"
    n = 12_000  # ~ 5 MB, 40 units of 128 kB
    p.write_text(line * n, "utf-8")
    (tmp_path / "small.jsonl").write_text(line * 50, "utf-8")
    code = f"""
import qc.api as a
# peak RSS of this process's own memory (VmHWM); ru_maxrss would include the forking
# pytest parent's size, which Linux carries across exec
rss = lambda: int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) // 1024
a.scan([{str(tmp_path / 'small.jsonl')!r}], out={str(tmp_path / 'out0')!r}, select=['EN01'], keep_reports=False)
before = rss()  # every detector resource and contributor loaded
r = a.scan([{str(p)!r}], out={str(tmp_path / 'out')!r}, select=['EN01'], keep_reports=False, batch_bytes=1 << 17)
print(r.summary['totals']['documents'], r.stats.units, before, rss())
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    docs, units, before, after = map(int, out.stdout.split()[-4:])
    assert docs == n and units >= 30
    assert after < 400 and after - before < 60, (before, after)
    assert sum(1 for _ in open(tmp_path / "out" / "files" / "big.jsonl.jsonl", encoding="utf-8")) == n


def test_summary_csv_matches_pandas(corpus, tmp_path):
    """summary.csv is written with the csv module (no pandas import on the hot path): same bytes."""
    from qc.report.files import summary_frame

    out = tmp_path / "o"
    api.scan([str(corpus), str(SEEDS)], out=out, select=["EN"])
    rows = json.loads((out / "summary.json").read_text("utf-8"))["files"]
    rows.append(dict(rows[0], id='a "quoted", odd\nid', error="x, y"))
    want = summary_frame(rows).to_csv(index=False, lineterminator="\n")
    import io

    from qc.report.files import csv_rows

    got = io.StringIO()
    csv_rows(got, rows, True)
    assert got.getvalue() == want
    assert (out / "summary.csv").read_text("utf-8") == summary_frame(rows[:-1]).to_csv(index=False, lineterminator="\n")


def test_summary_row_texts_spliced_from_halves_equal_a_plain_encode(corpus, tmp_path):
    """A row's summary.json text is cached around its report fields and spliced at write time."""
    from qc.report.files import _row_json, row_halves, row_text

    res = api.scan([str(corpus), str(SEEDS)], out=tmp_path / "o", select=["EN01"])
    rows = list(res.rows)
    assert any("report_line" in r for r in rows) and any("report_line" not in r for r in rows)
    for row in rows + [dict(rows[0], error="x", report="files/a \"b\".json")]:
        bare = {k: v for k, v in row.items() if k not in ("report", "report_line")}
        bare["report"] = ""
        assert row_text(row_halves(bare), row["report"], row.get("report_line")) == _row_json(row)


def test_streamed_summary_equals_kept_summary_in_memory_and_spilled(corpus, tmp_path, monkeypatch):
    from qc.report import files

    api.scan([str(corpus), str(SEEDS)], out=tmp_path / "kept", select=RULES, keep_reports=True)
    api.scan([str(corpus), str(SEEDS)], out=tmp_path / "mem", select=RULES, keep_reports=False)
    monkeypatch.setattr(files.SpooledRows.__init__, "__defaults__", (4,))
    res = api.scan([str(corpus), str(SEEDS)], out=tmp_path / "disk", select=RULES, keep_reports=False)
    assert res.rows.path is not None  # spilled
    for name in ("summary.json", "summary.csv"):
        want = (tmp_path / "kept" / name).read_bytes()
        assert (tmp_path / "mem" / name).read_bytes() == want == (tmp_path / "disk" / name).read_bytes()


def test_spooled_rows_spill_to_disk_past_the_memory_limit():
    import gc
    import os

    rows = SpooledRows(in_memory=3)
    data = [{"id": f"a#{k}", "score": float(k), "metrics": {"x": k}} for k in range(10)]
    for r in data[:3]:
        rows.append(r)
    assert rows.path is None and list(rows) == data[:3]
    for r in data[3:]:
        rows.append(r)
    assert rows.path and os.path.exists(rows.path)
    assert list(rows) == list(rows) == data and len(rows) == 10 and rows[4] == data[4]
    path = rows.path
    del rows
    gc.collect()
    assert not os.path.exists(path)
