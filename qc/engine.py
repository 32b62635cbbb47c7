"""Run the rules over documents: plan → corpus profile → detect + score, in processes or on Ray.

``check_document`` is the unit of work (one document → one report dict, the report contract).
``Engine.run_units`` walks the inputs and plans *work units* (a file, or a byte range / row-group
run of a big JSONL / Parquet file: qc/readers.py), builds the corpus profile from every unit,
then checks every unit. Units run in ``jobs`` worker processes (or Ray tasks, qc/ray_engine.py)
and come back in input order, so reports are byte-identical for any ``jobs``, executor and cache
state. With a cache (qc/cache.py) only the parent reads and writes it: units whose content,
rules, code and read profile parts are unchanged are not read at all.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from stat import S_ISREG
from typing import Any, Callable, Iterator

from . import __version__
from . import corpus
from .corpus import SourceFile, unreadable, walk
from .limits import RuleTimeout, RuleTimer
from .model import STATUS_OK, Document, Finding, Hit
from .pool import ignore_interrupts, stop_pool
from .profile import CorpusProfile, ProfileBuilder, collect_doc, contributors
from .readers import (DEFAULT_BATCH_BYTES, DEFAULT_BATCH_ROWS, ReadOptions, Unit, file_format, plan_file,
                      read_unit, unit_sha)
from .rules import Rule, RuleSet
from .scoring import family_ratios, non_ws_count, score, status_verdict, verdict

SCHEMA = "qc.file-report/1"


def _excerpt(text: str, start: int, end: int, limit: int) -> str:
    s = text[start:end]
    if len(s) > limit:
        half = limit // 2
        s = s[:half] + "…" + s[-(limit - half - 1):]
    return s


_WS = re.compile(r"\s+")


def fingerprint(text: str, rule_id: str, start: int, end: int, context: int = 8) -> str:
    """Line-independent identity of a finding: rule + normalised matched text + a little context."""
    core = _WS.sub(" ", text[start:end][:2000]).strip()
    # context stays inside the finding's own line, so moving whole lines keeps the fingerprint
    before = text[max(0, start - context):start].rpartition("\n")[2]
    after = text[end:end + context].partition("\n")[0]
    before, after = _WS.sub(" ", before), _WS.sub(" ", after)
    return hashlib.sha1(f"{rule_id}\x1f{before}\x1f{core}\x1f{after}".encode("utf-8", "surrogatepass")).hexdigest()[:16]


def to_finding(doc: Document, rule: Rule, hit: Hit, excerpt_chars: int) -> Finding:
    n = len(doc.text)
    start = max(0, min(int(hit.start), n))
    end = max(start, min(int(hit.end), n))
    line, col = doc.line_col(start)
    end_line, end_col = doc.line_col(end)
    parts = None
    if hit.parts:
        parts = tuple(sorted((max(start, int(a)), min(end, int(b))) for a, b in hit.parts if b > a))
    sev = hit.severity or rule.severity
    return Finding(
        rule=rule.id,
        name=rule.name,
        family=rule.family,
        severity=sev,
        start=start,
        end=end,
        line=line,
        column=col,
        end_line=end_line,
        end_column=end_col,
        excerpt=_excerpt(doc.text, start, end, excerpt_chars),
        message=hit.message,
        suggestion=hit.suggestion,
        parts=parts or None,
        evidence=hit.evidence,
        fingerprint=fingerprint(doc.text, rule.id, start, end),
    )


def _finding_key(f: Finding):
    return (f.start, f.end, f.rule, f.message)


def run_rules(doc: Document, rules: list[Rule], profile: CorpusProfile, excerpt_chars: int = 160,
              max_rule_seconds: float | None = None):
    """All findings of ``rules`` on ``doc`` (sorted), and the rules that crashed or timed out."""
    findings: list[Finding] = []
    errors: list[dict[str, str]] = []
    with RuleTimer(max_rule_seconds) as timer:
        for rule in rules:
            _run_one(doc, rule, profile, excerpt_chars, timer, findings, errors)
    findings.sort(key=_finding_key)
    return findings, errors


def _run_one(doc: Document, rule: Rule, profile: CorpusProfile, excerpt_chars: int, timer: RuleTimer,
             findings: list[Finding], errors: list[dict[str, str]]) -> None:
    max_rule_seconds = timer.seconds
    found: list[Finding] = []
    try:
        timer.arm()
        try:
            for hit in rule.run(doc, profile) or ():
                found.append(to_finding(doc, rule, hit, excerpt_chars))
        finally:
            timer.disarm()
        findings.extend(found)
    except RuleTimeout:
        errors.append({"rule": rule.id, "error": f"timed out after {max_rule_seconds}s (limits.max_rule_seconds); its findings were dropped"})
    except Exception as e:  # a detector bug is reported, never fatal
        tb = traceback.extract_tb(e.__traceback__)[-1]
        errors.append({"rule": rule.id, "error": f"{type(e).__name__}: {e} ({os.path.basename(tb.filename)}:{tb.lineno})"})


def _language(text: str) -> dict[str, Any]:
    from .language import document_language  # imported on first use: a warm re-scan never needs it (nor numpy)

    return document_language(text)


def check_document(doc: Document, ruleset: RuleSet, profile: CorpusProfile, suppress: Any = None) -> dict[str, Any]:
    """One document → its report (the ``qc.file-report/1`` contract).

    ``suppress``: optional object with ``apply(doc, findings) -> (kept, suppressed_json)``
    (qc/suppress.py); suppressed findings count for nothing and are listed under ``suppressed``."""
    cfg = ruleset.scoring
    limits = cfg.get("limits") or {}
    excerpt_chars = int(limits.get("excerpt_chars", 160))
    max_chars = int(limits.get("max_doc_chars", 60_000_000))
    notes: list[str] = []
    if len(doc.text) > max_chars:
        notes.append(f"document cut to its first {max_chars} characters for detection ({len(doc.text)} in all)")
        doc.text = doc.text[:max_chars]
        doc.forget_lines()
    findings, errors = run_rules(doc, ruleset.rules, profile, excerpt_chars,
                                 float(limits.get("max_rule_seconds", 0)) or None)
    suppressed = None
    if suppress is not None and findings:
        findings, suppressed = suppress.apply(doc, findings)
    total = non_ws_count(doc.text)
    metrics = family_ratios(doc.text, findings, total)
    if doc.status == STATUS_OK:
        sc = score(metrics, findings, cfg)
        vd = verdict(sc, metrics, findings, cfg)
    else:
        sc = 0.0 if status_verdict(doc.status, cfg) == "fail" else 100.0
        vd = status_verdict(doc.status, cfg)
    report: dict[str, Any] = {
        "schema": SCHEMA,
        "id": doc.id,
        "path": doc.path,
        "status": doc.status,
        "sha256": doc.sha256,
        "size_bytes": doc.size_bytes,
        "chars": len(doc.text),
        "lines": (doc.text.count("\n") + (0 if doc.text.endswith("\n") else 1)) if doc.text else 0,
        "encoding": doc.encoding.to_json(),
        "language": _language(doc.text) if doc.status == STATUS_OK else {"primary": "und", "script": "Zyyy"},
        "metadata": doc.metadata,
        "metrics": metrics,
        "score": sc,
        "verdict": vd,
        "findings": [f.to_json() for f in findings],
    }
    if doc.record is not None:
        report["record"] = doc.record
    if doc.error:
        report["error"] = doc.error
    if suppressed:
        report["suppressed"] = suppressed
    if errors:
        report["rule_errors"] = errors
    if notes:
        report["notes"] = notes
    return report


# --- the scan ---------------------------------------------------------------------------------

_W: dict[str, Any] = {}


def _init_worker(ruleset: RuleSet, profile: CorpusProfile | None, suppress: Any = None,
                 opts: ReadOptions | None = None, trace: bool = False) -> None:
    _W["ruleset"] = ruleset
    _W["profile"] = profile
    _W["suppress"] = suppress
    _W["opts"] = opts or ReadOptions()
    _W["trace"] = trace
    _W["contribs"] = contributors()
    limits = ruleset.scoring.get("limits") or {}
    if limits.get("max_file_bytes"):
        corpus.MAX_FILE_BYTES = int(limits["max_file_bytes"])


def _init_pool_worker(*init: Any) -> None:
    ignore_interrupts()
    _init_worker(*init)
    _W["profile_file"] = None


def _unit_size(unit: Any) -> int:
    """Rough work of a unit, for scheduling: its byte range, else its file size."""
    if isinstance(unit, Unit):
        if unit.fmt == "jsonl" and unit.stop is not None:
            return unit.stop - unit.start
        try:
            size = os.path.getsize(unit.src.path)
        except OSError:
            return 0
        return size // unit.parts if unit.parts > 1 else size
    return 0


def _pool_task(fn: Callable, profile_file: str | None, item: Any) -> Any:
    """One unit in a pool worker. The pool lives for both passes (detector resources load once
    per worker); the profile built between them reaches each worker once, through a file."""
    if _W.get("profile_file") != profile_file:
        if profile_file is None:
            _W["profile"] = None
        else:
            import pickle

            with open(profile_file, "rb") as f:
                _W["profile"] = pickle.load(f)
        _W["profile_file"] = profile_file
    return fn(item)


class _TracedProfile:
    """The corpus profile as detectors see it when the cache is on: records which parts they
    read, so a cached result is only reused while those parts are unchanged (see qc/cache.py)."""

    def __init__(self, profile: CorpusProfile, used: set[str]) -> None:
        self._profile = profile
        self._used = used

    def get(self, name: str, default: Any = None) -> Any:
        self._used.add(name)
        return self._profile.get(name, default)

    @property
    def n_docs(self) -> int:
        self._used.add("#n_docs")
        return self._profile.n_docs

    def __getattr__(self, name: str) -> Any:  # parts, digest(), anything else: depends on it all
        self._used.add("*")
        return getattr(self._profile, name)


def _profile_unit(unit: Unit) -> list[dict[str, Any]]:
    """Per-document profile stats of one work unit (runs in workers)."""
    return [collect_doc(d, _W["contribs"]) for d in read_unit(unit, _W["opts"])]


def serialize_report(report: dict[str, Any]) -> str:
    """The report's bytes as written: indented JSON for a whole file, one compact line for a record."""
    from .report.files import dumps, dumps_line

    return dumps(report) if report.get("record") is None else dumps_line(report)


