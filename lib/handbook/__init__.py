"""The GenAI Engineering Handbook's shared library: one sub-package per part of the book.

The core of the flow is one import away, loaded only when first used (PEP 562),
so `import handbook` is fast and loads no model:

    from handbook import load_documents, chunk, build_index, ask
    index = build_index(chunk(load_documents("chapters/")))
    ask("What is hybrid retrieval?", index).text

The house, ground floor first; each floor imports only the floors below it:

    errors, records, config, files    the ground: imports nothing above it
    telemetry/  chapter 4             OpenTelemetry spans and metrics, the span file, SDK setup
    llm/        chapter 1             the client (the only HTTP to a model), local server, tokens, model files
    cost/       chapter 5             prices, estimates, budgets, response cache, the call trace
    prompts/    chapter 2             templates, structured output, the experiment engine, variants
    rag/        chapter 3             documents, chunks, embeddings, FAISS index, Milvus store, search, answers
    evaluate/   chapter 4             retrieval and answer metrics, TREC files, judge, monitoring
    finetune/   chapter 6             datasets, training cost, before/after
    classroom/                        preflight checks for learners and instructors
    cli/                              the `handbook` command

`cost` sits below `prompts` although chapter 5 comes later: every recorder of
calls (traces, experiment runs, caches, budgets) prices what it records.

This file also switches on the hooks that environment variables ask for
(a classroom budget), registering them with the client from above, so the
client never imports the chapters that define them. Tracing needs no hook:
every call is an OpenTelemetry span (`handbook.telemetry`), which goes to the
span file (`HANDBOOK_TRACE`, else HANDBOOK_HOME/traces) or to the OTLP
endpoint the standard `OTEL_EXPORTER_OTLP_ENDPOINT` names.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from . import config
from .llm.client import env_hook

__version__ = "0.1.0"

# name -> (module, attribute): the core of the flow, in flow order.
PUBLIC = {
    "settings": ("handbook.config", "settings"),
    "HandbookError": ("handbook.errors", "HandbookError"),
    "Document": ("handbook.records", "Document"),
    "Chunk": ("handbook.records", "Chunk"),
    "Hit": ("handbook.records", "Hit"),
    "RenderedPrompt": ("handbook.records", "RenderedPrompt"),
    "Request": ("handbook.records", "Request"),
    "Usage": ("handbook.records", "Usage"),
    "Reply": ("handbook.records", "Reply"),
    "load_documents": ("handbook.rag.documents", "load"),
    "chunk": ("handbook.rag.chunking", "chunk"),
    "Embedder": ("handbook.rag.embeddings", "Embedder"),
    "build_index": ("handbook.rag.index", "build"),
    "load_index": ("handbook.rag.index", "load"),
    "retrieve": ("handbook.rag.search", "retrieve"),
    "open_store": ("handbook.rag.store", "open_store"),
    "ingest": ("handbook.rag.ingest", "ingest"),
    "migrate": ("handbook.rag.ingest", "migrate"),
    "render": ("handbook.prompts.templates", "render"),
    "chat": ("handbook.llm.client", "chat"),
    "stream": ("handbook.llm.client", "stream"),
    "use": ("handbook.llm.client", "use"),
    "ask": ("handbook.rag.answer", "ask"),
    "count_tokens": ("handbook.llm.tokens", "count_tokens"),
    "count_messages": ("handbook.llm.tokens", "count_messages"),
    "usd": ("handbook.cost.pricing", "usd"),
    "estimate": ("handbook.cost.estimates", "estimate"),
    "Trace": ("handbook.cost.trace", "Trace"),
}
__all__ = ["Chunk", "Document", "Embedder", "HandbookError", "Hit", "RenderedPrompt", "Reply", "Request", "Trace",
           "Usage", "ask", "build_index", "chat", "chunk", "count_messages", "count_tokens", "estimate", "ingest",
           "load_documents", "load_index", "migrate", "open_store", "render", "retrieve", "settings", "stream", "usd", "use"]

if TYPE_CHECKING:  # for editors and type checkers; at run time __getattr__ imports on first use
    from .config import settings
    from .cost.estimates import estimate
    from .cost.pricing import usd
    from .cost.trace import Trace
    from .errors import HandbookError
    from .llm.client import chat, stream, use
    from .llm.tokens import count_messages, count_tokens
    from .prompts.templates import render
    from .rag.answer import ask
    from .rag.chunking import chunk
    from .rag.documents import load as load_documents
    from .rag.embeddings import Embedder
    from .rag.index import build as build_index
    from .rag.index import load as load_index
    from .rag.ingest import ingest, migrate
    from .rag.search import retrieve
    from .rag.store import open_store
    from .records import Chunk, Document, Hit, RenderedPrompt, Reply, Request, Usage


def __getattr__(name: str):
    if name in PUBLIC:
        module, attr = PUBLIC[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value  # the next lookup is a plain attribute
        return value
    raise AttributeError(f"module 'handbook' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *PUBLIC])


# ------------------------------------------------------------------ hooks the environment switches on
def _budget_hook(cfg: config.Settings):
    """`HANDBOOK_BUDGET_USD` (with `HANDBOOK_STUDENT`, `HANDBOOK_LAB`) on a per-token-billed model (chapter 5).

    Every call runs under the student's budget, kept under HANDBOOK_HOME/budgets
    so it spans notebooks and restarts. Local and self-hosted models are free
    per token, so they get none.
    """
    if not cfg.budget_usd or cfg.local:
        return None

    def make():
        from .cost.budget import Budget
        from .cost.pricing import price
        from .errors import PriceError

        try:
            if price(cfg.model).local:
                return None
        except PriceError:
            return None  # a self-hosted model the price table does not know
        return Budget.for_student(cfg.student or "student", cfg.lab, cfg.budget_usd)

    return (cfg.student, cfg.lab, cfg.budget_usd, cfg.model), make


env_hook("budget", _budget_hook)


# ------------------------------------------------------------------ captured message text is redacted
def _redact(text: str) -> str:
    """Message text that tracing captures (only when the OTEL_* switch asks) loses its PII and keys (chapter 8)."""
    from .guard.redact import redact

    return redact(text)


def _install_redactor() -> None:
    from .telemetry.content import set_content_filter

    set_content_filter(_redact)


_install_redactor()
