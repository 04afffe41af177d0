"""Structured output: ask for JSON, parse it, validate it, retry once with the error.

`chat_json(prompt, Schema)` sends a prompt with `response_format` set to
`{"type": "json_object"}` (the local llama.cpp server and OpenAI both honour
it), parses the reply, and checks it against `Schema`: a dataclass (checked
here: required keys, no unknown keys, value types including `Literal` and
`X | None`) or a pydantic model (checked by pydantic). If the first reply
fails, the model sees its own answer and the exact error, and gets one more
try. A second failure raises `StructuredOutputError` with the raw reply, so
the caller can log it or fall back.

Deliberately left out: JSON Schema files, nested dataclasses, grammars
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
                                    "ask for JSON with response_format={'type': 'json_object'}", raw=text) from exc
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


def chat_json(prompt, schema: type[T], *, retries: int = 1, max_tokens: int = 128, **params: Any) -> Structured[T]:
    """Ask for JSON, validate it against `schema`, retry with the error fed back (chapter 2).

    `prompt` is a `RenderedPrompt` or a list of messages. Raises
    `StructuredOutputError` (with `.raw`, the last reply) if every attempt fails.
    """
    messages = list(getattr(prompt, "messages", prompt))
    tags = {"prompt_ref": getattr(prompt, "ref", None), "prompt_hash": getattr(prompt, "sha256", None)}
    replies: list[Reply] = []
    errors: list[str] = []
    for _ in range(retries + 1):
        reply = client.chat(messages, max_tokens=max_tokens, response_format={"type": "json_object"}, **tags, **params)
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
