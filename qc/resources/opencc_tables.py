"""Simplified-only and Traditional-only Han characters, from the tables opencc-python-reimplemented ships.

A character is *Traditional-only* when OpenCC's Traditional→Simplified character table always
changes it (``TSCharacters.txt``: 國→国, 後→后), and *Simplified-only* when the
Simplified→Traditional table always changes it (``STCharacters.txt``: 国→國, 们→們). A character
that may stay as it is (后→後/后, 干→幹/乾/干, 著) is shared and counts for neither script;
the few characters listed as "always changes" in both tables are dropped too.

The sets are read once per process. Counting goes through the character-class table of
:mod:`qc.resources.scriptclass` (one vectorised pass, no per-character Python loop). ``convert``
gives exactly the output of opencc-python-reimplemented's ``t2s``/``s2t`` converter (~0.5 MB/s)
5–8× faster (:class:`_Converter`: phrase candidates found in numpy, the rest ``str.translate``);
it is still only used on text already flagged.
"""
from __future__ import annotations

import json
import os
import re
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


class _Converter:
    """OpenCC's conversion (opencc-python-reimplemented's ``OpenCC(config).convert``), same output,
    computed without its per-substring search.

    OpenCC splits the text at separators (spaces, punctuation), then, per segment, repeatedly
    takes the longest phrase-table key occurring in it (leftmost among equals), replaces it by its
    first value and works on the pieces to its left and right; what no phrase covers goes
    through the character table. Here the candidate phrase starts are found at once (the text's
    adjacent code-point pairs looked up among the keys' first two characters, in numpy); each
    candidate's keys are tested by length; matches are taken greedily in (longest, leftmost)
    order when they overlap no match already taken — the same set the recursive splitting
    chooses; everything else goes through ``str.translate`` with the character table. Keys
    containing a separator can never match (segments hold none) and are left out, so no match
    crosses a segment and the separators themselves (none is in the character table) pass
    unchanged. Text with no candidate costs one ``translate``. ``tests/test_script.py`` checks the
    output against OpenCC's own converter.
    """

    def __init__(self, config: str):
        import numpy as np
        import opencc

        cc = opencc.OpenCC()  # no conversion set: nothing loaded, only the separator regex compiled
        cc.conversion = config
        self._opencc = cc
        with open(os.path.join(os.path.dirname(opencc.__file__), "config", config + ".json")) as fh:
            setting = json.load(fh)
        chain: list = []
        for item in setting.get("conversion_chain"):
            cc._add_dict_chain(chain, item.get("dict"))
        # the layout of t2s/s2t: one group [phrase table, character table]
        self.exact = len(chain) == 1 and isinstance(chain[0], list) and len(chain[0]) == 2 and all(
            isinstance(f, str) for f in chain[0])
        if not self.exact:  # pragma: no cover - a layout this class does not model: use OpenCC itself
            return
        sep = cc.split_chars_re
        phrases, chars = (_read_opencc_dict(f) for f in chain[0])
        joined = "\n".join(phrases)
        bad = "".join(c for c in set(joined) if c != "\n" and sep.match(c))
        if bad:  # a key holding a separator never matches (segments hold none): leave it out
            for k in re.findall(f"^.*[{re.escape(bad)}].*$", joined, flags=re.M):
                del phrases[k]
        self.phrases = phrases  # raw values: the first of them (OpenCC: value.split(' ')[0]) taken on output
        keys = list(phrases)
        lens = np.fromiter(map(len, keys), dtype=np.int64, count=len(keys))
        if lens.min() < 2 or max(map(len, chars)) != 1 or any(sep.match(c) for c in chars):
            self.exact = False  # pragma: no cover - not the tables this class models
            return
        self.table = str.maketrans({k: v.split(" ")[0] for k, v in chars.items()})
        # the first two code points of every key, and the longest key per such prefix
        cps = np.frombuffer("".join(keys).encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
        starts = np.cumsum(lens) - lens
        codes = (cps[starts] << 21) | cps[starts + 1]
        order = np.lexsort((lens, codes))
        codes, lens = codes[order], lens[order]
        last = np.flatnonzero(np.append(codes[1:] != codes[:-1], True))
        self.prefixes = codes[last]
        self.max_len = lens[last]

    def convert(self, text: str) -> str:
        if not self.exact:  # pragma: no cover
            return self._opencc.convert(text)
        import numpy as np

        if len(text) < 2:
            return text.translate(self.table)
        cp = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
        pairs = (cp[:-1] << 21) | cp[1:]
        at = np.searchsorted(self.prefixes, pairs)
        at[at == len(self.prefixes)] = 0
        cand = np.flatnonzero(self.prefixes[at] == pairs)
        if not len(cand):
            return text.translate(self.table)
        phrases, n = self.phrases, len(text)
        found = [(-length, i) for i, top in zip(cand.tolist(), self.max_len[at[cand]].tolist())
                 for length in range(min(top, n - i), 1, -1) if text[i:i + length] in phrases]
        if not found:
            return text.translate(self.table)
        found.sort()
        taken = bytearray(n)
        chosen = []
        for neg, i in found:
            j = i - neg
            if taken.find(1, i, j) < 0:
                taken[i:j] = b"\x01" * (j - i)
                chosen.append((i, j))
        chosen.sort()
        out, at_ = [], 0
        for i, j in chosen:
            out.append(text[at_:i].translate(self.table))
            out.append(phrases[text[i:j]].split(" ")[0])
            at_ = j
        out.append(text[at_:].translate(self.table))
        return "".join(out)


_ODD_SPACE = re.compile(r"[^\S\n\t ]")  # whitespace other than newline, tab, space (\s is str.isspace)


def _clean_lines(data: str) -> bool:
    """No line of ``data`` starts or ends with whitespace and none is empty (``strip()`` is a no-op)."""
    if _ODD_SPACE.search(data):
        return False
    ends = ("\n", "\t", " ")
    return not (data.startswith(ends) or data.endswith(ends)
                or any(a + b in data for a in ends for b in ends if a == "\n" or b == "\n"))


def _read_opencc_dict(path: str) -> dict[str, str]:
    """An OpenCC dictionary file read as OpenCC reads it (``key, value = line.strip().split('\\t')``
    per line, later lines winning); files whose lines are already clean (one tab, no surrounding
    whitespace: the shipped ones) are split in C."""
    with open(path, encoding="utf-8") as fh:
        data = fh.read()
    if data.endswith("\n"):
        data = data[:-1]
    lines = data.count("\n") + 1
    if data and data.count("\t") == lines and _clean_lines(data):
        parts = data.replace("\t", "\n").split("\n")
        return dict(zip(parts[0::2], parts[1::2]))
    return dict(line.strip().split("\t") for line in data.split("\n"))  # pragma: no cover


@lru_cache(maxsize=4)
def _converter(config: str) -> _Converter:
    return _Converter(config)


def convert(text: str, to_script: str) -> str:
    """``text`` converted to ``to_script`` (Hans/Hant) with OpenCC's phrase and character tables
    (the output of OpenCC's ``t2s`` / ``s2t`` converter)."""
    return _converter("t2s" if normalise_script(to_script) == HANS else "s2t").convert(text)
