"""The CI gate end to end, in a temporary git repository holding a corpus and a baseline.

Damage is made with real codecs (a lossy Latin-1 encode turns Han into '?', a dropped UTF-8
byte becomes U+FFFD) and checked with rules that exist in every build (EN01, EN02, BP02), so the
tests do not move when other rule families change.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from qc.cli import run

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

SENTENCES = [
    "今天上午，市政府召开新闻发布会，介绍了今年城市交通建设的最新进展。",
    "据介绍，新建的地铁线路预计明年年底通车，沿线将设置十二座车站。",
    "专家认为，完善公共交通网络有助于缓解中心城区的交通压力。",
    "不少市民表示，希望公交线路能够覆盖更多的新建居民小区。",
    "相关部门将继续听取各方意见，进一步优化线路和站点设置。",
    "下午，多家企业代表参观了新落成的科技产业园。",
    "园区负责人说，目前已有四十多家企业签约入驻，涉及软件、芯片和新能源等领域。",
    "为了吸引人才，园区还配套建设了学校、医院和人才公寓。",
    "记者在现场看到，工人们正在进行最后的绿化施工。",
    "这座城市近年来的经济增长速度一直保持在全省前列。",
]
SELECT = ["--select", "EN01,EN02,BP02"]


def article(seed: int, n: int = 6) -> str:
    return "\n".join(SENTENCES[(seed + i * 3) % len(SENTENCES)] for i in range(n)) + "\n"


def latin1_loss(s: str) -> str:
    """Han text pushed through a Latin-1 encoder with errors='replace': every character → '?'."""
    return s.encode("latin-1", errors="replace").decode("latin-1")


def utf8_byte_loss(s: str, at: int = 4) -> str:
    """One byte of the UTF-8 encoding lost: the broken character decodes to U+FFFD."""
    raw = s.encode("utf-8")
    return (raw[:at] + raw[at + 1:]).decode("utf-8", errors="replace")


DAMAGED_LINES = [
    "会议指出，" + latin1_loss("城市规划") + "工作要坚持以人民为中心。",
    utf8_byte_loss("北京大学的研究团队发布了一项新的成果。"),
    "新闻\u200b发布\u200b会结束后，记者采访了几位与会代表。",
]


def git(repo: Path, *args: str) -> str:
    p = subprocess.run(["git", "-c", "user.name=qc", "-c", "user.email=qc@example.invalid", "-c", "commit.gpgsign=false",
                        *args], cwd=repo, capture_output=True, text=True, check=True)
    return p.stdout


def commit(repo: Path, msg: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", msg)


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """main: corpus/ with clean articles and one legacy file with damage, plus a committed
    baseline; then a branch `pr` checked out for the change under test."""
    r = tmp_path / "data"
    (r / "corpus" / "news").mkdir(parents=True)
    git(r, "init", "-q", "-b", "main")
    (r / ".gitignore").write_text(".qc-cache/\nreports/\n", encoding="utf-8")
    for i in range(4):
        (r / "corpus" / "news" / f"clean{i}.txt").write_text(article(i), encoding="utf-8")
    legacy = article(7).splitlines()
    legacy[1:1] = DAMAGED_LINES[:2]
    legacy.append("![图片](https://example.com/a.jpg)")
    (r / "corpus" / "legacy.txt").write_text("\n".join(legacy) + "\n", encoding="utf-8")
    monkeypatch.chdir(r)
    assert run(["baseline", "create", "corpus", "-j", "1", *SELECT]) == 0
    commit(r, "corpus and baseline")
    git(r, "checkout", "-q", "-b", "pr")
    return r


def scan(*extra: str, out: str = "reports") -> tuple[int, dict]:
    rc = run(["scan", "corpus", "-j", "1", "--no-html", "-q", "--out", out, *SELECT,
              "--baseline", ".qc-baseline.json", "--output", "json=gate.json", *extra])
    return rc, json.loads(Path("gate.json").read_text(encoding="utf-8"))


def baseline_findings() -> int:
    data = json.loads(Path(".qc-baseline.json").read_text(encoding="utf-8"))
    return sum(len(e["findings"]) for e in data["files"].values())


def test_baseline_records_the_legacy_damage(repo):
    data = json.loads((repo / ".qc-baseline.json").read_text(encoding="utf-8"))
    assert data["schema"] == "qc.baseline/1" and data["ruleset_digest"]
    assert list(data["files"]) == ["corpus/legacy.txt"]  # clean files are not stored
    entry = data["files"]["corpus/legacy.txt"]
    assert {f["rule"] for f in entry["findings"]} >= {"EN01", "BP02"}
    assert entry["sha256"] and entry["metrics"]["encoding_ratio"] > 0
    rc, gate = scan()
    assert rc == 0 and gate["passed"] and gate["counts"]["new"] == 0 and gate["counts"]["unchanged"] >= 3


def test_adding_a_damaged_file_fails_and_names_it(repo, capsys):
    (repo / "corpus" / "news" / "broken.txt").write_text(article(2, 3) + DAMAGED_LINES[0] + "\n", encoding="utf-8")
    commit(repo, "add a damaged article")
    capsys.readouterr()
    rc, gate = scan()
    assert rc == 1 and not gate["passed"]
    assert list(gate["failing"]) == ["news/broken.txt"]
    assert "new finding" in gate["failing"]["news/broken.txt"][0]
    assert {n["id"] for n in gate["baseline"]["new"]} == {"news/broken.txt"}
    assert "news/broken.txt" in capsys.readouterr().err  # the terminal names it too
    # the same through a changed-only scan
    rc, gate = scan("--changed-since", "main")
    assert rc == 1 and list(gate["failing"]) == ["news/broken.txt"] and gate["changed_only"] == ["news/broken.txt"]


def test_a_clean_change_passes(repo):
    (repo / "corpus" / "news" / "fresh.txt").write_text(article(5), encoding="utf-8")
    p = repo / "corpus" / "news" / "clean1.txt"
    p.write_text(p.read_text(encoding="utf-8") + SENTENCES[9] + "\n", encoding="utf-8")
    commit(repo, "add and edit clean articles")
    rc, gate = scan()
    assert rc == 0 and gate["passed"] and gate["counts"]["new"] == 0
    rc, gate = scan("--changed-since", "main")
    assert rc == 0 and sorted(gate["changed_only"]) == ["news/clean1.txt", "news/fresh.txt"]


def test_moving_damaged_lines_passes(repo):
    p = repo / "corpus" / "legacy.txt"
    lines = p.read_text(encoding="utf-8").splitlines()
    # the damaged lines go to the end in reverse order, clean text is inserted before them
    damaged = [ln for ln in lines if ln in DAMAGED_LINES]
    rest = [ln for ln in lines if ln not in DAMAGED_LINES]
    p.write_text("\n".join([SENTENCES[0], *rest, SENTENCES[3], *reversed(damaged)]) + "\n", encoding="utf-8")
    commit(repo, "reorder the legacy file")
    rc, gate = scan()
    assert rc == 0 and gate["counts"]["new"] == 0 and gate["counts"]["fixed"] == 0, gate


def test_moving_a_damaged_line_to_another_file_passes(repo):
    legacy = repo / "corpus" / "legacy.txt"
    lines = legacy.read_text(encoding="utf-8").splitlines()
    legacy.write_text("\n".join(ln for ln in lines if ln != DAMAGED_LINES[0]) + "\n", encoding="utf-8")
    other = repo / "corpus" / "news" / "clean3.txt"
    other.write_text(other.read_text(encoding="utf-8") + DAMAGED_LINES[0] + "\n", encoding="utf-8")
    commit(repo, "move a paragraph")
    rc, gate = scan("--fail-on", "warn")  # clean3's verdict gets worse, but nothing in it is new
    assert rc == 0 and gate["counts"]["new"] == 0, gate


def test_records_shifted_in_a_jsonl_file_pass(repo):
    recs = [{"text": article(1, 2)}, {"text": DAMAGED_LINES[0]}, {"text": DAMAGED_LINES[1]}]
    p = repo / "corpus" / "records.jsonl"
    p.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
    assert run(["baseline", "update", "corpus", "-j", "1", *SELECT, "--accept-new"]) == 0
    commit(repo, "records")
    # a record inserted on top renumbers every record (ids are file#L<line>)
    p.write_text(json.dumps({"text": article(4, 2)}, ensure_ascii=False) + "\n" + p.read_text(encoding="utf-8"), encoding="utf-8")
    rc, gate = scan("--fail-on", "warn")
    assert rc == 0 and gate["counts"]["new"] == 0 and gate["counts"]["fixed"] == 0, gate
    p.write_text(p.read_text(encoding="utf-8") + json.dumps({"text": DAMAGED_LINES[2]}, ensure_ascii=False) + "\n", encoding="utf-8")
    rc, gate = scan()
    assert rc == 1 and list(gate["failing"]) == ["records.jsonl#L5"]


def test_fixing_a_file_passes_and_update_shrinks_the_baseline(repo, capsys):
    p = repo / "corpus" / "legacy.txt"
    fixed = [ln for ln in p.read_text(encoding="utf-8").splitlines() if ln != DAMAGED_LINES[0]]
    p.write_text("\n".join(fixed) + "\n", encoding="utf-8")
    commit(repo, "fix one damaged line")
    before = baseline_findings()
    size_before = (repo / ".qc-baseline.json").stat().st_size
    rc, gate = scan()
    assert rc == 0 and gate["counts"]["fixed"] >= 1
    assert any("fixed" in x for x in gate["baseline"]["improvements"])
    assert baseline_findings() == before  # scans never write the baseline
    capsys.readouterr()
    assert run(["baseline", "update", "corpus", "-j", "1", *SELECT]) == 0
    assert "fixed" in capsys.readouterr().out
    assert baseline_findings() < before
    assert (repo / ".qc-baseline.json").stat().st_size < size_before
    # the damage that was fixed cannot come back unnoticed
    p.write_text("\n".join(fixed + [DAMAGED_LINES[0]]) + "\n", encoding="utf-8")
    rc, gate = scan()
    assert rc == 1 and list(gate["failing"]) == ["legacy.txt"]


def test_update_does_not_absorb_new_damage_unless_asked(repo):
    (repo / "corpus" / "news" / "broken.txt").write_text(DAMAGED_LINES[2] + "\n", encoding="utf-8")
    assert run(["baseline", "update", "corpus", "-j", "1", *SELECT]) == 0
    assert scan()[0] == 1
    assert run(["baseline", "update", "corpus", "-j", "1", *SELECT, "--accept-new"]) == 0
    assert scan()[0] == 0


def test_changed_since_checks_only_changed_files(repo):
    (repo / "corpus" / "news" / "a.txt").write_text(article(1), encoding="utf-8")
    p = repo / "corpus" / "news" / "clean0.txt"
    p.write_text(p.read_text(encoding="utf-8") + SENTENCES[2] + "\n", encoding="utf-8")
    commit(repo, "two changes")
    (repo / "corpus" / "news" / "untracked.txt").write_text(article(3), encoding="utf-8")  # not committed yet
    rc, gate = scan("--changed-since", "main", out="r2")
    assert rc == 0
    assert sorted(gate["changed_only"]) == ["news/a.txt", "news/clean0.txt", "news/untracked.txt"]
    summary = json.loads((repo / "r2" / "summary.json").read_text(encoding="utf-8"))
    assert sorted(f["id"] for f in summary["files"]) == ["news/a.txt", "news/clean0.txt", "news/untracked.txt"]
    # report ids stay those of a full scan (relative to the scanned folder), not bare file names
    assert (repo / "r2" / "files" / "news" / "a.txt.json").is_file()


def test_changed_since_errors_exit_2(repo):
    assert run(["scan", "corpus", "-q", "--no-html", "--changed-since", "no-such-ref"]) == 2


def test_ruleset_change_is_warned(repo):
    data = json.loads((repo / ".qc-baseline.json").read_text(encoding="utf-8"))
    data["ruleset_digest"] = "0" * 16
    (repo / ".qc-baseline.json").write_text(json.dumps(data), encoding="utf-8")
    rc, gate = scan()
    assert rc == 0 and any("ruleset changed" in w for w in gate["warnings"])


def test_prune_drops_deleted_files(repo, capsys):
    (repo / "corpus" / "legacy.txt").unlink()
    capsys.readouterr()
    assert run(["baseline", "prune"]) == 0
    assert "removed 1" in capsys.readouterr().out
    assert json.loads((repo / ".qc-baseline.json").read_text(encoding="utf-8"))["files"] == {}


def test_baseline_errors_exit_2(repo):
    assert run(["baseline", "create", "corpus", *SELECT]) == 2  # exists: needs --force
    assert run(["scan", "corpus", "-q", "--no-html", "--baseline", "missing.json"]) == 2
    Path("bad.json").write_text("{}", encoding="utf-8")
    assert run(["scan", "corpus", "-q", "--no-html", "--baseline", "bad.json"]) == 2


def test_new_info_findings_do_not_fail_a_baselined_scan_by_default(repo):
    # a new article with a legitimate image line: BP02 is info-level
    (repo / "corpus" / "news" / "photo.txt").write_text(article(6) + "![图片](https://example.com/b.jpg)\n", encoding="utf-8")
    rc, gate = scan()
    assert rc == 0 and gate["counts"]["new"] == 1
    rc, gate = scan("--fail-on-severity", "info")
    assert rc == 1 and list(gate["failing"]) == ["news/photo.txt"]
