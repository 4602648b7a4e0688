"""Warm-ups registered with the classifier run on worker threads at start; nothing waits."""

from __future__ import annotations

import asyncio
import logging
import threading

import pytest

from bot.learn.classifier import MemoryClassifier
from tests.learn.test_classifier import HISTORY, CountingBackend, chain

WAIT_S = 60.0


async def test_start_returns_while_a_warm_up_loads_and_tickets_go_on() -> None:
    release, began = threading.Event(), threading.Event()
    threads: list[str] = []

    def load_encoder() -> None:
        threads.append(threading.current_thread().name)
        began.set()
        assert release.wait(WAIT_S)

    backend = CountingBackend()
    classifier = MemoryClassifier(chain(backend))
    classifier.add_warm_up(load_encoder)
    classifier.remember(HISTORY)  # type: ignore[arg-type]
    classifier.start()  # returns at once
    assert await asyncio.to_thread(began.wait, WAIT_S)
    result = await classifier.classify("login page throws error 500 after the update")
    assert result.label == "Bug" and not release.is_set()  # answered while the load runs
    release.set()
    await classifier.warmed()
    assert threads and threads[0] != threading.main_thread().name
    await classifier.aclose()


async def test_a_failed_warm_up_is_logged_and_the_bot_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.learn.warmups")

    def broken() -> None:
        raise OSError("weights file missing")

    classifier = MemoryClassifier(chain(CountingBackend()))
    classifier.add_warm_up(broken)
    classifier.start()
    await classifier.warmed()
    assert "weights file missing" in caplog.text and "loads on first use" in caplog.text
    assert (await classifier.classify("Printer on floor 3 is jammed")).label == "Task"
    await classifier.aclose()
