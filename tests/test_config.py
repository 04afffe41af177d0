"""Which endpoint, key and model each environment selects (chapter 1)."""

import re

import pytest

from handbook.config import DEFAULT_LOCAL_MODEL, DEFAULT_OPENAI_MODEL, LOCAL_KEY, OPENAI_URL, settings
from handbook.cost import pricing
from handbook.errors import ConfigError
from handbook.records import Usage

SECRET = "sk-proj-" + "x" * 8 + "abcd"  # shaped like an OpenAI key, but not one
ANT = "sk-ant-api03-" + "y" * 8 + "wxyz"  # shaped like an Anthropic key, but not one
CLAUDE = "https://api.anthropic.com/v1"


@pytest.mark.parametrize(
    "env, base_url, local, key, model",
    [
        ({}, "http://127.0.0.1:8765/v1", True, LOCAL_KEY, DEFAULT_LOCAL_MODEL),
        ({"HANDBOOK_PORT": "9001"}, "http://127.0.0.1:9001/v1", True, LOCAL_KEY, DEFAULT_LOCAL_MODEL),
        ({"HANDBOOK_MODEL": "smollm2-135m-instruct"}, "http://127.0.0.1:8765/v1", True, LOCAL_KEY, "smollm2-135m-instruct"),
        ({"OPENAI_API_KEY": SECRET}, OPENAI_URL, False, SECRET, DEFAULT_OPENAI_MODEL),
        ({"OPENAI_API_KEY": SECRET, "HANDBOOK_MODEL": "gpt-4.1"}, OPENAI_URL, False, SECRET, "gpt-4.1"),
        ({"OPENAI_BASE_URL": "http://localhost:11434/v1/"}, "http://localhost:11434/v1", False, LOCAL_KEY, DEFAULT_LOCAL_MODEL),
        ({"OPENAI_BASE_URL": "http://class:8000/v1", "OPENAI_API_KEY": "class-key"}, "http://class:8000/v1", False, "class-key", DEFAULT_LOCAL_MODEL),
        ({"OPENAI_BASE_URL": "http://127.0.0.1:8765/v1"}, "http://127.0.0.1:8765/v1", True, LOCAL_KEY, DEFAULT_LOCAL_MODEL),
        ({"OPENAI_BASE_URL": "http://vllm:8000/v1", "OPENAI_API_KEY": SECRET, "HANDBOOK_TRUST_ENDPOINT": "1"}, "http://vllm:8000/v1", False, SECRET, DEFAULT_LOCAL_MODEL),
        ({"OPENAI_BASE_URL": CLAUDE, "OPENAI_API_KEY": ANT, "HANDBOOK_MODEL": "claude-haiku-4-5"}, CLAUDE, False, ANT, "claude-haiku-4-5"),
    ],
)
def test_endpoint_selection(env, base_url, local, key, model):
    s = settings(env)
    assert (s.base_url, s.local, s.api_key, s.model) == (base_url, local, key, model)


@pytest.mark.parametrize(
    "base, key, issuer",
    [
        ("http://classroom:8765/v1", SECRET, "OpenAI"),
        (CLAUDE, SECRET, "OpenAI"),
        ("http://classroom:8765/v1", ANT, "Anthropic"),
        (OPENAI_URL, ANT, "Anthropic"),
    ],
)
def test_a_provider_key_is_never_sent_to_another_host(base, key, issuer):
    with pytest.raises(ConfigError, match=f"looks like an {issuer} secret") as info:
        settings({"OPENAI_BASE_URL": base, "OPENAI_API_KEY": key})
    assert "HANDBOOK_TRUST_ENDPOINT" in info.value.fix


def test_the_default_api_model_is_current_and_priced():
    assert DEFAULT_OPENAI_MODEL.startswith("gpt-5")
    assert pricing.usd_or_none(DEFAULT_OPENAI_MODEL, Usage(1_000_000, 0)) is not None


def test_key_never_in_repr():
    s = settings({"OPENAI_API_KEY": SECRET})
    assert SECRET not in repr(s) and SECRET not in s.key_hint


@pytest.mark.parametrize(
    "env, fragment",
    [
        ({"HANDBOOK_PORT": "eighty"}, "HANDBOOK_PORT"),
        ({"HANDBOOK_PORT": "70000"}, "HANDBOOK_PORT"),
        ({"OPENAI_BASE_URL": "localhost:11434"}, "http(s) URL"),
        ({"OPENAI_BASE_URL": "ftp://x/v1"}, "http(s) URL"),
    ],
)
def test_bad_settings_name_the_fix(env, fragment):
    with pytest.raises(ConfigError, match=re.escape(fragment)) as info:
        settings(env)
    assert info.value.fix
