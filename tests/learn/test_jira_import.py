"""`ticketbot learn --jql` logic against the Jira emulator, run twice (idempotent)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import session_factory
from bot.db.examples import ExampleStore
from bot.learn.importer import import_jira
from bot.settings import JiraSettings
from bot.tracker import Tracker
from emulators.jira import JiraEmulator


@pytest.fixture
async def jira() -> AsyncIterator[JiraEmulator]:
    async with JiraEmulator(issue_types=("Task", "Bug", "Story", "Epic")) as emulator:
        yield emulator


@pytest.fixture
async def tracker(jira: JiraEmulator) -> AsyncIterator[Tracker]:
    tracker = Tracker(JiraSettings(**jira.settings_kwargs()))
    try:
        yield tracker
    finally:
        await tracker.aclose()


async def test_jira_history_import_maps_types_back_and_is_idempotent(
    engine: AsyncEngine, tracker: Tracker, jira: JiraEmulator
) -> None:
    # what people filed: a Question goes into the Task type, as jira.issue_types maps it
    history = [("Crash on save", "Bug"), ("Add dark mode", "Story"),
               ("Rotate the keys", "Task"), ("How do I log in?", "Task")]
    for text, issue_type in history:
        jira.add_issue(text, issue_type=issue_type)
    store = ExampleStore(session_factory(engine))
    types = JiraSettings().issue_types
    first = await import_jira(store, tracker, "project = KAN", types)
    second = await import_jira(store, tracker, "project = KAN", types)
    assert (first.read, first.added, second.added) == (4, 4, 0)
    labels = sorted(e.label for e in await store.since(0))
    # Question was filed as Task (config map), so it comes back as Task: the inverse is lossy.
    assert labels == ["Bug", "Feature Request", "Task", "Task"]
