"""Findings → per-family coverage ratios → score 0–100 → verdict. Weights live in rules/scoring.yml."""
from __future__ import annotations

from typing import Any, Iterable

from .model import FAMILIES, Finding

VERDICTS = ("pass", "warn", "fail")


def merge_ranges(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for s, e in sorted(ranges):
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def non_ws_count(text: str) -> int:
    return len(text) - sum(text.count(c) for c in " \t\n\r\u3000\xa0\x0b\x0c")


def family_ratios(text: str, findings: list[Finding], total_non_ws: int | None = None) -> dict[str, float]:
    total = non_ws_count(text) if total_non_ws is None else total_non_ws
    by_fam: dict[str, list[tuple[int, int]]] = {f: [] for f in FAMILIES}
    for f in findings:
        by_fam[f.family].extend(f.covered())
    out = {}
    for fam in FAMILIES:
        if not total or not by_fam[fam]:
            out[f"{fam}_ratio"] = 0.0
            continue
        covered = sum(non_ws_count(text[s:e]) for s, e in merge_ranges(by_fam[fam]))
        out[f"{fam}_ratio"] = round(min(1.0, covered / total), 4)
    return out


def score(metrics: dict[str, float], findings: list[Finding], cfg: dict[str, Any]) -> float:
    sat = float(cfg.get("ratio_saturation", 0.3)) or 0.3
    max_fam = float(cfg.get("max_family_penalty", 60))
    penalty = 0.0
    for fam, w in cfg["family_weights"].items():
        r = metrics.get(f"{fam}_ratio", 0.0)
        penalty += min(max_fam, float(w) * max_fam * min(1.0, r / sat))
    sev = sum(float(cfg["severity_penalty"].get(f.severity, 0)) for f in findings)
    penalty += min(float(cfg.get("max_severity_penalty", 30)), sev)
    return round(max(0.0, 100.0 - penalty), 1)


def verdict(score_: float, metrics: dict[str, float], findings: list[Finding], cfg: dict[str, Any]) -> str:
    th = cfg["thresholds"]
    if score_ < float(th.get("fail_below", 60)):
        return "fail"
    for fam, limit in (cfg.get("fail_ratio") or {}).items():
        if metrics.get(f"{fam}_ratio", 0.0) > float(limit):
            return "fail"
    if score_ < float(th.get("warn_below", 85)):
        return "warn"
    if th.get("warn_on_error_finding", True) and any(f.severity == "error" for f in findings):
        return "warn"
    return "pass"


def status_verdict(status: str, cfg: dict[str, Any]) -> str:
    return (cfg.get("status_verdict") or {}).get(status, "fail")
