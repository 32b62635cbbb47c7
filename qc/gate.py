"""Gate: verdicts (+ policy) → pass/fail with reasons. Reads results only; cli.py turns it into an exit code."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .scoring import VERDICTS

FAIL_ON = ("fail", "warn", "never")


@dataclass
class GateResult:
    passed: bool
    reasons: list[str] = field(default_factory=list)


def evaluate(rows: list[dict[str, Any]], fail_on: str = "fail") -> GateResult:
    """Fail when any document's verdict is at or above ``fail_on`` (``never`` always passes)."""
    if fail_on not in FAIL_ON:
        raise ValueError(f"--fail-on must be one of {', '.join(FAIL_ON)}")
    if fail_on == "never":
        return GateResult(True)
    floor = VERDICTS.index(fail_on)
    bad = [r for r in rows if VERDICTS.index(r["verdict"]) >= floor]
    reasons = [f"{r['id']}: verdict {r['verdict']} (score {r['score']})" for r in bad]
    return GateResult(not bad, reasons)
