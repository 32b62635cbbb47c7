"""Gate: results (+ policy, + baseline diff) → pass/fail with reasons. Reads results only;
cli.py turns it into an exit code (0 passed, 1 failed; ``exit_zero`` reports without failing).

Policy (config ``[tool.qc]`` / ``qc.toml``, flags win):
- ``fail_on``           a document verdict at or above ``fail`` | ``warn`` fails (``never``: off);
- ``fail_on_severity``  any finding at or above ``info`` | ``warning`` | ``error`` fails (default off);
- ``max_ratio``         ``{family = ratio}``: a document whose family ratio is above it fails;
- ``max_corpus_ratio``  ``{family = ratio}``: the character-weighted ratio over all checked
                        documents above it fails the corpus.

With a baseline every check counts only what is new: a document fails on new findings (of
severity ``fail_on_severity``, default ``warning``, or above), on a verdict at or above
``fail_on`` that is worse than the baselined one, and on a family ratio above ``max_ratio`` that
also rose by more than ``baseline_tolerance`` over its baselined value; the corpus fails on a
ratio above ``max_corpus_ratio`` that is also above the baseline's. A worse verdict or ratio
counts only when the document has new findings (of that family, for a ratio): damage moved in
from another document, or clean text deleted around old damage, is not new damage. Ratios that
rose without crossing a limit are reported (``worsened``) but do not fail on their own: new
info-level findings (a legitimate image line in a new article) would otherwise fail every change.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from .model import SEVERITY_RANK
from .scoring import VERDICTS

FAIL_ON = ("fail", "warn", "never")
FAIL_ON_SEVERITY = ("info", "warning", "error", "never")
FAMILIES = ("encoding", "script", "pinyin", "offtopic", "boilerplate", "format")


@dataclass
class Policy:
    fail_on: str = "fail"
    fail_on_severity: str | None = None  # None: off (with a baseline: "warning" for new findings)
    max_ratio: dict[str, float] = field(default_factory=dict)  # family → ratio
    max_corpus_ratio: dict[str, float] = field(default_factory=dict)
    exit_zero: bool = False
    baseline_tolerance: float = 0.005

    def __post_init__(self) -> None:
        if self.fail_on not in FAIL_ON:
            raise ValueError(f"fail_on must be one of {', '.join(FAIL_ON)} (got {self.fail_on!r})")
        if self.fail_on_severity is not None and self.fail_on_severity not in FAIL_ON_SEVERITY:
            raise ValueError(f"fail_on_severity must be one of {', '.join(FAIL_ON_SEVERITY)} (got {self.fail_on_severity!r})")
        self.max_ratio = _families(self.max_ratio, "max_ratio")
        self.max_corpus_ratio = _families(self.max_corpus_ratio, "max_corpus_ratio")

    def describe(self) -> str:
        bits = [f"fail-on {self.fail_on}"]
        if self.fail_on_severity and self.fail_on_severity != "never":
            bits.append(f"fail-on-severity {self.fail_on_severity}")
        bits += [f"max {f}_ratio {v:g}" for f, v in self.max_ratio.items()]
        bits += [f"max corpus {f}_ratio {v:g}" for f, v in self.max_corpus_ratio.items()]
        return ", ".join(bits)


def _families(table: dict[str, Any], name: str) -> dict[str, float]:
    out = {}
    for k, v in (table or {}).items():
        fam = str(k).removesuffix("_ratio")
        if fam not in FAMILIES:
            raise ValueError(f"{name}: {k!r} is not a family ({', '.join(FAMILIES)})")
        v = float(v)
        if not 0.0 <= v <= 1.0:
            raise ValueError(f"{name}.{fam}: {v} is not between 0 and 1")
        out[fam] = v
    return out


def parse_ratio_flags(values: list[str] | None, flag: str) -> dict[str, float]:
    """``--max-ratio encoding=0.05`` (repeatable, or comma-separated) → {family: ratio}."""
    out: dict[str, float] = {}
    for v in values or []:
        for item in v.split(","):
            item = item.strip()
            if not item:
                continue
            fam, sep, num = item.partition("=")
            if not sep:
                raise ValueError(f"{flag}: expected FAMILY=RATIO, got {item!r}")
            try:
                out[fam.strip()] = float(num)
            except ValueError:
                raise ValueError(f"{flag}: {num!r} is not a number") from None
    return _families(out, flag)


@dataclass
class GateResult:
    passed: bool
    reasons: list[str] = field(default_factory=list)  # one line per failing document / corpus check
    failing: dict[str, list[str]] = field(default_factory=dict)  # document id → reasons
    corpus: list[str] = field(default_factory=list)  # corpus-level reasons
    corpus_metrics: dict[str, float] = field(default_factory=dict)
    exit_zero: bool = False

    @property
    def exit_code(self) -> int:
        return 0 if self.passed or self.exit_zero else 1


def corpus_ratios(rows: Iterable[dict[str, Any]]) -> dict[str, float]:
    """Character-weighted family ratios over the documents that could be read (one pass: rows
    may be millions, streamed from disk)."""
    total = 0
    keys = [f"{f}_ratio" for f in FAMILIES]
    sums = [0.0] * len(keys)
    for r in rows:
        if r.get("status") != "ok":
            continue
        chars, metrics = r["chars"], r["metrics"]
        total += chars
        for i, k in enumerate(keys):
            sums[i] += metrics.get(k, 0.0) * chars
    return {f: (round(s / total, 4) if total else 0.0) for f, s in zip(FAMILIES, sums)}


def evaluate(rows: list[dict[str, Any]], fail_on: str | Policy = "fail", *,
             reports: list[dict[str, Any]] | None = None, diff: Any = None) -> GateResult:
    """Apply the policy to the scan. ``fail_on`` may be a verdict name or a full ``Policy``;
    ``reports`` (with findings) are needed for severity checks; ``diff`` is a
    ``qc.baseline.BaselineDiff`` when a baseline is used."""
    policy = fail_on if isinstance(fail_on, Policy) else Policy(fail_on=fail_on)
    failing: dict[str, list[str]] = {}

    def fail(doc_id: str, why: str) -> None:
        failing.setdefault(doc_id, []).append(why)

    floor = VERDICTS.index(policy.fail_on) if policy.fail_on != "never" else None
    sev = policy.fail_on_severity
    if diff is not None and sev is None:
        sev = "warning"
    sev_floor = SEVERITY_RANK[sev] if sev and sev != "never" else None
    by_id = {r["id"]: r for r in reports or []}
    ratio_limits = [(fam, f"{fam}_ratio", policy.max_ratio[fam]) for fam in FAMILIES if policy.max_ratio.get(fam) is not None]

    for row in rows:
        rid = row["id"]
        d = diff.docs.get(rid) if diff is not None else None
        # verdict
        if floor is not None and VERDICTS.index(row["verdict"]) >= floor:
            if d is None and diff is None:
                fail(rid, f"verdict {row['verdict']} (score {row['score']})")
            elif d is not None and d.new and VERDICTS.index(row["verdict"]) > VERDICTS.index(d.verdict_before):
                fail(rid, f"verdict {d.verdict_before} → {row['verdict']} (score {row['score']})")
        # findings by severity (only the new ones with a baseline)
        if sev_floor is not None:
            if d is not None:
                found = d.new
            elif diff is None and rid in by_id:
                found = by_id[rid].get("findings") or []
            else:
                found = []
            hits = [f for f in found if SEVERITY_RANK.get(f["severity"], 0) >= sev_floor]
            if hits:
                first = hits[0]
                what = "new finding" if diff is not None else "finding"
                fail(rid, f"{len(hits)} {what}{'s' if len(hits) != 1 else ''} at {sev} or above, first "
                          f"{first['rule']} line {first['line']}: {first['message']}")
        # ratios
        for fam, m, limit in ratio_limits:
            cur = float(row["metrics"].get(m, 0.0))
            if d is not None:
                if m in d.worsened and d.worsened[m][1] > limit and any(f["family"] == fam for f in d.new):
                    a, b = d.worsened[m]
                    fail(rid, f"{m} worsened {a:.4g} → {b:.4g} (max {limit:g})")
            elif diff is None and cur > limit:
                fail(rid, f"{m} {cur:.4g} > max {limit:g}")

    cm = corpus_ratios(rows)
    corpus: list[str] = []
    base_cm = diff.baseline.corpus_metrics if diff is not None else {}
    for fam, limit in policy.max_corpus_ratio.items():
        cur = cm[fam]
        if cur <= limit:
            continue
        if diff is not None:
            before = float(base_cm.get(f"{fam}_ratio", 0.0))
            if cur <= before + policy.baseline_tolerance:
                continue
            corpus.append(f"corpus {fam}_ratio {cur:.4g} > max {limit:g} (baseline {before:.4g})")
        else:
            corpus.append(f"corpus {fam}_ratio {cur:.4g} > max {limit:g}")

    reasons = [f"{rid}: {'; '.join(why)}" for rid, why in failing.items()] + corpus
    return GateResult(not failing and not corpus, reasons, failing, corpus, cm, policy.exit_zero)
