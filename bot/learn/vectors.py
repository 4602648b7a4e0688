"""Text → sparse TF-IDF vectors, learned incrementally.

Four hashed blocks: word 1–2-grams and character 2–5-grams of the whole text, and the same of
its first line (the title: a ticket's summary, which says most about its type) at half weight.
Features are hashed (no vocabulary to fit), and document frequencies are counted as examples
arrive, so adding one example is O(its length) and the index never has to be refitted.
Stored rows keep their raw (sublinear) term frequencies; IDF weights are applied on demand.

Two weighings of the same counts: ``weigh`` (one unit vector: cosine similarity, for
near-duplicates) and ``weigh_blocks`` (each block a unit vector first, then the blocks weighed
1, 1, ½, ½: the classifier's rows). Normalising per block keeps the character n-grams, which are
most of a row's length, from drowning its words: measured +0.016 (github_issues) and +0.023
(apache_jira) macro-F1 for TF-IDF alone in 5 folds (docs/classification.md).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from bot.learn.hashing import char_wb_ngrams, hashed_counts, word_ngrams

TEXT_FEATURES = 2**18  # per block of the whole text
TITLE_FEATURES = 2**16  # per block of the title (short: fewer distinct n-grams)
N_FEATURES = 2 * TEXT_FEATURES + 2 * TITLE_FEATURES
TITLE_WEIGHT = 0.5
BLOCK_EDGES = np.array([TEXT_FEATURES, 2 * TEXT_FEATURES, 2 * TEXT_FEATURES + TITLE_FEATURES],
                       dtype=np.int32)  # where the 2nd, 3rd and 4th blocks start
BLOCK_WEIGHTS = np.array([1.0, 1.0, TITLE_WEIGHT, TITLE_WEIGHT], dtype=np.float32)
BLOCK_ROWS = 2048  # rows weighed at once by ``weigh_blocks`` (bounded temporaries)
MAX_CHARS = 2000
HASH_BATCH = 64

Matrix: TypeAlias = Any  # scipy.sparse.csr_matrix; scipy ships no type hints
Floats: TypeAlias = npt.NDArray[np.float32]


Hasher = Callable[[list[str]], Matrix]


def _hashers(n_features: int, lean: bool) -> tuple[Hasher, Hasher]:
    """Word 1–2-gram and char_wb 2–5-gram counts: scikit-learn's ``HashingVectorizer``, or with
    ``lean`` the same counts from ``bot.learn.hashing`` (no scikit-learn; 1.5× slower)."""
    if lean:
        return (partial(hashed_counts, analyzer=word_ngrams, n_features=n_features),
                partial(hashed_counts, analyzer=char_wb_ngrams, n_features=n_features))
    from sklearn.feature_extraction.text import HashingVectorizer

    common = {"n_features": n_features, "alternate_sign": False, "norm": None,
              "dtype": np.float32}
    return (HashingVectorizer(ngram_range=(1, 2), **common).transform,
            HashingVectorizer(analyzer="char_wb", ngram_range=(2, 5), **common).transform)


class TfidfSpace:
    """Hashed word and character n-grams with document frequencies counted as rows are added."""

    def __init__(self, *, lean: bool = False) -> None:
        self._text = _hashers(TEXT_FEATURES, lean)
        self._title = _hashers(TITLE_FEATURES, lean)
        self._block_weight = np.ones(N_FEATURES, dtype=np.float32)
        self._block_weight[2 * TEXT_FEATURES:] = TITLE_WEIGHT
        self._df = np.zeros(N_FEATURES, dtype=np.float32)
        self.documents = 0

    def counts(self, texts: list[str]) -> Matrix:
        """Raw sublinear term frequencies, one row per text (not yet IDF-weighted); hashed
        ``HASH_BATCH`` texts at a time (their n-grams are Python strings until hashed)."""
        if len(texts) > HASH_BATCH:
            return sp.vstack([self.counts(texts[i:i + HASH_BATCH])
                              for i in range(0, len(texts), HASH_BATCH)], format="csr")
        cut = [text[:MAX_CHARS].lower() for text in texts]
        titles = [first_line(text) for text in cut]
        blocks = [hasher(cut) for hasher in self._text]
        blocks += [hasher(titles) for hasher in self._title]
        matrix = sp.hstack(blocks, format="csr")
        matrix.data = 1.0 + np.log(matrix.data)
        return matrix

    def learn(self, counts: Matrix) -> None:
        """Count these rows' features into the document frequencies."""
        present = counts.copy()
        present.data[:] = 1.0
        self._df += np.asarray(present.sum(axis=0)).ravel()
        self.documents += counts.shape[0]

    def scale(self) -> Floats:
        """Each feature's weight now: its IDF times its block's weight."""
        idf = np.log((1.0 + self.documents) / (1.0 + self._df)) + 1.0
        scale: Floats = (idf * self._block_weight).astype(np.float32)
        return scale

    def weigh(self, counts: Matrix) -> Matrix:
        """IDF-weighted, L2-normalised rows with today's weights (see ``weigh``)."""
        return weigh(counts, self.scale())


