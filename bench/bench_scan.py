"""Benchmark ``qc scan`` on a generated corpus: MB/s and peak RSS for -j 1, -j 2, a warm cache
and Ray, next to one plain regex pass over the same text (the yardstick: figures as ratios to it
hold across machines).

    python bench/make_corpus.py /tmp/qc-bench --mb 100
    python bench/bench_scan.py /tmp/qc-bench [--runs j1,j2,cache,ray,html] [--json results.json]
    python bench/bench_scan.py /tmp/qc-bench --rule-costs 200     # MB/s of every rule, in-process

Every run is the real CLI in a subprocess (``qc scan CORPUS --no-html -q --fail-on never``),
timed wall-clock from start to exit; peak RSS is the largest sum of the resident sizes of the
qc process and all its children (workers), sampled every 50 ms from /proc. "engine s" is the
scan time qc reports itself (without interpreter start-up and summary writing).
This is a benchmark script, not a timed test.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
YARDSTICK = re.compile(r"[\u4e00-\u9fff]+|[A-Za-z]+")


def corpus_bytes(corpus: Path) -> int:
    return sum(p.stat().st_size for p in corpus.rglob("*") if p.is_file() and p.name != "manifest.json")


def regex_pass(corpus: Path) -> dict:
    """Decode every file's text and time one ``finditer`` pass of a simple regex over it."""
    texts = []
    for p in sorted(corpus.rglob("*")):
        if not p.is_file() or p.name == "manifest.json" or p.suffix == ".parquet":
            continue
        texts.append(p.read_bytes().decode("utf-8", errors="replace"))
    nbytes = sum(len(t.encode("utf-8")) for t in texts)
    t0 = time.perf_counter()
    n = 0
    for t in texts:
        for _ in YARDSTICK.finditer(t):
            n += 1
    secs = time.perf_counter() - t0
    return {"run": "regex pass", "seconds": secs, "mb_s": nbytes / 1e6 / secs, "matches": n, "bytes": nbytes}


