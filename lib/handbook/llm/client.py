"""The one module that talks to an LLM over HTTP, through the official `openai` client.

`chat()` sends messages and returns a `Reply` with the text, token `Usage`,
latency and model. `stream()` yields text as it arrives and fills in the same
`Reply` at the end. The endpoint, key and model come only from
`handbook.config.settings()`, so the same call reaches the local llama.cpp
server, OpenAI, vLLM or Ollama by changing environment variables alone. When
the endpoint is the handbook's own local server, it is started on first use.

    chat([{"role": "user", "content": "Capital of France? One word."}])
    -> Reply(text='Paris', usage=Usage(prompt_tokens=36, completion_tokens=2, ...), latency_s=0.4, ...)

Hooks (the `Hook` protocol in `handbook.records`) wrap every call: traces,
budgets and response caches install one with `use(hook)`. A hook's `before`
may return a `Reply` to answer without calling the model (a cache hit) or
raise to stop the call (a budget); `after` sees every reply or error. Hooks
that environment variables switch on (`HANDBOOK_TRACE`, a classroom budget)
are registered from above with `env_hook()`, so this module imports nothing
from the chapters that define them.

Just before a request leaves, `families.request_params` puts it in the
shape the model's family accepts (`max_completion_tokens`, no `temperature`
and a low `reasoning_effort` for OpenAI's reasoning models; the classic shape
for the local server, vLLM and Ollama), so `HANDBOOK_MODEL=gpt-5-mini` works
with the same lab code. Hooks see the handbook's own parameter names.

`count_local(text, model)` asks the local server's tokenizer, the only other
HTTP this library sends to a model server.

Every call is one OpenTelemetry span, `chat {model}`, with the GenAI
semantic-convention attributes of `handbook.telemetry.genai` (no message
text unless OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true); a
stream's span also holds its time to first token. Hooks run inside it.

Function calling passes through: `chat(messages, tools=[...], tool_choice="auto")`
sends OpenAI's `tools` as they are, and the `Reply` carries the endpoint's
parsed calls as `ToolCall`s (`reply.tool_calls`); messages may include the
assistant's `tool_calls` and `{"role": "tool", ...}` results (chapter 9).

Deliberately left out: retries with backoff, parsing tool calls out of reply text (that is
`handbook.agents.calls`), images.
"""

from __future__ import annotations

import contextlib
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

from opentelemetry import trace

from .. import config
from ..errors import LLMCallError, TokenizerError
from ..records import Hook, Reply, Request, ToolCall, Usage
from ..telemetry import genai, tracer
from .families import cut_at_stop, request_params
from .models import chat_prompt
from .server import ensure_running

_HOOKS: list[Hook] = []
_CLIENTS: dict[tuple[str, str], Any] = {}
_READY: set[str] = set()  # local server URLs already checked in this process


@contextlib.contextmanager
def use(hook: Hook) -> Iterator[Hook]:
    """Install a hook for the duration of a `with` block (chapter 1)."""
    _HOOKS.append(hook)
    try:
        yield hook
    finally:
        _HOOKS.remove(hook)


def openai_client(cfg: config.Settings | None = None):
    """The `openai.OpenAI` object for the configured endpoint, created once per endpoint and key (chapter 1)."""
    from openai import OpenAI

    cfg = cfg or config.settings()
    key = (cfg.base_url, cfg.api_key)
    if key not in _CLIENTS:
        # Explicit base_url and api_key: the library never falls back to its own env lookup.
        _CLIENTS[key] = OpenAI(base_url=cfg.base_url, api_key=cfg.api_key, max_retries=1, timeout=300)
    return _CLIENTS[key]


