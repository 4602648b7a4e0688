"""A multinomial logistic-regression head over dense rows (the encoder's unit vectors).

Plain NumPy: full-batch gradient descent with Nesterov momentum on the mean log loss plus an
L2 penalty ``l2 / 2 · |W|²`` (the bias is not penalised). Rows are unit vectors, so the loss's
curvature is at most 1/2 + l2 and a fixed step of 1 / (1/2 + l2) is safe; ``ITERATIONS`` full
passes match scikit-learn's ``LogisticRegression`` (best C, 1) on the dev files
(bench.scenarios.encoder_views). Deterministic: the same rows give the same head.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.labels import Label
from bot.learn.head import label_rows, softmax

L2 = 1e-3
ITERATIONS = 150

Floats = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class DenseHead:
    classes: tuple[Label, ...]
    weights: Floats  # (dim, classes)
    bias: Floats  # (classes,)

    @classmethod
    def fit(cls, rows: Floats, labels: Sequence[Label], *, l2: float = L2,
            iterations: int = ITERATIONS) -> DenseHead:
        classes = tuple(sorted(set(labels)))
        index = {label: i for i, label in enumerate(classes)}
        target = np.zeros((len(labels), len(classes)), dtype=np.float32)
        target[np.arange(len(labels)), [index[label] for label in labels]] = 1.0
        x = np.asarray(rows, dtype=np.float32)
        w = np.zeros((x.shape[1], len(classes)), dtype=np.float32)
        b = np.zeros(len(classes), dtype=np.float32)
        w_prev, b_prev = w.copy(), b.copy()
        step = 1.0 / (0.5 + l2)
        n = max(len(labels), 1)
        for t in range(1, iterations + 1):
            momentum = (t - 1) / (t + 2)
            vw, vb = w + momentum * (w - w_prev), b + momentum * (b - b_prev)
            error = softmax(x @ vw + vb) - target
            w_prev, b_prev = w, b
            w = (vw - step * (x.T @ error / n + l2 * vw)).astype(np.float32)
            b = (vb - step * error.mean(axis=0)).astype(np.float32)
        return cls(classes, w.astype(np.float32), b.astype(np.float32))

    def probabilities_many(self, rows: Floats) -> list[dict[Label, float]]:
        return label_rows(self.classes,
                          softmax(np.asarray(rows, dtype=np.float32) @ self.weights + self.bias))

    def probabilities(self, row: Floats) -> dict[Label, float]:
        return self.probabilities_many(np.asarray(row).reshape(1, -1))[0]

