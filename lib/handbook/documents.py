"""Loading files into `Document`s and cutting them into `Chunk`s for retrieval.

`load()` reads `.md`, `.txt`, `.rst`, `.html` and `.ipynb` files, from single
files or folders walked recursively in sorted order. Binary, unreadable and
oversized files are skipped with a `SkippedFileWarning` and counted on the
result (`docs.skipped`). Text that is not UTF-8 is decoded with the first of
UTF-8, UTF-16 (with a BOM), cp1252 and latin-1 that fits, and the encoding is
recorded. HTML becomes plain text with Markdown-style headings; a notebook
becomes its Markdown cells plus its code cells in fences.

`chunk()` packs paragraphs into chunks of about `size` tokens with about
`overlap` tokens repeated between neighbours. A heading always starts a new
chunk (no chunk spans two sections), paragraphs are never split unless one
alone is bigger than `size`, and every chunk is an exact slice of its
document's text, so it keeps character offsets and line numbers.

Deliberately left out: PDF and Office formats, language detection, semantic
(embedding-based) chunking, and line numbers that map back through HTML or
notebook conversion (for those, lines refer to the converted text).
"""

from __future__ import annotations

import bisect
import json
import re
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from .errors import HandbookError

SUFFIXES = (".md", ".txt", ".rst", ".html", ".ipynb")
MAX_BYTES = 10_000_000  # a single file above this is skipped: it is almost certainly not prose
_HEADING = re.compile(r"^#{1,6}\s+\S")
_UNDERLINE = re.compile(r"^([=\-~^\"'*+#`])\1{2,}\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


class CorpusError(HandbookError):
    """No usable documents, or an unusable path (chapter 3)."""


class SkippedFileWarning(UserWarning):
    """A file was skipped while loading: binary, unreadable, too large or of an unknown type (chapter 3)."""


@dataclass(frozen=True)
class Document:
    """One loaded file: its path as given or found, its text and how it was decoded (chapter 3)."""

    path: str
    text: str
    encoding: str = "utf-8"


@dataclass(frozen=True)
class Chunk:
    """A slice `text == document.text[start:end]` with its lines (1-based, inclusive) and section (chapter 3)."""

    source: str
    text: str
    start: int
    end: int
    start_line: int
    end_line: int
    heading: str = ""
    n_tokens: int = 0

    @property
    def id(self) -> str:
        return f"{self.source}:{self.start_line}-{self.end_line}"

    @property
    def embed_text(self) -> str:
        """What gets embedded: the section heading (if the slice lacks it) and then the text."""
        if self.heading and not self.text.lstrip("# ").startswith(self.heading):
            return f"{self.heading}\n{self.text}"
        return self.text


class Documents(list):
    """A list of `Document`s that also remembers what was skipped, as `(path, reason)` pairs."""

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


# ------------------------------------------------------------------------------------------------ chunking
def _paragraphs(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, is_heading) spans of paragraphs; headings are their own paragraphs. Code fences are kept whole."""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    spans: list[tuple[int, int, bool]] = []
    start, in_fence, skip = None, False, False
    for i, line in enumerate(lines):
        if skip:  # an RST underline already taken into its heading
            skip = False
            continue
        bare = line.strip()
        underlined = (not in_fence and bare and i + 1 < len(lines) and not _UNDERLINE.match(line)
                      and _UNDERLINE.match(lines[i + 1]) and len(lines[i + 1].strip()) >= len(bare))
        heading = not in_fence and (bool(_HEADING.match(line)) or bool(underlined))
        if heading or (not bare and not in_fence):
            if start is not None:
                spans.append((start, offsets[i], False))
                start = None
            if heading:
                spans.append((offsets[i], offsets[i + 2] if underlined else offsets[i + 1], True))
                skip = bool(underlined)
        elif start is None:
            start = offsets[i]
        if _FENCE.match(line):
            in_fence = not in_fence
    if start is not None:
        spans.append((start, len(text), False))
    return [(s, e, h) for s, e, h in spans if text[s:e].strip()]


def _split_big(text: str, start: int, end: int, size: int, tokens: Callable[[str], int]) -> list[tuple[int, int]]:
    """Split one oversized paragraph at line ends, and a too-long line at word boundaries."""
    words = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", text[start:end])]
    pieces, cur, n = [], None, 0
    for ws, we in words:
        t = max(1, tokens(text[ws:we]))
        breaks_line = cur is not None and "\n" in text[cur[1]:ws] and n >= size // 2
        if cur is not None and (n + t > size or breaks_line):
            pieces.append(cur)
            cur, n = None, 0
        cur, n = ((ws, we) if cur is None else (cur[0], we)), n + t
    if cur is not None:
        pieces.append(cur)
    return pieces


def _strip(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def chunk(docs: Document | Iterable[Document], size: int = 200, overlap: int = 40,
          tokens: Callable[[str], int] | None = None) -> list[Chunk]:
    """Cut documents into heading-respecting chunks of about `size` tokens, `overlap` shared (chapter 3)."""
    if size < 1 or not 0 <= overlap < size:
        raise HandbookError(f"Bad chunking parameters size={size}, overlap={overlap}.",
                            "use size >= 1 and 0 <= overlap < size, e.g. size=200 overlap=40")
    if tokens is None:
        from .embeddings import count_tokens as tokens
    out: list[Chunk] = []
    for doc in [docs] if isinstance(docs, Document) else docs:
        text = doc.text
        newlines = [i for i, ch in enumerate(text) if ch == "\n"]

        def line_of(offset: int, _nl=newlines) -> int:
            return bisect.bisect_left(_nl, offset) + 1

        # units: (start, end, n_tokens, section); a heading opens a new section and joins its first chunk
        units, section, heading = [], 0, ""
        for s, e, is_heading in _paragraphs(text):
            s, e = _strip(text, s, e)
            if is_heading:
                section += 1
                heading = text[s:e].splitlines()[0].lstrip("#").strip()
            n = max(1, tokens(text[s:e]))
            pieces = [(s, e, n)] if n <= size else [(a, b, max(1, tokens(text[a:b])))
                                                    for a, b in _split_big(text, s, e, size, tokens)]
            units += [(a, b, m, section, heading) for a, b, m in pieces]
        i = 0
        while i < len(units):
            j, total = i, 0
            while j < len(units) and units[j][3] == units[i][3] and (j == i or total + units[j][2] <= size):
                total += units[j][2]
                j += 1
            s, e = units[i][0], units[j - 1][1]
            out.append(Chunk(doc.path, text[s:e], s, e, line_of(s), line_of(e - 1), units[i][4], total))
            if j >= len(units) or units[j][3] != units[i][3]:
                i = j
                continue
            # step back over trailing units that fit in `overlap`, leaving room for the next new unit
            back, k = 0, j
            while k - 1 > i and back + units[k - 1][2] <= overlap and back + units[k - 1][2] + units[j][2] <= size:
                back += units[k - 1][2]
                k -= 1
            i = k
    return out
