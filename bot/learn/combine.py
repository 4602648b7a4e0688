"""Combine the model's and the memory's label probabilities: p ∝ p_model^a · p_memory^b.

The exponents are chosen on held-out pairs (memory probabilities from a model that never saw
the ticket, model probabilities from the LLM, the confirmed label) by minimising log loss over
a grid. Without enough pairs both are 1: the product of two independent opinions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from bot.labels import LABELS, Label

GRID = tuple(x / 4 for x in range(0, 13))  # 0, 0.25, … 3
MIN_PAIRS = 20
EPS = 1e-4

Probabilities = Mapping[Label, float]


@dataclass(frozen=True, slots=True)
class Weights:
    model: float = 1.0
    memory: float = 1.0
    pairs: int = 0


@dataclass(frozen=True, slots=True)
class HeldOut:
    model: Probabilities
    memory: Probabilities
    label: Label


def combine(model: Probabilities, memory: Probabilities, weights: Weights) -> dict[Label, float]:
    scores = {label: weights.model * math.log(max(model.get(label, 0.0), EPS))
              + weights.memory * math.log(max(memory.get(label, 0.0), EPS)) for label in LABELS}
    top = max(scores.values())
    exp = {label: math.exp(score - top) for label, score in scores.items()}
    total = sum(exp.values())
    return {label: value / total for label, value in exp.items()}


def log_loss(pairs: Sequence[HeldOut], weights: Weights) -> float:
    return -sum(math.log(max(combine(p.model, p.memory, weights)[p.label], EPS))
                for p in pairs) / len(pairs)


def fit_weights(pairs: Sequence[HeldOut]) -> Weights:
    """The grid point with the lowest held-out log loss (default weights below MIN_PAIRS).

    Vectorised over pairs and grid points (``log_loss`` is the same sum, one pair at a time):
    a few milliseconds for thousands of pairs. Callers run it off the event loop all the same.
    """
    if len(pairs) < MIN_PAIRS:
        return Weights(pairs=len(pairs))
    model = np.log(np.maximum([[p.model.get(k, 0.0) for k in LABELS] for p in pairs], EPS))
    memory = np.log(np.maximum([[p.memory.get(k, 0.0) for k in LABELS] for p in pairs], EPS))
    gold = np.array([LABELS.index(p.label) for p in pairs])
    grid = np.array([(a, b) for a in GRID for b in GRID if a or b])
    scores = grid[:, 0, None, None] * model + grid[:, 1, None, None] * memory  # grid×pairs×labels
    scores -= scores.max(axis=2, keepdims=True)
    probabilities = np.exp(scores)
    probabilities /= probabilities.sum(axis=2, keepdims=True)
    right = probabilities[:, np.arange(len(pairs)), gold]
    losses = -np.log(np.maximum(right, EPS)).mean(axis=1)
    a, b = grid[int(np.argmin(losses))]
    return Weights(float(a), float(b), len(pairs))
