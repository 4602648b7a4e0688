"""Score the five label continuations with a loaded ``Llama`` (synchronous; run it in a thread).

The KV cache holds the tokens of the previous evaluation. A new prompt is compared with them
and only the tokens after the common prefix are evaluated, so the fixed part of the prompt
(instructions and few-shot examples) is computed once and each ticket costs its own tokens
plus a few label tokens. ``evaluated_tokens`` counts what was actually fed to the model.

With ``calibrate`` (the default) the scores are corrected for the model's bias towards some
label words ("contextual calibration", Zhao et al. 2021): the label distribution the prompt gives
for content-free tickets ("", "N/A", "[MASK]") is divided out. A small model otherwise answers
nearly every ticket with the same label.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.classify.prompt import defuse
from bot.classify.scoring import softmax
from bot.classify.template import PromptTemplate
from bot.classify.types import Example
from bot.errors import BackendRejected
from bot.labels import LABELS, Label

log = logging.getLogger(__name__)

TRIM_MARKER = "\n[…]\n"
CONTENT_FREE = ("", "N/A", "[MASK]")
MIN_TICKET_TOKENS = 32


class LabelScorer:
    """Turns ticket text into per-label log-probabilities with one ``Llama`` instance."""

    def __init__(
        self, llm: Any, template: PromptTemplate, *, max_ticket_tokens: int, calibrate: bool = True
    ) -> None:
        self._llm = llm
        self._calibrate = calibrate
        self._priors: dict[tuple[Example, ...], dict[Label, float]] = {}
        self._template = template
        self._max_ticket_tokens = max_ticket_tokens
        self._n_ctx: int = llm.n_ctx()
        self._cached: list[int] = []
        self._heads: dict[tuple[Example, ...], tuple[list[int], list[int]]] = {}
        self._labels = {label: self._tokens(label, special=False) for label in LABELS}
        self._marker = self._tokens(TRIM_MARKER, special=False)
        self.evaluated_tokens = 0
        self.last_ticket_tokens = 0
        self.trimmed = 0

    def score(self, text: str, examples: Sequence[Example] = ()) -> dict[Label, float]:
        """Per-label log-scores for ``text`` (calibrated unless turned off); softmax them."""
        head, tail, kept = self._frame(tuple(examples))
        raw = self._raw_scores(text, head, tail)
        if not self._calibrate:
            return raw
        prior = self._prior(kept, head, tail)
        return {label: raw[label] - prior[label] for label in LABELS}

    def _prior(
        self, key: tuple[Example, ...], head: list[int], tail: list[int]
    ) -> dict[Label, float]:
        """log of the mean label distribution over content-free tickets, once per example set."""
        prior = self._priors.get(key)
        if prior is None:
            runs = [softmax(self._raw_scores(text, head, tail)) for text in CONTENT_FREE]
            prior = {label: math.log(sum(r[label] for r in runs) / len(runs)) for label in LABELS}
            self._priors = {key: prior}
            log.debug("llama: calibration prior %s", prior)
        return prior

    def _raw_scores(self, text: str, head: list[int], tail: list[int]) -> dict[Label, float]:
        """Log-probability of each label (summed over its tokens) as the assistant's answer."""
        budget = self._n_ctx - len(head) - len(tail) - self._longest_label()
        ticket = self._fit(self._tokens(defuse(text.strip()), special=False), budget)
        self.last_ticket_tokens = len(ticket)
        base = head + ticket + tail
        # Reuse at most the fixed head: the ticket is always evaluated in one batch, so the
        # same ticket gets the same numbers whatever was evaluated before it.
        first = _log_softmax(self._eval_to(base, reuse_at_most=len(head)))
        return {label: self._label_logprob(base, first, label) for label in LABELS}

    def close(self) -> None:
        close = getattr(self._llm, "close", None)
        if callable(close):
            close()

    def _frame(
        self, examples: tuple[Example, ...]
    ) -> tuple[list[int], list[int], tuple[Example, ...]]:
        """Token ids around the ticket; drops the oldest examples if they leave no room."""
        while True:
            head, tail = self._head_tail(examples)
            room = self._n_ctx - len(head) - len(tail) - self._longest_label()
            if room >= MIN_TICKET_TOKENS:
                return head, tail, examples
            if not examples:
                raise BackendRejected(f"n_ctx {self._n_ctx} is too small for the prompt",
                                      backend="llama")
            log.warning("llama: few-shot examples overflow n_ctx=%d; dropping one", self._n_ctx)
            examples = examples[1:]

    def _head_tail(self, examples: tuple[Example, ...]) -> tuple[list[int], list[int]]:
        cached = self._heads.get(examples)
        if cached is None:
            parts, tail_text = self._template.segments(examples)
            head = [t for part in parts for t in self._tokens(part.text, special=part.special)]
            cached = (head, self._tokens(tail_text, special=True))
            self._heads = {examples: cached}  # keep one: the examples rarely change
        return cached

    def _fit(self, ticket: list[int], budget: int) -> list[int]:
        """Keep the beginning (2/3) and the end (1/3) of a ticket longer than the budget."""
        limit = min(budget, self._max_ticket_tokens)
        if len(ticket) <= limit:
            return ticket
        self.trimmed += 1
        keep = max(limit - len(self._marker), 0)
        head = keep * 2 // 3
        log.debug("llama: ticket of %d tokens trimmed to %d", len(ticket), limit)
        return ticket[:head] + self._marker + ticket[len(ticket) - (keep - head):]

    def _label_logprob(
        self, base: list[int], first: npt.NDArray[np.float64], label: Label
    ) -> float:
        tokens = self._labels[label]
        total = float(first[tokens[0]])
        sequence = list(base)
        for previous, following in itertools.pairwise(tokens):
            sequence.append(previous)
            total += float(_log_softmax(self._eval_to(sequence))[following])
        return total

    def _eval_to(
        self, tokens: list[int], reuse_at_most: int | None = None
    ) -> npt.NDArray[np.float32]:
        """Make the KV cache hold ``tokens``, evaluating only past the common prefix."""
        limit = len(tokens) - 1 if reuse_at_most is None else min(reuse_at_most, len(tokens) - 1)
        common = min(_common_prefix(self._cached, tokens), limit)
        self._llm.n_tokens = common
        self._cached = self._cached[:common]
        self._llm.eval(tokens[common:])
        self._cached = list(tokens)
        self.evaluated_tokens += len(tokens) - common
        return self._last_logits()

    def _last_logits(self) -> npt.NDArray[np.float32]:
        import llama_cpp

        pointer = llama_cpp.llama_get_logits_ith(self._llm.ctx, -1)
        return np.ctypeslib.as_array(pointer, shape=(self._llm.n_vocab(),)).copy()

    def _tokens(self, text: str, *, special: bool) -> list[int]:
        return list(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=special))

    def _longest_label(self) -> int:
        return max(len(tokens) for tokens in self._labels.values())


def _common_prefix(left: list[int], right: list[int]) -> int:
    n = min(len(left), len(right))
    if n == 0:
        return 0
    diff = np.flatnonzero(np.asarray(left[:n]) != np.asarray(right[:n]))
    return int(diff[0]) if diff.size else n


def _log_softmax(logits: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    values = logits.astype(np.float64)
    top = values.max()
    result: npt.NDArray[np.float64] = values - top - np.log(np.exp(values - top).sum())
    return result
