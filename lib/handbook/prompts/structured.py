"""Structured output in two layers: constrain the decoding, then validate and retry once.

Layer 1, `response_format(Schema)`: the request asks the server to decode
against a strict JSON schema built from `Schema` (`json_schema`), OpenAI's
`{"type": "json_schema", ...}` shape, which vLLM and the book's llama.cpp
server also accept; the sampler can then only emit replies that parse and fit
the schema. Layer 2, `validate`: the parsed object is checked against `Schema`
(a dataclass: required keys, no unknown keys, value types including `Literal`
and `X | None`; or a pydantic model, checked by pydantic), because a server
may not constrain, may cut the reply at `max_tokens`, or may only promise
JSON syntax. `chat_json(prompt, Schema)` does both: if the first reply
fails, the model sees its own answer and the exact error, and gets one more
try. A second failure raises `StructuredOutputError` with the raw reply, so
the caller can log it or fall back.

    chat_json(prompt, TicketFields)                   # schema-constrained, validated
    chat_json(prompt, TicketFields, decoding="json")  # JSON mode: syntax only
    chat_json(prompt, TicketFields, decoding="free")  # no constraint: the prompt alone

Deliberately left out: nested dataclasses, `$ref`s, hand-written grammars
(llama.cpp GBNF) and tool/function calling.
"""
from __future__ import annotations

import dataclasses
import json
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from ..errors import StructuredOutputError
from ..llm import client
from ..records import Reply, Usage

T = TypeVar("T")


@dataclass(frozen=True)
class Structured(Generic[T]):
    """A validated value plus every reply it took to get it (chapter 2)."""

    value: T
    replies: list[Reply] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # why earlier attempts were rejected

    @property
    def attempts(self) -> int:
        return len(self.replies)

    @property
    def retried(self) -> bool:
        return self.attempts > 1

    @property
    def usage(self) -> Usage:
        return sum(r.usage for r in self.replies)


def parse_json(text: str) -> dict[str, Any]:
    """Parse a reply that should be one JSON object; tolerate a ```json fence (chapter 2)."""
    body = text.strip()
    if body.startswith("```"):
        body = body.strip("`").removeprefix("json").strip()
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise StructuredOutputError(f"The reply is not valid JSON ({exc.msg} at line {exc.lineno} column "
                                    f"{exc.colno}). Raw reply: {text[:500]!r}",
                                    "ask for schema-constrained JSON with response_format=structured.response_format(Schema)", raw=text) from exc
    if not isinstance(data, dict):
        raise StructuredOutputError(f"Expected a JSON object, got {type(data).__name__}. Raw reply: {text[:500]!r}",
                                    "say 'Reply with one JSON object' in the prompt", raw=text)
    return data


def _check(value: Any, hint: Any, where: str) -> None:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return
    if origin is Literal:
        if value not in args:
            raise ValueError(f"{where} must be one of {list(args)}, got {value!r}")
    elif origin in (typing.Union, types.UnionType):
        for option in args:
            try:
                return _check(value, option, where)
            except ValueError:
                continue
        raise ValueError(f"{where} must be {' or '.join(_name(a) for a in args)}, got {value!r}")
    elif origin is list:
        if not isinstance(value, list):
            raise ValueError(f"{where} must be a list, got {value!r}")
        for i, item in enumerate(value):
            _check(item, args[0] if args else Any, f"{where}[{i}]")
    elif hint is type(None):
        if value is not None:
            raise ValueError(f"{where} must be null, got {value!r}")
    elif hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{where} must be a number, got {value!r}")
    elif isinstance(hint, type):
        if not isinstance(value, hint) or (hint is int and isinstance(value, bool)):
            raise ValueError(f"{where} must be {_name(hint)}, got {value!r}")


def _name(hint: Any) -> str:
    return {type(None): "null", str: "a string", int: "an integer", bool: "true or false"}.get(hint, str(hint))


_JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null"}


def _json_type(hint: Any) -> dict[str, Any]:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Literal:
        return {"type": "string", "enum": list(args)} if all(isinstance(a, str) for a in args) else {"enum": list(args)}
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [_json_type(a) for a in args]}
    if origin is list:
        return {"type": "array", "items": _json_type(args[0]) if args else {}}
    if hint in _JSON_TYPES:
        return {"type": _JSON_TYPES[hint]}
    if hint is Any:
        return {}
    raise TypeError(f"no JSON schema for the type {hint!r}; use str, int, float, bool, None, Literal, list or |")


