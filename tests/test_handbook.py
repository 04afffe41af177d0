"""The top-level package: the lazy public API, and the hooks environment variables switch on (handbook/__init__.py)."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

import handbook
from handbook.cost.trace import load as load_trace
from handbook.errors import BudgetExceeded, LLMCallError
from handbook.files import read_jsonl
from handbook.llm import client

MESSAGES = [{"role": "user", "content": "Say hi."}]
HEAVY = ("torch", "sentence_transformers", "faiss", "openai", "pandas")


def test_import_handbook_loads_no_heavy_library():
    code = f"import json, sys, handbook; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == []


@pytest.mark.parametrize("name", handbook.__all__)
def test_every_public_name_resolves_to_its_home(name):
    module, attr = handbook.PUBLIC[name]
    assert getattr(handbook, name) is getattr(importlib.import_module(module), attr)
    assert name in dir(handbook)


def test_public_names_and_all_agree():
    assert sorted(handbook.__all__) == sorted(handbook.PUBLIC)


def test_unknown_names_raise_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        handbook.nope  # noqa: B018


# ------------------------------------------------------------------ HANDBOOK_TRACE
def test_handbook_trace_sends_every_span_to_that_file(monkeypatch, tmp_path, scripted):
    path = tmp_path / "trace.jsonl"
    with client.use(scripted(answer=lambda request: "hi")):
        client.chat(MESSAGES, max_tokens=3)  # spans go to the default span file, not this one
        monkeypatch.setenv("HANDBOOK_TRACE", str(path))
        client.chat(MESSAGES, max_tokens=3, prompt_ref="demo@1")
        client.chat(MESSAGES, max_tokens=4, prompt_ref="demo@2")
        monkeypatch.delenv("HANDBOOK_TRACE")
        client.chat(MESSAGES, max_tokens=3)  # and back to the default: nothing more is written here
    rows = load_trace(path)
    assert [(r["prompt_ref"], r["params"]["max_tokens"]) for r in rows] == [("demo@1", 3), ("demo@2", 4)]
    assert all(s["name"].startswith("chat ") for s in read_jsonl(path))
    assert "trace" not in client._ENV_HOOKS  # no hook: the span is the record


def test_a_new_trace_path_starts_a_new_file(monkeypatch, tmp_path, scripted):
    with client.use(scripted(answer=lambda request: "hi")):
        for name in ("a.jsonl", "b.jsonl"):
            monkeypatch.setenv("HANDBOOK_TRACE", str(tmp_path / name))
            client.chat(MESSAGES)
    assert [len(read_jsonl(tmp_path / n)) for n in ("a.jsonl", "b.jsonl")] == [1, 1]


# ------------------------------------------------------------------ HANDBOOK_BUDGET_USD
@pytest.fixture
def paid_api(monkeypatch, tmp_path):
    monkeypatch.setenv("HANDBOOK_HOME", str(tmp_path))
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/v1")  # nothing listens: a sent request would fail
    monkeypatch.setenv("OPENAI_API_KEY", "class-key")
    monkeypatch.setenv("HANDBOOK_MODEL", "gpt-4o-mini")
    monkeypatch.setenv("HANDBOOK_STUDENT", "alice")
    return monkeypatch


def test_classroom_budget_refuses_before_any_request(paid_api, tmp_path):
    """HANDBOOK_BUDGET_USD on a paid API: the call is refused before it leaves the machine."""
    paid_api.setenv("HANDBOOK_BUDGET_USD", "0.000001")
    with pytest.raises(BudgetExceeded, match="alice@workshop"):
        client.chat(MESSAGES, max_tokens=100)
    assert json.loads((tmp_path / "budgets" / "workshop" / "alice.json").read_text())["refused"] == 1
    paid_api.delenv("HANDBOOK_BUDGET_USD")
    with pytest.raises(LLMCallError):  # without the budget the request is sent (and fails: no server there)
        client.chat(MESSAGES, max_tokens=100)
    assert "budget" not in client._ENV_HOOKS


@pytest.mark.parametrize("model", ["qwen2.5-coder-1.5b-instruct", "llama3.2:1b"])
def test_free_or_unpriced_models_get_no_budget(paid_api, model):
    """A local model costs nothing per token; a self-hosted one the price table lacks is not billed."""
    paid_api.setenv("HANDBOOK_MODEL", model)
    paid_api.setenv("HANDBOOK_BUDGET_USD", "0.000001")
    with pytest.raises(LLMCallError):  # sent, not refused
        client.chat(MESSAGES, max_tokens=100)
    assert "budget" not in client._ENV_HOOKS


def test_the_local_server_gets_no_budget(monkeypatch, scripted):
    monkeypatch.setenv("HANDBOOK_BUDGET_USD", "0.000001")
    with client.use(scripted("hi")):
        assert client.chat(MESSAGES, max_tokens=100).text == "hi"
    assert "budget" not in client._ENV_HOOKS
