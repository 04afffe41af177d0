"""Chapter 8, security and guardrails: injection defences, safe output handling, redaction and the
red-team runner.

    redact      personal data and secrets out of prompts, traces and logs (`redact(text) -> str`)
    output      model output into HTML, Markdown, SQL and a shell, unsafely and safely
    defences    the injection defences, switchable by name ("none", "all", "spotlight", ...)
    answer      the RAG answer path with defences, and `Guard`, the same idea as a client hook
    redteam     an attack suite through that path, scored by canaries
    safety      refusal and over-refusal of harmful-sounding requests, and prompt leakage

`redact`, `output` and `defences` load at once and import only the standard library and
`handbook.errors`, so `from handbook.guard import redact` is cheap enough for every trace and
log line; the answer path, the runner and the safety checks load on first use (PEP 562).
"""

from __future__ import annotations

import importlib

from .defences import REGISTRY, Defence, check_answer, datamark, defences, instruction_like
from .output import (
    find_safe,
    find_unsafe,
    link_allowed,
    links,
    render_html_safe,
    render_html_unsafe,
    render_markdown_safe,
    render_markdown_unsafe,
    shell_safe,
    shell_unsafe,
)
from .redact import find as find_pii
from .redact import iban_ok, luhn_ok, redact, redact_messages

# The light modules above load at once; these, which pull in the RAG stack, on first use.
_NAMES = {
    "Guard": "answer",
    "Guarded": "answer",
    "guarded_answer": "answer",
    "guarded_ask": "answer",
    "prompt_with": "answer",
    "as_hit": "redteam",
    "load_suite": "redteam",
    "run": "redteam",
    "score": "redteam",
    "summarise": "redteam",
    "evaluate_refusals": "safety",
    "leakage": "safety",
    "refused": "safety",
}
__all__ = [
    "Guard",
    "Guarded",
    "guarded_answer",
    "guarded_ask",
    "prompt_with",
    "as_hit",
    "load_suite",
    "run",
    "score",
    "summarise",
    "evaluate_refusals",
    "leakage",
    "refused",
    "REGISTRY",
    "Defence",
    "check_answer",
    "datamark",
    "defences",
    "instruction_like",
    "find_safe",
    "find_unsafe",
    "link_allowed",
    "links",
    "render_html_safe",
    "render_html_unsafe",
    "render_markdown_safe",
    "render_markdown_unsafe",
    "shell_safe",
    "shell_unsafe",
    "find_pii",
    "iban_ok",
    "luhn_ok",
    "redact",
    "redact_messages",
]


def __getattr__(name: str):
    if name not in _NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(f"{__name__}.{_NAMES[name]}")
    value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
