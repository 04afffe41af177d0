"""handbook.rag.documents (chapter 3): formats, decoding, skipped files and clear errors."""

from __future__ import annotations

import json
import warnings

import pytest

from handbook.errors import CorpusError, SkippedFileWarning
from handbook.rag.documents import Documents, decode, load

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


def test_load_takes_files_folders_and_lists(tmp_path):
    (tmp_path / "a.md").write_text("alpha")
    (tmp_path / "b.txt").write_text("beta")
    docs = load([tmp_path / "a.md", str(tmp_path / "b.txt")])
    assert isinstance(docs, Documents) and [d.text for d in docs] == ["alpha", "beta"] and docs.skipped == []
