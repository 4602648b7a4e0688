"""Evaluation metrics over the five labels, written out (no scikit-learn)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from bot.labels import LABELS, Label

Confusion = dict[Label, dict[Label, int]]


@dataclass(frozen=True, slots=True)
class LabelScore:
    precision: float
    recall: float
    f1: float
    support: int


def confusion_matrix(gold: Sequence[Label], predicted: Sequence[Label]) -> Confusion:
    """Counts ``matrix[gold][predicted]`` over all five labels."""
    matrix: Confusion = {g: dict.fromkeys(LABELS, 0) for g in LABELS}
    for truth, guess in zip(gold, predicted, strict=True):
        matrix[truth][guess] += 1
    return matrix


def accuracy(gold: Sequence[Label], predicted: Sequence[Label]) -> float:
    if not gold:
        return 0.0
    return sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold)


def per_label(matrix: Confusion) -> dict[Label, LabelScore]:
    """Precision, recall, F1 and support for every label (0 where undefined)."""
    scores: dict[Label, LabelScore] = {}
    for label in LABELS:
        hit = matrix[label][label]
        predicted = sum(matrix[g][label] for g in LABELS)
        support = sum(matrix[label].values())
        precision = hit / predicted if predicted else 0.0
        recall = hit / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[label] = LabelScore(precision, recall, f1, support)
    return scores


def macro_f1(matrix: Confusion) -> float:
    """Mean F1 over the labels present in the gold data."""
    scores = [s.f1 for s in per_label(matrix).values() if s.support]
    return sum(scores) / len(scores) if scores else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation between closest ranks."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
