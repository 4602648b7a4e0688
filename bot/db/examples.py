"""Repository functions over ``training_examples`` (confirmed labels) and open-ticket lookups.

Every add is idempotent on ``source_key``: importing the same history twice, or approving a
ticket whose label was already confirmed, adds nothing (a later correction of the same ticket
replaces its label). Every read and write raises ``StorageError`` when the database fails
(``bot.db.store``), never a SQLAlchemy error.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Ticket, TrainingExample
from bot.db.store import Store
from bot.labels import Label, parse_label
from bot.tickets import TicketState

log = logging.getLogger(__name__)

OPEN_STATES = (TicketState.POSTED, TicketState.APPROVED)


@dataclass(frozen=True, slots=True)
class NewExample:
    text: str
    label: Label
    source: str  # approval, correction, csv, jira
    source_key: str
    ticket_id: int | None = None
    model_probabilities: Mapping[str, float] | None = None
    embedding: bytes | None = None  # the sentence encoder's vector (bot.learn.encoder)
    encoder: str | None = None  # the id of the encoder that made it


@dataclass(frozen=True, slots=True)
class StoredExample:
    id: int
    text: str
    label: Label
    source_key: str
    model_probabilities: Mapping[str, float] | None
    embedding: bytes | None = None
    encoder: str | None = None


@dataclass(frozen=True, slots=True)
class OpenTicket:
    id: int
    text: str
    jira_key: str
    jira_url: str | None


class ExampleStore(Store):
    async def add(self, example: NewExample, *, replace: bool = False) -> bool:
        """Store one example; with ``replace``, an existing key gets the new label. True if new."""
        return bool(await self.add_many([example], replace=replace))

    async def add_many(self, examples: Sequence[NewExample], *, replace: bool = False) -> int:
        """Store the examples whose keys are new (updating the others with ``replace``)."""
        async with self._write("store examples") as session:
            keys = [e.source_key for e in examples]
            known = (
                set(
                    (
                        await session.execute(
                            select(TrainingExample.source_key).where(
                                TrainingExample.source_key.in_(keys)
                            )
                        )
                    ).scalars()
                )
                if keys
                else set()
            )
            fresh = {e.source_key: e for e in examples if e.source_key not in known}
            session.add_all(_row(e) for e in fresh.values())
            if replace:
                for e in examples:
                    if e.source_key in known:
                        await _relabel(session, e)
        return len(fresh)

    async def since(self, after_id: int = 0, limit: int = 100_000) -> list[StoredExample]:
        """Examples with ``id > after_id`` in id order (the memory catches up with these)."""
        statement = (
            select(TrainingExample)
            .where(TrainingExample.id > after_id)
            .order_by(TrainingExample.id)
            .limit(limit)
        )
        async with self._read("read the confirmed examples") as session:
            rows = (await session.execute(statement)).scalars().all()
        return [_stored(row) for row in rows if parse_label(row.label) is not None]

    async def save_embeddings(self, vectors: Mapping[int, bytes], encoder: str) -> int:
        """Store encoder vectors for examples by id (those encoded after they were stored);
        an example deleted meanwhile (relabelled) is skipped. Returns how many were stored."""
        if not vectors:
            return 0
        async with self._write("store example embeddings") as session:
            rows = (
                await session.execute(
                    select(TrainingExample).where(TrainingExample.id.in_(list(vectors)))
                )
            ).scalars().all()
            for row in rows:
                row.embedding, row.encoder = vectors[row.id], encoder
        return len(rows)

    async def last_id(self) -> int:
        """The highest example id (a cheap check before catching up)."""
        async with self._read("read the newest example id") as session:
            top = await session.scalar(select(func.max(TrainingExample.id)))
        return int(top or 0)

    async def count(self) -> int:
        async with self._read("count the examples") as session:
            return int(await session.scalar(select(func.count(TrainingExample.id))) or 0)

    async def open_tickets(
        self, channel_id: str, exclude_id: int | None, limit: int = 500
    ) -> list[OpenTicket]:
        """Recent tickets filed in ``channel_id`` that are filed and not rejected (candidates
        for a duplicate hint: one never names a ticket from another conversation)."""
        statement = (
            select(Ticket.id, Ticket.text, Ticket.jira_key, Ticket.jira_url)
            .where(Ticket.state.in_(OPEN_STATES), Ticket.jira_key.is_not(None))
            .where(Ticket.slack_channel_id == channel_id)
            .order_by(Ticket.id.desc())
            .limit(limit)
        )
        async with self._read("read the open tickets") as session:
            rows = (await session.execute(statement)).all()
        return [
            OpenTicket(r.id, r.text, r.jira_key, r.jira_url) for r in rows if r.id != exclude_id
        ]


def _row(example: NewExample) -> TrainingExample:
    return TrainingExample(
        text=example.text,
        label=example.label,
        source=example.source,
        source_key=example.source_key,
        ticket_id=example.ticket_id,
        model_probabilities=dict(example.model_probabilities or {}) or None,
        embedding=example.embedding,
        encoder=example.encoder if example.embedding is not None else None,
    )


async def _relabel(session: AsyncSession, example: NewExample) -> None:
    # A relabelled row moves to the end (new id) so running memories pick the change up.
    old = (
        await session.execute(
            select(TrainingExample).where(TrainingExample.source_key == example.source_key)
        )
    ).scalar_one()
    if old.label == example.label:
        return
    await session.delete(old)
    await session.flush()
    row = _row(example)
    if row.embedding is None and old.text == example.text:  # same text: same vector
        row.embedding, row.encoder = old.embedding, old.encoder
    session.add(row)
    log.info("example %s relabelled %s -> %s", example.source_key, old.label, example.label)


def _stored(row: TrainingExample) -> StoredExample:
    label = parse_label(row.label)
    assert label is not None
    return StoredExample(row.id, row.text, label, row.source_key, row.model_probabilities,
                         row.embedding, row.encoder)
