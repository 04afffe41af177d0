"""Cutting documents into chunks for retrieval: token-aware, heading-respecting, with overlap.

`chunk()` packs paragraphs into chunks of about `size` tokens with about
`overlap` tokens repeated between neighbours. A heading (Markdown `#`, or an
RST title underlined with `===`/`---`) always starts a new chunk, so no chunk
spans two sections; code fences are kept whole; a paragraph is split (at
line ends, then at words) only when it alone is bigger than `size`. Every
chunk is an exact slice of its document's text, so it keeps character
offsets and line numbers, plus the heading of its section.

Sizes are counted with the embedding model's own tokenizer by default, so a
"200-token chunk" is 200 of the word pieces the encoder sees; any
`tokens(text) -> int` can be passed instead.

    chunk(load("chapters/03-rag.md"), size=200, overlap=40)
    -> [Chunk(source="chapters/03-rag.md", text="# Vector databases and retrieval-augmented generation\n\nA language model ...", start=0, start_line=1, ...), ...]

Deliberately left out: semantic (embedding-based) boundaries, sentence
splitting, and chunks that span sections.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable

from ..errors import ChunkingError
from ..records import Chunk

_HEADING = re.compile(r"^#{1,6}\s+\S")
_UNDERLINE = re.compile(r"^([=\-~^\"'*+#`])\1{2,}\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


def _paragraphs(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, is_heading) spans of paragraphs; headings are their own paragraphs. Code fences are kept whole."""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    spans: list[tuple[int, int, bool]] = []
    start, in_fence, skip = None, False, False
    for i, line in enumerate(lines):
        if skip:  # an RST underline already taken into its heading
            skip = False
            continue
        bare = line.strip()
        underlined = (not in_fence and bare and i + 1 < len(lines) and not _UNDERLINE.match(line)
                      and _UNDERLINE.match(lines[i + 1]) and len(lines[i + 1].strip()) >= len(bare))
        heading = not in_fence and (bool(_HEADING.match(line)) or bool(underlined))
        if heading or (not bare and not in_fence):
            if start is not None:
                spans.append((start, offsets[i], False))
                start = None
            if heading:
                spans.append((offsets[i], offsets[i + 2] if underlined else offsets[i + 1], True))
                skip = bool(underlined)
        elif start is None:
            start = offsets[i]
        if _FENCE.match(line):
            in_fence = not in_fence
    if start is not None:
        spans.append((start, len(text), False))
    return [(s, e, h) for s, e, h in spans if text[s:e].strip()]


def _split_big(text: str, start: int, end: int, size: int, tokens: Callable[[str], int]) -> list[tuple[int, int]]:
    """Split one oversized paragraph into near-equal pieces, preferring line ends, else word boundaries."""
    words = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", text[start:end])]
    counts = [max(1, tokens(text[ws:we])) for ws, we in words]
    target = -(-sum(counts) // -(-sum(counts) // size))  # balanced: no tiny leftover piece at the end
    pieces, cur, n = [], None, 0
    for (ws, we), t in zip(words, counts, strict=True):
        breaks_line = cur is not None and "\n" in text[cur[1]:ws] and n >= target // 2
        if cur is not None and (n + t > target or breaks_line):
            pieces.append(cur)
            cur, n = None, 0
        cur, n = ((ws, we) if cur is None else (cur[0], we)), n + t
    if cur is not None:
        pieces.append(cur)
    return pieces


def _strip(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def chunk(docs, size: int = 200, overlap: int = 40,
          tokens: Callable[[str], int] | None = None) -> list[Chunk]:
    """Cut documents into heading-respecting chunks of about `size` tokens, `overlap` shared (chapter 3)."""
    if size < 1 or not 0 <= overlap < size:
        raise ChunkingError(f"Bad chunking parameters size={size}, overlap={overlap}.",
                            "use size >= 1 and 0 <= overlap < size, e.g. size=200 overlap=40")
    if tokens is None:
        from .embeddings import embedder_tokens as tokens
    out: list[Chunk] = []
    for doc in [docs] if hasattr(docs, "text") else docs:  # one Document, or many
        text = doc.text
        newlines = [i for i, ch in enumerate(text) if ch == "\n"]

        def line_of(offset: int, _nl=newlines) -> int:
            return bisect.bisect_left(_nl, offset) + 1

        # units: (start, end, n_tokens, section); a heading opens a new section and joins its first chunk
        units, section, heading = [], 0, ""
        for s, e, is_heading in _paragraphs(text):
            s, e = _strip(text, s, e)
            if is_heading:
                section += 1
                heading = text[s:e].splitlines()[0].lstrip("#").strip()
            n = max(1, tokens(text[s:e]))
            pieces = [(s, e, n)] if n <= size else [(a, b, max(1, tokens(text[a:b])))
                                                    for a, b in _split_big(text, s, e, size, tokens)]
            units += [(a, b, m, section, heading) for a, b, m in pieces]
        i = 0
        while i < len(units):
            j, total = i, 0
            while j < len(units) and units[j][3] == units[i][3] and (j == i or total + units[j][2] <= size):
                total += units[j][2]
                j += 1
            s, e = units[i][0], units[j - 1][1]
            out.append(Chunk(doc.path, text[s:e], s, e, line_of(s), line_of(e - 1), units[i][4], total))
            if j >= len(units) or units[j][3] != units[i][3]:
                i = j
                continue
            # step back over trailing units that fit in `overlap`, leaving room for the next new unit
            back, k = 0, j
            while k - 1 > i and back + units[k - 1][2] <= overlap and back + units[k - 1][2] + units[j][2] <= size:
                back += units[k - 1][2]
                k -= 1
            i = k
    return out
