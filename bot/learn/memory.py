"""The memory: confirmed tickets (text → label) as TF-IDF vectors, with a classifier over them.

- ``nearest`` finds the most similar confirmed tickets (cosine similarity).
- ``probabilities`` is a linear model (logistic loss, SGD) over the same vectors, refitted from
  scratch whenever the memory has grown by ``REFIT_GROWTH`` (with every example while it is
  small). In between, new examples count through ``nearest`` only: nudging the model with
  single examples (``partial_fit``) measured worse than waiting for the next refit.
- ``threshold`` is the similarity above which the nearest ticket's label is trusted outright,
  calibrated by leave-one-out on the memory itself (see ``calibrate_threshold``).
- ``confident_at`` is the classifier probability above which its answer is trusted without
  asking a model, calibrated on held-out folds (see ``calibrate_confidence``); None while
  no level is precise enough.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import SGDClassifier

from bot.labels import LABELS, Label
from bot.learn.vectors import Matrix, TfidfSpace

log = logging.getLogger(__name__)

REFIT_GROWTH = 0.05
MIN_TO_FIT = 2  # examples of at least two labels
TARGET_PRECISION = 0.9  # share of near-duplicates whose label must agree
MIN_THRESHOLD, MAX_THRESHOLD = 0.8, 0.98
MIN_PAIRS = 10
CONFIDENT_MIN_EXAMPLES = 50  # held-out folds of fewer examples say too little


@dataclass(frozen=True, slots=True)
class Neighbour:
    text: str
    label: Label
    similarity: float
    index: int


def new_model() -> SGDClassifier:
    return SGDClassifier(loss="log_loss", alpha=1e-5, max_iter=20, tol=None, random_state=0)


class Memory:
    """Thread-safe index of confirmed examples; see the module docstring."""

    def __init__(self) -> None:
        self._space = TfidfSpace()
        self._texts: list[str] = []
        self._labels: list[Label] = []
        self._counts: Matrix = sp.csr_matrix((0, 0), dtype=np.float32)
        self._weighted: Matrix | None = None
        self._model: SGDClassifier | None = None
        self._fitted_on = 0
        self.threshold = MAX_THRESHOLD
        self.confident_at: float | None = None
        self._held_out: list[dict[Label, float]] = []
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return len(self._texts)

    @property
    def labels(self) -> list[Label]:
        return list(self._labels)

    @property
    def texts(self) -> list[str]:
        return list(self._texts)

    def add(self, examples: Sequence[tuple[str, Label]]) -> None:
        """Remember these confirmed examples (refits the classifier when grown enough)."""
        if not examples:
            return
        with self._lock:
            counts = self._space.counts([text for text, _ in examples])
            self._space.learn(counts)
            self._counts = counts if not self._texts else sp.vstack([self._counts, counts]).tocsr()
            self._texts += [text for text, _ in examples]
            self._labels += [label for _, label in examples]
            self._weighted = None
            self._refit_when_grown([label for _, label in examples])

    def _refit_when_grown(self, labels: list[Label]) -> None:
        grown = len(self) - self._fitted_on
        unseen = self._model is not None and not set(labels) <= set(self._model.classes_)
        if self._model is None or unseen or grown > REFIT_GROWTH * max(self._fitted_on, 20):
            self.refit()

    def relabel(self, index: int, label: Label) -> None:
        """A confirmed label changed (a correction after approval): refit with the new one."""
        with self._lock:
            self._labels[index] = label
            self._held_out = []
            self.refit()

    def refit(self) -> None:
        """Fit the classifier and recalibrate the near-duplicate threshold on all examples."""
        with self._lock:
            if len(set(self._labels)) < MIN_TO_FIT:
                self._model = None
                return
            matrix = self._matrix()
            model = new_model().fit(matrix, self._labels)
            self._model, self._fitted_on = model, len(self)
            self.threshold = calibrate_threshold(matrix, self._labels)
            self.confident_at = (
                calibrate_confidence(self.held_out_probabilities(), self._labels)
                if len(self) >= CONFIDENT_MIN_EXAMPLES else None)
            log.info("memory: classifier refitted on %d examples; near-duplicate threshold %.3f, "
                     "confident at %s", len(self), self.threshold,
                     "-" if self.confident_at is None else f"{self.confident_at:.3f}")

    def _matrix(self) -> Matrix:
        if self._weighted is None:
            self._weighted = self._space.weigh(self._counts)
        return self._weighted

    def vector(self, text: str) -> Matrix:
        with self._lock:
            return self._space.weigh(self._space.counts([text]))

    def nearest(self, text: str, k: int = 1) -> list[Neighbour]:
        """The ``k`` most similar examples, most similar first."""
        with self._lock:
            if not self._texts:
                return []
            sims = (self._matrix() @ self.vector(text).T).toarray().ravel()
            best = np.argsort(-sims)[:k]
            return [Neighbour(self._texts[i], self._labels[i], float(sims[i]), int(i))
                    for i in best]

    def probabilities(self, text: str) -> dict[Label, float] | None:
        """The classifier's label probabilities, or None before it can be fitted."""
        with self._lock:
            if self._model is None:
                return None
            row = self._model.predict_proba(self.vector(text))[0]
            found = dict(zip(self._model.classes_, row, strict=True))
            return {label: float(found.get(label, 0.0)) for label in LABELS}

    def held_out_probabilities(self, folds: int = 5) -> list[dict[Label, float]]:
        """Each example's probabilities from a model fitted without its fold (for weighting)."""
        with self._lock:
            if len(self._held_out) != len(self):
                self._held_out = self._fold_probabilities(folds)
            return self._held_out

    def _fold_probabilities(self, folds: int) -> list[dict[Label, float]]:
        with self._lock:
            matrix, labels = self._matrix(), np.array(self._labels)
        out: list[dict[Label, float]] = [dict.fromkeys(LABELS, 0.2) for _ in labels]
        order = np.arange(len(labels))
        for fold in range(folds):
            test, train = order[order % folds == fold], order[order % folds != fold]
            if len(set(labels[train])) < MIN_TO_FIT or not len(test):
                continue
            model = new_model().fit(matrix[train], labels[train])
            for i, row in zip(test, model.predict_proba(matrix[test]), strict=True):
                found = dict(zip(model.classes_, row, strict=True))
                out[i] = {label: float(found.get(label, 0.0)) for label in LABELS}
        return out


