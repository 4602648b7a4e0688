"""The NumPy hashing gives scikit-learn's ``HashingVectorizer`` counts exactly."""

from __future__ import annotations

import numpy as np
import pytest

from bot.learn.hashing import (
    char_wb_ngrams,
    feature_indices,
    hashed_counts,
    murmurhash3_32,
    word_ngrams,
)

AWKWARD = [
    "",
    "a",
    "Printer on floor 3 is JAMMED again!!",
    "Stack trace:\n\tat com.example.Foo.bar(Foo.java:42)\n\n\n   Caused by: NPE",
    "naïve café — Ünïcödé 東京 emoji 🙂🚀 and tabs\tand\u00a0nbsp",
    "https://example.com/a/very/long/path?with=query&and=more#fragment_" + "x" * 300,
    "x y z ab cd",
    "İstanbul ΣΊΣΥΦΟΣ ǅ",
    "mixed\r\nline\rendings  and   spaces",
]


def test_murmurhash_matches_known_values() -> None:
    known = {"": 0, "a": 1009084850, "abc": -1277324294, "hello": 613153351,
             "The quick brown fox jumps over the lazy dog": 776992547}
    hashes = murmurhash3_32(list(known))
    assert dict(zip(known, hashes.tolist(), strict=True)) == known


def test_the_extreme_hash_maps_like_scikit_learn() -> None:
    extreme = np.array([-(2**31)], dtype=np.int32)
    n = 2**18
    assert feature_indices(extreme, n)[0] == (2147483647 - (n - 1)) % n


@pytest.mark.parametrize("analyzer", ["word", "char_wb"])
def test_counts_equal_scikit_learns(analyzer: str) -> None:
    text_module = pytest.importorskip("sklearn.feature_extraction.text")
    if analyzer == "word":
        theirs = text_module.HashingVectorizer(ngram_range=(1, 2), n_features=2**18,
                                               alternate_sign=False, norm=None,
                                               dtype=np.float32)
        mine = hashed_counts(AWKWARD, word_ngrams, 2**18)
    else:
        theirs = text_module.HashingVectorizer(analyzer="char_wb", ngram_range=(2, 5),
                                               n_features=2**16, alternate_sign=False,
                                               norm=None, dtype=np.float32)
        mine = hashed_counts(AWKWARD, char_wb_ngrams, 2**16)
    expected = theirs.transform(AWKWARD)
    assert mine.shape == expected.shape and mine.dtype == expected.dtype
    assert (mine != expected).nnz == 0
