"""Suppressions: what a project tells qc to leave alone, kept outside the corpus text.

Three sources, all relative to the project root (the folder of qc.toml / pyproject.toml, or the
current folder):

- ``.qcignore`` — gitignore syntax (via pathspec). Matching files are neither profiled nor checked.
- ``per-file-ignores`` in config — ``{"glob" = ["EN02", "BP"]}``: findings of those rules (ids,
  prefixes or family names) are dropped in files matching the glob (gitignore-style pattern).
- an allowlist file (YAML, default ``.qc-allowlist.yml``) — entries with a ``rule``, either an
  exact ``text`` or a regex ``pattern``, an optional ``paths`` list, and a required ``reason``::

      allow:
        - rule: EN02
          text: "\\u200d"
          reason: ZWJ inside emoji sequences is legitimate
        - rule: BP02
          pattern: '^!\\[(logo|banner)\\]'
          paths: ["news/**"]
          reason: site logo lines are stripped by the loader

  ``text`` must equal the finding's matched text; ``pattern`` is searched in it. For a
  document-level finding (empty span) both are compared with the finding's message instead.

Suppressed findings are dropped before scoring (they change neither ratios nor verdicts) and are
listed in the report under ``suppressed`` with what suppressed them and why. Entries that matched
nothing are reported, so stale suppressions do not pile up. There is deliberately no inline
"ignore" comment: anything written into corpus text becomes training data.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import pathspec
import yaml

from .errors import ConfigError

DEFAULT_ALLOWLIST = ".qc-allowlist.yml"
DEFAULT_QCIGNORE = ".qcignore"
_ALLOW_KEYS = {"rule", "text", "pattern", "paths", "reason"}


_USAGE: dict[int, dict[str, Any]] = {}


def rule_matches(selectors: Iterable[str], rule_id: str, family: str) -> bool:
    """A finding's rule against selectors: exact id, id prefix (``EN``), family name or ``*``."""
    for s in selectors:
        if s in ("*", "ALL") or s == family or rule_id.startswith(s.upper()):
            return True
    return False


def _spec(lines: list[str]) -> pathspec.PathSpec:
    return pathspec.GitIgnoreSpec.from_lines(lines)


@dataclass
class _PerFile:
    id: str
    glob: str
    spec: pathspec.PathSpec
    rules: list[str]


@dataclass
class _Allow:
    id: str
    rules: list[str]
    reason: str
    text: str | None = None
    pattern: re.Pattern | None = None
    paths: pathspec.PathSpec | None = None

    def matches(self, rel: str, matched: str) -> bool:
        if self.paths is not None and not self.paths.match_file(rel):
            return False
        if self.text is not None:
            return matched == self.text
        return self.pattern.search(matched) is not None


