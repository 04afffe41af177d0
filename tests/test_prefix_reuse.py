"""handbook.llm.prefix_reuse: batch-aligned prefix reuse, so a reply never depends on the request before it (chapter 5)."""

from __future__ import annotations

import dataclasses
import json
from typing import Literal

import pytest

from handbook import config
from handbook.llm import client, prefix_reuse, server
from handbook.prompts import templates

P = list(range(1, 11))  # a previous prompt of 10 tokens


def local_server() -> config.Settings:
    """The settings of the local server, started; skips the test on any other endpoint."""
    cfg = config.settings()
    if not cfg.local:
        pytest.skip("a property of this book's local server")
    client.ready(cfg)
    return cfg


@pytest.mark.parametrize("previous, cached, prompt, expected", [
    ([], [], P, 0),                                   # nothing evaluated yet
    (P, P + [50, 51], P[:9] + [99], 8),               # shares 9 tokens: two whole batches of 4
    (P, P + [50, 51], P, 8),                          # the same prompt again: its whole batches
    (P[:8], P[:8] + [50], P[:8], 4),                  # same prompt of exactly 2 batches: redo the last one
    (P, [], P, 0),                                    # the cache was cleared (an embedding call resets it)
    (P, P, [1, 2, 3, 99], 0),                         # shares less than one batch
    (P, P[:5] + [77] * 5, P, 4),                      # the cache diverged from the previous prompt at 5
    (P[:6], P[:6] + [7, 8], P + [11, 12], 4),         # a follow-up turn: the reply's tokens are never reused
])
def test_reusable_prefix(previous, cached, prompt, expected):
    assert prefix_reuse.reusable_prefix(previous, cached, prompt, batch=4) == expected


S = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"], "additionalProperties": False}


@pytest.mark.parametrize("requested, served", [
    (None, None),                                                               # no constraint
    ({"type": "text"}, {"type": "text"}),
    ({"type": "json_object"}, {"type": "json_object"}),                         # JSON mode, any object
    ({"type": "json_object", "schema": S}, {"type": "json_object", "schema": S}),  # llama.cpp's own spelling
    ({"type": "json_schema", "json_schema": {"name": "T", "schema": S, "strict": True}},
     {"type": "json_object", "schema": S}),                                    # OpenAI's strict structured output
    ({"type": "json_schema", "json_schema": {"name": "T"}}, {"type": "json_object"}),  # no schema: JSON mode
])
def test_llama_response_format(requested, served):
    assert prefix_reuse.llama_response_format(requested) == served


def test_a_json_schema_becomes_a_grammar():
    """The translated schema compiles to the grammar llama.cpp samples with (no model needed)."""
    llama_grammar = pytest.importorskip("llama_cpp.llama_grammar")
    gbnf = llama_grammar.json_schema_to_gbnf(json.dumps(S))
    assert '"\\"a\\""' in gbnf and "root ::=" in gbnf


@pytest.mark.model
def test_the_server_decodes_against_a_strict_json_schema():
    """Layer 1 of structured output on the local server: the reply fits the schema (chapter 2)."""
    from handbook.prompts import structured

    local_server()
    fmt = structured.response_format(_Answer)
    messages = [{"role": "user", "content": "Is the sky green? Answer in one word."}]
    replies = {client.chat(messages, max_tokens=32, response_format=fmt).text for _ in range(2)}
    assert len(replies) == 1, replies  # deterministic at temperature 0
    data = json.loads(replies.pop())
    assert structured.validate(data, _Answer) == _Answer(**data) and data["answer"] in ("yes", "no")


@dataclasses.dataclass
class _Answer:
    answer: Literal["yes", "no"]


def test_the_server_runs_this_module_with_its_batch_size():
    assert server.PROCESS == prefix_reuse.__name__ and server.BATCH == prefix_reuse.BATCH


@pytest.mark.model
def test_a_reply_does_not_depend_on_the_request_before_it():
    """The oracle is a fresh evaluation: identical text and log-probabilities whatever came first."""
    cfg = local_server()
    api = client.openai_client(cfg)
    target = templates.render("ticket-triage@2", ticket="The app crashes when I open my order history.").messages
    before = [
        [{"role": "user", "content": "Say hi."}],                                                    # nothing shared
        templates.render("ticket-triage@2", ticket="Where is my parcel? It is a week late.").messages,  # long shared prefix
        target,                                                                                    # the same request
    ]
    seen = set()
    for previous in before:
        api.chat.completions.create(model=cfg.model, messages=previous, max_tokens=4, temperature=0, seed=0)
        resp = api.chat.completions.create(model=cfg.model, messages=target, max_tokens=4, temperature=0, seed=0,
                                           logprobs=True, top_logprobs=5)
        content = resp.choices[0].logprobs.content
        seen.add(tuple((t.token, t.logprob, tuple((a.token, a.logprob) for a in t.top_logprobs)) for t in content))
    assert len(seen) == 1, seen
