"""Read: walk the given paths, decode files, split them into Documents.

Decoding: UTF-8 first (a BOM is noted and stripped; UTF-16/32 by BOM). Otherwise the bytes are
decoded with each plausible legacy codec (charset-normalizer's guess, GB18030, Big5, UTF-16) and
the decode whose Han characters are most often *common* characters wins — Big5 bytes decode
"validly" as GBK but into rare characters, so validity alone cannot decide. Undecodable bytes are
replaced by U+FFFD and their byte offsets recorded. Files with NUL bytes that are not UTF-16 are
binary. Nothing here raises for a bad file: the Document gets a status and an error message.
"""
from __future__ import annotations

import codecs
import hashlib
import os
import re
import stat
import threading
from dataclasses import dataclass
from typing import Callable, Iterator

import yaml

from .model import (
    STATUS_BINARY,
    STATUS_EMPTY,
    STATUS_OK,
    STATUS_UNREADABLE,
    Document,
    EncodingInfo,
)
from .resources.charfreq import common_ratio

TEXT_SUFFIXES = (".txt", ".md")
MAX_FILE_BYTES = 1 << 30  # whole-file documents larger than this are reported, not read
MAX_ERROR_OFFSETS = 100


@dataclass(frozen=True)
class SourceFile:
    """A file to read: its path and its report-relative name."""

    path: str
    rel: str


def clean_name(s: str) -> str:
    """A path made safe for JSON and display: undecodable bytes → U+FFFD, controls → '_'."""
    s = s.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return re.sub(r"[\x00-\x1f\x7f]", "_", s)


def _suffix_ok(name: str, suffixes: tuple[str, ...]) -> bool:
    low = name.lower()
    return any(low.endswith(s) for s in suffixes)


def walk(paths: list[str], suffixes: tuple[str, ...] | None = None) -> tuple[list[SourceFile], list[SourceFile]]:
    """Files to scan under ``paths`` (sorted, recursive, hidden folders skipped) and paths that
    could not be walked (reported as unreadable documents)."""
    suffixes = suffixes or readable_suffixes()
    found: list[SourceFile] = []
    bad: list[SourceFile] = []
    multi = len(paths) > 1
    seen_rel: set[str] = set()

    def add(path: str, rel: str) -> None:
        rel = clean_name(rel)
        base, n = rel, 2
        while rel in seen_rel:
            rel = f"{base}~{n}"
            n += 1
        seen_rel.add(rel)
        found.append(SourceFile(path, rel))

    for p in paths:
        p = os.fspath(p)
        if os.path.isdir(p):
            root_name = os.path.basename(os.path.normpath(p)) or "root"
            entries: list[tuple[str, str]] = []
            errors: list[OSError] = []
            for dirpath, dirnames, filenames in os.walk(p, onerror=errors.append, followlinks=False):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                rel_dir = os.path.relpath(dirpath, p)  # once per folder: = relpath(file, p) minus the name
                for fn in filenames:
                    if fn.startswith(".") or not _suffix_ok(fn, suffixes):
                        continue
                    entries.append((fn if rel_dir == "." else os.path.join(rel_dir, fn), os.path.join(dirpath, fn)))
            for e in errors:
                if e.filename and os.path.normpath(e.filename) != os.path.normpath(p):
                    rel = os.path.relpath(e.filename, p)
                    bad.append(SourceFile(e.filename, clean_name(f"{root_name}/{rel}" if multi else rel)))
                else:
                    bad.append(SourceFile(p, clean_name(root_name)))
            for rel, full in sorted(entries):
                add(full, f"{root_name}/{rel}" if multi else rel)
        elif os.path.exists(p) or os.path.islink(p):
            add(p, os.path.basename(p))
        else:
            bad.append(SourceFile(p, clean_name(os.path.basename(p) or p)))
    return found, bad