def json_schema(schema: type) -> dict[str, Any]:
    """The strict JSON schema of a dataclass or pydantic model: every key required, no others (chapter 2)."""
    if hasattr(schema, "model_json_schema"):  # a pydantic model
        return schema.model_json_schema()
    if not dataclasses.is_dataclass(schema):
        raise TypeError(f"schema must be a dataclass or a pydantic model, not {schema!r}")
    hints = typing.get_type_hints(schema)
    names = [f.name for f in dataclasses.fields(schema)]
    return {"type": "object", "properties": {n: _json_type(hints[n]) for n in names}, "required": names,
            "additionalProperties": False}


def response_format(schema: type) -> dict[str, Any]:
    """Layer 1: the `response_format` that asks for schema-constrained decoding (chapter 2)."""
    return {"type": "json_schema", "json_schema": {"name": schema.__name__, "schema": json_schema(schema),
                                                   "strict": True}}


def validate(data: dict[str, Any], schema: type[T]) -> T:
    """Build `schema` from parsed JSON or raise `StructuredOutputError` naming the bad field (chapter 2)."""
    if hasattr(schema, "model_validate"):  # a pydantic model
        try:
            return schema.model_validate(data)
        except Exception as exc:  # pydantic.ValidationError, without importing pydantic here
            raise StructuredOutputError(f"The JSON does not fit {schema.__name__}: {exc}",
                                        "describe every field and its type in the prompt") from exc
    if not dataclasses.is_dataclass(schema):
        raise TypeError(f"schema must be a dataclass or a pydantic model, not {schema!r}")
    hints = typing.get_type_hints(schema)
    fields = {f.name: f for f in dataclasses.fields(schema)}
    required = [n for n, f in fields.items()
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    problems = [f"missing key {n!r}" for n in required if n not in data]
    problems += [f"unknown key {k!r}" for k in data if k not in fields]
    for name in fields:
        if name in data:
            try:
                _check(data[name], hints[name], repr(name))
            except ValueError as exc:
                problems.append(str(exc))
    if problems:
        raise StructuredOutputError(f"The JSON does not fit {schema.__name__}: {'; '.join(problems)}.",
                                    f"reply with exactly the keys {', '.join(fields)}")
    return schema(**data)


def chat_json(prompt, schema: type[T], *, decoding: Literal["schema", "json", "free"] = "schema",
              retries: int = 1, max_tokens: int = 128, **params: Any) -> Structured[T]:
    """Ask for JSON, validate it against `schema`, retry with the error fed back (chapter 2).

    `prompt` is a `RenderedPrompt` or a list of messages. `decoding` is layer 1:
    "schema" (strict JSON schema), "json" (JSON mode) or "free" (no
    constraint). Raises `StructuredOutputError` (with `.raw`, the last reply)
    if every attempt fails.
    """
    if decoding not in ("schema", "json", "free"):
        raise ValueError(f"decoding must be 'schema', 'json' or 'free', not {decoding!r}")
    fmt = {"schema": response_format(schema), "json": {"type": "json_object"}}.get(decoding)
    if fmt is not None:
        params = {"response_format": fmt, **params}
    messages = list(getattr(prompt, "messages", prompt))
    tags = {"prompt_ref": getattr(prompt, "ref", None), "prompt_hash": getattr(prompt, "sha256", None)}
    replies: list[Reply] = []
    errors: list[str] = []
    for _ in range(retries + 1):
        reply = client.chat(messages, max_tokens=max_tokens, **tags, **params)
        replies.append(reply)
        try:
            return Structured(validate(parse_json(reply.text), schema), replies, errors)
        except StructuredOutputError as exc:
            errors.append(exc.message.split(" Raw reply:")[0])
        messages = messages + [
            {"role": "assistant", "content": reply.text},
            {"role": "user", "content": f"That reply was rejected: {errors[-1]} "
                                        "Reply again with only the corrected JSON object."},
        ]
    raise StructuredOutputError(
        f"No valid {schema.__name__} after {len(replies)} attempt(s). Last error: {errors[-1]} "
        f"Raw reply: {replies[-1].text[:500]!r}",
        "make the prompt spell out every key and allowed value, or use a larger model", raw=replies[-1].text)
