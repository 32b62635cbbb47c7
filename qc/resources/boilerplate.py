"""Boilerplate word lists from ``rules/lexicons/``, parsed once per process.

Entries are written in Simplified Chinese; their Traditional forms (OpenCC s2t/s2tw/s2hk) are
added at load time.

- ``boilerplate_lines.txt``: ``kind|line`` whole lines (a leading ``~`` on the kind marks a weak entry)
- ``boilerplate_phrases.txt``: ``kind|phrase`` substrings, compiled into one regex
- ``boilerplate_function_chars.txt``: characters of running prose (particles, pronouns, prepositions)
- ``boilerplate_site_suffixes.txt``: words that end a site name in a page-title line
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from . import lexicon
from . import trie_regex


_NOT_LETTER = re.compile(r"[\W\d_]+")


def norm_key(s: str) -> str:
    """What a line is matched on: letters and Han only, Latin lowercased (digits, spaces,
    punctuation and symbols dropped), so ``分享到：``, ``【分享到】`` and ``分享到 12`` are one key."""
    return _NOT_LETTER.sub("", s).lower()




@dataclass(frozen=True)
class BoilerplateLexicon:
    strong_lines: dict[str, str]  # norm key -> kind
    weak_lines: dict[str, str]
    phrases: re.Pattern | None  # one alternation; group text -> kind via phrase_kind
    phrase_kind: dict[str, str]
    function_chars: re.Pattern
    site_suffixes: tuple[str, ...]


def _split(entry: str, name: str) -> tuple[str, str]:
    if "|" not in entry:
        raise ValueError(f"{name}: entry {entry!r} is not 'kind|text'")
    kind, text = entry.split("|", 1)
    return kind.strip(), text.strip()


@lru_cache(maxsize=1)
def _to_traditional():
    """Simplified → Traditional converters (OpenCC), so a Simplified word list also matches
    Traditional pages; None when OpenCC is not installed."""
    try:
        import opencc
    except ImportError:  # pragma: no cover
        return ()
    return tuple(opencc.OpenCC(cfg) for cfg in ("s2t", "s2tw", "s2hk"))


def _variants(text: str) -> set[str]:
    out = {text}
    for conv in _to_traditional():
        out.add(conv.convert(text))
    return out


@lru_cache(maxsize=8)
def _load(lex_dirs: str) -> BoilerplateLexicon:
    params = {"_lexicons": lex_dirs}
    strong: dict[str, str] = {}
    weak: dict[str, str] = {}
    for entry in lexicon(params, "boilerplate_lines.txt"):
        kind, text = _split(entry, "boilerplate_lines.txt")
        for variant in _variants(text):
            key = norm_key(variant)
            if not key:
                continue
            if kind.startswith("~"):
                weak.setdefault(key, kind[1:])
            else:
                strong.setdefault(key, kind)
    for k in strong:
        weak.pop(k, None)
    phrase_kind: dict[str, str] = {}
    for entry in lexicon(params, "boilerplate_phrases.txt"):
        kind, text = _split(entry, "boilerplate_phrases.txt")
        for variant in _variants(text) if text else ():
            phrase_kind.setdefault(variant.lower(), kind)
    phrases = re.compile(trie_regex(phrase_kind), re.I) if phrase_kind else None
    chars = "".join(sorted(set("".join(lexicon(params, "boilerplate_function_chars.txt")))))
    func = re.compile(f"[{re.escape(chars)}]") if chars else re.compile(r"(?!x)x")
    suffixes = tuple(sorted(lexicon(params, "boilerplate_site_suffixes.txt"), key=len, reverse=True))
    return BoilerplateLexicon(strong, weak, phrases, phrase_kind, func, suffixes)


def boilerplate_lexicon(params: dict) -> BoilerplateLexicon:
    return _load(str(params.get("_lexicons", "")))
