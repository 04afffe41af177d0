"""The records that flow through the handbook, in the order they flow.

    files -> Document -> Chunk -> (vectors, index) -> Hit
          -> RenderedPrompt -> Request -> Reply (with Usage, and any ToolCalls)

Each is a small frozen dataclass that every part of the library shares, so a
module that needs a `Reply` imports this file, never the HTTP client. `Hook`
is the protocol for anything that wraps a model call (traces, budgets,
caches): the client knows hooks only through it.

    >>> Usage(120, 30) + Usage(80, 10, cached_tokens=64)
    Usage(prompt_tokens=200, completion_tokens=40, cached_tokens=64)

Deliberately left out: behaviour. Records hold data and a few derived
properties; loading, chunking, calling and pricing live in the chapter
packages. This module imports nothing of the handbook.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


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
        """`source:start_line-end_line`, e.g. `chapters/03-rag.md:40-52`."""
        return f"{self.source}:{self.start_line}-{self.end_line}"

    @property
    def embed_text(self) -> str:
        """What gets embedded: the section heading (if the slice lacks it) and then the text."""
        if self.heading and not self.text.lstrip("# ").startswith(self.heading):
            return f"{self.heading}\n{self.text}"
        return self.text


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk with its rank (1 = best), score and retriever (chapter 3)."""

    rank: int
    score: float
    chunk: Chunk
    retriever: str = "dense"

    @property
    def source(self) -> str:
        return self.chunk.source

    @property
    def text(self) -> str:
        return self.chunk.text

    def as_dict(self) -> dict:
        c = self.chunk
        return {"rank": self.rank, "source": c.source, "score": round(self.score, 6), "text": c.text,
                "start_line": c.start_line, "end_line": c.end_line, "heading": c.heading, "retriever": self.retriever}


@dataclass(frozen=True)
class RenderedPrompt:
    """Chat messages from a versioned template, tagged with its `name@version` and hash (chapter 2)."""

    messages: list[dict[str, str]]
    ref: str
    sha256: str

    @property
    def short_hash(self) -> str:
        return self.sha256[:12]


@dataclass(frozen=True)
class Request:
    """What is about to be sent to a model; hooks read it (chapter 1)."""

    messages: tuple[dict[str, str], ...]
    model: str
    params: dict[str, Any]
    prompt_ref: str | None = None  # "name@version" of the RenderedPrompt, if any
    prompt_hash: str | None = None


@dataclass(frozen=True)
class Usage:
    """Tokens billed for one or more calls. `u1 + u2` and `sum(usages)` add them up (chapter 1)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(self.prompt_tokens + other.prompt_tokens, self.completion_tokens + other.completion_tokens,
                     self.cached_tokens + other.cached_tokens)

    def __radd__(self, other: Usage | int) -> Usage:
        return self if other == 0 else self + other  # sum() starts from 0


@dataclass(frozen=True)
class ToolCall:
    """A function the model asked to call: its name and its arguments as the raw JSON text (chapter 9).

    `id` is the endpoint's call id (native tool calls); a call parsed from the reply text has "".
    """

    name: str
    arguments: str
    id: str = ""


@dataclass(frozen=True)
class Reply:
    """One model answer with what it cost in tokens and time (chapter 1)."""

    text: str
    usage: Usage
    latency_s: float
    model: str
    finish_reason: str | None = None
    prompt_ref: str | None = None
    prompt_hash: str | None = None
    cached: bool = False  # answered by a cache hook, not the model
    tool_calls: tuple[ToolCall, ...] = ()  # native tool calls, when the endpoint returned them (chapter 9)
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


class Hook(Protocol):
    """Wraps every model call: `before` may answer (a cache) or raise (a budget); `after` sees the outcome (chapter 1)."""

    def before(self, request: Request) -> Reply | None: ...

    def after(self, request: Request, reply: Reply | None, error: BaseException | None) -> None: ...

