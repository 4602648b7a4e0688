"""Socket Mode: the `/link` WebSocket, envelope delivery, acks and redelivery."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from .model import APP_ID, Ack, Envelope

log = logging.getLogger(__name__)
AckListener = Callable[[Envelope, Ack], None]
DISCONNECT_REASONS = ("refresh_requested", "warning", "too_many_websockets", "link_disabled")


@dataclass
class Connection:
    id: int
    ws: web.WebSocketResponse
    transport: asyncio.BaseTransport | None
    opened_at: float = field(default_factory=time.monotonic)
    closed_at: float | None = None
    #: Set once a `disconnect` was sent: no new envelopes go there.
    draining: bool = False

    @property
    def usable(self) -> bool:
        return self.closed_at is None and not self.ws.closed and not self.draining


class SocketModeHub:
    """Accepts app connections and delivers envelopes round-robin over the open ones.

    Envelopes pushed while no connection is open wait and go out on the next one.
    An envelope not acked within `redeliver_after_s` is sent again (to any open
    connection), at most `max_redeliveries` times; None turns redelivery off.
    """

    def __init__(
        self,
        *,
        redeliver_after_s: float | None = 3.0,
        max_redeliveries: int = 3,
        on_ack: AckListener | None = None,
    ) -> None:
        self.redeliver_after_s = redeliver_after_s
        self.max_redeliveries = max_redeliveries
        #: False: stop answering WS pings (the SDK then finds the session stale).
        self.answer_pings = True
        self.connections: list[Connection] = []
        self.envelopes: dict[str, Envelope] = {}
        self.acks: list[Ack] = []
        #: TEXT frames from the app that are not acks.
        self.other_messages: list[Any] = []
        self._on_ack = on_ack
        self._tickets: set[str] = set()
        self._ticket_ids = itertools.count(1)
        self._pending: deque[Envelope] = deque()
        self._round_robin = itertools.count()
        self._timers: dict[str, asyncio.Task[None]] = {}
        self._first_ack: dict[str, Ack] = {}
        self._closing = False

    # -- connections ---------------------------------------------------------

    def issue_url(self, ws_base: str) -> str:
        ticket = f"{next(self._ticket_ids):05d}"
        self._tickets.add(ticket)
        return f"{ws_base}/link?ticket={ticket}&app_id={APP_ID}"

    @property
    def open_connections(self) -> list[Connection]:
        return [c for c in self.connections if c.closed_at is None and not c.ws.closed]

    async def handle_ws(self, request: web.Request) -> web.StreamResponse:
        if self._closing:
            raise web.HTTPServiceUnavailable(text="shutting down")
        if request.query.get("ticket") not in self._tickets:
            raise web.HTTPUnauthorized(text="invalid ticket")
        ws = web.WebSocketResponse(autoping=False)
        await ws.prepare(request)
        connection = Connection(len(self.connections) + 1, ws, request.transport)
        self.connections.append(connection)
        try:
            await ws.send_json(self._hello())
            await self._flush_pending()
            await self._receive(connection)
        finally:
            connection.closed_at = time.monotonic()
        return ws

    def _hello(self) -> dict[str, Any]:
        return {
            "type": "hello",
            "num_connections": len(self.open_connections),
            "debug_info": {
                "host": "applink-emulator",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": APP_ID},
        }

    async def _receive(self, connection: Connection) -> None:
        async for message in connection.ws:
            if message.type == WSMsgType.PING:
                if self.answer_pings:
                    await connection.ws.pong(message.data)
            elif message.type == WSMsgType.TEXT:
                self._on_text(connection, message.data)

    def _on_text(self, connection: Connection, data: str) -> None:
        try:
            message = json.loads(data)
        except ValueError:
            self.other_messages.append(data)
            return
        if not isinstance(message, dict) or "envelope_id" not in message:
            self.other_messages.append(message)
            return
        self._record_ack(connection, message)

    def _record_ack(self, connection: Connection, message: dict[str, Any]) -> None:
        envelope_id = str(message["envelope_id"])
        envelope = self.envelopes.get(envelope_id)
        payload = message.get("payload")
        now = time.monotonic()
        latency = now - envelope.sent_at[0] if envelope and envelope.sent_at else None
        ack = Ack(
            envelope_id, payload if isinstance(payload, dict) else None, latency, connection.id
        )
        self.acks.append(ack)
        if envelope_id in self._first_ack:
            return
        self._first_ack[envelope_id] = ack
        timer = self._timers.pop(envelope_id, None)
        if timer is not None:
            timer.cancel()
        if envelope is not None and self._on_ack is not None:
            self._on_ack(envelope, ack)

    def ack_for(self, envelope_id: str) -> Ack | None:
        return self._first_ack.get(envelope_id)

    # -- delivery ------------------------------------------------------------

    async def push(self, envelope: Envelope) -> None:
        self.envelopes[envelope.envelope_id] = envelope
        await self._deliver(envelope)

    async def redeliver(self, envelope_id: str) -> None:
        """Send an envelope again now, acked or not (a duplicate delivery)."""
        envelope = self.envelopes[envelope_id]
        envelope.retry_attempt += 1
        await self._deliver(envelope)

    async def _deliver(self, envelope: Envelope) -> None:
        while True:
            usable = [c for c in self.connections if c.usable]
            if not usable:
                self._pending.append(envelope)
                return
            connection = usable[next(self._round_robin) % len(usable)]
            try:
                await connection.ws.send_json(envelope.to_wire())
            except (ConnectionError, RuntimeError) as error:
                log.debug("send to connection %s failed: %s", connection.id, error)
                connection.closed_at = connection.closed_at or time.monotonic()
                continue
            envelope.sent_at.append(time.monotonic())
            envelope.connections.append(connection.id)
            self._schedule_redelivery(envelope)
            return

    async def _flush_pending(self) -> None:
        while self._pending and any(c.usable for c in self.connections):
            await self._deliver(self._pending.popleft())

    def _schedule_redelivery(self, envelope: Envelope) -> None:
        if self.redeliver_after_s is None or envelope.envelope_id in self._first_ack:
            return
        old = self._timers.pop(envelope.envelope_id, None)
        if old is not None:
            old.cancel()
        self._timers[envelope.envelope_id] = asyncio.create_task(self._redeliver_later(envelope))

    async def _redeliver_later(self, envelope: Envelope) -> None:
        assert self.redeliver_after_s is not None
        await asyncio.sleep(self.redeliver_after_s)
        if envelope.envelope_id in self._first_ack:
            return
        self._timers.pop(envelope.envelope_id, None)
        if envelope.deliveries > self.max_redeliveries:
            return
        envelope.retry_attempt += 1
        await self._deliver(envelope)

    # -- faults --------------------------------------------------------------

    def _targets(self, connection_id: int | None) -> list[Connection]:
        return [c for c in self.open_connections if connection_id in (None, c.id)]

    async def disconnect(
        self, reason: str = "refresh_requested", connection_id: int | None = None
    ) -> None:
        """Send `{"type": "disconnect"}` (the SDK then opens a new connection)."""
        for connection in self._targets(connection_id):
            connection.draining = True
            message = {
                "type": "disconnect",
                "reason": reason,
                "debug_info": {"host": "applink-emulator"},
            }
            with contextlib.suppress(ConnectionError, RuntimeError):
                await connection.ws.send_json(message)

    async def drop(self, *, abrupt: bool = True, connection_id: int | None = None) -> None:
        """Close connections: abrupt kills the TCP connection, else a WS close frame is sent."""
        for connection in self._targets(connection_id):
            connection.draining = True
            if abrupt and isinstance(connection.transport, asyncio.Transport):
                connection.transport.abort()
            else:
                await connection.ws.close(code=1001, message=b"going away")

    async def close(self) -> None:
        self._closing = True
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        for connection in self.open_connections:
            with contextlib.suppress(Exception):
                await connection.ws.close(code=1001, message=b"server shutdown")
