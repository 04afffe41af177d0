"""File tools confined to one workspace folder: list and read files, refusing every way out.

    ws = Workspace("data/workspace")
    ws.read("notes/budget.txt")    -> the file's text
    ws.read("/etc/passwd")         -> ToolError: absolute paths are refused
    ws.read("../secrets.txt")      -> ToolError: '..' is refused
    ws.read("link-to-outside")     -> ToolError: the path resolves outside the workspace

Every path is checked twice: its text (no absolute path, no drive, no `..`, no NUL) and then
where it really leads (`resolve()` follows symlinks; the result must stay inside the folder).
Every refusal is counted in `ws.refused`, so an evaluation can assert that nothing escaped.

Deliberately left out: writing files (the book's agent only reads; an acting tool would need
approval, see `tools.Tool.acts`), globbing, and binary files.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath, PureWindowsPath

from ..errors import ToolError

MAX_BYTES = 20_000


class Workspace:
    """A folder the file tools may read, and nothing outside it (chapter 9)."""

    def __init__(self, root: str | Path):
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise ToolError(f"Workspace folder {root} does not exist.", "pass an existing folder, e.g. data/workspace")
        self.refused: list[str] = []  # every path refused, for audits and tests
        self.reads: list[str] = []  # every file actually read

    def resolve(self, path: str) -> Path:
        """The real path of `path` inside the workspace, or `ToolError` if it could lead outside (chapter 9)."""
        text = str(path).strip()
        reason = None
        if not text or "\x00" in text:
            reason = "an empty path or a NUL byte"
        elif text.startswith(("/", "\\", "~")) or PureWindowsPath(text).drive or PurePosixPath(text).is_absolute():
            reason = "absolute paths are refused"
        elif ".." in PurePosixPath(text.replace("\\", "/")).parts:
            reason = "'..' is refused"
        if reason is None:
            real = (self.root / text).resolve()
            if real != self.root and self.root not in real.parents:
                reason = "the path resolves outside the workspace (a symlink?)"
            else:
                return real
        self.refused.append(text)
        raise ToolError(f"Refused {text!r}: {reason}.", "use a relative path inside the workspace, e.g. 'notes.txt'")

    def list(self, folder: str = ".") -> str:
        """Relative paths of the files under `folder`, one a line (chapter 9)."""
        base = self.resolve(folder or ".")
        if not base.is_dir():
            raise ToolError(f"{folder!r} is not a folder in the workspace.", "call list_files with '.'")
        names = []
        for p in sorted(base.rglob("*")):
            try:
                inside = p.is_file() and self.root in p.resolve().parents
            except OSError:
                inside = False
            if inside:
                names.append(p.relative_to(self.root).as_posix())
        return "\n".join(names) or "(no files)"

    def read(self, path: str) -> str:
        """The text of one file in the workspace, at most `MAX_BYTES` (chapter 9)."""
        real = self.resolve(path)
        if not real.is_file():
            raise ToolError(f"No file {path!r} in the workspace.", "call list_files to see the files")
        data = real.read_bytes()[:MAX_BYTES]
        self.reads.append(real.relative_to(self.root).as_posix())
        return data.decode("utf-8", errors="replace")
