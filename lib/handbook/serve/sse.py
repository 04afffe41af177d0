"""Server-sent events: how `POST /v1/ask` with `"stream": true` sends an answer as it is written.

SSE (the WHATWG HTML standard's `text/event-stream`) is plain HTTP: the
response stays open and the server writes events, each an `event:` line, a
`data:` line and a blank line. Browsers read it with `EventSource` (or
`fetch` for a POST), and every proxy understands it. The app sends:

    event: sources   data: {"sources": [{"n": 1, "source": "03-rag.md", ...}]}
    event: token     data: {"text": "Hybrid retrieval"}          (many)
    event: done      data: {"answer": "...", "cited": [1], "usage": {...}, "model": "..."}
    event: error     data: {"error": "...", "fix": "..."}        (instead of done, if the model fails mid-way)

Once the first byte is sent the status (200) cannot change, so failures
after it arrive as an `error` event; the pipeline reads the model's first
piece before the response starts so that a server that is down still gets
a 503.

Deliberately left out: `id:` lines and resuming with `Last-Event-ID`,
keep-alive comments, and WebSockets (two-way, which a question-and-answer
stream does not need).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable

import anyio

from ..errors import HandbookError
from ..rag.answer import citations
from .pipeline import Opened, source_json, usage_json

MEDIA_TYPE = "text/event-stream"
# One event, as OpenAPI 3.1 documents an event stream (its `schema` describes each event): the
# fuzzer checks every event the app sends against it.
EVENT_SCHEMA = {"type": "object", "required": ["event", "data"], "properties": {
    "event": {"type": "string", "enum": ["sources", "token", "done", "error"]},
    "data": {"type": "string", "contentMediaType": "application/json"}}}
_END = object()


def event(name: str, data: dict) -> bytes:
    """One SSE event: `event: NAME`, `data: JSON` and a blank line (chapter 7)."""
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def parse(text: str) -> list[tuple[str, dict]]:
    """The (event, data) pairs of an SSE body, for tests and the lab (chapter 7)."""
    out = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in lines and "data" in lines:
            out.append((lines["event"], json.loads(lines["data"])))
    return out


async def events(opened: Opened, on_done: Callable[[Opened], None], on_close: Callable[[], None]) -> AsyncIterator[bytes]:
    """The event stream of one answer; the model's remaining pieces are read in a worker thread (chapter 7).

    `on_done(opened)` runs after a complete answer (for metrics), `on_close()` always, last.
    """
    try:
        yield event("sources", {"sources": [source_json(h) for h in opened.hits]})
        if opened.first:
            yield event("token", {"text": opened.first})
        while True:
            try:
                piece = await anyio.to_thread.run_sync(next, opened.rest, _END)
            except HandbookError as exc:  # the model failed after the first piece
                yield event("error", {"error": exc.message, "fix": exc.fix})
                return
            except Exception as exc:  # never a traceback to the client
                yield event("error", {"error": f"The answer stopped: {type(exc).__name__}.", "fix": "try again"})
                return
            if piece is _END:
                break
            yield event("token", {"text": piece})
        reply = opened.stream.reply
        text = reply.text.strip() if reply else ""
        on_done(opened)
        yield event("done", {"answer": text, "cited": citations(text, len(opened.hits)),
                             "usage": usage_json(reply) if reply else {}, "model": reply.model if reply else ""})
    finally:
        on_close()
