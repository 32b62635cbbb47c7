"""HTML reports: ``<out>/index.html``, ``<out>/files/<rel>.html`` and ``<out>/rules/<ID>.html``.

Rendered from the JSON reports only (``summary.json`` and ``files/*.json``), so ``qc report OUT``
can re-render without rescanning. The JSON holds no document text: the per-file page re-reads the
source (``path`` in the report) with the same reader as the scan and checks its sha256; when the
source is gone or changed, the page shows the findings' excerpts and says so.

Safety: corpus text and file names are untrusted. Every page is a Jinja2 template with autoescape
on; the text is split into segments in Python and each segment is escaped by the template (no
HTML is built by concatenating corpus text). Data for the page scripts goes in a
``<script type="application/json">`` block with ``<``, ``>``, ``&``, U+2028 and U+2029 escaped. A
Content-Security-Policy allows only the page's own script (by hash) and no network at all.
Pages are self-contained: CSS and JS are inlined from ``qc/report/static/``.
"""
from __future__ import annotations

import base64
import bisect
import hashlib
import json
import os
import posixpath
import re
import stat
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator, NamedTuple
from urllib.parse import quote

from markupsafe import Markup

from ..model import FAMILIES, SEVERITY_RANK
from ..pool import ignore_interrupts, stop_pool
from .files import atomic_write, confined, report_relpath

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

DEFAULT_MAX_TEXT_KB = 512
DEFAULT_MAX_PAGES = 20_000  # per-document pages written by default (the lowest scores first)
MAX_TABLE_ROWS = 2000
INDEX_MAX_ROWS = 20_000  # the index table lists at most this many documents (the lowest scores)
CONTEXT_CHARS = 40  # characters of context around a finding listed beyond the cut
FAMILY_COLOURS = {
    "encoding": "#d62728",
    "script": "#1f77b4",
    "pinyin": "#ff7f0e",
    "offtopic": "#9467bd",
    "boilerplate": "#7f7f7f",
    "format": "#2ca02c",
}

# Characters a reader cannot see: C0/C1 controls other than tab, newline and carriage return
# (CR shows as the line break it is; the browser turns it into LF), soft hyphen, zero-width and bidi controls, word joiners, BOM, interlinear
# annotation marks, line/paragraph separators, Hangul fillers, private use. (Variation selectors
# are left alone: they belong to emoji and CJK ideographic variants.)
INVISIBLE_RE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f"
    "\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb"
    "\ue000-\uf8ff\U000e0000-\U000e007f\U000f0000-\U0010ffff]"
)
_SHORT_NAMES = {"\r": "CR", "\x00": "NUL", "\x1b": "ESC", "\x7f": "DEL", "\u200b": "ZWSP", "\u200c": "ZWNJ",
                "\u200d": "ZWJ", "\ufeff": "BOM", "\u00ad": "SHY", "\u2028": "LSEP", "\u2029": "PSEP",
                "\u200e": "LRM", "\u200f": "RLM", "\u202a": "LRE", "\u202b": "RLE", "\u202c": "PDF",
                "\u202d": "LRO", "\u202e": "RLO", "\u2060": "WJ", "\u2066": "LRI", "\u2067": "RLI",
                "\u2068": "FSI", "\u2069": "PDI"}


# --- pure helpers (unit-tested) ---------------------------------------------------------------


