"""Document language and script for the report's ``language`` field (and the script family).

Fast path (no model): the character-class counts of :mod:`qc.resources.scriptclass`. Text whose
letters are mostly Han/kana/hangul is Chinese, Japanese or Korean by which of those dominate
(Japanese prose is ~40–65% kana; a Chinese page quoting a Japanese sentence is far below 30%); a
Chinese document's script is Hans or Hant by Simplified-only vs Traditional-only characters
(Hani when it has none). Otherwise langdetect (seeded, so deterministic) on a sample, and the
script is the dominant letter class (Latn, Cyrl, Arab, …).

Letters are weighted so that one Han character counts like one Latin *word* (~4 letters):
a Chinese article with a few English names stays Chinese.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from .resources import scriptclass as sc
from .resources.opencc_tables import HANS, HANT

_SAMPLE = 2000
_LATIN_WEIGHT = 0.25   # a Latin letter counts as a quarter of a Han character
_CJK_SHARE = 0.3       # CJK share of weighted letters above which the fast path decides
_KANA_SHARE = 0.3      # kana share of Han+kana above which CJK text is Japanese

_memo: list = [None, None]


def analyse(text: str) -> dict[str, Any]:
    """``{"primary", "script", "probability", "letters"}`` for ``text`` (memoised for the last text).

    ``letters`` is in Latin-letter equivalents: a Han, kana or hangul character counts 4."""
    if _memo[0] is text:
        return _memo[1]
    result = _analyse(text)
    _memo[0], _memo[1] = text, result
    return result


def _analyse(text: str) -> dict[str, Any]:
    c = sc.classify(text).counts
    han = int(c[sc.HAN] + c[sc.HAN_S] + c[sc.HAN_T])
    kana, hangul = int(c[sc.KANA]), int(c[sc.HANGUL])
    latin = int(c[sc.LATIN_UP] + c[sc.LATIN_LO] + c[sc.LATIN_EXT])
    others = {k: int(c[k]) for k in sc.FOREIGN_CLASSES if k not in (sc.KANA, sc.HANGUL)}
    letters = int((han + kana + hangul) / _LATIN_WEIGHT) + latin + sum(others.values())
    if letters == 0:
        return {"primary": "und", "script": "Zyyy", "probability": None, "letters": 0}
    cjk = han + kana + hangul
    weighted = cjk + _LATIN_WEIGHT * (latin + sum(others.values()))
    if cjk / weighted >= _CJK_SHARE:
        if hangul > han + kana:
            return {"primary": "ko", "script": "Kore", "probability": None, "letters": letters}
        if kana >= _KANA_SHARE * (han + kana):
            return {"primary": "ja", "script": "Jpan", "probability": None, "letters": letters}
        return {"primary": "zh", "script": han_script_from_counts(int(c[sc.HAN_S]), int(c[sc.HAN_T])),
                "probability": None, "letters": letters}
    script = "Latn"
    if others:
        top = max(others, key=lambda k: others[k])
        if others[top] > latin:
            script = sc.ISO_SCRIPT[top]
    lang, prob = _langdetect(_sample(text))
    return {"primary": lang or "und", "script": script, "probability": prob, "letters": letters}


def _sample(text: str) -> str:
    if len(text) <= 2 * _SAMPLE:
        return text
    mid = len(text) // 2
    return text[:_SAMPLE] + "\n" + text[mid:mid + _SAMPLE]


class _LazyProbMap(dict):
    """langdetect's ``word_lang_prob_map`` (n-gram → probability per language), each row built on
    first use: the same rows ``DetectorFactory.add_profile`` builds for all ~88,000 n-grams at
    load time (~0.4–0.8 s per process), of which one detection reads a few hundred.

    Every n-gram is a key from the start (mapped to None), so langdetect's ``w in map`` stays a
    plain dict lookup; ``map[w]`` fills the row: ``1.0 * freq / n_words[len(w) - 1]`` for each
    language whose profile has the n-gram (lengths 1–3), else 0.0, in the profiles' load order."""

    __slots__ = ("_profiles",)

    def __init__(self, profiles: list[tuple[dict, list]]):
        super().__init__()
        self._profiles = profiles
        for freq, _ in profiles:
            self.update(dict.fromkeys(freq))

    def __getitem__(self, word):
        row = dict.__getitem__(self, word)
        if row is None:
            n = len(word)
            if 1 <= n <= 3:
                k = n - 1
                row = [0.0 if (count := freq.get(word)) is None else 1.0 * count / n_words[k]
                       for freq, n_words in self._profiles]
            else:
                row = [0.0] * len(self._profiles)
            dict.__setitem__(self, word, row)
        return row


