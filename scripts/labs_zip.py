"""Write the zip of all labs that the site offers: _build/html/_downloads/handbook-labs.zip.

    python scripts/labs_zip.py                 # after `make book` or `make book-noexec` (both run it)
    python scripts/labs_zip.py --site DIR      # into DIR/_downloads/ instead

The zip holds every lab notebook with its committed outputs, and the data and
prompt templates the labs read, in the repository's own layout (labs/, data/,
prompts/), plus a README.txt on how to run them. The same files in, the same
bytes out: entries are sorted and dated 2026-01-01, so rebuilding the site does
not change the download.

Deliberately left out: the library and the model (the labs' first cell installs
them when a lab runs outside the repository), chapters (the PDF has them).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAME = "handbook-labs.zip"
FOLDERS = ("labs", "data", "prompts")
SKIP = (".ipynb_checkpoints", "__pycache__", ".DS_Store")
STAMP = (2026, 1, 1, 0, 0, 0)
README = """The GenAI Engineering Handbook: the labs
=========================================

labs/      the six lab notebooks, with the outputs they printed when the book was built
data/      the small datasets they read (tickets, golden questions, the corpus snapshot, ...)
prompts/   the versioned prompt templates they render

To read them, open any notebook in JupyterLab or VS Code: the outputs are saved.

To run them you need the handbook's library and its local model:

* In a clone of the repository (the same files are in it already):
      git clone {repo}
      cd {folder} && make setup && make lab
* Anywhere else with internet (Colab, a fresh laptop): run the lab's first code cell.
  Outside the repository it clones it, pip-installs the handbook and its model packages
  from PyPI (about 10 minutes the first time), and moves into the clone's labs/ folder.
"""


def files() -> list[Path]:
    """Every file that goes into the zip, relative to the repository, sorted.

    In a git checkout, the files git tracks or would track (.gitignore respected, so no run
    artefacts); elsewhere, every file under the folders.
    """
    try:
        out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", *FOLDERS],
                             cwd=ROOT, check=True, capture_output=True, text=True).stdout
        found = [Path(line) for line in out.splitlines() if (ROOT / line).is_file()]
    except (OSError, subprocess.CalledProcessError):
        found = [p.relative_to(ROOT) for folder in FOLDERS for p in (ROOT / folder).rglob("*") if p.is_file()]
    return sorted({p for p in found if not any(part in SKIP for part in p.parts)})


def repository() -> str:
    """The repository URL from _config.yml."""
    import yaml

    return yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]


def write(dest: Path) -> Path:
    """Write the zip to `dest` (a file path) and return it."""
    repo = repository()
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        text = README.format(repo=repo, folder=repo.rstrip("/").rsplit("/", 1)[-1])
        z.writestr(zipfile.ZipInfo("README.txt", STAMP), text)
        for rel in files():
            info = zipfile.ZipInfo(rel.as_posix(), STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, (ROOT / rel).read_bytes())
    tmp.replace(dest)
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html", help="the built site (default _build/html)")
    args = parser.parse_args(argv)
    if not (args.site / "index.html").exists():
        print(f"error: no built site at {args.site}; run `make book-noexec` first", file=sys.stderr)
        return 1
    out = write(args.site / "_downloads" / NAME)
    with zipfile.ZipFile(out) as z:
        labs = [n for n in z.namelist() if n.startswith("labs/") and n.endswith(".ipynb")]
        print(f"wrote {out} ({out.stat().st_size / 1e3:.0f} kB): {len(labs)} labs, {len(z.namelist())} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
