"""handbook.files: atomic writes leave the old file or the new one, never half of one (chapter 4)."""

from __future__ import annotations

import os
import stat

import pytest

from handbook.files import atomic_write


@pytest.mark.parametrize("text, expected", [
    ("one line\n", "one line\n"),
    (["a\n", "b\n"], "a\nb\n"),                     # pieces are streamed in order
    ((f"{i}\n" for i in range(3)), "0\n1\n2\n"),  # a generator works too
    ("", ""),
    ("naïve ✓\n", "naïve ✓\n"),                   # always UTF-8
])
def test_writes_text_and_creates_folders(tmp_path, text, expected):
    path = atomic_write(tmp_path / "new" / "deeper" / "out.txt", text)
    assert path.read_text(encoding="utf-8") == expected
    assert os.listdir(path.parent) == ["out.txt"]  # no temporary file left behind


def test_a_failed_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "results.jsonl"
    path.write_text("old\n")

    def pieces():
        yield "new, half written\n"
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        atomic_write(path, pieces())
    assert path.read_text() == "old\n" and os.listdir(tmp_path) == ["results.jsonl"]


def test_the_file_gets_ordinary_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        path = atomic_write(tmp_path / "data.txt", "x")
    finally:
        os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # not mkstemp's private 0o600
