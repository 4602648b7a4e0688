"""Insert new requests once each: ``INSERT … ON CONFLICT (dedupe_key) DO NOTHING``."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert

from bot.db.models import Ticket, utcnow
from bot.tickets import NewRequest, TicketState


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
            "state": TicketState.RECEIVED,
            "created_at": now,
            "updated_at": now,
            "attempts": 0,
            "needs_triage": False,
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