def _prepare(messages, model, prompt_ref, prompt_hash, params) -> tuple[config.Settings, Request]:
    # A rendered prompt from handbook.prompts carries its own ref and hash.
    if hasattr(messages, "messages"):
        prompt_ref = prompt_ref or getattr(messages, "ref", None)
        prompt_hash = prompt_hash or getattr(messages, "sha256", None)
        messages = messages.messages
    msgs = tuple(dict(m) for m in messages)
    if not msgs or any("role" not in m or "content" not in m for m in msgs):
        raise LLMCallError(
            "messages must be a non-empty list of {'role': ..., 'content': ...} dicts.",
            "e.g. [{'role': 'system', 'content': 'Be brief.'}, {'role': 'user', 'content': 'Hi'}]",
        )
    cfg = config.settings()
    ready(cfg)
    _env_hooks(cfg)
    return cfg, Request(msgs, model or cfg.model, params, prompt_ref, prompt_hash)


# Hooks switched on by environment variables: name -> maker(settings) that returns (key, hook factory) or None.
EnvHook = Callable[[config.Settings], tuple[tuple, Callable[[], Hook | None]] | None]
_ENV_MAKERS: dict[str, EnvHook] = {}
_ENV_HOOKS: dict[str, tuple[tuple, Hook]] = {}  # installed now, with the settings key they were made for


def env_hook(name: str, maker: EnvHook) -> None:
    """Register a hook that the environment switches on, e.g. tracing for `HANDBOOK_TRACE` (chapters 4 and 5).

    Before each call, `maker(settings)` returns None (off) or `(key, factory)`;
    the hook is made once per distinct `key` and replaced when the key changes,
    so a lab can switch tracing on or off by setting a variable.
    """
    _ENV_MAKERS[name] = maker


def _env_hooks(cfg: config.Settings) -> None:
    for name, maker in _ENV_MAKERS.items():
        wanted = maker(cfg)
        key = wanted[0] if wanted else None
        current = _ENV_HOOKS.get(name)
        if current and current[0] != key:
            _HOOKS.remove(current[1])
            del _ENV_HOOKS[name]
        if wanted and name not in _ENV_HOOKS:
            hook = wanted[1]()
            if hook is not None:
                _HOOKS.append(hook)
                _ENV_HOOKS[name] = (key, hook)


def _before(request: Request) -> Reply | None:
    for hook in list(_HOOKS):
        hit = hook.before(request)
        if hit is not None:
            return hit
    return None


def _after(request: Request, reply: Reply | None, error: BaseException | None) -> None:
    for hook in list(_HOOKS):
        hook.after(request, reply, error)


def _start_span(cfg: config.Settings, request: Request) -> trace.Span:
    """The call's span, following the GenAI semantic conventions (`handbook.telemetry.genai`) (chapter 4)."""
    attrs = genai.chat_attributes(request, genai.server(cfg.base_url, cfg.local))
    return tracer().start_span(genai.span_name(request), kind=trace.SpanKind.CLIENT, attributes=attrs)


def _finish(span: trace.Span, request: Request, reply: Reply | None, error: BaseException | None,
            start: float, hooks: bool = True) -> None:
    """Put the outcome on the span, record the metrics, run the hooks inside it, and end it."""
    with trace.use_span(span, end_on_exit=True, record_exception=False, set_status_on_exception=False):
        if span.is_recording():
            attrs = genai.reply_attributes(reply) if reply is not None else genai.error_attributes(error)
            span.set_attributes(attrs)
            if error is not None:
                span.set_status(trace.StatusCode.ERROR, attrs["handbook.error"])
            genai.record_metrics({**span.attributes, **attrs}, time.perf_counter() - start)
        if hooks:
            _after(request, reply, error)  # hooks see the span as current: a Trace adds dollars and tags to it


def ready(cfg: config.Settings | None = None) -> None:
    """Make sure the local server runs, starting it if needed; checked once per process (chapter 1).

    A health check queues behind every running generation on a busy server, so it is done
    once, not before every call; a failed call clears the mark and the next call checks again.
    """
    cfg = cfg or config.settings()
    if cfg.local and cfg.base_url not in _READY:
        ensure_running(cfg)
        _READY.add(cfg.base_url)


