"""The incremental cache: warm re-scan reuses everything, gives the same bytes, and invalidates
on content, rules and profile changes."""
import json
import pickle
import shutil
from pathlib import Path

import pytest

from qc import api
from qc.cache import Cache, stable_digest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
            and p.suffix != ".html"}


@pytest.fixture()
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    lines = [json.dumps({"text": p.read_text("utf-8", errors="replace")[:400]}, ensure_ascii=False)
             for p in sorted(SEEDS.glob("*.txt"))] * 6
    (folder / "recs.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    # files must be older than the stat memo's racy window to be memoised
    import os
    import time

    old = time.time() - 60
    for p in folder.iterdir():
        os.utime(p, (old, old))
    return folder


def test_warm_rescan_reuses_everything_and_gives_same_bytes(corpus, tmp_path):
    cache = tmp_path / "cache"
    cold = api.scan([str(corpus)], out=tmp_path / "cold", cache=cache, batch_bytes=2000)
    assert cold.stats.cached_units == 0 and cold.stats.units > 6
    warm = api.scan([str(corpus)], out=tmp_path / "warm", cache=cache, batch_bytes=2000)
    assert warm.stats.cached_units == warm.stats.units
    assert warm.stats.profile_cached and warm.stats.profile_seconds == 0
    nocache = api.scan([str(corpus)], out=tmp_path / "nocache", batch_bytes=2000)
    assert _tree(tmp_path / "cold") == _tree(tmp_path / "warm") == _tree(tmp_path / "nocache")


def test_changed_file_is_rescanned_and_results_match_a_fresh_scan(corpus, tmp_path):
    cache = tmp_path / "cache"
    api.scan([str(corpus)], out=tmp_path / "a", cache=cache)
    victim = sorted(corpus.glob("*.txt"))[0]
    victim.write_text(victim.read_text("utf-8") + "\n这里有乱码：锟斤拷锟斤拷，还有\ufffd\ufffd。\n", "utf-8")
    again = api.scan([str(corpus)], out=tmp_path / "b", cache=cache)
    assert again.stats.cached_units < again.stats.units
    fresh = api.scan([str(corpus)], out=tmp_path / "c")
    assert _tree(tmp_path / "b") == _tree(tmp_path / "c")


def test_profile_free_rules_keep_entries_when_other_files_change(corpus, tmp_path):
    """EN01 reads no corpus statistics: changing one file re-checks only that file."""
    cache = tmp_path / "cache"
    first = api.scan([str(corpus)], select=["EN01"], cache=cache)
    victim = sorted(corpus.glob("*.txt"))[1]
    victim.write_text(victim.read_text("utf-8") + "\n新增一行。\n", "utf-8")
    again = api.scan([str(corpus)], select=["EN01"], cache=cache)
    assert again.stats.cached_units == first.stats.units - 1


def test_rule_selection_and_options_are_part_of_the_key(corpus, tmp_path):
    cache = tmp_path / "cache"
    api.scan([str(corpus)], select=["EN"], cache=cache)
    other = api.scan([str(corpus)], select=["BP"], cache=cache)
    assert other.stats.cached_units == 0
    field = api.scan([str(corpus)], select=["EN"], cache=cache, text_field="body")
    assert field.stats.cached_units < field.stats.units  # the record file is read differently


def test_corrupt_cache_entries_are_misses(corpus, tmp_path):
    cache = tmp_path / "cache"
    api.scan([str(corpus)], out=tmp_path / "a", cache=cache, select=["EN", "BP"])
    for p in (cache).rglob("*"):
        if p.is_file() and p.parent.parent.name in ("check", "corpus", "profile", "reports", "uses-index", "rules"):
            p.write_bytes(b"garbage")
    api.scan([str(corpus)], out=tmp_path / "b", cache=cache, select=["EN", "BP"])
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")


def test_report_dicts_come_back_from_the_cache_only_when_asked_for(corpus, tmp_path, monkeypatch):
    """A warm scan that keeps reports rebuilds the same dicts (parsed from the cached bytes); one
    that does not parses none; a missing or corrupt written/ entry is recomputed, not an error."""
    from qc import engine

    cache = tmp_path / "cache"
    cold = api.scan([str(corpus)], out=tmp_path / "a", cache=cache, batch_bytes=2000)
    blobs = sorted(p for p in (cache / "v1" / "written").rglob("*") if p.is_file())
    assert len(blobs) > 2 and not (cache / "v1" / "reports").exists()
    read = _reads(monkeypatch)
    parsed: list[int] = []
    parse = engine._parse_reports
    monkeypatch.setattr(engine, "_parse_reports", lambda ser: parsed.append(len(ser)) or parse(ser))
    rows = api.scan([str(corpus)], out=tmp_path / "b", cache=cache, batch_bytes=2000, keep_reports=False)
    assert "check" in read and "written" in read and not parsed  # new folder: bytes written, no dict rebuilt
    assert "uses" not in read and read.count("uses-index") == 1  # one index, not one file per unit
    assert rows.stats.cached_units == rows.stats.units and _tree(tmp_path / "a") == _tree(tmp_path / "b")
    warm = api.scan([str(corpus)], out=tmp_path / "c", cache=cache, batch_bytes=2000)
    assert parsed and warm.reports == cold.reports
    monkeypatch.undo()
    blobs[0].write_bytes(b"garbage")
    blobs[1].unlink()
    blobs[2].write_bytes(pickle.dumps([b"{}"] * 1000))  # the wrong number of reports
    warm = api.scan([str(corpus)], out=tmp_path / "d", cache=cache, batch_bytes=2000)
    assert warm.reports == cold.reports and _tree(tmp_path / "a") == _tree(tmp_path / "d")


def test_cli_no_cache_writes_nothing(corpus, tmp_path, monkeypatch):
    from qc.cli import run

    monkeypatch.setenv("QC_CACHE_DIR", str(tmp_path / "cache"))
    assert run(["scan", str(corpus), "--out", str(tmp_path / "o"), "--no-cache", "--no-html", "-q", "--fail-on", "never", "-j", "1", "--select", "EN01"]) == 0
    assert not (tmp_path / "cache").exists()
    assert run(["scan", str(corpus), "--out", str(tmp_path / "o"), "--no-html", "-q", "--fail-on", "never", "-j", "1", "--select", "EN01"]) == 0
    assert (tmp_path / "cache").is_dir()


def test_stable_digest_ignores_set_and_dict_order():
    a = {"x": {3, 1, 2}, "y": {"b": 1, "a": 2}, "z": [1, (2, 3)]}
    b = {"z": [1, (2, 3)], "y": {"a": 2, "b": 1}, "x": {2, 3, 1}}
    assert stable_digest(a) == stable_digest(b)
    assert stable_digest(a) != stable_digest({**a, "z": [1, (3, 2)]})


def test_stat_memo_ignores_fresh_files(tmp_path):
    p = tmp_path / "f.txt"
    p.write_text("x")
    c = Cache(tmp_path / "c")
    k = Cache.stat_key(str(p), "sha")
    c.memo_put(k, "abc")
    assert c.memo_get(k) is None  # written just now: its mtime cannot be trusted yet


def test_rescan_into_the_same_folder_leaves_unchanged_reports_untouched(corpus, tmp_path):
    cache, out = tmp_path / "cache", tmp_path / "out"
    api.scan([str(corpus)], out=out, cache=cache, batch_bytes=2000)
    reports = sorted((out / "files").rglob("*.json*"))
    assert any(p.suffix == ".json" for p in reports) and any(p.suffix == ".jsonl" for p in reports)
    before = {p: p.stat().st_mtime_ns for p in reports}
    victim = sorted(corpus.glob("*.txt"))[0]
    victim.write_text(victim.read_text("utf-8") + "\n这里有乱码：锟斤拷锟斤拷。\n", "utf-8")
    api.scan([str(corpus)], out=out, cache=cache, batch_bytes=2000)
    changed = {p for p in reports if p.stat().st_mtime_ns != before[p]}
    assert changed == {out / "files" / (victim.name + ".json")}
    rep = json.loads(changed.pop().read_text("utf-8"))
    assert any("锟斤拷" in f["excerpt"] for f in rep["findings"])
    assert not list(out.rglob(".tmp-*"))


def test_relative_out_follows_the_working_folder(corpus, tmp_path, monkeypatch):
    for name in ("first", "second"):
        (tmp_path / name).mkdir()
        monkeypatch.chdir(tmp_path / name)
        api.scan([str(corpus)], out=Path("reports"))
        assert sorted((tmp_path / name / "reports" / "files").glob("*.json")), name


def test_stable_digest_of_int_keyed_tables():
    a = {k * 7919 % 100_003: k % 5 for k in range(50_000)}
    b = dict(sorted(a.items()))
    assert stable_digest(a) == stable_digest(b)
    c = dict(a)
    c[next(iter(c))] += 1
    assert stable_digest(c) != stable_digest(a)
    assert stable_digest({1: "x", 2: [3]}) == stable_digest({2: [3], 1: "x"}) != stable_digest({1: "x", 2: [4]})


def _age(folder: Path, seconds: float = 60) -> None:
    import os
    import time

    for p in folder.rglob("*"):
        os.utime(p, (time.time() - seconds, time.time() - seconds))


def test_validated_rule_set_is_cached_and_a_changed_rule_file_is_reloaded(tmp_path, monkeypatch):
    from qc import rules as rules_mod
    from qc.rules import default_rules_dir, load_rules

    folder = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), folder)
    _age(folder)
    cache = Cache(tmp_path / "cache")
    first = load_rules(folder, cache=cache)
    assert first.digest == load_rules(folder).digest

    def no_load(*a):
        raise AssertionError("loaded from YAML despite the cache")

    monkeypatch.setattr(rules_mod, "_load_cached", no_load)
    again = load_rules(folder, cache=Cache(tmp_path / "cache"))
    assert again.digest == first.digest and [r.params for r in again.rules] == [r.params for r in first.rules]

    monkeypatch.undo()
    rule = next(folder.rglob("EN01-*.yml"))
    rule.write_text(rule.read_text("utf-8").replace("severity: error", "severity: warning"), "utf-8")
    rules_mod._load_cached.cache_clear()  # the in-process memo (one process, one rule set)
    fresh = load_rules(folder, cache=Cache(tmp_path / "cache"))  # just modified: never served from the cache
    rules_mod._load_cached.cache_clear()
    _age(folder)
    aged = load_rules(folder, cache=Cache(tmp_path / "cache"))
    assert fresh.digest == aged.digest != first.digest
    assert fresh.by_id()["EN01"].severity == aged.by_id()["EN01"].severity == "warning"


