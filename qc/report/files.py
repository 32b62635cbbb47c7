"""Per-document JSON reports (``<out>/files/<rel>.json``) and the summary (json + csv).

Writes are atomic (temp file + rename) and confined to ``<out>``: a report path is built
from the document's relative name with ``..``, absolute parts and control characters removed.
JSON is written with sorted keys and no timestamps, so the same input gives the same bytes.
"""
from __future__ import annotations

import json
import os
import re
import signal
import stat
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from ..cache import too_fresh

FAMILY_KEYS = ("encoding", "script", "pinyin", "offtopic", "boilerplate", "format")


_row_json = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode  # a summary.json row: json.dumps(row, same flags)


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=1) + "\n"


def _file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


_MODE = _file_mode()


def _open_nonblocking(path: str, flags: int) -> int:
    return os.open(path, flags | os.O_NONBLOCK)


def same_content(path: Path | str, data: bytes) -> bool:
    """True when ``path`` is a regular file holding exactly ``data`` (a re-scan of an unchanged
    corpus then leaves its reports untouched instead of rewriting them)."""
    try:
        with open(path, "rb", opener=_open_nonblocking) as f:  # a FIFO in the way must not block
            st = os.fstat(f.fileno())
            return stat.S_ISREG(st.st_mode) and st.st_size == len(data) and f.read() == data
    except OSError:
        return False


@contextmanager
def interrupts_deferred():
    """Ctrl-C and SIGTERM held back, and delivered right after, while a temp file is created and
    renamed into place or removed: an interrupt can then never leave a ``.tmp-`` file behind.
    (Python-level handlers, not a signal mask: a worker pool's threads would take a masked signal.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    old = {s: signal.signal(s, lambda signum, _frame: held.append(signum))
           for s in (signal.SIGINT, signal.SIGTERM) if signal.getsignal(s) is not None}  # None: set outside Python
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)
        if held:
            signal.raise_signal(held[0])


def atomic_write(path: Path, data: str | bytes, skip_same: bool = False) -> None:
    """Write ``data`` to a temp file beside ``path`` and rename it into place. ``skip_same``:
    leave the file alone when it already holds exactly these bytes."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if skip_same and same_content(path, raw):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with interrupts_deferred():
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(raw)
                os.fchmod(f.fileno(), _MODE)  # mkstemp makes 0600; reports are ordinary files
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise


_SEPARATORS = re.compile(r"[\\/]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def safe_rel(rel: str) -> str:
    """A relative path that stays inside the output folder."""
    parts = []
    for p in _SEPARATORS.split(_CONTROL.sub("_", rel)):
        if p in ("", ".", ".."):
            continue
        parts.append(p[:200])
    return "/".join(parts) or "_"


def report_relpath(doc_id: str, ext: str = ".json") -> str:
    """Where a document's own page/report lives under ``<out>/files/``: ``<rel>.json`` for a
    whole-file document; a record id (``a.jsonl#L3``) maps to ``a.jsonl/L3<ext>`` (the HTML
    pages use this). The JSON reports of records are not one file each: see ``records_relpath``."""
    rel = doc_id.replace("#", "/")
    return "files/" + safe_rel(rel) + ext


def records_relpath(source_rel: str) -> str:
    """The JSON Lines file holding the reports of every record of one record file
    (``data/a.jsonl`` → ``files/data/a.jsonl.jsonl``), one compact line per record, in order."""
    return "files/" + safe_rel(source_rel) + ".jsonl"


def confined(out: Path, rel: str) -> Path:
    """``out/rel`` with symlinks resolved, refusing a path that leaves ``out``. The folder part is
    resolved once per folder (memoised); a symlink as the last part is replaced by the atomic
    rename, never written through."""
    head, _, name = rel.rpartition("/")
    if name in ("", ".", ".."):
        target = (out / rel).resolve()
        root = _resolved(str(out), "")
        if root != target and root not in target.parents:
            raise ValueError(f"report path {rel!r} escapes {out}")
        return target
    return _resolved(str(out), head) / name


def _resolved(out: str, head: str) -> Path:
    out = os.path.abspath(out)  # the working folder may change between calls
    key = (out, head)
    got = _RESOLVED.get(key)
    if got is None or not os.path.isdir(got):
        root = Path(out).resolve()
        got = (Path(out) / head).resolve() if head else root
        if root != got and root not in got.parents:
            raise ValueError(f"report path {head!r} escapes {out}")
        if len(_RESOLVED) > 4096:
            _RESOLVED.clear()
        _RESOLVED[key] = got
    return got


_RESOLVED: dict[tuple[str, str], Path] = {}


def summary_row(report: dict[str, Any], rel: str) -> dict[str, Any]:
    counts: dict[str, int] = {}
    fam_counts = {f: 0 for f in FAMILY_KEYS}
    sev_counts = {"info": 0, "warning": 0, "error": 0}
    for f in report["findings"]:
        counts[f["rule"]] = counts.get(f["rule"], 0) + 1
        fam_counts[f["family"]] += 1
        sev_counts[f["severity"]] += 1
    row = {
        "id": report["id"],
        "path": report["path"],
        "report": rel,
        "status": report["status"],
        "score": report["score"],
        "verdict": report["verdict"],
        "chars": report["chars"],
        "size_bytes": report["size_bytes"],
        "encoding": report["encoding"]["name"],
        "language": report["language"]["primary"],
        "script": report["language"]["script"],
        "metrics": report["metrics"],
        "findings": len(report["findings"]),
        "by_rule": dict(sorted(counts.items())),
        "by_family": fam_counts,
        "by_severity": sev_counts,
    }
    if report.get("error"):
        row["error"] = report["error"]
    if report.get("record") is not None:
        row["record"] = report["record"]
    return row


def row_halves(row: dict[str, Any]) -> tuple[str, str]:
    """A summary row's ``summary.json`` text without its ``report``/``report_line`` (which the
    writer fills in later): the sorted keys before them and after them, each without braces."""
    head = {k: v for k, v in row.items() if k < "report"}
    tail = {k: v for k, v in row.items() if k > "report_line"}
    return _row_json(head)[1:-1], _row_json(tail)[1:-1]


def row_text(halves: tuple[str, str], rel: str, line: int | None) -> str:
    """The row's ``summary.json`` text (= ``_row_json(row)``) from its ``row_halves`` and report place."""
    mid = '"report": ' + _row_json(rel) + (f', "report_line": {line:d}' if line is not None else "")
    return "{" + halves[0] + ", " + mid + ", " + halves[1] + "}"


class Totals:
    """The summary's ``totals``, accumulated one row at a time (rows may be millions)."""

    def __init__(self) -> None:
        self.n = 0
        self.verdicts = {"pass": 0, "warn": 0, "fail": 0}
        self.statuses: dict[str, int] = {}
        self.by_rule: dict[str, int] = {}
        self.chars = 0
        self.findings = 0
        self.score_sum = 0.0

    def add(self, r: dict[str, Any]) -> None:
        self.n += 1
        self.verdicts[r["verdict"]] += 1
        self.statuses[r["status"]] = self.statuses.get(r["status"], 0) + 1
        self.chars += r["chars"]
        self.findings += r["findings"]
        self.score_sum += r["score"]
        by_rule = self.by_rule
        for k, v in r["by_rule"].items():
            by_rule[k] = by_rule.get(k, 0) + v

    def result(self) -> dict[str, Any]:
        return {
            "documents": self.n,
            "verdicts": dict(self.verdicts),
            "statuses": dict(sorted(self.statuses.items())),
            "findings": self.findings,
            "by_rule": dict(sorted(self.by_rule.items())),
            "chars": self.chars,
            "mean_score": round(self.score_sum / self.n, 2) if self.n else None,
        }


def totals(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    t = Totals()
    for r in rows:
        t.add(r)
    return t.result()


CSV_COLUMNS = ["id", "path", "status", "score", "verdict", "chars", "encoding", "language", "script",
               *(f"{f}_ratio" for f in FAMILY_KEYS), "findings", "infos", "warnings", "errors", "error"]


_CSV_HEAD = CSV_COLUMNS[:9]
_CSV_RATIOS = [f"{f}_ratio" for f in FAMILY_KEYS]
_CSV_SEVERITIES = ("info", "warning", "error")


def _csv_record(r: dict[str, Any]) -> list[Any]:
    """One summary row as the CSV's cells (None → empty); metrics hold exactly the family ratios."""
    m, by_sev = r["metrics"], r["by_severity"]
    cells = [r.get(c) for c in _CSV_HEAD]
    cells += [m.get(c) for c in _CSV_RATIOS]
    cells.append(r["findings"])
    cells += [by_sev.get(s) for s in _CSV_SEVERITIES]
    cells.append(r.get("error", ""))
    return ["" if v is None else v for v in cells]


def csv_rows(fh, rows: Iterable[dict[str, Any]], header: bool) -> None:
    """summary.csv rows with the csv module: the bytes ``summary_frame(rows).to_csv(index=False,
    lineterminator="\\n")`` gives (tested), without importing pandas or building frames."""
    import csv

    w = csv.writer(fh, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    if header:
        w.writerow(CSV_COLUMNS)
    w.writerows(_csv_record(r) for r in rows)


def summary_frame(rows: list[dict[str, Any]]):
    """One row per document: path, status, score, verdict, each family ratio, finding counts."""
    import pandas as pd

    cols = ["id", "path", "status", "score", "verdict", "chars", "encoding", "language", "script"]
    recs = []
    for r in rows:
        rec = {c: r.get(c) for c in cols}
        rec.update(r["metrics"])
        rec["findings"] = r["findings"]
        for sev, n in r["by_severity"].items():
            rec[f"{sev}s"] = n
        rec["error"] = r.get("error", "")
        recs.append(rec)
    metric_cols = [f"{f}_ratio" for f in FAMILY_KEYS]
    return pd.DataFrame.from_records(recs, columns=cols + metric_cols + ["findings", "infos", "warnings", "errors", "error"])


# --- streaming: record reports as JSON Lines, rows spooled to disk, summary written in pieces ----


def dumps_line(obj: Any) -> str:
    """One report as one compact JSON line (sorted keys, so the bytes are stable)."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


class OutputMemo:
    """What the last scan with this cache left in one output folder: per report file its stat
    and the cache keys of the units whose reports it holds (with their byte lengths).

    A file whose stat is what was recorded, and that was last modified more than two seconds
    before that scan saved the memo, still holds those bytes: the writer skips it without
    reading the cached bytes or the file. (A file modified later has a later mtime; one
    modified within the mtime granularity of the scan's own write is the race this cannot see,
    as with git's index; a file written in the memo's last two seconds is compared by content
    once more instead.) Without a cache there is no memo and every file is compared."""

    def __init__(self, cache: Any, out: Path) -> None:
        from ..cache import key  # here: ReportWriter's methods take a cache key named ``key``

        self._cache, self._key = cache, key("outputs", os.path.abspath(out))
        got = cache.get("outputs", self._key)
        ok = isinstance(got, tuple) and len(got) == 2 and isinstance(got[1], dict)
        self._saved, self._old = got if ok else (0.0, {})
        self._new: dict[str, tuple] = {}
        self._checked = False  # a file was written or compared: its stat is to be recorded anew

    def parts(self, target: Path) -> tuple | None:
        """The (key, byte length) parts ``target`` holds, if its stat says it is unchanged."""
        e = self._old.get(str(target))
        if e is None:
            return None
        try:
            st = os.stat(target)
        except OSError:
            return None
        if (st.st_size, st.st_mtime_ns, st.st_ino) != e[:3] or not stat.S_ISREG(st.st_mode) or too_fresh(st, self._saved):
            return None  # changed, or modified in the memo's last two seconds
        return e[3]

    def keep(self, target: Path) -> None:
        """``target`` was trusted by ``parts``: its entry stays."""
        self._new[str(target)] = self._old[str(target)]

    def record(self, target: Path, parts: list[tuple[str | None, int]]) -> None:
        """``target`` now holds ``parts`` (written or compared just now)."""
        self._checked = True
        if not parts or any(k is None for k, _ in parts):
            return
        try:
            st = os.stat(target)
        except OSError:
            return
        if st.st_size == sum(n for _, n in parts):
            self._new[str(target)] = (st.st_size, st.st_mtime_ns, st.st_ino, tuple(parts))

    def save(self) -> None:
        if self._checked or self._new != self._old:
            import time

            self._cache.put("outputs", self._key, (time.time(), self._new))


class ReportWriter:
    """Writes reports as work units arrive (in scan order).

    A whole-file document → ``files/<rel>.json``. The records of a record file
    (JSONL/JSON/Parquet) → one ``files/<rel>.jsonl`` with one compact report per line, in record
    order: a file of a million records is one report file, not a million. While the incoming
    reports equal the file already there (a re-scan of an unchanged source) nothing is written;
    from the first difference on, they go to a temp file beside it (after the equal part), which
    is renamed into place when the source's last unit is in, so it is atomic too.

    ``cache``: with it, an ``OutputMemo`` lets unchanged files be skipped by their stat (a unit's
    reports then need not even be read from the cache); ``write`` gets each unit's cache key.
    """

    def __init__(self, out: Path, cache: Any = None) -> None:
        self.out = out
        self._memo = OutputMemo(cache, out) if cache is not None else None
        self._rel: str | None = None
        self._target: Path | None = None
        self._old = None  # the existing report file, read as long as it matches
        self._matched = 0  # bytes of it that matched
        self._tmp: str | None = None
        self._fh = None
        self._line = 0
        self._trusted: tuple | None = None  # the memo's parts of the file there, while they match
        self._parts: list[tuple[str | None, int]] = []  # what this scan put in the current file

    def _open(self, rel: str) -> None:
        self.close()
        target = confined(self.out, rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        self._old, self._parts = None, []
        self._trusted = self._memo.parts(target) if self._memo is not None else None
        if self._trusted is None:
            self._open_old(target)
        self._rel, self._target, self._matched, self._line = rel, target, 0, 0

    def _open_old(self, target: Path) -> None:
        try:
            self._old = open(target, "rb") if target.is_file() else None
        except OSError:
            self._old = None
        if self._old is not None and self._matched:
            self._old.seek(self._matched)

    def _diverge(self) -> None:
        """Start the temp file: the matched part of the old file, then whatever comes next."""
        with interrupts_deferred():  # self._tmp is known as soon as the file exists
            fd, self._tmp = tempfile.mkstemp(prefix=".tmp-", dir=self._target.parent)
            self._fh = os.fdopen(fd, "wb")
        os.fchmod(self._fh.fileno(), _MODE)  # mkstemp makes 0600; reports are ordinary files
        if self._old is not None:
            self._old.seek(0)
            left = self._matched
            while left:
                chunk = self._old.read(min(left, 1 << 20))
                if not chunk:
                    raise OSError(f"{self._target} shrank while it was compared")
                self._fh.write(chunk)
                left -= len(chunk)
            self._old.close()
            self._old = None

    def _emit(self, data: bytes) -> None:
        if self._fh is None:
            if self._old is not None and self._old.read(len(data)) == data:
                self._matched += len(data)
                return
            self._diverge()
        self._fh.write(data)

    def write(self, unit: Any, rows: list[dict[str, Any]], serialised: list[bytes] | Callable[[], list[bytes]],
              key: str | None = None) -> list[tuple[str, int | None]]:
        """Write one unit's reports, ``serialised`` (UTF-8 JSON, as the engine gives them, or a
        function giving them when needed), placed by their summary ``rows`` (``id`` and
        ``record``); ``key``: the unit's cache key, if any. Return (report path, 1-based line or
        None) for each."""
        records = [row.get("record") is not None for row in rows]
        if unit is None or not all(records):
            if unit is None or not any(records):  # the bytes are read once, if a file needs them
                loaded: list[bytes] = []

                def nth(i: int) -> bytes:
                    if not loaded:
                        loaded.extend(serialised() if callable(serialised) else serialised)
                    return loaded[i]
                return [self._write_file(row, lambda i=i: nth(i), key, i) for i, row in enumerate(rows)]
            return self._write_mixed(unit, rows, serialised() if callable(serialised) else serialised)
        rel = records_relpath(unit.src.rel)
        if rel != self._rel:
            self._open(rel)
        first = self._line + 1
        k = len(self._parts)
        if (self._fh is None and self._trusted is not None and key is not None and k < len(self._trusted)
                and self._trusted[k][0] == key):
            size = self._trusted[k][1]  # this part of the file there is this unit's reports
            self._matched += size
            self._line += len(rows)
            self._parts.append((key, size))
        else:
            if self._fh is None and self._trusted is not None:  # the memo's parts end: compare from here
                self._trusted = None
                self._open_old(self._target)
            data = serialised() if callable(serialised) else serialised
            for b in data:
                self._emit(b)
            self._line += len(data)
            self._parts.append((key, sum(len(b) for b in data)))
        where = [(rel, first + i) for i in range(len(rows))]
        if unit.part == unit.parts - 1:
            self.close()
        return where

    def _write_mixed(self, unit: Any, rows: list[dict[str, Any]], data: list[bytes]) -> list[tuple[str, int | None]]:
        """A unit with both record and whole-file reports: each where it belongs, nothing trusted."""
        where: list[tuple[str, int | None]] = []
        for row, b in zip(rows, data):
            if row.get("record") is None:
                where.append(self._write_file(row, b, None, 0))
                continue
            rel = records_relpath(unit.src.rel)
            if rel != self._rel:
                self._open(rel)
            if self._trusted is not None:
                self._trusted = None
                self._open_old(self._target)
            self._emit(b)
            self._line += 1
            self._parts.append((None, len(b)))
            where.append((rel, self._line))
        if unit.part == unit.parts - 1 and self._rel == records_relpath(unit.src.rel):
            self.close()
        return where

    def _write_file(self, row: dict[str, Any], data: bytes | Callable[[], bytes], key: str | None,
                    i: int) -> tuple[str, None]:
        rel = report_relpath(row["id"])
        target = confined(self.out, rel)
        token = f"{key}#{i}" if key is not None else None
        memo = self._memo
        if memo is not None and token is not None:
            got = memo.parts(target)
            if got is not None and got[0][0] == token:
                memo.keep(target)
                return rel, None
        if callable(data):
            data = data()
        atomic_write(target, data, skip_same=True)
        if memo is not None:
            memo.record(target, [(token, len(data))])
        return rel, None

    def close(self) -> None:
        """Finish the current record file: leave it alone if it matched to its end, else rename
        the temp file into place."""
        if self._rel is None:
            return
        if self._fh is None:
            if self._trusted is not None and len(self._parts) == len(self._trusted):
                self._memo.keep(self._target)  # every part matched by the memo: the file is as it was
                self._rel = self._target = self._trusted = None
                return
            if self._trusted is not None:  # fewer parts than the file there holds
                self._trusted = None
                self._open_old(self._target)
            if self._old is not None and not self._old.read(1):
                self._old.close()
                if self._memo is not None:
                    self._memo.record(self._target, self._parts)
                self._rel = self._target = self._old = None
                return
            self._diverge()  # the old file has more than this scan wrote, or there was none
        with interrupts_deferred():
            self._fh.close()
            os.replace(self._tmp, self._target)
            if self._memo is not None:
                self._memo.record(self._target, self._parts)
            self._fh = self._rel = self._target = self._tmp = None

    def finish(self) -> None:
        """Close the current record file and save the output memo (the scan is complete)."""
        self.close()
        if self._memo is not None:
            self._memo.save()

    def abort(self) -> None:
        if self._old is not None:
            self._old.close()
        if self._fh is not None:
            self._fh.close()
            try:
                os.unlink(self._tmp)
            except OSError:
                pass
        self._fh = self._rel = self._target = self._tmp = self._old = self._trusted = None


class SpooledRows:
    """Summary rows and their ``summary.json`` texts: the first ``in_memory`` rows are kept as
    they are; past that, all of them go to disk (their texts, as JSON Lines in a temp file), so a
    scan of millions of records stays flat in memory. Iterable any number of times (rows are not
    to be modified); ``texts()`` gives each row's text; ``len()`` works; ``list()`` loads all."""

    def __init__(self, in_memory: int = 10_000) -> None:
        self._rows: list[dict[str, Any]] | None = []
        self._texts: list[str] = []
        self._limit = in_memory
        self._fh = None
        self.path: str | None = None
        self._n = 0
        self._finalizer = None

    def _spill(self) -> None:
        import weakref

        fd, self.path = tempfile.mkstemp(prefix="qc-rows-", suffix=".jsonl")
        self._fh = os.fdopen(fd, "w", encoding="utf-8")
        self._finalizer = weakref.finalize(self, SpooledRows._cleanup, self._fh, self.path)
        for text in self._texts:
            self._fh.write(text + "\n")
        self._rows, self._texts = None, []

    @staticmethod
    def _cleanup(fh, path: str) -> None:
        try:
            fh.close()
        finally:
            try:
                os.unlink(path)
            except OSError:
                pass

    def append(self, row: dict[str, Any], text: str | None = None) -> None:
        """Add ``row``; ``text``: its ``summary.json`` text if known (else it is encoded here)."""
        text = _row_json(row) if text is None else text
        if self._rows is not None:
            self._rows.append(row)
            self._texts.append(text)
            if len(self._rows) > self._limit:
                self._spill()
        else:
            self._fh.write(text + "\n")
        self._n += 1

    def __len__(self) -> int:
        return self._n

    def texts(self) -> Iterator[str]:
        if self._rows is not None:
            yield from self._texts
            return
        self._fh.flush()
        with open(self.path, encoding="utf-8") as f:
            for line in f:
                yield line[:-1]

    def with_texts(self) -> Iterator[tuple[dict[str, Any], str]]:
        """(row, its summary.json text) for every row, in one pass (one read of a spilled file)."""
        if self._rows is not None:
            yield from zip(self._rows, self._texts)
            return
        for text in self.texts():
            yield json.loads(text), text

    def __iter__(self):
        if self._rows is not None:
            yield from self._rows
            return
        for row, _ in self.with_texts():
            yield row

    def __getitem__(self, i: int) -> dict[str, Any]:
        if i < 0:
            i += self._n
        for k, row in enumerate(self):
            if k == i:
                return row
        raise IndexError(i)

    def __bool__(self) -> bool:
        return self._n > 0


class SourceRollup:
    """Per record file: how its records did (the summary's ``sources``)."""

    def __init__(self) -> None:
        self.by_source: dict[str, dict[str, Any]] = {}

    def add(self, row: dict[str, Any]) -> None:
        if row.get("record") is None:
            return
        src = row["id"].rsplit("#", 1)[0]
        acc = self.by_source.get(src)
        if acc is None:
            acc = self.by_source[src] = {"source": src, "path": row["path"], "report": row.get("report", ""),
                                         "_t": Totals(), "worst_score": None, "worst": None}
        acc["_t"].add(row)
        if acc["worst_score"] is None or row["score"] < acc["worst_score"]:
            acc["worst_score"], acc["worst"] = row["score"], row["id"]

    def result(self) -> list[dict[str, Any]]:
        out = []
        for acc in self.by_source.values():
            t = acc["_t"].result()
            v = t["verdicts"]
            worst_verdict = "fail" if v["fail"] else "warn" if v["warn"] else "pass"
            out.append({"source": acc["source"], "path": acc["path"], "report": acc["report"],
                        "verdict": worst_verdict, "worst_record": acc["worst"], "min_score": acc["worst_score"], **t})
        return out


def _indented(text: str, pad: str) -> str:
    return "\n".join(pad + line for line in text.split("\n"))


def write_summary_streaming(out: Path, rows: Iterable[dict[str, Any]], settings: dict[str, Any],
                            totals_: dict[str, Any], sources: list[dict[str, Any]]) -> None:
    """``summary.json`` and ``summary.csv`` written row by row, without holding them in memory.
    ``files`` has one compact row per line (a million records → a million lines, written by
    the C JSON encoder); the rest is indented like the file reports. Keys are sorted: stable bytes."""
    out.mkdir(parents=True, exist_ok=True)
    with interrupts_deferred():  # both temp names are known to the clean-up below once they exist
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=out)
        try:
            fd2, tmp2 = tempfile.mkstemp(prefix=".tmp-", dir=out)
        except BaseException:
            os.close(fd)
            os.unlink(tmp)
            raise
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f, \
                os.fdopen(fd2, "w", encoding="utf-8", newline="\n") as fcsv:
            os.fchmod(fd, _MODE)  # mkstemp makes 0600; the summaries are ordinary files
            os.fchmod(fd2, _MODE)
            f.write('{\n "files": [')
            first = True
            chunk: list[dict[str, Any]] = []

            def flush_csv(header: bool) -> None:
                csv_rows(fcsv, chunk, header)

            wrote_header = False
            pairs = rows.with_texts() if isinstance(rows, SpooledRows) else ((r, _row_json(r)) for r in rows)
            for row, text in pairs:
                f.write(("\n  " if first else ",\n  ") + text)
                first = False
                chunk.append(row)
                if len(chunk) >= 5000:
                    flush_csv(not wrote_header)
                    wrote_header = True
                    chunk = []
            if chunk or not wrote_header:
                flush_csv(not wrote_header)
            f.write("]" if first else "\n ]")
            rest = {"schema": "qc.summary/1", "settings": settings, "totals": totals_}
            if sources:
                rest["sources"] = sources
            for k in sorted(rest):
                body = json.dumps(rest[k], ensure_ascii=False, sort_keys=True, indent=1)
                f.write(",\n " + json.dumps(k) + ": " + _indented(body, " ")[1:])
            f.write("\n}\n")
        with interrupts_deferred():  # the two files change together
            os.replace(tmp, out / "summary.json")
            os.replace(tmp2, out / "summary.csv")
    except BaseException:
        for t in (tmp, tmp2):
            try:
                os.unlink(t)
            except OSError:
                pass
        raise
