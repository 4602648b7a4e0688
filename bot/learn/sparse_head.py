"""A multinomial logistic-regression head over sparse rows, fitted by mini-batch SGD in NumPy.

What scikit-learn's ``SGDClassifier(loss="log_loss", alpha=1e-5)`` did for the memory, without
importing scikit-learn (≈ 70 MB and 0.5 s of import) and without its float64 copy of the rows:

- softmax over the labels (one model, not one per label), L2 penalty ``alpha``;
- the "optimal" step size of scikit-learn's SGD, ``1 / (alpha · (t0 + t))`` per example seen,
  applied to the summed gradient of ``BATCH`` examples at a time;
- sparse updates: a batch touches only the features its rows contain (gathered, updated,
  scattered back); the penalty is a scale factor on all weights (no pass over all of them);
- the batches are made once per fit (their features found once) and visited in a seeded
  random order each pass, so the same rows give the same head.

Float32 throughout: the rows are used as they are (CSR, float32), weights are features × labels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.labels import Label
from bot.learn.head import label_rows, softmax
from bot.learn.vectors import Matrix

ALPHA = 1e-5
BATCH = 32
INTERCEPT_DECAY = 0.01  # as scikit-learn's SGD on sparse rows: the intercept learns slowly
SEED = 0
RESCALE_BELOW = 1e-6
# While the memory is small, more passes than scikit-learn's head needed: a batch of 32 rows is
# one update, so 300 examples make only 10 updates a pass. Each fit visits at least this many
# rows (at most 60 passes): at 300 examples macro-F1 0.693 → 0.721 on github_issues (with the
# encoder), unchanged on apache_jira; unchanged on both from about 1,500.
MIN_ROWS_VISITED = 30_000
MAX_PASSES = 60

Floats = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class _Batch:
    rows: Matrix  # the batch's rows with columns renumbered to ``features``
    columns: Matrix  # the same, transposed (CSR of features × rows)
    features: npt.NDArray[np.int32]
    targets: Floats  # one-hot labels


@dataclass(frozen=True, slots=True)
class SparseHead:
    classes: tuple[Label, ...]
    weights: Floats  # features × classes
    bias: Floats

    @classmethod
    def fit(cls, rows: Matrix, labels: npt.NDArray[np.str_], epochs: int,
            alpha: float = ALPHA) -> SparseHead:
        epochs = max(epochs, min(MAX_PASSES, MIN_ROWS_VISITED // max(len(labels), 1)))
        classes = tuple(sorted(set(labels.tolist())))
        index = {label: i for i, label in enumerate(classes)}
        target = np.zeros((len(labels), len(classes)), dtype=np.float32)
        target[np.arange(len(labels)), [index[label] for label in labels.tolist()]] = 1.0
        rng = np.random.default_rng(SEED)
        order = rng.permutation(len(labels))
        batches = [_batch(rows, target, order[i:i + BATCH]) for i in range(0, len(order), BATCH)]
        weights = np.zeros((rows.shape[1], len(classes)), dtype=np.float32)
        bias = np.zeros(len(classes), dtype=np.float32)
        typical = math.sqrt(1.0 / math.sqrt(alpha))
        t, scale = 1.0 / (typical * alpha), 1.0
        for _ in range(epochs):
            for b in rng.permutation(len(batches)):
                batch = batches[b]
                eta = 1.0 / (alpha * t)
                local = np.take(weights, batch.features, axis=0)
                logits = scale * np.asarray(batch.rows @ local) + bias
                logits -= logits.max(axis=1, keepdims=True)
                probabilities = np.exp(logits)
                probabilities /= probabilities.sum(axis=1, keepdims=True)
                gradient = probabilities - batch.targets
                scale *= 1.0 - eta * alpha * len(gradient)
                local -= (eta / scale) * np.asarray(batch.columns @ gradient, dtype=np.float32)
                weights[batch.features] = local
                bias -= eta * INTERCEPT_DECAY * gradient.sum(axis=0)
                t += len(gradient)
                if scale < RESCALE_BELOW:
                    weights *= scale
                    scale = 1.0
        return cls(classes, weights * np.float32(scale), bias)

    def probabilities_many(self, rows: Matrix) -> list[dict[Label, float]]:
        return label_rows(self.classes, softmax(np.asarray(rows @ self.weights) + self.bias))

    def probabilities(self, row: Matrix) -> dict[Label, float]:
        return self.probabilities_many(row)[0]


def _batch(rows: Matrix, target: Floats, picked: npt.NDArray[np.int64]) -> _Batch:
    part = rows[np.sort(picked)]
    features, local = np.unique(part.indices, return_inverse=True)
    renumbered = type(part)((part.data, local.astype(np.int32), part.indptr),
                            shape=(part.shape[0], len(features)))
    return _Batch(renumbered, renumbered.T.tocsr(), features.astype(np.int32),
                  target[np.sort(picked)])
