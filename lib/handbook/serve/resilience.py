"""Calling the model from an app: a deadline, retries with backoff and jitter, a fallback model.

`call(fn, policy)` runs `fn(model)`, a function that makes one model call
through `handbook.llm.client` (the only module that sends HTTP to a model),
and decides what to do when it fails:

* **down** (connection refused, DNS, reset): the model server is not there.
  The client's SDK has already retried once, so the app answers 503 at once
  ("The model server is unreachable"); more retries would only make the user
  wait for the same answer.
* **overloaded** (429 or 503 from the model server) or **slow** (the
  per-attempt timeout ran out): retry after `backoff()` seconds, up to
  `retries` times while the deadline allows, then try the `fallback` model
  (a smaller one that answers faster) once, then give up with 503 and a
  `Retry-After`, or 504 when the deadline is spent.
* **rejected** (any other 4xx, e.g. a prompt longer than the context): a
  retry would fail the same way, so 502 at once.

Backoff is "full jitter" (Brooker, 2015): a uniform random wait between 0 and
`min(cap, base * 2**attempt)`, so clients that failed together do not retry
together and hit the server again in a wave.

    backoff(0, 0.25, 4.0, random.Random(0)) -> 0.211   backoff(3, ...) -> somewhere in [0, 2.0]

Deliberately left out: circuit breakers (stop calling a server that failed
N times for a while), hedged requests, and retry budgets shared between
requests. Each retry layer multiplies the attempts of the layers below it:
the client's SDK retries once, so `retries=1` here means up to four requests.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from ..errors import LLMCallError, ModelUnavailable

T = TypeVar("T")
_RNG = random.Random()


@dataclass(frozen=True)
class Policy:
    """How long to wait for the model and what to do when it fails (chapter 7)."""

    deadline_s: float = 60.0  # the whole request, retries included
    attempt_timeout_s: float = 30.0  # one model call (the client's SDK may retry it once)
    retries: int = 1  # extra attempts on the main model when it is overloaded or slow
    backoff_base_s: float = 0.25
    backoff_cap_s: float = 4.0
    fallback: str | None = None  # a smaller model to try once when the main one is overloaded


def backoff(attempt: int, base_s: float, cap_s: float, rng: random.Random = _RNG) -> float:
    """Full-jitter exponential backoff: uniform in [0, min(cap, base * 2**attempt)] (chapter 7)."""
    return rng.uniform(0.0, min(cap_s, base_s * 2 ** attempt))


def classify(exc: BaseException) -> str:
    """'down', 'overloaded', 'slow' or 'rejected' for an exception from a model call (chapter 7)."""
    import openai

    cause = exc.__cause__ if isinstance(exc, LLMCallError) and exc.__cause__ is not None else exc
    if isinstance(cause, openai.APITimeoutError | TimeoutError):
        return "slow"
    if isinstance(cause, openai.APIConnectionError | ConnectionError):
        return "down"
    status = getattr(cause, "status_code", None)
    if status in (429, 503, 529):
        return "overloaded"
    if isinstance(status, int) and status >= 500:
        return "overloaded"  # a 500 or 502 from the model server is worth one more try too
    return "rejected"


def call(fn: Callable[[str | None], T], policy: Policy, model: str | None = None,
         on_retry: Callable[[str, str], None] | None = None, sleep: Callable[[float], None] = time.sleep,
         rng: random.Random = _RNG) -> T:
    """Run `fn(model)` under `policy`: retries with jittered backoff, then the fallback (chapter 7).

    `on_retry(kind, what)` is told of each retry ("retry") and fallback ("fallback"), for metrics.
    Raises `ModelUnavailable` with the HTTP status the app should answer.
    """
    start = time.monotonic()
    plan: list[str | None] = [model] * (1 + max(0, policy.retries))
    if policy.fallback and policy.fallback != model:
        plan.append(policy.fallback)
    last = "overloaded"
    for attempt, which in enumerate(plan):
        try:
            return fn(which)
        except LLMCallError as exc:
            last = classify(exc)
        if last == "down":
            raise ModelUnavailable("The model server is unreachable, so no answer can be made now.",
                                   "try again in a minute; the operator should check the model server",
                                   status=503, retry_after_s=30, kind="down")
        if last == "rejected":
            raise ModelUnavailable("The model server rejected the request.",
                                   "shorten the question or ask fewer sources (k)", status=502,
                                   kind="rejected")
        if attempt + 1 >= len(plan):
            break
        wait = backoff(attempt, policy.backoff_base_s, policy.backoff_cap_s, rng)
        if time.monotonic() - start + wait >= policy.deadline_s:
            break
        if on_retry:
            on_retry("fallback" if plan[attempt + 1] != model else "retry", last)
        sleep(wait)
    if last == "slow":
        raise ModelUnavailable(f"The model did not answer within the time limit ({policy.deadline_s:g} s).",
                               "try again later, or ask a shorter question", status=504,
                               kind="slow")
    raise ModelUnavailable("The model server is overloaded.", "try again in a few seconds",
                           status=503, retry_after_s=max(1, round(policy.backoff_cap_s)), kind="overloaded")
