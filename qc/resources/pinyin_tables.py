"""Pinyin data for the ``pinyin`` detectors: the syllable table, the English words that happen to be
valid syllable strings, and per-character readings.

- ``rules/lexicons/pinyin-syllables.txt`` is generated from pypinyin's character dictionary
  (every reading of every character, tones removed): the complete table of Hanyu Pinyin syllables,
  not a hand list. ``ü`` is written ``ü``; the detectors also accept ``v`` for it.
- ``rules/lexicons/english-pinyinlike.txt`` is generated from pyspellchecker's English word
  frequency list (MIT licence, © Tyler Barrus; built from OpenSubtitles and other English text):
  the common English words (``he``, ``long``, ``change``, ``men``, ``sang``) that segment fully into
  pinyin syllables, so English is not mistaken for pinyin. Only these words matter: an English word
  that does not segment is never pinyin anyway.
- ``rules/lexicons/pinyin-syllable-freq.txt`` gives each syllable's log10 frequency in Chinese
  text: jieba's word-frequency dictionary (``jieba/dict.txt``, MIT licence) read through pypinyin,
  each word's syllables counted with the word's frequency. Real pinyin text is made of frequent
  syllables (shi, yi, ji, zhi…); English words that happen to segment use rare ones (se, ri, ze).
- Character readings come from pypinyin at run time (a dependency of qc), loaded once per process.

Rebuild the lexicons with ``python -m qc.resources.pinyin_tables [path/to/en.json.gz]``.
"""
from __future__ import annotations

import re
import sys
import unicodedata
from functools import lru_cache
from pathlib import Path

from . import lexicon

# Syllables with no vowel (interjections m, n, ng, hm, hng) and ê are real readings but would let
# any consonant cluster segment; they are kept in the table and left out of segmentation.
_VOWELS = set("aeiouü")

_TONE_MARK = {}
for _base, _marked in (("a", "āáǎà"), ("e", "ēéěè"), ("i", "īíǐì"), ("o", "ōóǒò"), ("u", "ūúǔù"),
                       ("ü", "ǖǘǚǜ"), ("n", "ńňǹ"), ("m", "ḿ")):
    for _tone, _ch in enumerate(_marked, 1):
        _TONE_MARK[_ch] = (_base, _tone)
        _TONE_MARK[_ch.upper()] = (_base.upper(), _tone)
TONE_MARKED = "".join(sorted(_TONE_MARK))


def strip_tones(s: str) -> tuple[str, int]:
    """``s`` with pinyin tone marks removed, and how many tone marks there were."""
    if s.isascii():
        return s, 0
    out = []
    n = 0
    for ch in s:
        t = _TONE_MARK.get(ch)
        if t:
            out.append(t[0])
            n += 1
        else:
            out.append(ch)
    return "".join(out), n


@lru_cache(maxsize=8)
def _syllables_from(entries: tuple[str, ...]) -> frozenset[str]:
    out = set()
    for s in entries:
        out.add(s)
        if "ü" in s:
            out.add(s.replace("ü", "v"))
    return frozenset(out)


def syllables(params: dict) -> frozenset[str]:
    """Every toneless syllable (lowercase, ``ü`` and ``v`` spellings)."""
    return _syllables_from(lexicon(params, "pinyin-syllables.txt"))


def segmenting_syllables(params: dict) -> frozenset[str]:
    """Syllables used to segment run-together Latin text (no vowel-less interjections, no ê)."""
    return frozenset(s for s in syllables(params) if (set(s) & _VOWELS or "v" in s) and "ê" not in s)


def english_words(params: dict) -> frozenset[str]:
    return frozenset(lexicon(params, "english-pinyinlike.txt"))


@lru_cache(maxsize=8)
def _logprob_from(entries: tuple[str, ...]) -> dict[str, float]:
    out = {}
    for line in entries:
        syl, value = line.split()
        out[syl] = float(value)
        if "ü" in syl:
            out[syl.replace("ü", "v")] = float(value)
    return out


def syllable_logprob(params: dict) -> dict[str, float]:
    """log10 relative frequency of each toneless syllable in running Chinese text."""
    return _logprob_from(lexicon(params, "pinyin-syllable-freq.txt"))


@lru_cache(maxsize=1)
def _raw_readings() -> dict[str, str]:
    """pypinyin's character dictionary, read from its JSON file without importing pypinyin
    (whose import also loads its phrase dictionary and trains a segmenter: seconds per process)."""
    import importlib.util
    import json

    spec = importlib.util.find_spec("pypinyin")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "pinyin_dict.json"
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
    from pypinyin.pinyin_dict import pinyin_dict  # layout changed: fall back to the module

    return {str(k): v for k, v in pinyin_dict.items()}