def safe_json(obj: Any) -> Markup:
    """JSON that is safe inside ``<script type="application/json">`` (and inside HTML at all)."""
    s = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    s = (s.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
         .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
    return Markup(s)


def char_label(ch: str) -> str:
    """Short visible label for an invisible character: ``ZWSP``, ``U+0007``…"""
    if ch in _SHORT_NAMES:
        return _SHORT_NAMES[ch]
    return f"U+{ord(ch):04X}"


def char_title(ch: str) -> str:
    return f"U+{ord(ch):04X} {unicodedata.name(ch, 'control or private-use character')}"


def visible_pieces(s: str) -> list[tuple[str, str]]:
    """Split text into ("t", text) and ("i", char) pieces, one ("i", c) per invisible character."""
    out: list[tuple[str, str]] = []
    pos = 0
    for m in INVISIBLE_RE.finditer(s):
        if m.start() > pos:
            out.append(("t", s[pos : m.start()]))
        out.append(("i", m.group()))
        pos = m.end()
    if pos < len(s):
        out.append(("t", s[pos:]))
    return out


def covered_ranges(f: dict[str, Any]) -> list[tuple[int, int]]:
    """The character ranges a finding highlights: its ``parts`` when present, else [start, end)."""
    if f.get("parts"):
        return [(int(a), int(b)) for a, b in f["parts"] if int(b) > int(a)]
    if f["end"] > f["start"]:
        return [(int(f["start"]), int(f["end"]))]
    return []


@dataclass(frozen=True)
class Segment:
    start: int
    end: int
    findings: tuple[int, ...]  # indices into the findings list, sorted


def segments(length: int, findings: list[dict[str, Any]]) -> list[Segment]:
    """Split [0, length) at every span boundary; each segment carries the findings covering it.

    Overlapping and nested spans become several segments, each knowing all its findings, so the
    page can colour and explain every character. Ranges are clipped to ``length``.
    """
    events: dict[int, list[tuple[int, int]]] = {}
    for i, f in enumerate(findings):
        for a, b in covered_ranges(f):
            a, b = max(0, a), min(length, b)
            if b <= a:
                continue
            events.setdefault(a, []).append((1, i))
            events.setdefault(b, []).append((-1, i))
    points = sorted(set(events) | {0, length})
    active: dict[int, int] = {}
    out: list[Segment] = []
    for k, p in enumerate(points):
        for delta, i in events.get(p, ()):
            n = active.get(i, 0) + delta
            if n:
                active[i] = n
            else:
                active.pop(i, None)
        if k + 1 < len(points):
            q = points[k + 1]
            if q > p:
                seg = Segment(p, q, tuple(sorted(active)))
                if out and out[-1].findings == seg.findings:
                    out[-1] = Segment(out[-1].start, q, seg.findings)
                else:
                    out.append(seg)
    return out


def cut_point(text: str, max_bytes: int) -> int:
    """How many characters of ``text`` to show: at most ``max_bytes`` of UTF-8, ending at a line
    break when one is close to the limit. Returns len(text) when it fits."""
    if max_bytes <= 0 or len(text) * 4 <= max_bytes:
        return len(text)
    enc = text.encode("utf-8", "surrogatepass")
    if len(enc) <= max_bytes:
        return len(text)
    n = len(enc[:max_bytes].decode("utf-8", "ignore"))
    nl = text.rfind("\n", max(0, n - 2000), n)
    return nl + 1 if nl > 0 else n


def href(from_rel: str, to_rel: str) -> str:
    """A relative, percent-encoded link between two pages under ``<out>`` (never a scheme URL)."""
    rel = posixpath.relpath(to_rel, posixpath.dirname(from_rel) or ".")
    return quote(rel, safe="/")


def worst_severity(findings: Iterable[dict[str, Any]]) -> str | None:
    sev = [f["severity"] for f in findings]
    return max(sev, key=SEVERITY_RANK.__getitem__) if sev else None


def gate_status(summary: dict[str, Any], gate: Any = None, gate_record: dict[str, Any] | None = None) -> dict[str, Any]:
    """Pass/fail and why. In order: ``gate_record`` (``<out>/gate.json``, the CI gate's own record
    of this scan, when it matches the summary), ``gate`` (the CLI's gate result, an object or
    dict with ``passed`` and ``reasons``), a ``gate`` record in summary.json, else the verdict
    gate re-evaluated from the rows with the scan's ``fail_on``."""
    rows = summary.get("files") or []
    cands: list[Any] = []
    if isinstance(gate_record, dict):
        n = (gate_record.get("counts") or {}).get("documents")
        if n is None or n == len(rows):
            cands.append(gate_record)
    cands.append(gate)
    for holder in (summary, summary.get("settings") or {}, summary.get("totals") or {}):
        cands.append(holder.get("gate"))
    settings = summary.get("settings") or {}
    for g in cands:
        if g is None:
            continue
        if not isinstance(g, dict):
            g = {k: getattr(g, k) for k in ("passed", "reasons", "exit_zero") if hasattr(g, k)}
        if "passed" not in g:
            continue
        pol = g.get("policy")
        if isinstance(pol, str):
            policy = {"policy": pol}
        else:
            policy = {k: v for k, v in (pol if isinstance(pol, dict) else g).items()
                      if k in ("fail_on", "fail_on_severity", "max_ratio", "max_corpus_ratio", "baseline", "exit_zero")
                      and v not in (None, False, [], {})}
            if "fail_on" not in policy and settings.get("fail_on"):
                policy = {"fail_on": settings["fail_on"], **policy}
        if g.get("exit_zero") or g.get("exit_code") == 0 and not g["passed"]:
            policy["exit_zero"] = True
        if settings.get("baseline") and "baseline" not in policy:
            policy["baseline"] = settings["baseline"]
        return {"passed": bool(g["passed"]), "reasons": [str(r) for r in g.get("reasons") or []], "policy": policy,
                "warnings": [str(w) for w in g.get("warnings") or []]}
    fail_on = (summary.get("settings") or {}).get("fail_on") or "fail"
    rows = summary.get("files") or []
    try:
        from ..gate import FAIL_ON, evaluate

        if fail_on not in FAIL_ON:
            fail_on = "fail"
        res = evaluate(rows, fail_on)
        return {"passed": res.passed, "reasons": list(res.reasons), "policy": {"fail_on": fail_on}, "warnings": []}
    except Exception:  # noqa: BLE001 - the banner must not take the report down
        order = ("pass", "warn", "fail")
        floor = order.index(fail_on) if fail_on in order else None
        bad = [r for r in rows if floor is not None and order.index(r.get("verdict", "pass")) >= floor]
        return {"passed": not bad, "policy": {"fail_on": fail_on}, "warnings": [],
                "reasons": [f"{r['id']}: verdict {r['verdict']} (score {r.get('score')})" for r in bad]}


# --- templates and static assets --------------------------------------------------------------


def _pct(x: Any) -> str:
    v = 100 * float(x or 0)
    return "<0.1%" if 0 < v < 0.05 else f"{v:.1f}%"


@lru_cache(maxsize=1)
def _env():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=StrictUndefined, auto_reload=False,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["pct"] = _pct
    env.globals["FAMILIES"] = FAMILIES
    env.globals["COLOURS"] = FAMILY_COLOURS
    env.globals["char_label"] = char_label
    env.globals["char_title"] = char_title
    env.globals["safe_json"] = safe_json
    env.filters["visible"] = lambda s: visible_pieces(str(s or ""))
    return env


@lru_cache(maxsize=None)
def _asset(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


def _csp(script: str) -> str:
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
            f"script-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'")


def _page(template: str, script_name: str | None, **ctx: Any) -> str:
    script = _asset(script_name) if script_name else ""
    ctx.setdefault("page_key", None)
    ctx.update(css=Markup(_asset("style.css")), script=Markup(script), csp=_csp(script))
    return _env().get_template(template).render(**ctx)


@lru_cache(maxsize=1)
def _render_digest() -> str:
    """qc's code digest plus every template and static asset: what a page's look depends on."""
    from ..cache import code_digest

    h = hashlib.sha256(code_digest().encode())
    for folder in (TEMPLATES, STATIC):
        for p in sorted(Path(folder).rglob("*")):
            if p.is_file():
                h.update(str(p.relative_to(folder)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def _page_key(*parts: Any) -> str:
    """A file page's inputs, hashed: the render code, its report as stored, the stat of its
    source (``SourceReader.source_stat``), its place among the pages and the options. Written
    into the page (``_PAGE_KEY``) so a re-render of an unchanged scan skips the page."""
    joined = "\x1f".join(p if isinstance(p, str) else repr(p) for p in parts)  # str, int, None, tuples, lists
    return hashlib.sha256((_render_digest() + "\x1f" + joined).encode("utf-8", "surrogatepass")).hexdigest()[:32]


_PAGE_KEY = re.compile(r"<!-- qc-page ([0-9a-f]{32}) (text|excerpts|none)(?: ([0-9a-f]{32}) ([0-9a-f]{16}))? -->")


class PageHead(NamedTuple):
    """What a file page's first line says of its inputs: its key, how it shows its document,
    the digest of the report it was rendered from and that report's place and stat then."""

    key: str
    mode: str
    report_digest: str | None
    report_stat: str | None


def _page_head(path: Path) -> PageHead | None:
    """The ``PageHead`` in the first 512 bytes of the page at ``path``, if it has one."""
    try:
        with open(path, "rb") as f:
            head = f.read(512).decode("utf-8", "replace")
    except OSError:
        return None
    m = _PAGE_KEY.search(head)
    return PageHead(*m.groups()) if m is not None else None


def _report_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:32]


_NO_STAT = "0" * 16  # the report file was too fresh to vouch for its content when the page was made


def _restamp(path: Path, head: PageHead, report_stat: str) -> None:
    """Rewrite an up-to-date page with its report's current stat in its first line (the report
    file was rewritten with the same content for this page): cheaper than rendering it. A page
    stamped ``_NO_STAT`` keeps it (re-rendering the same inputs gives the same bytes); it gets a
    stat the next time it is rendered."""
    try:
        page = path.read_text(encoding="utf-8")
    except (OSError, ValueError):
        return
    old = f"<!-- qc-page {head.key} {head.mode} {head.report_digest} {head.report_stat} -->"
    at = page.find(old, 0, 512)
    if head.report_digest and head.report_stat and at >= 0:
        new = f"<!-- qc-page {head.key} {head.mode} {head.report_digest} {report_stat} -->"
        atomic_write(path, page[:at] + new + page[at + len(old):])


# --- reading sources back ---------------------------------------------------------------------


class SourceReader:
    """Re-reads documents for the per-file pages. Records of one file are read in one pass
    (the summary lists them in reader order); a file is re-opened only if asked out of order."""

    def __init__(self, bases: list[Path], text_field: str = "text", id_field: str | None = None):
        self.bases = bases
        self.text_field, self.id_field = text_field or "text", id_field or None
        self._key: tuple[str, str] | None = None
        self._it: Iterator | None = None

    def _candidates(self, path: str) -> list[str]:
        out = [path]
        if not os.path.isabs(path):
            out += [str(b / path) for b in self.bases]
        seen: list[str] = []
        for c in out:
            if c not in seen:
                seen.append(c)
        return seen

    def source_stat(self, path: str) -> tuple | None:
        """(file, size, mtime, inode) of the first existing candidate for ``path``, ("missing",)
        when there is none, None when the file changed in the last two seconds (a same-size
        rewrite within the mtime granularity would go unseen: the page is then rendered)."""
        from ..cache import Cache, too_fresh

        for c in self._candidates(path):
            try:
                st = os.stat(c)
            except OSError:
                continue
            if not stat.S_ISREG(st.st_mode):
                continue
            if too_fresh(st):
                return None
            return Cache.stat_key(c, st=st)
        return ("missing",)

    def _docs(self, path: str, rel: str, restart: bool) -> Iterator:
        key = (path, rel)
        if restart or self._key != key or self._it is None:
            self._key = key
            self._it = self._open(path, rel)
        return self._it

    def _open(self, path: str, rel: str) -> Iterator:
        """The documents of one source file, read the way the scan read them."""
        from ..corpus import SourceFile, read_file

        src = SourceFile(path, rel)
        try:
            from ..readers import ReadOptions, Unit, file_format, read_unit
        except ImportError:  # record readers not available: plain files only
            return read_file(src)
        fmt = file_format(rel)
        if fmt == "text":
            return read_file(src)
        return read_unit(Unit(src, fmt, 0, None, 1 if fmt.startswith("jsonl") else 0),
                         ReadOptions(self.text_field, self.id_field))

    def text(self, report: dict[str, Any]) -> tuple[str | None, str | None]:
        """(text, None) when the source still matches the report, else (None, why not)."""
        path = report.get("path") or ""
        doc_id = report["id"]
        rel = doc_id.split("#", 1)[0] if report.get("record") is not None else doc_id
        existing = [c for c in self._candidates(path) if os.path.isfile(c)]
        if not existing:
            return None, f"The source file {path} was not found, so only the findings' excerpts are shown"
        for cand in existing:
            for restart in (False, True):
                for doc in self._docs(cand, rel, restart):
                    if doc.id == doc_id or (report.get("record") is not None and doc.record == report["record"]):
                        if doc.sha256 != report.get("sha256") or len(doc.text) < report.get("chars", 0):
                            return None, (f"The source {path} changed since the scan (sha256 differs), so only "
                                          "the findings' excerpts are shown")
                        return doc.text[: report.get("chars", len(doc.text))], None
                self._it = None
        return None, f"Document {doc_id} was not found in {path} any more, so only the findings' excerpts are shown"


# --- page models ------------------------------------------------------------------------------


def _finding_view(i: int, f: dict[str, Any]) -> dict[str, Any]:
    return {
        "i": i,
        "rule": f["rule"],
        "name": f.get("name", ""),
        "family": f.get("family", ""),
        "severity": f.get("severity", "info"),
        "start": f["start"],
        "end": f["end"],
        "line": f.get("line"),
        "column": f.get("column"),
        "end_line": f.get("end_line"),
        "end_column": f.get("end_column"),
        "excerpt": f.get("excerpt", ""),
        "message": f.get("message", ""),
        "suggestion": f.get("suggestion"),
        "parts": len(f.get("parts") or []),
        "doc_level": not covered_ranges(f),
        "context": None,
    }


def _groups(views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Findings grouped by rule, worst rule first (severity, then count), rows in text order."""
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for v in views:
        by_rule.setdefault(v["rule"], []).append(v)
    groups = []
    for rid, rows in by_rule.items():
        sev = worst_severity(rows) or "info"
        groups.append({"rule": rid, "name": rows[0]["name"], "family": rows[0]["family"], "severity": sev,
                       "rows": sorted(rows, key=lambda r: (r["start"], r["end"], r["i"])), "count": len(rows)})
    groups.sort(key=lambda g: (-SEVERITY_RANK[g["severity"]], -g["count"], g["rule"]))
    budget = MAX_TABLE_ROWS
    for g in groups:
        g["hidden"] = max(0, len(g["rows"]) - budget)
        g["rows"] = g["rows"][: max(0, budget)]
        budget -= len(g["rows"])
    return groups


def file_page_model(report: dict[str, Any], text: str | None, source_note: str | None,
                    max_text_kb: int = DEFAULT_MAX_TEXT_KB) -> dict[str, Any]:
    """Everything the file template needs (no HTML here: the template escapes it all)."""
    findings = report.get("findings") or []
    views = [_finding_view(i, f) for i, f in enumerate(findings)]
    model: dict[str, Any] = {"report": report, "findings": views, "groups": _groups(views),
                             "source_note": source_note, "text_segments": None, "cut": None,
                             "beyond": [], "doc_level": [v for v in views if v["doc_level"]]}
    if text is not None:
        n = cut_point(text, max_text_kb * 1024)
        shown = text[:n]
        segs = segments(n, findings)
        model["text_segments"] = [
            {"findings": s.findings,
             "families": _seg_families(s.findings, findings),
             "pieces": visible_pieces(shown[s.start : s.end]),
             "first": [i for i in s.findings if _starts_at(findings[i], s.start)]}
            for s in segs
        ]
        if n < len(text):
            beyond = [v for v in views if not v["doc_level"] and max(b for _, b in covered_ranges(findings[v["i"]])) > n]
            model["cut"] = {"shown_chars": n, "total_chars": len(text), "kb": max_text_kb,
                            "shown_bytes": len(shown.encode("utf-8", "surrogatepass")),
                            "total_bytes": report.get("size_bytes")}
            for v in beyond:
                a, e = v["start"], v["end"]
                span = text[a:e]
                v["context"] = {"before": visible_pieces(text[max(0, a - CONTEXT_CHARS):a]),
                                "span": visible_pieces(span[:300] + ("…" if len(span) > 300 else "")),
                                "after": visible_pieces(text[e:e + CONTEXT_CHARS])}
            model["beyond"] = beyond
    else:
        model["beyond"] = [v for v in views if not v["doc_level"]]
    seen_in_text = {i for seg in (model["text_segments"] or []) for i in seg["findings"]}
    model["data"] = {
        "findings": [{k: v[k] for k in ("i", "rule", "name", "family", "severity", "message", "line", "column")}
                     | {"in_text": v["i"] in seen_in_text, "suggestion": _clip(v["suggestion"], 400)}
                     for v in views],
    }
    return model


def _clip(s: str | None, n: int) -> str | None:
    """At most ``n`` characters (the tooltip shows long suggestions cut; the JSON has them whole)."""
    return s if s is None or len(s) <= n else s[:n] + "…"


def _starts_at(f: dict[str, Any], pos: int) -> bool:
    rngs = covered_ranges(f)
    return bool(rngs) and min(a for a, _ in rngs) == pos


def _seg_families(idx: tuple[int, ...], findings: list[dict[str, Any]]) -> list[str]:
    """Families of a segment, the one of its most severe finding first."""
    if not idx:
        return []
    ordered = sorted(idx, key=lambda i: (-SEVERITY_RANK.get(findings[i].get("severity", "info"), 0), i))
    fams: list[str] = []
    for i in ordered:
        fam = findings[i].get("family", "")
        if fam not in fams:
            fams.append(fam)
    return fams


def _histogram(values: list[float], bins: int, lo: float, hi: float, zero_bin: bool, key: str) -> dict[str, Any]:
    """Bars for an inline SVG: an optional bar for exact zeros, then ``bins`` equal bins
    [edge_k, edge_k+1) (the last one closed). The page filters the file table by the same edges."""
    edges = [lo + (hi - lo) * k / bins for k in range(bins)] + [hi]
    counts = [0] * bins
    zeros = 0
    for v in values:
        if zero_bin and v == 0:
            zeros += 1
            continue
        counts[min(bins - 1, max(0, bisect.bisect_right(edges, v) - 1))] += 1
    bars = ([{"label": "exactly 0", "count": zeros, "lo": 0.0, "hi": 0.0, "zero": True}] if zero_bin else []) + [
        {"label": f"{edges[k]:g}–{edges[k + 1]:g}", "count": c, "lo": edges[k], "hi": edges[k + 1], "zero": False}
        for k, c in enumerate(counts)]
    top = max([b["count"] for b in bars] + [1])
    width, height = 240, 70
    bw = width / len(bars)
    for k, b in enumerate(bars):
        h = 0 if not b["count"] else max(2.0, height * b["count"] / top)
        b.update(x=round(k * bw + 1, 2), w=round(bw - 2, 2), y=round(height - h, 2), h=round(h, 2))
    return {"bars": bars, "max": top, "width": width, "height": height, "n": len(values), "key": key,
            "zero_bin": zero_bin}


def index_page_model(summary: dict[str, Any], rules_meta: dict[str, dict[str, Any]],
                     file_hrefs: dict[str, str | None], gate: Any = None,
                     gate_record: dict[str, Any] | None = None) -> dict[str, Any]:
    rows = summary.get("files") or []
    settings = summary.get("settings") or {}
    totals = summary.get("totals") or {}
    fam_hists = []
    for fam in FAMILIES:
        vals = [float((r.get("metrics") or {}).get(f"{fam}_ratio", 0.0)) for r in rows]
        h = _histogram(vals, 10, 0.0, 1.0, zero_bin=True, key=f"{fam}_ratio")
        h["family"] = fam
        fam_hists.append(h)
    score_hist = _histogram([float(r.get("score", 0)) for r in rows], 10, 0.0, 100.0, zero_bin=False, key="score")
    files_with: dict[str, int] = {}
    for r in rows:
        for rid, n in (r.get("by_rule") or {}).items():
            if n:
                files_with[rid] = files_with.get(rid, 0) + 1
    rule_ids = list(dict.fromkeys(list(settings.get("rules") or []) + sorted(totals.get("by_rule") or {})))
    rules_table = []
    for rid in rule_ids:
        meta = rules_meta.get(rid, {})
        rules_table.append({"id": rid, "name": meta.get("name", ""), "family": meta.get("family", ""),
                            "severity": meta.get("severity", ""), "findings": (totals.get("by_rule") or {}).get(rid, 0),
                            "files": files_with.get(rid, 0), "href": f"rules/{quote(rid)}.html" if rid in rules_meta else None})
    rules_table.sort(key=lambda r: (-r["findings"], r["id"]))
    listed = rows
    if len(rows) > INDEX_MAX_ROWS:
        listed = sorted(rows, key=lambda r: (float(r.get("score", 0)), r["id"]))[:INDEX_MAX_ROWS]
    data_rows = []
    for r in listed:
        m = r.get("metrics") or {}
        sev = r.get("by_severity") or {}
        data_rows.append([
            r["id"], file_hrefs.get(r["id"]), r.get("status", "ok"), r.get("score", 0), r.get("verdict", "pass"),
            *[m.get(f"{fam}_ratio", 0.0) for fam in FAMILIES],
            r.get("findings", 0), sev.get("error", 0), sev.get("warning", 0), sev.get("info", 0),
            " ".join(k for k, v in sorted((r.get("by_rule") or {}).items()) if v), r.get("error") or "",
        ])
    columns = ["id", "href", "status", "score", "verdict", *[f"{f}_ratio" for f in FAMILIES],
               "findings", "errors", "warnings", "infos", "rules", "error"]
    settings_view = [(k, v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))
                     for k, v in settings.items() if k not in ("rules",)]
    return {
        "summary": summary, "settings": settings, "settings_view": settings_view, "totals": totals,
        "gate": gate_status(summary, gate, gate_record), "fam_hists": fam_hists, "score_hist": score_hist,
        "rules_table": rules_table, "data": {"columns": columns, "rows": data_rows, "families": list(FAMILIES)},
        "n_files": len(rows), "n_listed": len(listed),
    }


def rule_page_model(rule: Any) -> dict[str, Any]:
    examples = {}
    for kind in ("fail", "pass"):
        exs = []
        for e in (rule.examples or {}).get(kind) or []:
            if isinstance(e, dict):
                exs.append({"pieces": visible_pieces(str(e.get("text", ""))),
                            "note": {k: v for k, v in e.items() if k != "text"}})
            else:
                exs.append({"pieces": visible_pieces(str(e)), "note": {}})
        examples[kind] = exs
    params = {k: v for k, v in (rule.params or {}).items() if not str(k).startswith("_")}
    return {"rule": rule, "examples": examples,
            "params": [(k, v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)) for k, v in params.items()]}


# --- the renderer -----------------------------------------------------------------------------


class ReportLoader:
    """Loads the JSON report of each summary row. A report file may hold one report (``.json``)
    or many (a JSONL of record reports, rows carrying ``report_line``): those are read with a
    forward cursor, so rendering a file of N records reads its report file once, not N times."""

    def __init__(self, out: Path):
        self.out = out
        self._path: Path | None = None
        self._fh: Any = None
        self._line = 0  # lines consumed from _fh
        self._stats: dict[str, tuple | None] = {}  # report file → its stat key (report_stat)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
        self._fh, self._path, self._line = None, None, 0

    def report_stat(self, row: dict[str, Any]) -> str | None:
        """A short digest of where the row's report is stored (its path inside the folder, size,
        mtime, line), None when its file cannot be stat'ed or changed in the last two seconds (a
        same-size rewrite within the mtime granularity would go unseen). One ``stat`` per report
        file. Not the absolute path or inode: a copy of the folder that keeps mtimes (``cp -p``,
        an unpacked CI artifact) keeps its pages, and its pages are the same bytes."""
        from ..cache import too_fresh

        rel = row.get("report") or report_relpath(row["id"])
        got = self._stats.get(rel, False)
        if got is False:
            got = None
            try:
                st = os.stat(confined(self.out, rel))
                if stat.S_ISREG(st.st_mode) and not too_fresh(st):
                    got = (rel, st.st_size, st.st_mtime_ns)
            except (OSError, ValueError):
                pass
            if len(self._stats) > 4096:
                self._stats.clear()
            self._stats[rel] = got
        if got is None:
            return None
        return hashlib.sha256(repr((got, row.get("report_line"))).encode("utf-8", "surrogatepass")).hexdigest()[:16]

    def raw(self, row: dict[str, Any]) -> str | None:
        """The row's report as stored (a ``.json`` file's text, or line ``report_line`` of a
        JSONL), not parsed; None when it cannot be had that way (``load`` then searches)."""
        rel = row.get("report") or report_relpath(row["id"])
        try:
            path = confined(self.out, rel)
        except ValueError:
            return None
        if path.suffix != ".jsonl":
            self.close()
            try:
                return path.read_text(encoding="utf-8")
            except (OSError, ValueError):
                return None
        want = row.get("report_line")
        if not isinstance(want, int):
            return None
        if self._path != path or want <= self._line:
            self.close()
            try:
                self._fh = open(path, encoding="utf-8")
            except OSError:
                return None
            self._path = path
        for line in self._fh:
            self._line += 1
            if self._line == want:
                return line
        return None

    def parse(self, row: dict[str, Any], raw: str) -> dict[str, Any] | None:
        """The report in ``raw`` (from ``raw``) if it is this row's, else None."""
        try:
            data = json.loads(raw)
        except ValueError:
            return None
        if isinstance(data, list):
            data = next((d for d in data if isinstance(d, dict) and d.get("id") == row["id"]), None)
        return data if isinstance(data, dict) and data.get("id") == row["id"] else None

    def load(self, row: dict[str, Any]) -> dict[str, Any] | None:
        rel = row.get("report") or report_relpath(row["id"])
        try:
            path = confined(self.out, rel)
        except ValueError:
            return None
        if not path.is_file():
            return None
        if path.suffix != ".jsonl":
            self.close()
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return None
            if isinstance(data, list):
                data = next((d for d in data if isinstance(d, dict) and d.get("id") == row["id"]), None)
            return data if isinstance(data, dict) else None
        want = row.get("report_line")
        for attempt in (0, 1):
            if self._path != path or attempt or (isinstance(want, int) and want <= self._line):
                self.close()
                self._fh = open(path, encoding="utf-8")
                self._path = path
            for line in self._fh:
                self._line += 1
                if isinstance(want, int) and self._line < want:
                    continue
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                if isinstance(rec, dict) and rec.get("id") == row["id"]:
                    return rec
                if isinstance(want, int) and self._line >= want:
                    break
        return None


