"""Hand-made requests and replies for tests of hooks that price calls (budgets, caches), with no model.

The message below is 9 prompt tokens on gpt-4o: 3 per message + 1 role + 2 content + 3 reply priming.
"""

from __future__ import annotations

from decimal import Decimal

from handbook.records import Reply, Request, Usage

MSGS = ({"role": "user", "content": "hello world"},)
GPT4O_IN, GPT4O_OUT = Decimal("2.50") / 1_000_000, Decimal("10.00") / 1_000_000  # $ per token


def req(max_tokens: int = 100, model: str = "gpt-4o", msgs=MSGS, **params) -> Request:
    return Request(msgs, model, {"temperature": 0.0, "max_tokens": max_tokens, **params})


def reply(prompt: int = 9, completion: int = 100, text: str = "hi", latency: float = 2.0) -> Reply:
    return Reply(text, Usage(prompt, completion), latency, "gpt-4o", "stop")
