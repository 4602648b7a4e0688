"""Weights fitted on held-out pairs; inverse type map; idempotent CSV import."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import session_factory
from bot.db.examples import ExampleStore
from bot.learn.combine import EPS, HeldOut, Weights, combine, fit_weights
from bot.learn.importer import import_csv, labels_by_type
from bot.learn.stream import window_bounds


def test_weights_follow_the_opinion_that_was_right() -> None:
    right = {"Bug": 0.8, "Question": 0.1, "Task": 0.1}
    wrong = {"Bug": 0.1, "Question": 0.8, "Task": 0.1}
    pairs = [HeldOut(wrong, right, "Bug") for _ in range(30)]  # type: ignore[arg-type]
    weights = fit_weights(pairs)
    assert weights.memory > weights.model
    assert fit_weights(pairs[:5]) == Weights(pairs=5)  # too few: the default


def test_the_model_is_asked_below_the_margin_where_it_paid() -> None:
    unsure = {"Bug": 0.4, "Question": 0.35, "Task": 0.25}
    sure = {"Bug": 0.9, "Question": 0.05, "Task": 0.05}
    model_right = {"Bug": 0.05, "Question": 0.9, "Task": 0.05}
    # Where the memory was unsure the model put it right; where it was sure the memory was.
    pairs = ([HeldOut(model_right, unsure, "Question") for _ in range(20)]  # type: ignore[arg-type]
             + [HeldOut(model_right, sure, "Bug") for _ in range(20)])  # type: ignore[arg-type]
    weights = fit_weights(pairs)
    assert weights.model > 0
    assert weights.margin(unsure) < weights.ask_below < weights.margin(sure)
    assert weights.model_pays(unsure) and not weights.model_pays(sure)
    assert fit_weights(pairs[:5]).ask_below == math.inf  # not fitted: always asked
    useless = [HeldOut(model_right, sure, "Bug") for _ in range(30)]  # type: ignore[arg-type]
    assert fit_weights(useless).ask_below == 0.0  # never paid: never asked
    assert not Weights(model=0.0, memory=1.0, pairs=30).model_pays(unsure)
    near = Weights(model=0.25, memory=1.0, pairs=30)
    assert near.margin(unsure) == pytest.approx(math.log(0.4 / 0.35))
    assert near.margin({"Bug": 1.0}) == pytest.approx(-math.log(EPS))  # the rest count at EPS


def test_combine_is_a_distribution() -> None:
    merged = combine({"Bug": 0.6, "Task": 0.4}, {"Bug": 0.5, "Task": 0.5}, Weights())
    assert abs(sum(merged.values()) - 1.0) < 1e-9 and max(merged, key=merged.get) == "Bug"  # type: ignore[arg-type]


def test_inverse_type_map_resolves_ambiguity_by_name() -> None:
    inverse = labels_by_type({"Task": "Task", "Bug": "Bug", "Incident": "Incident",  # type: ignore[dict-item]
                              "Feature Request": "Story", "Question": "Task"})
    assert inverse == {"task": "Task", "bug": "Bug", "incident": "Incident",
                       "story": "Feature Request"}


def test_windows() -> None:
    assert window_bounds(650) == [(0, 100), (100, 300), (300, 600), (600, 650)]


async def test_csv_import_twice_adds_nothing_the_second_time(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    path = tmp_path / "history.csv"
    path.write_text('text,label\n"Crash on start",Bug\nHow do I log in?,Question\n'
                    "Odd,NotALabel\n", encoding="utf-8")
    store = ExampleStore(session_factory(engine))
    first = await import_csv(store, path)
    second = await import_csv(store, path)
    assert (first.read, first.added, second.added, second.already_known) == (2, 2, 0, 2)
    assert await store.count() == 2