def _rules_meta(ruleset: Any) -> dict[str, dict[str, Any]]:
    if ruleset is None:
        return {}
    return {r.id: {"name": r.name, "family": r.family, "severity": r.severity} for r in ruleset.rules}


@dataclass
class RenderStats:
    files: int = 0
    from_source: int = 0
    excerpts_only: int = 0
    rules: int = 0
    skipped: int = 0  # documents without a page (over max_pages)
    failed: int = 0  # file pages that raised while being rendered (no page, no link in the index)
    errors: list[str] = field(default_factory=list)  # the first MAX_ERRORS of them: "id: Type: message"


MAX_ERRORS = 20
PARALLEL_MIN_PAGES = 50  # a pool is started only for at least this many pages to render (≈ 0.5 s on one core)
CHUNK_PAGES = 16  # pages per task sent to a pool worker (≈ 0.15 s of work: the last chunk is a short wait)


class _PageRenderer:
    """Renders file pages from small jobs ``(k, row, rel, key, prev_id, prev_rel, next_id,
    next_rel)``: the parent's own (``jobs=1``, or too few pages for a pool) or one per pool
    worker, each with its own ReportLoader and SourceReader. A worker gets its pages in page
    order, so both only ever read forward: the records of a JSONL source are read in one pass
    per worker, the other workers' records skipped, never re-read from the start."""

    def __init__(self, out: Path, bases: list[Path], text_field: str, id_field: str | None, max_text_kb: int,
                 rule_ids: list[str], count: int, loader: ReportLoader | None = None,
                 reader: SourceReader | None = None):
        self.out, self.max_text_kb, self.rule_ids, self.count = Path(out), max_text_kb, rule_ids, count
        self.loader = loader or ReportLoader(self.out)
        self.reader = reader or SourceReader(bases, text_field, id_field)
        self._rule_links: dict[str, dict[str, str]] = {}  # by "../" prefix

    def render(self, job: tuple, raw: str | None = None) -> tuple[str | None, str | None]:
        """(mode, None) when the page was written ("text", "excerpts" or "none"); (None, None)
        when its report is missing or unreadable (no page, as ever); (None, error) when it
        raised (no page either: one bad page does not take the others down)."""
        try:
            return self._render(job, raw), None
        except Exception as e:  # noqa: BLE001 - reported in RenderStats.errors
            return None, f"{job[1]['id']}: {type(e).__name__}: {e}"

    def _render(self, job: tuple, raw: str | None) -> str | None:
        k, row, rel, key, prev_id, prev_rel, next_id, next_rel, report_digest, report_stat = job
        loader, reader = self.loader, self.reader
        if raw is None:
            raw = loader.raw(row)
        report = loader.parse(row, raw) if raw is not None else None
        if report is None:
            report = loader.load(row)
        if report is None:
            return None
        if report.get("status", "ok") == "ok" and report.get("chars", 0) > 0:
            text, note = reader.text(report)
        else:
            text, note = None, None
        mode = "none"
        if text is None and report.get("status", "ok") == "ok":
            mode = "excerpts"
        elif text is not None:
            mode = "text"
        up = "../" * rel.count("/")
        if up not in self._rule_links:
            self._rule_links[up] = {rid: up + f"rules/{quote(rid)}.html" for rid in self.rule_ids}
        nav = {
            "index": up + "index.html",
            "prev": href(rel, prev_rel) if prev_id is not None else None,
            "next": href(rel, next_rel) if next_id is not None else None,
            "prev_id": prev_id,
            "next_id": next_id,
            "position": k + 1, "count": self.count,
            "rules": self._rule_links[up],
            "json": href(rel, row.get("report") or report_relpath(row["id"])),
        }
        model = file_page_model(report, text, note, self.max_text_kb)
        html = _page("file.html.j2", "file.js", m=model, nav=nav, title=row["id"],
                     page_key=f"{key} {mode} {report_digest} {report_stat or _NO_STAT}" if key else None)
        atomic_write(confined(self.out, rel), html)
        return mode

    def close(self) -> None:
        self.loader.close()