def _fail(cfg: config.Settings, request: Request, exc: Exception) -> LLMCallError:
    _READY.discard(cfg.base_url)  # check the server again before the next call
    where = "the local server" if cfg.local else cfg.base_url
    fix = "run `handbook doctor` to check the server" if cfg.local else "check OPENAI_BASE_URL, OPENAI_API_KEY and HANDBOOK_MODEL"
    return LLMCallError(f"Chat call to {where} (model {request.model}) failed: {type(exc).__name__}: {exc}", fix)


def chat(messages, *, model: str | None = None, temperature: float = 0.0, max_tokens: int = 256,
         seed: int | None = 0, prompt_ref: str | None = None, prompt_hash: str | None = None,
         **params: Any) -> Reply:
    """Send chat messages and return a `Reply` (chapter 1).

    Defaults are the reproducible ones: temperature 0 and a fixed seed. They make
    replies repeat exactly only on this book's local server; hosted APIs and stock
    llama.cpp may still vary, and reasoning models take no temperature at all.
    Extra keyword arguments (`response_format`, `stop`, `top_p`, `reasoning_effort`,
    ...) go to the API, in the shape the model's family accepts (`families`).
    """
    params = {"temperature": temperature, "max_tokens": max_tokens, "seed": seed, **params}
    params = {k: v for k, v in params.items() if v is not None}
    cfg, request = _prepare(messages, model, prompt_ref, prompt_hash, params)
    span, start = _start_span(cfg, request), time.perf_counter()
    try:
        hit = _before(request)
    except Exception as exc:  # a budget refused the call: no hook's `after` runs
        _finish(span, request, None, exc, start, hooks=False)
        raise
    if hit is not None:
        _finish(span, request, hit, None, start)
        return hit
    start = time.perf_counter()
    try:
        resp = openai_client(cfg).chat.completions.create(model=request.model, messages=list(request.messages),
                                                          **request_params(request.model, params))
    except Exception as exc:
        error = _fail(cfg, request, exc)
        _finish(span, request, None, error, start)
        raise error from exc
    latency = time.perf_counter() - start
    u = resp.usage
    details = getattr(u, "prompt_tokens_details", None) if u else None
    usage = Usage(
        u.prompt_tokens if u else 0,
        u.completion_tokens if u else 0,
        (getattr(details, "cached_tokens", 0) or 0) if details else 0,
    )
    choice = resp.choices[0]
    calls = tuple(ToolCall(c.function.name, c.function.arguments or "{}", c.id or "")
                  for c in (getattr(choice.message, "tool_calls", None) or []) if getattr(c, "function", None))
    reply = Reply(_text(request, choice.message.content or ""), usage, latency, resp.model or request.model,
                  choice.finish_reason, request.prompt_ref, request.prompt_hash,
                  extra={**_reasoning(u), **_logprobs(choice)}, tool_calls=calls)
    _finish(span, request, reply, None, start)
    return reply


def _text(request: Request, text: str) -> str:
    """The reply text, cut at `stop` where the model's family refused it and the server could not."""
    if "stop" in request.params and "stop" not in request_params(request.model, request.params):
        return cut_at_stop(text, request.params["stop"])
    return text


def _logprobs(choice) -> dict[str, Any]:
    """With `logprobs=True`: each reply token's log-probability and, with `top_logprobs=N`, its rivals.

    -> {"logprobs": [{"token": "3", "logprob": -0.4, "top": [["3", -0.4], ["2", -1.2], ...]}, ...]}
    """
    content = getattr(getattr(choice, "logprobs", None), "content", None)
    if not content:
        return {}
    return {"logprobs": [{"token": c.token, "logprob": c.logprob,
                          "top": [[t.token, t.logprob] for t in (c.top_logprobs or [])]} for c in content]}


