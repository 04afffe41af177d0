"""The request shape per model family: reasoning models get `max_completion_tokens` and no temperature (chapter 1).

Unit tests of `handbook.llm.families`, then real HTTP: a fake OpenAI-compatible
server on loopback (http.server in a thread) records every request body, and the
library's call sites (`chat`, `stream`, structured output, the judge) are pointed
at it with `HANDBOOK_MODEL=gpt-5-mini`, `gpt-4.1-mini` or the local model.
"""

from __future__ import annotations

import csv
import datetime
import http.server
import json
import threading
from dataclasses import dataclass

import pytest

from handbook.llm import client, families
from handbook.llm.families import CLASSIC, family, request_params

LOCAL = "qwen2.5-coder-1.5b-instruct"
MESSAGES = [{"role": "user", "content": "Capital of France? One word."}]


# ------------------------------------------------------------------ the table
@pytest.mark.parametrize(
    "model, prefix",
    [
        ("gpt-5-mini", "gpt-5"), ("gpt-5-mini-2025-08-07", "gpt-5"), ("gpt-5.4-mini", "gpt-5."),
        ("gpt-5.1", "gpt-5."), ("gpt-5-chat-latest", "gpt-5-chat"), ("openai/gpt-5-nano", "gpt-5"),
        ("o3-mini", "o3"), ("o4-mini", "o4"), ("gpt-4.1-mini", "gpt-4"), ("gpt-4o", "gpt-4"),
        ("gpt-oss:20b", "gpt-oss"), ("Qwen/Qwen3-8B", "qwen3"), ("qwen3:8b", "qwen3"),
        ("deepseek-r1:7b", "deepseek-r1"), ("claude-haiku-4-5", "claude"), ("gemini-2.5-flash", "gemini"),
        (LOCAL, ""), ("smollm2-135m-instruct", ""), ("Qwen/Qwen2.5-Coder-1.5B-Instruct", ""),
    ],
)
def test_a_model_matches_its_longest_prefix(model, prefix):
    assert family(model).prefix == prefix


def test_every_row_is_sourced_dated_and_unique():
    rows = list(csv.DictReader(families.TABLE.open(newline="")))
    assert len({r["prefix"] for r in rows}) == len(rows), "two rows share a prefix"
    for r in rows:
        assert r["source"].startswith("https://"), r
        assert datetime.date.fromisoformat(r["checked"]) <= datetime.date.today(), r
    assert len(families.families()) == len(rows)  # every row parses


@pytest.mark.parametrize(
    "model, params, expected",
    [
        # the docstring's examples
        ("gpt-5-mini", {"temperature": 0.0, "max_tokens": 8, "seed": 0},
         {"seed": 0, "max_completion_tokens": 264, "reasoning_effort": "minimal"}),
        (LOCAL, {"temperature": 0.0, "max_tokens": 8}, {"temperature": 0.0, "max_tokens": 8}),
        # the old shape stays for older API models and for open weights on local servers
        ("gpt-4.1-mini", {"temperature": 0.0, "max_tokens": 8, "stop": ["\n"]},
         {"temperature": 0.0, "max_tokens": 8, "stop": ["\n"]}),
        ("gpt-oss-20b", {"temperature": 0.7, "max_tokens": 8}, {"temperature": 0.7, "max_tokens": 8}),
        # sampling settings and stop go; an explicit effort or token limit of the caller stays
        ("gpt-5.4-mini", {"temperature": 0.8, "top_p": 0.9, "logprobs": True, "stop": "x", "max_tokens": 8},
         {"max_completion_tokens": 8, "reasoning_effort": "none"}),
        ("o3", {"max_tokens": 100, "reasoning_effort": "high"}, {"max_completion_tokens": 1124, "reasoning_effort": "high"}),
        ("gpt-5", {"max_tokens": 8, "max_completion_tokens": 500}, {"max_tokens": 8, "max_completion_tokens": 500,
                                                                     "reasoning_effort": "minimal"}),
        ("o1-mini", {"max_tokens": 8}, {"max_completion_tokens": 1032}),  # no effort: o1-mini refuses one
        ("gpt-5-chat-latest", {"temperature": 0, "max_tokens": 8}, {"max_completion_tokens": 8}),
        # other hosted endpoints keep max_tokens; a thinking model gets headroom and a low effort
        ("claude-sonnet-4-5", {"temperature": 0.0, "max_tokens": 8}, {"temperature": 0.0, "max_tokens": 8}),
        ("gemini-2.5-flash", {"temperature": 0.0, "max_tokens": 8},
         {"temperature": 0.0, "max_tokens": 1032, "reasoning_effort": "low"}),
        # response_format and unknown keys pass through untouched
        ("gpt-5-mini", {"response_format": {"type": "json_object"}},
         {"response_format": {"type": "json_object"}, "reasoning_effort": "minimal"}),
    ],
)
def test_request_params(model, params, expected):
    before = dict(params)
    assert request_params(model, params) == expected
    assert params == before  # the caller's dict (the hooks' Request.params) is never changed


