"""``MemoryClassifier``: the classifier chain with a memory of confirmed tickets in front of it.

In order: a near-duplicate of a confirmed ticket (similarity ≥ the memory's calibrated
threshold) gets its label with no model call (``backend="memory"``); so does a ticket the
memory's classifier is sure of (probability ≥ its calibrated ``confident_at``,
``backend="memory-classifier"``), and every ticket for which asking the model has not paid in
the held-out pairs (``Weights.model_pays``: the memory is surer than where combining helped, or
the model earned no weight), bar one in ``EXPLORE_EVERY``, asked to keep evidence coming;
otherwise the chain is
asked, with the most similar confirmed tickets as few-shot examples, and its probabilities are
combined with the memory classifier's (``combine.Weights``, fitted on held-out pairs). With an
empty memory every call goes straight to the chain, unchanged.

The database is the source of truth: before each ticket the memory catches up with examples
added since (by any process). At start-up it is rebuilt from them in the background (``start``),
so the bot connects and acknowledges at once; the first classification waits for it.
``start`` (called once Socket Mode is connected) also begins the model load and runs the
warm-ups (``add_warm_up``: e.g. an encoder's load) each on a worker thread, so the first ticket
is classified as fast as any other.

The memory never stops a ticket from being classified. A rebuild that fails (the database
unreachable) is logged once and tried again later, less and less often (``bot.learn.rebuild``);
until one succeeds every ticket goes to the model chain alone (a ticket that arrives while a
try is running waits for that try). Once rebuilt, a failed catch-up leaves the memory as it
stands for that ticket.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence

from bot.classify.chain import ClassifierChain
from bot.classify.types import Classification, Example
from bot.db.examples import ExampleStore, StoredExample
from bot.errors import TicketbotError
from bot.labels import LABELS, Label
from bot.learn.combine import (
    MIN_PAIRS,
    HeldOut,
    Probabilities,
    Weights,
    combine,
)
from bot.learn.duplicates import DuplicateFinder
from bot.learn.embeddings import StoredVectors
from bot.learn.evidence import Evidence, model_answer
from bot.learn.memory import Memory
from bot.learn.rebuild import Rebuild, Sleep
from bot.learn.views import EncoderView
from bot.learn.warmups import WarmUps

log = logging.getLogger(__name__)

MEMORY = "memory"
MEMORY_CLASSIFIER = "memory-classifier"  # the memory's classifier, sure enough to skip the model
ANSWERED_BY_MEMORY = (MEMORY, MEMORY_CLASSIFIER)
MEMORY_VOTE = "memory-vote"  # the memory's classifier alone, when no model answered
FEW_SHOT = 2
EXAMPLE_CHARS = 400
EXPLORE_EVERY = 20  # of the tickets the model would not pay for, one in this many is asked anyway
UNINFORMED: Probabilities = dict.fromkeys(LABELS, 1.0 / len(LABELS))


class MemoryClassifier:
    """See the module docstring. ``store=None`` gives a memory fed only through ``remember``;
    ``sleep`` waits between rebuild tries (tests pass their own); ``background_refit`` (the
    bot) refits on its own thread; ``encoder``: a second view (``bot.learn.embeddings``)."""

    def __init__(self, chain: ClassifierChain, store: ExampleStore | None = None,
                 *, few_shot: int = FEW_SHOT, sleep: Sleep = asyncio.sleep,
                 background_refit: bool = False, memory: Memory | None = None,
                 encoder: EncoderView | None = None, lean: bool = False) -> None:
        self.chain = chain
        self.memory = memory if memory is not None else Memory(
            background=background_refit, views=encoder.views() if encoder else [], lean=lean)
        self._vectors = StoredVectors(encoder) if encoder is not None else None
        self.evidence = Evidence()
        self.duplicates = DuplicateFinder(store, self.memory) if store else None
        self._store = store
        self._few_shot = few_shot
        self._watermark = 0
        self._keys: dict[str, int] = {}
        self._with_model: list[StoredExample] = []
        self._loaded = False
        self._outweighed = 0
        self._rebuild = Rebuild(self.load, sleep=sleep)
        self._sync_lock = asyncio.Lock()
        self._warm_ups = WarmUps()

    @property
    def held_out_pairs(self) -> int:
        """(model, memory, label) triples gathered so far: the evidence behind ``weights``."""
        return len(self.evidence)

    @property
    def weights(self) -> Weights:
        return self.evidence.weights

    @weights.setter
    def weights(self, weights: Weights) -> None:
        self.evidence.weights = weights

    @property
    def model_calls(self) -> int:
        return self.chain.model_calls

    @property
    def loaded(self) -> bool:
        """True once the memory has been rebuilt from the database."""
        return self._loaded

    def add_warm_up(self, work: Callable[[], object]) -> None:
        """A blocking load (an encoder, a model) to run on a worker thread at ``start``."""
        self._warm_ups.add(work)

    def start(self) -> None:
        """Begin background work: the model load (the chain's), the warm-ups and the memory
        rebuild; returns at once."""
        self.chain.start()
        self._warm_ups.start()
        if self._store is not None and not self._loaded:
            self._rebuild.start()

    async def warmed(self) -> None:
        """Wait for the warm-ups started by ``start`` (tests, benchmarks)."""
        await self._warm_ups.wait()

    async def aclose(self) -> None:
        self._warm_ups.cancel()
        await self._rebuild.aclose()
        self.memory.close()
        await self.chain.aclose()

    async def _memory_ready(self) -> bool:
        """Whether this ticket may use the memory; never raises because of the database."""
        if self._store is None:
            return True
        if not self._loaded and not await self._rebuild.settled():
            return False
        try:
            await self.sync()
        except Exception as exc:  # the memory must never stop a ticket
            log.warning("memory: could not catch up with new examples (%s); using it as it "
                        "stands", exc, exc_info=not isinstance(exc, TicketbotError))
        return True

    async def load(self) -> int:
        """Rebuild the memory from the database; returns how many examples it holds."""
        started = time.perf_counter()
        await self.sync()
        held_out = await asyncio.to_thread(self.memory.held_out_probabilities)  # waits refits
        if self._with_model:
            self.evidence.add(self._stored_pairs(held_out))
        self._with_model, self._loaded = [], True
        await asyncio.to_thread(self.evidence.reweigh, force=True)
        log.info("memory: %d examples loaded in %.1f s (threshold %.3f, weights %s)",
                 len(self.memory), time.perf_counter() - started, self.memory.threshold,
                 self.weights)
        return len(self.memory)

    async def sync(self) -> None:
        """Catch up with examples stored since the last call (cheap when there are none)."""
        if self._store is None:
            return
        async with self._sync_lock:
            if await self._store.last_id() <= self._watermark:
                return
            fresh = await self._store.since(self._watermark)
            if fresh:
                self._watermark = fresh[-1].id
                await asyncio.to_thread(self._take, fresh)
                if self._vectors is not None:
                    await self._vectors.save(self._store)

    def _take(self, fresh: Sequence[StoredExample]) -> None:
        if not self._loaded:  # load() pairs these with 5-fold held-out memory probabilities
            self._with_model += [e for e in fresh if e.model_probabilities]
        new = [e for e in fresh if e.source_key not in self._keys]
        self.memory.relabel({self._keys[e.source_key]: e.label for e in fresh
                             if e.source_key in self._keys})
        for e in new:
            self._keys[e.source_key] = len(self._keys)
            self.evidence.confirmed(e.text, e.label,
                                    e.model_probabilities if self._loaded else None,
                                    self.memory.probabilities)
        dense = self._vectors.rows(new) if self._vectors is not None and new else None
        self.memory.add([(e.text, e.label) for e in new], dense=dense)
        self.evidence.reweigh()

    def remember(self, examples: Sequence[Example]) -> None:
        """Add confirmed examples directly (evaluation streams; the app goes through the store)."""
        for text, label in examples:
            self.evidence.confirmed(text, label, None, self.memory.probabilities)
        self.memory.add(list(examples))
        self.evidence.reweigh()

    def _stored_pairs(self, held_out: Mapping[int, Mapping[Label, float]]) -> list[HeldOut]:
        pairs = []
        for e in self._with_model:
            i = self._keys.get(e.source_key)
            if i is not None and i in held_out and e.model_probabilities:
                pairs.append(HeldOut(model_answer(e.model_probabilities), held_out[i], e.label))
        return pairs

    async def add_evidence(self, pairs: Sequence[HeldOut]) -> None:
        """Held-out (model, memory, label) triples gathered elsewhere; the weights are refitted
        (off the event loop)."""
        self.evidence.add(pairs)
        await asyncio.to_thread(self.evidence.reweigh, force=True)

    async def possible_duplicate(self, text: str, ticket_id: int, *,
                                 channel_id: str) -> str | None:
        """The Jira key of a very similar open ticket of ``channel_id`` (a hint on the message)."""
        if self.duplicates is None:
            return None
        found = await self.duplicates.find(text, ticket_id, channel_id)
        return found.jira_key if found else None

    async def classify(self, text: str, examples: Sequence[Example] = (), *,
                       ticket_id: str = "-") -> Classification:
        if not await self._memory_ready() or not len(self.memory):
            return await self.chain.classify(text, examples, ticket_id=ticket_id)
        started = time.perf_counter()
        near = await asyncio.to_thread(self.memory.nearest, text, max(self._few_shot, 1))
        if near and near[0].similarity >= self.memory.threshold:
            top = near[0]
            log.info("classify ticket=%s: %s from memory (similarity %.3f)", ticket_id,
                     top.label, top.similarity)
            return Classification(top.label, top.similarity, MEMORY, _ms(started),
                                  probabilities={label: float(label == top.label)
                                                 for label in LABELS})
        memory = await asyncio.to_thread(self.memory.probabilities, text)
        sure = self.memory.confident_at
        if memory is not None and sure is not None and max(memory.values()) >= sure:
            label = max(memory, key=lambda k: memory[k])
            log.info("classify ticket=%s: %s from the memory's classifier (%.3f >= %.3f)",
                     ticket_id, label, memory[label], sure)
            return Classification(label, memory[label], MEMORY_CLASSIFIER, _ms(started),
                                  dict(memory))
        if memory is not None and not self.chain.backends:  # no model at all (eval --no-model)
            return _vote(memory, started)
        if memory is not None and self._model_would_not_pay(memory):
            merged = combine(UNINFORMED, memory, self.weights)  # the same answer, no model call
            label = max(merged, key=lambda k: merged[k])
            return Classification(label, merged[label], MEMORY_CLASSIFIER, _ms(started), merged)
        shots = tuple(examples) or tuple((n.text[:EXAMPLE_CHARS], n.label)
                                         for n in near[: self._few_shot])
        result = await self.chain.classify(text, shots, ticket_id=ticket_id)
        return self._merge(text, result, memory, started)

    def _model_would_not_pay(self, memory: Probabilities) -> bool:
        """True when asking the model has not paid for tickets like this one (see
        ``Weights.model_pays``), except for one in ``EXPLORE_EVERY``: asking it now and then
        keeps evidence coming, so the weights can change when the model or the tickets do."""
        if self.weights.pairs < MIN_PAIRS or self.weights.model_pays(memory):
            return False
        self._outweighed += 1
        return self._outweighed % EXPLORE_EVERY != 0

    def _merge(self, text: str, result: Classification, memory: Probabilities | None,
               started: float) -> Classification:
        if memory is None:
            return result
        if result.needs_triage or not result.probabilities:
            return _vote(memory, started)
        self.evidence.seen(text, result.probabilities, memory)
        merged = combine(result.probabilities, memory, self.weights)
        label = max(merged, key=lambda k: merged[k])
        return Classification(label, merged[label], f"{result.backend}+{MEMORY}", _ms(started),
                              merged, model_probabilities=result.model_probabilities)


def _vote(memory: Probabilities, started: float) -> Classification:
    """The memory's classifier alone, when no model answered."""
    label = max(memory, key=lambda k: memory[k])
    return Classification(label, memory[label], MEMORY_VOTE, _ms(started), dict(memory))


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
