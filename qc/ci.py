"""Glue for gating a corpus in CI: policy from config + flags, suppressions, the baseline,
changed-only scans (git), then scan → compare → gate → ``Outcome`` for the output formats.
cli.py calls ``run``; the Python API can too.

Changed-only scans: ``changed_files(ref)`` lists files added, copied, modified or renamed
between the merge base of ``ref`` and HEAD, plus uncommitted and untracked changes (so it works
for a pull request, in pre-commit, and on a dirty work tree). Only those are checked; the corpus
profile is still built from every file under the scanned paths.
"""
from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .config import config_dir
from .errors import ConfigError


# --- git ---------------------------------------------------------------------------------------

def _git(args: list[str], cwd: str | Path | None = None) -> str:
    try:
        p = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=False, timeout=120)
    except FileNotFoundError:
        raise ConfigError("--changed-since needs git, which is not installed") from None
    if p.returncode != 0:
        msg = p.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ConfigError(f"git {' '.join(args)}: {msg[-1] if msg else 'failed'}")
    return p.stdout.decode("utf-8", "surrogateescape")


def changed_files(ref: str, cwd: str | Path | None = None) -> list[str]:
    """Absolute paths of files added/copied/modified/renamed since ``ref`` (from the merge base of
    ``ref`` and HEAD), including staged, unstaged and untracked files. Deleted files are left out."""
    top = _git(["rev-parse", "--show-toplevel"], cwd).strip()
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd)
    except ConfigError:
        raise ConfigError(f"--changed-since: {ref!r} is not a commit in this repository") from None
    try:
        base = _git(["merge-base", ref, "HEAD"], cwd).strip() or ref
    except ConfigError:
        base = ref
    names = _git(["diff", "--name-only", "-z", "--no-renames", "--diff-filter=ACMRT", base, "--"], top).split("\0")
    names += _git(["ls-files", "--others", "--exclude-standard", "-z"], top).split("\0")
    return sorted({os.path.join(top, n) for n in names if n})


# --- the gate run --------------------------------------------------------------------------------

@dataclass
class GateOptions:
    """Gate-related settings after config and flags are merged (flags win)."""

    policy: Any
    baseline: Path | None = None
    changed_since: str | None = None
    fmt: str = "text"
    outputs: list[tuple[str, str]] = field(default_factory=list)
    suppress: Any = None
    warnings: list[str] = field(default_factory=list)
    max_annotations: int = 50
    rule_docs_url: str | None = None


def options(cfg: dict[str, Any], cfg_path: Path | None, *, fail_on: str | None = None, fail_on_severity: str | None = None,
            max_ratio: list[str] | None = None, max_corpus_ratio: list[str] | None = None, exit_zero: bool = False,
            baseline: Path | None = None, no_baseline: bool = False, changed_since: str | None = None,
            fmt: str | None = None, outputs: list[str] | None = None, allowlist: Path | None = None) -> GateOptions:
    from . import suppress as suppress_mod
    from .gate import Policy, parse_ratio_flags
    from .report.formats import FORMATS, parse_outputs

    root = config_dir(cfg_path)
    try:
        ratios = dict(cfg.get("max_ratio") or {})
        ratios.update(parse_ratio_flags(max_ratio, "--max-ratio"))
        corpus = dict(cfg.get("max_corpus_ratio") or {})
        corpus.update(parse_ratio_flags(max_corpus_ratio, "--max-corpus-ratio"))
        policy = Policy(
            fail_on=fail_on or cfg.get("fail_on", "fail"),
            fail_on_severity=fail_on_severity or cfg.get("fail_on_severity"),
            max_ratio=ratios,
            max_corpus_ratio=corpus,
            exit_zero=bool(exit_zero or cfg.get("exit_zero", False)),
            baseline_tolerance=float(cfg.get("baseline_tolerance", 0.005)),
        )
        outs = parse_outputs(cfg.get("formats")) + parse_outputs(outputs)
    except ValueError as e:
        raise ConfigError(str(e)) from None
    fmt = (fmt or cfg.get("format") or "text").lower()
    if fmt not in FORMATS:
        raise ConfigError(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}")
    opts = GateOptions(policy=policy, changed_since=changed_since, fmt=fmt, outputs=outs,
                       max_annotations=int(cfg.get("max_annotations", 50)), rule_docs_url=cfg.get("rule_docs_url"))
    if baseline is not None and not no_baseline:
        if not baseline.is_file():
            raise ConfigError(f"--baseline: {baseline} does not exist (create it with `qc baseline create PATHS`)")
        opts.baseline = baseline
    elif cfg.get("baseline") and not no_baseline:
        b = Path(cfg["baseline"])
        b = b if b.is_absolute() else root / b
        if b.is_file():
            opts.baseline = b
        else:
            opts.warnings.append(f"baseline {b} named in {cfg_path} does not exist yet; gating without it")
    opts.suppress = suppress_mod.load(root, cfg, str(allowlist) if allowlist else None, cfg_path)
    return opts


