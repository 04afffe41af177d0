"""Loading and chunking (chapter 3): formats, decoding, skipped files, and chunker invariants."""

from __future__ import annotations

import json
import warnings

import pytest
from handbook.documents import Chunk, CorpusError, Document, SkippedFileWarning, chunk, decode, load
from handbook.errors import HandbookError
from hypothesis import given, settings
from hypothesis import strategies as st


def words(text: str) -> int:
    """A whitespace token counter: additive over whitespace-separated pieces, so sizes are exact."""
    return len(text.split())


# ------------------------------------------------------------------------------------------------ loading
NOTEBOOK = json.dumps({"cells": [{"cell_type": "markdown", "source": ["# Lab\n", "Some prose."]},
                                 {"cell_type": "code", "source": "print('hi')"}], "nbformat": 4})

FORMATS = [  # (file name, bytes on disk, text that must appear, encoding recorded)
    ("a.md", b"# Title\n\nBody text.\n", "Body text.", "utf-8"),
    ("b.txt", "caf\u00e9 au lait\n".encode(), "caf\u00e9", "utf-8"),
    ("c.rst", b"Title\n=====\n\nSome rst.\n", "Some rst.", "utf-8"),
    ("d.html", b"<html><head><style>x{}</style></head><body><h2>Head</h2><p>Para &amp; more</p>"
               b"<script>evil()</script></body></html>", "## Head\n\nPara & more", "utf-8"),
    ("e.ipynb", NOTEBOOK.encode(), "```python\nprint('hi')\n```", "utf-8"),
    ("f.txt", b"caf\xe9 cr\xe8me\n", "caf\u00e9 cr\u00e8me", "cp1252"),  # not UTF-8: decoded, not mangled
    ("g.txt", "\ufeffsmart \u201cquotes\u201d\n".encode("utf-16"), "smart \u201cquotes\u201d", "utf-16"),
    ("h.md", b"\xef\xbb\xbfBOM first\r\nwindows lines\r\n", "BOM first\nwindows lines", "utf-8"),
]


@pytest.mark.parametrize(("name", "data", "expected", "encoding"), FORMATS)
def test_load_formats(tmp_path, name, data, expected, encoding):
    (tmp_path / name).write_bytes(data)
    [doc] = load(tmp_path / name)
    assert expected in doc.text
    assert doc.encoding == encoding
    assert "evil" not in doc.text and "x{}" not in doc.text


def test_load_folder_recursive_sorted_and_skips(tmp_path):
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "z.md").write_text("zed")
    (tmp_path / "sub" / "a.txt").write_text("alpha")
    (tmp_path / "sub" / "deeper" / "b.rst").write_text("beta")
    (tmp_path / "image.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")  # binary with a text suffix
    (tmp_path / "ignored.py").write_text("print()")  # unsupported suffix inside a folder: not considered
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.md").write_text("hidden")
    (tmp_path / "big.txt").write_text("word " * 1000)
    with pytest.warns(SkippedFileWarning) as caught:
        docs = load(tmp_path, max_bytes=1000)
    assert [d.path for d in docs] == [f"{tmp_path.as_posix()}/{p}" for p in ("sub/a.txt", "sub/deeper/b.rst", "z.md")]
    reasons = dict(docs.skipped)
    assert len(docs.skipped) == 2 == len(caught)
    assert "binary" in reasons[f"{tmp_path.as_posix()}/image.md"]
    assert "too large" in reasons[f"{tmp_path.as_posix()}/big.txt"]


ERRORS = [  # (setup, words the message must contain)
    (lambda p: p, "No text documents"),  # an empty folder
    (lambda p: (p / "x.md").write_bytes(b"\x00\x01\x02") and p, "binary"),  # only a binary file
    (lambda p: (p / "x.md").write_text("   \n\n") and p, "No text documents"),  # only whitespace
    (lambda p: p / "missing", "no such file"),
    (lambda p: (p / "x.pdf").write_bytes(b"%PDF") and p / "x.pdf", "unsupported type .pdf"),
]


@pytest.mark.parametrize(("make", "needle"), ERRORS)
def test_load_errors_are_clear(tmp_path, make, needle):
    target = make(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SkippedFileWarning)
        with pytest.raises(CorpusError) as err:
            load(target)
    assert needle in err.value.message
    assert err.value.fix


@pytest.mark.parametrize(("data", "text", "encoding"), [
    (b"plain", "plain", "utf-8"), (b"\xe9t\xe9", "\u00e9t\u00e9", "cp1252"), (b"\x81\x8d", "\x81\x8d", "latin-1"),
])
def test_decode_fallbacks(data, text, encoding):
    assert decode(data) == (text, encoding)


# ------------------------------------------------------------------------------------------------ chunking
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
    assert [words(c.text) for c in chunks] == [100, 100, 50]


@pytest.mark.parametrize(("size", "overlap"), [(0, 0), (10, 10), (10, -1)])
def test_bad_chunk_parameters(size, overlap):
    with pytest.raises(HandbookError, match="Bad chunking parameters"):
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
