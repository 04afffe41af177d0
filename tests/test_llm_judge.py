"""handbook.evaluate.llm_judge: verdict parsing (garbage is a counted failure), the rubric prompt, agreement."""

from __future__ import annotations

import pytest

from handbook.errors import EvaluationError
from handbook.evaluate import llm_judge as judge
from handbook.llm import client
from handbook.prompts import templates


@pytest.mark.parametrize("text, score, ok", [
    ('{"score": 4, "reason": "misses the year"}', 4, True),
    ('```json\n{"score": 5, "reason": "same facts"}\n```', 5, True),
    ('Sure! Here is my grade: {"reason": "wrong city", "score": "1"} Hope it helps.', 1, True),
    ('{"score": 4.0, "reason": "ok"}', 4, True),
    ("Score: 3. The answer is vague.", 3, True),
    ("**Score** = 2", 2, True),
    ('{"score": 7, "reason": "off the scale"}', None, False),
    ('{"score": 3.5, "reason": "half"}', None, False),
    ('{"score": "high"}', None, False),
    ('{"score": 4, "reason": "unterminated', 4, True),    # falls back to the free-text pattern
    ("The answer looks fine to me.", None, False),
    ("", None, False),
    ("{not json at all}", None, False),
])
def test_parse_verdict(text, score, ok):
    v = judge.parse_verdict(text)
    assert (v.score, v.ok) == (score, ok)
    assert v.raw == text
    if not ok:
        assert v.reason and v.passed() is None


def test_rubric_prompt_renders():
    r = templates.render(judge.DEFAULT_PROMPT, question="Q?", answer="A", reference="R")
    assert r.ref == "judge_answer@1" and "CANDIDATE: A" in r.messages[-1]["content"]
    assert '{"score": 3' in r.messages[0]["content"]          # literal JSON survives rendering


def test_judge_counts_garbage_as_failure(scripted):
    canned = scripted('{"score": 5, "reason": "same"}', "I cannot grade this.", '{"score": 2}')
    with client.use(canned):
        verdicts = [judge.judge("Q", f"answer {i}", "ref") for i in range(3)]
    assert [v.ok for v in verdicts] == [True, False, True]
    assert canned.requests[0].prompt_ref == "judge_answer@1"
    assert "CANDIDATE: answer 1" in canned.requests[1].messages[-1]["content"]
    agree = judge.agreement([True, True, False], verdicts)
    assert (agree.n, agree.graded, agree.failures) == (3, 2, 1)
    assert agree.accuracy == 1.0


# Hand-computed: 10 items, observed agreement 0.7; rater A says yes 6 times, B 5 times;
# chance = 0.6*0.5 + 0.4*0.5 = 0.5; kappa = (0.7 - 0.5) / (1 - 0.5) = 0.4.
A = [1, 1, 1, 1, 1, 1, 0, 0, 0, 0]
B = [1, 1, 1, 1, 0, 0, 1, 0, 0, 0]


@pytest.mark.parametrize("a, b, acc, kappa", [
    (A, B, 0.7, 0.4),
    (A, A, 1.0, 1.0),
    (A, [1 - x for x in A], 0.0, -1 / (1 - 0.48) * 0.48),     # chance = 0.6*0.4 + 0.4*0.6 = 0.48
    ([1, 1, 1], [1, 1, 1], 1.0, 1.0),                         # chance agreement 1: defined as 1.0
    ([1, 1, 0, 0], [1, 1, 1, 1], 0.5, 0.0),
    (["a", "b", "c", "a"], ["a", "b", "b", "c"], 0.5, (0.5 - 5 / 16) / (1 - 5 / 16)),
])
def test_accuracy_and_kappa(a, b, acc, kappa):
    assert judge.accuracy(a, b) == pytest.approx(acc)
    assert judge.cohen_kappa(a, b) == pytest.approx(kappa)


@pytest.mark.parametrize("seed", range(20))
def test_kappa_matches_scikit_learn(seed):
    metrics = pytest.importorskip("sklearn.metrics")
    import random

    rng = random.Random(seed)
    a = [rng.choice("xyz") for _ in range(30)]
    b = [x if rng.random() < 0.6 else rng.choice("xyz") for x in a]
    assert judge.cohen_kappa(a, b) == pytest.approx(metrics.cohen_kappa_score(a, b), abs=1e-12)


def test_label_lists_must_match():
    with pytest.raises(EvaluationError, match="3 labels against 2"):
        judge.accuracy([1, 2, 3], [1, 2])
    with pytest.raises(EvaluationError, match="No labels"):
        judge.cohen_kappa([], [])


def test_agreement_when_every_reply_fails():
    bad = judge.parse_verdict("nope")
    agree = judge.agreement([True, False], [bad, bad])
    assert agree.graded == 0 and agree.failures == 2
