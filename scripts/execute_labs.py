"""Execute labs in place, one after another, and print how long each took (for `make labs-execute`).

Run it after changing a lab, a prompt, or a chapter that a lab indexes (labs 3, 4 and 6 read
chapters 1 and 3). Outputs are written back into the notebooks, ready to commit and for nbval
to compare against.
"""

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

paths = [Path(p) for p in sys.argv[1:]] or sorted(Path("labs").glob("lab*.ipynb"))
print(f"{'lab':32s} {'seconds':>8s}")
for path in paths:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    nbformat.write(nb, path)
    print(f"{path.name:32s} {time.perf_counter() - start:8.1f}", flush=True)