def test_warm_scan_imports_no_detector(corpus, tmp_path):
    """Everything cached: rules, profile digests, reports: the detectors (and numpy) stay unloaded."""
    import subprocess
    import sys

    from qc.rules import default_rules_dir

    folder = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), folder)
    _age(folder)
    code = (f"import sys\nfrom qc import api\n"
            f"api.scan([{str(corpus)!r}], out={str(tmp_path / 'o')!r}, cache={str(tmp_path / 'c')!r}, "
            f"rules={str(folder)!r}, keep_reports=False)\n"
            f"print(sorted(m for m in sys.modules if m.startswith('qc.detectors.') or m == 'numpy'))")
    cold = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert cold.returncode == 0, cold.stderr[-2000:]
    assert "qc.detectors.encoding" in cold.stdout
    warm = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert warm.returncode == 0, warm.stderr[-2000:]
    assert warm.stdout.strip() == "[]", warm.stdout


def test_unit_keys_from_prefix_hashers_equal_the_plain_key():
    from qc.cache import key
    from qc.corpus import SourceFile
    from qc.engine import Engine
    from qc.readers import Unit
    from qc.rules import load_rules

    e = Engine(load_rules())
    k = e._keys()
    for u in [Unit(SourceFile("/x/a.txt", "a.txt"), "text", sha="abc"),
              Unit(SourceFile("/x/b.jsonl", "d/b.jsonl"), "jsonl", 5, 900, 3, 1, 4, "ff"),
              Unit(SourceFile("/x/c.txt", "汉\udcff.txt"), "text")]:
        assert e._profile_key(u) == key("profile", k["code"], k["opts"], u.describe(), u.sha)
        assert e._check_base(u) == key("check", k["code"], k["rules"], k["opts"], u.describe(), u.sha)


