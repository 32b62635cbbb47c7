import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEEDS = ROOT / "seeds"


def shared_path(*parts: str) -> Path:
    """A path under ../shared/, or skip the test when it is absent."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"{p} not available")
    return p


@pytest.fixture(scope="session")
def ruleset():
    from qc.rules import load_rules

    return load_rules()


@pytest.fixture(scope="session", autouse=True)
def _cache_outside_the_checkout(tmp_path_factory):
    """`qc scan` caches in ./.qc-cache by default; tests keep it in a temp folder."""
    old = os.environ.get("QC_CACHE_DIR")
    os.environ["QC_CACHE_DIR"] = str(tmp_path_factory.mktemp("qc-cache"))
    yield
    if old is None:
        os.environ.pop("QC_CACHE_DIR", None)
    else:
        os.environ["QC_CACHE_DIR"] = old
