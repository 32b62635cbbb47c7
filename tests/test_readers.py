"""Record readers: JSONL (+ .gz, .zst), JSON arrays, Parquet; malformed records; unit splitting."""
import gzip
import json
from pathlib import Path

import pytest

from qc.corpus import SourceFile, read_file, walk
from qc.readers import ReadOptions, Unit, file_format, plan_file, read_unit

TEXTS = ["今天天气很好，我们去公园散步。", "北京是中国的首都，有很多名胜古迹。", "5G 和 AI 正在改变生活。",
         "他说：“明天见。”然后走了。", "这是一段\n有换行的文字。"]


def _lines():
    lines = [json.dumps({"id": f"d{i}", "text": t, "meta": {"body": t + "!"}}, ensure_ascii=False)
             for i, t in enumerate(TEXTS)]
    # line 6 blank, 7 invalid JSON, 8 not an object, 9 no text field, 10 null text, 11 empty text
    lines += ["", '{"text": "未闭合', "[1, 2]", '{"body": "没有 text"}', '{"text": null}', '{"text": "  "}']
    lines.append(json.dumps({"id": "last", "text": "最后一行没有换行符。"}, ensure_ascii=False))
    return lines


def _write_jsonl(path: Path, crlf: bool = False, final_newline: bool = False) -> bytes:
    sep = "\r\n" if crlf else "\n"
    data = (sep.join(_lines()) + (sep if final_newline else "")).encode("utf-8")
    path.write_bytes(data)
    return data


def _docs(path: Path, opts=ReadOptions(), **kw):
    src = SourceFile(str(path), path.name)
    out = []
    for unit in plan_file(src, **kw):
        out += list(read_unit(unit, opts))
    return out


def _summary(docs):
    return [(d.id, d.record, d.status, d.text, d.error) for d in docs]


def test_jsonl_records_ids_and_malformed(tmp_path):
    p = tmp_path / "a.jsonl"
    _write_jsonl(p)
    docs = _docs(p)
    ids = [d.id for d in docs]
    assert ids == [f"a.jsonl#L{n}" for n in (1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12)]  # blank line 6 skipped
    by = {d.record: d for d in docs}
    assert by["L1"].text == TEXTS[0] and by["L1"].status == "ok"
    assert by["L5"].text == TEXTS[4]
    assert by["L7"].status == "malformed" and "invalid JSON" in by["L7"].error
    assert by["L8"].status == "malformed" and "not an object" in by["L8"].error
    assert by["L9"].status == "malformed" and "no 'text' field" in by["L9"].error and "body" in by["L9"].error
    assert by["L10"].status == "malformed" and "null" in by["L10"].error
    assert by["L11"].status == "empty"
    assert by["L12"].text == "最后一行没有换行符。"
    assert all(d.path == str(p) and d.rel == "a.jsonl" for d in docs)
    assert by["L1"].sha256 and by["L1"].size_bytes > 0


def test_text_field_dotted_and_id_field(tmp_path):
    p = tmp_path / "a.jsonl"
    _write_jsonl(p)
    docs = _docs(p, ReadOptions(text_field="meta.body", id_field="id"))
    assert docs[0].text == TEXTS[0] + "!"
    assert docs[0].metadata == {"record_id": "d0"}
    assert docs[0].id == "a.jsonl#L1"  # ids stay positional


def test_invalid_utf8_record_is_malformed(tmp_path):
    p = tmp_path / "bad.jsonl"
    p.write_bytes(b'{"text": "ok \xe4\xbd\xa0"}\n{"text": "\xff\xfe bad"}\n')
    docs = _docs(p)
    assert [d.status for d in docs] == ["ok", "malformed"]
    assert "UTF-8" in docs[1].error


@pytest.mark.parametrize("crlf,final", [(False, False), (False, True), (True, True)])
def test_split_ranges_give_the_same_documents(tmp_path, crlf, final):
    p = tmp_path / "big.jsonl"
    lines = [json.dumps({"text": f"第{i}行：" + TEXTS[i % len(TEXTS)] * (1 + i % 7)}, ensure_ascii=False) for i in range(400)]
    lines[17] = "{broken"
    lines[230] = ""
    sep = "\r\n" if crlf else "\n"
    p.write_bytes((sep.join(lines) + (sep if final else "")).encode())
    whole = _docs(p, batch_bytes=1 << 30)
    units = plan_file(SourceFile(str(p), "big.jsonl"), batch_bytes=2000)
    assert len(units) > 5
    assert [u.part for u in units] == list(range(len(units))) and all(u.parts == len(units) for u in units)
    assert units[0].start == 0 and all(a.stop == b.start for a, b in zip(units, units[1:]))
    assert units[-1].stop == p.stat().st_size
    split = _docs(p, batch_bytes=2000)
    assert _summary(split) == _summary(whole)
    assert split[17].id == "big.jsonl#L18" and split[17].status == "malformed"


