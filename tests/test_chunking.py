"""handbook.rag.chunking (chapter 3): headings start chunks, overlap, splitting, and the chunker's invariants."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handbook.errors import ChunkingError
from handbook.rag.chunking import chunk
from handbook.records import Chunk, Document


def words(text: str) -> int:
    """A whitespace token counter: additive over whitespace-separated pieces, so sizes are exact."""
    return len(text.split())

def test_headings_start_chunks_and_code_comments_are_not_headings():
    text = "# One\n\nalpha beta\n\n```python\n# not a heading\nx = 1\n```\n\n## Two\n\ngamma\n\nRST\n===\n\ndelta\n"
    chunks = chunk(Document("t.md", text), size=100, overlap=0, tokens=words)
    assert [c.heading for c in chunks] == ["One", "Two", "RST"]
    assert "# not a heading" in chunks[0].text
    assert [(c.start_line, c.end_line) for c in chunks] == [(1, 8), (10, 12), (14, 17)]


def test_overlap_repeats_the_last_paragraph():
    paras = [" ".join(f"w{i}_{j}" for j in range(10)) for i in range(6)]
    doc = Document("p.md", "\n\n".join(paras) + "\n")
    chunks = chunk(doc, size=30, overlap=10, tokens=words)
    assert [c.text.count("\n\n") + 1 for c in chunks] == [3, 3, 2]
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert a.text.split("\n\n")[-1] == b.text.split("\n\n")[0]


def test_oversized_paragraph_is_split_at_words():
    doc = Document("long.txt", " ".join(f"w{i}" for i in range(250)))
    chunks = chunk(doc, size=100, overlap=0, tokens=words)
    assert [words(c.text) for c in chunks] == [84, 84, 82]  # balanced, not 100 + 100 + 50


@pytest.mark.parametrize(("size", "overlap"), [(0, 0), (10, 10), (10, -1)])
def test_bad_chunk_parameters(size, overlap):
    with pytest.raises(ChunkingError, match="Bad chunking parameters"):
        chunk(Document("x", "text"), size=size, overlap=overlap, tokens=words)


def test_default_counter_is_the_embedding_tokenizer():
    [c] = chunk(Document("x.md", "Tokenization splits unbelievable words."), size=50, overlap=0)
    assert c.n_tokens > 5  # word pieces, not words


WORD = st.text(alphabet="abcxyz", min_size=1, max_size=6)
LINE = st.lists(WORD, min_size=1, max_size=12).map(" ".join)
BLOCK = st.one_of(
    st.lists(LINE, min_size=1, max_size=4).map("\n".join),  # a paragraph
    WORD.map(lambda w: f"## {w}"),  # a heading
    st.lists(LINE, min_size=1, max_size=3).map(lambda ls: "```\n# comment\n" + "\n".join(ls) + "\n```"),
)
DOC = st.lists(BLOCK, min_size=1, max_size=12).flatmap(
    lambda blocks: st.lists(st.sampled_from(["\n\n", "\n\n\n", "\n \n"]), min_size=len(blocks), max_size=len(blocks))
    .map(lambda seps: "".join(b + s for b, s in zip(blocks, seps, strict=True))))


@settings(max_examples=150, deadline=None)
@given(text=DOC, size=st.integers(1, 40), overlap_frac=st.floats(0, 0.9))
def test_chunker_invariants(text, size, overlap_frac):
    overlap = int(size * overlap_frac)
    doc = Document("d.md", text)
    chunks = chunk(doc, size=size, overlap=overlap, tokens=words)
    covered = [False] * len(text)
    for c in chunks:
        assert isinstance(c, Chunk) and c.source == "d.md"
        assert c.text == text[c.start:c.end] and c.text == c.text.strip() and c.text  # exact, trimmed slices
        assert c.start_line == text.count("\n", 0, c.start) + 1  # positions
        assert c.end_line == text.count("\n", 0, c.end - 1) + 1
        assert words(c.text) <= size  # size (whitespace tokens are additive, so this is exact)
        for i in range(c.start, c.end):
            covered[i] = True
    assert all(covered[i] for i, ch in enumerate(text) if not ch.isspace())  # coverage
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert a.start < b.start and a.end < b.end  # always moves forward
        if b.start < a.end:  # overlap only inside a section, and at most `overlap` tokens
            assert a.heading == b.heading
            assert words(text[b.start:a.end]) <= overlap
    for c in chunks:  # a heading line only ever opens a chunk
        body_lines = c.text.splitlines()[1:]
        in_fence = c.text.startswith("```")
        for line in body_lines:
            if line.startswith("```"):
                in_fence = not in_fence
            assert in_fence or not line.startswith("## ")
