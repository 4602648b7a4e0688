"""Record new requests once each: ``INSERT … ON CONFLICT (dedupe_key) DO NOTHING``.

A slash command's ``response_url`` lets whoever holds it post as the app for 30 minutes. It is
kept only while it can tell the requester something: ``mark_posted`` clears it, and
``forget_response_urls`` (run by the worker) clears any left from older requests.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert

from bot.db.admission import Caps, refusals
from bot.db.models import Ticket, TicketEvent, utcnow
from bot.db.ticket_reads import TicketReads
from bot.errors import QuotaExceeded
from bot.tickets import NewRequest, TicketState

log = logging.getLogger(__name__)

Recorded = tuple[Ticket, bool] | QuotaExceeded

#: Slack honours a response_url for 30 minutes; after that it is only a liability.
RESPONSE_URL_MAX_AGE = timedelta(minutes=30)


class RequestLog(TicketReads):
    """The ticket log's intake: each Slack request becomes one ``received`` ticket."""

    async def record_request(self, request: NewRequest) -> tuple[Ticket, bool]:
        """Record the request once; ``(ticket, created)``; a redelivery gets the first row."""
        [result] = await self.record_requests([request])
        if isinstance(result, QuotaExceeded):  # only with caps
            raise result
        return result

    async def record_requests(
        self, requests: Sequence[NewRequest], caps: Caps | None = None
    ) -> list[Recorded]:
        """Record many requests in one transaction (group commit), each at most once.

        Returns ``(ticket, created)`` per request, in order. A dedupe key already in the log,
        or repeated within ``requests``, gets the first row and ``created=False``. With
        ``caps``, a new request over one gets its ``QuotaExceeded`` instead, and no row.
        """
        fresh = list({r.dedupe_key: r for r in reversed(requests)}.values())[::-1]
        async with self._write("record requests") as session:
            refused = await refusals(session, fresh, caps) if caps else {}
            fresh = [r for r in fresh if r.dedupe_key not in refused]
            created = await insert_new(session, fresh)
            events = [
                {
                    "ticket_id": created[r.dedupe_key],
                    "actor": r.requester_id,
                    "event": "received",
                    "details": {"source": r.source.value, **_filed_by(r)},
                    "created_at": utcnow(),
                }
                for r in fresh
                if r.dedupe_key in created
            ]
            if events:
                await session.execute(insert(TicketEvent), events)
            keys = [r.dedupe_key for r in fresh]
            rows = await session.execute(select(Ticket).where(Ticket.dedupe_key.in_(keys)))
            by_key = {t.dedupe_key: t for t in rows.scalars()}
        results: list[Recorded] = []
        seen = set()
        for request in requests:
            key = request.dedupe_key
            if key in refused:
                results.append(refused[key])
                continue
            is_new = key in created and key not in seen
            seen.add(key)
            results.append((by_key[key], is_new))
            if is_new:
                log.info(
                    "ticket %s received from %s in %s",
                    created[key],
                    request.requester_id,
                    request.channel_id,
                )
            else:
                log.info("duplicate request %s ignored; ticket %s", key, by_key[key].id)
        return results

    async def forget_response_urls(self, older_than: timedelta = RESPONSE_URL_MAX_AGE) -> int:
        """Clear the ``response_url`` of requests received over ``older_than`` ago; how many."""
        statement = (
            update(Ticket)
            .where(Ticket.response_url.is_not(None), Ticket.created_at < utcnow() - older_than)
            .values(response_url=None)
        )
        async with self._write("forget old response URLs") as session:
            result = cast(CursorResult[Any], await session.execute(statement))
        if result.rowcount:
            log.info("forgot the response URLs of %s old request(s)", result.rowcount)
        return result.rowcount


async def insert_new(session: AsyncSession, requests: Sequence[NewRequest]) -> dict[str, int]:
    """The dedupe keys actually inserted → their new ticket ids (redeliveries insert nothing)."""
    if not requests:
        return {}
    now = utcnow()
    rows = [
        {
            "dedupe_key": r.dedupe_key,
            "source": r.source,
            "slack_team_id": r.team_id,
            "slack_channel_id": r.channel_id,
            "requester_id": r.requester_id,
            "requester_name": r.requester_name,
            "response_url": r.response_url,
            "text": r.text,
            "summary_override": r.summary_override,
            "label_override": r.label_override,
            "jira_fields": dict(r.jira_fields) or None,
            "state": TicketState.RECEIVED,
            "created_at": now,
            "updated_at": now,
            "attempts": 0,
            "needs_triage": False,
            **_source_columns(r),
        }
        for r in requests
    ]
    keys = [Ticket.dedupe_key]
    statement: ReturningInsert[int, str] = (
        postgresql_insert(Ticket).values(rows).on_conflict_do_nothing(index_elements=keys)
        if session.get_bind().dialect.name == "postgresql"
        else sqlite_insert(Ticket).values(rows).on_conflict_do_nothing(index_elements=keys)
    ).returning(Ticket.id, Ticket.dedupe_key)
    return {key: ticket_id for ticket_id, key in (await session.execute(statement)).all()}


def _source_columns(request: NewRequest) -> dict[str, Any]:
    """The source message (migration 0010), the files to copy, who filed it."""
    source = request.source_message
    return {
        "source_channel_id": source.channel_id if source else None,
        "source_ts": source.ts if source else None,
        "source_permalink": source.permalink if source else None,
        "source_files": [asdict(f) for f in request.files] or None,
        "filed_by": request.filed_by,
    }


def _filed_by(request: NewRequest) -> dict[str, str]:
    return {"filed_by": request.filed_by} if request.filed_by else {}
