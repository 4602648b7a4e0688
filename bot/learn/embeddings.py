"""Encoder vectors stored with each example (``training_examples.embedding``, migration 0008).

A row is stored as little-endian float32 bytes with the id of what made it
(``EncoderView.encoder_id``: model file, conversion and token budget, ``+title`` when the
title's vector follows the text's in the same row; ``EncoderView.split`` cuts it per view).
``stored_rows`` gives the memory each example's row, decoding the stored one when the current
view made it and encoding the others (in one batch, in the calling thread: callers run it off
the event loop), and returns the new rows so they can be stored: a rebuild never encodes an
example twice, and a different encoder (or the title turned on or off) re-encodes instead of
mixing two spaces. ``embed_missing`` does the same for a whole
store in batches (``ticketbot learn``, after an import).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Sequence

import numpy as np

from bot.db.examples import ExampleStore, StoredExample
from bot.errors import TicketbotError
from bot.learn.views import EncoderView, Floats

log = logging.getLogger(__name__)

BATCH = 128


def to_bytes(row: Floats) -> bytes:
    return np.asarray(row, dtype="<f4").tobytes()


def from_bytes(blob: bytes) -> Floats:
    return np.frombuffer(blob, dtype="<f4").astype(np.float32)


def reusable(example: StoredExample, encoder_id: str, dim: int) -> bool:
    return (example.encoder == encoder_id and example.embedding is not None
            and len(example.embedding) == 4 * dim)


def stored_rows(view: EncoderView, examples: Sequence[StoredExample]
                ) -> tuple[Floats | None, dict[int, bytes]]:
    """The examples' vectors (None while the encoder cannot be used) and, by example id, the
    ones encoded now (to be stored)."""
    view_id = view.encoder_id
    if view_id is None:
        return None, {}
    rows = np.zeros((len(examples), view.dim), dtype=np.float32)
    missing = []
    for i, example in enumerate(examples):
        if reusable(example, view_id, view.dim):
            assert example.embedding is not None
            rows[i] = from_bytes(example.embedding)
        else:
            missing.append(i)
    if missing:
        rows[missing] = view.stored_rows([examples[i].text for i in missing])
    return rows, {examples[i].id: to_bytes(rows[i]) for i in missing}


async def embed_missing(store: ExampleStore, view: EncoderView, *,
                        progress: Callable[[int, int], None] | None = None) -> int:
    """Encode and store the vector of every example that lacks one from the current encoder,
    ``BATCH`` at a time, off the event loop; returns how many were encoded (0 when the encoder
    cannot be used)."""
    view_id = await asyncio.to_thread(lambda: view.encoder_id)
    if view_id is None:
        return 0
    todo = [e for e in await store.since(0) if not reusable(e, view_id, view.dim)]
    done = 0
    for start in range(0, len(todo), BATCH):
        batch = todo[start:start + BATCH]
        rows = await asyncio.to_thread(view.stored_rows, [e.text for e in batch])
        await store.save_embeddings({e.id: to_bytes(row) for e, row in zip(batch, rows,
                                                                            strict=True)},
                                    view_id)
        done += len(batch)
        if progress is not None:
            progress(done, len(todo))
    return done


class StoredVectors:
    """The memory's side of stored vectors: ``rows`` (in a worker thread) gives the memory
    the encoder's rows of newly read examples and remembers those encoded now; ``save`` (on
    the event loop) stores them. A failed save is logged and tried again with the next one."""

    def __init__(self, view: EncoderView) -> None:
        self.view = view
        self._unsaved: dict[int, bytes] = {}
        self._lock = threading.Lock()

    def rows(self, examples: Sequence[StoredExample]) -> dict[str, Floats] | None:
        rows, fresh = stored_rows(self.view, examples)
        with self._lock:
            self._unsaved.update(fresh)
        return None if rows is None else self.view.split(rows)

    async def save(self, store: ExampleStore) -> None:
        with self._lock:
            unsaved, self._unsaved = self._unsaved, {}
        encoder_id = self.view.encoder_id if unsaved else None
        if encoder_id is None:
            return
        try:
            await store.save_embeddings(unsaved, encoder_id)
        except Exception as exc:  # the memory must never stop a ticket
            log.warning("memory: could not store %d encoder vectors (%s); trying again later",
                        len(unsaved), exc, exc_info=not isinstance(exc, TicketbotError))
            with self._lock:
                self._unsaved = {**unsaved, **self._unsaved}