@lru_cache(maxsize=65536)
def readings(ch: str) -> tuple[str, ...]:
    """Toneless readings of one character (``ü`` spelled ``ü``), () when unknown."""
    value = _raw_readings().get(str(ord(ch)))
    if not value:
        return ()
    return tuple(sorted({strip_tones(r)[0] for r in value.split(",")}))


# ---- building the shipped lexicons (run by hand; needs pypinyin, and pyspellchecker's data) ----

def build_syllable_table() -> list[str]:
    from pypinyin.pinyin_dict import pinyin_dict

    out = set()
    for value in pinyin_dict.values():
        for r in value.split(","):
            # ê and m with tones exist only as base letter + combining mark (ê̄, ế, m̀)
            s = unicodedata.normalize("NFD", strip_tones(r)[0])
            s = unicodedata.normalize("NFC", re.sub("[\u0300\u0301\u0304\u030c]", "", s))
            if re.fullmatch(r"[a-zü]+|ê", s):
                out.add(s)
    return sorted(out)


def segment_count(word: str, table: frozenset[str]) -> int:
    """Number of syllables in the fewest-syllable full segmentation of lowercase ``word``, 0 if none."""
    n = len(word)
    best = [0] + [10 ** 6] * n
    for i in range(1, n + 1):
        for k in range(1, min(6, i) + 1):
            if best[i - k] + 1 < best[i] and word[i - k:i] in table:
                best[i] = best[i - k] + 1
    return best[n] if best[n] < 10 ** 6 else 0


def build_syllable_freq() -> list[tuple[str, float]]:
    import math
    import os

    import jieba
    from pypinyin import lazy_pinyin

    counts: dict[str, int] = {}
    path = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            word, freq = line.split()[:2]
            if not all("\u4e00" <= ch <= "\u9fff" for ch in word):
                continue
            for syl in lazy_pinyin(word, v_to_u=True):
                counts[syl] = counts.get(syl, 0) + int(freq)
    total = sum(counts.values())
    table = set(build_syllable_table())
    return sorted((s, round(math.log10(c / total), 3)) for s, c in counts.items() if s in table)


def build_english_list(en_json_gz: str, min_count: int) -> list[str]:
    import gzip
    import json

    freq = json.loads(gzip.open(en_json_gz).read())
    table = frozenset(s for s in build_syllable_table() if set(s) & _VOWELS and s != "ê")
    table = table | {s.replace("ü", "v") for s in table if "ü" in s}
    # common words of any length; longer words seen in real text at all (count 50 is the list's
    # floor for dictionary-only entries, which include Chinese place names)
    return sorted(w for w, c in freq.items()
                  if (c >= min_count or (c > 50 and len(w) >= 6))
                  and w.isascii() and w.isalpha() and w.islower() and segment_count(w, table))


def main(argv: list[str]) -> None:
    lex = Path(__file__).resolve().parents[2] / "rules" / "lexicons"
    syl = build_syllable_table()
    head = ("# Hanyu Pinyin syllables, toneless, one per line: every reading in pypinyin's character\n"
            "# dictionary (pypinyin.pinyin_dict, MIT licence) with tones removed.\n"
            "# Generated by `python -m qc.resources.pinyin_tables`; do not edit by hand.\n")
    (lex / "pinyin-syllables.txt").write_text(head + "\n".join(syl) + "\n", encoding="utf-8")
    print(f"{len(syl)} syllables")
    freq = build_syllable_freq()
    head = ("# log10 relative frequency of each toneless syllable in Chinese text: jieba's dict.txt\n"
            "# (word frequencies, MIT licence) read through pypinyin, each syllable counted with its word's\n"
            "# frequency. Generated by `python -m qc.resources.pinyin_tables`; do not edit by hand.\n")
    (lex / "pinyin-syllable-freq.txt").write_text(head + "".join(f"{s}\t{v}\n" for s, v in freq), encoding="utf-8")
    if len(argv) > 1:
        min_count = int(argv[2]) if len(argv) > 2 else 2000
        words = build_english_list(argv[1], min_count)
        head = ("# English words that segment fully into pinyin syllables (he, long, change, men, sang):\n"
                f"# every word with count >= {min_count} (or > 50 and 6+ letters) in pyspellchecker's English frequency list\n"
                "# (spellchecker/resources/en.json.gz, pyspellchecker 0.9.1, MIT licence, (c) Tyler Barrus).\n"
                "# Generated by `python -m qc.resources.pinyin_tables EN_JSON_GZ MIN_COUNT`.\n")
        (lex / "english-pinyinlike.txt").write_text(head + "\n".join(words) + "\n", encoding="utf-8")
        print(f"{len(words)} English words")


if __name__ == "__main__":
    main(sys.argv)
