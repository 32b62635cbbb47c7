"""Which Han characters are common in real Chinese text.

Built from the standards' own frequency split, read out of Python's codecs (no data file):
GB2312 level 1 (the 3,755 most frequent Simplified characters, rows 16–55) and Big5's
"frequently used" block (5,401 Traditional characters, 0xA440–0xC67E). Real text of either
script is ~95% made of these; text decoded with the wrong codec is not.
"""
from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=1)
def gb2312_level1() -> frozenset[str]:
    """The 3,755 level-1 characters (lead bytes B0–D7)."""
    out = set()
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                out.add(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return frozenset(out)


@lru_cache(maxsize=1)
def big5_level1() -> frozenset[str]:
    out = set()
    for code in range(0xA440, 0xC67F):
        hi, lo = code >> 8, code & 0xFF
        if not (0x40 <= lo <= 0x7E or 0xA1 <= lo <= 0xFE):
            continue
        try:
            out.add(bytes((hi, lo)).decode("big5"))
        except UnicodeDecodeError:
            pass
    return frozenset(out)


@lru_cache(maxsize=1)
def common_han() -> frozenset[str]:
    """Common characters of either script (GB2312 level 1 ∪ Big5 level 1)."""
    return gb2312_level1() | big5_level1()


def is_han(ch: str) -> bool:
    o = ord(ch)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x20000 <= o <= 0x2FA1F or 0xF900 <= o <= 0xFAFF


_HAN_CLASS = re.compile("[\u4e00-\u9fff\u3400-\u4dbf\U00020000-\U0002fa1f\uf900-\ufaff]")  # = is_han


@lru_cache(maxsize=1)
def _common_class() -> re.Pattern:
    """One character class of the common characters that are Han (``is_han``)."""
    return re.compile("[" + "".join(sorted(c for c in common_han() if is_han(c))) + "]")


def common_ratio(text: str) -> tuple[float, int]:
    """(share of Han characters that are common, number of Han characters); two C-speed regex
    passes instead of a Python loop over the characters."""
    han = len(_HAN_CLASS.findall(text))
    if not han:
        return 0.0, 0
    return len(_common_class().findall(text)) / han, han


# --- character frequencies from jieba's bundled dictionary -----------------------------------
# jieba ships dict.txt (≈350k words with corpus counts, from the People's Daily and other corpora).
# A character's count is the sum of the counts of the words it occurs in. Traditional characters
# get the count of their Simplified form (OpenCC's TSCharacters table), so Traditional text is as
# plausible as Simplified text.


def _jieba_dict_path() -> str:
    import os

    import jieba

    return os.path.join(os.path.dirname(jieba.__file__), "dict.txt")


@lru_cache(maxsize=1)
def jieba_word_freq() -> dict[str, int]:
    """Word → count from jieba's dict.txt (read once per process; lines are ``word count tag``)."""
    with open(_jieba_dict_path(), encoding="utf-8") as f:
        toks = f.read().split()
    return dict(zip(toks[0::3], map(int, toks[1::3])))


@lru_cache(maxsize=1)
def _trad_to_simp() -> dict[str, str]:
    """Single-character Traditional → Simplified map from OpenCC's TSCharacters.txt."""
    import os

    import opencc

    path = os.path.join(os.path.dirname(opencc.__file__), "dictionary", "TSCharacters.txt")
    out: dict[str, str] = {}
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                src, _, dst = line.rstrip("\n").partition("\t")
                if len(src) == 1 and dst:
                    out[src] = dst.split(" ")[0]
    except OSError:
        pass
    return out


def to_simplified_char(ch: str) -> str:
    return _trad_to_simp().get(ch, ch)


@lru_cache(maxsize=1)
def _trad_to_simp_table() -> dict[int, str]:
    return {ord(k): v for k, v in _trad_to_simp().items()}


def to_simplified_chars(s: str) -> str:
    """``to_simplified_char`` on every character of ``s`` (one C-speed ``str.translate``)."""
    return s.translate(_trad_to_simp_table())


@lru_cache(maxsize=1)
def jieba_word_arrays():
    """jieba's dictionary as numpy arrays, for vectorised tables (~0.06 s; ``mojibake.build_tables``
    drops them, ~13 MB, once its tables are built): (counts, lengths, code points of all words
    joined, start of each word in the code points)."""
    import numpy as np

    wf = jieba_word_freq()
    counts = np.fromiter(wf.values(), dtype=np.int64, count=len(wf))
    lens = np.fromiter(map(len, wf), dtype=np.int64, count=len(wf))
    cps = np.frombuffer("".join(wf).encode("utf-32-le"), dtype=np.uint32)
    return counts, lens, cps, np.cumsum(lens) - lens


def chars_of(cps) -> frozenset[str]:
    """The distinct characters of an array of code points."""
    import numpy as np

    return frozenset(map(chr, np.flatnonzero(np.bincount(cps)).tolist()))


@lru_cache(maxsize=1)
def han_char_freq() -> dict[str, int]:
    """Han character → count (jieba word counts summed; Traditional forms share their Simplified count)."""
    import numpy as np

    counts, lens, cps, _ = jieba_word_arrays()
    # vectorised: one bincount over the code points (~0.01 s; a Python loop is ~1 s)
    sums = np.bincount(cps, weights=np.repeat(counts, lens))
    uniq = np.flatnonzero(np.bincount(cps))
    freq = dict(zip(map(chr, uniq.tolist()), sums[uniq].astype(np.int64).tolist()))
    for trad, simp in _trad_to_simp().items():
        n = freq.get(simp, 0)
        if n > freq.get(trad, 0):
            freq[trad] = n
    return freq


@lru_cache(maxsize=8)
def frequent_han(top: int = 2000) -> frozenset[str]:
    """The ``top`` most frequent Simplified characters by jieba counts, plus their Traditional forms.

    With top=2000 these cover ~98% of the Han characters of real Chinese web pages (measured on
    the magic-html and CWCED gold pages) but only ~19% of UTF-8-read-as-GBK mojibake.
    """
    freq = han_char_freq()
    simp = sorted(((n, ch) for ch, n in freq.items() if ch not in _trad_to_simp()), reverse=True)
    keep = {ch for _, ch in simp[:top]}
    keep |= {t for t, s in _trad_to_simp().items() if s in keep}
    return frozenset(keep)