@dataclass
class Suppressions:
    root: str
    ignore_lines: list[tuple[int, str]] = field(default_factory=list)  # (line number, pattern)
    ignore_file: str | None = None
    per_file: list[_PerFile] = field(default_factory=list)
    allow: list[_Allow] = field(default_factory=list)
    allowlist_file: str | None = None
    _ignore_spec: Any = None
    _ignore_patterns: list = field(default_factory=list)

    def __post_init__(self) -> None:
        _USAGE[id(self)] = {"hits": {}, "files": 0}  # fresh counts (an id may be reused)
        if self.ignore_lines:
            self._ignore_spec = _spec([p for _, p in self.ignore_lines])
            # (id, line text, pattern) of the including patterns, for the usage count
            self._ignore_patterns = [(f"qcignore:{n}", p, pat) for n, p in self.ignore_lines
                                     for pat in _spec([p]).patterns if pat.include]

    def __getstate__(self) -> dict[str, Any]:  # workers need only what apply() uses
        return {**self.__dict__, "_ignore_spec": None, "_ignore_patterns": []}

    # Usage counts are per-run state, kept outside the object: its digest (part of the cache
    # key, see qc/cache.py) must depend only on what is suppressed.
    @property
    def _usage(self) -> dict[str, Any]:
        return _USAGE.setdefault(id(self), {"hits": {}, "files": 0})

    @property
    def ignored_hits(self) -> dict[str, int]:
        """.qcignore pattern id → files it matched in this run."""
        return self._usage["hits"]

    @property
    def ignored_files(self) -> int:
        return self._usage["files"]

    # -- paths -------------------------------------------------------------------------------
    def rel(self, path: str) -> str:
        """``path`` relative to the project root, with forward slashes."""
        rel = os.path.relpath(os.path.abspath(path), self.root)
        return rel.replace(os.sep, "/")

    def excluded(self, src: Any) -> bool:
        """For ``Engine.run(exclude=…)``: is this file ignored by .qcignore? Counts the matches."""
        if self._ignore_spec is None:
            return False
        rel = self.rel(src.path)
        if not self._ignore_spec.match_file(rel):
            return False
        self._usage["files"] += 1
        for pid, _, pat in self._ignore_patterns:
            if pat.match_file(rel) is not None:
                self.ignored_hits[pid] = self.ignored_hits.get(pid, 0) + 1
        return True

    @property
    def active(self) -> bool:
        return bool(self.per_file or self.allow)

    # -- findings ----------------------------------------------------------------------------
    def apply(self, doc: Any, findings: list) -> tuple[list, list[dict[str, Any]]]:
        """Split ``findings`` of ``doc`` into kept and suppressed (the latter as report dicts)."""
        if not self.active:
            return findings, []
        rel = self.rel(doc.path)
        pf = [p for p in self.per_file if p.spec.match_file(rel)]
        kept, gone = [], []
        for f in findings:
            by = None
            for p in pf:
                if rule_matches(p.rules, f.rule, f.family):
                    by = (p.id, f"per-file-ignores: {p.glob}")
                    break
            if by is None:
                matched = doc.text[f.start:f.end] if f.end > f.start else f.message
                for a in self.allow:
                    if rule_matches(a.rules, f.rule, f.family) and a.matches(rel, matched):
                        by = (a.id, a.reason)
                        break
            if by is None:
                kept.append(f)
            else:
                d = f.to_json()
                d["suppressed_by"], d["reason"] = by
                gone.append(d)
        return kept, gone

    # -- bookkeeping -------------------------------------------------------------------------
    def entries(self) -> list[tuple[str, str, list[str]]]:
        """(id, description, rule selectors) of every suppression, for the unused report."""
        out = [(pid, f"{self.ignore_file}:{pid.split(':')[1]}: {line}", ["*"])
               for pid, line, _ in self._ignore_patterns]
        out += [(p.id, f"per-file-ignores {p.glob!r} = {p.rules}", p.rules) for p in self.per_file]
        for a in self.allow:
            what = f"text {a.text!r}" if a.text is not None else f"pattern {a.pattern.pattern!r}"
            out.append((a.id, f"{self.allowlist_file}: {a.id.split(':', 1)[1]}: rule {','.join(a.rules)} {what}", a.rules))
        return out

    def unused(self, reports: Iterable[dict[str, Any]], rule_ids: Iterable[tuple[str, str]] | None = None) -> list[str]:
        """Descriptions of suppressions that matched nothing in this scan. ``rule_ids``: (id,
        family) of the active rules; entries only for inactive rules are not reported."""
        used = set(self.ignored_hits)
        for rep in reports:
            for s in rep.get("suppressed") or ():
                used.add(s["suppressed_by"])
        active = list(rule_ids) if rule_ids is not None else None
        out = []
        for eid, desc, rules in self.entries():
            if eid in used:
                continue
            if active is not None and not any(rule_matches(rules, r, fam) for r, fam in active):
                continue
            out.append(desc)
        return out


