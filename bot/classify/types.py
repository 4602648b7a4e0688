"""The result type and the one interface every classifier backend implements."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from bot.labels import LABELS, Label

Example = tuple[str, Label]
"""A few-shot example: ticket text and its confirmed label."""


@dataclass(frozen=True, slots=True)
class Classification:
    """One ticket's label with its confidence and where it came from.

    ``probabilities`` covers all five labels (zero where a backend gives no evidence) and sums
    to 1 when the backend reports probabilities. ``needs_triage`` marks a result a human must
    check: the all-down fallback sets it. ``model_probabilities`` is what a model alone said
    (before any memory was combined in); empty when no model answered. Kept with the ticket, it
    becomes held-out evidence for weighing model against memory once a person confirms the label.
    """

    label: Label
    confidence: float
    backend: str
    latency_ms: float
    probabilities: Mapping[Label, float] = field(default_factory=dict)
    needs_triage: bool = False
    model_probabilities: Mapping[Label, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BackendAnswer:
    """What a backend returns before the chain adds backend name and latency."""

    label: Label
    confidence: float
    probabilities: Mapping[Label, float]


@runtime_checkable
class Backend(Protocol):
    """A model that picks one of the five labels. Errors are ``ClassificationError`` subclasses."""

    name: str

    async def classify(self, text: str, examples: Sequence[Example] = ()) -> BackendAnswer:
        """Label ``text``; raise BackendUnavailable (transient) or BackendRejected (terminal)."""
        ...

    def start(self) -> object:
        """Begin slow set-up in the background (loading a model) and return at once."""
        ...

    async def health(self) -> str:
        """Return a one-line description when usable; raise ClassificationError when not."""
        ...

    async def aclose(self) -> None:
        """Release connections, threads and models."""
        ...


def one_hot(label: Label, confidence: float = 1.0) -> dict[Label, float]:
    """Probabilities when a backend only names a label: ``confidence`` on it, the rest shared."""
    rest = (1.0 - confidence) / (len(LABELS) - 1)
    return {name: (confidence if name == label else rest) for name in LABELS}
