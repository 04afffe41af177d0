"""Loading files into `Document`s: the first step from a folder of files to a RAG index.

`load()` reads `.md`, `.txt`, `.rst`, `.html` and `.ipynb` files, from single
files or folders walked recursively in sorted order (hidden folders skipped).
Binary, unreadable and oversized files are skipped with a `SkippedFileWarning`
and counted on the result (`docs.skipped`); if nothing usable is left, a
`CorpusError` says why. Text that is not UTF-8 is decoded with the first of
UTF-8, UTF-16 (with a BOM), cp1252 and latin-1 that fits, and the encoding is
recorded. HTML becomes plain text with Markdown-style headings; a notebook
becomes its Markdown cells plus its code cells in fences.

    load(["chapters/"])  -> Documents([Document(path="chapters/01-introduction.md", text="# ...", encoding="utf-8"), ...])

Cutting documents into chunks is the next module, `handbook.rag.chunking`.

Deliberately left out: PDF and Office formats, language detection, and line
numbers that map back through HTML or notebook conversion (for those, lines
refer to the converted text).
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path

from ..errors import CorpusError, SkippedFileWarning
from ..records import Document

SUFFIXES = (".md", ".txt", ".rst", ".html", ".ipynb")
MAX_BYTES = 10_000_000  # a single file above this is skipped: it is almost certainly not prose


class Documents(list):
    """A list of `Document`s that also remembers what was skipped, as `(path, reason)` pairs (chapter 3)."""

    def __init__(self, docs: Iterable[Document] = (), skipped: Iterable[tuple[str, str]] = ()):
        super().__init__(docs)
        self.skipped: list[tuple[str, str]] = list(skipped)


# ------------------------------------------------------------------------------------------------ loading
def decode(data: bytes) -> tuple[str, str]:
    """Bytes to text, trying UTF-8, UTF-16 (BOM), cp1252 and finally latin-1 (chapter 3)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding), "utf-8" if encoding == "utf-8-sig" else encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


class _HTMLText(HTMLParser):
    BLOCKS = {"p", "div", "li", "tr", "br", "pre", "section", "article", "table", "ul", "ol", "blockquote"}
    SKIP = {"script", "style", "head"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif re.fullmatch(r"h[1-6]", tag):
            self.parts.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag in self.BLOCKS:
            self.parts.append("\n\n" if tag != "br" else "\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif re.fullmatch(r"h[1-6]", tag) or tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(re.sub(r"[ \t\r\n]+", " ", data))


def _html_to_text(html: str) -> str:
    parser = _HTMLText()
    parser.feed(html)
    lines = [line.strip() for line in "".join(parser.parts).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def _notebook_to_text(raw: str, path: Path) -> str:
    try:
        cells = json.loads(raw)["cells"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"not a readable notebook ({exc})") from exc
    parts = []
    for cell in cells:
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else str(src)
        if cell.get("cell_type") == "code" and src.strip():
            parts.append(f"```python\n{src.strip()}\n```")
        elif src.strip():
            parts.append(src.strip())
    return "\n\n".join(parts) + "\n"


def _read(path: Path, shown: str, max_bytes: int) -> Document:
    """Read one file or raise ValueError with the reason it must be skipped."""
    if path.suffix.lower() not in SUFFIXES:
        raise ValueError(f"unsupported type {path.suffix or '(none)'}; supported: {', '.join(SUFFIXES)}")
    size = path.stat().st_size
    if size > max_bytes:
        raise ValueError(f"too large ({size:,} bytes > max_bytes={max_bytes:,})")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"unreadable ({exc.strerror or exc})") from exc
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValueError("binary (contains NUL bytes)")
    text, encoding = decode(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if path.suffix.lower() == ".html":
        text = _html_to_text(text)
    elif path.suffix.lower() == ".ipynb":
        text = _notebook_to_text(text, path)
    return Document(shown, text, encoding)


def load(paths: str | Path | Iterable[str | Path], *, max_bytes: int = MAX_BYTES) -> Documents:
    """Load files and folders (recursively) into Documents; skip bad files with a warning (chapter 3)."""
    if isinstance(paths, str | Path):
        paths = [paths]
    docs, skipped = [], []
    for given in paths:
        root = Path(given)
        if not root.exists():
            raise CorpusError(f"{given}: no such file or folder.", "check the path (it is relative to the "
                              f"current folder, {Path.cwd()})")
        if root.is_dir():
            found = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
                           and not any(part.startswith(".") for part in p.relative_to(root).parts))
        else:
            found = [root]
        for path in found:
            shown = path.as_posix()
            try:
                docs.append(_read(path, shown, max_bytes))
            except (ValueError, OSError) as exc:
                skipped.append((shown, str(exc)))
                warnings.warn(f"skipped {shown}: {exc}", SkippedFileWarning, stacklevel=2)
    docs = [d for d in docs if d.text.strip()]
    if not docs:
        what = ", ".join(str(p) for p in paths)
        detail = f" ({len(skipped)} skipped: {skipped[0][1]}{', ...' if len(skipped) > 1 else ''})" if skipped else ""
        raise CorpusError(f"No text documents found in {what}{detail}.",
                          f"point at files or folders containing {', '.join(SUFFIXES)} files with some text")
    return Documents(docs, skipped)

