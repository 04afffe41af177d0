"""handbook.llm.client: chat and stream against the real local model, hooks, env hooks, readiness (chapter 1)."""

from __future__ import annotations

import pytest

from handbook import config
from handbook.errors import LLMCallError, TokenizerError
from handbook.llm import client
from handbook.records import Reply, Request, Usage

MESSAGES = [{"role": "system", "content": "Answer with one word."},
            {"role": "user", "content": "What colour is the sky on a clear day?"}]


@pytest.mark.model
def test_chat_is_reproducible_at_temperature_zero():
    a, b = client.chat(MESSAGES, max_tokens=5), client.chat(MESSAGES, max_tokens=5)
    assert a.text == b.text and "blue" in a.text.lower()
    assert a.usage.prompt_tokens > 10 and 0 < a.usage.completion_tokens <= 5
    assert a.latency_s > 0 and a.model


@pytest.mark.model
def test_stream_yields_the_same_text_and_counts_usage():
    s = client.stream(MESSAGES, max_tokens=5)
    text = "".join(s)
    whole = client.chat(MESSAGES, max_tokens=5)
    assert text == whole.text
    assert s.reply.usage == whole.usage  # counted with the model's own tokenizer (models.chat_prompt + count_local)
    assert s.reply.extra["usage_counted_locally"] is True  # llama.cpp ignores include_usage


class Recorder:
    def __init__(self, answer: Reply | None = None):
        self.answer, self.seen = answer, []

    def before(self, request):
        self.seen.append(("before", request.prompt_ref))
        return self.answer

    def after(self, request, reply, error):
        self.seen.append(("after", reply.text if reply else type(error).__name__))


def test_hooks_see_calls_and_can_answer_from_cache():
    canned = Reply("cached!", Usage(), 0.0, "m", cached=True)
    with client.use(Recorder(canned)) as hook:
        reply = client.chat(MESSAGES, prompt_ref="demo@1")
    assert reply is canned
    assert hook.seen == [("before", "demo@1"), ("after", "cached!")]
    assert hook not in client._HOOKS  # `use` removes it when the block ends


def test_a_hook_can_answer_a_stream():
    canned = Reply("cached!", Usage(), 0.0, "m", cached=True)
    with client.use(Recorder(canned)) as hook:
        s = client.stream(MESSAGES)
        assert list(s) == ["cached!"]
    assert s.reply is canned and hook.seen == [("before", None), ("after", "cached!")]


def test_hook_that_raises_stops_the_call():
    class Stop:
        def before(self, request):
            raise RuntimeError("over budget")

        def after(self, request, reply, error):
            raise AssertionError("never reached")

    with client.use(Stop()), pytest.raises(RuntimeError, match="over budget"):
        client.chat(MESSAGES)


def test_params_and_rendered_prompts_reach_the_request(scripted):
    from handbook.records import RenderedPrompt

    rendered = RenderedPrompt(MESSAGES, "demo@2", "f" * 64)
    with client.use(scripted("blue")) as fake:
        client.chat(rendered, model="gpt-4o", max_tokens=7, seed=None, stop=["\n"])
    (request,) = fake.requests
    assert (request.model, request.prompt_ref, request.prompt_hash) == ("gpt-4o", "demo@2", "f" * 64)
    assert request.params == {"temperature": 0.0, "max_tokens": 7, "stop": ["\n"]}  # None values are dropped
    assert request.messages == tuple(MESSAGES)


@pytest.mark.parametrize("bad", [[], [{"content": "no role"}], [{"role": "user"}]])
def test_malformed_messages(bad):
    with pytest.raises(LLMCallError, match="messages must be"):
        client.chat(bad)


@pytest.mark.parametrize("local", [True, False])
def test_unreachable_endpoint_names_the_fix(monkeypatch, local):
    if not local:  # a remote endpoint where nothing listens (the local port, 9, is closed too)
        monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/v1")
    with pytest.raises(LLMCallError) as info:
        client.chat(MESSAGES)
    assert ("handbook doctor" if local else "OPENAI_BASE_URL") in info.value.fix


def test_a_failed_call_is_seen_by_hooks():
    with client.use(Recorder()) as hook, pytest.raises(LLMCallError):
        client.chat(MESSAGES)
    assert hook.seen == [("before", None), ("after", "LLMCallError")]


def test_count_local_without_a_server_is_a_tokenizer_error():
    with pytest.raises(TokenizerError, match="could not count tokens") as err:
        client.count_local("hello", "qwen2.5-coder-1.5b-instruct")
    assert "handbook doctor" in err.value.fix


# ------------------------------------------------------------------ env hooks
def test_env_hook_is_made_once_per_key_and_replaced_when_the_key_changes(monkeypatch, scripted):
    made = []

    class Tagged:
        def __init__(self, key):
            self.key, self.calls = key, 0

        def before(self, request):
            return None

        def after(self, request, reply, error):
            self.calls += 1

    def maker(cfg):
        if not cfg.lab or cfg.lab == "workshop":
            return None
        return (cfg.lab,), lambda: made.append(Tagged(cfg.lab)) or made[-1]

    monkeypatch.setitem(client._ENV_MAKERS, "test", maker)
    with client.use(scripted(answer=lambda request: "ok")):
        client.chat(MESSAGES)                     # off: nothing made
        monkeypatch.setenv("HANDBOOK_LAB", "lab1")
        client.chat(MESSAGES)
        client.chat(MESSAGES)                     # same key: the same hook
        monkeypatch.setenv("HANDBOOK_LAB", "lab2")
        client.chat(MESSAGES)                     # new key: a new hook replaces the old one
        monkeypatch.delenv("HANDBOOK_LAB")
        client.chat(MESSAGES)                     # off again: removed
    assert [(h.key, h.calls) for h in made] == [("lab1", 2), ("lab2", 1)]
    assert not any(h in client._HOOKS for h in made) and "test" not in client._ENV_HOOKS


# ------------------------------------------------------------------ ready(): checked once per process
def test_ready_checks_once_then_again_after_a_failure(monkeypatch):
    checks = []
    monkeypatch.setattr(client, "ensure_running", lambda cfg=None: checks.append(cfg.base_url))
    monkeypatch.setattr(client, "_READY", set())
    cfg = config.settings({})
    client.ready(cfg)
    client.ready(cfg)
    assert len(checks) == 1
    client._fail(cfg, Request((), "m", {}), OSError("connection refused"))
    client.ready(cfg)
    assert len(checks) == 2


def test_ready_ignores_remote_endpoints(monkeypatch):
    monkeypatch.setattr(client, "ensure_running", lambda cfg=None: (_ for _ in ()).throw(AssertionError))
    client.ready(config.settings({"OPENAI_BASE_URL": "https://api.openai.com/v1", "OPENAI_API_KEY": "sk-test"}))
