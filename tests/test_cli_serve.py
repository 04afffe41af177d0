"""`handbook serve` refuses settings that cannot work, with a message and a fix, before it loads anything."""

from __future__ import annotations

import pytest

from handbook.cli import main


@pytest.fixture
def index_dir(tmp_path):
    """A folder that passes the manifest check; nothing here loads it, since every row fails first."""
    (tmp_path / "ix").mkdir()
    (tmp_path / "ix" / "manifest.json").write_text("{}")
    return str(tmp_path / "ix")


@pytest.mark.parametrize("args,message,fix", [
    (["--index", "{missing}"], "does not exist", "handbook index data/corpus"),
    (["--index", "{ix}", "--defence", "shield"], "Unknown defence shield", "output-check"),
    (["--index", "{ix}", "--defence", "spotlight,shields"], "Unknown defence shields", "sandwich"),
    (["--index", "{ix}", "--host", "0.0.0.0"], "without an API key", "HANDBOOK_SERVE_API_KEY"),
    (["--index", "{ix}", "--max-active", "0"], "at least 1", "--max-active 4"),
])
def test_bad_settings_exit_2_with_the_fix(capsys, monkeypatch, tmp_path, index_dir, args, message, fix):
    monkeypatch.delenv("HANDBOOK_SERVE_API_KEY", raising=False)
    argv = [a.format(missing=tmp_path / "nope", ix=index_dir) for a in args]
    assert main(["serve", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "fix: " in err and fix in err
    assert "Traceback" not in err
