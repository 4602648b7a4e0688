"""The encoder as a second view of the memory, and how the views' answers are combined.

``EncoderView`` is the memory's ``DenseView`` for the sentence encoder (``bot.learn.encoder``):
it encodes through the bot's ``EncoderSlot``, so the encoder loads once, on a worker thread;
while it cannot be used its rows are zeros, and a view whose rows are all zeros gets no head:
the memory then answers from TF-IDF alone, exactly as without the view.

With ``title`` (the default) the first line (the title, a ticket's summary) is encoded too and
is a view of its own (``TitleView``), with its own head and weight: chosen on held-out
examples, the weight is ¼ on apache_jira (+0.008 macro-F1 warm) and 0 on github_issues
(docs/classification.md). Both vectors are stored together with each example
(``stored_rows``: the text's, then the title's).

Each view has its own head (``DenseHead`` over the view's rows) beside the TF-IDF head, and the
memory's probabilities are the weighted average of the heads' probabilities (``average``).
Measured on the dev files (docs/classification.md, ``bench.scenarios.encoder_views``), the
average beat one linear model over the views side by side (concatenation) on both files, warm
and in folds.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.labels import LABELS, Label
from bot.learn.dense_head import DenseHead
from bot.learn.encoder import Encoder, EncoderSlot
from bot.learn.vectors import first_line
from bot.settings_encoder import EncoderSettings

ENCODER_VIEW = "encoder"
UNLOADED_DIM = 384  # rows of an encoder that could not load (zeros; never fitted)
# Texts (and titles) whose vectors are kept: a ticket classified, then confirmed, is encoded once.
RECENT = 512
# The encoder head's weight in the average (TF-IDF's is 1) until the memory has enough held-out
# examples to choose it (``choose_weights``): measured best of 0.25 / 0.5 / 1 over both dev files
# warm, once TF-IDF's blocks are normalised apart.
ENCODER_WEIGHT = 0.5
WEIGHT_CHOICES = (0.0, 0.25, 0.5, 1.0, 2.0)
TITLE_VIEW = "title"
TITLE_WEIGHT = 0.25  # until chosen on held-out examples (``choose_weights``); 0 fits no head
TITLE_SUFFIX = "+title"
MIN_HELD_OUT = 50  # fewer held-out examples say too little: the views keep their weights

Floats = npt.NDArray[np.float32]
Probabilities = Mapping[Label, float]


class EncoderView:
    """The sentence encoder as a ``bot.learn.memory.DenseView`` (see the module docstring)."""

    name = ENCODER_VIEW

    def __init__(self, slot: EncoderSlot | Encoder, weight: float = ENCODER_WEIGHT, *,
                 title: bool = True) -> None:
        self._slot = slot
        self.weight = weight
        self.title = title
        self._recent: OrderedDict[str, Floats] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def encoder(self) -> Encoder | None:
        """The encoder (loading it on first use: blocks), None when it cannot be used."""
        return self._slot.get() if isinstance(self._slot, EncoderSlot) else self._slot

    @property
    def problem(self) -> str | None:
        """Why the encoder cannot be used (after a failed load), else None."""
        return self._slot.problem if isinstance(self._slot, EncoderSlot) else None

    @property
    def encoder_id(self) -> str | None:
        """The id of the rows this view makes (the encoder's, ``+title`` with the title)."""
        encoder = self.encoder
        return None if encoder is None else encoder.id + (TITLE_SUFFIX if self.title else "")

    @property
    def dim(self) -> int:
        """The width of a stored row: the text's vector, then the title's when ``title``."""
        encoder = self.encoder
        return (UNLOADED_DIM if encoder is None else encoder.dim) * (2 if self.title else 1)

    def views(self) -> list[EncoderView | TitleView]:
        """The memory's views made by this encoder: the text's, then the title's."""
        return [self, TitleView(self)] if self.title else [self]

    def stored_rows(self, texts: Sequence[str]) -> Floats:
        """Rows as stored with each example: ``encode`` and, with ``title``, the titles'."""
        whole = self.encode(texts)
        if not self.title:
            return whole
        return np.hstack([whole, self.encode([first_line(text) for text in texts])])

    def split(self, stored: Floats) -> dict[str, Floats]:
        """Stored rows (``stored_rows``) as each view's rows, by view name."""
        if not self.title:
            return {self.name: stored}
        half = stored.shape[1] // 2
        return {self.name: stored[:, :half], TITLE_VIEW: stored[:, half:]}

    def warm_up(self) -> bool:
        """Load the encoder now (a start-up warm-up, on a worker thread); True if usable."""
        return self.encoder is not None

    def encode(self, texts: Sequence[str]) -> Floats:
        """The texts' vectors (zeros while the encoder cannot be used)."""
        encoder = self.encoder
        if encoder is None:
            return np.zeros((len(texts), UNLOADED_DIM), dtype=np.float32)
        with self._lock:
            known = {text: self._recent[text] for text in texts if text in self._recent}
        missing = list(dict.fromkeys(text for text in texts if text not in known))
        if missing:
            known.update(zip(missing, encoder.encode(missing), strict=True))
        with self._lock:
            for text in texts:
                self._recent[text] = known[text]
                self._recent.move_to_end(text)
            while len(self._recent) > RECENT:
                self._recent.popitem(last=False)
        return np.vstack([known[text] for text in texts]).astype(np.float32)


class TitleView:
    """The title's vector (a text's first line), from the ``EncoderView``'s encoder."""

    name = TITLE_VIEW

    def __init__(self, text_view: EncoderView, weight: float = TITLE_WEIGHT) -> None:
        self._text_view = text_view
        self.weight = weight

    def encode(self, texts: Sequence[str]) -> Floats:
        return self._text_view.encode([first_line(text) for text in texts])


def encoder_view(settings: EncoderSettings) -> EncoderView | None:
    """The memory's encoder view for these settings (loaded on first use), None when off."""
    return EncoderView(EncoderSlot(settings), title=settings.title) if settings.enabled else None


@dataclass(frozen=True, slots=True)
class ViewHeads:
    """One fitted head per dense view, with the view's weight in the average."""

    heads: Mapping[str, tuple[float, DenseHead]]

    def probabilities(self, rows: Mapping[str, Floats]) -> list[tuple[float, list[dict[Label,
                                                                                       float]]]]:
        return [(weight, head.probabilities_many(rows[name]))
                for name, (weight, head) in self.heads.items() if name in rows]


def fit_view_heads(dense: Mapping[str, tuple[float, Floats]], labels: Sequence[Label],
                   rows: npt.NDArray[np.int64] | None = None) -> ViewHeads | None:
    """A head per view (on ``rows`` of it only, when given); None when no view has vectors."""
    heads: dict[str, tuple[float, DenseHead]] = {}
    for name, (weight, vectors) in dense.items():
        part = vectors if rows is None else vectors[rows]
        if weight > 0 and part.size and np.any(part):  # all zeros: the encoder never loaded
            chosen = list(labels) if rows is None else [labels[i] for i in rows]
            heads[name] = (weight, DenseHead.fit(part, chosen))
    return ViewHeads(heads) if heads else None


def average(tfidf: Probabilities, views: Sequence[tuple[float, Probabilities]]
            ) -> dict[Label, float]:
    """The TF-IDF head's probabilities averaged with the views' (weight 1 for TF-IDF)."""
    total = 1.0 + sum(weight for weight, _ in views)
    return {label: (tfidf.get(label, 0.0)
                    + sum(weight * p.get(label, 0.0) for weight, p in views)) / total
            for label in LABELS}


def average_many(tfidf: Sequence[Probabilities], heads: ViewHeads | None,
                 rows: Mapping[str, Floats]) -> list[dict[Label, float]]:
    """``average`` for many rows at once (``rows``: each view's vectors of those rows)."""
    if heads is None:
        return [dict(p) for p in tfidf]
    per_view = heads.probabilities(rows)
    return [average(p, [(weight, found[i]) for weight, found in per_view])
            for i, p in enumerate(tfidf)]


HeldOut = tuple[Probabilities, Mapping[str, Probabilities]]  # TF-IDF's, then each view's
HeldOutParts = Mapping[int, HeldOut]  # by example index


def choose_weights(parts: HeldOutParts, labels: Sequence[Label],
                   defaults: Mapping[str, float]) -> dict[str, float]:
    """Each view's weight in the average: of ``WEIGHT_CHOICES``, the one whose average has the
    lowest log loss on held-out examples (``parts``: example index → the TF-IDF head's and each
    view's probabilities from models that did not see it). Views are added one after the other
    in the order of ``defaults``: each is chosen beside those before it, the later ones left out
    (so the title's view is weighed against the text's, not the text's against a guess for the
    title's). The defaults while fewer than ``MIN_HELD_OUT`` examples are held out.

    The right weight moves with the memory: the encoder knows language before any example,
    TF-IDF learns the installation's own words, so a young memory leans on the encoder and a
    grown one on TF-IDF (measured on the dev files: docs/classification.md).
    """
    if len(parts) < MIN_HELD_OUT:
        return dict(defaults)
    weights = dict.fromkeys(defaults, 0.0)
    for name in defaults:
        losses = {}
        for choice in WEIGHT_CHOICES:
            trial = {**weights, name: choice}
            losses[choice] = _log_loss(parts, labels, trial)
        weights[name] = min(losses, key=lambda choice: (losses[choice], choice))
    return weights


def _log_loss(parts: HeldOutParts, labels: Sequence[Label], weights: Mapping[str, float]
              ) -> float:
    total = 0.0
    for index, (tfidf, views) in parts.items():
        mixed = average(tfidf, [(weights[name], p) for name, p in views.items()])
        total -= float(np.log(max(mixed.get(labels[index], 0.0), 1e-9)))
    return total / max(len(parts), 1)
