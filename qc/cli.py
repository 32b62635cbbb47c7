"""The ``qc`` command. The only place that exits: 0 gate passed, 1 gate failed,
2 usage/configuration error, 3 internal error (130 when interrupted)."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console

from . import __version__
from .config import find_config
from .errors import ConfigError, QcError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="qc — corpus quality and anomaly detector for Chinese web text.")
console = Console(stderr=False, highlight=False)
err_console = Console(stderr=True, highlight=False)

_STATE = {"debug": False}


def _split(values: Optional[list[str]]) -> list[str]:
    out: list[str] = []
    for v in values or []:
        out += [x.strip() for x in v.split(",") if x.strip()]
    return out


def _opt(flag: Any, cfg: dict[str, Any], key: str, default: Any) -> Any:
    if flag is not None and flag != [] and flag != ():
        return flag
    return cfg.get(key, default)


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for internal errors."),
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
) -> None:
    _STATE["debug"] = debug
    if version:
        console.print(f"qc {__version__}")
        raise typer.Exit(0)


@app.command()
def scan(
    paths: list[str] = typer.Argument(..., help="Files or folders to scan (folders recursively)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Output folder for reports (default: reports/)."),
    rules: Optional[Path] = typer.Option(None, "--rules", help="Rules folder to add (its rules add to or override the defaults)."),
    select: Optional[list[str]] = typer.Option(None, "--select", help="Only these rule ids/prefixes/families (comma-separated or repeated)."),
    ignore: Optional[list[str]] = typer.Option(None, "--ignore", help="Skip these rule ids/prefixes/families."),
    fail_on: Optional[str] = typer.Option(None, "--fail-on", help="Fail the gate on a verdict at or above: fail, warn, never (default: fail)."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", help="Worker processes (default: number of cores)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only the one-line total."),
    expected_script: Optional[str] = typer.Option(None, "--expected-script", help="Hans or Hant: the script every document should be in (default: the corpus majority)."),
    no_html: bool = typer.Option(False, "--no-html", help="Skip the HTML report (index.html, files/*.html, rules/*.html)."),
    text_field: Optional[str] = typer.Option(None, "--text-field", help="Field holding the text in JSONL/JSON/Parquet records (dotted for nested) (default: text)."),
    id_field: Optional[str] = typer.Option(None, "--id-field", help="Record field copied into each record report's metadata.record_id."),
    engine: Optional[str] = typer.Option(None, "--engine", help="local (worker processes) or ray (default: local)."),
    address: Optional[str] = typer.Option(None, "--address", help="Ray cluster for --engine ray: auto or ray://host:10001 (default: start a local Ray)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not read or write the incremental cache (.qc-cache/)."),
    fail_on_severity: Optional[str] = typer.Option(None, "--fail-on-severity", help="Also fail on a finding at or above: info, warning, error, never (default: never; with --baseline: warning, new findings only)."),
    max_ratio: Optional[list[str]] = typer.Option(None, "--max-ratio", help="FAMILY=RATIO: fail a document whose family ratio is above it, e.g. encoding=0.05 (repeatable)."),
    max_corpus_ratio: Optional[list[str]] = typer.Option(None, "--max-corpus-ratio", help="FAMILY=RATIO: fail when the corpus-wide family ratio is above it (repeatable)."),
    exit_zero: bool = typer.Option(False, "--exit-zero", help="Report everything but exit 0 even when the gate fails."),
    baseline: Optional[Path] = typer.Option(None, "--baseline", help="Fail only on what is new or worse than this baseline (see `qc baseline`)."),
    no_baseline: bool = typer.Option(False, "--no-baseline", help="Ignore the baseline named in the config."),
    changed_since: Optional[str] = typer.Option(None, "--changed-since", help="Check only files added or modified since this git ref; the corpus profile still sees every file."),
    fmt: Optional[str] = typer.Option(None, "--format", help="What to print: text, json, sarif, github, gitlab, junit, markdown (default: text)."),
    output: Optional[list[str]] = typer.Option(None, "--output", help="FORMAT=PATH: also write this format to PATH (repeatable)."),
    allowlist: Optional[Path] = typer.Option(None, "--allowlist", help="Allowlist file of accepted strings/patterns per rule (default: .qc-allowlist.yml)."),
) -> None:
    """Scan PATHS, write per-file reports and a summary, and gate on the verdicts."""
    from . import ci
    from .gate import FAIL_ON

    cfg, cfg_path = find_config()
    fail_on = _opt(fail_on, cfg, "fail_on", "fail")
    if fail_on not in FAIL_ON:
        raise ConfigError(f"--fail-on: {fail_on!r} is not one of {', '.join(FAIL_ON)}")
    out_dir = Path(_opt(out, cfg, "out", "reports"))
    jobs_n = int(_opt(jobs, cfg, "jobs", os.cpu_count() or 1))
    if jobs_n < 1:
        raise ConfigError("--jobs must be at least 1")
    extra = [str(rules)] if rules else list(cfg.get("extra_rules", []))
    if rules is None and cfg.get("rules"):
        extra = [str(cfg["rules"])] + extra
    for p in paths:
        if not os.path.lexists(p):
            err_console.print(f"[yellow]warning:[/] {p}: no such file or folder (reported as unreadable)")
    gopts = ci.options(cfg, cfg_path, fail_on=fail_on, fail_on_severity=fail_on_severity, max_ratio=max_ratio,
                       max_corpus_ratio=max_corpus_ratio, exit_zero=exit_zero, baseline=baseline, no_baseline=no_baseline,
                       changed_since=changed_since, fmt=fmt, outputs=output, allowlist=allowlist)
    progress = _Progress(quiet)
    result, outcome = ci.run(paths, gopts, dict(
        out=out_dir,
        extra_rules=extra,
        select=_split(select) or cfg.get("select"),
        ignore=_split(ignore) or cfg.get("ignore"),
        jobs=jobs_n,
        settings={"fail_on": fail_on, "config": str(cfg_path) if cfg_path else None,
                  "baseline": str(gopts.baseline) if gopts.baseline else None, "changed_since": changed_since},
        params=cfg.get("params"),
        expected_script=_opt(expected_script, cfg, "expected_script", None),
        text_field=_opt(text_field, cfg, "text_field", "text"),
        id_field=_opt(id_field, cfg, "id_field", None),
        engine=_opt(engine, cfg, "engine", "local"),
        address=_opt(address, cfg, "address", None),
        cache=False if (no_cache or cfg.get("cache") is False) else Path(os.environ.get("QC_CACHE_DIR") or cfg.get("cache_dir") or ".qc-cache"),
    ), on_row=progress.tick)
    progress.close()
    gate = outcome.gate
    if not (no_html or cfg.get("no_html")):
        _render_html(out_dir, result.ruleset, gate, jobs_n)
    _emit(outcome, gopts, quiet)
    raise typer.Exit(outcome.exit_code)


def _emit(outcome: Any, gopts: Any, quiet: bool) -> None:
    """Print the chosen format on stdout (the text table and total for ``text``; human lines go
    to stderr otherwise) and write every ``--output FORMAT=PATH``."""
    from .report import text
    from .report.formats import render, write_outputs

    if gopts.fmt == "text":
        text.print_text(outcome, console, err_console, quiet)
    else:
        sys.stdout.write(render(gopts.fmt, outcome))
        sys.stdout.flush()
        err_console.print(text.total_line(outcome), markup=False)
    for path in write_outputs(outcome, gopts.outputs):
        if not quiet:
            err_console.print(f"wrote {path}", markup=False)


def _render_html(out_dir: Path, ruleset: Any, gate: Any = None, jobs: int = 1) -> None:
    """HTML next to the JSON; a rendering problem is reported but never changes the gate."""
    from .report.html import render_html

    try:
        stats = render_html(out_dir, ruleset, gate=gate, jobs=jobs)
    except Exception as e:  # noqa: BLE001 - the JSON reports and the gate stand without HTML
        if _STATE["debug"]:
            raise
        err_console.print(f"[yellow]warning:[/] HTML report not written: {type(e).__name__}: {e}", markup=True)
        return
    if stats.failed:  # pages that raised; the others were written
        err_console.print(f"warning: {stats.failed} HTML file page(s) not written, e.g. {stats.errors[0]}",
                          markup=False)


@app.command("report")
def report_cmd(
    out: Path = typer.Argument(Path("reports"), help="A report folder written by `qc scan` (holds summary.json)."),
    rules: Optional[Path] = typer.Option(None, "--rules", help="Rules folder to add (for the rule pages)."),
    max_text_kb: int = typer.Option(512, "--max-text-kb", help="Show at most this much of each file's text (KB of UTF-8); the rest as excerpts."),
    source_root: Optional[list[Path]] = typer.Option(None, "--source-root", help="Also look for relative source paths under this folder (repeatable)."),
    max_pages: int = typer.Option(20_000, "--max-pages", help="Write pages for at most this many documents, the lowest scores first (0: all)."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", help="Worker processes rendering the file pages, by default one per core (1: all in this process; a pool starts only for 50 or more pages to render)."),
) -> None:
    """Re-render the HTML report (index.html, files/*.html, rules/*.html) from OUT's JSON, without rescanning.
    Pages whose inputs did not change are kept; the others are rendered by -j worker processes."""
    from .report.html import render_html
    from .rules import load_rules

    if not (out / "summary.json").is_file():
        raise ConfigError(f"{out}: no summary.json here (run `qc scan … --out {out}` first)")
    if max_text_kb < 1:
        raise ConfigError("--max-text-kb must be at least 1")
    if max_pages < 0:
        raise ConfigError("--max-pages must be 0 (no limit) or more")
    if jobs is None:
        try:
            cfg = find_config()[0]
        except Exception:  # noqa: BLE001 - a broken config only costs its jobs setting here
            cfg = {}
        jobs = int(_opt(None, cfg, "jobs", os.cpu_count() or 1))
    if jobs < 1:
        raise ConfigError("--jobs must be at least 1")
    rs = load_rules(None, [str(rules)] if rules else None)
    stats = render_html(out, rs, max_text_kb=max_text_kb, source_bases=list(source_root or []), max_pages=max_pages,
                        jobs=jobs)
    if stats.failed:  # pages that raised; the others were written
        err_console.print(f"warning: {stats.failed} HTML file page(s) not written, e.g. {stats.errors[0]}",
                          markup=False)
    note = f" ({stats.excerpts_only} from excerpts only: source missing or changed)" if stats.excerpts_only else ""
    if stats.skipped:
        note += f"; {stats.skipped} documents without a page (--max-pages {max_pages})"
    console.print(f"wrote {out}/index.html, {stats.files} file pages{note} and {stats.rules} rule pages")


class _Progress:
    def __init__(self, quiet: bool) -> None:
        self.n = 0
        self.bar = None
        self.quiet = quiet or not sys.stderr.isatty()

    def tick(self, row: dict[str, Any]) -> None:
        self.n += 1
        if self.quiet:
            return
        if self.bar is None and self.n >= 20:
            from rich.progress import Progress, SpinnerColumn, TextColumn

            self.bar = Progress(SpinnerColumn(), TextColumn("{task.completed} documents scanned"), console=err_console, transient=True)
            self.bar.start()
            self.task = self.bar.add_task("scan", total=None)
        if self.bar is not None:
            self.bar.update(self.task, completed=self.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


baseline_app = typer.Typer(no_args_is_help=True, help="Record the damage a corpus already has, so CI fails only on new damage.")
app.add_typer(baseline_app, name="baseline")


def _baseline_run(action: str, paths: list[str], baseline: Optional[Path], rules: Optional[Path], select, ignore,
                  jobs: Optional[int], **kw: Any) -> None:
    from . import ci

    cfg, cfg_path = find_config()
    file = ci.baseline_path(cfg, cfg_path, baseline)
    extra = [str(rules)] if rules else list(cfg.get("extra_rules", []))
    if rules is None and cfg.get("rules"):
        extra = [str(cfg["rules"])] + extra
    scan_kwargs = dict(extra_rules=extra, select=_split(select) or cfg.get("select"), ignore=_split(ignore) or cfg.get("ignore"),
                       jobs=int(_opt(jobs, cfg, "jobs", os.cpu_count() or 1)), params=cfg.get("params"),
                       expected_script=cfg.get("expected_script"), text_field=cfg.get("text_field", "text"),
                       id_field=cfg.get("id_field"))
    for line in ci.baseline_command(action, paths, file, cfg, cfg_path, scan_kwargs, **kw):
        console.print(line, markup=False)


_B_FILE = typer.Option(None, "--baseline", "-b", help="Baseline file (default: config `baseline`, else .qc-baseline.json).")
_B_RULES = typer.Option(None, "--rules", help="Rules folder to add.")
_B_SELECT = typer.Option(None, "--select", help="Only these rule ids/prefixes/families.")
_B_IGNORE = typer.Option(None, "--ignore", help="Skip these rule ids/prefixes/families.")
_B_JOBS = typer.Option(None, "--jobs", "-j", help="Worker processes.")


@baseline_app.command("create")
def baseline_create(
    paths: list[str] = typer.Argument(..., help="Files or folders to scan."),
    baseline: Optional[Path] = _B_FILE, rules: Optional[Path] = _B_RULES,
    select: Optional[list[str]] = _B_SELECT, ignore: Optional[list[str]] = _B_IGNORE, jobs: Optional[int] = _B_JOBS,
    force: bool = typer.Option(False, "--force", help="Overwrite an existing baseline."),
) -> None:
    """Scan PATHS and record every finding as known debt."""
    _baseline_run("create", paths, baseline, rules, select, ignore, jobs, force=force)


@baseline_app.command("update")
def baseline_update(
    paths: list[str] = typer.Argument(..., help="Files or folders to scan."),
    baseline: Optional[Path] = _B_FILE, rules: Optional[Path] = _B_RULES,
    select: Optional[list[str]] = _B_SELECT, ignore: Optional[list[str]] = _B_IGNORE, jobs: Optional[int] = _B_JOBS,
    accept_new: bool = typer.Option(False, "--accept-new", help="Also record new findings and documents (and the current ruleset)."),
) -> None:
    """Rescan PATHS and ratchet the baseline down: drop fixed findings, lower ratios."""
    _baseline_run("update", paths, baseline, rules, select, ignore, jobs, accept_new=accept_new)


@baseline_app.command("prune")
def baseline_prune(baseline: Optional[Path] = _B_FILE) -> None:
    """Drop baseline entries whose files no longer exist (no scan)."""
    from . import ci

    cfg, cfg_path = find_config()
    for line in ci.baseline_command("prune", [], ci.baseline_path(cfg, cfg_path, baseline), cfg, cfg_path, {}):
        console.print(line, markup=False)


@app.command("rules")
def list_rules(
    rules: Optional[Path] = typer.Option(None, "--rules", help="Rules folder to add."),
) -> None:
    """List the rules: id, name, family, severity."""
    from rich.table import Table

    from .rules import load_rules

    rs = load_rules(None, [str(rules)] if rules else None)
    table = Table()
    for col in ("id", "name", "family", "severity", "detector"):
        table.add_column(col, overflow="fold")
    for r in rs.rules:
        table.add_row(r.id, r.name, r.family, r.severity, r.detector)
    console.print(table)


@app.command()
def explain(
    rule_id: str = typer.Argument(..., help="Rule id, e.g. EN01"),
    rules: Optional[Path] = typer.Option(None, "--rules", help="Rules folder to add."),
) -> None:
    """Print one rule's description, rationale, false positives and examples."""
    from .rules import load_rules

    rs = load_rules(None, [str(rules)] if rules else None)
    rule = rs.by_id().get(rule_id.upper())
    if rule is None:
        raise ConfigError(f"unknown rule {rule_id!r} (see `qc rules`)")
    console.print(f"[bold]{rule.id} {rule.name}[/]  family={rule.family} severity={rule.severity} detector={rule.detector}")
    console.print(f"\n[bold]What it does[/]\n{rule.description}")
    if rule.rationale:
        console.print(f"\n[bold]Why it matters[/]\n{rule.rationale}")
    if rule.false_positives:
        console.print(f"\n[bold]Known false positives[/]\n{rule.false_positives}")
    params = {k: v for k, v in rule.params.items() if not k.startswith("_")}
    if params:
        console.print(f"\n[bold]Parameters[/]\n{params}")
    for kind in ("fail", "pass"):
        ex = rule.examples.get(kind) or []
        if ex:
            console.print(f"\n[bold]Examples that {'are flagged' if kind == 'fail' else 'pass'}[/]")
            for e in ex[:8]:
                text = e["text"] if isinstance(e, dict) else e
                console.print("  " + repr(text)[1:-1][:200], markup=False)


def run(argv: list[str] | None = None) -> int:
    """Run the CLI with ``argv`` and return the exit code (errors mapped, never raises)."""
    try:
        rv = app(args=argv, standalone_mode=False)  # click returns Exit codes in this mode
        return rv if isinstance(rv, int) else 0
    except typer.Exit as e:
        return e.exit_code
    except KeyboardInterrupt:
        err_console.print("interrupted")
        return 130
    except QcError as e:
        err_console.print(f"error: {e}", markup=False, soft_wrap=True)
        return e.exit_code
    except Exception as e:  # click usage errors and internal errors
        kinds = {c.__name__ for c in type(e).__mro__}  # click may be vendored (typer._click)
        if "Abort" in kinds:
            err_console.print("interrupted")
            return 130
        if "Exit" in kinds:
            return int(getattr(e, "exit_code", 0))
        if "ClickException" in kinds:
            e.show()  # type: ignore[attr-defined]
            return 2
        if _STATE["debug"]:
            raise
        err_console.print(f"internal error: {type(e).__name__}: {e}\nhint: re-run with --debug for a traceback, and report it.", markup=False)
        return 3


def main() -> None:
    """Entry point."""
    sys.exit(run(sys.argv[1:]))


if __name__ == "__main__":
    main()
