"""Fixtures: a Jira emulator per test and Trackers pointed at it with a fast retry policy."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from bot.settings import JiraSettings
from bot.tracker import JiraRetry, NewIssue, Tracker
from emulators.jira import JiraEmulator

FAST_RETRY = JiraRetry(max_attempts=4, backoff_base_s=0.01, backoff_max_s=0.05)
TrackerFactory = Callable[..., Awaitable[Tracker]]


@pytest.fixture
async def jira() -> AsyncIterator[JiraEmulator]:
    async with JiraEmulator() as emulator:
        yield emulator


@pytest.fixture
async def make_tracker(jira: JiraEmulator) -> AsyncIterator[TrackerFactory]:
    made: list[Tracker] = []

    async def make(retry: JiraRetry = FAST_RETRY, **overrides: Any) -> Tracker:
        settings = JiraSettings(**jira.settings_kwargs(**overrides))
        tracker = Tracker(settings, workers=2, retry=retry)
        made.append(tracker)
        return tracker

    yield make
    for tracker in made:
        await tracker.aclose()


@pytest.fixture
async def tracker(make_tracker: TrackerFactory) -> Tracker:
    return await make_tracker()


INSTALLATION = "ab12cd34ef"


def new_issue(ticket_id: int = 1, text: str = "The VPN drops every hour.", **kw: Any) -> NewIssue:
    values: dict[str, Any] = {
        "ticket_id": ticket_id,
        "text": text,
        "label": "Bug",
        "requester_name": "Ada Lovelace",
        "installation": INSTALLATION,
        "requester_email": None,
        "permalink": "https://acme.slack.com/archives/C1/p1700000000000100",
    }
    values.update(kw)
    return NewIssue(**values)
