"""``JiraComments`` against the Jira emulator with the real ``jira`` library: a Slack reply
posted, found again by its marker, edited and deleted; the author's account mentioned."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from bot.errors import IssueNotFound
from bot.settings import JiraSettings
from bot.tracker.comment_body import SlackComment, marker
from bot.tracker.comments import JiraComments
from emulators.jira import JiraEmulator
from tests.tracker.conftest import FAST_RETRY

Factory = Callable[..., Awaitable[JiraComments]]


@pytest.fixture
async def make(jira: JiraEmulator) -> AsyncIterator[Factory]:
    made: list[JiraComments] = []

    async def build(**overrides: Any) -> JiraComments:
        comments = JiraComments(JiraSettings(**jira.settings_kwargs(**overrides)), retry=FAST_RETRY)
        made.append(comments)
        return comments

    yield build
    for comments in made:
        await comments.aclose()


def reply(text: str = "Still broken [here|http://evil]", ts: str = "17.000100") -> SlackComment:
    return SlackComment("Alice Able", text, marker("C1", ts))


def bodies(jira: JiraEmulator, key: str) -> list[Any]:
    return [c["body"] for c in jira.issues[key]["comments"]]


@pytest.mark.parametrize("version", [2, 3])
async def test_post_find_edit_delete(jira: JiraEmulator, make: Factory, version: int) -> None:
    key = jira.add_issue("VPN drops")
    comments = await make(api_version=version)
    comment_id = await comments.add(key, reply(), None)
    assert await comments.find(key, marker("C1", "17.000100")) == comment_id
    assert await comments.find(key, marker("C1", "99.000001")) is None
    await comments.update(key, comment_id, reply("Fixed after a reboot"), None)
    [body] = bodies(jira, key)
    assert "Fixed after a reboot" in str(body)
    await comments.delete(key, comment_id)
    assert bodies(jira, key) == []
    with pytest.raises(IssueNotFound):
        await comments.delete(key, comment_id)


async def test_v2_body_is_escaped_wiki(jira: JiraEmulator, make: Factory) -> None:
    key = jira.add_issue("VPN drops")
    await (await make()).add(key, reply(), None)
    [body] = bodies(jira, key)
    assert body.startswith("Alice Able in Slack\\:")
    assert "\\[here\\|http\\://evil\\]" in body


async def test_the_author_is_mentioned_when_their_email_has_a_jira_account(
    jira: JiraEmulator, make: Factory
) -> None:
    account = jira.add_user("alice@example.com", "Alice Able")
    key = jira.add_issue("VPN drops")
    comments = await make()
    await comments.add(key, reply(), "alice@example.com")
    await comments.add(key, reply(ts="18.000100"), "nobody@example.com")
    first, second = bodies(jira, key)
    assert f"[~accountid:{account}]" in first and "[~" not in second


async def test_a_comment_by_someone_else_with_the_marker_is_not_ours(
    jira: JiraEmulator, make: Factory
) -> None:
    key = jira.add_issue("VPN drops")
    person = jira.add_user("mallory@example.com", "Mallory")
    jira.comment_as(key, "fake " + marker("C1", "17.000100"), author=person)
    assert await (await make()).find(key, marker("C1", "17.000100")) is None


async def test_a_deleted_issue_is_not_found(jira: JiraEmulator, make: Factory) -> None:
    key = jira.add_issue("VPN drops")
    jira.delete_issue(key)
    with pytest.raises(IssueNotFound):
        await (await make()).add(key, reply(), None)


async def test_one_user_search_per_author_found_or_not(jira: JiraEmulator, make: Factory) -> None:
    jira.add_user("alice@example.com", "Alice Able")
    key = jira.add_issue("VPN drops")
    comments = await make()
    for n, email in enumerate(["alice@example.com", "nobody@example.com"] * 2):
        await comments.add(key, reply(ts=f"{20 + n}.000100"), email)
    assert jira.request_counts()["GET /user/search"] == 2