_WORKER: dict[str, _PageRenderer] = {}


def _init_render_worker(*init: Any) -> None:
    ignore_interrupts()
    _WORKER["r"] = _PageRenderer(*init)


def _render_chunk(jobs: list[tuple]) -> list[tuple[int, str | None, str | None]]:
    r = _WORKER["r"]
    return [(job[0], *r.render(job)) for job in jobs]


class _PagePool:
    """File pages rendered by ``jobs`` worker processes, in chunks of CHUNK_PAGES consecutive
    pages submitted in page order (so each worker reads a record file's source forward). The
    pool starts only once PARALLEL_MIN_PAGES pages wait (else ``finish`` renders them here); at
    most a few chunks are in flight and only ``(k, mode, error)`` comes back. A chunk whose
    worker died is rendered in this process instead."""

    def __init__(self, jobs: int, init: tuple, on_result: Any):
        self.jobs, self.init, self.on_result = jobs, init, on_result
        self.ex: Any = None
        self.buf: list[tuple] = []
        self.inflight: dict[Any, list[tuple]] = {}
        self.local: _PageRenderer | None = None  # renders here: too few pages, or a broken pool
        self.broken = False

    def add(self, job: tuple) -> None:
        self.buf.append(job)
        if self.ex is None and not self.broken:
            if len(self.buf) < PARALLEL_MIN_PAGES:
                return
            self._start()
        while len(self.buf) >= CHUNK_PAGES:
            chunk, self.buf = self.buf[:CHUNK_PAGES], self.buf[CHUNK_PAGES:]
            self._submit(chunk)

    def finish(self) -> None:
        if self.buf:
            chunk, self.buf = self.buf, []
            if self.ex is None:
                self._here(chunk)
            else:
                self._submit(chunk)
        while self.inflight:
            self._drain(1)
        self.close()

    def close(self, kill: bool = False) -> None:
        ex, self.ex = self.ex, None
        stop_pool(ex, kill)
        if self.local is not None:
            self.local.close()
            self.local = None

    def _start(self) -> None:
        from concurrent.futures import ProcessPoolExecutor

        # what every page needs, made once here: a forked worker inherits it
        _env().get_template("file.html.j2")
        for name in ("style.css", "file.js"):
            _asset(name)
        self.ex = ProcessPoolExecutor(max_workers=self.jobs, initializer=_init_render_worker, initargs=self.init)

    def _submit(self, chunk: list[tuple]) -> None:
        if self.ex is None or self.broken:
            self._here(chunk)
            return
        while len(self.inflight) >= 2 * self.jobs:
            self._drain(len(self.inflight) - 2 * self.jobs + 1)
        try:
            fut = self.ex.submit(_render_chunk, chunk)
        except Exception:  # noqa: BLE001 - a broken pool: this process renders the rest
            self.broken = True
            self._here(chunk)
            return
        self.inflight[fut] = chunk

    def _drain(self, n: int) -> None:
        """Wait for at least ``n`` chunks in flight and hand their results on."""
        from concurrent.futures import FIRST_COMPLETED, wait

        got = 0
        while got < n and self.inflight:
            done, _ = wait(list(self.inflight), return_when=FIRST_COMPLETED)
            for fut in done:
                chunk = self.inflight.pop(fut)
                got += 1
                try:
                    results = fut.result()
                except Exception:  # noqa: BLE001 - the worker died (or the chunk did not pickle)
                    self.broken = True
                    self._here(chunk)
                    continue
                for k, mode, err in results:
                    self.on_result(k, mode, err)

    def _here(self, chunk: list[tuple]) -> None:
        if self.local is None:
            self.local = _PageRenderer(*self.init)
        for job in chunk:
            self.on_result(job[0], *self.local.render(job))


