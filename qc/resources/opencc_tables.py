"""Simplified-only and Traditional-only Han characters, from the tables opencc-python-reimplemented ships.

A character is *Traditional-only* when OpenCC's Traditional→Simplified character table always
changes it (``TSCharacters.txt``: 國→国, 後→后), and *Simplified-only* when the
Simplified→Traditional table always changes it (``STCharacters.txt``: 国→國, 们→們). A character
that may stay as it is (后→後/后, 干→幹/乾/干, 著) is shared and counts for neither script;
the few characters listed as "always changes" in both tables are dropped too.

The sets are read once per process. Counting goes through the character-class table of
:mod:`qc.resources.scriptclass` (one vectorised pass, no per-character Python loop). The phrase
converter (``convert``) is slow (~0.5 MB/s): use it only on text already flagged.
"""
from __future__ import annotations

import os
from functools import lru_cache

HANS = "Hans"
HANT = "Hant"
_ALIASES = {
    "hans": HANS, "simplified": HANS, "zh-hans": HANS, "zh-cn": HANS, "s": HANS, "simp": HANS,
    "hant": HANT, "traditional": HANT, "zh-hant": HANT, "zh-tw": HANT, "zh-hk": HANT, "t": HANT, "trad": HANT,
}
SCRIPT_NAMES = {HANS: "Simplified", HANT: "Traditional"}


def normalise_script(value) -> str | None:
    """'Hans' / 'Hant' from the spellings users write (simplified, zh-Hant, …); None for unset."""
    if value is None or value == "":
        return None
    key = str(value).strip().lower()
    if key in ("none", "null", "auto", "any"):
        return None
    if key not in _ALIASES:
        raise ValueError(f"unknown script {value!r} (use Hans/simplified or Hant/traditional)")
    return _ALIASES[key]


def _dictionary_dir() -> str:
    import opencc

    return os.path.join(os.path.dirname(opencc.__file__), "dictionary")


def _read_table(name: str) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    with open(os.path.join(_dictionary_dir(), name), encoding="utf-8") as fh:
        for line in fh:
            key, _, targets = line.rstrip("\n").partition("\t")
            if len(key) == 1 and targets:
                out[key] = tuple(targets.split())
    return out


@lru_cache(maxsize=1)
def script_sets() -> tuple[frozenset[str], frozenset[str]]:
    """(simplified_only, traditional_only) characters."""
    st = _read_table("STCharacters.txt")
    ts = _read_table("TSCharacters.txt")
    simp = {k for k, v in st.items() if k not in v}
    trad = {k for k, v in ts.items() if k not in v}
    both = simp & trad
    return frozenset(simp - both), frozenset(trad - both)


def script_counts(text: str) -> tuple[int, int]:
    """(simplified_only_count, traditional_only_count) of ``text``."""
    from .scriptclass import HAN_S, HAN_T, classify

    counts = classify(text).counts
    return int(counts[HAN_S]), int(counts[HAN_T])


@lru_cache(maxsize=4)
def _converter(config: str):
    import opencc

    return opencc.OpenCC(config)


def convert(text: str, to_script: str) -> str:
    """``text`` converted to ``to_script`` (Hans/Hant) with OpenCC's phrase tables."""
    return _converter("t2s" if normalise_script(to_script) == HANS else "s2t").convert(text)
