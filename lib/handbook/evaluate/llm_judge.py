"""LLM-as-judge: grade answers with a rubric prompt, parse the verdict robustly, and check the judge.

`judge()` renders a rubric template from the prompt registry (default
`judge_answer@1`), asks the model for `{"score": N, "reason": "..."}` and
parses the reply. Small models wrap JSON in code fences, add chatter, quote
numbers or forget the JSON altogether, so `parse_verdict()` tries, in order: a
JSON object anywhere in the text, then a `score: N` pattern. A reply it cannot
read, or a score outside the scale, becomes a `Verdict` with `ok=False`: a
counted failure, never an exception, so one bad reply does not sink a batch.

A judge is itself a model to evaluate. `agreement()` compares its pass/fail
calls with human labels and reports accuracy and Cohen's kappa (agreement
corrected for chance), over the items the judge could grade, plus how many it
could not.

Deliberately left out: pairwise (A vs B) judging, position swapping, and
ensembles of judges; chapter 4 discusses them.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from ..errors import EvaluationError
from ..llm import client
from ..prompts.templates import render

DEFAULT_PROMPT = "judge_answer@1"
_OBJECT = re.compile(r"\{[^{}]*\}", re.S)
_SCORE = re.compile(r"score\W{0,8}(\d+(?:\.\d+)?)", re.I)


@dataclass(frozen=True)
class Verdict:
    """A judge's grade; `ok` is False when the reply could not be read (chapter 4)."""

    score: int | None
    reason: str
    ok: bool
    raw: str = ""

    def passed(self, threshold: int = 4) -> bool | None:
        """True if the score reaches `threshold`, None for a failed verdict."""
        return None if self.score is None else self.score >= threshold


def _as_score(value: object, scale: tuple[int, int]) -> int | None:
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    if not number.is_integer() or not scale[0] <= number <= scale[1]:
        return None
    return int(number)


def parse_verdict(text: str, scale: tuple[int, int] = (1, 5)) -> Verdict:
    """Read `{"score": N, "reason": ...}` from a judge reply; garbage gives `ok=False` (chapter 4)."""
    for match in _OBJECT.finditer(text or ""):
        try:
            data = json.loads(match.group(0))
        except json.JSONDecodeError:
            continue
        if isinstance(data, dict) and "score" in data:
            score = _as_score(data["score"], scale)
            if score is None:
                return Verdict(None, f"score {data['score']!r} is not an integer in {scale[0]}..{scale[1]}", False, text)
            return Verdict(score, str(data.get("reason", "")).strip(), True, text)
    m = _SCORE.search(text or "")
    if m:
        score = _as_score(m.group(1), scale)
        if score is not None:
            return Verdict(score, "(parsed from free text)", True, text)
    return Verdict(None, "no score found in the reply", False, text)


def judge(question: str, answer: str, reference: str, *, prompt: str = DEFAULT_PROMPT, model: str | None = None,
          max_tokens: int = 60, scale: tuple[int, int] = (1, 5)) -> Verdict:
    """Ask the model to grade `answer` against `reference` with a rubric prompt (chapter 4).

    Errors of the call itself (server down) still raise `LLMCallError`; only
    unreadable replies become failed verdicts.
    """
    rendered = render(prompt, question=question, answer=answer, reference=reference)
    reply = client.chat(rendered, model=model, max_tokens=max_tokens)
    return parse_verdict(reply.text, scale)


# ------------------------------------------------------------------ checking a judge against humans
def accuracy(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Share of positions where the two label lists agree (chapter 4)."""
    _check(a, b)
    return sum(x == y for x, y in zip(a, b, strict=True)) / len(a)


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Cohen's kappa: (observed - chance agreement) / (1 - chance agreement) (chapter 4).

    Chance agreement comes from each rater's own label frequencies. When both
    raters use one and the same label throughout, chance agreement is 1 and
    kappa is undefined; we return 1.0 then, since they agree perfectly.
    """
    _check(a, b)
    n = len(a)
    observed = accuracy(a, b)
    ca, cb = Counter(a), Counter(b)
    chance = sum(ca[k] * cb[k] for k in ca) / (n * n)
    return 1.0 if chance == 1 else (observed - chance) / (1 - chance)


def _check(a: Sequence, b: Sequence) -> None:
    if len(a) != len(b):
        raise EvaluationError(f"{len(a)} labels against {len(b)}.", "pass one label per item from each rater")
    if not a:
        raise EvaluationError("No labels to compare.", "label at least one item")


@dataclass(frozen=True)
class Agreement:
    """How far a judge agrees with humans, over the items it could grade (chapter 4)."""

    n: int
    graded: int
    failures: int
    accuracy: float
    kappa: float


def agreement(human: Sequence[bool], verdicts: Sequence[Verdict], threshold: int = 4) -> Agreement:
    """Compare human pass/fail labels with the judge's `score >= threshold` calls (chapter 4)."""
    _check(human, verdicts)
    pairs = [(h, v.passed(threshold)) for h, v in zip(human, verdicts, strict=True) if v.ok]
    if not pairs:
        return Agreement(len(human), 0, len(human), float("nan"), float("nan"))
    hs, js = [p[0] for p in pairs], [p[1] for p in pairs]
    return Agreement(len(human), len(pairs), len(human) - len(pairs), accuracy(hs, js), cohen_kappa(hs, js))
