"""The memory: confirmed tickets (text → label) as TF-IDF vectors, with a classifier over them.

- ``nearest`` finds the most similar confirmed tickets (cosine similarity), new ones included
  at once.
- ``probabilities`` is a linear model over the same vectors (``bot.learn.head``), refitted
  from scratch whenever the memory has grown by ``REFIT_GROWTH`` (with every example while it
  is small) or a label changed. In between, new examples count through ``nearest`` only.
- ``threshold`` is the similarity above which the nearest ticket's label is trusted outright,
  and ``confident_at`` the classifier probability above which its answer is trusted without a
  model; both calibrated at each refit (``bot.learn.fit``).

A refit never holds the lock while it works: it copies references to the examples under the
lock (a snapshot: rows are never changed once added), builds a new ``Fitted`` without it, and
swaps it in with one assignment; meanwhile the previous one keeps serving. With
``background=True`` (the bot) refits run on their own thread (``bot.learn.refitter``), so
adding examples never waits for one; otherwise (evaluations, tests) ``add`` returns once the
refit is done, which makes a stream reproducible.

Only the raw term counts are held (one copy): a similarity is ``counts · (scale ⊙ query)``
divided by the row's weighted length, with the IDF ``scale`` of the current ``Fitted`` (rows
added since are weighed with it too; the next refit brings the IDF up to date).

A second view (dense embeddings beside TF-IDF) plugs in as a ``DenseView``: its rows are given
to ``add`` (``dense={name: rows}``, e.g. embeddings stored with each example) or encoded there,
and a query is encoded by ``view.encode``; see ``bot.learn.fit`` for how views are combined.

``lean=True`` (setting ``classifier.memory_lean``, the bot's default) keeps scikit-learn out of
the process (about 60–70 MB): the hashing by ``bot.learn.hashing`` (the same counts, 1.5×
slower) and the head by ``bot.learn.sparse_head`` (within 0.01 macro-F1 of scikit-learn's with
the encoder beside it; docs/classification.md).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Protocol

import numpy as np
import scipy.sparse as sp

from bot.labels import Label
from bot.learn.fit import (
    MAX_THRESHOLD,
    Fitted,
    Floats,
    Snapshot,
    build,
    calibrate_confidence,
    calibrate_threshold,
)
from bot.learn.refitter import Refitter
from bot.learn.sparse_head import SparseHead
from bot.learn.vectors import Matrix, TfidfSpace, norms, weigh, weigh_blocks
from bot.malloc import release_free_memory

__all__ = ["DenseView", "Memory", "Neighbour", "calibrate_confidence", "calibrate_threshold"]

log = logging.getLogger(__name__)

REFIT_GROWTH = 0.05
TAIL_CHUNKS = 32  # rows added one by one are stacked again beyond this many pieces

Builder = Callable[[Snapshot], Fitted]


class DenseView(Protocol):
    """A dense representation beside TF-IDF (e.g. a sentence encoder); see ``bot.learn.fit``."""

    name: str
    weight: float

    def encode(self, texts: Sequence[str]) -> Floats: ...


class Neighbour:
    __slots__ = ("index", "label", "similarity", "text")

    def __init__(self, text: str, label: Label, similarity: float, index: int) -> None:
        self.text, self.label, self.similarity, self.index = text, label, similarity, index

    def __repr__(self) -> str:
        return f"Neighbour({self.label!r}, {self.similarity:.3f}, #{self.index})"


class Memory:
    """Thread-safe index of confirmed examples; see the module docstring."""

    def __init__(self, *, background: bool = False, views: Sequence[DenseView] = (),
                 builder: Builder | None = None, lean: bool = False) -> None:
        self._space = TfidfSpace(lean=lean)
        self._texts: list[str] = []
        self._labels: list[Label] = []
        self._chunks: list[Matrix] = []  # raw counts, in order; never changed once added
        self._views = list(views)
        self._dense: dict[str, list[Floats]] = {view.name: [] for view in self._views}
        self._relabels = 0
        self._fitted: Fitted | None = None
        self._pinned = 0  # chunks a refit under way has taken: not restacked meanwhile
        self._fitted_norms: Floats = np.zeros(0, dtype=np.float32)  # the fitted rows' lengths
        self._fresh_norms: Floats = np.zeros(0, dtype=np.float32)  # rows after the fit
        self._builder = builder or (partial(build, fit_head=SparseHead.fit) if lean else build)
        self._lock = threading.RLock()
        self._refitter = Refitter(self._refit_now) if background else None
        self.refits = 0

    def __len__(self) -> int:
        return len(self._texts)

    @property
    def labels(self) -> list[Label]:
        return list(self._labels)

    @property
    def texts(self) -> list[str]:
        return list(self._texts)

    @property
    def threshold(self) -> float:
        fitted = self._fitted
        return MAX_THRESHOLD if fitted is None else fitted.threshold

    @property
    def confident_at(self) -> float | None:
        fitted = self._fitted
        return None if fitted is None else fitted.confident_at

    @property
    def fitted(self) -> Fitted | None:
        """The model serving now (replaced whole by each refit)."""
        return self._fitted

    def add(self, examples: Sequence[tuple[str, Label]],
            dense: Mapping[str, Floats] | None = None) -> None:
        """Remember these confirmed examples (refits the classifier when grown enough).

        ``dense``: each view's rows for them when already known (else the view encodes them).
        """
        if not examples:
            return
        texts = [text for text, _ in examples]
        rows = {view.name: (dense or {}).get(view.name) for view in self._views}
        rows = {name: r if r is not None else self._view(name).encode(texts)
                for name, r in rows.items()}
        counts = self._space.counts(texts)
        with self._lock:
            self._space.learn(counts)
            self._chunks.append(counts)
            if len(self._chunks) > TAIL_CHUNKS and self._fitted is not None:
                self._stack_tail()
            for name, r in rows.items():
                self._dense[name].append(np.asarray(r, dtype=np.float32))
            self._texts += texts
            self._labels += [label for _, label in examples]
            if self._fitted is not None:
                self._fresh_norms = np.concatenate(
                    [self._fresh_norms, norms(counts, self._fitted.scale)])
            unseen = self._fitted is None or self._fitted.head is None or not (
                {label for _, label in examples} <= set(self._fitted.head.classes))
            grown = len(self) - (self._fitted.size if self._fitted else 0)
            fitted_on = self._fitted.size if self._fitted else 0
        if unseen or grown > REFIT_GROWTH * max(fitted_on, 20):
            self._refit_soon()

    def relabel(self, changes: Mapping[int, Label]) -> None:
        """Confirmed labels changed (corrections after approval): refit with the new ones."""
        if not changes:
            return
        with self._lock:
            for index, label in changes.items():
                self._labels[index] = label
            self._relabels += 1
        self._refit_soon()

    def _refit_soon(self) -> None:
        if self._refitter is None:
            self.refit()
        else:
            self._refitter.request()

    def wait_refits(self, timeout: float | None = None) -> bool:
        """Block until the refits asked for so far have run (at once without background)."""
        return True if self._refitter is None else self._refitter.wait(timeout=timeout)

    def close(self) -> None:
        if self._refitter is not None:
            self._refitter.close()

    def refit(self) -> None:
        """Build a new model now, in the calling thread, off the lock; swap it in."""
        self._refit_now()

    def _refit_now(self) -> None:
        with self._lock:  # references only: copying happens off the lock
            chunks, labels = list(self._chunks), tuple(self._labels)
            self._pinned = len(chunks)
            dense = {name: list(rows) for name, rows in self._dense.items()}
            scale, stamp = self._space.scale(), (self._relabels, len(labels))
        if not labels:
            return
        counts = chunks[0] if len(chunks) == 1 else sp.vstack(chunks, format="csr")
        views = {view.name: (view.weight, np.vstack(dense[view.name])) for view in self._views}
        fitted = self._builder(Snapshot(counts, labels, scale, views, stamp))
        lengths = norms(counts, scale)
        with self._lock:
            if self._fitted is not None and not _newer(stamp, self._fitted.stamp):
                return
            self._chunks = [counts, *self._chunks[len(chunks):]]
            self._pinned, self._fitted_norms = 1, lengths
            self._fitted, self.refits = fitted, self.refits + 1
            tail = self._chunks[1:]
            self._fresh_norms = (np.concatenate([norms(c, scale) for c in tail]) if tail
                                 else np.zeros(0, dtype=np.float32))
        del counts, views
        release_free_memory()
        weights = {view.name: 0.0 for view in self._views}
        if fitted.view_heads is not None:
            weights.update({name: w for name, (w, _) in fitted.view_heads.heads.items()})
        log.info("memory: classifier refitted on %d examples; near-duplicate threshold %.3f, "
                 "confident at %s%s", len(labels), fitted.threshold,
                 "-" if fitted.confident_at is None else f"{fitted.confident_at:.3f}",
                 "".join(f"; {name} weight {w:g}" for name, w in weights.items()))

    def _stack_tail(self) -> None:
        """Rows added since the last snapshot, one piece again (few: ≤ REFIT_GROWTH)."""
        keep = max(self._pinned, 1)
        if len(self._chunks) - keep > 1:
            tail = sp.vstack(self._chunks[keep:], format="csr")
            self._chunks = [*self._chunks[:keep], tail]

    def _view(self, name: str) -> DenseView:
        return next(view for view in self._views if view.name == name)

    def _scale(self) -> Floats:
        fitted = self._fitted
        return self._space.scale() if fitted is None else fitted.scale

    def vector(self, text: str) -> Matrix:
        """The text's TF-IDF row (unit length), weighed like the rows it is compared with."""
        with self._lock:
            scale = self._scale()
        return weigh(self._space.counts([text]), scale)

    def nearest(self, text: str, k: int = 1) -> list[Neighbour]:
        """The ``k`` most similar examples, most similar first."""
        query = self.vector(text)
        with self._lock:
            if not self._texts:
                return []
            chunks, fitted, scale = list(self._chunks), self._fitted, self._scale()
            lengths = (np.concatenate([self._fitted_norms, self._fresh_norms])
                       if fitted is not None else None)
            texts, labels = self._texts, self._labels
        weighted = np.asarray(query.multiply(scale).toarray(), dtype=np.float32).ravel()
        sims = np.concatenate([chunk @ weighted for chunk in chunks])
        if lengths is None:
            lengths = np.concatenate([norms(chunk, scale) for chunk in chunks])
        sims = sims / np.maximum(lengths[: len(sims)], 1e-12)
        best = np.argsort(-sims, kind="stable")[:k]
        return [Neighbour(texts[i], labels[i], float(sims[i]), int(i)) for i in best]

    def probabilities(self, text: str) -> dict[Label, float] | None:
        """The classifier's label probabilities, or None before it can be fitted."""
        fitted = self._fitted
        if fitted is None or fitted.head is None:
            return None
        row = weigh_blocks(self._space.counts([text]), fitted.scale)
        dense = {name: self._view(name).encode([text]) for name in fitted.views}
        return fitted.probabilities(row, dense)

    def held_out_probabilities(self) -> Mapping[int, dict[Label, float]]:
        """Probabilities of (a sample of) the examples from models that never saw them, by
        example index (waits for the refits asked for so far)."""
        self.wait_refits()
        fitted = self._fitted
        return {} if fitted is None else fitted.held_out


def _newer(stamp: tuple[int, int], than: tuple[int, int]) -> bool:
    return stamp[0] >= than[0] and stamp[1] >= than[1]
