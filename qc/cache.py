"""The incremental scan cache, ``.qc-cache/`` (``--no-cache`` turns it off).

What is cached, and under which key (every key also carries the *code digest*: the qc version
plus a hash of qc's own source files, so a changed detector never reuses stale results):

  profile/<k>   per-document profile stats of one work unit
                k = code + read options + unit (file name, range) + content hash of its bytes
  corpus/<k>    the finished corpus profile, k = code + options + every unit's profile key
  check/<k>     one work unit's summary rows and serialised reports
                k = code + ruleset digest + selected rule ids + options + unit + content hash
                + the digests of the profile parts the unit's detectors actually read
  reports/<k>   the same unit's report dicts (pickled apart: read only when a caller asks for
                report dicts, e.g. a baseline comparison; writing reports and the summary does not)
  rules/<k>     the validated rule set, k = code + the rule folders + (path, size, mtime, inode)
                of every file in them (none modified in the last two seconds): a warm re-scan
                neither parses the YAML nor imports a detector

The profile parts a unit read are found by handing detectors a recording profile; the list is
kept beside the entry (``uses/``), so a unit whose detectors read no corpus-wide statistics keeps
its cache entry when other files change, and one that read ``line_df`` is re-checked when
``line_df`` changes. ``uses-index/<k>`` (k = code + rules + options) holds the ``uses/`` entries
of every unit of the last scan in one pickle, so a warm re-scan reads one file, not one per unit. A detector that memoises profile data in a module global across documents
defeats that recording (it would only be seen on first use): read the profile per call.

Content hashes are sha256 of the bytes. A stat memo (path, size, mtime, inode → hash and, for
big files, the split plan) lets a warm re-scan skip reading unchanged files, as git's index
does; files modified within the last two seconds are never memoised (same-size rewrites within
the mtime granularity cannot fool it). Entries are pickles written atomically; a corrupt or
unreadable entry is a miss. Only the parent process reads and writes the cache (workers, local
or on Ray, just compute), so it is safe with any engine.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import __version__

CACHE_VERSION = "1"
_RACY_SECONDS = 2.0


def too_fresh(st: os.stat_result, now: float | None = None) -> bool:
    """A file modified in the last two seconds: a same-size rewrite within the mtime granularity
    would not change its stat, so its stat says nothing about its content yet."""
    return st.st_mtime > (time.time() if now is None else now) - _RACY_SECONDS


@lru_cache(maxsize=1)
def code_digest() -> str:
    """qc version + hash of every .py file of the qc package."""
    h = hashlib.sha256(f"qc {__version__} cache {CACHE_VERSION}".encode())
    root = Path(__file__).resolve().parent
    for p in sorted(root.rglob("*.py")):
        h.update(str(p.relative_to(root)).encode())
        try:
            h.update(p.read_bytes())
        except OSError:
            pass
    return h.hexdigest()[:20]


def _canon(obj: Any, h) -> None:
    """Feed a canonical serialisation of ``obj`` to ``h`` (sets and dicts in sorted order, so the
    digest does not depend on hash seeds or insertion order)."""
    if obj is None or isinstance(obj, (bool, int, float, str, bytes)):
        h.update(type(obj).__name__.encode())
        h.update(repr(obj).encode("utf-8", "surrogatepass"))
        h.update(b"\x1e")
        return
    if isinstance(obj, dict) and obj and all(type(k) is int for k in obj):
        # big int-keyed tables (e.g. line hash → count): numeric order, no per-key repr tuples
        keys = sorted(obj)
        h.update(b"{int")
        if all(type(v) is int for v in obj.values()):
            for lo in range(0, len(keys), 65536):
                h.update(";".join(f"{k}:{obj[k]}" for k in keys[lo:lo + 65536]).encode())
                h.update(b";")
        else:
            for k in keys:
                _canon(k, h)
                _canon(obj[k], h)
        h.update(b"}")
        return
    if isinstance(obj, dict):
        h.update(b"{")
        items = sorted(obj.items(), key=lambda kv: (type(kv[0]).__name__, repr(kv[0])))
        for k, v in items:
            _canon(k, h)
            _canon(v, h)
        h.update(b"}")
        return
    if isinstance(obj, (set, frozenset)):
        h.update(b"<")
        for r in sorted(_sub_digest(x) for x in obj):
            h.update(r.encode())
        h.update(b">")
        return
    if isinstance(obj, (list, tuple)):
        h.update(b"[" if isinstance(obj, list) else b"(")
        for x in obj:
            _canon(x, h)
        h.update(b"]")
        return
    tobytes = getattr(obj, "tobytes", None)
    if callable(tobytes):  # numpy arrays
        h.update(str(getattr(obj, "dtype", "")).encode() + str(getattr(obj, "shape", "")).encode())
        try:
            h.update(memoryview(obj).cast("B"))  # the same bytes without a copy (big profile tables)
        except (TypeError, ValueError):  # not C-contiguous, or no buffer
            h.update(tobytes())
        return
    state = getattr(obj, "__dict__", None)
    if state is not None:
        h.update(type(obj).__qualname__.encode())
        _canon(state, h)
        return
    slots = getattr(type(obj), "__slots__", None)
    if slots:
        h.update(type(obj).__qualname__.encode())
        _canon({s: getattr(obj, s, None) for s in slots}, h)
        return
    h.update(pickle.dumps(obj, protocol=4))


def _sub_digest(obj: Any) -> str:
    h = hashlib.sha256()
    _canon(obj, h)
    return h.hexdigest()


def stable_digest(obj: Any) -> str:
    """Digest of a (nested) value that is the same in every process and run."""
    return _sub_digest(obj)[:20]


def key(*parts: Any) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(str(p).encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()[:40]


class Cache:
    """A folder of pickles, plus the stat memo. Used by the parent process only."""

    def __init__(self, root: str | os.PathLike = ".qc-cache") -> None:
        self.root = Path(root) / f"v{CACHE_VERSION}"
        self._root = str(self.root)
        self.hits = 0
        self.misses = 0
        self._memo: dict[tuple, Any] = {}
        self._memo_dirty = False
        self._memo_path = self.root / "stat-memo.pkl"
        try:
            with open(self._memo_path, "rb") as f:
                self._memo = pickle.load(f)
            if not isinstance(self._memo, dict):
                self._memo = {}
        except Exception:
            self._memo = {}
        self._t0 = time.time()

    # --- entries ---------------------------------------------------------------------------
    def _path(self, kind: str, k: str) -> str:
        return f"{self._root}/{kind}/{k[:2]}/{k}"

    def has(self, kind: str, k: str) -> bool:
        return os.path.isfile(self._path(kind, k))

    def get_bytes(self, kind: str, k: str) -> bytes | None:
        try:
            with open(self._path(kind, k), "rb") as f:
                return f.read()
        except OSError:
            return None

    def get(self, kind: str, k: str) -> Any:
        raw = self.get_bytes(kind, k)
        if raw is None:
            return None
        try:
            return pickle.loads(raw)
        except Exception:
            return None

    def put_bytes(self, kind: str, k: str, data: bytes) -> None:
        path = self._path(kind, k)
        try:
            folder = os.path.dirname(path)
            os.makedirs(folder, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except OSError:  # a read-only or full disk makes the cache a no-op, never an error
            try:
                os.unlink(tmp)  # type: ignore[possibly-undefined]
            except Exception:
                pass

    def put(self, kind: str, k: str, value: Any) -> None:
        self.put_bytes(kind, k, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))

    # --- stat memo -------------------------------------------------------------------------
    @staticmethod
    def stat_key(path: str, *extra: Any, st: os.stat_result | None = None) -> tuple | None:
        """(absolute path, size, mtime, inode, *extra), or None if ``path`` cannot be stat'ed;
        ``st``: its ``os.stat`` result if the caller has it already."""
        if st is None:
            try:
                st = os.stat(path)
            except OSError:
                return None
        return (os.path.abspath(path), st.st_size, st.st_mtime_ns, st.st_ino, *extra)

    def memo_get(self, skey: tuple | None) -> Any:
        if skey is None:
            return None
        return self._memo.get(skey)

    def memo_put(self, skey: tuple | None, value: Any) -> None:
        if skey is None:
            return
        mtime = skey[2] / 1e9
        if mtime > self._t0 - _RACY_SECONDS:  # too fresh to trust its stat
            return
        if self._memo.get(skey) != value:
            self._memo[skey] = value
            self._memo_dirty = True

    def save(self) -> None:
        if not self._memo_dirty:
            return
        # drop entries of files that no longer exist or changed, so the memo does not grow forever
        live = {}
        for skey, v in self._memo.items():
            cur = self.stat_key(skey[0], *skey[4:])
            if cur == skey:
                live[skey] = v
        self._memo = live
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=self.root)
            with os.fdopen(fd, "wb") as f:
                pickle.dump(self._memo, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self._memo_path)
            self._memo_dirty = False
        except OSError:
            pass


__all__ = ["Cache", "code_digest", "stable_digest", "key", "too_fresh"]
