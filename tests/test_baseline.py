"""Baseline matching on its own: fingerprints, the loose pass, multisets, renames, ratchet, prune."""
from __future__ import annotations

import pytest

from qc import baseline as bl
from qc.engine import check_text

LOSS = "城市规划".encode("latin-1", errors="replace").decode("latin-1")  # '????'
LONG_LOSS = "城市规划建设工作".encode("latin-1", errors="replace").decode("latin-1")  # 8 × '?'


@pytest.fixture(scope="module")
def rs(ruleset):
    return ruleset.select(["EN01", "EN02", "BP02"])


def rep(text: str, rs, path: str = "corpus/a.txt") -> dict:
    r = check_text(text, rs, id=path.split("/", 1)[-1])
    r["path"] = path
    return r


def make(reports, rs, tmp_path) -> bl.Baseline:
    return bl.create(reports, tmp_path / ".qc-baseline.json", rs.digest, [r.id for r in rs.rules])


def diff(base, reports, rs, **kw):
    return bl.compare(base, reports, rs.digest, [r.id for r in rs.rules], **kw)


def test_fingerprints_ignore_line_moves_but_not_same_line_context(rs, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    a = rep(f"第一行文字。\n会议指出，{LOSS}工作要坚持。\n第三行文字。\n", rs)
    b = rep(f"新加的一行。\n第三行文字。\n会议指出，{LOSS}工作要坚持。\n第一行文字。\n", rs)
    c = rep(f"第一行文字。\n报告强调，{LOSS}工作要坚持。\n", rs)
    fp = lambda r: sorted(f["fingerprint"] for f in r["findings"])  # noqa: E731
    assert fp(a) and fp(a) == fp(b) and fp(a) != fp(c)
    d = diff(make([a], rs, tmp_path), [b], rs)
    assert d.new_findings == 0 and d.fixed_findings == 0


def test_loose_pass_needs_enough_matched_text(rs, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    base = make([rep(f"会议指出，{LONG_LOSS}要坚持。\n他说：{LOSS}很重要。\n", rs)], rs, tmp_path)
    # words right next to both damaged spans edited: the 8-char run is still known, the 4-char one is not
    d = diff(base, [rep(f"报告强调：{LONG_LOSS}须坚持。\n她讲：{LOSS}最重要。\n", rs)], rs)
    new = d.docs["a.txt"].new
    assert len(new) == 1 and new[0]["excerpt"] == LOSS
    assert d.docs["a.txt"].fixed == 1


def test_counts_are_a_multiset(rs, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    line = f"会议指出，{LOSS}工作要坚持。"
    base = make([rep(line + "\n", rs)], rs, tmp_path)
    d = diff(base, [rep(f"{line}\n{line}\n", rs)], rs)
    assert d.new_findings == 1


def test_rename_keeps_the_entry(rs, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = f"会议指出，{LOSS}工作要坚持。\n"
    base = make([rep(text, rs, "corpus/old.txt")], rs, tmp_path)
    d = diff(base, [rep(text, rs, "corpus/new.txt")], rs)
    doc = d.docs["new.txt"]
    assert doc.state == "renamed" and doc.renamed_from == "corpus/old.txt" and not doc.new


def test_update_ratchets_and_keeps_unselected_rules(rs, ruleset, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    damaged = f"会议指出，{LOSS}工作要坚持。\n新闻\u200b发布会。\n"
    base = make([rep(damaged, rs), rep(f"他说{LOSS}很好。\n", rs, "corpus/b.txt")], rs, tmp_path)
    assert set(base.files) == {"corpus/a.txt", "corpus/b.txt"}
    only_en01 = ruleset.select(["EN01"])
    # EN01 damage fixed in a.txt and b.txt; a.txt's EN02 finding is not checked in this run
    fixed_a = rep("会议指出，城市规划工作要坚持。\n新闻\u200b发布会。\n", only_en01)
    fixed_b = rep("他说：好。\n", only_en01, "corpus/b.txt")
    new, stats = bl.update(base, [fixed_a, fixed_b], only_en01.digest, ["EN01"])
    assert stats["fixed"] == 2 and stats["removed_documents"] == 1
    assert set(new.files) == {"corpus/a.txt"}
    assert [f["rule"] for f in new.files["corpus/a.txt"]["findings"]] == ["EN02"]
    assert new.ruleset_digest == base.ruleset_digest  # only --accept-new records a new ruleset


def test_prune_and_roundtrip(rs, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "a.txt").write_text("x", encoding="utf-8")
    base = make([rep(f"他说{LOSS}很好。\n", rs), rep(f"她说{LOSS}很好。\n", rs, "corpus/gone.txt")], rs, tmp_path)
    path = base.save()
    loaded = bl.load(path)
    assert loaded.files == base.files and loaded.ruleset_digest == rs.digest
    pruned, gone = bl.prune(loaded)
    assert gone == ["corpus/gone.txt"] and list(pruned.files) == ["corpus/a.txt"]
