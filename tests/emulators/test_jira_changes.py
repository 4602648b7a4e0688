"""The Jira emulator's change feed: ``updated`` in JQL, changelogs, comments with authors and
visibility, the people in Jira, and the request counter."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from emulators.jira import DEFAULT_EMAIL, DEFAULT_TOKEN, SERVICE_ACCOUNT_ID, JiraEmulator
from tests.emulators.test_jira_emulator import basic, call


@pytest.fixture
async def http(jira: JiraEmulator) -> AsyncIterator[aiohttp.ClientSession]:
    headers = basic(DEFAULT_EMAIL, DEFAULT_TOKEN)
    async with aiohttp.ClientSession(base_url=jira.url, headers=headers) as session:
        yield session


def minute(delta: timedelta = timedelta()) -> str:
    return (datetime.now(UTC) + delta).strftime("%Y/%m/%d %H:%M")


async def search(http: aiohttp.ClientSession, jql: str, **params: str) -> dict[str, Any]:
    status, body = await call(http, "GET", "/search/jql", params={"jql": jql, **params})
    assert status == 200, body
    return dict(body)


async def test_updated_filters_and_orders(jira: JiraEmulator, http: aiohttp.ClientSession) -> None:
    old = jira.add_issue("old", created="2020-01-01T10:00:00.000+0000")
    first, second = jira.add_issue("first"), jira.add_issue("second")
    await asyncio.sleep(0.01)  # Jira stamps milliseconds: make the change a later one
    jira.set_status(first, "In Progress")  # first is now the most recently updated
    body = await search(
        http, f'project = KAN AND updated >= "{minute(-timedelta(minutes=1))}" ORDER BY updated ASC'
    )
    assert [i["key"] for i in body["issues"]] == [second, first]
    body = await search(http, 'project = KAN AND updated < "2021-01-01" ORDER BY updated DESC')
    assert [i["key"] for i in body["issues"]] == [old]
    body = await search(http, "project = KAN AND updated > -1d")
    assert {i["key"] for i in body["issues"]} == {first, second}


async def test_seconds_are_refused(http: aiohttp.ClientSession) -> None:
    status, body = await call(
        http, "GET", "/search/jql", params={"jql": 'updated >= "2026/12/05 10:00:30"'}
    )
    assert status == 400 and "yyyy/MM/dd HH:mm" in body["errorMessages"][0]


async def test_changelog_records_every_change(
    jira: JiraEmulator, http: aiohttp.ClientSession
) -> None:
    key = jira.add_issue("printer")
    mia = jira.add_user("mia@example.com", "Mia Krystof")
    jira.transition_as(key, "In Progress", author=mia)
    jira.assign(key, mia)
    jira.set_status(key, "Done")
    _, issue = await call(
        http, "GET", f"/issue/{key}", params={"expand": "changelog", "fields": "status"}
    )
    histories = issue["changelog"]["histories"]
    assert [
        [(i["field"], i["fromString"], i["toString"]) for i in h["items"]] for h in histories
    ] == [
        [("status", "To Do", "In Progress")],
        [("assignee", None, "Mia Krystof")],
        [("status", "In Progress", "Done"), ("resolution", None, "Done")],
    ]
    assert histories[0]["author"]["accountId"] == mia
    assert len({h["id"] for h in histories}) == 3
    body = await search(http, "project = KAN", expand="changelog", fields="status")
    assert body["issues"][0]["changelog"]["total"] == 3


async def test_comments_have_authors_and_internal_ones_are_marked(
    jira: JiraEmulator, http: aiohttp.ClientSession
) -> None:
    key = jira.add_issue("vpn")
    public = jira.comment_as(key, "Restarted the server")
    jira.comment_as(key, "customer is annoying", internal=True)
    jira.comment_as(key, "admins only", visibility={"type": "role", "value": "Administrators"})
    status, _ = await call(
        http,
        "POST",
        f"/issue/{key}/comment",
        json={
            "body": "from the bot",
            "properties": [{"key": "sd.public.comment", "value": {"internal": True}}],
        },
    )
    assert status == 201
    status, body = await call(http, "GET", f"/issue/{key}/comment", params={"expand": "properties"})
    comments = body["comments"]
    assert comments[0]["id"] == public and comments[0]["author"]["displayName"] == "Mia Krystof"
    assert [c["jsdPublic"] for c in comments] == [True, False, True, False]
    assert comments[1]["properties"][0]["value"] == {"internal": True}
    assert comments[2]["visibility"] == {"type": "role", "value": "Administrators"}
    assert comments[3]["author"]["accountId"] == SERVICE_ACCOUNT_ID


async def test_an_edit_is_stamped_in_updated_and_update_author(
    jira: JiraEmulator, http: aiohttp.ClientSession
) -> None:
    key = jira.add_issue("vpn")
    by_person, by_bot = jira.comment_as(key, "at 5"), jira.comment_as(key, "at 5")
    jira.edit_comment_as(key, by_person, "at 6")
    status, _ = await call(http, "PUT", f"/issue/{key}/comment/{by_bot}", json={"body": "at 7"})
    assert status == 200
    status, body = await call(http, "GET", f"/issue/{key}/comment")
    person, bot = body["comments"]
    assert person["body"] == "at 6" and person["updated"] >= person["created"]
    assert person["updateAuthor"]["displayName"] == "Mia Krystof"
    assert bot["updateAuthor"]["accountId"] == SERVICE_ACCOUNT_ID
    assert jira.issues[key]["updated"] >= bot["updated"]


async def test_delete_and_move(jira: JiraEmulator, http: aiohttp.ClientSession) -> None:
    gone, moving = jira.add_issue("a"), jira.add_issue("b")
    jira.delete_issue(gone)
    assert (await call(http, "GET", f"/issue/{gone}"))[0] == 404
    new_key = jira.move_issue(moving, "OPS")
    status, issue = await call(http, "GET", f"/issue/{moving}", params={"fields": "project"})
    assert status == 200 and issue["key"] == new_key and new_key.startswith("OPS-")
    assert (await search(http, "project = KAN"))["issues"] == []


async def test_request_counter(jira: JiraEmulator, http: aiohttp.ClientSession) -> None:
    key = jira.add_issue("x")
    await call(http, "GET", f"/issue/{key}")
    await call(http, "GET", "/issue/KAN-99")
    await search(http, "project = KAN")
    counts = jira.request_counts()
    assert counts["GET /issue/{key}"] == 2 and counts["GET /search/jql"] == 1
    async with http.get("/_emulator/requests") as response:
        assert (await response.json())["GET /search/jql"] == 1


async def test_control_routes(jira: JiraEmulator, http: aiohttp.ClientSession) -> None:
    key = jira.add_issue("x")

    async def control(name: str, **body: Any) -> tuple[int, dict[str, Any]]:
        async with http.post(f"/_emulator/{name}", json=body) as response:
            return response.status, await response.json()

    assert (await control("transition", key=key, status="Done"))[0] == 200
    assert jira.issues[key]["status"] == "Done"
    status, answer = await control("comment", key=key, body="hi", internal=True)
    assert status == 200 and jira.issues[key]["comments"][-1]["internal"] is True
    assert answer["id"] == jira.issues[key]["comments"][-1]["id"]
    assert (await control("assign", key="KAN-99", account_id=None))[0] == 404
    status, answer = await control("move", key=key, project="OPS")
    assert status == 200 and answer["key"].startswith("OPS-")
    assert (await control("delete", key=answer["key"]))[0] == 200
    assert jira.issues == {}