@lru_cache(maxsize=1)
def _install_lazy_factory() -> bool:
    """Give langdetect a factory whose profiles are parsed but whose probability rows are built
    lazily (:class:`_LazyProbMap`); the languages, their order (the profile directory's listing,
    as ``load_profile`` reads it) and every probability are the ones langdetect would load.
    Leaves langdetect alone when it already has a factory or anything here fails."""
    import json
    import os

    from langdetect import detector_factory as df

    if df._factory is not None:
        return False
    try:
        folder = df.PROFILES_DIRECTORY
        langs: list[str] = []
        profiles: list[tuple[dict, list]] = []
        for name in os.listdir(folder):
            path = os.path.join(folder, name)
            if name.startswith(".") or not os.path.isfile(path):
                continue
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
            if data["name"] in langs:
                return False
            langs.append(data["name"])
            profiles.append((data["freq"], data["n_words"]))
        factory = df.DetectorFactory()
        factory.langlist = langs
        factory.word_lang_prob_map = _LazyProbMap(profiles)
    except Exception:  # pragma: no cover - an unexpected profile layout: langdetect loads its own
        return False
    df._factory = factory
    return True


@lru_cache(maxsize=1)
def _fast_detector_class():
    """langdetect's ``Detector`` with ``_detect_block`` rewritten for speed, same arithmetic.

    The loop is langdetect's: the same seeded ``random`` calls in the same order (one ``gauss``
    per trial, one ``choice`` per step), ``prob[i] *= weight + row[i]`` for every language (as
    two numpy element-wise operations: IEEE double addition and multiplication, no fused
    multiply-add, so each element is the same double), normalisation by Python's ``sum`` of the
    probabilities every 5th step and the same convergence test; each distinct n-gram's row is
    looked up once. Results are bit-identical (``tests/test_script.py`` compares them with
    langdetect's own ``detect_langs``)."""
    import numpy as np
    from langdetect.detector import Detector
    from langdetect.lang_detect_exception import ErrorCode, LangDetectException

    class FastDetector(Detector):
        def _detect_block(self):
            self.cleaning_text()
            ngrams = self._extract_ngrams()
            if not ngrams:
                raise LangDetectException(ErrorCode.CantDetectError, "No features in text.")
            table = self.word_lang_prob_map
            n_lang = len(self.langlist)
            rows = {w: np.array(table[w][:n_lang], dtype=np.float64) for w in set(ngrams)}
            langprob = [0.0] * n_lang
            rnd = self.random
            rnd.seed(self.seed)
            choice, gauss = rnd.choice, rnd.gauss
            conv, limit, n_trial = self.CONV_THRESHOLD, self.ITERATION_LIMIT, self.n_trial
            add, mul, tmp = np.add, np.multiply, np.empty(n_lang)
            for _ in range(n_trial):
                prob = np.array(self._init_probability(), dtype=np.float64)
                alpha = self.alpha + gauss(0.0, 1.0) * self.ALPHA_WIDTH
                weight = alpha / self.BASE_FREQ
                i = 0
                while True:
                    add(weight, rows[choice(ngrams)], out=tmp)  # prob[i] *= weight + row[i]
                    mul(prob, tmp, out=prob)
                    if i % 5 == 0:
                        prob /= sum(prob.tolist())  # Python's sum, as langdetect's _normalize_prob
                        if max(0.0, prob.max()) > conv or i >= limit:
                            break
                    i += 1
                for j, p in enumerate(prob.tolist()):
                    langprob[j] += p / n_trial
            self.langprob = langprob

    return FastDetector


def top_language(text: str) -> tuple[str | None, float | None]:
    """langdetect's top language and its probability (seeded, so deterministic); (None, None)
    when langdetect finds no features."""
    try:
        from langdetect import DetectorFactory
        from langdetect import detector_factory as df
        from langdetect.lang_detect_exception import LangDetectException
    except ImportError:  # pragma: no cover - a declared dependency
        return None, None
    _install_lazy_factory()
    DetectorFactory.seed = 0
    try:
        df.init_factory()
        detector = _fast_detector_class()(df._factory)
        detector.append(text)
        best = detector.get_probabilities()[0]
    except LangDetectException:
        return None, None
    return best.lang, round(float(best.prob), 4)


# cached per distinct sample (at most ~4,000 characters)
_langdetect = lru_cache(maxsize=256)(top_language)


def document_language(text: str) -> dict[str, str]:
    """The report's ``language`` field: ``{"primary": "zh", "script": "Hans"}``."""
    info = analyse(text)
    return {"primary": info["primary"], "script": info["script"]}


def han_script_from_counts(simp: int, trad: int) -> str:
    if simp == trad == 0:
        return "Hani"
    return HANT if trad > simp else HANS


def han_script(text: str) -> str:
    """Hans or Hant (Hani when the text has no script-specific characters)."""
    from .resources.opencc_tables import script_counts

    return han_script_from_counts(*script_counts(text))
