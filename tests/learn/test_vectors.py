"""The memory's two weighings of the same counts: one unit vector (cosine similarity) and
per-block unit vectors weighed 1, 1, ½, ½ (the classifier's rows)."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

from bot.learn import vectors
from bot.learn.vectors import BLOCK_EDGES, BLOCK_WEIGHTS, TfidfSpace, weigh, weigh_blocks

TEXTS = ["Printer on floor 2 is jammed\nIt shows error E-42 and beeps every minute.",
         "VPN drops every hour\n",
         "",
         "Add a dark theme\nThe dashboard is too bright at night; please add a dark theme."]


def block_lengths(row: np.ndarray) -> np.ndarray:
    edges = [0, *BLOCK_EDGES.tolist(), len(row)]
    return np.array([np.linalg.norm(row[a:b]) for a, b in pairwise(edges)])


@pytest.mark.parametrize("rows_at_once", [1, 3, 2048])
def test_each_block_is_weighed_apart_then_the_row_is_a_unit(rows_at_once: int,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    monkeypatch.setattr(vectors, "BLOCK_ROWS", rows_at_once)
    space = TfidfSpace(lean=True)
    counts = space.counts(TEXTS)
    space.learn(counts)
    rows = weigh_blocks(counts, space.scale()).toarray()
    for text, row in zip(TEXTS, rows, strict=True):
        lengths = block_lengths(row)
        if not text:
            assert not row.any()
            continue
        assert np.linalg.norm(row) == pytest.approx(1.0, abs=1e-5)
        present = lengths > 0
        relative = lengths[present] / BLOCK_WEIGHTS[present]
        assert np.allclose(relative, relative[0], rtol=1e-4)  # every block at its weight
    assert (weigh_blocks(counts, space.scale()).indices == counts.indices).all()  # values only


def test_words_weigh_as_much_as_characters_for_the_classifier() -> None:
    space = TfidfSpace(lean=True)
    counts = space.counts(TEXTS)
    space.learn(counts)
    one_vector = block_lengths(weigh(counts, space.scale()).toarray()[0])
    per_block = block_lengths(weigh_blocks(counts, space.scale()).toarray()[0])
    assert one_vector[1] > 2 * one_vector[0]  # character n-grams drown the words
    assert per_block[0] == pytest.approx(per_block[1], rel=1e-4)
