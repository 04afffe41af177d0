"""handbook.evaluate.answers: SQuAD tables, ROUGE-L against the rouge-score package, cosine (chapter 4)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handbook.errors import EvaluationError
from handbook.evaluate import answers


@pytest.mark.parametrize("text, expected", [
    ("The Eiffel Tower!", "eiffel tower"),
    ("  an   apple, a pear ", "apple pear"),
    ("Theory of the case", "theory of case"),   # 'the' only as a whole word
    ("", ""),
])
def test_normalize_answer(text, expected):
    assert answers.normalize_answer(text) == expected


@pytest.mark.parametrize("pred, refs, em, f1", [
    ("Paris", "paris.", 1.0, 1.0),
    ("the cat sat", "a cat sat down", 0.0, 2 * (2 / 2) * (2 / 3) / (2 / 2 + 2 / 3)),
    ("Paris, France", ["Lyon", "paris"], 0.0, 2 * 0.5 * 1.0 / 1.5),
    ("blue", "red", 0.0, 0.0),
    ("the", "a", 1.0, 1.0),                  # both normalise to nothing
    ("", "something", 0.0, 0.0),
    ("1 1 2", "1 2 2", 0.0, 2 / 3),           # token counts, not sets
])
def test_exact_match_and_f1(pred, refs, em, f1):
    assert answers.exact_match(pred, refs) == em
    assert answers.token_f1(pred, refs) == pytest.approx(f1)


def test_no_reference_is_an_error():
    with pytest.raises(EvaluationError, match="No reference"):
        answers.token_f1("x", [])


@pytest.mark.parametrize("a, b, n", [
    ("abcbdab", "bdcaba", 4),
    ("", "abc", 0),
    ("abc", "abc", 3),
    ("abc", "xyz", 0),
])
def test_lcs_length(a, b, n):
    assert answers.lcs_length(list(a), list(b)) == n


WORDS = st.sampled_from(["the", "cat", "sat", "on", "mat", "Dog", "dog!", "42", "a-b", "café", "..."])
SENTENCE = st.lists(WORDS, max_size=12).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(SENTENCE, SENTENCE)
def test_rouge_l_matches_rouge_score(pred, ref):
    from rouge_score import rouge_scorer

    theirs = rouge_scorer.RougeScorer(["rougeL"]).score(ref, pred)["rougeL"].fmeasure
    assert answers.rouge_l(pred, ref) == pytest.approx(theirs, abs=1e-12)


def test_rouge_l_takes_best_reference():
    assert answers.rouge_l("the cat sat", ["dog", "the cat sat"]) == 1.0


@pytest.mark.parametrize("a, b, expected", [
    ([1, 0], [0, 1], 0.0),
    ([1, 1], [2, 2], 1.0),
    ([1, 0], [-1, 0], -1.0),
    ([0, 0], [1, 0], 0.0),
])
def test_cosine(a, b, expected):
    assert answers.cosine(a, b) == pytest.approx(expected)


def test_embedding_similarity_with_a_fake_embedder():
    table = {"cat": [1.0, 0.0], "kitten": [0.9, 0.1], "car": [0.0, 1.0]}

    def embed(texts):
        return np.array([table[t] for t in texts])

    sims = answers.embedding_similarity(["cat", "car"], ["kitten", ["cat", "car"]], embed=embed)
    assert sims[0] == pytest.approx(answers.cosine([1, 0], [0.9, 0.1]))
    assert sims[1] == pytest.approx(1.0)
    with pytest.raises(EvaluationError, match="2 predictions but 1"):
        answers.embedding_similarity(["a", "b"], ["a"], embed=embed)
