"""Count every ack and time it, from the request reaching the Bolt app (this middleware runs
first) to the listener's ``ack()``: the ``ticketbot_acks`` metrics."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.response import BoltResponse

from bot import metrics


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