def run(paths: list[str], opts: GateOptions, scan_kwargs: dict[str, Any],
        on_row: Callable[[dict[str, Any]], None] | None = None):
    """Scan, compare with the baseline, gate. Returns (ScanResult, Outcome). ``on_row`` is
    called with each document's summary row (progress)."""
    from . import baseline as bl
    from .api import scan as api_scan
    from .gate import evaluate
    from .report.formats import Outcome

    only = None
    changed: list[str] | None = None
    if opts.changed_since:
        first = os.path.abspath(paths[0]) if paths else os.getcwd()
        where = first if os.path.isdir(first) else os.path.dirname(first)
        changed_set = {os.path.realpath(p) for p in changed_files(opts.changed_since, where if os.path.isdir(where) else None)}
        only = lambda src: os.path.realpath(src.path) in changed_set  # noqa: E731
        changed = []

    sup = opts.suppress
    exclude = sup.excluded if sup is not None and sup.ignore_lines else None

    # findings are kept in memory only when something needs them (millions of documents otherwise)
    keep = bool(opts.baseline or opts.fmt != "text" or opts.outputs or changed is not None
                or (opts.policy.fail_on_severity not in (None, "never")))
    slim: list[dict[str, Any]] = []  # without kept reports: what the unused-suppression check needs

    def tick(row: dict[str, Any]) -> None:
        if changed is not None:
            changed.append(row["id"])
        if on_row:
            on_row(row)

    def keep_slim(rep: dict[str, Any]) -> None:
        if rep.get("suppressed"):
            slim.append({"suppressed": [{"suppressed_by": s["suppressed_by"]} for s in rep["suppressed"]]})

    active = sup if sup is not None and sup.active else None
    result = api_scan(paths, keep_reports=keep, on_row=tick, on_report=keep_slim if active and not keep else None,
                      exclude=exclude, only=only, suppress=active, **scan_kwargs)
    warnings = list(opts.warnings)
    diff = None
    if opts.baseline is not None:
        base = bl.load(opts.baseline)
        rules = [r.id for r in result.ruleset.rules]
        diff = bl.compare(base, result.reports, result.ruleset.digest, rules, opts.policy.baseline_tolerance,
                          scanned_roots=None if changed is not None else paths)
        if diff.ruleset_changed:
            msg = f"the ruleset changed since the baseline was made ({base.ruleset_digest[:12]} → {result.ruleset.digest[:12]})"
            if diff.rules_added:
                msg += f"; rules added: {', '.join(diff.rules_added)}"
            if diff.rules_removed:
                msg += f"; rules removed: {', '.join(diff.rules_removed)}"
            msg += "; findings of changed rules count as new (accept them with `qc baseline update --accept-new`)"
            warnings.append(msg)
    gate = evaluate(result.rows, opts.policy, reports=result.reports, diff=diff)
    unused: list[str] = []
    if sup is not None and changed is None:  # a partial scan cannot tell what is unused
        unused = sup.unused(result.reports if keep else slim, [(r.id, r.family) for r in result.ruleset.rules])
    outcome = Outcome(rows=result.rows, reports=result.reports, summary=result.summary, gate=gate, policy=opts.policy,
                      ruleset=result.ruleset, diff=diff, out_dir=result.out, warnings=warnings,
                      unused_suppressions=unused, changed_only=changed,
                      ignored_files=sup.ignored_files if sup is not None else 0, stats=result.stats,
                      max_annotations=opts.max_annotations, rule_docs_url=opts.rule_docs_url)
    if result.out is not None:  # the gate's record next to summary.json (qc.gate/1, as --format json)
        from .report.files import atomic_write
        from .report.formats import render_json

        atomic_write(result.out / "gate.json", render_json(outcome))
    return result, outcome


# --- qc baseline create|update|prune -----------------------------------------------------------

def baseline_path(cfg: dict[str, Any], cfg_path: Path | None, flag: Path | None) -> Path:
    """``--baseline`` > config ``baseline`` (relative to the config's folder) > ``.qc-baseline.json``."""
    from .baseline import DEFAULT_FILE

    if flag is not None:
        return flag
    b = Path(cfg.get("baseline") or DEFAULT_FILE)
    return b if b.is_absolute() else config_dir(cfg_path) / b


def baseline_command(action: str, paths: list[str], file: Path, cfg: dict[str, Any], cfg_path: Path | None,
                     scan_kwargs: dict[str, Any], *, force: bool = False, accept_new: bool = False) -> list[str]:
    """Run ``qc baseline ACTION``; returns the lines to print. Findings allowed by the project's
    suppressions are not recorded; .qcignore'd files are not scanned."""
    from . import baseline as bl
    from . import suppress as suppress_mod
    from .api import scan as api_scan

    if action == "prune":
        b = bl.load(file)
        b2, gone = bl.prune(b)
        b2.save(file)
        return [f"{file}: removed {len(gone)} documents whose files are gone"] + [f"  - {k}" for k in gone[:50]]
    if action == "create" and file.exists() and not force:
        raise ConfigError(f"{file} exists; use `qc baseline update` (or `create --force` to start over)")
    old = bl.load(file) if action == "update" else None
    sup = suppress_mod.load(config_dir(cfg_path), cfg, None, cfg_path)
    result = api_scan(paths, keep_reports=True, exclude=sup.excluded if sup.ignore_lines else None,
                      suppress=sup if sup.active else None, **scan_kwargs)
    rules = [r.id for r in result.ruleset.rules]
    if action == "create":
        b = bl.create(result.reports, file, result.ruleset.digest, rules, rows=result.rows)
        b.save(file)
        return [f"{file}: baseline of {len(b.files)} documents with {b.finding_count()} findings "
                f"({len(result.rows)} documents scanned)"]
    before_docs, before_findings = len(old.files), old.finding_count()
    b, stats = bl.update(old, result.reports, result.ruleset.digest, rules, accept_new=accept_new,
                         rows=result.rows, scanned_roots=paths)
    b.save(file)
    lines = [f"{file}: {before_docs} → {len(b.files)} documents, {before_findings} → {b.finding_count()} findings "
             f"({stats['fixed']} fixed, {stats['removed_documents']} documents dropped"
             + (f", {stats['accepted']} new accepted" if accept_new else "") + ")"]
    if not accept_new:
        diff = bl.compare(old, result.reports, result.ruleset.digest, rules)
        if diff.new_findings:
            lines.append(f"  {diff.new_findings} new findings were not recorded (they still fail the gate; "
                         "`--accept-new` records them)")
    return lines
