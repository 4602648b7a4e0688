"""Label probabilities from the logprobs of a JSON answer such as ``{"label":"Feature Request"}``.

The five labels start with different letters, so the token where the label value begins decides
the label; its ``top_logprobs`` alternatives give the distribution over labels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from bot.labels import LABELS, Label


def label_probabilities(
    content: str, tokens: Sequence[Any], label: Label
) -> dict[Label, float] | None:
    """Probabilities over labels from chat logprob entries, or None when they do not line up."""
    start = _value_start(content, label)
    if start is None or not tokens:
        return None
    position = 0
    for entry in tokens:
        text = str(entry.token)
        if position + len(text) > start:
            return _from_alternatives(entry, prefix=text[: start - position])
        position += len(text)
    return None


def _value_start(content: str, label: Label) -> int | None:
    key = content.find('"label"')
    index = content.find(label, key + 1 if key >= 0 else 0)
    return index if index >= 0 else None


def _from_alternatives(entry: Any, *, prefix: str) -> dict[Label, float] | None:
    mass: dict[Label, float] = {}
    alternatives = list(entry.top_logprobs or []) or [entry]
    for alternative in alternatives:
        text = str(alternative.token)
        if not text.startswith(prefix):
            continue
        matched = _label_starting(text[len(prefix):])
        if matched is not None:
            mass[matched] = mass.get(matched, 0.0) + math.exp(float(alternative.logprob))
    total = sum(mass.values())
    if total <= 0:
        return None
    return {name: mass.get(name, 0.0) / total for name in LABELS}


def _label_starting(rest: str) -> Label | None:
    if not rest:
        return None
    for label in LABELS:
        if label.startswith(rest) or rest.startswith(label):
            return label
    return None
