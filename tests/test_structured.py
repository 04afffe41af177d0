"""handbook.prompts.structured: schema-constrained requests, JSON parsing, validation, retry with the error (chapter 2)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pydantic
import pytest

from handbook.errors import StructuredOutputError
from handbook.llm import client
from handbook.prompts import structured, templates
from handbook.prompts.structured import parse_json, validate
from handbook.records import Usage


@dataclass
class Ticket:
    category: Literal["billing", "shipping"]
    order_id: str | None
    refund_requested: bool
    score: float = 0.0
    tags: list[str] | None = None


class TicketModel(pydantic.BaseModel):
    category: Literal["billing", "shipping"]
    order_id: str | None


@pytest.mark.parametrize("text, expected", [
    ('{"a": 1}', {"a": 1}),
    ('  {"a": {"b": [1, 2]}}\n', {"a": {"b": [1, 2]}}),
    ('```json\n{"a": null}\n```', {"a": None}),
    ('{"braces": "{not a placeholder}"}', {"braces": "{not a placeholder}"}),
])
def test_parse_json(text, expected):
    assert parse_json(text) == expected


@pytest.mark.parametrize("text, needle", [
    ("billing", "not valid JSON"),
    ('{"a": 1', "not valid JSON"),
    ("[1, 2]", "Expected a JSON object, got list"),
    ("", "not valid JSON"),
])
def test_parse_json_errors_include_raw_reply(text, needle):
    with pytest.raises(StructuredOutputError) as err:
        parse_json(text)
    assert needle in err.value.message and repr(text[:500]) in err.value.message and err.value.raw == text


GOOD = {"category": "billing", "order_id": None, "refund_requested": True}


@pytest.mark.parametrize("data, expected", [
    (GOOD, Ticket("billing", None, True)),
    ({**GOOD, "order_id": "A-1", "score": 2}, Ticket("billing", "A-1", True, 2)),
    ({**GOOD, "tags": ["x", "y"]}, Ticket("billing", None, True, tags=["x", "y"])),
])
def test_validate_dataclass(data, expected):
    assert validate(data, Ticket) == expected


@pytest.mark.parametrize("data, needle", [
    ({"category": "billing", "order_id": None}, "missing key 'refund_requested'"),
    ({**GOOD, "urgent": True}, "unknown key 'urgent'"),
    ({**GOOD, "category": "refund"}, "'category' must be one of ['billing', 'shipping'], got 'refund'"),
    ({**GOOD, "order_id": 12345}, "'order_id' must be a string or null, got 12345"),
    ({**GOOD, "refund_requested": "yes"}, "'refund_requested' must be true or false, got 'yes'"),
    ({**GOOD, "score": True}, "'score' must be a number"),
    ({**GOOD, "tags": ["x", 1]}, "'tags'"),
])
def test_validate_dataclass_errors(data, needle):
    with pytest.raises(StructuredOutputError) as err:
        validate(data, Ticket)
    assert needle in err.value.message


def test_validate_pydantic():
    assert validate({"category": "shipping", "order_id": "A-2"}, TicketModel).order_id == "A-2"
    with pytest.raises(StructuredOutputError, match="does not fit TicketModel"):
        validate({"category": "other", "order_id": None}, TicketModel)


def test_validate_rejects_other_schemas():
    with pytest.raises(TypeError):
        validate({}, dict)


@pytest.mark.parametrize("script, attempts, retried", [
    (['{"category": "billing", "order_id": null, "refund_requested": true}'], 1, False),
    (['not json', '{"category": "billing", "order_id": null, "refund_requested": true}'], 2, True),
    (['{"category": "refund", "order_id": null, "refund_requested": true}',
      '{"category": "billing", "order_id": null, "refund_requested": true}'], 2, True),
])
def test_chat_json_retries_once(script, attempts, retried, scripted):
    rendered = templates.render("ticket-extract@1", ticket="charged twice")
    with client.use(scripted(*script)) as fake:
        result = structured.chat_json(rendered, Ticket)
    assert result.value == Ticket("billing", None, True)
    assert (result.attempts, result.retried, len(result.errors)) == (attempts, retried, attempts - 1)
    assert result.usage == Usage(10 * attempts, 5 * attempts)
    first = fake.requests[0]
    assert first.params["response_format"] == structured.response_format(Ticket)
    assert first.prompt_ref == "ticket-extract@1" and first.prompt_hash == rendered.sha256
    if retried:  # the second request shows the model its reply and the exact error
        feedback = fake.requests[1].messages
        assert feedback[-2] == {"role": "assistant", "content": script[0]}
        assert result.errors[0] in feedback[-1]["content"]


def test_chat_json_gives_up_with_raw_reply(scripted):
    with client.use(scripted("nope", '{"category": "x"}')):
        with pytest.raises(StructuredOutputError) as err:
            structured.chat_json([{"role": "system", "content": "s"}, {"role": "user", "content": "u"}], Ticket)
    assert "after 2 attempt(s)" in err.value.message and '{"category": "x"}' in err.value.message
    assert err.value.raw == '{"category": "x"}'


@pytest.mark.parametrize("hint, expected", [
    (str, {"type": "string"}),
    (bool, {"type": "boolean"}),
    (float, {"type": "number"}),
    (Literal["a", "b"], {"type": "string", "enum": ["a", "b"]}),
    (Literal[1, 2], {"enum": [1, 2]}),
    (str | None, {"anyOf": [{"type": "string"}, {"type": "null"}]}),
    (list[str], {"type": "array", "items": {"type": "string"}}),
])
def test_json_type(hint, expected):
    assert structured._json_type(hint) == expected


def test_json_schema_is_strict():
    """OpenAI's strict mode needs every key required and no others; llama.cpp and vLLM accept the same."""
    schema = structured.json_schema(Ticket)
    assert schema["required"] == ["category", "order_id", "refund_requested", "score", "tags"]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["category"] == {"type": "string", "enum": ["billing", "shipping"]}
    fmt = structured.response_format(Ticket)
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["name"] == "Ticket" and fmt["json_schema"]["schema"] == schema
    assert structured.json_schema(TicketModel)["required"] == ["category", "order_id"]


@pytest.mark.parametrize("bad", [dict, set[str]])
def test_json_schema_refuses_what_it_cannot_express(bad):
    with pytest.raises(TypeError):
        structured.json_schema(bad) if bad is dict else structured._json_type(bad)


@pytest.mark.parametrize("decoding, expected", [
    ("schema", structured.response_format(Ticket)),
    ("json", {"type": "json_object"}),
    ("free", None),
])
def test_chat_json_decoding_is_layer_one(decoding, expected, scripted):
    with client.use(scripted('{"category": "billing", "order_id": null, "refund_requested": true}')) as fake:
        structured.chat_json([{"role": "user", "content": "u"}], Ticket, decoding=decoding)
    assert fake.requests[0].params.get("response_format") == expected


def test_chat_json_refuses_unknown_decoding():
    with pytest.raises(ValueError, match="decoding"):
        structured.chat_json([{"role": "user", "content": "u"}], Ticket, decoding="grammar")
