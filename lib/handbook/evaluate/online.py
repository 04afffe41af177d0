"""An online judge on a sample of live requests, recorded as a span in the request's trace (chapter 4).

Offline evaluation stops at release. Online, a judge grades a small share of
real answers, so that a quality regression (a worse prompt version, a model
update behind the same name) shows up as a falling pass rate before users
complain. Judging every request would double the cost, so requests are
*sampled*, and reproducibly: `sampled(key, rate)` hashes a key (a request id,
a question id) with a salt, so the same request is always in or out, whatever
the order or the process.

`judge_sampled()` grades one answer when it is sampled, inside a span

    judge judge_answer@1      gen_ai.evaluation.name = answer_judge
                              gen_ai.evaluation.score.value = 4
                              gen_ai.evaluation.score.label = pass | fail | unparsed

opened as a child of `parent` (the request's root span; default: the current
span), so the verdict sits in the request's trace next to the call it grades
(the judge's own chat call is its child). Pass the root *after* it ended and
the judge's time stays out of the request's latency, as with a judge that runs
out of band.
The attribute names follow the GenAI conventions' evaluation event, still in
development. `monitor.window_metrics()` counts them as `judged` and
`judge_pass_rate`, and an alert rule watches the rate.

Deliberately left out: judging later from stored traces (a batch job over the
span file does it the same way), and calibrating the judge (`llm_judge.agreement`).
"""

from __future__ import annotations

import hashlib

from opentelemetry import trace

from ..errors import EvaluationError
from ..telemetry import tracer
from .llm_judge import DEFAULT_PROMPT, Verdict, judge


def sampled(key: str, rate: float, salt: str = "judge") -> bool:
    """True for a reproducible `rate` share of keys: sha256(salt:key) below rate (chapter 4)."""
    if not 0 <= rate <= 1:
        raise EvaluationError(f"A sample rate must be in [0, 1], got {rate}.", "e.g. rate=0.25")
    digest = hashlib.sha256(f"{salt}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


def label(verdict: Verdict, threshold: int = 4) -> str:
    """`pass`, `fail` or `unparsed` for a verdict (chapter 4)."""
    return "unparsed" if not verdict.ok else "pass" if verdict.passed(threshold) else "fail"


def judge_sampled(question: str, answer: str, reference: str, *, key: str, rate: float, salt: str = "judge",
                  prompt: str = DEFAULT_PROMPT, threshold: int = 4, parent: trace.Span | None = None,
                  **kwargs) -> Verdict | None:
    """Grade the answer if `key` is sampled, in a `judge` span of `parent`'s trace; None if not (chapter 4)."""
    if not sampled(key, rate, salt):
        return None
    ctx = trace.set_span_in_context(parent) if parent is not None else None
    with tracer().start_as_current_span(f"judge {prompt}", context=ctx, attributes={
            "gen_ai.evaluation.name": "answer_judge", "handbook.judge.prompt": prompt,
            "handbook.judge.sample_rate": rate}) as span:
        verdict = judge(question, answer, reference, prompt=prompt, **kwargs)
        attrs = {"gen_ai.evaluation.score.label": label(verdict, threshold)}
        if verdict.score is not None:
            attrs["gen_ai.evaluation.score.value"] = verdict.score
        span.set_attributes(attrs)
        return verdict