def _parse_reports(serialised: list[bytes]) -> list[dict[str, Any]]:
    """Report dicts back from their bytes as written (JSON: equal to the dicts they came from)."""
    return [json.loads(b) for b in serialised]


class UnitResult:
    """One work unit's results: per report its summary row (``report`` left empty for the writer
    to fill), that row's ``summary.json`` text around the report fields (``row_halves``), and the
    report's bytes as written (UTF-8 JSON). The report dicts themselves are kept only where
    they were made; sent to the parent process or read from the cache, a result carries the
    bytes, and the dicts are parsed back from them when ``reports`` is read (a baseline, an
    output format, the API's ``keep_reports``). From the cache the bytes are an entry of their
    own, read by ``load_bytes(n)`` only when asked for: a warm re-scan whose report files are still
    in place reads none of them and encodes no JSON.
    ``key``: the cache key of this content (None when it is not cached); the report writer
    remembers it for each file it writes."""

    __slots__ = ("rows", "halves", "used", "key", "_serialised", "_reports", "_load_bytes")

    def __init__(self, reports: list[dict[str, Any]] | None, used: tuple[str, ...] = (), *,
                 rows: list[dict[str, Any]] | None = None, halves: list[tuple[str, str]] | None = None,
                 serialised: list[bytes] | None = None, load_bytes: Callable[[int], list[bytes]] | None = None,
                 key: str | None = None) -> None:
        if reports is not None:
            from .report.files import row_halves, summary_row

            rows = [summary_row(r, "") for r in reports]
            halves = [row_halves(r) for r in rows]
            serialised = [serialize_report(r).encode("utf-8") for r in reports]
        self.rows, self.halves, self._serialised, self.used, self.key = rows, halves, serialised, used, key
        self._reports, self._load_bytes = reports, load_bytes

    def cached(self) -> tuple:
        """What the cache's ``check/`` entry holds (see ``from_cached``); the bytes are a
        ``written/`` entry of their own."""
        return self.rows, self.halves, self.used

    @classmethod
    def from_cached(cls, got: Any, load_bytes: Callable[[int], list[bytes]], key: str) -> UnitResult | None:
        if not (isinstance(got, tuple) and len(got) == 3):
            return None  # corrupt, or another layout
        rows, halves, used = got
        return cls(None, used, rows=rows, halves=halves, load_bytes=load_bytes, key=key)

    @property
    def serialised(self) -> list[bytes]:
        """Each report's bytes as written."""
        if self._serialised is None:
            self._serialised, self._load_bytes = self._load_bytes(len(self.rows)), None
        return self._serialised

    @property
    def reports(self) -> list[dict[str, Any]]:
        if self._reports is None:
            self._reports = _parse_reports(self.serialised)
        return self._reports

    def __len__(self) -> int:
        return len(self.rows)

    def __getstate__(self):
        return self.rows, self.halves, self.serialised, self.used

    def __setstate__(self, state) -> None:
        self.rows, self.halves, self._serialised, self.used = state
        self._reports = self._load_bytes = self.key = None


