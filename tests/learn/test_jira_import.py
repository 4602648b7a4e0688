"""`ticketbot learn --jql` logic against the Jira emulator, run twice (idempotent)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import session_factory
from bot.db.examples import ExampleStore
from bot.learn.importer import import_jira
from bot.settings import JiraSettings
from bot.tracker import NewIssue, Tracker
from emulators.jira import JiraEmulator


@pytest.fixture
async def tracker() -> AsyncIterator[Tracker]:
    async with JiraEmulator(issue_types=("Task", "Bug", "Story", "Epic")) as jira:
        tracker = Tracker(JiraSettings(**jira.settings_kwargs()))
        try:
            yield tracker
        finally:
            await tracker.aclose()


async def test_jira_history_import_maps_types_back_and_is_idempotent(
    engine: AsyncEngine, tracker: Tracker
) -> None:
    history = [("Crash on save", "Bug"), ("Add dark mode", "Feature Request"),
               ("Rotate the keys", "Task"), ("How do I log in?", "Question")]
    for i, (text, label) in enumerate(history):
        new = NewIssue(ticket_id=i + 1, text=text, label=label,  # type: ignore[arg-type]
                       requester_name="Ann", installation="ab12cd34ef", requester_email=None)
        await tracker.create_issue(new)
    store = ExampleStore(session_factory(engine))
    types = JiraSettings().issue_types
    first = await import_jira(store, tracker, "project = KAN", types)
    second = await import_jira(store, tracker, "project = KAN", types)
    assert (first.read, first.added, second.added) == (4, 4, 0)
    labels = sorted(e.label for e in await store.since(0))
    # Question was filed as Task (config map), so it comes back as Task: the inverse is lossy.
    assert labels == ["Bug", "Feature Request", "Task", "Task"]
