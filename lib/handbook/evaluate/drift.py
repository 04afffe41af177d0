"""Input drift: how far a window of queries lies from a reference window, with a threshold set on data.

A deployed RAG system was built and evaluated for some questions. When users
start asking about something else, retrieval returns weak matches and the
answers get worse, long before anyone files a bug. The signal is cheap: the
application embeds every query anyway. For a window of recent queries

    score = mean over the window of (1 - max cosine to any reference query)

the mean nearest-neighbour cosine distance to the reference window (the
questions the system was evaluated on). Nearest neighbour rather than
centroid, because a healthy reference holds several topics: a window that is
all about one of them is far from the centroid but near its own neighbours.

The threshold is not guessed: `threshold_for()` takes the scores of held-out
in-topic windows (never the reference itself) and returns the quantile that
keeps the false-alarm rate on them at the target. `rates()` then reports the
detection rate on drifted windows and the false-alarm rate on *other* in-topic
windows, which is the honest estimate.

    det = DriftDetector(ref_vectors)
    det.threshold = threshold_for([det.score(w) for w in calibration_windows], false_alarm=0.05)
    det.fires(recent_vectors)  -> True

Deliberately left out: statistical tests on distributions (MMD, KS per dimension),
drift of outputs, and re-fitting the reference as traffic changes (chapter 4 discusses them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import EvaluationError


def _unit(vectors) -> np.ndarray:
    v = np.asarray(vectors, dtype=np.float64)
    if v.ndim != 2 or not len(v):
        raise EvaluationError(f"Expected a non-empty 2-D array of vectors, got shape {v.shape}.",
                              "pass one embedding per row, e.g. Embedder().embed(texts)")
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)


def nn_distance(reference, window) -> np.ndarray:
    """Per query of `window`: 1 - its highest cosine to any reference vector (chapter 4)."""
    ref, win = _unit(reference), _unit(window)
    if ref.shape[1] != win.shape[1]:
        raise EvaluationError(f"Reference vectors have {ref.shape[1]} dimensions, the window {win.shape[1]}.",
                              "embed both with the same model")
    return 1.0 - (win @ ref.T).max(axis=1)


@dataclass
class DriftDetector:
    """Mean nearest-neighbour distance of a window to a reference window; fires above `threshold` (chapter 4)."""

    reference: np.ndarray
    threshold: float | None = None

    def score(self, window) -> float:
        """The window's drift score: mean of `nn_distance` (0 = every query has a twin in the reference)."""
        return float(nn_distance(self.reference, window).mean())

    def fires(self, window) -> bool:
        """True when the window's score is above the threshold (chapter 4)."""
        if self.threshold is None:
            raise EvaluationError("The drift detector has no threshold yet.",
                                  "set it with threshold_for() on held-out in-topic windows")
        return self.score(window) > self.threshold


def windows(n_items: int, size: int, count: int, seed: int = 0) -> list[np.ndarray]:
    """`count` windows of `size` distinct item indices drawn from range(n_items), reproducibly (chapter 4)."""
    if not 0 < size <= n_items:
        raise EvaluationError(f"A window of {size} cannot be drawn from {n_items} items.",
                              "use a window size between 1 and the number of items")
    rng = np.random.default_rng(seed)
    return [np.sort(rng.choice(n_items, size=size, replace=False)) for _ in range(count)]


def threshold_for(scores: Sequence[float], false_alarm: float = 0.05) -> float:
    """The score that at most a `false_alarm` share of these in-topic windows exceed (chapter 4)."""
    s = np.asarray(scores, dtype=float)
    if not s.size or not 0 <= false_alarm < 1:
        raise EvaluationError("Need at least one calibration score and 0 <= false_alarm < 1.",
                              "score held-out in-topic windows first")
    return float(np.quantile(s, 1 - false_alarm, method="higher"))


@dataclass(frozen=True)
class Rates:
    """How a drift threshold does on windows it was not set on (chapter 4)."""

    threshold: float
    detection_rate: float   # drifted windows above the threshold
    false_alarm_rate: float  # in-topic windows above the threshold
    n_drifted: int
    n_in_topic: int


def rates(detector: DriftDetector, drifted: Sequence, in_topic: Sequence) -> Rates:
    """Detection rate on `drifted` windows and false-alarm rate on `in_topic` ones (chapter 4)."""
    if not drifted or not in_topic:
        raise EvaluationError("Need drifted and in-topic windows to measure rates.", "pass both lists")
    det = [detector.fires(w) for w in drifted]
    fa = [detector.fires(w) for w in in_topic]
    return Rates(float(detector.threshold), float(np.mean(det)), float(np.mean(fa)), len(det), len(fa))
