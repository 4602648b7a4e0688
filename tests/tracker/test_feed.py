"""The change feed's Jira side with the real ``jira`` package against the emulator: the JQL,
paging, the changelog and comments as parsed, on Cloud and Server, REST v2 and v3; and what a
poll costs for 1,000 open tickets (the figure in docs/sync.md)."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import session_factory
from bot.db.installation import InstallationIdentity
from bot.db.sync import SyncStore
from bot.db.tickets import TicketLog
from bot.settings import JiraSettings
from bot.settings_sync import SyncSettings
from bot.tracker.changes import issue_change
from bot.tracker.feed import JiraChangeFeed, changes_jql
from bot.triage.sync import JiraSync
from emulators.jira import SERVICE_ACCOUNT_ID, JiraEmulator, adf_from_text, jira_time

INSTALLATION = "ab12cd34ef"
LABELS = [f"ticketbot-{INSTALLATION}-all", "ticketbot"]


@pytest.fixture(params=["cloud", "server"])
async def site(request: pytest.FixtureRequest) -> AsyncIterator[JiraEmulator]:
    async with JiraEmulator(flavour=request.param) as emulator:
        yield emulator


def feed_for(jira: JiraEmulator, **overrides: Any) -> JiraChangeFeed:
    values = jira.settings_kwargs(**overrides)
    if jira.flavour == "server":
        values = {**values, "email": None, "api_token": None, "pat": jira.pat}
    return JiraChangeFeed(JiraSettings(**values))


def minutes_ago(n: int) -> datetime:
    return datetime.now(UTC) - timedelta(minutes=n)


def test_jql_is_minute_precise_and_ordered() -> None:
    since = datetime(2026, 12, 5, 15, 28, 59, tzinfo=UTC)
    assert changes_jql("KAN", LABELS, since) == (
        'project = "KAN" AND labels in ("ticketbot-ab12cd34ef-all", "ticketbot") '
        'AND updated >= "2026/12/05 15:28" ORDER BY updated ASC'
    )
    with pytest.raises(ValueError, match="project key"):
        changes_jql('KAN" OR 1=1', LABELS, since)


async def test_changes_comments_and_pages(site: JiraEmulator) -> None:
    old = site.add_issue("old", labels=LABELS, created="2020-01-01T10:00:00.000+0000")
    keys = [site.add_issue(f"issue {n}", labels=LABELS) for n in range(3)]
    site.add_issue("someone else's", labels=["other"])
    mia = site.add_user("mia@example.com", "Mia Krystof")
    site.transition_as(keys[0], "Done", author=mia)
    site.assign(keys[0], mia, author=mia)
    site.comment_as(keys[0], "public", author=mia)
    site.comment_as(keys[0], "internal", internal=True)
    site.search_page_cap = 2
    feed = feed_for(site)
    try:
        first = await feed.changed_page("KAN", LABELS, minutes_ago(1), size=100)
        assert len(first.issues) == 2 and first.next_page is not None
        second = await feed.changed_page("KAN", LABELS, minutes_ago(1), page=first.next_page)
        assert second.next_page is None
        found = {i.key: i for i in [*first.issues, *second.issues]}
        assert set(found) == set(keys) and old not in found
        change = found[keys[0]]
        assert (change.status, change.assignee, change.resolution) == (
            "Done",
            "Mia Krystof",
            "Done",
        )
        fields = [(c.field, c.old, c.new) for h in change.histories for c in h.changes]
        assert fields == [
            ("status", "To Do", "Done"),
            ("resolution", None, "Done"),
            ("assignee", None, "Mia Krystof"),
        ]
        assert [(c.text, c.internal) for c in change.comments] == [
            ("public", False),
            ("internal", True),
        ]
        assert change.comments[0].author is not None
        assert change.comments[0].author.name == "Mia Krystof"
        account = await feed.bot_account()
        assert account == (SERVICE_ACCOUNT_ID if site.flavour == "cloud" else "ticketbot")
    finally:
        await feed.aclose()


async def test_v3_comments_are_read_from_adf(jira: JiraEmulator) -> None:
    key = jira.add_issue("x", labels=LABELS)
    jira.comment_as(key, adf_from_text("line one\nline two"))
    feed = feed_for(jira, api_version=3)
    try:
        [change] = (await feed.changed_page("KAN", LABELS, minutes_ago(1))).issues
    finally:
        await feed.aclose()
    assert change.comments[0].text == "line one\nline two"


async def test_an_edited_comment_says_when_and_by_whom(site: JiraEmulator) -> None:
    key = site.add_issue("x", labels=LABELS)
    fresh, edited = site.comment_as(key, "at 5"), site.comment_as(key, "at 5")
    for stored in site.issues[key]["comments"]:  # written five minutes ago
        stored["created"] = jira_time(datetime.now(UTC) - timedelta(minutes=5))
    lee = site.add_user("lee@example.com", "Lee Park")
    site.edit_comment_as(key, edited, "at 6 instead", editor=lee)
    feed = feed_for(site)
    try:
        [change] = (await feed.changed_page("KAN", LABELS, minutes_ago(1))).issues
    finally:
        await feed.aclose()
    first, second = change.comments
    assert (first.id, first.edited, first.editor) == (fresh, None, None)
    assert second.id == edited and second.text == "at 6 instead"
    assert second.edited is not None and second.edited - second.created > timedelta(minutes=4)
    assert second.editor is not None and second.editor.name == "Lee Park"


def test_a_raw_issue_without_updated_is_skipped() -> None:
    assert issue_change({"key": "KAN-1", "fields": {}}) is None
    assert issue_change({"key": "KAN-1", "fields": {"updated": jira_time()}}) is not None


@pytest.mark.parametrize("changed", [0, 1000])
async def test_what_a_poll_costs_for_1000_open_tickets(
    jira: JiraEmulator, engine: AsyncEngine, changed: int
) -> None:
    """1,000 open tickets: one search per poll while none changed lately; while all 1,000
    changed within the window, ceil(1000 / 100) = 10 (Cloud returns 100 issues a page)."""
    for n in range(1000):
        key = jira.add_issue(f"ticket {n}", labels=[*LABELS, f"ticketbot-{INSTALLATION}-{n}"])
        if n >= changed:  # not changed lately: last updated an hour ago
            jira.issues[key]["updated"] = jira_time(datetime.now(UTC) - timedelta(hours=1))
    tickets = TicketLog(session_factory(engine))
    store = SyncStore(session_factory(engine), tickets.clock)
    feed = feed_for(jira)

    async def publish(ticket_id: int) -> None:
        return None

    sync = JiraSync(
        store,
        feed,
        publish,
        installation=InstallationIdentity(INSTALLATION),
        labels=["ticketbot"],
        projects=["KAN"],
        settings=SyncSettings(),
        owner="one",
    )
    try:
        await sync.poll("KAN")  # connects: serverInfo, field, myself once
        before = len(jira.requests)
        polls = 5
        for _ in range(polls):
            await sync.poll("KAN")
        made = jira.requests[before:]
    finally:
        await feed.aclose()
    per_poll = max(1, math.ceil(changed / 100))
    assert len(made) == polls * per_poll
    assert {(r.method, r.path) for r in made} == {("GET", "/search/jql")}


async def test_existing_keys_pages_through_every_issue(site: JiraEmulator) -> None:
    keys = {site.add_issue(f"i{n}", labels=LABELS) for n in range(5)}
    gone = site.add_issue("deleted", labels=LABELS)
    site.delete_issue(gone)
    moved = site.move_issue(site.add_issue("moved", labels=LABELS), "OPS")
    site.search_page_cap = 2
    feed = feed_for(site)
    try:
        assert await feed.existing_keys("KAN", LABELS) == keys
    finally:
        await feed.aclose()
    assert moved.startswith("OPS-")
