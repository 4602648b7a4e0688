"""MemoryClassifier: empty memory is the plain chain, near-copies skip the model, restarts agree."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.classify.chain import ClassifierChain
from bot.classify.types import BackendAnswer, Example, one_hot
from bot.db.engine import session_factory
from bot.db.examples import ExampleStore, NewExample
from bot.errors import StorageError
from bot.learn.classifier import (
    EXPLORE_EVERY,
    MEMORY,
    MEMORY_CLASSIFIER,
    MEMORY_VOTE,
    MemoryClassifier,
)
from bot.learn.combine import Weights
from bot.learn.memory import calibrate_confidence
from bot.learn.rebuild import RELOAD_FIRST_S, RELOAD_MAX_S

HISTORY: list[tuple[str, str]] = [
    ("The app crashes with a null pointer exception when I open settings", "Bug"),
    ("Login page throws error 500 after the update", "Bug"),
    ("Stack trace when saving a file with unicode name", "Bug"),
    ("Please add dark mode to the dashboard", "Feature Request"),
    ("It would be great to export reports as CSV", "Feature Request"),
    ("Support single sign-on with our identity provider", "Feature Request"),
    ("How do I reset my password?", "Question"),
    ("Where can I find the API documentation?", "Question"),
    ("What is the difference between the two plans?", "Question"),
]


class CountingBackend:
    name = "scripted"

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Example, ...]]] = []

    async def classify(self, text: str, examples: Sequence[Example] = ()) -> BackendAnswer:
        self.calls.append((text, tuple(examples)))
        return BackendAnswer("Task", 0.4, one_hot("Task", 0.4))

    def start(self) -> None:
        return None

    async def health(self) -> str:
        return "ok"

    async def aclose(self) -> None:
        return None


def chain(backend: CountingBackend) -> ClassifierChain:
    return ClassifierChain([backend], default_label="Task", timeout_s=5)


async def test_empty_memory_behaves_exactly_like_the_chain() -> None:
    plain_backend, wrapped_backend = CountingBackend(), CountingBackend()
    plain = await chain(plain_backend).classify("Printer on floor 3 is jammed")
    wrapped = await MemoryClassifier(chain(wrapped_backend)).classify(
        "Printer on floor 3 is jammed")
    assert (wrapped.label, wrapped.confidence, wrapped.backend, dict(wrapped.probabilities)) == (
        plain.label, plain.confidence, plain.backend, dict(plain.probabilities))
    assert wrapped_backend.calls == plain_backend.calls == [("Printer on floor 3 is jammed", ())]


async def test_near_copy_is_answered_from_memory_without_the_model() -> None:
    backend = CountingBackend()
    classifier = MemoryClassifier(chain(backend))
    classifier.remember(HISTORY)  # type: ignore[arg-type]
    result = await classifier.classify("login page throws error 500 after the update")
    assert (result.label, result.backend) == ("Bug", MEMORY)
    assert backend.calls == []


async def test_otherwise_model_gets_similar_examples_and_memory_votes() -> None:
    backend = CountingBackend()
    classifier = MemoryClassifier(chain(backend), few_shot=2)
    classifier.remember(HISTORY)  # type: ignore[arg-type]
    result = await classifier.classify("The editor crashes with an exception on save")
    [(_, shots)] = backend.calls
    assert len(shots) == 2 and all(label == "Bug" for _, label in shots)
    assert result.backend == "scripted+memory"
    assert abs(sum(result.probabilities.values()) - 1.0) < 1e-6


async def test_memory_rebuilt_from_the_database_gives_the_same_answers(
    engine: AsyncEngine,
) -> None:
    store = ExampleStore(session_factory(engine))
    await store.add_many([NewExample(text, label, "csv", f"k{i}")  # type: ignore[arg-type]
                          for i, (text, label) in enumerate(HISTORY)])
    probes = ["The app crashes when I open settings", "Please add CSV export for reports",
              "How do I find the documentation?"]
    answers = []
    for _ in range(2):  # a restart: a fresh classifier loading the same database
        classifier = MemoryClassifier(chain(CountingBackend()), store)
        assert await classifier.load() == len(HISTORY)
        answers.append([(r.label, round(r.confidence, 6)) for r in
                        [await classifier.classify(p) for p in probes]])
    assert answers[0] == answers[1]


async def test_new_confirmations_are_picked_up_before_the_next_ticket(
    engine: AsyncEngine,
) -> None:
    store = ExampleStore(session_factory(engine))
    backend = CountingBackend()
    classifier = MemoryClassifier(chain(backend), store)
    await classifier.load()
    await store.add(NewExample("VPN drops every ten minutes on the office wifi", "Incident",
                               "approval", "ticket:1"))
    result = await classifier.classify("VPN drops every ten minutes on the office wifi")
    assert (result.label, result.backend) == ("Incident", MEMORY)
    assert backend.calls == []


def said(label: str) -> dict[str, float]:
    return {name: (0.6 if name == label else 0.1) for name in
            ("Task", "Bug", "Incident", "Feature Request", "Question")}


async def test_model_evidence_survives_a_restart_and_comes_from_other_replicas(
    engine: AsyncEngine,
) -> None:
    store = ExampleStore(session_factory(engine))
    confirmed = [NewExample(f"{text} (ticket {i})", label, "approval",  # type: ignore[arg-type]
                            f"ticket:{i}", model_probabilities=said(label))
                 for i, (text, label) in enumerate(HISTORY * 3)]
    await store.add_many(confirmed)
    restarted = MemoryClassifier(chain(CountingBackend()), store)
    await restarted.load()
    assert restarted.held_out_pairs == len(confirmed)
    assert restarted.weights.pairs == len(confirmed)
    await store.add(NewExample("Sync fails with a timeout error on large folders", "Bug",
                               "approval", "ticket:99", model_probabilities=said("Bug")))
    await restarted.classify("Something unrelated about the coffee machine")
    assert restarted.held_out_pairs == len(confirmed) + 1


def separable_history() -> list[tuple[str, str]]:
    subjects = ["billing", "search", "export", "login", "upload", "calendar", "reports",
                "sharing", "mobile", "settings", "printing", "backup"]
    rows = []
    for i, subject in enumerate(subjects * 2):
        rows += [(f"The {subject} page crashes with an exception and stack trace #{i}", "Bug"),
                 (f"Please add support for {subject} in the new version #{i}",
                  "Feature Request"),
                 (f"How do I use {subject}? Where is it documented? #{i}", "Question")]
    return rows


async def test_a_sure_memory_classifier_answers_without_the_model() -> None:
    backend = CountingBackend()
    classifier = MemoryClassifier(chain(backend))
    classifier.remember(separable_history())  # type: ignore[arg-type]
    probe = "The invoices page crashes with an exception and stack trace"
    assert classifier.memory.nearest(probe)[0].similarity < classifier.memory.threshold
    result = await classifier.classify(probe)
    assert (result.label, result.backend) == ("Bug", MEMORY_CLASSIFIER)
    assert result.confidence >= classifier.memory.confident_at
    assert backend.calls == []


def test_confidence_is_calibrated_on_held_out_answers() -> None:
    labels = ["Bug"] * 30 + ["Question"] * 30
    right = [{"Bug": 0.9 - i / 100, "Question": 0.1 + i / 100} for i in range(30)]
    wrong = [{"Bug": 0.55, "Question": 0.45}] * 30  # confidently wrong below 0.56
    level = calibrate_confidence(right + wrong, labels)  # type: ignore[arg-type]
    assert level is not None and 0.6 <= level <= 0.9
    assert calibrate_confidence(wrong + wrong, labels) is None  # type: ignore[arg-type]
    assert calibrate_confidence(right[:10], labels[:10]) is None  # too few to say


async def test_memory_rebuilds_in_the_background_and_the_first_ticket_waits_for_it(
    engine: AsyncEngine,
) -> None:
    store = ExampleStore(session_factory(engine))
    await store.add_many([NewExample(text, label, "csv", f"k{i}")  # type: ignore[arg-type]
                          for i, (text, label) in enumerate(HISTORY)])
    backend = CountingBackend()
    classifier = MemoryClassifier(chain(backend), store)
    classifier.start()  # returns at once: the bot connects while the memory loads
    result = await classifier.classify("login page throws error 500 after the update")
    assert (result.label, result.backend) == ("Bug", MEMORY) and backend.calls == []
    await classifier.aclose()


class FlakyStore(ExampleStore):
    """An example store whose database is down for the next ``failures`` reads."""

    def __init__(self, store: ExampleStore, failures: int) -> None:
        self.__dict__.update(store.__dict__)
        self.failures = failures
        self.asked = asyncio.Event()  # set at each read

    async def last_id(self) -> int:
        self.asked.set()
        if self.failures > 0:
            self.failures -= 1
            raise StorageError("cannot read the newest example id: OperationalError")
        return await super().last_id()


class Pauses:
    """The rebuild's pauses, held until the test lets each one end."""

    def __init__(self) -> None:
        self.asked: list[float] = []
        self.waiting = asyncio.Event()
        self._over = asyncio.Event()

    async def sleep(self, seconds: float) -> None:
        self.asked.append(seconds)
        self.waiting.set()
        await self._over.wait()
        self._over.clear()

    async def next(self) -> None:
        """Wait until the rebuild is pausing."""
        await self.waiting.wait()
        self.waiting.clear()

    def end(self) -> None:
        self._over.set()


