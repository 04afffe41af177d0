"""The client against the real local model, and its hooks (chapter 1)."""

import pytest

from handbook import client
from handbook.client import Reply, Usage
from handbook.errors import LLMCallError

MESSAGES = [{"role": "system", "content": "Answer with one word."},
            {"role": "user", "content": "What colour is the sky on a clear day?"}]


def test_usage_adds_up():
    parts = [Usage(10, 2), Usage(5, 1, 3)]
    assert sum(parts) == Usage(15, 3, 3)
    assert (parts[0] + parts[1]).total_tokens == 18


def test_chat_is_reproducible_at_temperature_zero():
    a, b = client.chat(MESSAGES, max_tokens=5), client.chat(MESSAGES, max_tokens=5)
    assert a.text == b.text and "blue" in a.text.lower()
    assert a.usage.prompt_tokens > 10 and 0 < a.usage.completion_tokens <= 5
    assert a.latency_s > 0 and a.model


def test_stream_yields_the_same_text_and_counts_usage():
    s = client.stream(MESSAGES, max_tokens=5)
    text = "".join(s)
    whole = client.chat(MESSAGES, max_tokens=5)
    assert text == whole.text
    assert s.reply.usage == whole.usage  # counted with the model's own tokenizer


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


def test_hook_that_raises_stops_the_call():
    class Stop:
        def before(self, request):
            raise RuntimeError("over budget")

        def after(self, request, reply, error):
            raise AssertionError("never reached")

    with client.use(Stop()), pytest.raises(RuntimeError, match="over budget"):
        client.chat(MESSAGES)


@pytest.mark.parametrize("bad", [[], [{"content": "no role"}], [{"role": "user"}]])
def test_malformed_messages(bad):
    with pytest.raises(LLMCallError, match="messages must be"):
        client.chat(bad)


def test_unreachable_endpoint_names_the_fix(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    with pytest.raises(LLMCallError) as info:
        client.chat(MESSAGES)
    assert "OPENAI_BASE_URL" in info.value.fix


def test_classroom_budget_refuses_before_any_request(monkeypatch, tmp_path):
    """HANDBOOK_BUDGET_USD on a paid API: the call is refused before it leaves the machine."""
    from handbook.budget import BudgetExceeded

    monkeypatch.setenv("HANDBOOK_HOME", str(tmp_path))
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # nothing listens: a sent request would fail
    monkeypatch.setenv("OPENAI_API_KEY", "class-key")
    monkeypatch.setenv("HANDBOOK_MODEL", "gpt-4o-mini")
    monkeypatch.setenv("HANDBOOK_STUDENT", "alice")
    monkeypatch.setenv("HANDBOOK_BUDGET_USD", "0.000001")
    with pytest.raises(BudgetExceeded, match="alice@workshop"):
        client.chat(MESSAGES, max_tokens=100)
    assert (tmp_path / "budgets" / "workshop" / "alice.json").exists()
    monkeypatch.delenv("HANDBOOK_BUDGET_USD")
    with pytest.raises(LLMCallError):  # without the budget the request is sent (and fails: no server there)
        client.chat(MESSAGES, max_tokens=100)


def test_handbook_trace_turns_tracing_on(monkeypatch, tmp_path):
    from handbook.trace import read_jsonl

    path = tmp_path / "trace.jsonl"
    monkeypatch.setenv("HANDBOOK_TRACE", str(path))
    client.chat(MESSAGES, max_tokens=3, prompt_ref="demo@1")
    monkeypatch.delenv("HANDBOOK_TRACE")
    client.chat(MESSAGES, max_tokens=3)  # tracing off again: nothing more is written
    records = read_jsonl(path)
    assert len(records) == 1 and records[0]["prompt_ref"] == "demo@1"
