"""Loaders for shipped data (lexicons, character frequencies, syllable tables, OpenCC tables).

Each loader is cached once per process. Lexicons are plain text in ``rules/lexicons/``:
one entry per line, ``#`` starts a comment, blank lines ignored.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

from ..errors import ConfigError


@lru_cache(maxsize=128)
def _read_lexicon(path: str) -> tuple[str, ...]:
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return tuple(out)


def lexicon(params: dict, name: str) -> tuple[str, ...]:
    """Entries of lexicon file ``name`` (e.g. ``"boilerplate.txt"``), searched in the rule set's
    lexicon folders (user folders first)."""
    dirs = [d for d in str(params.get("_lexicons", "")).split(os.pathsep) if d]
    if not dirs:
        from ..rules import default_rules_dir

        dirs = [str(default_rules_dir() / "lexicons")]
    return _read_lexicon(_find_lexicon(tuple(dirs), name))


@lru_cache(maxsize=256)
def _find_lexicon(dirs: tuple[str, ...], name: str) -> str:
    """The first folder's copy of lexicon ``name`` (looked up once per process, like the contents)."""
    for d in dirs:
        p = os.path.join(d, name)
        if os.path.isfile(p):
            return p
    raise ConfigError(f"lexicon {name!r} not found in {', '.join(dirs)}")


def trie_regex(words) -> str:
    """One regex alternation for many literal words, factored by common prefixes (much faster
    for Python's backtracking engine than a flat ``a|b|c``; no nested quantifiers)."""
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node) -> str:
        end = "" in node
        branches = [re.escape(ch) + build(sub) for ch, sub in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if end else body

    return build(trie)
