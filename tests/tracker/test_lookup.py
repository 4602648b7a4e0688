"""get_issue and find_filed."""

from __future__ import annotations

import pytest

from bot.errors import InvalidIssueKey, IssueNotFound
from bot.tracker import Tracker
from emulators.jira import JiraEmulator
from tests.tracker.conftest import TrackerFactory, new_issue


async def test_lookup_existing(tracker: Tracker, jira: JiraEmulator) -> None:
    await tracker.create_issue(new_issue(1))
    details = await tracker.get_issue("KAN-1")
    assert details.key == "KAN-1"
    assert details.url == f"{jira.url}/browse/KAN-1"
    assert details.summary == "The VPN drops every hour."
    assert (details.status, details.status_category) == ("To Do", "new")
    assert details.issue_type == "Bug"
    assert details.assignee is None
    assert details.reporter == "ticketbot"
    assert details.priority == "Medium"
    assert details.created is not None and details.updated is not None
    assert "ticketbot-ab12cd34ef-1" in details.labels


async def test_lookup_sees_status_moved_by_a_user(tracker: Tracker, jira: JiraEmulator) -> None:
    await tracker.create_issue(new_issue(1))
    jira.set_status("KAN-1", "In Progress")
    details = await tracker.get_issue("kan-1")
    assert (details.status, details.status_category) == ("In Progress", "indeterminate")
    jira.set_status("KAN-1", "Done")
    assert (await tracker.get_issue("KAN-1")).status_category == "done"


async def test_lookup_pasted_url(tracker: Tracker, jira: JiraEmulator) -> None:
    await tracker.create_issue(new_issue(1))
    details = await tracker.get_issue(f" {jira.url}/browse/kan-1?atlOrigin=abc ")
    assert details.key == "KAN-1"


async def test_lookup_missing(tracker: Tracker) -> None:
    with pytest.raises(IssueNotFound) as info:
        await tracker.get_issue("KAN-404")
    assert info.value.key == "KAN-404"


@pytest.mark.parametrize("text", ["", "hello", "KAN", "KAN-1 OR 1=1", "https://x/browse/"])
async def test_lookup_malformed_makes_no_call(
    tracker: Tracker, jira: JiraEmulator, text: str
) -> None:
    with pytest.raises(InvalidIssueKey):
        await tracker.get_issue(text)
    assert jira.requests == []


async def test_lookup_v3_reads_adf_description(make_tracker: TrackerFactory) -> None:
    tracker = await make_tracker(api_version=3)
    await tracker.create_issue(new_issue(1))
    assert (await tracker.get_issue("KAN-1")).summary == "The VPN drops every hour."


async def test_find_filed(tracker: Tracker, jira: JiraEmulator) -> None:
    assert await tracker.find_filed(new_issue(77)) is None
    await tracker.create_issue(new_issue(77))
    await tracker.create_issue(new_issue(78))
    found = await tracker.find_filed(new_issue(77))
    assert found is not None and found.key == "KAN-1" and found.issue_type == "Bug"
    assert not found.reporter_mapped
    jql = jira.calls("GET", "/search/jql")[-1].query["jql"][0]
    assert jql == (
        'project = "KAN" AND labels in ("ticketbot-ab12cd34ef-77") ORDER BY created ASC'
    )
