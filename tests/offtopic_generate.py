"""Generated test documents for the off-topic rules: real articles with a passage of another
article spliced in at a random position (used by tests/test_offtopic_generated.py and
bench/bench_offtopic.py)."""
from __future__ import annotations

import random
import re
from pathlib import Path

ARTICLES = Path(__file__).parent / "fixtures" / "offtopic" / "articles"
_HAN = re.compile(r"[\u4e00-\u9fff]")


def load_articles() -> list[tuple[str, str]]:
    return [(p.stem, p.read_text(encoding="utf-8")) for p in sorted(ARTICLES.glob("*.txt"))]


def han(s: str) -> int:
    return len(_HAN.findall(s))


def passage(rng: random.Random, text: str, lo: int = 80, hi: int = 400) -> str:
    """A run of consecutive lines of ``text`` with between ``lo`` and ``hi`` Han characters."""
    lines = [l.strip() for l in text.split("\n") if han(l) >= 5]
    for _ in range(20):
        i = rng.randrange(len(lines))
        out, n = [], 0
        for l in lines[i:]:
            out.append(l)
            n += han(l)
            if n >= lo:
                break
        if lo <= n:
            s = "".join(out) if all(han(l) < 45 for l in out) else "\n".join(out)
            while han(s) > hi:  # cut at a sentence end
                cut = max(s.rfind("。", 0, len(s) - 1), s.rfind("\n", 0, len(s) - 1))
                if cut <= 0:
                    break
                s = s[:cut + 1]
            if han(s) >= lo:
                return s.strip()
    return ""


def inject(rng: random.Random, host: str, donor: str, lo: int = 80, hi: int = 400):
    """``host`` with a passage of ``donor`` inserted between two of its lines.
    Returns (text, (start, end)) — the inserted span — or None when no passage fits."""
    p = passage(rng, donor, lo, hi)
    if not p:
        return None
    lines = host.rstrip("\n").split("\n")
    pos = rng.randrange(1, len(lines) + 1)
    before = "\n".join(lines[:pos]) + "\n"
    after = "\n".join(lines[pos:])
    text = before + p + ("\n" + after if after else "") + "\n"
    return text, (len(before), len(before) + len(p))


def draws(n: int, seed: int = 1234, lo: int = 80, hi: int = 400):
    """``n`` (name, text, span) injected documents, reproducible for a seed."""
    rng = random.Random(seed)
    arts = load_articles()
    out = []
    while len(out) < n:
        a, b = rng.sample(range(len(arts)), 2)
        got = inject(rng, arts[a][1], arts[b][1], lo, hi)
        if got:
            out.append((f"{arts[a][0]}+{arts[b][0]}", got[0], got[1]))
    return out


def overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))
