"""``Every``: a failed round is logged and the next one comes; stop ends the task."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.errors import TicketbotError
from bot.loops import Every


async def test_a_failed_round_is_logged_and_the_loop_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rounds: list[int] = []
    third = asyncio.Event()

    async def step() -> None:
        rounds.append(len(rounds))
        if len(rounds) == 1:
            raise TicketbotError("the database is away")
        if len(rounds) == 2:
            raise RuntimeError("a bug")
        third.set()

    loop = Every("test-loop", step, 0.001, "could not look")
    with caplog.at_level(logging.WARNING, logger="bot.loops"):
        loop.start()
        await asyncio.wait_for(third.wait(), timeout=10)
        await loop.stop()
    lines = [(r.levelno, r.getMessage(), r.exc_info is not None) for r in caplog.records]
    assert lines[:2] == [
        (logging.WARNING, "could not look: the database is away", False),
        (logging.ERROR, "could not look", True),
    ]
    count = len(rounds)
    await asyncio.sleep(0.01)
    assert len(rounds) == count  # stopped


async def test_stop_before_start_does_nothing() -> None:
    async def step() -> None:
        return None

    await Every("idle", step, 1.0, "never").stop()
