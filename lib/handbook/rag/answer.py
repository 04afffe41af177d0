"""Retrieval-augmented generation: retrieve chunks, number them, ask the model to cite them.

`ask()` retrieves the top `k` chunks (dense by default, or hybrid), renders
the versioned prompt `rag_answer@1` with the chunks as numbered sources, and
calls `handbook.llm.chat` at temperature 0. The template tells the model
to cite sources as `[n]`, to say "I don't know" when the sources lack the
answer, and to treat the retrieved text as data, never as instructions. The
returned `Answer` has the text, the numbered sources, which of them the text
cites, token usage and the full `Reply`.

    ask("What is hybrid retrieval?", index)
    -> Answer(text="Hybrid retrieval fuses BM25 and dense rankings [1].", cited=[1], sources=[Hit, ...], ...)

Deliberately left out: multi-turn conversation, query rewriting, reranking,
streaming (use `handbook.llm.stream` with `build_prompt`), and checking
that each cited source really supports its sentence (chapter 4 evaluates that).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..llm import client
from ..prompts.templates import render
from ..records import Hit, RenderedPrompt, Reply, Usage
from .embeddings import Embedder
from .index import VectorIndex
from .search import retrieve
from .spans import answer_span

TEMPLATE = "rag_answer@1"
_CITE = re.compile(r"\[(\d+)\]")
DONT_KNOW = "i don't know"


@dataclass(frozen=True)
class Answer:
    """A grounded answer: text, the numbered sources it was given, those it cites, and usage (chapter 3)."""

    question: str
    text: str
    sources: list[Hit]
    cited: list[int]
    usage: Usage
    reply: Reply = field(repr=False)

    @property
    def abstained(self) -> bool:
        """True when the model said it does not know."""
        return DONT_KNOW in self.text.lower().replace("\u2019", "'")

    @property
    def cited_sources(self) -> list[str]:
        """Paths of the sources the answer cites, in citation order, without repeats."""
        return list(dict.fromkeys(self.sources[n - 1].source for n in self.cited))


def format_sources(hits: list[Hit]) -> str:
    """Number retrieved chunks as `[n] (path, lines a-b)` blocks for the prompt (chapter 3)."""
    blocks = []
    for n, h in enumerate(hits, start=1):
        c = h.chunk
        blocks.append(f"[{n}] ({c.source}, lines {c.start_line}-{c.end_line})\n{c.text.strip()}")
    return "\n\n".join(blocks)


def build_prompt(question: str, hits: list[Hit], template: str = TEMPLATE) -> RenderedPrompt:
    """The rendered, versioned prompt for `question` over `hits` (chapter 3)."""
    return render(template, sources=format_sources(hits), question=question.strip())


def citations(text: str, n_sources: int) -> list[int]:
    """Source numbers cited as [n] in `text`, in order of first use, ignoring out-of-range ones (chapter 3)."""
    found = [int(m) for m in _CITE.findall(text)]
    return list(dict.fromkeys(n for n in found if 1 <= n <= n_sources))


@answer_span
def ask(question: str, index: VectorIndex, k: int = 4, *, mode: str = "dense", embedder: Embedder | None = None,
        model: str | None = None, max_tokens: int = 200, template: str = TEMPLATE) -> Answer:
    """Answer `question` from the index with numbered citations (chapter 3)."""
    hits = retrieve(index, question, min(k, len(index)), mode, embedder)
    reply = client.chat(build_prompt(question, hits, template), model=model, temperature=0.0,
                        max_tokens=max_tokens, seed=0)
    return Answer(question, reply.text.strip(), hits, citations(reply.text, len(hits)), reply.usage, reply)
