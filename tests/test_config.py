"""Which endpoint, key and model each environment selects (chapter 1)."""

import re

import pytest

from handbook.config import DEFAULT_LOCAL_MODEL, LOCAL_KEY, OPENAI_URL, settings
from handbook.errors import ConfigError

SECRET = "sk-proj-" + "x" * 8 + "abcd"  # shaped like an OpenAI key, but not one


@pytest.mark.parametrize(
    "env, base_url, local, key, model",
    [
        ({}, "http://127.0.0.1:8765/v1", True, LOCAL_KEY, DEFAULT_LOCAL_MODEL),
        ({"HANDBOOK_PORT": "9001"}, "http://127.0.0.1:9001/v1", True, LOCAL_KEY, DEFAULT_LOCAL_MODEL),
        ({"HANDBOOK_MODEL": "smollm2-135m-instruct"}, "http://127.0.0.1:8765/v1", True, LOCAL_KEY, "smollm2-135m-instruct"),
        ({"OPENAI_API_KEY": SECRET}, OPENAI_URL, False, SECRET, "gpt-4o-mini"),
        ({"OPENAI_API_KEY": SECRET, "HANDBOOK_MODEL": "gpt-4.1"}, OPENAI_URL, False, SECRET, "gpt-4.1"),
        ({"OPENAI_BASE_URL": "http://localhost:11434/v1/"}, "http://localhost:11434/v1", False, LOCAL_KEY, DEFAULT_LOCAL_MODEL),
        ({"OPENAI_BASE_URL": "http://class:8000/v1", "OPENAI_API_KEY": "class-key"}, "http://class:8000/v1", False, "class-key", DEFAULT_LOCAL_MODEL),
        ({"OPENAI_BASE_URL": "http://127.0.0.1:8765/v1"}, "http://127.0.0.1:8765/v1", True, LOCAL_KEY, DEFAULT_LOCAL_MODEL),
        ({"OPENAI_BASE_URL": "http://vllm:8000/v1", "OPENAI_API_KEY": SECRET, "HANDBOOK_TRUST_ENDPOINT": "1"}, "http://vllm:8000/v1", False, SECRET, DEFAULT_LOCAL_MODEL),
    ],
)
def test_endpoint_selection(env, base_url, local, key, model):
    s = settings(env)
    assert (s.base_url, s.local, s.api_key, s.model) == (base_url, local, key, model)


def test_openai_key_is_never_sent_to_another_host():
    with pytest.raises(ConfigError, match="HANDBOOK_TRUST_ENDPOINT"):
        settings({"OPENAI_BASE_URL": "http://classroom:8765/v1", "OPENAI_API_KEY": SECRET})


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