def _read_qcignore(path: Path) -> list[tuple[int, str]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read: {e}") from None
    out = []
    for n, line in enumerate(lines, 1):
        if line.strip() and not line.lstrip().startswith("#"):
            try:
                pathspec.GitIgnoreSpec.from_lines([line])
            except Exception as e:  # pathspec raises its own errors for bad patterns
                raise ConfigError(f"{path}:{n}: bad pattern {line!r}: {e}") from None
            out.append((n, line))
    return out


def _selectors(v: Any, where: str) -> list[str]:
    items = [v] if isinstance(v, str) else v
    if not isinstance(items, list) or not items or not all(isinstance(x, str) and x.strip() for x in items):
        raise ConfigError(f"{where}: 'rule' must be a rule id, prefix or family (or a list of them)")
    return [x.strip() for x in items]


def load_allowlist(path: Path) -> list[_Allow]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: malformed YAML: {e}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read: {e}") from None
    if isinstance(data, dict):
        if set(data) - {"allow"}:
            raise ConfigError(f"{path}: unknown key '{sorted(set(data) - {'allow'})[0]}' (expected 'allow')")
        data = data.get("allow")
    if data is None:
        return []
    if not isinstance(data, list):
        raise ConfigError(f"{path}: 'allow' must be a list of entries")
    out = []
    for i, e in enumerate(data, 1):
        where = f"{path}: entry {i}"
        if not isinstance(e, dict):
            raise ConfigError(f"{where}: must be a mapping with rule, text or pattern, reason")
        unknown = set(e) - _ALLOW_KEYS
        if unknown:
            raise ConfigError(f"{where}: unknown key '{sorted(unknown)[0]}' (known: {', '.join(sorted(_ALLOW_KEYS))})")
        if "rule" not in e:
            raise ConfigError(f"{where}: missing key 'rule'")
        reason = e.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise ConfigError(f"{where}: key 'reason' is required (say why this is allowed)")
        if ("text" in e) == ("pattern" in e):
            raise ConfigError(f"{where}: give exactly one of 'text' (exact string) or 'pattern' (regex)")
        a = _Allow(f"allowlist:{i}", _selectors(e["rule"], where), reason.strip())
        if "text" in e:
            if not isinstance(e["text"], str) or e["text"] == "":
                raise ConfigError(f"{where}: key 'text' must be a non-empty string")
            a.text = e["text"]
        else:
            try:
                a.pattern = re.compile(str(e["pattern"]))
            except re.error as err:
                raise ConfigError(f"{where}: key 'pattern': bad regex: {err}") from None
        if "paths" in e:
            paths = [e["paths"]] if isinstance(e["paths"], str) else e["paths"]
            if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
                raise ConfigError(f"{where}: key 'paths' must be a list of glob patterns")
            a.paths = _spec(paths)
        out.append(a)
    return out


def load(root: Path, cfg: dict[str, Any], allowlist: str | None = None, cfg_path: Path | None = None) -> Suppressions:
    """Suppressions for a project rooted at ``root`` from its config (and an explicit allowlist)."""
    root = root.resolve()
    sup = Suppressions(root=str(root))
    qi = Path(cfg["qcignore"]) if cfg.get("qcignore") else root / DEFAULT_QCIGNORE
    if not qi.is_absolute():
        qi = root / qi
    if qi.is_file():
        sup.ignore_lines = _read_qcignore(qi)
        sup.ignore_file = os.path.relpath(qi)
    elif cfg.get("qcignore"):
        raise ConfigError(f"{cfg_path or 'config'}: key 'qcignore': {qi} does not exist")
    for glob, rules in (cfg.get("per_file_ignores") or {}).items():
        sel = _selectors(rules, f"{cfg_path or 'config'}: key 'per_file_ignores.{glob}'")
        sup.per_file.append(_PerFile(f"per-file-ignores:{glob}", glob, _spec([glob]), sel))
    al = allowlist or cfg.get("allowlist")
    if al:
        p = Path(al)
        if not p.is_absolute() and allowlist is None:
            p = root / p
        if not p.is_file():
            raise ConfigError(f"allowlist {p} does not exist")
    else:
        p = root / DEFAULT_ALLOWLIST
    if p.is_file():
        sup.allow = load_allowlist(p)
        sup.allowlist_file = os.path.relpath(p)
    sup.__post_init__()
    return sup