# --- decoding ---------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _looks_utf16(raw: bytes) -> str | None:
    """BOM-less UTF-16: NULs on one parity only (Latin-heavy text), or a strict decode whose Han
    characters are mostly common ones (CJK text has few NUL bytes)."""
    sample = raw[:4096]
    if len(sample) < 4:
        return None
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    half = len(sample) // 2
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be"
    if len(raw) % 2 == 0 and b"\x00" in raw[:65536]:
        for enc in ("utf-16-le", "utf-16-be"):
            try:
                text = sample[: len(sample) // 2 * 2].decode(enc)
            except UnicodeDecodeError:
                continue
            ratio, han = common_ratio(text)
            if han >= 8 and ratio > 0.8:
                return enc
    return None


_CTRL_BYTES = bytes(b for b in range(0x20) if b < 0x09 or b >= 0x0E)


def is_binary(raw: bytes) -> bool:
    """NUL bytes beyond a stray one or two (and not UTF-16), or many control bytes."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF8)):
        return False
    sample = raw[:8192]
    if not sample:
        return False
    nuls = sample.count(0)
    if nuls > max(2, len(sample) // 100) and not _looks_utf16(raw):
        return True
    ctrl = len(sample) - len(sample.translate(None, _CTRL_BYTES))
    return ctrl > 0.1 * len(sample)


class _DecodeLog(threading.local):
    def __init__(self) -> None:
        self.events: list[tuple[int, int]] = []
        self.repl = "\ufffd"


_LOG = _DecodeLog()


def _record_error(e: UnicodeDecodeError) -> tuple[str, int]:
    end = max(e.end, e.start + 1)
    _LOG.events.append((e.start, end))
    return _LOG.repl, end


codecs.register_error("qc-record", _record_error)


def _decode_with_offsets(raw: bytes, encoding: str) -> tuple[str, list[int], list[tuple[int, int]], int]:
    """Decode replacing bad bytes with U+FFFD; return text, bad byte offsets, char spans, count.

    One C-speed decode with an error handler that logs each bad byte run. The replacement
    characters are then found in the text; if the text also holds real U+FFFD, it is decoded
    once more with a noncharacter the text lacks as the marker, so the spans are exact."""
    _LOG.events, _LOG.repl = [], "\ufffd"
    text = raw.decode(encoding, errors="qc-record")
    events = _LOG.events
    if not events:
        return text, [], [], 0
    marker = "\ufffd"
    if text.count(marker) != len(events):
        marker = next((c for c in map(chr, range(0xFDD0, 0xFDF0)) if c not in text), "\ufffd")
        _LOG.events, _LOG.repl = [], marker
        try:
            marked = raw.decode(encoding, errors="qc-record")
        finally:
            _LOG.repl = "\ufffd"
        events = _LOG.events
    else:
        marked = text
    offsets: list[int] = []
    nerr = 0
    for a, b in events:
        nerr += b - a
        if len(offsets) < MAX_ERROR_OFFSETS:
            offsets.extend(range(a, min(b, a + MAX_ERROR_OFFSETS - len(offsets))))
    spans: list[tuple[int, int]] = []
    i = marked.find(marker)
    while i != -1:
        if spans and spans[-1][1] == i:
            spans[-1] = (spans[-1][0], i + 1)
        else:
            spans.append((i, i + 1))
        i = marked.find(marker, i + 1)
    if marker != "\ufffd":
        text = marked.replace(marker, "\ufffd")
    _LOG.events = []
    return text, offsets, spans, nerr


_WRONG_CODEC_CHARS = re.compile("[\ufffd\x80-\x9f\ue000-\uf8ff]")


def _plausibility(text: str) -> float:
    """How much a decode looks like real text: the share of common Han characters (or 0.5 for
    text without Han), minus the share of characters that signal a wrong codec (U+FFFD, C1
    controls, private-use characters)."""
    sample = text[:20000]
    ratio, han = common_ratio(sample)
    bad = len(_WRONG_CODEC_CHARS.findall(sample))
    base = ratio if han else 0.5
    return base - 5 * bad / max(1, len(sample))


def _error_runs(raw: bytes, encoding: str) -> int:
    """How many undecodable byte runs ``raw`` has in ``encoding`` (the error handler's calls in
    ``_decode_with_offsets``, each of at least one byte), from two C-speed decodes: the U+FFFD
    that ``replace`` adds beyond those the text really holds."""
    return raw.decode(encoding, "replace").count("\ufffd") - raw.decode(encoding, "ignore").count("\ufffd")


def decode_bytes(raw: bytes) -> tuple[str, EncodingInfo]:
    """Decode raw bytes to text, detecting the encoding (see module docstring)."""
    for bom, enc in _BOMS:
        if raw.startswith(bom):
            # utf-16/32 decoders consume their BOM; utf-8's is stripped by hand
            text, offs, spans, nerr = _decode_with_offsets(raw[len(bom):] if enc == "utf-8" else raw, enc)
            return text, EncodingInfo(enc, True, nerr, offs, spans)
    try:
        return raw.decode("utf-8"), EncodingInfo("utf-8")
    except UnicodeDecodeError:
        pass
    u16 = _looks_utf16(raw)
    cands: list[str] = []
    if u16:
        cands.append(u16)
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(raw[:200_000]).best()
        if best is not None:
            cands.append(best.encoding)
    except Exception:  # a detector bug must not stop reading
        pass
    cands += ["gb18030", "big5", "utf-8"]
    seen: set[str] = set()
    best_tuple = None
    for enc in cands:
        try:
            name = codecs.lookup(enc).name
        except LookupError:
            continue
        if name in ("gb2312", "gbk"):
            name = "gb18030"  # decode with the superset; refine_legacy_name narrows the name
        if name in seen:
            continue
        seen.add(name)
        if best_tuple is not None and 1.0 - 20 * _error_runs(raw, name) / max(1, len(raw)) <= best_tuple[0] + 1e-9:
            continue  # cannot beat the best even with perfect plausibility (see below): skip its slow decode
        text, offs, spans, nerr = _decode_with_offsets(raw, name)
        # plausibility, minus a penalty for every undecodable byte
        key = _plausibility(text) - 20 * nerr / max(1, len(raw))
        if best_tuple is None or key > best_tuple[0] + 1e-9:
            best_tuple = (key, name, text, offs, spans, nerr)
    _, name, text, offs, spans, nerr = best_tuple  # type: ignore[misc]
    canonical = {"gb18030": "gb18030", "big5": "big5", "utf_8": "utf-8", "utf_16_le": "utf-16-le",
                 "utf_16_be": "utf-16-be"}.get(name.replace("-", "_"), name)
    return text, EncodingInfo(canonical, False, nerr, offs, spans)


def refine_legacy_name(raw: bytes, text: str, info: EncodingInfo) -> None:
    """Name the narrowest GB codec whose byte ranges hold the file (gb2312 ⊂ gbk ⊂ gb18030).

    The text itself stays decoded with the widest codec: Python's gb2312 maps a few
    punctuation bytes (A1A4, A1AA) to the older code points, GBK/GB18030 to the intended ones."""
    if info.name not in ("gb18030", "gbk", "gb2312"):
        return
    for enc in ("gb2312", "gbk", "gb18030"):
        if info.decode_errors:
            _, offs, _, nerr = _decode_with_offsets(raw, enc)
            if nerr == info.decode_errors and offs == info.error_bytes:
                info.name = enc
                return
            continue
        try:
            raw.decode(enc)
            info.name = enc
            return
        except UnicodeDecodeError:
            continue


# --- front matter -----------------------------------------------------------------------------

_FM_RE = re.compile(r"\A(?:\ufeff)?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)


def parse_front_matter(text: str) -> tuple[dict, tuple[int, int] | None]:
    """YAML front matter at the top of a Markdown file → (metadata, span)."""
    if not text.startswith("---"):
        return {}, None
    m = _FM_RE.match(text[:20000])
    if not m:
        return {}, None
    try:
        data = yaml.safe_load(m.group(1))
    except yaml.YAMLError:
        data = None
    if not isinstance(data, dict):
        return {}, None
    meta = {str(k): (v if isinstance(v, (str, int, float, bool)) or v is None else str(v)) for k, v in data.items()}
    return meta, (0, m.end())


# --- readers ----------------------------------------------------------------------------------

Reader = Callable[[SourceFile, bytes], Iterator[Document]]
READERS: dict[str, Reader] = {}


def reader(*suffixes: str):
    def wrap(fn: Reader) -> Reader:
        for s in suffixes:
            READERS[s] = fn
        return fn

    return wrap


def readable_suffixes() -> tuple[str, ...]:
    return tuple(sorted(READERS, key=len, reverse=True))


def _doc_for(src: SourceFile, **kw) -> Document:
    return Document(id=src.rel, path=clean_name(src.path), rel=src.rel, **kw)


def text_document(src: SourceFile, raw: bytes) -> Document:
    """One whole file as one document."""
    sha = hashlib.sha256(raw).hexdigest()
    if not raw:
        return _doc_for(src, status=STATUS_EMPTY, error="empty file (0 bytes)", sha256=sha, size_bytes=0)
    if is_binary(raw):
        return _doc_for(src, status=STATUS_BINARY, error="binary file (NUL or control bytes), not scanned",
                        sha256=sha, size_bytes=len(raw), encoding=EncodingInfo("binary"))
    text, info = decode_bytes(raw)
    refine_legacy_name(raw, text, info)
    status = STATUS_OK if text.strip() else STATUS_EMPTY
    doc = _doc_for(src, text=text, status=status, error=None if status == STATUS_OK else "file has no text",
                   encoding=info, sha256=sha, size_bytes=len(raw))
    meta, span = parse_front_matter(text)
    if span:
        doc.metadata = meta
        doc.front_matter_span = span
    return doc


@reader(*TEXT_SUFFIXES)
def read_text_file(src: SourceFile, raw: bytes) -> Iterator[Document]:
    yield text_document(src, raw)


def _reader_for(name: str) -> Reader:
    low = name.lower()
    for suf in readable_suffixes():
        if low.endswith(suf):
            return READERS[suf]
    return read_text_file


def read_file(src: SourceFile) -> Iterator[Document]:
    """Documents of one file. Never raises for a bad file."""
    try:
        st = os.stat(src.path)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(21, "is a directory", src.path)
        if not stat.S_ISREG(st.st_mode):  # a FIFO would block, a device never end
            yield _doc_for(src, status=STATUS_UNREADABLE, error="not a regular file (FIFO, socket or device): not read")
            return
        if st.st_size > MAX_FILE_BYTES:
            yield _doc_for(src, status=STATUS_UNREADABLE, size_bytes=st.st_size,
                           error=f"file too large ({st.st_size} bytes > limit {MAX_FILE_BYTES}): not read")
            return
        with open(src.path, "rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        reason = e.strerror or str(e)
        yield _doc_for(src, status=STATUS_UNREADABLE, error=f"cannot read: {reason} [errno {e.errno}]")
        return
    yield from _reader_for(src.rel)(src, raw)


def unreadable(src: SourceFile, reason: str) -> Document:
    return _doc_for(src, status=STATUS_UNREADABLE, error=reason)


def document_from_text(text: str, id: str = "<text>") -> Document:
    """A document from a string (tests, the Python API)."""
    meta, span = parse_front_matter(text)
    raw = text.encode("utf-8", "surrogatepass")
    return Document(id=id, path=id, rel=id, text=text, status=STATUS_OK if text.strip() else STATUS_EMPTY,
                    metadata=meta, front_matter_span=span, sha256=hashlib.sha256(raw).hexdigest(),
                    size_bytes=len(raw))


# the record readers (JSONL, JSON, Parquet) register themselves here; imported last (they use this module)
from . import readers as _readers  # noqa: E402,F401
