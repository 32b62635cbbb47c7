"""Configuration: ``[tool.qc]`` in pyproject.toml or a ``qc.toml`` (found from the current folder
upwards; qc.toml wins over pyproject in the same folder). Command-line flags win over both."""
from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from .errors import ConfigError

KNOWN = {
    "rules", "extra_rules", "select", "ignore", "fail_on", "jobs", "out", "expected_script", "html",
    "fail_on_severity", "max_ratio", "max_corpus_ratio", "baseline", "per_file_ignores", "allowlist",
    "text_field", "id_field", "cache", "engine", "formats", "exit_zero", "params",
    # CI gate (qc/gate.py, qc/baseline.py, qc/suppress.py, qc/report/formats.py)
    "format", "qcignore", "baseline_tolerance", "max_annotations", "rule_docs_url",
}
FAMILY_NAMES = ("encoding", "script", "pinyin", "offtopic", "boilerplate", "format")
SEVERITY_NAMES = ("info", "warning", "error")


def find_config(start: Path | None = None) -> tuple[dict[str, Any], Path | None]:
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        qc_toml = d / "qc.toml"
        if qc_toml.is_file():
            return _load(qc_toml, section=None), qc_toml
        py = d / "pyproject.toml"
        if py.is_file():
            data = _load(py, section="tool.qc")
            if data is not None:
                return data, py
    return {}, None


def _load(path: Path, section: str | None) -> dict[str, Any] | None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"{path}: cannot parse: {e}") from None
    if section:
        for key in section.split("."):
            data = data.get(key) if isinstance(data, dict) else None
            if data is None:
                return None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: [{section or 'qc'}] must be a table")
    # `per-file-ignores` and `per_file_ignores` are the same key
    data = {str(k).replace("-", "_"): v for k, v in data.items()}
    unknown = set(data) - KNOWN
    if unknown:
        raise ConfigError(f"{path}: unknown key '{sorted(unknown)[0]}' (known: {', '.join(sorted(KNOWN))})")
    _check_gate_keys(data, path)
    return data


def _check_gate_keys(data: dict[str, Any], path: Path) -> None:
    """Type checks for the gate keys, so a typo fails with exit 2 and the key named."""

    def bad(key: str, want: str) -> ConfigError:
        return ConfigError(f"{path}: key '{key}': {want} (got {data[key]!r})")

    for key in ("max_ratio", "max_corpus_ratio"):
        if key not in data:
            continue
        table = data[key]
        if not isinstance(table, dict):
            raise bad(key, "must be a table of family = ratio, e.g. { encoding = 0.05 }")
        for fam, v in table.items():
            name = str(fam).removesuffix("_ratio")
            if name not in FAMILY_NAMES:
                raise ConfigError(f"{path}: key '{key}.{fam}': not a family ({', '.join(FAMILY_NAMES)})")
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1:
                raise ConfigError(f"{path}: key '{key}.{fam}': must be a number between 0 and 1 (got {v!r})")
    if "fail_on_severity" in data and data["fail_on_severity"] not in (*SEVERITY_NAMES, "never"):
        raise bad("fail_on_severity", f"must be one of {', '.join(SEVERITY_NAMES)}, never")
    if "exit_zero" in data and not isinstance(data["exit_zero"], bool):
        raise bad("exit_zero", "must be true or false")
    for key in ("baseline", "allowlist", "qcignore", "rule_docs_url", "format"):
        if key in data and not isinstance(data[key], str):
            raise bad(key, "must be a string")
    if "baseline_tolerance" in data:
        v = data["baseline_tolerance"]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
            raise bad("baseline_tolerance", "must be a non-negative number")
    if "max_annotations" in data and (isinstance(data["max_annotations"], bool) or not isinstance(data["max_annotations"], int)):
        raise bad("max_annotations", "must be an integer")
    if "per_file_ignores" in data:
        pfi = data["per_file_ignores"]
        if not isinstance(pfi, dict) or not all(
            isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v)) for v in pfi.values()
        ):
            raise bad("per_file_ignores", 'must be a table of "glob" = ["RULE", ...]')
    if "formats" in data:
        f = data["formats"]
        ok = (isinstance(f, dict) and all(isinstance(v, str) for v in f.values())) or (
            isinstance(f, list) and all(isinstance(x, str) and "=" in x for x in f))
        if not ok:
            raise bad("formats", 'must be a table of format = "path" or a list of "format=path"')


def config_dir(cfg_path: Path | None) -> Path:
    """The folder config-relative paths (baseline, allowlist, .qcignore, per-file-ignores) start from."""
    return cfg_path.parent if cfg_path is not None else Path.cwd()
