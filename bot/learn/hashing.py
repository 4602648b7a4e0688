"""Hashed n-gram counts, the same numbers as scikit-learn's ``HashingVectorizer``, in NumPy.

The memory used ``HashingVectorizer(ngram_range=(1, 2))`` (word 1–2-grams) and
``HashingVectorizer(analyzer="char_wb", ngram_range=(2, 5))`` with ``alternate_sign=False``
and ``norm=None``. This module reproduces them exactly, so nothing learned changes:

- the same tokens: lower-cased text; words by ``(?u)\\b\\w\\w+\\b`` and their pairs joined by a
  space; character n-grams inside words padded with a space on each side (a word shorter than
  n counted once), after runs of white space became one space;
- the same hash: MurmurHash3 (x86, 32-bit, seed 0) of the token's UTF-8 bytes as a signed
  integer; the feature is ``abs(hash) % n_features`` (``-2**31`` mapped as scikit-learn does);
- the same values: how many times each feature occurs (float32), duplicates summed.

The hash runs vectorised over all tokens of a batch of texts (``murmurhash3_32``): tokens
sorted by length, one NumPy step per 4-byte block position over the tokens that long.
``tests/learn/test_hashing.py`` compares both on awkward text when scikit-learn is installed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

TOKEN = re.compile(r"(?u)\b\w\w+\b")
WHITE_SPACES = re.compile(r"\s\s+")
C1, C2 = np.uint32(0xCC9E2D51), np.uint32(0x1B873593)

Analyzer = Callable[[str], list[str]]


def word_ngrams(text: str) -> list[str]:
    """Words (two or more word characters) and each pair of neighbouring words."""
    words = TOKEN.findall(text.lower())
    return words + [f"{a} {b}" for a, b in pairwise(words)]


def char_wb_ngrams(text: str, low: int = 2, high: int = 5) -> list[str]:
    """Character n-grams of each space-padded word (scikit-learn's ``char_wb``)."""
    grams: list[str] = []
    append = grams.append
    for word in WHITE_SPACES.sub(" ", text.lower()).split():
        padded = f" {word} "
        length = len(padded)
        for n in range(low, high + 1):
            offset = 0
            append(padded[:n])
            while offset + n < length:
                offset += 1
                append(padded[offset:offset + n])
            if offset == 0:  # a short word is counted once
                break
    return grams


def _rotl(x: npt.NDArray[np.uint32], r: int) -> npt.NDArray[np.uint32]:
    rotated: npt.NDArray[np.uint32] = (x << np.uint32(r)) | (x >> np.uint32(32 - r))
    return rotated


def _words_at(buffer: npt.NDArray[np.uint32], offsets: npt.NDArray[np.int64]
              ) -> npt.NDArray[np.uint32]:
    """The little-endian 32-bit words starting at these byte offsets (zeros past the end)."""
    words: npt.NDArray[np.uint32] = (
        buffer[offsets] | (buffer[offsets + 1] << np.uint32(8))
        | (buffer[offsets + 2] << np.uint32(16)) | (buffer[offsets + 3] << np.uint32(24)))
    return words


def murmurhash3_32(tokens: Sequence[str]) -> npt.NDArray[np.int32]:
    """MurmurHash3 x86 32-bit, seed 0, of each token's UTF-8 bytes, as signed integers."""
    encoded = [token.encode("utf-8") for token in tokens]
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    buffer = np.frombuffer(b"".join(encoded) + b"\0\0\0\0", dtype=np.uint8).astype(np.uint32)
    starts = np.zeros(len(encoded), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    blocks = lengths // 4
    order = np.argsort(-blocks, kind="stable")  # longest first: block j is on a prefix
    starts_sorted = starts[order]
    h = np.zeros(len(encoded), dtype=np.uint32)
    active = np.searchsorted(-blocks[order], -np.arange(1, int(blocks.max(initial=0)) + 1),
                             side="right")  # tokens with more than j blocks, per j
    with np.errstate(over="ignore"):
        for j, count in enumerate(active):
            k = _words_at(buffer, starts_sorted[:count] + 4 * j) * C1
            k = _rotl(k, 15) * C2
            part = h[:count] ^ k
            h[:count] = _rotl(part, 13) * np.uint32(5) + np.uint32(0xE6546B64)
        h = h[np.argsort(order, kind="stable")]  # back to the tokens' order
        rest = lengths % 4
        tail = starts + 4 * blocks
        k = np.zeros(len(encoded), dtype=np.uint32)
        for i in (2, 1, 0):
            k ^= np.where(rest > i, buffer[tail + i], 0).astype(np.uint32) << np.uint32(8 * i)
        k = _rotl(k * C1, 15) * C2
        h ^= k
        h ^= lengths.astype(np.uint32)
        h ^= h >> np.uint32(16)
        h *= np.uint32(0x85EBCA6B)
        h ^= h >> np.uint32(13)
        h *= np.uint32(0xC2B2AE35)
        h ^= h >> np.uint32(16)
    return h.view(np.int32)


def feature_indices(hashes: npt.NDArray[np.int32], n_features: int) -> npt.NDArray[np.int32]:
    """``abs(hash) % n_features``; ``-2**31`` (no absolute value in int32) as scikit-learn."""
    wide = np.abs(hashes.astype(np.int64))
    return (wide % n_features).astype(np.int32)


def hashed_counts(texts: Sequence[str], analyzer: Analyzer, n_features: int) -> Any:
    """Rows of feature counts (a SciPy CSR matrix, float32), one per text."""
    grams = [analyzer(text) for text in texts]
    sizes = np.fromiter(map(len, grams), dtype=np.int64, count=len(grams))
    codes: dict[str, int] = {}  # each distinct n-gram hashed once
    code = codes.setdefault
    numbered = np.fromiter((code(gram, len(codes)) for row in grams for gram in row),
                           dtype=np.int64, count=int(sizes.sum()))
    columns = feature_indices(murmurhash3_32(list(codes)), n_features)[numbered]
    rows = np.repeat(np.arange(len(texts)), sizes)
    ones = np.ones(len(numbered), dtype=np.float32)
    matrix = sp.csr_matrix((ones, (rows, columns)), shape=(len(texts), n_features),
                           dtype=np.float32)
    matrix.sum_duplicates()
    return matrix
