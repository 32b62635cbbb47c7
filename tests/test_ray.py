"""The Ray engine against a real local Ray: the same reports, byte for byte, as the local engine."""
import json
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")

from qc import api  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

pytestmark = pytest.mark.ray


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
            and p.suffix != ".html"}


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_ray_reports_match_local_byte_for_byte(local_ray, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    texts = [p.read_text("utf-8", errors="replace") for p in sorted(SEEDS.glob("*.txt"))]
    lines = [json.dumps({"id": f"r{i}", "text": texts[i % len(texts)][(i * 97) % 500:][:600]}, ensure_ascii=False)
             for i in range(60)]
    lines[3] = "{not json"
    (corpus / "recs.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    paths = [str(SEEDS), str(corpus)]
    local = api.scan(paths, out=tmp_path / "local", jobs=1, batch_bytes=4000, id_field="id")
    on_ray = api.scan(paths, out=tmp_path / "ray", jobs=2, batch_bytes=4000, id_field="id", engine="ray")
    assert on_ray.stats.units == local.stats.units > len(texts) + 1  # the JSONL was split into ranges
    a, b = _tree(tmp_path / "local"), _tree(tmp_path / "ray")
    assert a.keys() == b.keys() and "files/corpus/recs.jsonl.jsonl" in a
    assert a == b
    assert ray.is_initialized()  # a Ray the caller started is left running