@pytest.mark.parametrize(
    "text, stop, expected",
    [("Paris\nLondon", "\n", "Paris"), ("a;b,c", [",", ";"], "a"), ("abc", ["x"], "abc"), ("abc", None, "abc"),
     ("abc", "", "abc"), ("", "\n", "")],
)
def test_cut_at_stop(text, stop, expected):
    assert families.cut_at_stop(text, stop) == expected


def test_classic_is_the_fallback():
    assert family("some-new-local-model") is CLASSIC and CLASSIC.token_param == "max_tokens"


@pytest.mark.parametrize("field, value, fragment", [("token_param", "max_output_tokens", "token_param"),
                                                    ("stop", "maybe", "yes or no")])
def test_a_bad_row_names_the_fix(monkeypatch, tmp_path, field, value, fragment):
    from handbook.errors import ConfigError

    row = {"prefix": "x", "reasoning": "no", "temperature": "yes", "stop": "yes", "token_param": "max_tokens",
           "reasoning_effort": "", "headroom": "0", "source": "https://x", "checked": "2026-12-02", "note": ""}
    row[field] = value
    path = tmp_path / "families.csv"
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, list(row))
        w.writeheader()
        w.writerow(row)
    monkeypatch.setattr(families, "TABLE", path)
    families.families.cache_clear()
    try:
        with pytest.raises(ConfigError, match=fragment) as info:
            families.families()
        assert info.value.fix
    finally:
        families.families.cache_clear()


# ------------------------------------------------------------------ real HTTP against a fake server
@dataclass
class FakeServer:
    """An OpenAI-compatible /v1/chat/completions on loopback that records each request body."""

    port: int
    bodies: list[dict]
    reply: str = "Paris"
    reasoning_tokens: int = 0


