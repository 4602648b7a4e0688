"""Combine the model's and the memory's label probabilities: p ∝ p_model^a · p_memory^b.

The exponents are chosen on held-out pairs (memory probabilities from a model that never saw
the ticket, model probabilities from the LLM, the confirmed label) by minimising log loss over
a grid. Without enough pairs both are 1: the product of two independent opinions.

The same pairs say where asking the model pays (``Weights.ask_below``): sorted by the memory's
own lead (its weighted log-margin between its first and second label), the lead below which
the combined answers were right more often than the memory's alone, by the most. Above it the
model has not paid, so it need not be asked: when it earns little weight that is most tickets.
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
    ask_below: float = math.inf  # the memory's margin under which the model is asked

    def margin(self, memory: Probabilities) -> float:
        """The memory's weighted lead of its first label over its second (log space)."""
        first, second = sorted((math.log(max(memory.get(label, 0.0), EPS)) for label in LABELS),
                               reverse=True)[:2]
        return self.memory * (first - second)

    def model_pays(self, memory: Probabilities) -> bool:
        """Whether asking the model has paid, on the evidence, for a memory this sure."""
        return self.model > 0 and self.margin(memory) < self.ask_below


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
    best = int(np.argmin(losses))
    a, b = grid[best]
    if b == 0:  # the memory has no say: the model decides every ticket
        return Weights(float(a), 0.0, len(pairs))
    combined_right = probabilities[best].argmax(axis=1) == gold
    return Weights(float(a), float(b), len(pairs),
                   ask_below=_where_the_model_pays(b * memory, combined_right, gold))


def _where_the_model_pays(memory: np.ndarray, combined_right: np.ndarray,
                          gold: np.ndarray) -> float:
    """The memory margin below which the combination beat the memory alone by the most (0:
    nowhere, inf: everywhere); ``memory``: weighted log-probabilities, pairs × labels."""
    top = np.sort(memory, axis=1)
    margins = top[:, -1] - top[:, -2]
    gain = combined_right.astype(int) - (memory.argmax(axis=1) == gold).astype(int)
    order = np.argsort(margins, kind="stable")
    cumulative = np.concatenate([[0], np.cumsum(gain[order])])
    k = int(np.argmax(cumulative))  # the first best: ask as few as that gain allows
    if k == 0:
        return 0.0
    if k == len(order):
        return math.inf
    return float((margins[order[k - 1]] + margins[order[k]]) / 2)
