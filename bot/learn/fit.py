"""Build the memory's model from a snapshot of its examples, off the memory's lock.

``build(snapshot)`` returns a ``Fitted``: an immutable model (the IDF weights it was made with,
the weighted rows, the linear head, the near-duplicate threshold, the confidence level and the
held-out probabilities) that ``Memory`` swaps in with one assignment; until then the previous
one keeps serving. Nothing here touches the memory or its lock.

Costs, for N examples (sub-quadratic):

- the head: one fit over N rows, ``epochs(N)`` passes (fewer passes as N grows, so the number
  of updates, and the time, stays about linear in N);
- the near-duplicate threshold: the nearest other example of at most ``THRESHOLD_SAMPLE``
  sampled examples, found among the ``CANDIDATES`` nearest by a 512-number sketch of each row
  (dense products, milliseconds) and decided by the exact cosine; never the N × N matrix;
- held-out probabilities: for at most ``HELD_OUT_SAMPLE`` sampled examples, from ``folds(N)``
  models that did not see them (5 folds while the memory is small, 2 beyond ``FEW_FOLDS_FROM``),
  each trained on at most ``HELD_OUT_TRAIN`` examples.

Views: the plug for a second representation. ``Snapshot.counts`` is the TF-IDF view (raw
counts, weighed here: per block for the head, ``bot.learn.vectors.weigh_blocks``, as one unit
vector for the near-duplicate threshold, as ``Memory.nearest`` compares; one after the other,
so the two weighed copies never exist at once); ``Snapshot.dense`` maps a view's name to
(its weight, an N × d float32 array of unit rows), e.g. sentence-encoder embeddings stored with
each example. Each view gets its own head beside the TF-IDF head, and the probabilities are
their weighted average (``bot.learn.views``: measured better than one head over the views side
by side); a query's view rows come from ``Memory`` (``DenseView.encode``). A new view adds an
entry to ``dense``; nothing here changes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from bot.labels import Label
from bot.learn.head import Head, HeadFit, LinearHead
from bot.learn.vectors import Matrix, weigh, weigh_blocks
from bot.learn.views import (
    HeldOut,
    ViewHeads,
    average,
    average_many,
    choose_weights,
    fit_view_heads,
)

log = logging.getLogger(__name__)

MIN_TO_FIT = 2  # examples of at least two labels
TARGET_PRECISION = 0.9  # share of near-duplicates whose label must agree
MIN_THRESHOLD, MAX_THRESHOLD = 0.8, 0.98
MIN_PAIRS = 10
CONFIDENT_MIN_EXAMPLES = 50  # held-out folds of fewer examples say too little
THRESHOLD_SAMPLE = 1500
HELD_OUT_SAMPLE = 1000
HELD_OUT_TRAIN = 5000  # at most this many examples train each held-out model
FEW_FOLDS_FROM = 1000
SKETCH_DIMS = 512
CANDIDATES = 4
CHUNK = 125  # sampled rows compared at once (their candidates' rows are copied: ~20 MB)
SKETCH_ROWS = 1000
SEED = 0

Floats = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The examples as they were when a refit began (raw counts; IDF weights ``scale``)."""

    counts: Matrix
    labels: tuple[Label, ...]
    scale: Floats
    dense: Mapping[str, tuple[float, Floats]] = field(default_factory=dict)
    stamp: tuple[int, int] = (0, 0)  # (relabels, examples) it covers

    def __len__(self) -> int:
        return len(self.labels)


@dataclass(frozen=True, slots=True)
class Fitted:
    """An immutable model of the memory (it keeps no rows); see the module docstring."""

    scale: Floats  # the IDF weights its rows and its queries are weighed with
    size: int
    stamp: tuple[int, int]
    head: Head | None
    threshold: float = MAX_THRESHOLD
    confident_at: float | None = None
    held_out: Mapping[int, dict[Label, float]] = field(default_factory=dict)
    view_heads: ViewHeads | None = None  # the dense views' heads (None: TF-IDF alone)

    @property
    def views(self) -> Sequence[str]:
        """The dense views this model uses (a query needs their rows)."""
        return [] if self.view_heads is None else list(self.view_heads.heads)

    def probabilities(self, row: Matrix, dense: Mapping[str, Floats] | None = None
                      ) -> dict[Label, float] | None:
        if self.head is None:
            return None
        return average_many(self.head.probabilities_many(row), self.view_heads, dense or {})[0]


