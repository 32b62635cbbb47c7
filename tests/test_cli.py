"""CLI commands and exit codes: 0 pass, 1 gate failed, 2 usage/config, 3 internal."""
import json
from pathlib import Path

from typer.testing import CliRunner

from qc.cli import app, run

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
runner = CliRunner()

DAMAGED = "世界互联网大会\ufffd\ufffd在乌镇举行??嘉宾\ufffd参会。" * 3


def test_rules_and_explain():
    r = runner.invoke(app, ["rules"])
    assert r.exit_code == 0 and "EN01" in r.stdout and "replacement" in r.stdout
    r = runner.invoke(app, ["explain", "EN01"])
    assert r.exit_code == 0 and "What it does" in r.stdout and "Examples" in r.stdout


def test_explain_unknown_rule_is_exit_2(capsys):
    assert run(["explain", "ZZ99"]) == 2
    assert "unknown rule" in capsys.readouterr().err


def test_gate_exit_codes(tmp_path):
    (tmp_path / "bad.txt").write_text(DAMAGED)
    (tmp_path / "good.txt").write_text("世界互联网大会在乌镇举行。嘉宾参会。")
    out = tmp_path / "out"
    assert run(["scan", str(tmp_path / "good.txt"), "--out", str(out), "-q"]) == 0
    assert run(["scan", str(tmp_path / "bad.txt"), "--out", str(out), "-q", "--fail-on", "warn"]) == 1
    assert run(["scan", str(tmp_path / "bad.txt"), "--out", str(out), "-q", "--fail-on", "never"]) == 0
    assert run(["scan", str(tmp_path / "bad.txt"), "--out", str(out), "-q", "--fail-on", "sometimes"]) == 2
    assert run(["scan", "--no-such-flag", str(tmp_path)]) == 2


def test_select_ignore_flags(tmp_path):
    (tmp_path / "bad.txt").write_text(DAMAGED)
    out = tmp_path / "out"
    run(["scan", str(tmp_path / "bad.txt"), "--out", str(out), "-q", "--select", "BP", "--fail-on", "never"])
    rep = json.loads((out / "files" / "bad.txt.json").read_text())
    assert all(f["rule"].startswith("BP") for f in rep["findings"])
    run(["scan", str(tmp_path / "bad.txt"), "--out", str(out), "-q", "--ignore", "EN01,EN04", "--fail-on", "never"])
    rep = json.loads((out / "files" / "bad.txt.json").read_text())
    assert not any(f["rule"] in ("EN01", "EN04") for f in rep["findings"])


def test_config_file_is_read_and_flags_win(tmp_path, monkeypatch):
    (tmp_path / "bad.txt").write_text(DAMAGED)
    (tmp_path / "qc.toml").write_text('fail_on = "warn"\nout = "qc-out"\n')
    monkeypatch.chdir(tmp_path)
    assert run(["scan", "bad.txt", "-q"]) == 1
    assert (tmp_path / "qc-out" / "files" / "bad.txt.json").is_file()
    assert run(["scan", "bad.txt", "-q", "--fail-on", "never"]) == 0
    (tmp_path / "qc.toml").write_text('colour = "red"\n')
    assert run(["scan", "bad.txt", "-q"]) == 2


def test_internal_error_is_exit_3_without_traceback(tmp_path, monkeypatch, capsys):
    import qc.api

    def boom(*a, **k):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(qc.api, "scan", boom)
    assert run(["scan", str(SEEDS), "--out", str(tmp_path / "o"), "-q"]) == 3
    err = capsys.readouterr().err
    assert "kaboom" in err and "Traceback" not in err and "--debug" in err


def test_scan_prints_table_and_total(tmp_path):
    r = runner.invoke(app, ["scan", str(SEEDS), "--out", str(tmp_path / "o"), "-j", "1", "--fail-on", "never"])
    assert r.exit_code == 0
    assert "5 documents" in r.stdout and "004_08eb4925235832b5.txt" in r.stdout


def test_help_shows_every_default():
    """Option help is rendered as rich markup, which swallows a `[default: …]` written in brackets."""
    import re

    from typer.testing import CliRunner

    from qc.cli import app

    for cmd in (["scan", "--help"], ["baseline", "create", "--help"], ["report", "--help"]):
        text = CliRunner().invoke(app, cmd, env={"COLUMNS": "300"}).output
        assert not re.search(r"\w \.\s", text), (cmd, text)  # "Worker processes ." – a default that vanished
    assert "(default: number of cores)" in CliRunner().invoke(app, ["scan", "--help"], env={"COLUMNS": "300"}).output
