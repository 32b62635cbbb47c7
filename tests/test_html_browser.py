"""The HTML report in a real browser: headless Chromium (Debian's /usr/bin/chromium) driven by
Playwright's Python API. Skips cleanly when either is missing. Screenshots go to test-artifacts/."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from qc.report import html as H
from qc.scoring import merge_ranges

from conftest import ROOT, SEEDS
from test_html import XSS_NAME, XSS_TEXT

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
SEED_FILES = ["001_2cdfacaa30bd1702.txt", "003_427f9ae79cdfc4f3.txt", "004_08eb4925235832b5.txt"]


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Seeds plus a hostile file, scanned with every rule, HTML rendered."""
    import qc

    root = tmp_path_factory.mktemp("site")
    hostile = root / "hostile"
    hostile.mkdir()
    (hostile / XSS_NAME).write_text(XSS_TEXT, encoding="utf-8")
    out = root / "out"
    qc.scan([str(SEEDS / n) for n in SEED_FILES] + [str(hostile)], out=out, jobs=1)
    H.render_html(out)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return out, summary


class Page:
    """A page that records console errors, uncaught exceptions and dialogs."""

    def __init__(self, browser):
        self.ctx = browser.new_context(viewport={"width": 1400, "height": 900})
        self.page = self.ctx.new_page()
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

        def on_dialog(d):
            self.dialogs.append(d.message)
            d.dismiss()

        self.page.on("dialog", on_dialog)

    def open(self, path: Path):
        self.page.goto(path.as_uri())
        return self.page

    def close(self):
        self.ctx.close()


@pytest.fixture
def tab(browser):
    t = Page(browser)
    yield t
    t.close()


def _seed_page(out: Path, summary: dict) -> tuple[dict, Path, str]:
    """The seed document with the most highlighted findings: its report, page and text."""
    best = None
    for row in summary["files"]:
        if row["id"] not in SEED_FILES:
            continue
        rep = json.loads((out / row["report"]).read_text(encoding="utf-8"))
        n = sum(1 for f in rep["findings"] if H.covered_ranges(f))
        if best is None or n > best[0]:
            best = (n, rep)
    rep = best[1]
    text = (SEEDS / rep["id"]).read_bytes().decode("utf-8")
    return rep, out / H.report_relpath(rep["id"], ".html"), text


def test_seed_page_highlights_match_the_json_findings(site, tab):
    out, summary = site
    rep, page_path, text = _seed_page(out, summary)
    page = tab.open(page_path)
    marks = page.evaluate("""() => {
        const m = {};
        document.querySelectorAll('#text mark.hl[data-f]').forEach(e => {
            for (const id of e.dataset.f.split(' ')) (m[id] = m[id] || []).push(e.textContent);
        });
        return m;
    }""")
    expected = {}
    for i, f in enumerate(rep["findings"]):
        rng = merge_ranges((a, min(b, len(text))) for a, b in H.covered_ranges(f))
        if rng:
            expected[str(i)] = "".join(text[a:b] for a, b in rng)
    assert len(expected) >= 5, "the seed page should carry several highlighted findings"
    assert sorted(marks, key=int) == sorted(expected, key=int)  # same count, same findings
    for i, want in expected.items():
        assert "".join(marks[i]) == want, rep["findings"][int(i)]
    # the findings table lists every finding once
    assert page.locator("#findings tr.row").count() == len(rep["findings"])
    assert tab.errors == [] and tab.dialogs == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "screenshot-file.png"))


