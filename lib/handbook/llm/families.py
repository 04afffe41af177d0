"""Which request shape a model family accepts on Chat Completions, from a dated table.

Reasoning models changed the Chat Completions request. OpenAI's o-series and
GPT-5 family refuse `max_tokens` (they take `max_completion_tokens`, which
also bounds the hidden reasoning), refuse any temperature but the default and
most stop sequences, and take a `reasoning_effort`. The local llama.cpp
server, vLLM and Ollama keep the classic shape. `model_families.csv`, next to
this module, holds one row per family: the name prefix, whether it reasons,
whether it takes sampling settings (`temperature`, `top_p`, penalties,
logprobs) and `stop`, its token parameter, the reasoning effort the handbook
sends by default (the lowest, so short lab answers stay short and cheap), the
headroom added to the token limit for hidden reasoning, the source and the
date it was checked. A model matches the longest prefix of its name (after
any `owner/`); a model no row matches gets the classic shape.

    request_params("gpt-5-mini", {"temperature": 0.0, "max_tokens": 8, "seed": 0})
    -> {"seed": 0, "max_completion_tokens": 264, "reasoning_effort": "minimal"}
    request_params("qwen2.5-coder-1.5b-instruct", {"temperature": 0.0, "max_tokens": 8})
    -> {"temperature": 0.0, "max_tokens": 8}

The client (`handbook.llm.client`) calls `request_params` just before it
sends a request, so hooks (traces, budgets, caches) keep seeing the
handbook's own names; where `stop` was left out, the client cuts the reply
at the first stop string itself. Chapter 1 and "How to use this book" explain
why.

Deliberately left out: the Responses API, per-request validation of effort
names (the API says which it accepts), verbosity, and models that only the
Responses API serves (the `-pro` and `-codex` models).
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError

TABLE = Path(__file__).with_name("model_families.csv")
TOKEN_PARAMS = ("max_tokens", "max_completion_tokens")
# What a family with `temperature` = no refuses: every sampling setting of the classic request.
SAMPLING = ("temperature", "top_p", "presence_penalty", "frequency_penalty", "logprobs", "top_logprobs",
            "logit_bias")


@dataclass(frozen=True)
class Family:
    """One row of model_families.csv: what a family of models accepts (chapter 1)."""

    prefix: str
    reasoning: bool
    temperature: bool  # takes temperature, top_p, penalties and logprobs
    stop: bool
    token_param: str  # max_tokens or max_completion_tokens
    reasoning_effort: str | None  # sent unless the caller passes one; None sends nothing
    headroom: int  # tokens added to the caller's limit for hidden reasoning
    source: str = ""
    checked: str = ""
    note: str = ""


CLASSIC = Family("", False, True, True, "max_tokens", None, 0, note="no row matched: the classic request")


def _yes(value: str, row: dict) -> bool:
    if value not in ("yes", "no"):
        raise ConfigError(f"{TABLE.name}: {row['prefix']!r} has {value!r} where yes or no belongs.",
                          "write yes or no in the reasoning, temperature and stop columns")
    return value == "yes"


@functools.cache
def families() -> tuple[Family, ...]:
    """Every row of the table, longest prefix first (chapter 1)."""
    rows = []
    with TABLE.open(newline="") as f:
        for row in csv.DictReader(f):
            if row["token_param"] not in TOKEN_PARAMS:
                raise ConfigError(f"{TABLE.name}: {row['prefix']!r} has token_param {row['token_param']!r}.",
                                  f"use one of {', '.join(TOKEN_PARAMS)}")
            rows.append(Family(row["prefix"].lower(), _yes(row["reasoning"], row), _yes(row["temperature"], row),
                               _yes(row["stop"], row), row["token_param"], row["reasoning_effort"] or None,
                               int(row["headroom"] or 0), row["source"], row["checked"], row["note"]))
    return tuple(sorted(rows, key=lambda fam: -len(fam.prefix)))


def family(model: str) -> Family:
    """The family of `model`: the row with the longest matching prefix, else `CLASSIC` (chapter 1).

    `openai/gpt-5-mini` and `gpt-5-mini-2025-08-07` match `gpt-5`; `qwen3:8b` matches `qwen3`.
    """
    name = model.rsplit("/", 1)[-1].lower()
    return next((fam for fam in families() if name.startswith(fam.prefix)), CLASSIC)


def request_params(model: str, params: dict[str, Any]) -> dict[str, Any]:
    """The parameters of a Chat Completions request for `model`, in the shape its family accepts (chapter 1).

    `params` uses the handbook's names (`max_tokens`, `temperature`, `stop`, ...).
    A family that refuses sampling loses `temperature`, `top_p` and the like; one
    that refuses `stop` loses it (the client then cuts the text). The token limit
    moves to the family's parameter, plus its headroom, unless the caller set
    `max_completion_tokens` already. The family's default effort is added unless
    the caller passed `reasoning_effort`.
    """
    fam = family(model)
    out = dict(params)
    if not fam.temperature:
        for name in SAMPLING:
            out.pop(name, None)
    if not fam.stop:
        out.pop("stop", None)
    if "max_tokens" in out and "max_completion_tokens" not in out:
        out[fam.token_param] = out.pop("max_tokens") + fam.headroom
    if fam.reasoning_effort and "reasoning_effort" not in out:
        out["reasoning_effort"] = fam.reasoning_effort
    return out


def cut_at_stop(text: str, stop: str | list[str] | None) -> str:
    """`text` up to the first of the `stop` strings, as a server that honours `stop` returns it (chapter 1)."""
    stops = [stop] if isinstance(stop, str) else list(stop or [])
    ends = [i for s in stops if s and (i := text.find(s)) >= 0]
    return text[:min(ends)] if ends else text
