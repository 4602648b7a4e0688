"""Comment, transition by name, issue type change."""

from __future__ import annotations

import pytest

from bot.errors import InvalidIssueKey, IssueNotFound, TrackerUnavailable, TransitionNotAvailable
from bot.tracker import Tracker
from emulators.jira import JiraEmulator
from tests.tracker.conftest import TrackerFactory, new_issue


@pytest.fixture
async def filed(tracker: Tracker) -> str:
    return (await tracker.create_issue(new_issue(1))).key


async def test_comment(tracker: Tracker, jira: JiraEmulator, filed: str) -> None:
    await tracker.add_comment(filed.lower(), "Approved by <@U1> in Slack")
    assert [c["body"] for c in jira.issues[filed]["comments"]] == ["Approved by <@U1> in Slack"]


async def test_comment_v3_is_adf(make_tracker: TrackerFactory, jira: JiraEmulator) -> None:
    tracker = await make_tracker(api_version=3)
    ref = await tracker.create_issue(new_issue(1))
    await tracker.add_comment(ref.key, "two\nlines")
    body = jira.issues[ref.key]["comments"][0]["body"]
    assert body["type"] == "doc" and len(body["content"]) == 2


async def test_comment_on_missing_issue(tracker: Tracker) -> None:
    with pytest.raises(IssueNotFound):
        await tracker.add_comment("KAN-99", "hi")


async def test_comment_not_retried_after_lost_connection(
    tracker: Tracker, jira: JiraEmulator, filed: str
) -> None:
    jira.down = True
    with pytest.raises(TrackerUnavailable):
        await tracker.add_comment(filed, "once only")
    assert len(jira.calls("POST", "/comment")) == 1


async def test_comment_retried_on_429(tracker: Tracker, jira: JiraEmulator, filed: str) -> None:
    jira.fail(429, retry_after=1, path="/comment")
    await tracker.add_comment(filed, "eventually")
    assert len(jira.calls("POST", "/comment")) == 2
    assert len(jira.issues[filed]["comments"]) == 1


@pytest.mark.parametrize("name", ["In Progress", "in progress", "  IN   PROGRESS "])
async def test_transition_by_name_any_case(
    tracker: Tracker, jira: JiraEmulator, filed: str, name: str
) -> None:
    assert await tracker.transition(filed, name) == "In Progress"
    assert jira.issues[filed]["status"] == "In Progress"
    posted = jira.calls("POST", "/transitions")[0].body
    assert str(posted["transition"]["id"]) == "21"


async def test_transition_not_available_lists_names(
    tracker: Tracker, jira: JiraEmulator, filed: str
) -> None:
    jira.set_status(filed, "Done")
    with pytest.raises(TransitionNotAvailable) as info:
        await tracker.transition(filed, "Done")
    assert info.value.available == ["To Do", "In Progress", "Won't Do"]
    assert "available: To Do, In Progress, Won't Do" in str(info.value)
    assert not jira.calls("POST", "/transitions")


async def test_transition_unknown_name(tracker: Tracker, filed: str) -> None:
    with pytest.raises(TransitionNotAvailable, match="'Deploy'"):
        await tracker.transition(filed, "Deploy")


async def test_transition_bad_key(tracker: Tracker, jira: JiraEmulator) -> None:
    with pytest.raises(InvalidIssueKey):
        await tracker.transition("not a key", "Done")
    assert jira.requests == []


async def test_set_issue_type(tracker: Tracker, jira: JiraEmulator, filed: str) -> None:
    await tracker.set_issue_type(filed, "Story")
    assert jira.issues[filed]["issuetype"] == "Story"
    assert jira.calls("PUT", "/issue/")[0].body["fields"] == {"issuetype": {"name": "Story"}}
