"""Detector registry. One module per rule family; each registers its detectors by name.

A detector is ``fn(doc: Document, profile: CorpusProfile, params: dict) -> Iterable[Hit]``.
Rules (YAML in ``rules/``) name a detector and give it params; one detector may back several rules.
"""
from __future__ import annotations

import importlib
from typing import Callable, Iterable

DetectorFn = Callable[..., Iterable]
_REGISTRY: dict[str, DetectorFn] = {}

FAMILY_MODULES = ("encoding", "script", "pinyin", "offtopic", "boilerplate", "format")


def detector(name: str):
    """Register ``fn`` as the detector called ``name``."""

    def wrap(fn: DetectorFn) -> DetectorFn:
        if name in _REGISTRY and _REGISTRY[name] is not fn:
            raise ValueError(f"detector {name!r} registered twice")
        _REGISTRY[name] = fn
        fn.detector_name = name  # type: ignore[attr-defined]
        return fn

    return wrap


def load_all() -> dict[str, DetectorFn]:
    for mod in FAMILY_MODULES:
        try:
            importlib.import_module(f"qc.detectors.{mod}")
        except ModuleNotFoundError as e:  # a family module not written yet
            if e.name != f"qc.detectors.{mod}":
                raise
    return _REGISTRY


def get(name: str) -> DetectorFn | None:
    fn = _REGISTRY.get(name)
    if fn is None:  # import the family modules only on a miss: this runs once per rule per document
        load_all()
        fn = _REGISTRY.get(name)
    return fn
