"""Document language and script for the report's ``language`` field.

Fast path: text that is mostly Han is Chinese; its script (Hans/Hant) is decided by
Simplified-only vs Traditional-only characters when the script family provides them.
Otherwise langdetect (seeded) on a sample.
"""
from __future__ import annotations

from .resources.charfreq import is_han

_SAMPLE = 4000


def document_language(text: str) -> dict[str, str]:
    sample = text[:_SAMPLE]
    letters = [ch for ch in sample if ch.isalpha()]
    if not letters:
        return {"primary": "und", "script": "Zyyy"}
    han = sum(1 for ch in letters if is_han(ch))
    if han / len(letters) >= 0.3:
        return {"primary": "zh", "script": han_script(text)}
    try:
        from langdetect import DetectorFactory, detect

        DetectorFactory.seed = 0
        lang = detect(sample)
    except Exception:
        lang = "und"
    script = "Latn" if any("a" <= ch.lower() <= "z" for ch in letters) else "Zyyy"
    return {"primary": lang, "script": script}


def han_script(text: str) -> str:
    """Hans or Hant (Hani when undecided)."""
    try:
        from .resources.opencc_tables import script_counts
    except ImportError:
        return "Hans"
    simp, trad = script_counts(text)
    if simp == trad == 0:
        return "Hani"
    return "Hant" if trad > simp else "Hans"
