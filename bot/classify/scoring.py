"""Pure helpers turning label log-probabilities into a distribution and a confidence."""

from __future__ import annotations

import math
from collections.abc import Mapping

from bot.labels import LABELS, Label


def softmax(logprobs: Mapping[Label, float]) -> dict[Label, float]:
    """Normalise per-label log-probabilities into probabilities over the five labels."""
    top = max(logprobs.values())
    weights = {label: math.exp(logprobs[label] - top) for label in LABELS if label in logprobs}
    total = sum(weights.values())
    return {label: weights.get(label, 0.0) / total for label in LABELS}


def best(probabilities: Mapping[Label, float]) -> tuple[Label, float]:
    """The most probable label and its probability; ties go to the earlier label in LABELS."""
    label = max(LABELS, key=lambda name: probabilities.get(name, 0.0))
    return label, probabilities.get(label, 0.0)

