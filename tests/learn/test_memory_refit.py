"""The memory scales: refits off the lock while the previous model serves, sub-quadratic
calibration, weights never fitted on the event loop, capped evidence."""

from __future__ import annotations

import asyncio
import random
import threading

import numpy as np
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import session_factory
from bot.db.examples import ExampleStore, NewExample
from bot.labels import LABELS
from bot.learn import evidence as evidence_module
from bot.learn import fit
from bot.learn.classifier import MemoryClassifier
from bot.learn.combine import GRID, HeldOut, Weights, fit_weights, log_loss
from bot.learn.evidence import MAX_PAIRS
from bot.learn.fit import Fitted, Snapshot, build
from bot.learn.memory import Memory
from bot.learn.vectors import TfidfSpace
from tests.learn.test_classifier import CountingBackend, chain, said, separable_history

WAIT_S = 60.0  # generous: the machine is shared


class HeldBuilder:
    """``fit.build``, but every refit after the first ``free`` ones waits for ``release``."""

    def __init__(self, free: int = 1) -> None:
        self.free = free
        self.started = threading.Event()
        self.release = threading.Event()
        self.threads: list[str] = []

    def __call__(self, snapshot: Snapshot) -> Fitted:
        self.threads.append(threading.current_thread().name)
        if self.free > 0:
            self.free -= 1
        else:
            self.started.set()
            assert self.release.wait(WAIT_S)
        return build(snapshot)


def more_history(count: int) -> list[tuple[str, str]]:
    return [(f"Export of the {i}th quarterly report fails with a timeout error", "Bug")
            for i in range(count)]


def test_the_previous_model_serves_while_a_refit_is_blocked() -> None:
    held = HeldBuilder(free=1)
    memory = Memory(background=True, builder=held)
    memory.add(separable_history())  # type: ignore[arg-type]
    assert memory.wait_refits(WAIT_S)
    before = memory.fitted
    assert before is not None and before.head is not None
    memory.add(more_history(40))  # type: ignore[arg-type]  # grown > 5 %: a refit is asked for
    assert held.started.wait(WAIT_S)  # ... and is now blocked inside the build
    assert memory._lock.acquire(blocking=False)  # the refit does not hold the lock
    memory._lock.release()
    assert memory.fitted is before  # the previous model serves ...
    assert memory.probabilities("The billing page crashes with a stack trace") is not None
    near = memory.nearest("Export of the 7th quarterly report fails with a timeout error")
    assert near[0].similarity > 0.99 and near[0].label == "Bug"  # ... new examples count at once
    held.release.set()
    assert memory.wait_refits(WAIT_S)
    assert memory.fitted is not before and memory.fitted is not None
    assert memory.fitted.size == len(memory)
    assert all(name == "memory-refit" for name in held.threads)  # never the caller's thread
    memory.close()


async def test_a_ticket_is_classified_while_a_refit_is_blocked() -> None:
    held = HeldBuilder(free=1)
    backend = CountingBackend()
    memory = Memory(background=True, builder=held)
    classifier = MemoryClassifier(chain(backend), memory=memory)
    classifier.remember(separable_history())  # type: ignore[arg-type]
    assert await asyncio.to_thread(memory.wait_refits, WAIT_S)
    classifier.remember(more_history(40))  # type: ignore[arg-type]  # returns: refit in background
    assert await asyncio.to_thread(held.started.wait, WAIT_S)
    result = await classifier.classify("The search page crashes with an exception and stack trace")
    assert result.label == "Bug" and not held.release.is_set()  # answered during the refit
    held.release.set()
    await classifier.aclose()


async def test_start_up_work_never_runs_on_the_event_loop(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = ExampleStore(session_factory(engine))
    await store.add_many([NewExample(text, label, "approval", f"ticket:{i}",  # type: ignore[arg-type]
                                     model_probabilities=said(label))
                          for i, (text, label) in enumerate(separable_history())])
    on_loop: list[str] = []

    def running_loop() -> bool:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return False
        return True

    def watched_weights(pairs: list[HeldOut]) -> Weights:
        if running_loop():
            on_loop.append("fit_weights")
        return fit_weights(pairs)

    def watched_build(snapshot: Snapshot) -> Fitted:
        if running_loop():
            on_loop.append("build")
        return build(snapshot)

    monkeypatch.setattr(evidence_module, "fit_weights", watched_weights)
    classifier = MemoryClassifier(chain(CountingBackend()), store,
                                  memory=Memory(background=True, builder=watched_build))
    assert await classifier.load() == len(separable_history())
    assert classifier.weights.pairs == len(separable_history())  # the weights were fitted
    await classifier.add_evidence([HeldOut(said("Bug"), said("Bug"), "Bug")] * 30)
    await classifier.aclose()
    assert on_loop == []


def test_stored_pairs_are_capped() -> None:
    classifier = MemoryClassifier(chain(CountingBackend()))
    pair = HeldOut(said("Bug"), said("Bug"), "Bug")  # type: ignore[arg-type]
    asyncio.run(classifier.add_evidence([pair] * (MAX_PAIRS + 100)))
    assert classifier.held_out_pairs == MAX_PAIRS == classifier.weights.pairs


def test_vectorised_weights_pick_the_grid_point_of_the_lowest_log_loss() -> None:
    rng = random.Random(1)

    def opinion() -> dict[str, float]:
        raw = [rng.random() ** 3 for _ in LABELS]
        return {label: value / sum(raw) for label, value in zip(LABELS, raw, strict=True)}

    pairs = [HeldOut(opinion(), opinion(), rng.choice(LABELS))  # type: ignore[arg-type]
             for _ in range(60)]
    fitted = fit_weights(pairs)
    best = min((Weights(a, b, len(pairs)) for a in GRID for b in GRID if a or b),
               key=lambda w: log_loss(pairs, w))
    assert abs(log_loss(pairs, fitted) - log_loss(pairs, best)) < 1e-9


def test_sketched_nearest_neighbours_match_the_exact_ones() -> None:
    rng = random.Random(0)
    words = [f"w{i}" for i in range(300)]
    texts = []
    for i in range(400):
        base = " ".join(rng.choice(words) for _ in range(30))
        texts.append(base)
        if i % 4 == 0:  # near copies
            texts.append(base + f" and one more thing {i}")
    space = TfidfSpace()
    counts = space.counts(texts)
    space.learn(counts)
    rows = space.weigh(counts)
    chosen = fit.sample(rows.shape[0], 10_000)
    _, found = fit.nearest_others(rows, chosen)
    exact = (rows @ rows.T).toarray()
    np.fill_diagonal(exact, -1.0)
    best = exact.max(axis=1)
    close = best >= 0.5
    assert close.sum() >= 100
    assert np.all(np.abs(found[close] - best[close]) < 0.02)
    assert np.all(found <= best + 1e-5)  # an exact cosine, never above the true best