def _check_unit(unit: Unit) -> UnitResult:
    """Reports of one work unit, serialised in the worker (so the parent only writes bytes),
    with the profile parts its detectors read."""
    used: set[str] = set()
    profile = _TracedProfile(_W["profile"], used) if _W["trace"] else _W["profile"]
    out = [check_document(doc, _W["ruleset"], profile, _W.get("suppress")) for doc in read_unit(unit, _W["opts"])]
    return UnitResult(out, tuple(sorted(used)))


@dataclass
class ScanStats:
    files: int = 0
    documents: int = 0
    bytes: int = 0
    seconds: float = 0.0
    profile_seconds: float = 0.0
    units: int = 0
    cached_units: int = 0
    profile_cached: bool = False


@dataclass
class Engine:
    """``executor``: "local" (processes on this machine) or "ray" (``address``: None/"auto"/
    "ray://host:10001"). ``cache``: a qc.cache.Cache or None. Reports are identical for every
    executor, job count and cache state."""

    ruleset: RuleSet
    jobs: int = 1
    stats: ScanStats = field(default_factory=ScanStats)
    profile: CorpusProfile | None = None
    suppress: Any = None  # see check_document
    read_options: ReadOptions = field(default_factory=ReadOptions)
    cache: Any = None
    executor: str = "local"
    address: str | None = None
    batch_bytes: int = DEFAULT_BATCH_BYTES
    batch_rows: int = DEFAULT_BATCH_ROWS
    profile_digests: dict[str, str] | None = None
    _pool: Any = field(default=None, repr=False)
    _profile_tmp: Any = field(default=None, repr=False)

    # --- executing ---------------------------------------------------------------------------
    def _map(self, fn, items: list, profile: CorpusProfile | None) -> Iterator:
        """``fn`` over ``items``, results in input order."""
        if not items:
            return
        init = (self.ruleset, profile, self.suppress, self.read_options, self.cache is not None)
        if self.executor == "ray":
            from .ray_engine import ray_map

            yield from ray_map(fn, items, init, address=self.address, jobs=self.jobs)
            return
        jobs = max(1, self.jobs)
        if jobs == 1 or len(items) < 2:
            _init_worker(*init)
            for it in items:
                yield fn(it)
            return
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=jobs, initializer=_init_pool_worker,
                                             initargs=(self.ruleset, None, *init[2:]))
        try:
            yield from self._windowed(fn, items, self._profile_file(profile), jobs)
        except BaseException:  # interrupted, or the consumer stopped: stop the workers now
            self._close_pool(kill=True)
            raise

    def _windowed(self, fn, items: list, profile_file: str | None, jobs: int) -> Iterator:
        """Results in input order; inside each window of units the biggest are submitted first
        (no straggler at the end), and the next window is queued before this one is drained
        (workers never idle). At most two windows of results wait in memory."""
        window = max(16, 8 * jobs)

        def submit(lo: int) -> list:
            part = items[lo:lo + window]
            futs: list = [None] * len(part)
            for k in sorted(range(len(part)), key=lambda k: -_unit_size(part[k])):
                futs[k] = self._pool.submit(_pool_task, fn, profile_file, part[k])
            return futs

        current = submit(0)
        for lo in range(0, len(items), window):
            upcoming = submit(lo + window) if lo + window < len(items) else []
            for f in current:
                yield f.result()
            current = upcoming

    def _profile_file(self, profile: CorpusProfile | None) -> str | None:
        """The profile pickled once to a temp file, for the pool workers."""
        if profile is None:
            return None
        if self._profile_tmp is None or self._profile_tmp[0] is not profile:
            import pickle
            import tempfile

            self._drop_profile_file()
            fd, path = tempfile.mkstemp(prefix="qc-profile-", suffix=".pkl")
            with os.fdopen(fd, "wb") as f:
                pickle.dump(profile, f, protocol=pickle.HIGHEST_PROTOCOL)
            self._profile_tmp = (profile, path)
        return self._profile_tmp[1]

    def _drop_profile_file(self) -> None:
        if self._profile_tmp is not None:
            try:
                os.unlink(self._profile_tmp[1])
            except OSError:
                pass
            self._profile_tmp = None

    def _close_pool(self, kill: bool = False) -> None:
        ex, self._pool = self._pool, None
        stop_pool(ex, kill)
        self._drop_profile_file()

    # --- planning ----------------------------------------------------------------------------
    def plan(self, files: list[SourceFile]) -> list[Unit]:
        """Files → work units (big JSONL/Parquet split), with content hashes when caching."""
        from .cache import Cache

        cache = self.cache
        units: list[Unit] = []
        for src in files:
            fmt = file_format(src.rel)
            try:
                st = os.stat(src.path)
                if S_ISREG(st.st_mode):
                    self.stats.bytes += st.st_size
            except OSError:
                st = None
            if fmt in ("jsonl", "parquet"):
                skey = Cache.stat_key(src.path, "plan", self.batch_bytes, self.batch_rows, st=st) if cache else None
                memo = cache.memo_get(skey) if cache else None
                if memo is not None:
                    units += [Unit(src, *m) for m in memo]
                    continue
                us = plan_file(src, self.batch_bytes, self.batch_rows)
            else:
                us = [Unit(src, fmt)]
            if cache is not None:
                if len(us) == 1 and us[0].sha is None:
                    skey1 = Cache.stat_key(src.path, "sha", st=st)
                    sha = cache.memo_get(skey1)
                    if sha is None and skey1 is not None:
                        try:
                            sha = unit_sha(us[0])
                            cache.memo_put(skey1, sha)
                        except OSError:
                            sha = None
                    u = us[0]
                    us = [Unit(u.src, u.fmt, u.start, u.stop, u.first, u.part, u.parts, sha)]  # (dataclasses.replace: 10× slower)
                if fmt in ("jsonl", "parquet"):
                    cache.memo_put(skey, [(u.fmt, u.start, u.stop, u.first, u.part, u.parts, u.sha) for u in us])
            units += us
        return units

    # --- cache keys ----------------------------------------------------------------------------
    def _keys(self) -> dict[str, str]:
        from .cache import code_digest, key, stable_digest

        if not hasattr(self, "_key_cache"):
            rules = [(r.id, r.name, r.family, r.detector, r.severity, sorted((k, repr(v)) for k, v in r.params.items()))
                     for r in self.ruleset.rules]
            suppress = stable_digest(self.suppress) if self.suppress is not None else "-"
            self._key_cache = {
                "code": code_digest(),
                "opts": self.read_options.key(),
                "rules": key(self.ruleset.digest, stable_digest(rules), stable_digest(self.ruleset.scoring), suppress),
            }
        return self._key_cache

    def _unit_key(self, kind: str, unit: Unit) -> str:
        """``cache.key(kind, <this scan's fixed parts>, unit.describe(), unit.sha)``, from a hasher
        that has already taken the fixed parts (the same digest, a fraction of the work)."""
        pre = self.__dict__.setdefault("_key_prefixes", {})
        h0 = pre.get(kind)
        if h0 is None:
            k = self._keys()
            fixed = (kind, k["code"], k["opts"]) if kind == "profile" else (kind, k["code"], k["rules"], k["opts"])
            h0 = pre[kind] = hashlib.sha256("".join(f"{p}\x1f" for p in fixed).encode("utf-8", "surrogatepass"))
        h = h0.copy()
        h.update(f"{unit.describe()}\x1f{unit.sha}\x1f".encode("utf-8", "surrogatepass"))
        return h.hexdigest()[:40]

    def _profile_key(self, unit: Unit) -> str:
        return self._unit_key("profile", unit)

    def _check_base(self, unit: Unit) -> str:
        return self._unit_key("check", unit)

    def _check_full(self, base: str, used: tuple[str, ...]) -> str | None:
        from .cache import key

        d = self.profile_digests or {}
        if any(n not in d for n in used):  # a part the profile no longer has
            return key(base, "missing", *used)
        return key(base, *(f"{n}={d[n]}" for n in used))

    # --- the two passes ------------------------------------------------------------------------
    def _corpus_key(self, units: list[Unit]) -> str | None:
        from .cache import key

        if self.cache is None or any(u.sha is None for u in units):
            return None
        k = self._keys()
        return key("corpus", k["code"], k["opts"], *(self._profile_key(u) for u in units))

    def _digest_profile(self, profile: CorpusProfile) -> dict[str, str]:
        from .cache import stable_digest

        d = {name: stable_digest(part) for name, part in sorted(profile.parts.items())}
        d["#n_docs"] = str(profile.n_docs)
        d["*"] = stable_digest(sorted(d.items()))
        return d

    def build_profile(self, units: list[Unit]) -> CorpusProfile:
        """The corpus profile from every unit's per-document stats (cached per unit)."""
        t = time.perf_counter()
        cache = self.cache
        b = ProfileBuilder()
        keys = [self._profile_key(u) if cache is not None and u.sha else None for u in units]
        todo = {i for i, k in enumerate(keys) if k is None or not cache.has("profile", k)}
        computed = self._map(_profile_unit, [u for i, u in enumerate(units) if i in todo], None)
        for i, (u, k) in enumerate(zip(units, keys)):
            if i in todo:
                stats = next(computed)
                if k is not None:
                    cache.put("profile", k, stats)
            else:
                stats = cache.get("profile", k)
                if stats is None:  # an entry vanished between has() and get(): compute here
                    _init_worker(self.ruleset, None, self.suppress, self.read_options)
                    stats = _profile_unit(u)
            for s in stats:
                b.add(s)
        for _ in computed:  # drain (nothing is left; ends the generator)
            pass
        self.stats.profile_seconds = time.perf_counter() - t
        return b.build()

    def run_units(self, paths: list[str], profile_paths: list[str] | None = None,
                  exclude: Callable[[SourceFile], bool] | None = None,
                  only: Callable[[SourceFile], bool] | None = None) -> Iterator[tuple[Unit | None, UnitResult]]:
        """(unit, its UnitResult) for every work unit under ``paths``, in walk order; unit is None
        for paths that could not be walked. See ``run`` for the arguments."""
        try:
            yield from self._run_units(paths, profile_paths, exclude, only)
        finally:
            self._close_pool(kill=sys.exc_info()[0] is not None)
            if self.executor == "ray":
                from .ray_engine import shutdown

                shutdown()

    def _run_units(self, paths, profile_paths, exclude, only):
        t0 = time.perf_counter()
        files, bad = walk(paths)
        if exclude is not None:
            files = [f for f in files if not exclude(f)]
            bad = [f for f in bad if not exclude(f)]
        check_files = files if only is None else [f for f in files if only(f)]
        if only is not None:
            bad = [f for f in bad if only(f)]
        units = self.plan(check_files)
        self.stats.units = len(units)
        cache = self.cache
        profile_units: list[Unit] | None = None

        def get_profile_units() -> list[Unit]:
            nonlocal profile_units
            if profile_units is None:
                if profile_paths is None and only is None:
                    profile_units = units
                else:
                    pfiles = files if profile_paths is None else walk(profile_paths)[0]
                    if profile_paths is not None and exclude is not None:
                        pfiles = [f for f in pfiles if not exclude(f)]
                    saved = self.stats.bytes
                    profile_units = self.plan(pfiles)
                    self.stats.bytes = saved
            return profile_units

        ckey = None
        if self.profile is not None:
            if cache is not None and self.profile_digests is None:
                self.profile_digests = self._digest_profile(self.profile)
        elif cache is not None:
            ckey = self._corpus_key(get_profile_units())
            if ckey is not None:
                self.profile_digests = cache.get("corpus-digests", ckey)
                self.stats.profile_cached = self.profile_digests is not None

        # which units are cached (needs only the profile's part digests, not the profile)
        hits: dict[int, str] = {}
        bases: dict[int, str] = {}
        # every unit's uses/ entry of the last scan with this code, rules and options, in one
        # pickle: a warm scan reads it instead of one small file per unit
        uses_seen: dict[str, list[str]] = {}
        if cache is not None:
            from .cache import key

            kk = self._keys()
            uses_scope = key("uses-index", kk["code"], kk["rules"], kk["opts"])
            index = cache.get("uses-index", uses_scope)
            index = index if isinstance(index, dict) else {}

        def uses_of(base: str) -> list[str] | None:
            used = index.get(base)
            if used is None:
                used = cache.get("uses", base)
            if isinstance(used, list):
                uses_seen[base] = used
                return used
            return None

        def find_hits() -> None:
            """Units not yet known as hits whose reports are cached under the current digests."""
            for i, u in enumerate(units):
                if u.sha and i not in hits:
                    bases.setdefault(i, self._check_base(u))
                    used = uses_of(bases[i])
                    if used is not None:  # a check/ or reports/ entry gone since is recomputed when read
                        full = self._check_full(bases[i], tuple(used))
                        if full:
                            hits[i] = full

        if cache is not None and self.profile_digests is not None:
            find_hits()

        def ensure_profile() -> CorpusProfile:
            if self.profile is None:
                got = cache.get("corpus", ckey) if cache is not None and ckey is not None else None
                if got is not None:
                    self.profile = got
                else:
                    self.profile = self.build_profile(get_profile_units())
                    if cache is not None:
                        self.profile_digests = self._digest_profile(self.profile)
                        k2 = ckey or self._corpus_key(get_profile_units())
                        if k2 is not None:
                            cache.put("corpus", k2, self.profile)
                            cache.put("corpus-digests", k2, self.profile_digests)
                if cache is not None and self.profile_digests is None:
                    self.profile_digests = self._digest_profile(self.profile)
            return self.profile

        if bad or len(hits) < len(units):
            ensure_profile()
            if cache is not None:  # digests may be new: recheck
                find_hits()

        for src in bad:
            doc = unreadable(src, f"cannot read: {'no such file or directory' if not os.path.lexists(src.path) else 'permission denied or not a regular file'}")
            self.stats.documents += 1
            yield None, UnitResult([check_document(doc, self.ruleset, self.profile, self.suppress)])

        def compute_here(u: Unit) -> UnitResult:
            _init_worker(self.ruleset, ensure_profile(), self.suppress, self.read_options, cache is not None)
            return _check_unit(u)

        def cached_bytes(k: str, u: Unit) -> Callable[[int], list[bytes]]:
            def load(n: int) -> list[bytes]:
                got = cache.get("written", k)
                if isinstance(got, list) and len(got) == n:
                    return got
                got = compute_here(u).serialised  # vanished or corrupt: the same bytes, cached again
                cache.put("written", k, got)
                return got
            return load

        todo = [u for i, u in enumerate(units) if i not in hits]
        computed = self._map(_check_unit, todo, self.profile)
        for i, u in enumerate(units):
            entry = None
            if i in hits:
                entry = UnitResult.from_cached(cache.get("check", hits[i]), cached_bytes(hits[i], u), hits[i])
                if entry is not None:
                    self.stats.cached_units += 1
            if entry is None:
                entry = compute_here(u) if i in hits else next(computed)  # in hits: vanished entry
                if cache is not None and u.sha:
                    base = bases.get(i) or self._check_base(u)
                    full = self._check_full(base, entry.used)
                    if full:
                        cache.put("written", full, entry.serialised)
                        cache.put("check", full, entry.cached())
                        entry.key = full
                        cache.put("uses", base, list(entry.used))
                        uses_seen[base] = list(entry.used)
            if u.part == u.parts - 1:
                self.stats.files += 1
            self.stats.documents += len(entry)
            yield u, entry
        for _ in computed:
            pass
        if cache is not None:
            if uses_seen != index:
                cache.put("uses-index", uses_scope, uses_seen)
            cache.save()
        self.stats.seconds = time.perf_counter() - t0

    def run(self, paths: list[str], profile_paths: list[str] | None = None,
            exclude: Callable[[SourceFile], bool] | None = None,
            only: Callable[[SourceFile], bool] | None = None) -> Iterator[dict[str, Any]]:
        """Reports for every document under ``paths``, in walk order.

        ``profile_paths``: build the corpus profile from these instead (e.g. the whole corpus
        while only changed files are checked). ``exclude``: files neither profiled nor checked
        (.qcignore). ``only``: check just these files; the profile still sees all the others."""
        for _unit, result in self.run_units(paths, profile_paths, exclude, only):
            yield from result.reports

    @property
    def profile_digest(self) -> str | None:
        """A digest of the corpus profile that is stable across runs and processes."""
        if self.profile_digests is not None:
            return self.profile_digests["*"]
        if self.profile is not None:
            self.profile_digests = self._digest_profile(self.profile)
            return self.profile_digests["*"]
        return None


def check_text(text: str, ruleset: RuleSet, profile: CorpusProfile | None = None, id: str = "<text>") -> dict[str, Any]:
    """Report for a string (tests, notebooks). The profile defaults to one built from this text."""
    from .corpus import document_from_text
    from .profile import build_profile

    doc = document_from_text(text, id)
    if profile is None:
        profile = build_profile([doc])
    return check_document(doc, ruleset, profile)


__all__ = ["Engine", "check_document", "check_text", "run_rules", "SCHEMA", "__version__"]
