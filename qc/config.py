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
    "text_field", "id_field", "cache", "engine", "formats", "exit_zero",
}


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
    unknown = set(data) - KNOWN
    if unknown:
        raise ConfigError(f"{path}: unknown key '{sorted(unknown)[0]}' (known: {', '.join(sorted(KNOWN))})")
    return data
