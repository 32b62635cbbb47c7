"""HTML file pages rendered by a process pool (``render_html(..., jobs=N)``): the same bytes and
the same RenderStats as the serial path, no pool when nothing needs rendering, a failing page or
a dying worker loses no other page, and an interrupt stops the workers and leaves no partial page."""
from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import time
from pathlib import Path

import pytest

from qc.cli import run
from qc.report import html as H


def _corpus(root: Path) -> Path:
    corpus = root / "c"
    corpus.mkdir()
    for i in range(7):
        (corpus / f"doc{i}.txt").write_text(f"第{i}篇正文\u200b内容在这里。\n" * (i + 1) + "。。。。\n", encoding="utf-8")
    (corpus / "sub").mkdir()
    (corpus / "sub" / "big.md").write_text("互联网大会在乌镇举行，与会代表讨论数字经济的发展。\n" * 400
                                           + "结尾\u200b处有零宽字符。\n", encoding="utf-8")
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "bin.txt").write_bytes(b"\x00\x01\x02binary\x00" * 20)
    (corpus / "gone.txt").write_text("这篇\u200b文章的源文件会被删除。\n", encoding="utf-8")
    (corpus / "changed.txt").write_text("这篇\u200b文章会被改写。\n", encoding="utf-8")
    recs = []
    for i in range(23):
        recs.append(json.dumps({"text": f"第{i}条\u200b记录内容，" + "正文" * i + "。"}, ensure_ascii=False))
    recs[5] = "not json"
    (corpus / "a.jsonl").write_text("\n".join(recs) + "\n", encoding="utf-8")
    (corpus / "b.jsonl").write_text("\n".join(json.dumps({"text": f"另一个文件的第{i}条记录\u200b。"}, ensure_ascii=False)
                                              for i in range(9)) + "\n", encoding="utf-8")
    for p in corpus.rglob("*"):  # a source changed in the last two seconds is never trusted by its stat
        os.utime(p, (1e9, 1e9))
    return corpus


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    import qc

    root = tmp_path_factory.mktemp("par")
    corpus = _corpus(root)
    out = root / "scan"
    qc.scan([str(corpus)], out=out, jobs=1, select=["EN", "BP", "FM"])
    for p in (out / "files").rglob("*.json*"):  # reports past the two-second rule: every render sees the same
        os.utime(p, (1e9, 1e9))
    (corpus / "gone.txt").unlink()  # its page: the findings' excerpts only
    (corpus / "changed.txt").write_text("改过了。\n", encoding="utf-8")
    os.utime(corpus / "changed.txt", (1e9, 1e9))
    return root, out


def _copy(scanned, name: str) -> Path:
    root, out = scanned
    dst = root / name
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(out, dst)
    return dst


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.fixture
def pool_always(monkeypatch):
    """A pool for any number of pages, in chunks of 2, and no page rendered in the parent."""
    monkeypatch.setattr(H, "PARALLEL_MIN_PAGES", 1)
    monkeypatch.setattr(H, "CHUNK_PAGES", 2)
    started: list[int] = []
    real_start = H._PagePool._start

    def start(self):
        started.append(1)
        real_start(self)

    def here(self, chunk):
        raise AssertionError("rendered in the parent, not by the pool")

    monkeypatch.setattr(H._PagePool, "_start", start)
    monkeypatch.setattr(H._PagePool, "_here", here)
    return started


@pytest.mark.parametrize("max_pages", [0, 13])
def test_pool_writes_the_same_bytes_and_stats_as_the_serial_path(scanned, pool_always, max_pages):
    serial, par = _copy(scanned, "serial"), _copy(scanned, "par")
    s1 = H.render_html(serial, max_pages=max_pages, max_text_kb=4, jobs=1)
    assert not pool_always
    s2 = H.render_html(par, max_pages=max_pages, max_text_kb=4, jobs=2)
    assert pool_always == [1]
    assert s1 == s2
    if max_pages:
        assert s1.skipped > 0 and s1.files == max_pages
    else:
        assert s1.skipped == 0 and s1.files == len(json.loads((serial / "summary.json").read_text("utf-8"))["files"])
    assert s1.failed == 0 and (max_pages or (s1.excerpts_only >= 2 and s1.from_source > 30))
    a, b = _files(serial), _files(par)
    assert sorted(a) == sorted(b)
    assert [k for k in a if a[k] != b[k]] == []
    pages = [k for k in a if k.startswith("files/") and k.endswith(".html")]
    assert any("/a.jsonl/" in k for k in pages) and (max_pages or any("/b.jsonl/" in k for k in pages))
    if not max_pages:
        assert "was not found" in a["files/gone.txt.html"].decode() and "changed since the scan" in a["files/changed.txt.html"].decode()
        assert 'id="cut-note"' in a["files/sub/big.md.html"].decode()
    assert not [k for k in a if ".tmp-" in k]