def render_html(out: str | Path, ruleset: Any = None, *, max_text_kb: int = DEFAULT_MAX_TEXT_KB,
                source_bases: list[str | Path] | None = None, gate: Any = None,
                max_pages: int = DEFAULT_MAX_PAGES, jobs: int = 1) -> RenderStats:
    """Write index.html, files/<rel>.html and rules/<ID>.html under ``out`` from its JSON reports.

    ``ruleset`` (a :class:`qc.rules.RuleSet`) provides the rule pages; without it the default
    rules are loaded. ``source_bases`` are extra folders to look for relative source paths in
    (the current directory is always tried first). The index banner shows ``<out>/gate.json``
    (written by the gate) when present, else ``gate`` (the scan's gate result), else the verdict
    gate re-evaluated from summary.json.
    A scan of more than ``max_pages`` documents gets pages for the ``max_pages`` lowest-scoring
    ones only (0: no limit); the index says so.
    ``jobs`` > 1 renders the file pages that need it in that many worker processes (when there
    are at least PARALLEL_MIN_PAGES of them); the pages are the same bytes as with ``jobs=1``.
    A page that raises is left out (no link in the index) and counted in ``failed``/``errors``."""
    out = Path(out)
    summary_path = out / "summary.json"
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    if ruleset is None:
        from ..rules import load_rules

        ruleset = load_rules()
    rules_meta = _rules_meta(ruleset)
    rows = summary.get("files") or []
    stats = RenderStats()
    settings = summary.get("settings") or {}
    bases = [Path(b) for b in (source_bases or [])] + [out.resolve().parent]
    text_field, id_field = settings.get("text_field"), settings.get("id_field")
    if text_field is None:  # older summaries: the project's config says how records were read
        try:
            from ..config import find_config

            cfg = find_config()[0]
            text_field, id_field = cfg.get("text_field"), id_field or cfg.get("id_field")
        except Exception:  # noqa: BLE001 - a broken config only costs the record texts
            pass
    pages = rows
    if max_pages and len(rows) > max_pages:
        keep = {r["id"] for r in sorted(rows, key=lambda r: (float(r.get("score", 0)), r["id"]))[:max_pages]}
        pages = [r for r in rows if r["id"] in keep]
    stats.skipped = len(rows) - len(pages)
    page_rel = {r["id"]: report_relpath(r["id"], ".html") for r in pages}
    digest_note = None
    if settings.get("ruleset_digest") and settings.get("ruleset_digest") != getattr(ruleset, "digest", None):
        digest_note = "The rules changed since this scan: rule pages show the current rules."
    rendered: dict[str, str | None] = {}
    rule_ids = sorted(rules_meta)
    init = (out, bases, text_field or "text", id_field, max_text_kb, list(rules_meta), len(pages))
    renderer = _PageRenderer(*init)
    loader, reader = renderer.loader, renderer.reader  # the parent's: page keys (and pages when serial)

    def page_done(k: int, mode: str | None, err: str | None) -> None:
        row = pages[k]
        if mode is None:
            rendered[row["id"]] = None
            if err is not None:
                stats.failed += 1
                if len(stats.errors) < MAX_ERRORS:
                    stats.errors.append(err)
            return
        stats.files += 1
        stats.from_source += mode == "text"
        stats.excerpts_only += mode == "excerpts"
        rendered[row["id"]] = quote(page_rel[row["id"]], safe="/")

    pool = _PagePool(jobs, init, page_done) if jobs > 1 else None
    try:
        for k, row in enumerate(pages):
            rel = page_rel[row["id"]]
            target = confined(out, rel)
            prev_id = pages[k - 1]["id"] if k > 0 else None
            next_id = pages[k + 1]["id"] if k + 1 < len(pages) else None
            # the page's inputs without parsing its report or reading its text: the digest of
            # the report as stored (taken from the page there while the report file's stat
            # vouches for it) and the stat of the source the text would come from
            head = _page_head(target)
            report_stat = loader.report_stat(row)
            raw = None
            if head is not None and head.report_digest and report_stat is not None and head.report_stat == report_stat:
                digest = head.report_digest
            else:
                raw = loader.raw(row)
                digest = _report_digest(raw) if raw is not None else None
            src = reader.source_stat(row.get("path") or "")
            key = None
            if digest is not None and src is not None:
                key = _page_key(digest, src, rel, prev_id, next_id, k, len(pages), rule_ids, row.get("report") or "",
                                max_text_kb, row["id"])
                if head is not None and head.key == key:  # the page there was rendered from these very inputs
                    if report_stat is not None and head.report_stat not in (report_stat, _NO_STAT, None):
                        _restamp(target, head, report_stat)  # so the next run need not read the report
                    page_done(k, head.mode, None)
                    continue
            job = (k, row, rel, key, prev_id, page_rel[prev_id] if prev_id is not None else None,
                   next_id, page_rel[next_id] if next_id is not None else None, digest, report_stat)
            if pool is None:
                page_done(k, *renderer.render(job, raw))
            else:
                pool.add(job)
        if pool is not None:
            pool.finish()
    except BaseException:  # interrupted, or failed: stop the workers now
        if pool is not None:
            pool.close(kill=True)
        raise
    finally:
        renderer.close()
    for rule in ruleset.rules:
        html = _page("rule.html.j2", None, m=rule_page_model(rule), index="../index.html", title=rule.id)
        atomic_write(confined(out, f"rules/{rule.id}.html"), html)
        stats.rules += 1
    gate_record = None
    try:
        gate_record = json.loads((out / "gate.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    model = index_page_model(summary, rules_meta, rendered, gate, gate_record)
    model["digest_note"] = digest_note
    model["pages_note"] = (f"Pages were written for the {len(pages)} lowest-scoring of {len(rows)} documents "
                           f"(limit {max_pages}; `qc report --max-pages 0` writes them all).") if stats.skipped else None
    atomic_write(out / "index.html", _page("index.html.j2", "index.js", m=model, title="qc report"))
    return stats