def _reasoning(u) -> dict[str, Any]:
    """Hidden reasoning tokens, when the server reports them (they are billed as output)."""
    details = getattr(u, "completion_tokens_details", None) if u else None
    tokens = (getattr(details, "reasoning_tokens", 0) or 0) if details else 0
    return {"reasoning_tokens": tokens} if tokens else {}


class Stream:
    """Iterate for text pieces; afterwards `.reply` holds the full `Reply` (chapter 1)."""

    def __init__(self, cfg: config.Settings, request: Request):
        self.cfg, self.request, self.reply = cfg, request, None

    def __iter__(self) -> Iterator[str]:
        # The span is started, not made current: a generator must not hold the context across yields.
        span, start = _start_span(self.cfg, self.request), time.perf_counter()
        try:
            hit = _before(self.request)  # budgets may refuse and caches may answer a stream too
        except Exception as exc:
            _finish(span, self.request, None, exc, start, hooks=False)
            raise
        if hit is not None:
            self.reply = hit
            _finish(span, self.request, hit, None, start)
            yield hit.text
            return
        start = time.perf_counter()
        pieces, usage, finish, text = [], None, None, ""
        try:
            chunks = openai_client(self.cfg).chat.completions.create(
                model=self.request.model, messages=list(self.request.messages), stream=True,
                stream_options={"include_usage": True}, **request_params(self.request.model, self.request.params))
            for chunk in chunks:
                if chunk.usage:
                    usage = Usage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
                for choice in chunk.choices:
                    finish = choice.finish_reason or finish
                    if choice.delta and choice.delta.content:
                        pieces.append(choice.delta.content)
                        # Where the family refused `stop`, yield nothing past the first stop string,
                        # but keep reading: the usage arrives in the last chunk.
                        cut = _text(self.request, "".join(pieces))
                        if len(cut) > len(text):
                            if not text and span.is_recording():
                                span.set_attribute("handbook.time_to_first_token_s",
                                                   round(time.perf_counter() - start, 4))
                            yield cut[len(text):]
                            text = cut
        except Exception as exc:
            error = _fail(self.cfg, self.request, exc)
            _finish(span, self.request, None, error, start)
            raise error from exc
        text = _text(self.request, "".join(pieces))  # a stop string split across pieces is cut here too
        counted = usage is None  # servers such as llama.cpp ignore include_usage
        if counted:
            usage = _local_usage(self.cfg, self.request, text)
        self.reply = Reply(text, usage, time.perf_counter() - start, self.request.model, finish,
                           self.request.prompt_ref, self.request.prompt_hash,
                           extra={"usage_counted_locally": counted})
        _finish(span, self.request, self.reply, None, start)


def stream(messages, *, model: str | None = None, temperature: float = 0.0, max_tokens: int = 256,
           seed: int | None = 0, **params: Any) -> Stream:
    """Like `chat`, but yields text as it is generated (chapter 1)."""
    params = {k: v for k, v in {"temperature": temperature, "max_tokens": max_tokens, "seed": seed, **params}.items()
              if v is not None}
    cfg, request = _prepare(messages, model, None, None, params)
    return Stream(cfg, request)


def _local_usage(cfg: config.Settings, request: Request, text: str) -> Usage:
    """Usage of a streamed local reply, counted as the server bills it (its chat template included)."""
    if not cfg.local:
        return Usage()
    return Usage(count_local(chat_prompt(request.model, request.messages), request.model),
                 count_local(text, request.model) if text else 0)


def count_local(text: str, model: str) -> int:
    """Tokens of `text` in a local model's own vocabulary, asked of the local server (chapter 1)."""
    cfg = config.settings()
    ensure_running(cfg)
    body = json.dumps({"input": text, "model": model}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{cfg.port}/extras/tokenize/count", body,
                                 {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=300) as resp:  # patient: a shared server queues requests
            return int(json.loads(resp.read())["count"])
    except (urllib.error.URLError, OSError, KeyError, ValueError) as exc:
        raise TokenizerError(f"The local server could not count tokens for {model}: {exc}",
                             "run `handbook doctor` to check the server") from exc