def test_warm_render_starts_no_pool(scanned, monkeypatch):
    out = _copy(scanned, "warm")
    first = H.render_html(out, jobs=2)
    before = _files(out)
    monkeypatch.setattr(H, "PARALLEL_MIN_PAGES", 1)

    def start(self):
        raise AssertionError("a pool was started with nothing to render")

    monkeypatch.setattr(H._PagePool, "_start", start)
    again = H.render_html(out, jobs=2)
    assert again == first and _files(out) == before


def test_few_pages_are_rendered_in_the_parent(scanned, monkeypatch):
    """Under PARALLEL_MIN_PAGES pages to render: no pool, the same pages."""
    serial, par = _copy(scanned, "few1"), _copy(scanned, "few2")
    monkeypatch.setattr(H, "PARALLEL_MIN_PAGES", 10_000)

    def start(self):
        raise AssertionError("a pool for a handful of pages")

    monkeypatch.setattr(H._PagePool, "_start", start)
    assert H.render_html(serial, jobs=1) == H.render_html(par, jobs=2)
    assert _files(serial) == _files(par)


def _failing_model(bad: str, real):
    def model(report, *a):
        if report["id"] == bad:
            raise ValueError("boom")
        return real(report, *a)
    return model


def test_a_failing_page_loses_no_other_page(scanned, pool_always, monkeypatch):
    bad = "a.jsonl#L7"
    monkeypatch.setattr(H, "file_page_model", _failing_model(bad, H.file_page_model))  # inherited by forked workers
    serial, par = _copy(scanned, "fail1"), _copy(scanned, "fail2")
    s1 = H.render_html(serial, jobs=1)
    s2 = H.render_html(par, jobs=2)
    assert s1 == s2 and s1.failed == 1 and s1.errors == [f"{bad}: ValueError: boom"]
    a, b = _files(serial), _files(par)
    assert a == b
    assert "files/a.jsonl/L7.html" not in a and "files/a.jsonl/L8.html" in a
    index = a["index.html"].decode()
    assert "a.jsonl/L8.html" in index and "a.jsonl/L7.html" not in index


def test_a_dying_worker_loses_no_page(scanned, monkeypatch):
    """A worker that dies (killed, out of memory) breaks the pool: its chunks and the rest are
    rendered in the parent, to the same bytes."""
    monkeypatch.setattr(H, "PARALLEL_MIN_PAGES", 1)
    monkeypatch.setattr(H, "CHUNK_PAGES", 3)
    parent = os.getpid()
    real = H.file_page_model

    def model(report, *a):
        if report["id"] == "a.jsonl#L9" and os.getpid() != parent:
            os._exit(3)
        return real(report, *a)

    monkeypatch.setattr(H, "file_page_model", model)
    serial, par = _copy(scanned, "die1"), _copy(scanned, "die2")
    s1 = H.render_html(serial, jobs=1)
    s2 = H.render_html(par, jobs=2)
    assert s1 == s2 and s1.failed == 0
    assert _files(serial) == _files(par)


def test_an_interrupt_stops_the_workers_and_leaves_no_partial_page(scanned, monkeypatch):
    monkeypatch.setattr(H, "PARALLEL_MIN_PAGES", 1)
    monkeypatch.setattr(H, "CHUNK_PAGES", 2)
    out = _copy(scanned, "intr")
    for p in (out / "files").rglob("*.html"):
        p.unlink()
    real_head = H._page_head
    calls = [0]

    def head(path):
        calls[0] += 1
        if calls[0] == 20:
            time.sleep(0.3)  # let the workers be busy writing
            raise KeyboardInterrupt
        return real_head(path)

    monkeypatch.setattr(H, "_page_head", head)
    with pytest.raises(KeyboardInterrupt):
        H.render_html(out, jobs=2)
    deadline = time.monotonic() + 10
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert multiprocessing.active_children() == []
    written = list((out / "files").rglob("*.html"))
    assert written, "the workers had written pages before the interrupt"
    assert not [p for p in out.rglob("*") if p.name.startswith(".tmp-")]
    for p in written:
        assert p.read_text(encoding="utf-8").rstrip().endswith("</html>"), p
    assert not (out / "files" / "b.jsonl").exists()  # the pages after the interrupt were never sent


def test_cli_report_jobs(scanned):
    serial, par = _copy(scanned, "cli1"), _copy(scanned, "cli2")
    assert run(["report", str(serial), "-j", "1"]) == 0
    assert run(["report", str(par), "--jobs", "2"]) == 0
    assert _files(serial) == _files(par)
    assert run(["report", str(par), "-j", "0"]) == 2
