"""The RAG pipeline as the app runs it: retrieve, render, call the model under a `Policy`.

`Pipeline.answer(question, k)` does what `handbook.rag.answer.ask` does
(the same retrieval, the same `rag_answer@1` prompt, temperature 0, so the
same reply on the deterministic local server) but sends the model call
through `resilience.call`, with a per-attempt timeout and the fallback
model. `Pipeline.open_stream` starts a streamed answer and waits for its
first piece, so a model server that is down is still reported with a status
code (503) before the app commits to a 200 event stream.

    Pipeline(index, Policy()).answer("What is a chunk?", 2)
    -> Answer(text="A chunk is ... [1].", sources=[Hit, Hit], cited=[1], usage=Usage(...), ...)

With `defence="spotlight,output-check"` (any spec `handbook.guard` takes)
the answer goes through `guard.answer.guarded_answer` instead, every model
call still under the policy. An output check must see the whole answer
before anyone does, so with a defence a streamed answer arrives as one
`token` event once it is checked: the first token waits for the whole reply.

Deliberately left out: conversation history, reranking, caching answers
(chapter 5's `ResponseCache` can be installed as a client hook around the
app), and guards on the question itself (chapter 8 screens what is retrieved).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from .. import telemetry
from ..guard.answer import guarded_answer
from ..guard.defences import defences
from ..llm import client
from ..rag.answer import Answer, build_prompt, citations
from ..rag.index import VectorIndex
from ..rag.search import retrieve
from ..records import Hit, Reply
from . import resilience
from .resilience import Policy

OnRetry = Callable[[str, str], None]


@dataclass
class Pipeline:
    """An index, a model policy and answer settings: what one `handbook serve` answers with (chapter 7)."""

    index: VectorIndex
    policy: Policy
    model: str | None = None
    max_tokens: int = 200
    mode: str = "dense"
    defence: str = "none"

    def __post_init__(self) -> None:
        defences(self.defence)  # an unknown name fails here, before the port opens

    def hits(self, question: str, k: int) -> list[Hit]:
        """The top `k` chunks (at most the index size) for `question` (chapter 7)."""
        return retrieve(self.index, question, max(1, min(k, len(self.index))), self.mode)

    def _params(self) -> dict:
        return {"temperature": 0.0, "max_tokens": self.max_tokens, "seed": 0,
                "timeout": self.policy.attempt_timeout_s}

    def answer(self, question: str, k: int, on_retry: OnRetry | None = None) -> Answer:
        """A grounded answer, as `handbook.rag.ask` gives, with retries and fallback (chapter 7).

        Each request is one trace: a root span with the embedding, retrieval and chat spans below it.
        """
        with telemetry.root_span("POST /v1/ask", {"http.route": "/v1/ask", "handbook.k": k,
                                                  "handbook.defence": self.defence}):
            hits = self.hits(question, k)
            if self.defence != "none":
                return self._guarded(question, hits, on_retry)
            prompt = build_prompt(question, hits)
            reply: Reply = resilience.call(lambda m: client.chat(prompt, model=m or self.model, **self._params()),
                                           self.policy, self.model, on_retry)
        return Answer(question, reply.text.strip(), hits, citations(reply.text, len(hits)), reply.usage, reply)

    def _guarded(self, question: str, hits: list[Hit], on_retry: OnRetry | None) -> Answer:
        """The answer through `guarded_answer`, each of its model calls under the policy."""
        timeout = self.policy.attempt_timeout_s

        def chat(prompt, *, model=None, **params) -> Reply:
            return resilience.call(lambda m: client.chat(prompt, model=m or model, timeout=timeout, **params),
                                   self.policy, model, on_retry)

        g = guarded_answer(question, hits, self.defence, model=self.model, max_tokens=self.max_tokens, chat=chat)
        # the reply as the client sees it: the checked text, and the tokens of every call it took
        return replace(g.answer, usage=g.usage, reply=replace(g.answer.reply, text=g.answer.text, usage=g.usage))

    def open_stream(self, question: str, k: int, on_retry: OnRetry | None = None) -> Opened:
        """Retrieve, start the streamed model call and read its first piece (chapter 7)."""
        with telemetry.root_span("POST /v1/ask", {"http.route": "/v1/ask", "handbook.k": k, "handbook.stream": True}):
            return self._open(question, k, on_retry)

    def _open(self, question: str, k: int, on_retry: OnRetry | None) -> Opened:
        hits = self.hits(question, k)
        if self.defence != "none":  # retrieved text is screened, the reply checked whole, then sent
            answer = self._guarded(question, hits, on_retry)
            return Opened(answer.sources, Whole(answer.reply), answer.text, iter(()))
        prompt = build_prompt(question, hits)

        def start(model: str | None) -> Opened:
            s = client.stream(prompt, model=model or self.model, **self._params())
            pieces = iter(s)
            first = next(pieces, "")
            return Opened(hits, s, first, pieces)

        return resilience.call(start, self.policy, self.model, on_retry)


@dataclass
class Opened:
    """A stream that has produced its first piece: the hits, the client `Stream`, the rest to read."""

    hits: list[Hit]
    stream: client.Stream | Whole
    first: str
    rest: Iterator[str]


@dataclass
class Whole:
    """A reply that arrived whole (a checked answer), read like a finished `client.Stream`."""

    reply: Reply


def source_json(hit: Hit) -> dict:
    """One source as the API returns it: rank, path, lines, heading, score (chapter 7)."""
    c = hit.chunk
    return {"n": hit.rank, "source": c.source, "start_line": c.start_line, "end_line": c.end_line,
            "heading": c.heading, "score": round(hit.score, 4)}


def usage_json(reply: Reply) -> dict:
    u = reply.usage
    return {"prompt_tokens": u.prompt_tokens, "completion_tokens": u.completion_tokens,
            "total_tokens": u.total_tokens}


def answer_json(answer: Answer) -> dict:
    """The body of a non-streamed `POST /v1/ask` answer (chapter 7)."""
    return {"answer": answer.text, "sources": [source_json(h) for h in answer.sources], "cited": answer.cited,
            "usage": usage_json(answer.reply), "model": answer.reply.model}
