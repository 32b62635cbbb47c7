"""HTML report renderer: segmentation, escaping, large-file cut, source re-reading, CLI wiring."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from qc.cli import run
from qc.report import html as H

XSS_TEXT = (
    "第一段正文，讲的是互联网大会的事情。\n"
    "<script>window.__xss=1;alert(1)</script>\n"
    "<img src=x onerror=\"window.__xss=2;alert(2)\">\n"
    "</textarea></pre></script><svg onload=alert(3)>\n"
    "{{ 7*7 }} {% for x in y %}{{ x }}{% endfor %}\n"
    "<a href=\"javascript:alert(4)\">点这里</a> javascript:alert(5)\n"
    "行分隔\u2028段分隔\u2029零宽\u200b空格\x07响铃\n"
    "。。。。。。\n"
    "最后一段正文，仍然讲互联网大会。\n"
)
XSS_NAME = "<img src=x onerror=alert(9)>&{{x}}.txt"


def f(start, end, fam="encoding", sev="warning", rule="EN02", parts=None):
    d = {"rule": rule, "name": "x", "family": fam, "severity": sev, "start": start, "end": end,
         "line": 1, "column": start + 1, "excerpt": "", "message": "m", "suggestion": None}
    if parts is not None:
        d["parts"] = parts
    return d


# --- pure helpers ------------------------------------------------------------------------------


def test_segments_split_at_every_boundary_and_carry_all_findings():
    findings = [f(2, 8), f(5, 12, fam="pinyin"), f(6, 7, fam="format")]
    segs = H.segments(15, findings)
    assert [(s.start, s.end, s.findings) for s in segs] == [
        (0, 2, ()), (2, 5, (0,)), (5, 6, (0, 1)), (6, 7, (0, 1, 2)), (7, 8, (0, 1)), (8, 12, (1,)), (12, 15, ()),
    ]
    # segments tile the text exactly
    assert segs[0].start == 0 and segs[-1].end == 15
    assert all(a.end == b.start for a, b in zip(segs, segs[1:]))


def test_segments_use_parts_clip_to_length_and_skip_document_level():
    findings = [f(0, 20, parts=[[1, 3], [6, 8]]), f(0, 0), f(18, 40)]
    segs = H.segments(10, findings)
    marked = [(s.start, s.end) for s in segs if s.findings]
    assert marked == [(1, 3), (6, 8)]  # parts only; (0,0) has no span; (18,40) lies beyond 10
    assert all(s.findings == (0,) for s in segs if s.findings)


def test_segments_identical_spans_merge_into_one_segment():
    segs = H.segments(6, [f(1, 4), f(1, 4, fam="script")])
    assert [(s.start, s.end, s.findings) for s in segs] == [(0, 1, ()), (1, 4, (0, 1)), (4, 6, ())]


def test_visible_pieces_flag_invisible_characters():
    ps = H.visible_pieces("a\u200bb\x07c\u202ed\u3000e\n")
    assert ps == [("t", "a"), ("i", "\u200b"), ("t", "b"), ("i", "\x07"), ("t", "c"), ("i", "\u202e"), ("t", "d\u3000e\n")]
    assert H.char_label("\u200b") == "ZWSP" and H.char_label("\x07") == "U+0007"
    assert "ZERO WIDTH SPACE" in H.char_title("\u200b")


def test_line_endings_are_not_labelled_but_other_controls_are():
    assert H.visible_pieces("一\r\n二\r三\t四") == [("t", "一\r\n二\r三\t四")]
    assert [k for k, _ in H.visible_pieces("\x0b\x0c\x1b\x85")] == ["i"] * 4
    assert H.visible_pieces("❤\ufe0f") == [("t", "❤\ufe0f")]


def test_pre_keeps_a_leading_newline(tmp_path):
    import qc

    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text("\n\n正文\u200b内容。\n", encoding="utf-8")
    out = tmp_path / "out"
    qc.scan([str(corpus)], out=out, jobs=1, select=["EN02"])
    H.render_html(out)
    page = (out / "files" / "a.txt.html").read_text(encoding="utf-8")
    assert '<pre id="text" class="doc">\n\n\n正文' in page  # the parser eats the first newline only


def test_safe_json_cannot_close_a_script_block():
    s = str(H.safe_json({"t": "</script><!-- & \u2028\u2029 '"}))
    assert "<" not in s and ">" not in s and "&" not in s and "\u2028" not in s and "\u2029" not in s
    assert json.loads(s) == {"t": "</script><!-- & \u2028\u2029 '"}


def test_cut_point_respects_byte_budget_and_prefers_line_breaks():
    text = ("中文内容" * 50 + "\n") * 200  # 201 chars, 601 bytes per line
    n = H.cut_point(text, 10 * 1024)
    assert len(text[:n].encode()) <= 10 * 1024
    assert text[n - 1] == "\n"
    assert n > 10 * 1024 // 3 - 250
    assert H.cut_point("短文本", 1024) == 3
    one_line = "字" * 10000
    m = H.cut_point(one_line, 3000)
    assert m == 1000


def test_href_is_relative_and_never_a_scheme():
    assert H.href("files/a/b.html", "index.html") == "../../index.html"
    assert H.href("files/x.html", "files/y z#1.html") == "y%20z%231.html"
    link = H.href("files/x.html", "files/javascript:alert(1).html")
    assert ":" not in link and link.startswith("javascript%3A")


def test_histogram_bins_edges_like_the_page_filter():
    h = H._histogram([0.0, 0.0, 0.05, 0.3, 0.3, 0.999, 1.0], 10, 0.0, 1.0, zero_bin=True, key="x")
    counts = {b["label"]: b["count"] for b in h["bars"]}
    assert counts["exactly 0"] == 2 and counts["0–0.1"] == 1 and counts["0.3–0.4"] == 2 and counts["0.9–1"] == 2
    assert sum(counts.values()) == 7 and h["max"] == 2
    s = H._histogram([100.0, 0.0, 59.9], 10, 0.0, 100.0, zero_bin=False, key="score")
    assert [b["count"] for b in s["bars"]] == [1, 0, 0, 0, 0, 1, 0, 0, 0, 1]


def test_gate_status_prefers_recorded_gate_else_recomputes():
    rows = [{"id": "a", "verdict": "warn", "score": 70.0, "status": "ok", "chars": 10,
             "metrics": {f"{x}_ratio": 0.0 for x in ("encoding", "script", "pinyin", "offtopic", "boilerplate", "format")}}]
    assert H.gate_status({"settings": {"fail_on": "warn"}, "files": rows})["passed"] is False
    assert H.gate_status({"settings": {"fail_on": "fail"}, "files": rows})["passed"] is True
    g = H.gate_status({"gate": {"passed": False, "reasons": ["new findings: 3"], "baseline": "b.json"}, "files": rows})
    assert g == {"passed": False, "reasons": ["new findings: 3"], "policy": {"baseline": "b.json"}, "warnings": []}
    from qc.gate import GateResult

    g = H.gate_status({"settings": {"fail_on": "warn"}, "files": rows}, GateResult(True, []))
    assert g["passed"] is True and g["policy"]["fail_on"] == "warn"
    record = {"schema": "qc.gate/1", "passed": False, "reasons": ["a: 2 new findings"], "policy": "fail-on fail, baseline",
              "warnings": ["the ruleset changed since the baseline"], "counts": {"documents": 1}}
    g = H.gate_status({"settings": {"fail_on": "fail"}, "files": rows}, GateResult(True, []), record)
    assert g == {"passed": False, "reasons": ["a: 2 new findings"], "policy": {"policy": "fail-on fail, baseline"},
                 "warnings": ["the ruleset changed since the baseline"]}
    stale = dict(record, counts={"documents": 7})  # a gate.json from another scan is ignored
    assert H.gate_status({"settings": {"fail_on": "fail"}, "files": rows}, None, stale)["passed"] is True


# --- rendering ---------------------------------------------------------------------------------


class TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags_of(html: str) -> list[tuple[str, dict]]:
    p = TagCollector()
    p.feed(html)
    return p.tags


@pytest.fixture(scope="module")
def xss_scan(tmp_path_factory):
    """A scanned corpus with hostile text and a hostile file name, HTML rendered."""
    import qc

    root = tmp_path_factory.mktemp("xss")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / XSS_NAME).write_text(XSS_TEXT, encoding="utf-8")
    (corpus / "plain.txt").write_text("互联网大会在乌镇开幕。\n" * 20, encoding="utf-8")
    out = root / "out"
    qc.scan([str(corpus)], out=out, jobs=1, select=["EN", "BP"])
    stats = H.render_html(out)
    return out, stats


def test_hostile_text_and_names_render_inert(xss_scan):
    out, stats = xss_scan
    assert stats.files == 2 and stats.from_source == 2
    pages = [out / "index.html", *sorted((out / "files").glob("*.html"))]
    assert len(pages) == 3
    for page in pages:
        html = page.read_text(encoding="utf-8")
        tags = tags_of(html)
        names = [t for t, _ in tags]
        assert "img" not in names and "textarea" not in names
        assert page.name == "index.html" or "svg" not in names  # the index draws its own histograms
        scripts = [a for t, a in tags if t == "script"]
        assert scripts and all(a in ({}, {"type": "application/json", "id": "qc-data"}) for a in scripts)
        for t, attrs in tags:
            assert not any(k.startswith("on") for k in attrs), (t, attrs)
            for k in ("href", "src", "action"):
                assert not str(attrs.get(k, "")).lower().startswith("javascript:"), (t, attrs)
    page = next(p for p in pages if p.name.startswith("&lt;") or "onerror" in p.name)
    html = page.read_text(encoding="utf-8")
    assert "&lt;script&gt;window.__xss=1;alert(1)&lt;/script&gt;" in html
    assert "{{ 7*7 }}" in html  # template syntax in the corpus is text, not evaluated
    assert "49" not in html.split('id="text"')[1].split("</pre>")[0]
    csp = [a["content"] for t, a in tags_of(html) if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "script-src 'sha256-" in csp[0] and "default-src 'none'" in csp[0]


def test_file_page_highlights_spans_and_marks_invisible_characters(xss_scan):
    out, _ = xss_scan
    rep = json.loads(next((out / "files").glob("*onerror*.json")).read_text(encoding="utf-8"))
    page = (out / "files" / (next((out / "files").glob("*onerror*.json")).name[:-5] + ".html")).read_text(encoding="utf-8")
    rules = {x["rule"] for x in rep["findings"]}
    assert "EN02" in rules and len(rep["findings"]) >= 2
    for fi, x in enumerate(rep["findings"]):
        if x["end"] > x["start"]:
            assert re.search(rf'data-f="(?:\d+ )*{fi}(?: \d+)*"', page), x
    assert 'data-c="ZWSP"' in page and 'data-c="U+0007"' in page and 'data-c="LSEP"' in page
    assert 'href="../rules/EN02.html"' in page


def test_rule_pages_and_index_content(xss_scan):
    out, stats = xss_scan
    assert stats.rules >= 5
    rule = (out / "rules" / "EN02.html").read_text(encoding="utf-8")
    assert "invisible-characters" in rule and "Why it matters" in rule and 'data-c="ZWSP"' in rule
    index = (out / "index.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r'<script type="application/json" id="qc-data">(.*?)</script>', index, re.S).group(1))
    assert len(data["rows"]) == 2
    col = {c: k for k, c in enumerate(data["columns"])}
    hrefs = {r[col["id"]]: r[col["href"]] for r in data["rows"]}
    assert hrefs["plain.txt"] == "files/plain.txt.html"
    from urllib.parse import unquote

    assert all((out / unquote(h)).is_file() for h in hrefs.values())
    assert "<svg" in index and "Gate " in index and "ruleset_digest" in index


def test_render_is_deterministic(xss_scan, tmp_path):
    out, _ = xss_scan
    before = {p: p.read_bytes() for p in out.rglob("*.html")}
    H.render_html(out)
    assert {p: p.read_bytes() for p in out.rglob("*.html")} == before


def test_changed_or_missing_source_falls_back_to_excerpts(tmp_path):
    import qc

    corpus = tmp_path / "c"
    corpus.mkdir()
    a, b = corpus / "a.txt", corpus / "b.txt"
    a.write_text("正文\u200b内容在这里。\n。。。。\n", encoding="utf-8")
    b.write_text("另一篇\u200b文章。\n", encoding="utf-8")
    out = tmp_path / "out"
    qc.scan([str(corpus)], out=out, jobs=1, select=["EN", "BP"])
    a.write_text("改过的内容\n", encoding="utf-8")
    b.unlink()
    stats = H.render_html(out)
    assert stats.excerpts_only == 2
    pa = (out / "files" / "a.txt.html").read_text(encoding="utf-8")
    pb = (out / "files" / "b.txt.html").read_text(encoding="utf-8")
    assert "changed since the scan" in pa and 'id="text"' not in pa
    assert "was not found" in pb and 'id="text"' not in pb
    assert 'class="beyond"' in pa and "Findings (excerpts)" in pa


def test_large_file_is_cut_with_all_findings_listed(tmp_path):
    import qc

    corpus = tmp_path / "c"
    corpus.mkdir()
    para = "互联网大会在乌镇举行，与会代表讨论数字经济的发展。" * 4 + "\n"
    text = para * 300 + "结尾\u200b处有零宽字符。\n"  # ~90 KB, the damage at the very end
    (corpus / "big.txt").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    qc.scan([str(corpus)], out=out, jobs=1, select=["EN02"])
    H.render_html(out, max_text_kb=16)
    page = (out / "files" / "big.txt.html").read_text(encoding="utf-8")
    assert 'id="cut-note"' in page and "Findings beyond the cut" in page
    pre = page.split('id="text"')[1].split("</pre>")[0]
    assert len(pre.encode()) < 20 * 1024
    assert "零宽字符" in page.split("Findings beyond the cut")[1]


def test_status_pages_without_text(tmp_path):
    import qc

    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "bin.txt").write_bytes(b"\x00\x01\x02binary\x00" * 20)
    out = tmp_path / "out"
    qc.scan([str(corpus)], out=out, jobs=1)
    H.render_html(out)
    assert "No text to show" in (out / "files" / "empty.txt.html").read_text(encoding="utf-8")
    assert "binary" in (out / "files" / "bin.txt.html").read_text(encoding="utf-8")


# --- CLI ---------------------------------------------------------------------------------------


def test_cli_no_html_then_report(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text("正文\u200b内容。\n", encoding="utf-8")
    out = tmp_path / "out"
    code = run(["scan", str(corpus), "--out", str(out), "-j", "1", "--quiet", "--no-html", "--select", "EN"])
    assert code in (0, 1)
    assert (out / "summary.json").exists() and not (out / "index.html").exists()
    assert run(["report", str(out)]) == 0
    assert (out / "index.html").exists() and (out / "files" / "a.txt.html").exists() and (out / "rules" / "EN02.html").exists()
    assert run(["report", str(tmp_path / "nowhere")]) == 2


def test_cli_scan_writes_html_by_default(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text("正文内容。\n", encoding="utf-8")
    out = tmp_path / "out"
    assert run(["scan", str(corpus), "--out", str(out), "-j", "1", "--quiet", "--select", "EN"]) == 0
    assert (out / "index.html").exists() and (out / "files" / "a.txt.html").exists()


def test_templates_and_assets_live_inside_the_package():
    for name in ("base.html.j2", "file.html.j2", "index.html.j2", "rule.html.j2", "macros.html.j2"):
        assert (H.TEMPLATES / name).is_file()
    for name in ("style.css", "file.js", "index.js"):
        assert (H.STATIC / name).is_file()
    assert Path(H.__file__).parent in H.TEMPLATES.parents


def test_record_documents_get_their_own_pages_with_text(tmp_path):
    import qc

    corpus = tmp_path / "c"
    corpus.mkdir()
    lines = [{"text": "第一条\u200b记录内容。"}, {"text": "第二条记录，正常。"}, "not json",
             {"text": "第三条<script>alert(1)</script>零宽\u200b。"}]
    (corpus / "a.jsonl").write_text("\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False)
                                              for x in lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    qc.scan([str(corpus)], out=out, jobs=1, select=["EN"])
    stats = H.render_html(out)
    assert stats.files == 4 and stats.from_source == 3 and stats.excerpts_only == 0
    p1 = (out / "files" / "a.jsonl" / "L1.html").read_text(encoding="utf-8")
    assert 'id="text"' in p1 and "第一条" in p1 and 'data-c="ZWSP"' in p1
    p3 = (out / "files" / "a.jsonl" / "L3.html").read_text(encoding="utf-8")
    assert "malformed" in p3 and 'id="text"' not in p3
    p4 = (out / "files" / "a.jsonl" / "L4.html").read_text(encoding="utf-8")
    assert "第三条" in p4 and "&lt;script&gt;alert(1)&lt;/script&gt;" in p4
    assert 'href="../../rules/EN02.html"' in p4 and 'href="../../index.html"' in p4


def test_page_limit_keeps_the_worst_documents(tmp_path):
    import qc

    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text("干净的正文内容。\n", encoding="utf-8")
    (corpus / "b.txt").write_text("正文\u200b内容\u200b有\u200b零宽\u200b字符。\n", encoding="utf-8")
    (corpus / "c.txt").write_text("另一篇干净的正文。\n", encoding="utf-8")
    out = tmp_path / "out"
    qc.scan([str(corpus)], out=out, jobs=1, select=["EN"])
    stats = H.render_html(out, max_pages=1)
    assert stats.files == 1 and stats.skipped == 2
    assert (out / "files" / "b.txt.html").exists() and not (out / "files" / "a.txt.html").exists()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Pages were written for the 1 lowest-scoring of 3 documents" in index
    page = (out / "files" / "b.txt.html").read_text(encoding="utf-8")
    assert "file 1 of 1" in page and 'rel="next"' not in page


def test_pages_of_an_unchanged_scan_are_not_rendered_again(tmp_path, monkeypatch):
    """Each file page carries a key of its inputs (render code, report, text, navigation,
    options); a page whose key matches is left alone, a changed one is rendered again."""
    import os

    import qc

    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text("正文\u200b内容在这里。\n", encoding="utf-8")
    (corpus / "b.txt").write_text("另一篇\u200b文章。\n", encoding="utf-8")
    (corpus / "r.jsonl").write_text('{"text": "记录一\u200b"}\n{"text": "记录二"}\n', encoding="utf-8")
    for p in corpus.iterdir():  # a source changed in the last two seconds is never trusted by its stat
        os.utime(p, (1e9, 1e9))
    out = tmp_path / "out"
    qc.scan([str(corpus)], out=out, jobs=1, select=["EN"])
    H.render_html(out)
    pages = sorted((out / "files").rglob("*.html"))
    assert len(pages) == 4
    for p in pages:
        os.utime(p, ns=(1, 1))
    before = {p: p.read_bytes() for p in pages}
    made: list[str] = []
    real = H.file_page_model
    monkeypatch.setattr(H, "file_page_model", lambda report, *a: made.append(report["id"]) or real(report, *a))

    H.render_html(out)
    assert made == [] and all(p.stat().st_mtime_ns == 1 for p in pages)

    (corpus / "a.txt").write_text("改过的\u200b内容。\n", encoding="utf-8")
    os.utime(corpus / "a.txt", (1.5e9, 1.5e9))
    qc.scan([str(corpus)], out=out, jobs=1, select=["EN"])
    H.render_html(out)
    assert made == ["a.txt"]
    incremental = {p: p.read_bytes() for p in pages}
    assert all(incremental[p] == before[p] for p in pages if p.name != "a.txt.html")
    (out / "files" / "a.txt.html").unlink()
    H.render_html(out)
    assert (out / "files" / "a.txt.html").read_bytes() == incremental[out / "files" / "a.txt.html"]

    made.clear()
    H.render_html(out, max_text_kb=1)  # another option: every page again
    assert len(made) == 4
    made.clear()
    os.utime(corpus / "b.txt", None)  # just touched: its stat is not trusted, the page is rendered
    stats = H.render_html(out, max_text_kb=1)
    assert made == ["b.txt"] and stats.files == 4 and stats.from_source == 4


def test_unchanged_pages_keep_their_counts_and_a_recent_source_is_reread(tmp_path):
    """Skipped pages still count as from-source or excerpts-only; a source gone since is noticed."""
    import os

    import qc

    corpus = tmp_path / "c"
    corpus.mkdir()
    for name in ("a.txt", "b.txt"):
        (corpus / name).write_text("正文\u200b内容。\n", encoding="utf-8")
        os.utime(corpus / name, (1e9, 1e9))
    out = tmp_path / "out"
    qc.scan([str(corpus)], out=out, jobs=1, select=["EN"])
    first = H.render_html(out)
    again = H.render_html(out)
    assert (first.files, first.from_source, first.excerpts_only) == (again.files, again.from_source, again.excerpts_only) == (2, 2, 0)
    (corpus / "b.txt").unlink()
    gone = H.render_html(out)
    assert (gone.from_source, gone.excerpts_only) == (1, 1)
    assert "was not found" in (out / "files" / "b.txt.html").read_text(encoding="utf-8")


def test_unchanged_pages_are_checked_without_reading_their_reports(tmp_path, monkeypatch):
    """A page's first line holds the digest of the report it was rendered from and that report
    file's stat: while the stat holds, a re-render reads no report; a report rewritten with the
    same content only restamps the page; a changed report re-renders its page."""
    import os

    import qc

    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text("正文\u200b内容在这里。\n", encoding="utf-8")
    (corpus / "r.jsonl").write_text('{"text": "记录一\u200b"}\n{"text": "记录二"}\n', encoding="utf-8")
    out = tmp_path / "out"

    def age() -> None:  # older than the two-second rule, for sources and reports alike
        for p in [*corpus.iterdir(), *(out / "files").rglob("*.json*")]:
            os.utime(p, (1e9, 1e9))

    (corpus / "a.txt").touch()
    qc.scan([str(corpus)], out=out, jobs=1, select=["EN"])
    age()
    H.render_html(out)
    pages = sorted((out / "files").rglob("*.html"))
    assert len(pages) == 3
    before = {p: p.read_bytes() for p in pages}
    raws: list[str] = []
    real_raw = H.ReportLoader.raw
    monkeypatch.setattr(H.ReportLoader, "raw", lambda self, row: raws.append(row["id"]) or real_raw(self, row))
    made: list[str] = []
    real_model = H.file_page_model
    monkeypatch.setattr(H, "file_page_model", lambda report, *a: made.append(report["id"]) or real_model(report, *a))

    H.render_html(out)
    assert raws == [] and made == [] and {p: p.read_bytes() for p in pages} == before

    report = out / "files" / "a.txt.json"
    report.write_bytes(report.read_bytes())  # same bytes, a new mtime
    os.utime(report, (1.2e9, 1.2e9))
    H.render_html(out)
    assert raws == ["a.txt"] and made == []  # read once, found equal: the page is restamped
    page = out / "files" / "a.txt.html"
    assert page.read_bytes() != before[page] and len(page.read_bytes()) == len(before[page])
    raws.clear()
    H.render_html(out)
    assert raws == [] and made == []

    (corpus / "a.txt").write_text("改过的\u200b内容。\n", encoding="utf-8")
    qc.scan([str(corpus)], out=out, jobs=1, select=["EN"])
    age()
    os.utime(report, (1.4e9, 1.4e9))
    raws.clear()
    H.render_html(out)
    assert made == ["a.txt"] and "a.txt" in raws
    assert "改过的" in page.read_text(encoding="utf-8")
