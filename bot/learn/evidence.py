"""The evidence behind the model/memory weights (``bot.learn.combine``): held-out (model,
memory, label) triples, the ``MAX_PAIRS`` most recent.

A triple comes from a ticket classified here and confirmed later (what the model and the memory
said is noted when it is classified, ``seen``, and paired with its label when it is confirmed,
``confirmed``); from the model's probabilities stored with a ticket classified before a restart
or by another replica, paired with the memory's opinion then; or from elsewhere (``add``: a
calibration, the held-out answers of a rebuild). ``reweigh`` refits the weights once the
evidence has grown by ``REWEIGH_GROWTH`` (callers run it off the event loop).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Mapping

from bot.labels import LABELS, Label
from bot.learn.combine import HeldOut, Probabilities, Weights, fit_weights

RECENT = 2000  # classifications remembered until their label is confirmed
REWEIGH_GROWTH = 0.1
MAX_PAIRS = 5000  # held-out pairs kept for the weights (the most recent)


class Evidence:
    def __init__(self) -> None:
        self.weights = Weights()
        self._pairs: deque[HeldOut] = deque(maxlen=MAX_PAIRS)
        self._weighed_on = 0
        self._recent: OrderedDict[str, tuple[Probabilities, Probabilities]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._pairs)

    def seen(self, text: str, model: Probabilities, memory: Probabilities) -> None:
        """What the model and the memory said of a ticket, until its label is confirmed."""
        self._recent[_digest(text)] = (dict(model), dict(memory))
        while len(self._recent) > RECENT:
            self._recent.popitem(last=False)

    def confirmed(self, text: str, label: Label, stored: Mapping[str, float] | None,
                  memory_now: Callable[[str], Probabilities | None]) -> None:
        """Keep (model, memory, label) for a newly confirmed ticket the memory has not seen.

        The probabilities noted when it was classified here, else (classified before a restart,
        or by another replica) the model's ``stored`` ones with the memory's current opinion.
        """
        noted = self._recent.pop(_digest(text), None)
        if noted is not None:
            self._pairs.append(HeldOut(noted[0], noted[1], label))
            return
        memory = memory_now(text) if stored else None
        if stored and memory is not None:
            self._pairs.append(HeldOut(model_answer(stored), memory, label))

    def add(self, pairs: Iterable[HeldOut]) -> None:
        self._pairs += pairs

    def reweigh(self, *, force: bool = False) -> None:
        if force or len(self._pairs) > (1 + REWEIGH_GROWTH) * max(self._weighed_on, 1):
            self.weights = fit_weights(list(self._pairs))
            self._weighed_on = len(self._pairs)


def model_answer(stored: Mapping[str, float]) -> dict[Label, float]:
    """The model's probabilities as stored with a ticket, over every label."""
    return {label: float(stored.get(label, 0.0)) for label in LABELS}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