def epochs(n: int) -> int:
    """Passes over the data for one fit: 20 while small, fewer as N grows (≥ 5)."""
    return max(5, min(20, 40_000 // max(n, 1)))


def folds(n: int) -> int:
    return 5 if n <= FEW_FOLDS_FROM else 2


def build(snapshot: Snapshot, fit_head: HeadFit = LinearHead.fit) -> Fitted:
    """Fit the head and calibrate the threshold and the confidence level (see the docstring);
    ``fit_head``: scikit-learn's SGD (``bot.learn.head``) or NumPy's (``bot.learn.sparse_head``,
    the memory's ``lean`` choice)."""
    labels = np.array(snapshot.labels)
    empty = Fitted(snapshot.scale, len(snapshot), snapshot.stamp, None)
    if len(set(snapshot.labels)) < MIN_TO_FIT:
        return empty
    threshold = calibrate_threshold(weigh(snapshot.counts, snapshot.scale), snapshot.labels)
    rows = weigh_blocks(snapshot.counts, snapshot.scale)
    head = fit_head(rows, labels, epochs(len(labels)))
    parts = held_out_parts(rows, labels, snapshot.dense, fit_head)
    weights = choose_weights(parts, snapshot.labels,
                             {name: weight for name, (weight, _) in snapshot.dense.items()})
    held_out = {i: average(tfidf, [(weights[name], p) for name, p in views.items()])
                for i, (tfidf, views) in parts.items()}
    picked = sorted(held_out)
    confident_at = calibrate_confidence([held_out[i] for i in picked],
                                        [snapshot.labels[i] for i in picked])
    dense = {name: (weights[name], vectors) for name, (_, vectors) in snapshot.dense.items()}
    return replace(empty, head=head, threshold=threshold, confident_at=confident_at,
                   held_out=held_out, view_heads=fit_view_heads(dense, snapshot.labels))


def sample(n: int, size: int) -> npt.NDArray[np.int64]:
    """``size`` distinct indices of ``range(n)`` (all of them when n ≤ size), sorted; seeded."""
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(SEED).choice(n, size=size, replace=False))


def held_out_parts(rows: Matrix, labels: npt.NDArray[np.str_],
                   dense: Mapping[str, tuple[float, Floats]] | None = None,
                   fit_head: HeadFit = LinearHead.fit) -> dict[int, HeldOut]:
    """For sampled examples, from models fitted without them: the TF-IDF head's probabilities
    and each dense view's (``choose_weights`` weighs the views on them)."""
    chosen = sample(len(labels), HELD_OUT_SAMPLE)
    k = folds(len(labels))
    out: dict[int, HeldOut] = {}
    for fold in range(k):
        test = chosen[np.arange(len(chosen)) % k == fold]
        train = np.setdiff1d(np.arange(len(labels)), test, assume_unique=True)
        if len(train) > HELD_OUT_TRAIN:
            train = np.sort(np.random.default_rng(SEED + fold).choice(
                train, size=HELD_OUT_TRAIN, replace=False))
        if len(set(labels[train])) < MIN_TO_FIT or not len(test):
            continue
        head = fit_head(rows[train], labels[train], epochs(len(train)))
        views = fit_view_heads(dense or {}, list(labels), train)
        per_view = [] if views is None or dense is None else [
            (name, view.probabilities_many(dense[name][1][test]))
            for name, (_, view) in views.heads.items()]
        for j, (i, probabilities) in enumerate(zip(test, head.probabilities_many(rows[test]),
                                                   strict=True)):
            out[int(i)] = (probabilities, {name: found[j] for name, found in per_view})
    return out


def lowest_precise_score(scores: np.ndarray, right: np.ndarray) -> float | None:
    """The lowest score at which the answers scoring at least that are right ≥ TARGET_PRECISION
    of the time (over at least ``MIN_PAIRS`` answers); None if no score is that precise."""
    order = np.argsort(-scores, kind="stable")
    ranked = scores[order]
    precision = np.cumsum(right[order]) / np.arange(1, len(order) + 1)
    cuts = np.append(ranked[1:] < ranked[:-1], True)  # a threshold admits all of a tie
    ok = np.flatnonzero(cuts & (precision >= TARGET_PRECISION))
    ok = ok[ok >= MIN_PAIRS - 1]
    return float(ranked[ok.max()]) if len(ok) else None


def sketch(matrix: Matrix, dims: int = SKETCH_DIMS) -> Floats:
    """Each row as ``dims`` numbers whose dot products approximate the rows' cosines (a count
    sketch: every feature added, with a random sign, into one of ``dims`` buckets)."""
    rng = np.random.default_rng(SEED)
    features = matrix.shape[1]
    signs = rng.choice(np.array([-1.0, 1.0], dtype=np.float32), size=features)
    buckets = rng.integers(0, dims, size=features)
    projection = sp.csr_matrix((signs, (np.arange(features), buckets)), shape=(features, dims))
    rows: Floats = np.empty((matrix.shape[0], dims), dtype=np.float32)
    for start in range(0, matrix.shape[0], SKETCH_ROWS):  # small temporaries
        rows[start:start + SKETCH_ROWS] = (matrix[start:start + SKETCH_ROWS] @ projection).toarray()
    return rows


def nearest_others(matrix: Matrix, chosen: npt.NDArray[np.int64]
                   ) -> tuple[npt.NDArray[np.int64], Floats]:
    """For each chosen row (unit length): its most similar other row and their cosine.

    Candidates are the ``CANDIDATES`` most similar rows by the sketch (``sketch``: a few
    milliseconds per thousand rows, where exact sparse products cost about a microsecond per
    pair); the exact cosine of each candidate decides.
    """
    sketched = sketch(matrix)
    nearest = np.empty(len(chosen), dtype=np.int64)
    best = np.empty(len(chosen), dtype=np.float32)
    k = min(CANDIDATES, matrix.shape[0] - 1)
    for start in range(0, len(chosen), CHUNK):
        part = chosen[start:start + CHUNK]
        approx = sketched[part] @ sketched.T
        approx[np.arange(len(part)), part] = -np.inf
        candidates = np.argpartition(-approx, k - 1, axis=1)[:, :k]
        pairs = matrix[np.repeat(part, k)].multiply(matrix[candidates.ravel()])
        exact = np.asarray(pairs.sum(axis=1), dtype=np.float32).reshape(len(part), k)
        top = exact.argmax(axis=1)
        nearest[start:start + len(part)] = candidates[np.arange(len(part)), top]
        best[start:start + len(part)] = exact[np.arange(len(part)), top]
    return nearest, best


def calibrate_threshold(matrix: Matrix, labels: Sequence[Label]) -> float:
    """Lowest similarity at which leave-one-out nearest neighbours agree ≥ TARGET_PRECISION.

    For (a sample of) the examples, the nearest other example and their similarity; the
    threshold is the lowest similarity whose pairs at or above it agree often enough, kept
    within [MIN_THRESHOLD, MAX_THRESHOLD].
    """
    if matrix.shape[0] < MIN_PAIRS + 1:
        return MAX_THRESHOLD
    chosen = sample(matrix.shape[0], THRESHOLD_SAMPLE)
    nearest, best = nearest_others(matrix, chosen)
    agree = np.array([labels[i] == labels[j] for i, j in zip(chosen, nearest, strict=True)],
                     dtype=float)
    found = lowest_precise_score(best.astype(np.float64), agree)
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
