"""Text → sparse TF-IDF vectors (word 1–2-grams and character 2–5-grams), learned incrementally.

Features are hashed (no vocabulary to fit), and document frequencies are counted as examples
arrive, so adding one example is O(its length) and the index never has to be refitted.
Stored rows keep their raw (sublinear) term frequencies; IDF weights are applied on demand.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import normalize

N_FEATURES = 2**20
MAX_CHARS = 2000

Matrix: TypeAlias = Any  # scipy.sparse.csr_matrix; scipy ships no type hints


class TfidfSpace:
    """Hashed word and character n-grams with document frequencies counted as rows are added."""

    def __init__(self) -> None:
        common = {"n_features": N_FEATURES // 2, "alternate_sign": False, "norm": None,
                  "dtype": np.float32}
        self._words = HashingVectorizer(ngram_range=(1, 2), **common)
        self._chars = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 5), **common)
        self._df = np.zeros(N_FEATURES, dtype=np.float32)
        self.documents = 0

    def counts(self, texts: list[str]) -> Matrix:
        """Raw sublinear term frequencies, one row per text (not yet IDF-weighted)."""
        cut = [text[:MAX_CHARS].lower() for text in texts]
        matrix = sp.hstack([self._words.transform(cut), self._chars.transform(cut)]).tocsr()
        matrix.data = 1.0 + np.log(matrix.data)
        return matrix

    def learn(self, counts: Matrix) -> None:
        """Count these rows' features into the document frequencies."""
        present = counts.copy()
        present.data[:] = 1.0
        self._df += np.asarray(present.sum(axis=0)).ravel()
        self.documents += counts.shape[0]

    def weigh(self, counts: Matrix) -> Matrix:
        """IDF-weighted, L2-normalised rows (unit vectors: a dot product is the cosine)."""
        idf = np.log((1.0 + self.documents) / (1.0 + self._df)) + 1.0
        return normalize(counts.multiply(idf.astype(np.float32)).tocsr())
