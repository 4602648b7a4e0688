"""Acknowledgements: every ack counted and timed, from the request reaching the Bolt app (this
middleware runs first) to the listener's ``ack()`` (the ``ticketbot_acks`` metrics); and the
recording that listener middlewares do before Bolt acknowledges an event."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.response import BoltResponse

from bot import metrics
from bot.errors import EventNotRecorded, StorageError, TransientError

T = TypeVar("T")


class TimedAck(AsyncAck):
    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._started = time.perf_counter()
        self._counted = False

    async def __call__(self, *args: Any, **kwargs: Any) -> BoltResponse:
        response = await super().__call__(*args, **kwargs)
        if not self._counted:
            self._counted = True
            metrics.ACKS.inc()
            metrics.ACK_LATENCY.observe(time.perf_counter() - self._started)
        return response


async def timed_acks(context: AsyncBoltContext, next_: Callable[[], Awaitable[None]]) -> None:
    earlier = context.get("ack")
    if earlier is None or (not isinstance(earlier, TimedAck) and earlier.response is None):
        context["ack"] = TimedAck()  # not yet used: the listener runner reads it after us
    await next_()


async def recorded_before_ack(recording: Awaitable[T]) -> T:
    """A listener middleware's recording, awaited before Bolt acknowledges the event; a database
    or Slack failure becomes ``EventNotRecorded``, so no ack is sent and Slack redelivers."""
    try:
        return await recording
    except (StorageError, TransientError) as exc:
        raise EventNotRecorded(str(exc)) from exc