def lowest_precise_score(scores: np.ndarray, right: np.ndarray) -> float | None:
    """The lowest score at which the answers scoring at least that are right ≥ TARGET_PRECISION
    of the time (over at least ``MIN_PAIRS`` answers); None if no score is that precise."""
    order = np.argsort(-scores, kind="stable")
    ranked = scores[order]
    precision = np.cumsum(right[order]) / np.arange(1, len(order) + 1)
    cuts = np.append(ranked[1:] < ranked[:-1], True)  # a threshold admits all of a tie
    ok = [i for i in range(MIN_PAIRS - 1, len(order))
          if cuts[i] and precision[i] >= TARGET_PRECISION]
    return float(ranked[max(ok)]) if ok else None


def calibrate_threshold(matrix: Matrix, labels: Sequence[Label]) -> float:
    """Lowest similarity at which leave-one-out nearest neighbours agree ≥ TARGET_PRECISION.

    Each example's nearest other example and their similarity; the threshold is the lowest
    similarity whose pairs at or above it agree often enough, kept within
    [MIN_THRESHOLD, MAX_THRESHOLD].
    """
    if matrix.shape[0] < MIN_PAIRS + 1:
        return MAX_THRESHOLD
    sims = (matrix @ matrix.T).toarray()
    np.fill_diagonal(sims, -1.0)
    nearest = sims.argmax(axis=1)
    best = sims[np.arange(len(labels)), nearest]
    agree = np.array([labels[i] == labels[j] for i, j in enumerate(nearest)], dtype=float)
    found = lowest_precise_score(best, agree)
    return MAX_THRESHOLD if found is None else float(np.clip(found, MIN_THRESHOLD, MAX_THRESHOLD))


def calibrate_confidence(held_out: Sequence[Mapping[Label, float]],
                         labels: Sequence[Label]) -> float | None:
    """Lowest top probability at which held-out answers are right ≥ TARGET_PRECISION."""
    if len(labels) < CONFIDENT_MIN_EXAMPLES:
        return None
    top = [max(p, key=lambda k: p[k]) for p in held_out]
    scores = np.array([p[label] for p, label in zip(held_out, top, strict=True)])
    right = np.array([t == gold for t, gold in zip(top, labels, strict=True)], dtype=float)
    return lowest_precise_score(scores, right)
