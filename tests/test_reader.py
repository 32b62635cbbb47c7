"""Reading: encoding detection, bad inputs, walking."""
import os
import re
from pathlib import Path

import pytest

from qc.corpus import SourceFile, decode_bytes, parse_front_matter, read_file, walk
from conftest import shared_path

TEXT = "世界互联网大会在乌镇落下帷幕，来自全球的嘉宾围绕数字经济、人工智能与网络安全展开讨论。"


def read_one(path: Path):
    docs = list(read_file(SourceFile(str(path), path.name)))
    assert len(docs) == 1
    return docs[0]


@pytest.mark.parametrize("codec,extra", [("gb2312", ""), ("gbk", "朱镕基说"), ("gb18030", "龘䶮"), ("big5", ""), ("utf-16", "")])
def test_legacy_codecs_decode_and_are_named(tmp_path, codec, extra):
    text = TEXT + extra if codec != "big5" else "維基大典者，網路為礎；集天下知、四海言，以成典籍。今日之世界互聯網大會在烏鎮舉行。"
    p = tmp_path / f"x.{codec}.txt"
    p.write_bytes(text.encode(codec))
    doc = read_one(p)
    assert doc.status == "ok"
    assert doc.text == text
    expected = {"utf-16": "utf-16"}.get(codec, codec)
    assert doc.encoding.name == expected
    assert doc.encoding.decode_errors == 0


def test_utf8_bom_noted_and_stripped(tmp_path):
    p = tmp_path / "bom.txt"
    p.write_bytes(b"\xef\xbb\xbf" + TEXT.encode())
    doc = read_one(p)
    assert doc.text == TEXT and doc.encoding.bom and doc.encoding.name == "utf-8"


def test_undecodable_bytes_have_offsets(tmp_path):
    raw = TEXT.encode("gbk")
    bad = raw[:10] + b"\xff" + raw[10:]
    p = tmp_path / "bad.txt"
    p.write_bytes(bad)
    doc = read_one(p)
    assert doc.encoding.name in ("gb2312", "gbk", "gb18030")
    assert doc.encoding.decode_errors >= 1
    assert 10 in doc.encoding.error_bytes
    s, e = doc.encoding.error_spans[0]
    assert doc.text[s:e] == "\ufffd"


def test_invalid_utf8_in_mostly_utf8_text(tmp_path):
    p = tmp_path / "broken.txt"
    p.write_bytes(TEXT.encode()[:-1] + "后续文本".encode())  # a cut multi-byte character
    doc = read_one(p)
    assert doc.status == "ok"
    assert "后续文本" in doc.text or doc.encoding.decode_errors


def test_binary_empty_whitespace_unreadable(tmp_path):
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 100)
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "ws.txt").write_text("  \n\n\t \n")
    assert read_one(tmp_path / "bin.txt").status == "binary"
    assert read_one(tmp_path / "empty.txt").status == "empty"
    assert read_one(tmp_path / "ws.txt").status == "empty"
    missing = list(read_file(SourceFile(str(tmp_path / "nope.txt"), "nope.txt")))[0]
    assert missing.status == "unreadable" and "No such file" in missing.error


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read chmod 000 files")
def test_permission_denied(tmp_path):
    p = tmp_path / "locked.txt"
    p.write_text(TEXT)
    p.chmod(0)
    try:
        assert read_one(p).status == "unreadable"
    finally:
        p.chmod(0o644)


def test_walk_sorted_recursive_and_multi_root(tmp_path):
    for rel in ["b/2.txt", "a/1.md", "a/z.txt", ".hidden/x.txt", "c/skip.bin"]:
        f = tmp_path / "root" / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(TEXT)
    files, bad = walk([str(tmp_path / "root")])
    assert [f.rel for f in files] == ["a/1.md", "a/z.txt", "b/2.txt"]
    assert not bad
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "1.md").write_text(TEXT)
    files, _ = walk([str(tmp_path / "root" / "a"), str(tmp_path / "other")])
    assert [f.rel for f in files] == ["a/1.md", "a/z.txt", "other/1.md"]
    files, bad = walk([str(tmp_path / "missing")])
    assert not files and len(bad) == 1


def test_front_matter():
    text = "---\ntitle: 标题\nurl: https://example.com\ndate: 2022-11-12\n---\n\n# 标题\n正文。"
    meta, span = parse_front_matter(text)
    assert meta["title"] == "标题" and meta["url"] == "https://example.com"
    assert text[span[0]:span[1]].startswith("---") and text[span[1]:].startswith("\n# 标题")
    assert parse_front_matter("正文 --- 不是")[1] is None


def _expected_text(path: Path, codec: str) -> str | None:
    try:
        return path.read_bytes().decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def test_realdata_legacy_files_decode_with_right_codec():
    folder = shared_path("realdata", "legacy")
    checked = 0
    for path in sorted(folder.iterdir()):
        m = re.match(r"(?:cwced|charset_mnbvc|charset_normalizer)__[^_]+(?:_[^_]+)*?__([a-z0-9-]+?)(?:-with-errors|-DAMAGED.*)?(?:__|\.)", path.name)
        if not m:
            continue
        label = m.group(1)
        doc = read_one(path)
        assert doc.status == "ok", path.name
        if "with-errors" in path.name:
            assert doc.encoding.decode_errors > 0, path.name
            assert doc.encoding.name in ("gb2312", "gbk", "gb18030"), (path.name, doc.encoding.name)
            continue
        # the reported codec must decode the bytes to the same text as the labelled one;
        # within the GB family qc names the narrowest codec that does (gb2312 ⊂ gbk ⊂ gb18030)
        truth = _expected_text(path, {"gb2312": "gbk"}.get(label, label))
        assert truth is not None, path.name
        assert doc.text == truth, (path.name, doc.encoding.name)
        fam = {"gb2312", "gbk", "gb18030"}
        assert doc.encoding.name == label or (label in fam and doc.encoding.name in fam), (path.name, doc.encoding.name)
        checked += 1
    assert checked >= 45
