"""The small value types that flow through a scan: Document → Hit → Finding → FileResult."""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("info", "warning", "error")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
FAMILIES = ("encoding", "script", "pinyin", "offtopic", "boilerplate", "format")
FAMILY_PREFIX = {
    "EN": "encoding",
    "SC": "script",
    "PY": "pinyin",
    "OT": "offtopic",
    "BP": "boilerplate",
    "FM": "format",
}

# Document.status values. Only "ok" documents carry text worth detecting on.
STATUS_OK = "ok"
STATUS_EMPTY = "empty"
STATUS_BINARY = "binary"
STATUS_UNREADABLE = "unreadable"
STATUS_MALFORMED = "malformed"  # a record that could not be parsed (JSONL etc.)


@dataclass
class EncodingInfo:
    name: str = "utf-8"
    bom: bool = False
    decode_errors: int = 0
    # byte offsets (into the raw file) of undecodable bytes, capped
    error_bytes: list[int] = field(default_factory=list)
    # char spans in the decoded text where undecodable bytes were replaced (U+FFFD)
    error_spans: list[tuple[int, int]] = field(default_factory=list)
    confidence: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "bom": self.bom, "decode_errors": self.decode_errors}


@dataclass
class Document:
    """One unit of text to check: a whole file, or one record inside a file.

    id       -- stable identifier: the report path, plus ``#L12`` / ``#R12`` for records
    path     -- the path as given / found (for display)
    rel      -- the path relative to its scan root (drives the report location)
    text     -- decoded text ("" when status is not ok)
    status   -- ok | empty | binary | unreadable | malformed
    error    -- human-readable reason when status is not ok
    """

    id: str
    path: str
    rel: str
    text: str = ""
    status: str = STATUS_OK
    error: str | None = None
    encoding: EncodingInfo = field(default_factory=EncodingInfo)
    metadata: dict[str, Any] = field(default_factory=dict)
    sha256: str = ""
    size_bytes: int = 0
    record: str | None = None  # record id within the file (None for whole-file documents)
    # spans that are known non-content (e.g. front matter); set by the reader
    front_matter_span: tuple[int, int] | None = None
    _line_starts: list[int] | None = field(default=None, repr=False, compare=False)
    _lines: list[tuple[int, int, str]] | None = field(default=None, repr=False, compare=False)

    @property
    def line_starts(self) -> list[int]:
        if self._line_starts is None:
            starts = [0]
            text = self.text
            i = text.find("\n")
            while i != -1:
                starts.append(i + 1)
                i = text.find("\n", i + 1)
            self._line_starts = starts
        return self._line_starts

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a code-point offset."""
        starts = self.line_starts
        idx = bisect.bisect_right(starts, offset) - 1
        return idx + 1, offset - starts[idx] + 1

    def lines(self):
        """(start, end, line_text) for every line, end excluding the newline (an iterator over a
        list built once per document: several detectors walk the lines)."""
        if self._lines is None:
            text = self.text
            starts = self.line_starts
            n = len(text)
            out = []
            for i, s in enumerate(starts):
                e = starts[i + 1] - 1 if i + 1 < len(starts) else n
                if s == n and i > 0:
                    break
                out.append((s, e, text[s:e]))
            self._lines = out
        return iter(self._lines)

    def forget_lines(self) -> None:
        """Drop the line caches (after ``text`` is replaced)."""
        self._line_starts = None
        self._lines = None


@dataclass
class Hit:
    """What a detector yields: a span and what is wrong with it.

    The engine adds the rule id, name, family, line/column and excerpt.
    severity -- None keeps the rule's severity; a detector may escalate/de-escalate.
    parts    -- exact damaged sub-spans inside [start, end) when the span groups several.
    evidence -- small JSON-able dict with the numbers behind the finding.
    """

    start: int
    end: int
    message: str
    suggestion: str | None = None
    severity: str | None = None
    parts: list[tuple[int, int]] | None = None
    evidence: dict[str, Any] | None = None


@dataclass(frozen=True)
class Finding:
    rule: str
    name: str
    family: str
    severity: str
    start: int
    end: int
    line: int
    column: int
    end_line: int
    end_column: int
    excerpt: str
    message: str
    suggestion: str | None = None
    parts: tuple[tuple[int, int], ...] | None = None
    evidence: dict[str, Any] | None = None
    fingerprint: str = ""

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "rule": self.rule,
            "fingerprint": self.fingerprint,
            "name": self.name,
            "family": self.family,
            "severity": self.severity,
            "start": self.start,
            "end": self.end,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "excerpt": self.excerpt,
            "message": self.message,
            "suggestion": self.suggestion,
        }
        if self.parts is not None:
            d["parts"] = [list(p) for p in self.parts]
        if self.evidence:
            d["evidence"] = self.evidence
        return d

    def covered(self) -> list[tuple[int, int]]:
        """The character ranges this finding claims (its parts when present)."""
        if self.parts:
            return list(self.parts)
        return [(self.start, self.end)]
