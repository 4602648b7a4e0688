"""Duplicate hints: is a new ticket very similar to an open one (filed, not rejected) filed in
the same conversation? (Never one from another: ``bot.triage.visibility``.)

Similarity is the memory's TF-IDF cosine; a hint never blocks filing, it only adds a line to
the ticket message. Candidates are the ``CANDIDATES`` most recent open tickets; their vectors
are cached by ticket id, and the cache holds only the current candidates (bounded memory).
"""

from __future__ import annotations

import asyncio
import logging
import threading

from bot.db.examples import ExampleStore, OpenTicket
from bot.learn.memory import Memory
from bot.learn.vectors import Matrix

log = logging.getLogger(__name__)

DUPLICATE_THRESHOLD = 0.8
CANDIDATES = 200


class DuplicateFinder:
    def __init__(self, store: ExampleStore, memory: Memory,
                 threshold: float = DUPLICATE_THRESHOLD) -> None:
        self._store = store
        self._memory = memory
        self._threshold = threshold
        self._vectors: dict[int, Matrix] = {}
        self._weighed_by: object = None  # the memory's model whose IDF weights they carry
        self._lock = threading.Lock()

    async def find(self, text: str, ticket_id: int | None, channel_id: str) -> OpenTicket | None:
        """The most similar open ticket of ``channel_id`` at or above the threshold, else None."""
        candidates = await self._store.open_tickets(channel_id, ticket_id, CANDIDATES)
        if not candidates:
            return None
        return await asyncio.to_thread(self._best, text, candidates)

    def _best(self, text: str, candidates: list[OpenTicket]) -> OpenTicket | None:
        mine = self._memory.vector(text)
        with self._lock:
            current = {c.id for c in candidates}
            for stale in [i for i in self._vectors if i not in current]:
                del self._vectors[stale]
            vectors = [self._vector(c) for c in candidates]
        scored = [(float((v @ mine.T).toarray()[0, 0]), c)
                  for v, c in zip(vectors, candidates, strict=True)]
        similarity, best = max(scored, key=lambda pair: pair[0])
        if similarity < self._threshold:
            return None
        log.info("possible duplicate of %s (ticket %s, similarity %.3f)", best.jira_key,
                 best.id, similarity)
        return best

    def _vector(self, ticket: OpenTicket) -> Matrix:
        if self._weighed_by is not self._memory.fitted:  # new IDF weights: vectors are stale
            self._vectors, self._weighed_by = {}, self._memory.fitted
        if ticket.id not in self._vectors:
            self._vectors[ticket.id] = self._memory.vector(ticket.text)
        return self._vectors[ticket.id]