def test_clicking_a_finding_row_scrolls_to_and_marks_its_span(site, tab):
    out, summary = site
    rep, page_path, _ = _seed_page(out, summary)
    page = tab.open(page_path)
    spans = [(f["start"], i) for i, f in enumerate(rep["findings"]) if H.covered_ranges(f)]
    _, last = max(spans)  # the finding furthest down the text
    page.locator(f'#findings tr.row[data-f="{last}"]').click()
    state = page.evaluate("""(id) => {
        const ms = [...document.querySelectorAll('#text mark.hl[data-f]')]
            .filter(e => e.dataset.f.split(' ').includes(String(id)));
        const r = ms[0].getBoundingClientRect();
        const tip = document.getElementById('tip');
        return {n: ms.length, active: ms.every(e => e.classList.contains('active')),
                others: document.querySelectorAll('#text mark.active').length,
                top: r.top, bottom: r.bottom, h: window.innerHeight,
                tip: tip.style.display, tipText: tip.textContent};
    }""", last)
    assert state["n"] >= 1 and state["active"] and state["others"] >= state["n"]
    assert 0 <= state["top"] and state["bottom"] <= state["h"], state
    assert state["tip"] == "block" and rep["findings"][last]["rule"] in state["tipText"]
    # Escape clears the marking
    page.keyboard.press("Escape")
    assert page.locator("#text mark.active").count() == 0
    assert page.locator("#tip").is_hidden()
    # hovering a highlight explains every finding covering it
    mark = page.locator("#text mark.hl[data-f]").first
    ids = [int(x) for x in mark.get_attribute("data-f").split()]
    mark.hover()
    tip = page.locator("#tip")
    assert tip.is_visible()
    for i in ids:
        f = rep["findings"][i]
        assert f["rule"] in tip.text_content() and f["severity"] in tip.text_content()
        assert f["message"][:40] in tip.text_content()
    assert tab.errors == []


def test_index_table_sorts_and_filters(site, tab):
    out, summary = site
    page = tab.open(out / "index.html")
    n = n_all = len(summary["files"])
    assert page.locator("#files-body tr").count() == n

    def scores():
        return [float(x) for x in page.locator("#files-body tr td:nth-child(3)").all_inner_texts()]

    page.locator('#files th[data-key="score"]').click()
    asc = scores()
    assert asc == sorted(asc) and len(asc) == n
    page.locator('#files th[data-key="score"]').click()
    desc = scores()
    assert desc == sorted(desc, reverse=True)
    assert page.locator('#files th[data-key="score"]').get_attribute("aria-sort") == "descending"
    # text filter
    page.locator("#q").fill("003_")
    assert page.locator("#files-body tr").count() == 1
    page.locator("#q").fill("")
    # a rule row filters the table to the files it fired on
    top = max(summary["totals"]["by_rule"].items(), key=lambda kv: kv[1])[0]
    want = sum(1 for r in summary["files"] if r["by_rule"].get(top))
    page.locator(f'#rules tr[data-rule="{top}"] td:nth-child(2)').click()
    assert page.locator("#files-body tr").count() == want
    assert page.locator("#rule-chip").is_visible()
    page.locator("#rule-clear").click()
    assert page.locator("#files-body tr").count() == n
    # a histogram bar lists exactly the files it counts
    import re

    bins = page.locator(".hist g.bin")
    checked = 0
    for k in range(bins.count()):
        g = bins.nth(k)
        n = int(re.search(r": (\d+) file", g.locator("title").text_content()).group(1))
        if n == 0:
            continue
        g.click()
        assert page.locator("#files-body tr").count() == n, g.get_attribute("data-label")
        g.click()  # a second click clears it
        checked += 1
    assert checked >= 7  # at least one bar per histogram
    assert page.locator("#files-body tr").count() == n_all
    # every file link opens an existing page
    from urllib.parse import unquote, urlparse

    for h in page.locator("#files-body a").evaluate_all("els => els.map(e => e.href)"):
        u = urlparse(h)
        assert u.scheme == "file" and Path(unquote(u.path)).is_file(), h
    assert tab.errors == [] and tab.dialogs == []
    page.locator('#files th[data-key="score"]').click()  # worst first for the screenshot
    page.evaluate("window.scrollTo(0, 0)")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "screenshot-index.png"))


def test_hostile_file_runs_no_script(site, tab):
    out, summary = site
    row = next(r for r in summary["files"] if "onerror" in r["id"])
    page = tab.open(out / "index.html")
    page.locator("#q").fill("onerror")
    link = page.locator("#files-body a")
    assert link.count() == 1 and link.inner_text() == row["id"]
    link.click()
    page.wait_for_load_state("load")
    assert page.locator("#doc-id").inner_text() == row["id"]
    text = page.locator("#text").text_content()
    assert "<script>window.__xss=1;alert(1)</script>" in text
    assert "{{ 7*7 }}" in text and '<a href="javascript:alert(4)">' in text
    # interact with everything that has a handler
    for m in page.locator("#text mark.hl").all()[:8]:
        m.hover()
        m.click()
    for r in page.locator("#findings tr.row").all()[:8]:
        r.click()
    assert page.evaluate("() => window.__xss === undefined")
    assert page.locator("img, svg, iframe, textarea, a[href^='javascript']").count() == 0
    assert tab.dialogs == [] and tab.errors == []