def weigh(counts: Matrix, scale: Floats) -> Matrix:
    """IDF-weighted, L2-normalised rows (unit vectors: a dot product is the cosine).

    Only the values are new: the result shares ``counts``' column indices (never changed).
    """
    data, lengths = _weighted(counts, scale)
    data /= np.repeat(np.maximum(lengths, np.float32(1e-12)), np.diff(counts.indptr))
    return sp.csr_matrix((data, counts.indices, counts.indptr), shape=counts.shape)


def first_line(text: str) -> str:
    """A ticket's title: its first line (its summary)."""
    return text.split("\n", 1)[0]


def weigh_blocks(counts: Matrix, scale: Floats) -> Matrix:
    """IDF-weighted rows whose four blocks are each L2-normalised, then weighed by
    ``BLOCK_WEIGHTS`` and the whole row brought to unit length (empty blocks count for nothing).

    Only the values are new: the result shares ``counts``' column indices.
    """
    data: Floats = (counts.data * scale[counts.indices]).astype(np.float32)
    for start in range(0, counts.shape[0], BLOCK_ROWS):
        stop = min(start + BLOCK_ROWS, counts.shape[0])
        low, high = counts.indptr[start], counts.indptr[stop]
        if low == high:
            continue
        part = data[low:high]
        block = np.searchsorted(BLOCK_EDGES, counts.indices[low:high], side="right")
        row = np.repeat(np.arange(stop - start, dtype=np.int32),
                        np.diff(counts.indptr[start:stop + 1]))
        cell = row * len(BLOCK_WEIGHTS) + block
        squares = np.bincount(cell, weights=part * part,
                              minlength=(stop - start) * len(BLOCK_WEIGHTS))
        lengths = np.sqrt(squares).reshape(-1, len(BLOCK_WEIGHTS))
        present = lengths > 0
        totals = np.sqrt((present * BLOCK_WEIGHTS ** 2).sum(axis=1, keepdims=True))
        factor = np.where(present, BLOCK_WEIGHTS / np.maximum(lengths * totals, 1e-12), 0.0)
        part *= factor.ravel()[cell].astype(np.float32)
    return sp.csr_matrix((data, counts.indices, counts.indptr), shape=counts.shape)


def norms(counts: Matrix, scale: Floats) -> Floats:
    """The length of each row once weighted (so a weighted row is ``counts ⊙ scale / norm``)."""
    return _weighted(counts, scale)[1]


def _weighted(counts: Matrix, scale: Floats) -> tuple[Floats, Floats]:
    data: Floats = counts.data * scale[counts.indices]
    sizes = np.diff(counts.indptr)
    lengths = np.zeros(counts.shape[0], dtype=np.float32)
    filled = sizes > 0
    if filled.any():
        squares = np.add.reduceat(data * data, counts.indptr[:-1][filled])
        lengths[filled] = np.sqrt(squares)
    return data, lengths
