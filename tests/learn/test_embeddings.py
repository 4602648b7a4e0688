"""Encoder vectors stored with each example: encoded once, never again on a rebuild; a
different encoder re-encodes; ``embed_missing`` (ticketbot learn) fills them in batches."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.classify.chain import ClassifierChain
from bot.db.engine import session_factory
from bot.db.examples import ExampleStore, NewExample
from bot.learn.classifier import MemoryClassifier
from bot.learn.embeddings import embed_missing, from_bytes, to_bytes
from bot.learn.encoder import Encoder, load_encoder
from bot.learn.views import EncoderView
from bot.settings_encoder import EncoderSettings

from .test_classifier import HISTORY, CountingBackend, chain


def counting(max_tokens: int = 64) -> tuple[Encoder, list[str]]:
    """A real encoder that records every text it encodes."""
    encoder, seen = load_encoder(EncoderSettings(max_tokens=max_tokens)), []
    real = encoder.encode

    def encode(texts: Sequence[str]) -> np.ndarray:
        seen.extend(texts)
        return real(texts)

    encoder.encode = encode  # type: ignore[method-assign]
    return encoder, seen


def examples() -> list[NewExample]:
    return [NewExample(text, label, "csv", f"k{i}")  # type: ignore[arg-type]
            for i, (text, label) in enumerate(HISTORY)]


def classifier(store: ExampleStore, encoder: Encoder, *, title: bool = False
               ) -> MemoryClassifier:
    bot_chain: ClassifierChain = chain(CountingBackend())
    return MemoryClassifier(bot_chain, store, encoder=EncoderView(encoder, title=title))


def test_vectors_round_trip_as_float32_bytes() -> None:
    row = np.linspace(-1, 1, 384, dtype=np.float32)
    assert len(to_bytes(row)) == 4 * 384 and np.array_equal(from_bytes(to_bytes(row)), row)


async def test_a_rebuild_never_encodes_again(engine: AsyncEngine) -> None:
    store = ExampleStore(session_factory(engine))
    await store.add_many(examples())
    first, seen = counting()
    await classifier(store, first).load()
    assert sorted(seen) == sorted(text for text, _ in HISTORY)  # encoded once, at load
    stored = await store.since(0)
    assert all(e.encoder == first.id and e.embedding for e in stored)
    assert np.allclose(from_bytes(stored[0].embedding or b""), first.encode_one(HISTORY[0][0]),
                       atol=1e-5)
    seen.clear()
    restarted, seen_again = counting()
    rebuilt = classifier(store, restarted)
    assert await rebuilt.load() == len(HISTORY)
    assert seen_again == []  # the stored vectors were used
    assert rebuilt.memory.fitted is not None and list(rebuilt.memory.fitted.views) == ["encoder"]
    await store.add(NewExample("The export button throws an exception", "Bug", "approval",
                               "ticket:7"))
    await rebuilt.classify("Exporting fails with an exception")
    assert seen_again[0] == "The export button throws an exception"  # only the new example
    assert (await store.since(0))[-1].encoder == restarted.id


async def test_another_encoder_re_encodes(engine: AsyncEngine) -> None:
    store = ExampleStore(session_factory(engine))
    await store.add_many(examples())
    await classifier(store, counting()[0]).load()
    other, seen = counting(32)
    await classifier(store, other).load()
    assert len(seen) == len(HISTORY)
    assert {e.encoder for e in await store.since(0)} == {other.id}


async def test_embed_missing_fills_in_batches_once(engine: AsyncEngine) -> None:
    store = ExampleStore(session_factory(engine))
    await store.add_many(examples())
    encoder, seen = counting()
    steps: list[tuple[int, int]] = []
    assert await embed_missing(store, EncoderView(encoder, title=False),
                               progress=lambda done, total: steps.append((done, total))) == 9
    assert steps[-1] == (9, 9)
    assert await embed_missing(store, EncoderView(encoder, title=False)) == 0  # idempotent
    assert len(seen) == len(HISTORY)


async def test_a_relabelled_example_keeps_its_vector(engine: AsyncEngine) -> None:
    store = ExampleStore(session_factory(engine))
    await store.add_many(examples())
    encoder, _ = counting()
    await embed_missing(store, EncoderView(encoder, title=False))
    text = HISTORY[0][0]
    await store.add(NewExample(text, "Question", "csv", "k0"), replace=True)
    moved = (await store.since(0))[-1]
    assert moved.label == "Question" and moved.encoder == encoder.id and moved.embedding


async def test_the_title_vector_is_stored_beside_the_texts(engine: AsyncEngine) -> None:
    store = ExampleStore(session_factory(engine))
    titled = [NewExample(f"{text}\nSeen on the staging server since Monday.", label, "csv",
                         f"t{i}")  # type: ignore[arg-type]
              for i, (text, label) in enumerate(HISTORY)]
    await store.add_many(titled)
    encoder, seen = counting()
    await classifier(store, encoder, title=True).load()
    assert len(seen) == 2 * len(HISTORY)  # each text and each title, once
    stored = await store.since(0)
    assert {e.encoder for e in stored} == {encoder.id + "+title"}
    row = from_bytes(stored[0].embedding or b"")
    whole, title = encoder.encode_one(titled[0].text), encoder.encode_one(HISTORY[0][0])
    assert np.allclose(row, np.concatenate([whole, title]), atol=1e-5)  # the text's, the title's
    seen.clear()
    rebuilt = classifier(store, encoder, title=True)
    await rebuilt.load()
    assert seen == []  # a rebuild reads them
    fitted = rebuilt.memory.fitted
    assert fitted is not None and list(fitted.views) == ["encoder", "title"]
    await classifier(store, encoder, title=False).load()
    assert len(seen) == len(HISTORY)  # turned off: the texts alone, encoded again once
    assert {e.encoder for e in await store.since(0)} == {encoder.id}
