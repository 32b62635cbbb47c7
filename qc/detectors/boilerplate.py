"""Boilerplate lines (family ``boilerplate``).

Catches:
- ``punctuation_lines``: lines made only of punctuation, symbols or separators (``------``, ``|``, ``…``).
- ``markdown_images``: Markdown image lines ``![alt](url)`` (and lines of only images/links to images).
How: one regex per line kind, lines merged into one finding per consecutive block.
Known false positives: a poem's separator line ``* * *`` that an editor meant as content.
"""
from __future__ import annotations

import re

from ..model import Hit
from . import detector

_PUNCT_LINE = re.compile(r"[\s\W_]+")
_MD_IMAGE_LINE = re.compile(r"\s*(?:\[?!\[[^\]\n]*\]\([^)\n]*\)\]?(?:\([^)\n]*\))?\s*)+")


def merge_line_blocks(doc, is_match, kind: str, min_lines: int = 1):
    """Consecutive matching lines → one Hit each block (blank lines don't break a block)."""
    start = end = None
    count = 0
    for s, e, line in doc.lines():
        if not line.strip():
            continue
        if is_match(line):
            if start is None:
                start, count = s, 0
            end, count = e, count + 1
        elif start is not None:
            if count >= min_lines:
                yield Hit(start, end, f"{kind}: {count} line{'s' if count > 1 else ''}", suggestion="")
            start = None
    if start is not None and count >= min_lines:
        yield Hit(start, end, f"{kind}: {count} line{'s' if count > 1 else ''}", suggestion="")


@detector("punctuation_lines")
def punctuation_lines(doc, profile, params):
    def match(line: str) -> bool:
        return _PUNCT_LINE.fullmatch(line) is not None and len(line.strip()) >= int(params["min_chars"])

    yield from merge_line_blocks(doc, match, "punctuation-only line")


punctuation_lines.param_defaults = {"min_chars": 1}


@detector("markdown_images")
def markdown_images(doc, profile, params):
    if "![" not in doc.text:
        return
    yield from merge_line_blocks(doc, lambda line: _MD_IMAGE_LINE.fullmatch(line) is not None, "Markdown image line")


markdown_images.param_defaults = {}