def _reads(monkeypatch) -> list[str]:
    """The kinds of cache entry read from now on."""
    read: list[str] = []
    get = Cache.get
    monkeypatch.setattr(Cache, "get", lambda self, kind, k: read.append(kind) or get(self, kind, k))
    return read


def _mtimes(folder: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def test_warm_rescan_into_the_same_folder_trusts_unchanged_report_files_by_stat(corpus, tmp_path, monkeypatch):
    """Report files whose stat is what the last scan recorded are skipped without reading the
    cached bytes or the files; right after a scan (the two-second rule) they are compared."""
    from qc import cache as cache_mod

    cache, out = tmp_path / "cache", tmp_path / "out"
    api.scan([str(corpus)], out=out, cache=cache, batch_bytes=2000)
    want, before = _tree(out), _mtimes(out / "files")
    read = _reads(monkeypatch)
    api.scan([str(corpus)], out=out, cache=cache, batch_bytes=2000)
    assert "written" in read  # written moments ago: compared by content
    assert _tree(out) == want and _mtimes(out / "files") == before
    monkeypatch.setattr(cache_mod, "_RACY_SECONDS", 0.0)  # as if the last scan ended long ago
    read.clear()
    warm = api.scan([str(corpus)], out=out, cache=cache, batch_bytes=2000, keep_reports=False)
    assert warm.stats.cached_units == warm.stats.units
    assert "written" not in read and "reports" not in read, read
    assert _tree(out) == want and _mtimes(out / "files") == before


def test_report_files_changed_behind_the_memo_are_rewritten(corpus, tmp_path, monkeypatch):
    from qc import cache as cache_mod

    monkeypatch.setattr(cache_mod, "_RACY_SECONDS", 0.0)
    cache, out = tmp_path / "cache", tmp_path / "out"
    api.scan([str(corpus)], out=out, cache=cache, batch_bytes=2000)
    want = _tree(out)
    whole = sorted((out / "files").glob("*.txt.json"))[0]
    whole.write_bytes(b"x" * whole.stat().st_size)  # same size, other bytes
    recs = out / "files" / "recs.jsonl.jsonl"
    data = bytearray(recs.read_bytes())
    data[len(data) // 2] ^= 1  # one bit, in a part the memo would otherwise vouch for
    recs.write_bytes(bytes(data))
    gone = sorted((out / "files").glob("*.txt.json"))[1]
    gone.unlink()
    api.scan([str(corpus)], out=out, cache=cache, batch_bytes=2000)
    assert _tree(out) == want
    recs.write_bytes(recs.read_bytes()[:-10])  # cut short
    api.scan([str(corpus)], out=out, cache=cache, batch_bytes=2000)
    assert _tree(out) == want


@pytest.mark.parametrize("edit", ["middle", "fewer", "more"])
def test_record_report_file_follows_its_source_with_the_memo(corpus, tmp_path, monkeypatch, edit):
    """A record file's report file, trusted part by part, ends up as a fresh scan writes it when
    a record in the middle changes, records are dropped or records are added."""
    from qc import cache as cache_mod

    monkeypatch.setattr(cache_mod, "_RACY_SECONDS", 0.0)
    cache, out = tmp_path / "cache", tmp_path / "out"
    api.scan([str(corpus)], out=out, cache=cache, batch_bytes=2000)
    src = corpus / "recs.jsonl"
    lines = src.read_text("utf-8").splitlines()
    if edit == "middle":
        lines[len(lines) // 2] = json.dumps({"text": "这里有乱码：锟斤拷锟斤拷，还有\ufffd\ufffd。"}, ensure_ascii=False)
    elif edit == "fewer":
        lines = lines[: len(lines) * 2 // 3]
    else:
        lines += lines[:7]
    src.write_text("\n".join(lines) + "\n", "utf-8")
    api.scan([str(corpus)], out=out, cache=cache, batch_bytes=2000)
    api.scan([str(corpus)], out=tmp_path / "fresh", batch_bytes=2000)
    assert _tree(out) == _tree(tmp_path / "fresh")
    assert not list(out.rglob(".tmp-*"))
