"""Record readers: JSONL (plain, .gz, .zst), JSON arrays and Parquet, one Document per record.

Record ids (the report's ``id`` and ``record``):
  ``<rel>#L<n>``  JSONL — ``n`` is the 1-based line number in the (decompressed) file, as an
                  editor or ``sed -n <n>p`` shows it; blank lines are skipped, not counted out.
  ``<rel>#R<n>``  JSON arrays and Parquet — ``n`` is the 0-based row / element index
                  (``table.slice(n, 1)``, ``data[n]``).
The id is always positional, so it is unique, stable under parallel splitting and cheap to
find; the value of ``--id-field`` (when given) goes to the report's ``metadata.record_id``.

A record that cannot be used (invalid JSON, not an object, no text field, text not a string,
invalid UTF-8, a corrupt compressed stream) becomes a Document with status ``malformed`` and
the reason in ``error``: EN05 reports it and the scan goes on. A file that is not a record
file at all (a Parquet file without the text column, a ``.json`` that is not JSON) becomes one
malformed file-level document.

Work units: a plain ``.jsonl`` larger than the batch size is split at line boundaries into byte
ranges (each with its first line number), a Parquet file into runs of row groups, so workers
can share one big file. Compressed JSONL and JSON arrays are read as one unit (a compressed
stream cannot be entered in the middle; a JSON array is parsed whole). Everything here streams:
memory is bounded by one unit's records, never by the file.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import stat
from dataclasses import dataclass
from typing import Any, Iterator

from .corpus import SourceFile, _doc_for, read_file, reader
from .model import STATUS_EMPTY, STATUS_MALFORMED, STATUS_OK, STATUS_UNREADABLE, Document, EncodingInfo

JSONL_SUFFIXES = (".jsonl", ".ndjson")
JSONL_GZ_SUFFIXES = (".jsonl.gz", ".ndjson.gz")
JSONL_ZST_SUFFIXES = (".jsonl.zst", ".ndjson.zst", ".jsonl.zstd")
JSON_SUFFIXES = (".json",)
PARQUET_SUFFIXES = (".parquet", ".pq")
DEFAULT_BATCH_BYTES = 2 << 20      # split plain JSONL into ~2 MB ranges
DEFAULT_BATCH_ROWS = 20_000        # and Parquet into runs of row groups of about this many rows
_READ_CHUNK = 8 << 20


@dataclass(frozen=True)
class ReadOptions:
    text_field: str = "text"
    id_field: str | None = None

    def key(self) -> str:
        return f"text={self.text_field}\x1fid={self.id_field or ''}"


@dataclass(frozen=True)
class Unit:
    """A piece of work: a whole file, or a byte range / row-group run inside one.

    fmt    -- text | jsonl | jsonl.gz | jsonl.zst | json | parquet
    start, stop -- byte range (jsonl) or row-group range (parquet); stop None = to the end
    first  -- line number of the first line (jsonl) or index of the first row (parquet)
    part, parts -- this unit's index among its file's units, and how many there are
    sha    -- content hash of the unit's bytes (with its range) when known, else None
    """

    src: SourceFile
    fmt: str
    start: int = 0
    stop: int | None = None
    first: int = 0
    part: int = 0
    parts: int = 1
    sha: str | None = None

    @property
    def records(self) -> bool:
        return self.fmt != "text"

    def describe(self) -> str:
        return f"{self.fmt}\x1f{self.start}\x1f{self.stop}\x1f{self.first}\x1f{self.src.rel}"


def file_format(name: str) -> str:
    low = name.lower()
    for fmt, sufs in (("jsonl.gz", JSONL_GZ_SUFFIXES), ("jsonl.zst", JSONL_ZST_SUFFIXES),
                      ("jsonl", JSONL_SUFFIXES), ("json", JSON_SUFFIXES), ("parquet", PARQUET_SUFFIXES)):
        if low.endswith(sufs):
            return fmt
    return "text"


# --- building documents -----------------------------------------------------------------------

def _field(obj: dict, name: str) -> Any:
    """``obj[name]``; a dotted name (``meta.content``) walks nested objects."""
    if name in obj:
        return obj[name]
    cur: Any = obj
    for part in name.split("."):
        if not isinstance(cur, dict) or part not in cur:
            raise KeyError(name)
        cur = cur[part]
    return cur


def _record_doc(src: SourceFile, rec: str, *, text: str = "", status: str = STATUS_OK, error: str | None = None,
                sha: str = "", size: int = 0, record_id: Any = None) -> Document:
    doc = _doc_for(src, text=text, status=status, error=error, sha256=sha, size_bytes=size,
                   encoding=EncodingInfo("utf-8"))
    doc.id = f"{src.rel}#{rec}"
    doc.record = rec
    if record_id is not None:
        doc.metadata = {"record_id": record_id if isinstance(record_id, (str, int, float, bool)) else str(record_id)}
    return doc


def _from_object(src: SourceFile, rec: str, obj: Any, opts: ReadOptions, sha: str, size: int) -> Document:
    """A parsed JSON value → a record document (malformed when it has no usable text)."""
    def bad(msg: str) -> Document:
        return _record_doc(src, rec, status=STATUS_MALFORMED, error=f"record {rec}: {msg}", sha=sha, size=size)

    if not isinstance(obj, dict):
        return bad(f"is a JSON {type(obj).__name__ if obj is not None else 'null'}, not an object")
    record_id = None
    if opts.id_field:
        try:
            record_id = _field(obj, opts.id_field)
        except KeyError:
            record_id = None
    try:
        text = _field(obj, opts.text_field)
    except KeyError:
        keys = ", ".join(sorted(map(str, obj))[:12]) or "none"
        return bad(f"no {opts.text_field!r} field (fields: {keys}); choose one with --text-field")
    if not isinstance(text, str):
        kind = "null" if text is None else type(text).__name__
        return bad(f"field {opts.text_field!r} is {kind}, not a string")
    if not text.strip():
        return _record_doc(src, rec, text=text, status=STATUS_EMPTY, error=f"record {rec}: text is empty",
                           sha=sha, size=size, record_id=record_id)
    return _record_doc(src, rec, text=text, sha=sha, size=size, record_id=record_id)


def _from_line(src: SourceFile, lineno: int, line: bytes, opts: ReadOptions) -> Document | None:
    """One JSONL line → a document; None for a blank line."""
    body = line.rstrip(b"\r\n")
    if not body.strip():
        return None
    rec = f"L{lineno}"
    sha = hashlib.sha256(body).hexdigest()
    try:
        obj = json.loads(body)
    except UnicodeDecodeError as e:
        return _record_doc(src, rec, status=STATUS_MALFORMED, sha=sha, size=len(body),
                           error=f"record {rec}: not valid UTF-8 (byte {e.start} of the line)")
    except ValueError as e:
        msg = e.msg if isinstance(e, json.JSONDecodeError) else str(e)
        col = f" at column {e.colno}" if isinstance(e, json.JSONDecodeError) else ""
        return _record_doc(src, rec, status=STATUS_MALFORMED, sha=sha, size=len(body),
                           error=f"record {rec}: invalid JSON: {msg}{col}")
    return _from_object(src, rec, obj, opts, sha, len(body))


def _empty_file(src: SourceFile, what: str = "empty file (0 bytes)") -> Document:
    return _doc_for(src, status=STATUS_EMPTY, error=what, sha256=hashlib.sha256(b"").hexdigest())


def _file_error(src: SourceFile, status: str, msg: str, sha: str = "", size: int = 0) -> Document:
    return _doc_for(src, status=status, error=msg, sha256=sha, size_bytes=size)


def _jsonl_lines(src: SourceFile, stream: io.BufferedIOBase, first: int, limit: int | None, opts: ReadOptions,
                 compressed: str | None = None) -> Iterator[Document]:
    """Documents of the lines in ``stream`` (numbered from ``first``), up to ``limit`` bytes."""
    lineno = first
    consumed = 0
    seen = 0
    while limit is None or consumed < limit:
        try:
            line = stream.readline()
        except Exception as e:  # a corrupt gzip / zstd stream
            if compressed is None:
                raise
            yield _record_doc(src, f"L{lineno}", status=STATUS_MALFORMED,
                              error=f"{compressed} stream is corrupt at line {lineno}: {type(e).__name__}: {e}")
            return
        if not line:
            break
        consumed += len(line)
        doc = _from_line(src, lineno, line, opts)
        lineno += 1
        if doc is not None:
            seen += 1
            yield doc
    if seen == 0 and first == 1 and limit is None:
        yield _empty_file(src, "file has no records")


def _open_compressed(path: str, fmt: str) -> io.BufferedIOBase:
    if fmt == "jsonl.gz":
        return gzip.open(path, "rb")
    import zstandard

    fh = open(path, "rb")
    return io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(fh, closefd=True), buffer_size=1 << 20)


def _parquet_docs(src: SourceFile, pf, row_groups: list[int], first_row: int, opts: ReadOptions) -> Iterator[Document]:
    schema = pf.schema_arrow
    top = opts.text_field.split(".")[0]
    if top not in schema.names:
        cols = ", ".join(schema.names[:12])
        yield _file_error(src, STATUS_MALFORMED, f"Parquet file has no {opts.text_field!r} column (columns: {cols}); "
                                                  "choose one with --text-field")
        return
    cols = [top]
    id_top = opts.id_field.split(".")[0] if opts.id_field else None
    if id_top and id_top in schema.names and id_top != top:
        cols.append(id_top)
    row = first_row
    for batch in pf.iter_batches(batch_size=2048, row_groups=row_groups, columns=cols, use_threads=False):
        for obj in batch.to_pylist():
            rec = f"R{row}"
            text = None
            try:
                text = _field(obj, opts.text_field)
            except KeyError:
                pass
            if isinstance(text, str):
                raw = text.encode("utf-8", "surrogatepass")
                sha, size = hashlib.sha256(raw).hexdigest(), len(raw)
            else:
                sha, size = "", 0
            yield _from_object(src, rec, obj, opts, sha, size)
            row += 1


def _parquet_file(path_or_buf):
    import pyarrow.parquet as pq

    return pq.ParquetFile(path_or_buf)


def _json_docs(src: SourceFile, raw: bytes, opts: ReadOptions) -> Iterator[Document]:
    sha = hashlib.sha256(raw).hexdigest()
    if not raw.strip():
        yield _empty_file(src) if not raw else _file_error(src, STATUS_EMPTY, "file has no records", sha, len(raw))
        return
    try:
        data = json.loads(raw)
    except UnicodeDecodeError as e:
        yield _file_error(src, STATUS_MALFORMED, f"not valid UTF-8 JSON (byte {e.start})", sha, len(raw))
        return
    except ValueError as e:
        where = f" (line {e.lineno}, column {e.colno})" if isinstance(e, json.JSONDecodeError) else ""
        msg = e.msg if isinstance(e, json.JSONDecodeError) else str(e)
        yield _file_error(src, STATUS_MALFORMED, f"invalid JSON{where}: {msg}", sha, len(raw))
        return
    items = data if isinstance(data, list) else [data]
    if not items:
        yield _file_error(src, STATUS_EMPTY, "JSON array has no records", sha, len(raw))
        return
    for i, obj in enumerate(items):
        blob = json.dumps(obj, ensure_ascii=False, sort_keys=True).encode("utf-8", "surrogatepass")
        yield _from_object(src, f"R{i}", obj, opts, hashlib.sha256(blob).hexdigest(), len(blob))


# --- reading a unit (the engine's entry point) -------------------------------------------------

def read_unit(unit: Unit, opts: ReadOptions = ReadOptions()) -> Iterator[Document]:
    """Documents of one work unit. Never raises for a bad file or record."""
    src = unit.src
    if unit.fmt == "text":
        yield from read_file(src)
        return
    try:
        if os.path.isdir(src.path):
            raise IsADirectoryError(21, "is a directory", src.path)
        if unit.fmt == "jsonl":
            with open(src.path, "rb", buffering=1 << 20) as f:
                if unit.start == 0 and unit.stop is None and os.fstat(f.fileno()).st_size == 0:
                    yield _empty_file(src)
                    return
                f.seek(unit.start)
                limit = None if unit.stop is None else unit.stop - unit.start
                yield from _jsonl_lines(src, f, unit.first or 1, limit, opts)
        elif unit.fmt in ("jsonl.gz", "jsonl.zst"):
            if os.path.getsize(src.path) == 0:
                yield _empty_file(src)
                return
            with _open_compressed(src.path, unit.fmt) as f:
                yield from _jsonl_lines(src, f, 1, None, opts, compressed=unit.fmt.split(".")[1])
        elif unit.fmt == "json":
            with open(src.path, "rb") as f:
                raw = f.read()
            yield from _json_docs(src, raw, opts)
        elif unit.fmt == "parquet":
            if os.path.getsize(src.path) == 0:
                yield _empty_file(src)
                return
            try:
                pf = _parquet_file(src.path)
            except Exception as e:  # not a Parquet file / truncated
                yield _file_error(src, STATUS_MALFORMED, f"cannot read Parquet: {type(e).__name__}: {e}",
                                  size=os.path.getsize(src.path))
                return
            groups = list(range(pf.num_row_groups))[unit.start:unit.stop]
            yield from _parquet_docs(src, pf, groups, unit.first, opts)
        else:
            raise ValueError(f"unknown unit format {unit.fmt!r}")
    except OSError as e:
        reason = e.strerror or str(e)
        yield _file_error(src, STATUS_UNREADABLE, f"cannot read: {reason} [errno {e.errno}]")


# --- the reader registry (``qc.corpus.read_file`` and ``walk`` use it) --------------------------

def _bytes_reader(fmt: str):
    def read(src: SourceFile, raw: bytes) -> Iterator[Document]:
        opts = ReadOptions()
        if fmt == "json":
            yield from _json_docs(src, raw, opts)
            return
        if not raw:
            yield _empty_file(src)
            return
        if fmt == "parquet":
            try:
                pf = _parquet_file(io.BytesIO(raw))
            except Exception as e:
                yield _file_error(src, STATUS_MALFORMED, f"cannot read Parquet: {type(e).__name__}: {e}", size=len(raw))
                return
            yield from _parquet_docs(src, pf, list(range(pf.num_row_groups)), 0, opts)
            return
        if fmt == "jsonl.gz":
            stream: io.BufferedIOBase = gzip.GzipFile(fileobj=io.BytesIO(raw))
        elif fmt == "jsonl.zst":
            import zstandard

            stream = io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(io.BytesIO(raw)))
        else:
            stream = io.BytesIO(raw)
        yield from _jsonl_lines(src, stream, 1, None, opts, compressed=None if fmt == "jsonl" else fmt.split(".")[1])

    read.__name__ = f"read_{fmt.replace('.', '_')}"
    return read


reader(*JSONL_SUFFIXES)(_bytes_reader("jsonl"))
reader(*JSONL_GZ_SUFFIXES)(_bytes_reader("jsonl.gz"))
reader(*JSONL_ZST_SUFFIXES)(_bytes_reader("jsonl.zst"))
reader(*JSON_SUFFIXES)(_bytes_reader("json"))
reader(*PARQUET_SUFFIXES)(_bytes_reader("parquet"))


# --- planning: files → units --------------------------------------------------------------------

def _jsonl_ranges(path: str, size: int, batch: int) -> list[tuple[int, int, int, str]]:
    """Split a JSONL file at line boundaries near every ``batch`` bytes:
    [(start, stop, first_line_number, sha256_of_range)]. One sequential read."""
    cuts: list[tuple[int, int]] = [(0, 1)]  # (byte offset, line number of the line starting there)
    hashes: list[str] = []
    h = hashlib.sha256()
    lines = 0
    pos = 0
    target = batch
    with open(path, "rb", buffering=0) as f:
        while True:
            chunk = f.read(_READ_CHUNK)
            if not chunk:
                break
            off = 0  # part of chunk already hashed into h
            while target < pos + len(chunk):
                i = chunk.find(b"\n", max(off, target - pos))
                if i < 0:
                    break
                cut = pos + i + 1
                h.update(chunk[off:i + 1])
                off = i + 1
                if cut >= size:
                    break
                hashes.append(h.hexdigest())
                h = hashlib.sha256()
                cuts.append((cut, lines + chunk.count(b"\n", 0, i + 1) + 1))
                target = cut + batch
            h.update(chunk[off:])
            lines += chunk.count(b"\n")
            pos += len(chunk)
    hashes.append(h.hexdigest())
    out = []
    for k, (start, first) in enumerate(cuts):
        stop = cuts[k + 1][0] if k + 1 < len(cuts) else size
        out.append((start, stop, first, hashes[k]))
    return out


def file_sha256(path: str) -> str:
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):  # never open a FIFO or device: it would block or never end
        return "nonregular-" + hashlib.sha256(f"{path}\0{st.st_mode}\0{st.st_mtime_ns}".encode("utf-8", "surrogateescape")).hexdigest()
    h = hashlib.sha256()
    with open(path, "rb", buffering=0) as f:
        while True:
            b = f.read(_READ_CHUNK)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def plan_file(src: SourceFile, batch_bytes: int = DEFAULT_BATCH_BYTES, batch_rows: int = DEFAULT_BATCH_ROWS) -> list[Unit]:
    """The units of one file. Only big plain JSONL and multi-row-group Parquet are split (and
    hashed here, since each piece needs its own key); other files are one unit hashed by the worker."""
    fmt = file_format(src.rel)
    whole = [Unit(src, fmt, first=1 if fmt.startswith("jsonl") else 0)]
    try:
        if fmt == "jsonl":
            size = os.path.getsize(src.path)
            if size <= batch_bytes * 1.5 or os.path.isdir(src.path):
                return whole
            ranges = _jsonl_ranges(src.path, size, batch_bytes)
            n = len(ranges)
            return [Unit(src, fmt, start=a, stop=b, first=first, part=k, parts=n, sha=sha)
                    for k, (a, b, first, sha) in enumerate(ranges)]
        if fmt == "parquet":
            pf = _parquet_file(src.path)
            md = pf.metadata
            groups: list[tuple[int, int, int]] = []  # (first group, stop group, first row)
            row = 0
            acc_rows = 0
            start_g = 0
            for g in range(md.num_row_groups):
                acc_rows += md.row_group(g).num_rows
                if acc_rows >= batch_rows:
                    groups.append((start_g, g + 1, row))
                    row += acc_rows
                    acc_rows, start_g = 0, g + 1
            if start_g < md.num_row_groups or not groups:
                groups.append((start_g, md.num_row_groups, row))
            if len(groups) <= 1:
                return whole
            sha = file_sha256(src.path)
            n = len(groups)
            return [Unit(src, fmt, start=a, stop=b, first=first, part=k, parts=n, sha=f"{sha}:{a}-{b}")
                    for k, (a, b, first) in enumerate(groups)]
    except Exception:  # unreadable / not Parquet: the worker reports it as one unit
        return whole
    return whole


def unit_sha(unit: Unit) -> str:
    """Content hash of what the unit reads (computed by the worker when planning did not)."""
    if unit.sha:
        return unit.sha
    if unit.fmt == "jsonl" and unit.stop is not None:
        with open(unit.src.path, "rb") as f:
            f.seek(unit.start)
            return hashlib.sha256(f.read(unit.stop - unit.start)).hexdigest()
    return file_sha256(unit.src.path)


__all__ = ["ReadOptions", "Unit", "read_unit", "plan_file", "unit_sha", "file_format", "file_sha256",
           "DEFAULT_BATCH_BYTES", "DEFAULT_BATCH_ROWS"]
