"""Message content in spans: not captured unless asked for, and filtered when it is (chapter 4).

Traces are kept longer and read by more people than the data they describe,
so prompts and answers stay out of spans by default. The GenAI semantic
conventions' switch turns capture on:

    OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true

and every captured text then passes through the content filter, which an
application sets once, e.g. to a PII redactor:

    set_content_filter(lambda text: text.replace("alice@example.com", "[EMAIL]"))

Deliberately left out: the redactor itself (chapter 8's guard), sampling of content.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
_FILTER: list[Callable[[str], str]] = []


def capture_content() -> bool:
    """True when the environment asks for message content in spans (chapter 4)."""
    return os.environ.get(ENV, "").strip().lower() in ("true", "1", "yes")


def set_content_filter(fn: Callable[[str], str] | None) -> None:
    """Pass every captured text through `fn` (None removes it) (chapter 4)."""
    _FILTER.clear()
    if fn is not None:
        _FILTER.append(fn)


def filter_content(text: str) -> str:
    """`text` after the content filter, or unchanged without one (chapter 4)."""
    return _FILTER[0](text) if _FILTER else text


def messages_json(messages: Iterable[Mapping[str, Any]]) -> str:
    """Messages as the conventions' JSON (`[{"role", "parts": [{"type": "text", "content"}]}]`), filtered."""
    return json.dumps([{"role": m.get("role"), "parts": [{"type": "text",
                                                           "content": filter_content(str(m.get("content", "")))}]}
                       for m in messages], ensure_ascii=False)