def _tree_rss_kb(pid: int) -> int:
    """RSS of ``pid`` and all its descendants (kB)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ppid = int(fields[1])
            rss[int(d)] = int(fields[21]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
            children.setdefault(ppid, []).append(int(d))
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        total += rss.get(p, 0)
        stack += children.get(p, [])
    return total


def run_qc(args: list[str], env: dict | None = None, html: bool = False) -> dict:
    cmd = [sys.executable, "-m", "qc.cli", "scan", *args, *([] if html else ["--no-html"]), "-q", "--fail-on", "never"]
    t0 = time.perf_counter()
    # as installed qc runs: Python's bytecode cache on (a sandbox's PYTHONDONTWRITEBYTECODE would
    # add ≈ 0.3 s of compiling to every run, a tenth of a warm re-scan)
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            env={**base, **(env or {})})
    peak = [0]

    def sample():
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_rss_kb(proc.pid))
            time.sleep(0.05)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out, err = proc.communicate()
    secs = time.perf_counter() - t0
    th.join()
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"qc failed ({proc.returncode}): {' '.join(cmd)}\n{err[-3000:]}")
    m = re.search(r"in\s+([\d.]+)s", out)
    return {"seconds": secs, "engine_seconds": float(m.group(1)) if m else None, "peak_rss_mb": peak[0] / 1024,
            "line": out.strip().splitlines()[-1] if out.strip() else ""}


def rule_costs(corpus: Path, max_docs: int, select: str | None = None) -> list[dict]:
    """In-process cost of every rule, every profile contributor and the engine's own per-document
    work (report building, scoring, language) on the first ``max_docs`` documents, after one
    warm-up document (one-time resource loading is excluded; see the first-document column)."""
    sys.path.insert(0, str(ROOT))
    from qc.corpus import walk
    from qc.engine import check_document
    from qc.profile import ProfileBuilder
    from qc.readers import plan_file, read_unit
    from qc.rules import load_rules

    rs = load_rules()
    if select:
        rs = rs.select(select.split(","))
    files, _ = walk([str(corpus)])
    docs = []
    for f in files:
        for u in plan_file(f):
            docs += [d for d in read_unit(u) if d.status == "ok"]
        if len(docs) >= max_docs + 1:
            break
    warm, docs = docs[0], docs[1:max_docs + 1]
    nbytes = sum(len(d.text.encode("utf-8", "surrogatepass")) for d in docs)
    b = ProfileBuilder()
    first: dict[str, float] = {}
    cost: dict[str, float] = {}
    for name, c in b.contribs.items():
        t = time.perf_counter()
        c.collect(warm)
        first[f"profile:{name}"] = time.perf_counter() - t
    for d in [warm] + docs:
        for name, c in b.contribs.items():
            t = time.perf_counter()
            item = c.collect(d)
            if d is not warm:
                cost[f"profile:{name}"] = cost.get(f"profile:{name}", 0.0) + time.perf_counter() - t
            b.acc[name] = c.merge(b.acc[name], item)
        b.n_docs += 1
    profile = b.build()
    for r in rs.rules:
        t = time.perf_counter()
        try:
            list(r.run(warm, profile) or ())
        except Exception:
            pass
        first[r.id] = time.perf_counter() - t
        t = time.perf_counter()
        for d in docs:
            try:
                list(r.run(d, profile) or ())
            except Exception:
                pass
        cost[r.id] = time.perf_counter() - t
    t = time.perf_counter()
    for d in docs:
        check_document(d, rs, profile)
    total = time.perf_counter() - t
    # rules share cached per-text analyses, so this whole is less than the sum of the parts above
    cost["(check_document: all rules + report building, scoring, language)"] = total
    out = []
    for k, v in sorted(cost.items(), key=lambda kv: -kv[1]):
        out.append({"what": k, "seconds": v, "mb_s": nbytes / 1e6 / v if v else float("inf"),
                    "first_doc_s": first.get(k)})
    print(f"{len(docs)} documents, {nbytes / 1e6:.2f} MB (after a warm-up document)")
    for row in out:
        fd = f"   first document {row['first_doc_s']:.2f} s" if row["first_doc_s"] is not None else ""
        print(f"{row['what']:<58} {row['seconds']:7.2f} s {row['mb_s']:9.2f} MB/s{fd}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--runs", default="j1,j2,cache,ray", help="comma-separated: j1, j2, cache, ray, html "
                    "(cold and warm scans that also write the HTML report, as `qc scan` does by default)")
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--select", default=None, help="rule selection passed to qc (default: all rules)")
    ap.add_argument("--rule-costs", type=int, metavar="N", help="instead: time every rule and profile "
                    "contributor in-process on N documents")
    args = ap.parse_args(argv)
    corpus = args.corpus.resolve()
    if args.rule_costs:
        res = rule_costs(corpus, args.rule_costs, args.select)
        if args.json:
            args.json.write_text(json.dumps(res, indent=1) + "\n", "utf-8")
        return 0
    nbytes = corpus_bytes(corpus)
    mb = nbytes / 1e6
    runs = args.runs.split(",")
    work = Path(tempfile.mkdtemp(prefix="qc-bench-"))
    sel = ["--select", args.select] if args.select else []
    results: list[dict] = []

    def record(name: str, r: dict, cores: int) -> dict:
        r.update(run=name, mb_s=mb / r["seconds"], mb_s_per_core=mb / r["seconds"] / cores)
        results.append(r)
        print(f"{name:<18} {r['seconds']:8.2f} s  {r['mb_s']:7.2f} MB/s  {r['mb_s_per_core']:6.2f} MB/s/core  "
              f"peak RSS {r['peak_rss_mb']:6.0f} MB   ({r['line'][:90]})", flush=True)
        return r

    print(f"corpus {corpus}: {mb:.1f} MB, {os.cpu_count()} cores, Python {sys.version.split()[0]}", flush=True)
    rx = regex_pass(corpus)
    results.append(rx)
    print(f"{'regex pass':<18} {rx['seconds']:8.2f} s  {rx['mb_s']:7.2f} MB/s  (yardstick, 1 core)", flush=True)
    try:
        if "j1" in runs:
            record("-j 1", run_qc([str(corpus), "--out", str(work / "j1"), "-j", "1", "--no-cache", *sel]), 1)
        if "j2" in runs:
            record("-j 2", run_qc([str(corpus), "--out", str(work / "j2"), "-j", "2", "--no-cache", *sel]), 2)
        if "cache" in runs:
            env = {"QC_CACHE_DIR": str(work / "cache")}
            record("cold (cache on)", run_qc([str(corpus), "--out", str(work / "c1"), "-j", "2", *sel], env), 2)
            # a re-scan into the same reports folder, as `qc scan` in CI does
            record("warm cache", run_qc([str(corpus), "--out", str(work / "c1"), "-j", "2", *sel], env), 2)
        if "html" in runs:
            env = {"QC_CACHE_DIR": str(work / "hcache")}
            record("cold + HTML", run_qc([str(corpus), "--out", str(work / "h1"), "-j", "2", *sel], env, html=True), 2)
            record("warm + HTML", run_qc([str(corpus), "--out", str(work / "h1"), "-j", "2", *sel], env, html=True), 2)
        if "ray" in runs:
            record("ray (2 CPUs)", run_qc([str(corpus), "--out", str(work / "ray"), "-j", "2", "--engine", "ray",
                                          "--no-cache", *sel]), 2)
    finally:
        by = {r["run"]: r for r in results}
        summary = {}
        if "-j 1" in by:
            summary["j1_vs_regex"] = by["-j 1"]["mb_s"] / rx["mb_s"]
        if "-j 1" in by and "-j 2" in by:
            summary["j2_speedup"] = by["-j 1"]["seconds"] / by["-j 2"]["seconds"]
        if "cold (cache on)" in by and "warm cache" in by:
            summary["warm_speedup"] = by["cold (cache on)"]["seconds"] / by["warm cache"]["seconds"]
            summary["warm_speedup_engine"] = ((by["cold (cache on)"]["engine_seconds"] or 0)
                                              / max(1e-9, by["warm cache"]["engine_seconds"] or 1e-9))
        if "cold + HTML" in by and "warm + HTML" in by:
            summary["warm_speedup_html"] = by["cold + HTML"]["seconds"] / by["warm + HTML"]["seconds"]
        if "-j 1" in by and "ray (2 CPUs)" in by:
            summary["ray_vs_j1"] = by["-j 1"]["seconds"] / by["ray (2 CPUs)"]["seconds"]
        identical = None
        if (work / "j1").is_dir() and (work / "j2").is_dir():
            identical = subprocess.run(["diff", "-rq", str(work / "j1"), str(work / "j2")],
                                       capture_output=True).returncode == 0
            summary["j1_j2_identical"] = identical
        if (work / "j1").is_dir() and (work / "ray").is_dir():
            summary["j1_ray_identical"] = subprocess.run(["diff", "-rq", str(work / "j1"), str(work / "ray")],
                                                         capture_output=True).returncode == 0
        print(json.dumps(summary, indent=1))
        if args.json:
            args.json.write_text(json.dumps({"corpus_mb": mb, "cores": os.cpu_count(), "results": results,
                                             "summary": summary}, indent=1) + "\n", "utf-8")
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