def test_gzip_and_zstd_match_plain(tmp_path):
    import zstandard

    plain = tmp_path / "a.jsonl"
    data = _write_jsonl(plain, final_newline=True)
    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress(data))
    (tmp_path / "a.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(data))
    want = [(d.record, d.status, d.text) for d in _docs(plain)]
    for name in ("a.jsonl.gz", "a.jsonl.zst"):
        docs = _docs(tmp_path / name)
        assert [(d.record, d.status, d.text) for d in docs] == want
        assert docs[0].id == f"{name}#L1"


def test_corrupt_gzip_is_a_finding_not_a_crash(tmp_path):
    data = ("\n".join(json.dumps({"text": t * 50}, ensure_ascii=False) for t in TEXTS * 20) + "\n").encode()
    gz = gzip.compress(data)
    p = tmp_path / "c.jsonl.gz"
    p.write_bytes(gz[: len(gz) // 2] + b"\x00garbage" * 10)
    docs = _docs(p)
    assert docs and docs[-1].status == "malformed" and "gz stream is corrupt" in docs[-1].error
    # records before the damage are read (garbage inflated after it may give malformed lines too)
    assert all(d.status == "ok" for d in docs[:30])


def test_json_array_object_and_invalid(tmp_path):
    (tmp_path / "arr.json").write_text(json.dumps([{"text": t} for t in TEXTS[:3]] + [42], ensure_ascii=False), "utf-8")
    docs = _docs(tmp_path / "arr.json")
    assert [d.id for d in docs] == ["arr.json#R0", "arr.json#R1", "arr.json#R2", "arr.json#R3"]
    assert docs[3].status == "malformed"
    (tmp_path / "one.json").write_text(json.dumps({"text": TEXTS[0]}, ensure_ascii=False), "utf-8")
    assert [d.id for d in _docs(tmp_path / "one.json")] == ["one.json#R0"]
    (tmp_path / "bad.json").write_text('[{"text": "x"},', "utf-8")
    bad = _docs(tmp_path / "bad.json")
    assert len(bad) == 1 and bad[0].status == "malformed" and bad[0].record is None and "invalid JSON" in bad[0].error


def test_parquet_rows_row_groups_and_missing_column(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    texts = [TEXTS[i % len(TEXTS)] + f"（{i}）" for i in range(50)]
    texts[7] = None
    pq.write_table(pa.table({"id": [f"r{i}" for i in range(50)], "text": texts}), tmp_path / "t.parquet", row_group_size=8)
    whole = _docs(tmp_path / "t.parquet", ReadOptions(id_field="id"), batch_rows=10_000)
    split = _docs(tmp_path / "t.parquet", ReadOptions(id_field="id"), batch_rows=10)
    assert len(plan_file(SourceFile(str(tmp_path / "t.parquet"), "t.parquet"), batch_rows=10)) > 1
    assert _summary(whole) == _summary(split)
    assert [d.id for d in whole][:3] == ["t.parquet#R0", "t.parquet#R1", "t.parquet#R2"]
    assert whole[7].status == "malformed" and whole[8].text == texts[8]
    assert whole[8].metadata == {"record_id": "r8"}
    pq.write_table(pa.table({"body": ["x"]}), tmp_path / "nocol.parquet")
    bad = _docs(tmp_path / "nocol.parquet")
    assert len(bad) == 1 and bad[0].status == "malformed" and "'text' column" in bad[0].error
    (tmp_path / "junk.parquet").write_bytes(b"not parquet at all")
    junk = _docs(tmp_path / "junk.parquet")
    assert len(junk) == 1 and junk[0].status == "malformed"


def test_registry_walk_and_read_file(tmp_path):
    _write_jsonl(tmp_path / "a.jsonl")
    (tmp_path / "b.txt").write_text("普通文本文件。", "utf-8")
    files, bad = walk([str(tmp_path)])
    assert [f.rel for f in files] == ["a.jsonl", "b.txt"] and not bad
    docs = list(read_file(files[0]))
    assert docs[0].id == "a.jsonl#L1" and len(docs) == 11
    assert file_format("x.JSONL.GZ") == "jsonl.gz" and file_format("y.md") == "text"


def test_empty_files(tmp_path):
    for name in ("e.jsonl", "e.jsonl.gz", "e.json", "e.parquet"):
        (tmp_path / name).write_bytes(b"")
        docs = _docs(tmp_path / name)
        assert len(docs) == 1 and docs[0].status == "empty" and docs[0].record is None, name
    (tmp_path / "blank.jsonl").write_text("\n\n  \n", "utf-8")
    docs = _docs(tmp_path / "blank.jsonl")
    assert len(docs) == 1 and docs[0].status == "empty"


def test_unreadable_unit(tmp_path):
    unit = Unit(SourceFile(str(tmp_path / "missing.jsonl"), "missing.jsonl"), "jsonl", first=1)
    docs = list(read_unit(unit))
    assert len(docs) == 1 and docs[0].status == "unreadable"
