"""Atomic file writes: a crash, a full disk or Ctrl-C never leaves half a file.

Every result file the handbook writes (TREC qrels and runs, experiment
results, fine-tuning datasets, `handbook search --run` output) goes through
`atomic_write`. The text goes to a temporary file in the target's folder, is
flushed to disk, and only then renamed over the target with `os.replace`,
which is atomic on POSIX and on Windows. A reader therefore sees the old file
or the new one, never a mix, and a failed write leaves the old file intact.
The temporary file gets the permissions an ordinary new file would (mkstemp
creates it private) and is removed if anything goes wrong.

Deliberately left out: whole folders (`handbook.index` and `handbook.corpora`
build a temporary folder and rename it), locking between concurrent writers
(the last rename wins), and syncing the parent directory entry.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path


def atomic_write(path: str | Path, text: str | Iterable[str]) -> Path:
    """Write `text` (a string, or pieces streamed in order) to `path` atomically (chapter 4).

    Missing parent folders are created. Returns the path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.writelines([text] if isinstance(text, str) else text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