def _handler(state: FakeServer):
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.bodies.append(body)
            usage = {"prompt_tokens": 12, "completion_tokens": 2 + state.reasoning_tokens, "total_tokens": 14,
                     "completion_tokens_details": {"reasoning_tokens": state.reasoning_tokens}}
            base = {"id": "chatcmpl-fake", "created": 0, "model": body["model"]}
            if body.get("stream"):
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                pieces = [state.reply[i:i + 3] for i in range(0, len(state.reply), 3)]
                for i, piece in enumerate(pieces):
                    finish = "stop" if i == len(pieces) - 1 else None
                    chunk = {**base, "object": "chat.completion.chunk",
                             "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": finish}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                last = {**base, "object": "chat.completion.chunk", "choices": [], "usage": usage}
                self.wfile.write(f"data: {json.dumps(last)}\n\ndata: [DONE]\n\n".encode())
                return
            out = json.dumps({**base, "object": "chat.completion", "usage": usage, "choices": [
                {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": state.reply}}]})
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out.encode())

    return Handler


@pytest.fixture(scope="module")
def _server():
    state = FakeServer(0, [])
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def fake_server(_server):
    """The module's server, with no recorded bodies and the default reply."""
    _server.bodies.clear()
    _server.reply, _server.reasoning_tokens = "Paris", 0
    return _server


def _point_at(monkeypatch, server: FakeServer, model: str) -> None:
    if model == LOCAL:  # the handbook's own local server: nothing but the port set, as in the labs
        monkeypatch.setenv("HANDBOOK_PORT", str(server.port))
    else:  # another OpenAI-compatible endpoint, the way a reader points a lab at an API
        monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{server.port}/v1")
        monkeypatch.setenv("HANDBOOK_MODEL", model)


def _chat(**kw):
    return client.chat(MESSAGES, max_tokens=8, **kw).text


def _stream(**kw):
    return "".join(client.stream(MESSAGES, max_tokens=8, **kw))


def _structured(**kw):
    from handbook.prompts import structured

    @dataclass
    class City:
        city: str

    return structured.chat_json(MESSAGES, City, max_tokens=8, **kw).value.city


def _judge(**kw):
    from handbook.evaluate import llm_judge

    return llm_judge.judge("Capital of France?", "Paris", "Paris", max_tokens=8, **kw).score


CALL_SITES = {"chat": _chat, "stream": _stream, "structured": _structured, "judge": _judge}
REPLIES = {"chat": "Paris", "stream": "Paris", "structured": '{"city": "Paris"}',
           "judge": '{"score": 5, "reason": "matches"}'}
EXPECT = {"chat": "Paris", "stream": "Paris", "structured": "Paris", "judge": 5}


@pytest.mark.parametrize("site", list(CALL_SITES))
@pytest.mark.parametrize(
    "model, sent, absent",
    [
        ("gpt-5-mini", {"max_completion_tokens": 264, "reasoning_effort": "minimal"}, ("max_tokens", "temperature")),
        ("gpt-5.4-mini", {"max_completion_tokens": 8, "reasoning_effort": "none"}, ("max_tokens", "temperature")),
        ("gpt-4.1-mini", {"max_tokens": 8, "temperature": 0.0, "seed": 0},
         ("max_completion_tokens", "reasoning_effort")),
        (LOCAL, {"max_tokens": 8, "temperature": 0.0, "seed": 0}, ("max_completion_tokens", "reasoning_effort")),
    ],
)
def test_each_call_site_sends_the_shape_its_model_accepts(monkeypatch, fake_server, site, model, sent, absent):
    _point_at(monkeypatch, fake_server, model)
    fake_server.reply = REPLIES[site]
    assert CALL_SITES[site]() == EXPECT[site]
    (body,) = fake_server.bodies
    assert body["model"] == model
    assert {k: body.get(k) for k in sent} == sent, body
    assert not set(absent) & set(body), body


@pytest.mark.parametrize("call", [_chat, _stream])
def test_a_refused_stop_is_applied_by_the_client(monkeypatch, fake_server, call):
    _point_at(monkeypatch, fake_server, "gpt-5-mini")
    fake_server.reply = "Paris.\nIt is also the largest city."
    assert call(stop=["\n"]) == "Paris."
    assert "stop" not in fake_server.bodies[-1]


def test_a_stop_the_family_accepts_is_left_to_the_server(monkeypatch, fake_server):
    _point_at(monkeypatch, fake_server, "gpt-4.1-mini")
    fake_server.reply = "Paris"
    client.chat(MESSAGES, stop=["\n"])
    assert fake_server.bodies[-1]["stop"] == ["\n"]


def test_hidden_reasoning_tokens_are_reported(monkeypatch, fake_server):
    _point_at(monkeypatch, fake_server, "gpt-5-mini")
    fake_server.reasoning_tokens = 40
    reply = client.chat(MESSAGES, max_tokens=8)
    assert reply.usage.completion_tokens == 42 and reply.extra["reasoning_tokens"] == 40


def test_hooks_see_the_handbook_names_not_the_wire_names(monkeypatch, fake_server):
    seen = []

    class Spy:
        def before(self, request):
            seen.append(dict(request.params))

        def after(self, request, reply, error):
            pass

    _point_at(monkeypatch, fake_server, "gpt-5-mini")
    with client.use(Spy()):
        client.chat(MESSAGES, max_tokens=8)
    assert seen == [{"temperature": 0.0, "max_tokens": 8, "seed": 0}]  # budgets read max_tokens
    assert "max_completion_tokens" in fake_server.bodies[-1]
