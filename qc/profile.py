"""The corpus profile: one pass over every document before detection.

Each detector family that needs corpus-wide knowledge registers a *contributor*:

    @contributor("line_df")
    class LineDocFreq:
        def collect(self, doc) -> object      # small, picklable per-document stats
        def merge(self, acc, item) -> object  # fold one document's stats into acc (acc starts as None)
        def finalize(self, acc, n_docs) -> object   # what detectors read

Per-document ``collect`` may run in worker processes; ``merge`` and ``finalize`` run in the parent.
Detectors read ``profile.get("line_df")``; the profile is read-only during detection.
A profile built from a single document is valid (it then only knows that document).
"""
from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass, field
from typing import Any, Iterable, Protocol

from .model import STATUS_OK, Document


class Contributor(Protocol):
    def collect(self, doc: Document) -> Any: ...
    def merge(self, acc: Any, item: Any) -> Any: ...
    def finalize(self, acc: Any, n_docs: int) -> Any: ...


_CONTRIBUTORS: dict[str, type] = {}


def contributor(name: str):
    def wrap(cls):
        _CONTRIBUTORS[name] = cls
        return cls

    return wrap


def contributors() -> dict[str, Contributor]:
    from . import detectors

    detectors.load_all()
    return {name: cls() for name, cls in sorted(_CONTRIBUTORS.items())}


@dataclass
class CorpusProfile:
    n_docs: int = 0
    parts: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str, default: Any = None) -> Any:
        return self.parts.get(name, default)

    def digest(self) -> str:
        h = hashlib.sha256(str(self.n_docs).encode())
        for name in sorted(self.parts):
            h.update(name.encode())
            h.update(pickle.dumps(self.parts[name], protocol=4))
        return h.hexdigest()[:16]


def collect_doc(doc: Document, contribs: dict[str, Contributor] | None = None) -> dict[str, Any]:
    """Per-document profile stats (runs in workers)."""
    contribs = contribs if contribs is not None else contributors()
    if doc.status != STATUS_OK or not doc.text:
        return {}
    return {name: c.collect(doc) for name, c in contribs.items()}


class ProfileBuilder:
    def __init__(self) -> None:
        self.contribs = contributors()
        self.acc: dict[str, Any] = {name: None for name in self.contribs}
        self.n_docs = 0

    def add(self, stats: dict[str, Any]) -> None:
        self.n_docs += 1
        for name, item in stats.items():
            self.acc[name] = self.contribs[name].merge(self.acc[name], item)

    def build(self) -> CorpusProfile:
        """The profile; the accumulated stats are handed over (a builder builds once)."""
        acc, self.acc = self.acc, {}
        parts = {name: c.finalize(acc.pop(name), self.n_docs) for name, c in self.contribs.items()}
        return_free_memory()
        return CorpusProfile(n_docs=self.n_docs, parts=parts)


def return_free_memory() -> None:
    """Give freed heap back to the OS. glibc keeps it otherwise, and a profile's finalize frees
    hundreds of MB of temporaries on a big corpus just before the long check pass."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


def build_profile(docs: Iterable[Document]) -> CorpusProfile:
    b = ProfileBuilder()
    for d in docs:
        b.add(collect_doc(d, b.contribs))
    return b.build()
