"""Files that never end up half-written, and JSON Lines read and appended safely.

* `atomic_write(path, text)`: the text goes to a temporary file in the
  target's folder, is flushed to disk, and only then renamed over the target
  with `os.replace`, which is atomic on POSIX and on Windows. A reader sees
  the old file or the new one, never a mix; a failed write leaves the old
  file intact and no temporary file behind.
* `atomic_folder(path)`: the same for a whole folder (an index, a corpus):
  fill the temporary folder the `with` block yields, and it replaces `path`
  only if the block finishes.
* `read_jsonl(path)` names the file and line of a bad record;
  `append_jsonl(path, record)` adds one line in a single locked write, so
  threads and processes can share a trace file without interleaving.

Both writers give what they create the permissions an ordinary new file or
folder gets (mkstemp and mkdtemp make them private).

    atomic_write("runs/qrels.txt", "q1 0 doc7 1\\n")   -> Path("runs/qrels.txt")

Deliberately left out: locking between concurrent writers of one file (the
last rename wins) and syncing the parent directory entry.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from .errors import DataFileError

try:  # POSIX only; on Windows the in-process lock still keeps threads apart
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

_APPEND_LOCK = threading.Lock()


def _ordinary(path: str | Path, mode: int) -> None:
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, mode & ~umask)


def atomic_write(path: str | Path, text: str | Iterable[str]) -> Path:
    """Write `text` (a string, or pieces streamed in order) to `path` atomically (chapter 1).

    Missing parent folders are created. Returns the path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        _ordinary(tmp, 0o666)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.writelines([text] if isinstance(text, str) else text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


@contextlib.contextmanager
def atomic_folder(path: str | Path) -> Iterator[Path]:
    """Yield an empty temporary folder beside `path`; on success it replaces `path` whole (chapter 3)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=path.parent))
    try:
        _ordinary(tmp, 0o777)
        yield tmp
        old = None
        if path.exists():
            old = path.with_name(f".{path.name}.old-{os.getpid()}")
            os.replace(path, old)
        os.replace(tmp, path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Read one JSON object per line; a missing file or bad line raises `DataFileError` naming it (chapter 4)."""
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"{path}: no such file.", "check the path (it is relative to the current folder)")
    out = []
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataFileError(f"{path}:{no}: not valid JSON ({exc.msg}).", "repair or delete that line") from exc
        if not isinstance(record, dict):
            raise DataFileError(f"{path}:{no}: expected a JSON object, got {type(record).__name__}.",
                                "write one object per line")
        out.append(record)
    return out


def write_jsonl(path: str | Path, records: Iterable[Mapping[str, Any]], *, sort_keys: bool = False) -> Path:
    """Write one JSON object per line, atomically (chapters 4 and 6)."""
    return atomic_write(path, (json.dumps(r, sort_keys=sort_keys, ensure_ascii=False) + "\n" for r in records))


def append_jsonl(path: str | Path, record: Mapping[str, Any]) -> None:
    """Append one JSON line in a single locked write, safe across threads and processes (chapter 4)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n"
    with _APPEND_LOCK, open(path, "a", encoding="utf-8") as f:
        if fcntl:
            fcntl.flock(f, fcntl.LOCK_EX)
        f.write(line)
        f.flush()
