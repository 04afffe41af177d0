"""The GenAI semantic conventions for one chat call: span name, attributes and client metrics (chapter 4).

A chat span is named `{gen_ai.operation.name} {gen_ai.request.model}` and carries

    gen_ai.operation.name      chat                     gen_ai.provider.name     llama.cpp | openai | ...
    gen_ai.request.model       qwen2.5-0.5b-instruct    gen_ai.response.model    as the server names it
    gen_ai.request.temperature / max_tokens / seed      gen_ai.response.finish_reasons  ["stop"]
    gen_ai.usage.input_tokens / output_tokens           server.address, server.port
    error.type                 on failure (and the span's status is ERROR)

plus the handbook's own: `handbook.prompt.ref` and `.hash`, `handbook.cache_hit`,
`handbook.latency_s`, `handbook.request.params` (JSON), `handbook.cost_usd` (set
by the cost floor's `Trace`) and `handbook.time_to_first_token_s` for streams.
The metrics are the conventions' histograms `gen_ai.client.operation.duration`
(seconds) and `gen_ai.client.token.usage` (tokens, by `gen_ai.token.type`).

    chat_attributes(request, server=("llama.cpp", "127.0.0.1", 8765))
    -> {"gen_ai.operation.name": "chat", "gen_ai.request.model": "...", "server.port": 8765, ...}

Deliberately left out: tool-call and agent attributes (chapter 9 adds its own).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any
from urllib.parse import urlparse

from ..records import Reply, Request
from .content import capture_content, messages_json

Attributes = dict[str, Any]
# The bucket boundaries the conventions recommend for the two client histograms.
DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92]
TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864]


def server(base_url: str, local: bool) -> tuple[str, str, int]:
    """(provider name, address, port) of an OpenAI-compatible endpoint (chapter 4)."""
    url = urlparse(base_url)
    port = url.port or (443 if url.scheme == "https" else 80)
    host = url.hostname or ""
    provider = "llama.cpp" if local else "openai" if host == "api.openai.com" else "openai_compatible"
    return provider, host, port


def span_name(request: Request, operation: str = "chat") -> str:
    return f"{operation} {request.model}"


def chat_attributes(request: Request, server: tuple[str, str, int]) -> Attributes:
    """What is known before the call: operation, provider, model, parameters, server, prompt (chapter 4)."""
    provider, host, port = server
    p = request.params
    attrs: Attributes = {
        "gen_ai.operation.name": "chat", "gen_ai.provider.name": provider, "gen_ai.request.model": request.model,
        "server.address": host, "server.port": port,
        "handbook.request.params": json.dumps(dict(p), default=str),
    }
    for key in ("temperature", "max_tokens", "seed", "top_p"):
        if isinstance(p.get(key), int | float):
            attrs[f"gen_ai.request.{key}"] = p[key]
    if request.prompt_ref:
        attrs["handbook.prompt.ref"] = request.prompt_ref
    if request.prompt_hash:
        attrs["handbook.prompt.hash"] = request.prompt_hash
    if capture_content():
        attrs["gen_ai.input.messages"] = messages_json(request.messages)
    return attrs


def reply_attributes(reply: Reply) -> Attributes:
    """What the reply adds: response model, finish reasons, token usage, cache hit, latency (chapter 4)."""
    u = reply.usage
    attrs: Attributes = {
        "gen_ai.response.model": reply.model,
        "gen_ai.usage.input_tokens": u.prompt_tokens, "gen_ai.usage.output_tokens": u.completion_tokens,
        "gen_ai.usage.cache_read.input_tokens": u.cached_tokens,
        "handbook.cache_hit": bool(reply.cached), "handbook.latency_s": round(float(reply.latency_s), 4),
    }
    if reply.finish_reason:
        attrs["gen_ai.response.finish_reasons"] = [reply.finish_reason]
    if capture_content():
        attrs["gen_ai.output.messages"] = messages_json([{"role": "assistant", "content": reply.text}])
    return attrs


def error_attributes(error: BaseException) -> Attributes:
    """`error.type` (the class name) and the handbook's one-line message (chapter 4)."""
    first = (str(error).splitlines() or [""])[0][:300]
    return {"error.type": type(error).__name__, "handbook.error": f"{type(error).__name__}: {first}"}


@cache
def _instruments():
    from . import meter

    m = meter()
    return (m.create_histogram("gen_ai.client.operation.duration", unit="s",
                               description="GenAI operation duration",
                               explicit_bucket_boundaries_advisory=DURATION_BUCKETS),
            m.create_histogram("gen_ai.client.token.usage", unit="{token}",
                               description="Measures number of input and output tokens used",
                               explicit_bucket_boundaries_advisory=TOKEN_BUCKETS))


def record_metrics(attrs: Attributes, duration_s: float) -> None:
    """Add one call to the two GenAI client histograms (chapter 4)."""
    duration, tokens = _instruments()
    keys = ("gen_ai.operation.name", "gen_ai.provider.name", "gen_ai.request.model", "gen_ai.response.model",
            "server.address", "server.port", "error.type")
    common = {k: attrs[k] for k in keys if k in attrs}
    duration.record(duration_s, common)
    for kind, key in (("input", "gen_ai.usage.input_tokens"), ("output", "gen_ai.usage.output_tokens")):
        if key in attrs:
            tokens.record(attrs[key], {**common, "gen_ai.token.type": kind})
