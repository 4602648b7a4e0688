"""The memory's linear head: a logistic-loss linear model over the memory's rows.

Fitted by stochastic gradient descent (scikit-learn's ``SGDClassifier``, one-vs-rest), with a
fixed number of passes (``epochs``) and a fixed seed, so the same rows give the same model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from bot.labels import LABELS, Label
from bot.learn.vectors import Matrix

ALPHA = 1e-5


class Head(Protocol):
    """What the memory asks of a head (this one, or ``bot.learn.sparse_head``'s)."""

    @property
    def classes(self) -> Sequence[Label]: ...

    def probabilities_many(self, rows: Matrix) -> list[dict[Label, float]]: ...

    def probabilities(self, row: Matrix) -> dict[Label, float]: ...


HeadFit = Callable[[Matrix, "npt.NDArray[np.str_]", int], Head]


def softmax(scores: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Row-wise softmax (the NumPy heads' probabilities)."""
    scores = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(scores)
    out: npt.NDArray[np.float32] = exp / exp.sum(axis=1, keepdims=True)
    return out


def label_rows(classes: Sequence[Label], probabilities: Any) -> list[dict[Label, float]]:
    """One dict per row over every label (0 for the labels a head was not fitted on)."""
    out = []
    for row in np.asarray(probabilities):
        found = dict(zip(classes, row.tolist(), strict=True))
        out.append({label: float(found.get(label, 0.0)) for label in LABELS})
    return out


@dataclass(frozen=True, slots=True)
class LinearHead:
    model: Any  # sklearn.linear_model.SGDClassifier (imported when first fitted)

    @classmethod
    def fit(cls, rows: Matrix, labels: npt.NDArray[np.str_], epochs: int) -> LinearHead:
        from sklearn.linear_model import SGDClassifier  # ~70 MB: only when this head is used

        model = SGDClassifier(loss="log_loss", alpha=ALPHA, max_iter=epochs, tol=None,
                              random_state=0)
        return cls(model.fit(rows, labels))

    @property
    def classes(self) -> list[Label]:
        return list(self.model.classes_)

    def probabilities_many(self, rows: Matrix) -> list[dict[Label, float]]:
        return label_rows(list(self.model.classes_), self.model.predict_proba(rows))

    def probabilities(self, row: Matrix) -> dict[Label, float]:
        return self.probabilities_many(row)[0]
