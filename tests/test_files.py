"""handbook.files: atomic files and folders (the old one or the new one, never half), and JSON Lines."""

from __future__ import annotations

import os
import stat
import threading

import pytest

from handbook.errors import DataFileError
from handbook.files import append_jsonl, atomic_folder, atomic_write, read_jsonl, write_jsonl


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


# ------------------------------------------------------------------------------------------------ atomic_folder
def test_atomic_folder_replaces_the_old_folder_whole(tmp_path):
    target = tmp_path / "index"
    target.mkdir()
    (target / "old.txt").write_text("old")
    with atomic_folder(target) as tmp:
        assert tmp.parent == tmp_path and tmp != target and not list(tmp.iterdir())
        (tmp / "new.txt").write_text("new")
        assert (target / "old.txt").exists()  # readers see the old folder until the block ends
    assert [p.name for p in target.iterdir()] == ["new.txt"]
    assert os.listdir(tmp_path) == ["index"]  # no temporary or old folder left behind


def test_atomic_folder_keeps_the_old_folder_if_the_block_raises(tmp_path):
    target = tmp_path / "index"
    target.mkdir()
    (target / "old.txt").write_text("old")
    with pytest.raises(RuntimeError, match="crash"), atomic_folder(target) as tmp:
        (tmp / "half.txt").write_text("half")
        raise RuntimeError("crash")
    assert [p.name for p in target.iterdir()] == ["old.txt"] and (target / "old.txt").read_text() == "old"
    assert os.listdir(tmp_path) == ["index"]


def test_atomic_folder_creates_parents_and_ordinary_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        with atomic_folder(tmp_path / "a" / "b") as tmp:
            (tmp / "x").write_text("x")
    finally:
        os.umask(umask)
    assert (tmp_path / "a" / "b" / "x").read_text() == "x"
    assert stat.S_IMODE((tmp_path / "a" / "b").stat().st_mode) == 0o755  # not mkdtemp's private 0o700


# ------------------------------------------------------------------------------------------------ JSON Lines
def test_write_and_read_jsonl_round_trip(tmp_path):
    records = [{"b": 1, "a": "naïve ✓"}, {"nested": {"x": [1, 2]}}]
    path = write_jsonl(tmp_path / "sub" / "d.jsonl", records)
    assert read_jsonl(path) == records
    assert path.read_text(encoding="utf-8").splitlines()[0] == '{"b": 1, "a": "naïve ✓"}'  # key order kept
    write_jsonl(path, records, sort_keys=True)
    assert path.read_text(encoding="utf-8").splitlines()[0] == '{"a": "naïve ✓", "b": 1}'


def test_write_jsonl_keeps_the_old_file_if_records_fail(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [{"a": 1}])

    def exploding():
        yield {"a": 2}
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_jsonl(path, exploding())
    assert read_jsonl(path) == [{"a": 1}] and os.listdir(tmp_path) == ["d.jsonl"]


@pytest.mark.parametrize("text, message", [
    ('{"a": 1}\n\n{oops}\n', r"d\.jsonl:3: not valid JSON"),          # blank lines are skipped, not counted out
    ('{"a": 1}\n[1, 2]\n', r"d\.jsonl:2: expected a JSON object, got list"),
    ('"text"\n', r"d\.jsonl:1: expected a JSON object, got str"),
])
def test_read_jsonl_names_file_and_line(tmp_path, text, message):
    path = tmp_path / "d.jsonl"
    path.write_text(text)
    with pytest.raises(DataFileError, match=message) as err:
        read_jsonl(path)
    assert err.value.fix


def test_read_jsonl_missing_file(tmp_path):
    with pytest.raises(DataFileError, match="no such file"):
        read_jsonl(tmp_path / "nope.jsonl")


def test_append_jsonl_adds_lines_and_creates_folders(tmp_path):
    path = tmp_path / "logs" / "t.jsonl"
    append_jsonl(path, {"b": 1, "a": 2})
    append_jsonl(path, {"c": "ü"})
    assert read_jsonl(path) == [{"a": 2, "b": 1}, {"c": "ü"}]
    assert path.read_text(encoding="utf-8") == '{"a": 2, "b": 1}\n{"c": "ü"}\n'


def test_appends_from_many_threads_never_interleave(tmp_path):
    path = tmp_path / "t.jsonl"

    def work(k):
        for i in range(50):
            append_jsonl(path, {"thread": k, "i": i, "pad": "x" * 2000})

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    records = read_jsonl(path)
    assert len(records) == 400 and sorted((r["thread"], r["i"]) for r in records)[-1] == (7, 49)
