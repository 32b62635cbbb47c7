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


class _SeededStream:
    """The 32-bit outputs (``genrand_uint32``) of ``random.Random(seed)``'s Mersenne Twister, read
    in bulk from numpy's MT19937 started in the same state (``test_seeded_stream_equals_random``)
    and kept: with langdetect's fixed seed every detection reads the same stream from its start."""

    def __init__(self, seed: int):
        import random

        import numpy as np

        state = random.Random(seed).getstate()[1]
        self._bits = np.random.MT19937()
        self._bits.state = {"bit_generator": "MT19937",
                            "state": {"key": np.array(state[:624], dtype=np.uint32), "pos": state[624]}}
        self.words = np.empty(0, dtype=np.uint64)

    def upto(self, n: int):
        """The stream's first ``n`` words at least."""
        import numpy as np

        if len(self.words) < n:
            self.words = np.concatenate((self.words, self._bits.random_raw(max(n - len(self.words), 4096))))
        return self.words


@lru_cache(maxsize=4)
def _seeded_stream(seed: int) -> _SeededStream:
    return _SeededStream(seed)


class _RowMatrix:
    """Each n-gram's probability row (``word_lang_prob_map[w][:n_lang]``) once in a growing matrix,
    so a detection takes its rows by index instead of building an array from lists."""

    def __init__(self, table, n_lang: int):
        import numpy as np

        self.table, self.n_lang = table, n_lang
        self.index: dict[str, int] = {}
        self.mat = np.empty((1024, n_lang))

    def row(self, w: str) -> int:
        k = self.index.get(w)
        if k is None:
            import numpy as np

            k = len(self.index)
            if k == len(self.mat):
                self.mat = np.concatenate((self.mat, np.empty_like(self.mat)))
            self.mat[k] = self.table[w][:self.n_lang]
            self.index[w] = k
        return k


_ROW_MATRICES: dict = {}


def _row_matrix(table, n_lang: int) -> _RowMatrix:
    rm = _ROW_MATRICES.get((id(table), n_lang))
    if rm is None or rm.table is not table:
        rm = _ROW_MATRICES[(id(table), n_lang)] = _RowMatrix(table, n_lang)
    return rm


def _unit_interval(words, p: int) -> float:
    """``random.random()`` from the stream words p and p + 1."""
    a, b = int(words[p]) >> 5, int(words[p + 1]) >> 6
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0)


@lru_cache(maxsize=1)
def _fast_detector_class():
    """langdetect's ``Detector`` with ``_detect_block`` rewritten for speed, same arithmetic.

    langdetect's loop, per trial: one ``gauss`` (Python caches every second one), then one
    ``choice(ngrams)`` per step, ``prob[i] *= weight + row[i]`` for every language, and every 5th
    step a normalisation by Python's ``sum`` and the convergence test. Here:
    - the random numbers are read from the seeded Mersenne Twister's stream (``_SeededStream``):
      ``choice`` is ``_randbelow(n)``, i.e. ``getrandbits(k)`` (the word's top k bits, k =
      n.bit_length()) redrawn while ≥ n, so the choices are the stream words below n after the
      shift, in order; ``gauss`` uses two ``random()`` (two words each) with the same ``math``
      functions, and the cached second value on odd trials;
    - the factors ``weight + row`` of the next steps are added in one numpy operation (IEEE
      addition, elementwise), and a block of steps is multiplied with one ``np.multiply.reduce``
      over axis 0 of [prob, t1, …, t5] (a sequential left fold per element: ((prob·t1)·t2)·…, the
      same products in the same order, no fused multiply-add);
    - each n-gram's row is built once per process (``_RowMatrix``).
    Results are bit-identical (``tests/test_script.py`` compares them with langdetect's own
    ``detect_langs``); a detector with a prior map, verbose output or no integer seed takes
    langdetect's own loop."""
    import math

    import numpy as np
    from langdetect.detector import Detector
    from langdetect.lang_detect_exception import ErrorCode, LangDetectException

    class FastDetector(Detector):
        def _detect_block(self):
            if self.prior_map is not None or self.verbose or not isinstance(self.seed, int):
                return Detector._detect_block(self)
            self.cleaning_text()
            ngrams = self._extract_ngrams()
            if not ngrams:
                raise LangDetectException(ErrorCode.CantDetectError, "No features in text.")
            n_lang = len(self.langlist)
            rows = _row_matrix(self.word_lang_prob_map, n_lang)
            row_of = np.array([rows.row(w) for w in ngrams], dtype=np.intp)
            mat = rows.mat
            maxr, mulr = np.maximum.reduce, np.multiply.reduce
            n = len(ngrams)
            shift = np.uint64(32 - n.bit_length())
            stream = _seeded_stream(self.seed)
            conv, limit, n_trial = self.CONV_THRESHOLD, self.ITERATION_LIMIT, self.n_trial
            langprob = [0.0] * n_lang
            init = [1.0 / n_lang] * n_lang
            p = 0  # stream words used
            gauss_next = None
            for _ in range(n_trial):
                z, gauss_next = gauss_next, None
                if z is None:
                    words = stream.upto(p + 4)
                    x2pi = _unit_interval(words, p) * (2.0 * math.pi)
                    g2rad = math.sqrt(-2.0 * math.log(1.0 - _unit_interval(words, p + 2)))
                    p += 4
                    z = math.cos(x2pi) * g2rad
                    gauss_next = math.sin(x2pi) * g2rad
                alpha = self.alpha + (0.0 + z * 1.0) * self.ALPHA_WIDTH  # gauss(0.0, 1.0) = mu + z * sigma
                weight = alpha / self.BASE_FREQ
                prob = np.array(init, dtype=np.float64)
                # f[1 + s] = weight + row of step s's n-gram, for the steps prepared so far; before a
                # block its row 0 or the row in front of it (already used) is overwritten with prob
                f = None
                i = 0  # steps done
                while True:
                    k = 1 if i == 0 else 5  # langdetect normalises after step 0, then every 5th step
                    if f is None or i + k >= len(f):
                        m = 256 if f is None else 2 * (len(f) - 1)  # steps to prepare
                        span = 2 * m + 64  # stream words: more than half of them are choices
                        while True:
                            words = stream.upto(p + span)
                            r = words[p:p + span] >> shift
                            acc = np.flatnonzero(r < n)
                            if len(acc) >= m:
                                break
                            span *= 2
                        acc = acc[:m]
                        f = np.empty((m + 1, n_lang))
                        np.add(weight, mat[row_of[r[acc].astype(np.intp)]], out=f[1:])
                    f[i] = prob
                    mulr(f[i:i + k + 1], axis=0, out=prob)
                    prob /= sum(prob.tolist())  # Python's sum, as langdetect's _normalize_prob
                    i += k
                    if max(0.0, maxr(prob)) > conv or i - 1 >= limit:
                        break
                p += int(acc[i - 1]) + 1
                for j, q in enumerate(prob.tolist()):
                    langprob[j] += q / n_trial
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