async def stored_history(engine: AsyncEngine) -> ExampleStore:
    store = ExampleStore(session_factory(engine))
    await store.add_many([NewExample(text, label, "csv", f"k{i}")  # type: ignore[arg-type]
                          for i, (text, label) in enumerate(HISTORY)])
    return store


async def test_a_failed_rebuild_leaves_tickets_to_the_chain_until_a_later_try_works(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.learn")
    store = FlakyStore(await stored_history(engine), failures=2)
    backend, pauses = CountingBackend(), Pauses()
    classifier = MemoryClassifier(chain(backend), store, sleep=pauses.sleep)
    near_copy = "login page throws error 500 after the update"
    classifier.start()
    first = await classifier.classify(near_copy)  # waits for the first try, which fails
    assert (first.label, first.backend) == ("Task", "scripted") and not classifier.loaded
    await pauses.next()
    pauses.end()  # the second try fails too
    await pauses.next()
    second = await classifier.classify(near_copy)  # during the pause: no waiting, the chain
    assert second.backend == "scripted" and len(backend.calls) == 2
    assert pauses.asked == [RELOAD_FIRST_S, 2 * RELOAD_FIRST_S]  # backing off
    failures = [r for r in caplog.records if "could not be rebuilt" in r.getMessage()]
    assert len(failures) == 1 and failures[0].levelname == "ERROR"  # logged once
    assert "OperationalError" in failures[0].getMessage()
    store.asked.clear()
    pauses.end()
    await store.asked.wait()  # the third try is under way: the next ticket waits for it
    third = await classifier.classify(near_copy)
    assert (third.label, third.backend) == ("Bug", MEMORY) and classifier.loaded
    assert len(backend.calls) == 2
    assert "memory: rebuilt after 2 failed attempt(s)" in caplog.text
    await classifier.aclose()


async def test_the_pause_between_tries_grows_to_a_ceiling(engine: AsyncEngine) -> None:
    store = FlakyStore(await stored_history(engine), failures=8)
    pauses = Pauses()
    classifier = MemoryClassifier(chain(CountingBackend()), store, sleep=pauses.sleep)
    classifier.start()
    for _ in range(7):
        await pauses.next()
        pauses.end()
    await pauses.next()
    assert pauses.asked == [5.0, 10.0, 20.0, 40.0, 80.0, 120.0, 120.0, 120.0]
    assert RELOAD_MAX_S == 120.0
    await classifier.aclose()  # stops the rebuild in its pause


async def test_a_failed_catch_up_after_the_rebuild_uses_the_memory_as_it_stands(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture,
) -> None:
    store = FlakyStore(await stored_history(engine), failures=0)
    backend = CountingBackend()
    classifier = MemoryClassifier(chain(backend), store)
    await classifier.load()
    store.failures = 1
    result = await classifier.classify("login page throws error 500 after the update")
    assert (result.label, result.backend) == ("Bug", MEMORY) and backend.calls == []
    assert "could not catch up with new examples" in caplog.text


async def test_an_unexpected_error_in_the_rebuild_never_reaches_the_ticket(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture,
) -> None:
    class Broken(ExampleStore):
        async def last_id(self) -> int:
            raise RuntimeError("a bug, not the database")

    pauses = Pauses()
    classifier = MemoryClassifier(chain(CountingBackend()), Broken(session_factory(engine)),
                                  sleep=pauses.sleep)
    result = await classifier.classify("Printer on floor 3 is jammed")  # starts the rebuild
    assert result.backend == "scripted"
    assert "a bug, not the database" in caplog.text and "Traceback" in caplog.text
    await classifier.aclose()


async def test_a_model_the_weights_ignore_is_asked_only_now_and_then() -> None:
    backend = CountingBackend()
    classifier = MemoryClassifier(chain(backend))
    classifier.remember(HISTORY)  # type: ignore[arg-type]
    classifier.weights = Weights(model=0.0, memory=1.0, pairs=40)
    results = [await classifier.classify(f"The editor crashes on save, case {i}")
               for i in range(EXPLORE_EVERY * 2)]
    assert len(backend.calls) == 2  # one in EXPLORE_EVERY keeps the evidence coming
    assert sum(r.backend == MEMORY_CLASSIFIER for r in results) == 2 * (EXPLORE_EVERY - 1)
    asked = [r for r in results if r.backend != MEMORY_CLASSIFIER]
    assert {r.label for r in results} == {asked[0].label}  # the model could not change it
    classifier.weights = Weights(model=0.5, memory=1.0, pairs=40)
    await classifier.classify("The editor crashes on save, once more")
    assert len(backend.calls) == 3


async def test_the_model_is_asked_only_where_it_has_paid() -> None:
    backend = CountingBackend()
    classifier = MemoryClassifier(chain(backend))
    classifier.remember(HISTORY)  # type: ignore[arg-type]
    text = "The editor crashes on save, case {}"
    memory = classifier.memory.probabilities(text.format(0))
    assert memory is not None
    lead = Weights(model=0.5, memory=1.0, pairs=40).margin(memory)
    classifier.weights = Weights(model=0.5, memory=1.0, pairs=40, ask_below=lead * 2)
    for i in range(3):
        assert (await classifier.classify(text.format(i))).backend != MEMORY_CLASSIFIER
    assert len(backend.calls) == 3  # it paid for memories this unsure: asked
    classifier.weights = Weights(model=0.5, memory=1.0, pairs=40, ask_below=lead / 2)
    results = [await classifier.classify(text.format(i)) for i in range(EXPLORE_EVERY)]
    assert len(backend.calls) == 4  # it did not: only the one asked to keep evidence coming
    assert sum(r.backend == MEMORY_CLASSIFIER for r in results) == EXPLORE_EVERY - 1


async def test_without_any_model_the_memory_votes_and_nothing_fails(
    caplog: pytest.LogCaptureFixture,
) -> None:
    classifier = MemoryClassifier(ClassifierChain([], default_label="Task", timeout_s=1.0))
    classifier.remember(HISTORY)  # type: ignore[arg-type]
    result = await classifier.classify("The editor crashes when I save a file")
    assert result.backend == MEMORY_VOTE and not result.needs_triage
    assert "all backends failed" not in caplog.text  # eval --no-model: nothing was asked
