"""Generate a realistic benchmark corpus (~100 MB by default) from real Chinese web pages.

    python bench/make_corpus.py OUT_DIR [--mb 100] [--seed 7]

Source text: the real pages in ../shared/realdata (magichtml_zh, cwced_zh): the hand-cleaned
``gold`` main content and, for a third of the documents, the ``full`` scraped page with its
real navigation, footers and widgets. Each document takes one page, drops and reorders some of
its sentences (so documents are not copies of each other) and then gets damage of every family,
made with the real tools rather than typed by hand:

  encoding     UTF-8 bytes decoded as GBK / cp1252 (mojibake, 锟斤拷), U+FFFD, zero-width and
               control characters; some .txt files saved as GB18030 bytes (not UTF-8)
  script       paragraphs or whole documents converted to Traditional with OpenCC
  pinyin       sentences replaced by pypinyin toneless / toned pinyin, or annotated with it
  offtopic     a paragraph from an unrelated page, an English paragraph, spam lines
  boilerplate  the real nav/footer lines of the full pages, punctuation-only and image lines
  format       HTML tag/entity leftovers, hard-wrapped lines, Markdown tables, exact and near
               duplicate documents, YAML front matter in .md files

Layout: ``OUT/files/<topic>/<nnnn>.txt|.md`` (about half the bytes, many small files) and
``OUT/big.jsonl`` (the other half, one record per document: {"id", "url", "text"}), plus a small
Parquet file (``--jsonl-only``: just the JSONL, for the 1 GB streaming test). ``OUT/manifest.json`` records what was injected where (counts per family).
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REALDATA = ROOT.parent / "shared" / "realdata"

_SENT = re.compile(r"(?<=[。！？；!?])")
_ENGLISH = [
    "The quick brown fox jumps over the lazy dog while the committee reviews the annual budget report.",
    "Click here to subscribe to our newsletter and get the latest deals delivered to your inbox every week.",
    "This article was originally published in English and has been machine translated for your convenience.",
    "Terms of service apply. All rights reserved. Unauthorized reproduction of this content is prohibited.",
]
_SPAM = ["澳门新葡京娱乐场 注册送88元 点击进入", "代开发票 联系QQ 12345678 微信同号", "低价出售 高仿名表 全国包邮 货到付款",
         "网赚项目 日赚500 无需押金 加群领取"]
_TAGS = ['<div class="content">', "</div>", "<br/>", "&nbsp;", "<p>", "</p>", '<span style="color:red">', "&amp;",
         "<script>var _hmt = _hmt || [];</script>"]
_NAV = ["首页 | 新闻 | 体育 | 娱乐 | 财经 | 科技", "上一篇：", "下一篇：", "责任编辑：", "版权所有 © 2023 本站 保留所有权利",
        "分享到：微信 微博 QQ空间", "扫一扫，关注我们", "------", "。。。。。。", "![图片](https://example.com/a.jpg)"]


def load_pages() -> list[dict]:
    pages = []
    for ds in ("magichtml_zh", "cwced_zh"):
        folder = REALDATA / ds
        if not folder.is_dir():
            continue
        for gold in sorted(folder.glob("*.gold.txt")):
            full = gold.with_name(gold.name.replace(".gold.txt", ".full.txt"))
            g = gold.read_text("utf-8", errors="replace")
            f = full.read_text("utf-8", errors="replace") if full.is_file() else g
            if len(g) < 200:
                continue
            gold_lines = set(x.strip() for x in g.splitlines())
            extra = [x for x in f.splitlines() if x.strip() and x.strip() not in gold_lines]
            pages.append({"name": f"{ds}/{gold.stem}", "gold": g.splitlines(), "full": f.splitlines(), "boiler": extra})
    if not pages:
        sys.exit(f"no real pages under {REALDATA}")
    return pages


class Damager:
    def __init__(self, rng: random.Random):
        import opencc
        import pypinyin

        self.rng = rng
        self.s2t = opencc.OpenCC("s2t")
        self.pypinyin = pypinyin
        self.counts: dict[str, int] = {}

    def _count(self, fam: str) -> None:
        self.counts[fam] = self.counts.get(fam, 0) + 1

    def mojibake(self, s: str) -> str:
        self._count("encoding")
        kind = self.rng.random()
        raw = s.encode("utf-8")
        if kind < 0.4:
            return raw.decode("gbk", errors="replace")            # UTF-8 read as GBK
        if kind < 0.6:
            return raw.decode("cp1252", errors="replace")         # UTF-8 read as Windows-1252
        if kind < 0.8:
            return s[: len(s) // 3] + "\ufffd" * self.rng.randint(1, 6) + s[len(s) // 3:]
        zw = self.rng.choice(["\u200b", "\u200d", "\ufeff", "\x07", "\ue000"])
        return zw.join(s[i:i + 3] for i in range(0, len(s), 3))

    def traditional(self, s: str) -> str:
        self._count("script")
        return self.s2t.convert(s)

    def pinyin(self, s: str) -> str:
        self._count("pinyin")
        P = self.pypinyin
        kind = self.rng.random()
        if kind < 0.4:
            return "".join(P.lazy_pinyin(s))                        # run-together toneless
        if kind < 0.7:
            return " ".join(x[0] for x in P.pinyin(s, style=P.Style.TONE, heteronym=False))
        out = []                                                     # annotated: 汉字(hanzi)
        for ch in s:
            out.append(ch)
            if "\u4e00" <= ch <= "\u9fff" and self.rng.random() < 0.5:
                out.append("(" + P.lazy_pinyin(ch)[0] + ")")
        return "".join(out)

    def html(self, s: str) -> str:
        self._count("format")
        t = self.rng.choice(_TAGS)
        k = self.rng.randint(0, len(s))
        return s[:k] + t + s[k:]

    def hard_wrap(self, s: str) -> str:
        self._count("format")
        w = self.rng.randint(18, 40)
        return "\n".join(s[i:i + w] for i in range(0, len(s), w))


def shuffled_lines(lines: list[str], rng: random.Random) -> list[str]:
    """Drop ~15% of sentences and reorder some within their paragraph: new text, same words."""
    out = []
    for line in lines:
        sents = [x for x in _SENT.split(line) if x]
        if len(sents) > 2:
            sents = [x for x in sents if rng.random() > 0.15] or sents[:1]
            if rng.random() < 0.5:
                rng.shuffle(sents)
        out.append("".join(sents))
    return out


def make_document(pages: list[dict], rng: random.Random, dmg: Damager, target_chars: int) -> str:
    page = rng.choice(pages)
    use_full = rng.random() < 0.33
    lines = shuffled_lines(page["full"] if use_full else page["gold"], rng)
    while sum(map(len, lines)) < target_chars:  # long documents: more of the same page, reshuffled
        lines += shuffled_lines(page["gold"], rng)
    budget, kept = 0, []
    for x in lines:
        kept.append(x)
        budget += len(x)
        if budget >= target_chars:
            break
    lines = kept
    # damage: each family hits ~1 document in 4..6, on a few lines
    r = rng.random
    for i, line in enumerate(lines):
        if len(line) < 8:
            continue
        x = r()
        if x < 0.010:
            lines[i] = dmg.mojibake(line)
        elif x < 0.018:
            lines[i] = dmg.traditional(line)
        elif x < 0.024:
            sents = [s for s in _SENT.split(line) if s]
            j = rng.randrange(len(sents))
            sents[j] = dmg.pinyin(sents[j][:60])
            lines[i] = "".join(sents)
        elif x < 0.032:
            lines[i] = dmg.html(line)
        elif x < 0.036:
            lines[i] = dmg.hard_wrap(line)
    if r() < 0.08:
        other = rng.choice(pages)
        k = rng.randrange(len(lines) + 1)
        lines[k:k] = (rng.choice([[rng.choice(_ENGLISH)], [rng.choice(_SPAM)] * rng.randint(1, 3),
                                  other["gold"][: rng.randint(2, 6)]]))
        dmg._count("offtopic")
    if r() < 0.15:
        head = rng.sample(page["boiler"] or _NAV, min(len(page["boiler"] or _NAV), rng.randint(2, 6)))
        tail = rng.sample(_NAV, 3)
        lines = head + lines + tail
        dmg._count("boilerplate")
    if r() < 0.04:
        lines.insert(rng.randrange(len(lines) + 1), "| 项目 | 数值 |\n|---|---|\n| 人口 | 1400 |")
        dmg._count("format")
    text = "\n".join(lines) + "\n"
    if r() < 0.03:
        text = dmg.traditional(text[:4000]) + text[4000:]
    return text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--mb", type=float, default=100.0, help="total size in MB (half files, half one JSONL)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--jsonl-only", action="store_true",
                    help="write only OUT/big.jsonl, of the whole --mb (the streaming-memory test: --mb 1000)")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    pages = load_pages()
    dmg = Damager(rng)
    out: Path = args.out
    (out / "files").mkdir(parents=True, exist_ok=True)
    half = int(args.mb * 1e6 / 2)
    big_half = 2 * half if args.jsonl_only else half
    if args.jsonl_only:
        half = 0
    written = 0
    n_files = 0
    recent: list[str] = []
    while written < half:
        kind = rng.random()
        target = int(rng.lognormvariate(8.3, 0.8))  # median ~4,000 characters, long tail
        text = make_document(pages, rng, dmg, max(300, min(target, 60_000)))
        if recent and rng.random() < 0.02:  # exact / near duplicates of a recent document
            text = rng.choice(recent) if rng.random() < 0.5 else rng.choice(recent)[:-20] + "（转载）\n"
            dmg._count("format")
        recent = (recent + [text])[-50:]
        topic = f"t{n_files % 40:02d}"
        name = f"{n_files:05d}"
        folder = out / "files" / topic
        folder.mkdir(exist_ok=True)
        if kind < 0.25:
            body = f"---\ntitle: 文档{n_files}\nsource: {rng.choice(pages)['name']}\n---\n" + text
            data = body.encode("utf-8")
            (folder / f"{name}.md").write_bytes(data)
        elif kind < 0.28:
            data = text.encode("gb18030", errors="replace")  # a legacy-encoded file
            (folder / f"{name}.txt").write_bytes(data)
            dmg._count("encoding")
        else:
            data = text.encode("utf-8")
            (folder / f"{name}.txt").write_bytes(data)
        written += len(data)
        n_files += 1
    big_bytes = 0
    n_recs = 0
    with open(out / "big.jsonl", "w", encoding="utf-8") as f:
        while big_bytes < big_half:
            target = int(rng.lognormvariate(7.6, 0.7))  # median ~2,000 characters
            text = make_document(pages, rng, dmg, max(200, min(target, 30_000)))
            line = json.dumps({"id": f"rec{n_recs}", "url": f"https://example.com/{n_recs}", "text": text},
                              ensure_ascii=False) + "\n"
            if rng.random() < 0.001:
                line = line[: len(line) // 2] + "\n"  # a truncated (malformed) record
            f.write(line)
            big_bytes += len(line.encode("utf-8"))
            n_recs += 1
    try:
        if args.jsonl_only:
            raise ImportError("no Parquet file in --jsonl-only mode")
        import pyarrow as pa
        import pyarrow.parquet as pq

        texts = [make_document(pages, rng, dmg, 1500) for _ in range(200)]
        pq.write_table(pa.table({"id": [f"p{i}" for i in range(len(texts))], "text": texts}), out / "small.parquet",
                       row_group_size=50)
    except ImportError:
        pass
    manifest = {"files": n_files, "jsonl_records": n_recs, "bytes": written + big_bytes, "seed": args.seed,
                "damage_counts": dict(sorted(dmg.counts.items()))}
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(json.dumps(manifest, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
