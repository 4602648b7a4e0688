"""The Jira emulator's own validation, auth and JQL, spoken to over plain HTTP."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from emulators.jira import DEFAULT_EMAIL, DEFAULT_TOKEN, JiraEmulator, adf_from_text

Reply = tuple[int, Any]


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
async def http(jira: JiraEmulator) -> AsyncIterator[aiohttp.ClientSession]:
    headers = basic(DEFAULT_EMAIL, DEFAULT_TOKEN)
    async with aiohttp.ClientSession(base_url=jira.url, headers=headers) as session:
        yield session


async def call(http: aiohttp.ClientSession, method: str, path: str, **kw: Any) -> Reply:
    async with http.request(method, f"/rest/api/{kw.pop('v', 2)}{path}", **kw) as resp:
        body = await resp.json() if resp.content_type == "application/json" else None
        return resp.status, body


def fields(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "project": {"key": "KAN"},
        "issuetype": {"name": "Task"},
        "summary": "ok",
    }
    values.update(overrides)
    return {"fields": {k: v for k, v in values.items() if v is not None}}


@pytest.mark.parametrize(
    ("override", "field", "message"),
    [
        ({"summary": None}, "summary", "You must specify a summary of the issue."),
        (
            {"summary": "a\nb"},
            "summary",
            "The summary is invalid because it contains newline characters.",
        ),
        ({"summary": "x" * 256}, "summary", "Summary can't exceed 255 characters."),
        ({"summary": "🙂" * 128}, "summary", "Summary can't exceed 255 characters."),
        ({"issuetype": {"name": "Incident"}}, "issuetype", "Specify a valid issue type"),
        ({"issuetype": None}, "issuetype", "Specify an issue type"),
        (
            {"labels": ["two words"]},
            "labels",
            "The label 'two words' contains spaces which is invalid.",
        ),
        (
            {"customfield_1": "x"},
            "customfield_1",
            "Field 'customfield_1' cannot be set. It is not on the appropriate screen, or unknown.",
        ),
        (
            {"description": "d" * 32_768},
            "description",
            "The entered text is too long. It exceeds the allowed limit of 32,767 characters.",
        ),
        ({"description": {"type": "doc"}}, "description", "Operation value must be a string"),
        ({"reporter": {"accountId": "nobody"}}, "reporter", "Specified reporter is not a user."),
    ],
)
async def test_create_validation(
    http: aiohttp.ClientSession, override: dict[str, Any], field: str, message: str
) -> None:
    status, body = await call(http, "POST", "/issue", json=fields(**override))
    assert status == 400
    assert body == {"errorMessages": [], "errors": {field: message}}


async def test_v3_description_must_be_adf_without_newlines(http: aiohttp.ClientSession) -> None:
    status, body = await call(http, "POST", "/issue", v=3, json=fields(description="plain"))
    assert status == 400 and "Atlassian Document" in body["errors"]["description"]
    bad = {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": "a\nb"}]}],
    }
    status, body = await call(http, "POST", "/issue", v=3, json=fields(description=bad))
    assert status == 400 and "newline" in body["errors"]["description"]
    status, body = await call(
        http, "POST", "/issue", v=3, json=fields(description=adf_from_text("a\nb"))
    )
    assert status == 201


async def test_unknown_project(http: aiohttp.ClientSession, jira: JiraEmulator) -> None:
    status, body = await call(http, "POST", "/issue", json=fields(project={"key": "NOPE"}))
    assert status == 400 and "project" in body["errors"]
    assert jira.next_number == 1


async def test_numbers_keep_counting_after_failed_create(
    http: aiohttp.ClientSession, jira: JiraEmulator
) -> None:
    await call(http, "POST", "/issue", json=fields(summary="a\nb"))
    status, body = await call(http, "POST", "/issue", json=fields())
    assert status == 201 and body["key"] == "KAN-2"
    assert body["self"] == f"{jira.url}/rest/api/2/issue/KAN-2"


async def test_auth(jira: JiraEmulator) -> None:
    async with aiohttp.ClientSession(base_url=jira.url) as anonymous:
        assert (await call(anonymous, "GET", "/serverInfo"))[0] == 200
        status, body = await call(anonymous, "GET", "/myself")
        assert status == 401 and body["errorMessages"]
    wrong = basic(DEFAULT_EMAIL, "nope")
    async with aiohttp.ClientSession(base_url=jira.url, headers=wrong) as session:
        assert (await call(session, "GET", "/serverInfo"))[0] == 401
    assert {r.auth for r in jira.requests} == {None, "basic"}


async def test_get_missing_issue_and_unknown_route(http: aiohttp.ClientSession) -> None:
    status, body = await call(http, "GET", "/issue/KAN-5")
    assert status == 404
    assert body["errorMessages"] == [
        "Issue does not exist or you do not have permission to see it."
    ]
    assert (await call(http, "GET", "/nothing/here"))[0] == 404


async def test_createmeta_and_project(http: aiohttp.ClientSession) -> None:
    status, body = await call(http, "GET", "/issue/createmeta/KAN/issuetypes")
    assert status == 200 and [t["name"] for t in body["values"]][:2] == ["Task", "Bug"]
    status, body = await call(http, "GET", "/project/NOPE")
    assert status == 404 and "NOPE" in body["errorMessages"][0]


async def seed(http: aiohttp.ClientSession, n: int) -> None:
    for i in range(1, n + 1):
        labels = ["ticketbot", f"ticketbot-{i}"]
        await call(http, "POST", "/issue", json=fields(summary=f"printer {i}", labels=labels))


@pytest.mark.parametrize(
    ("jql", "keys"),
    [
        ('project = KAN AND labels = "ticketbot-2"', ["KAN-2"]),
        (
            "project = kan AND labels in (ticketbot-1, ticketbot-3) ORDER BY key ASC",
            ["KAN-1", "KAN-3"],
        ),
        ("key = KAN-3", ["KAN-3"]),
        ('project = KAN AND status = "To Do" ORDER BY key DESC', ["KAN-3", "KAN-2", "KAN-1"]),
        ("project = KAN AND status != 'To Do'", []),
        ('project = KAN AND text ~ "printer 2"', ["KAN-2"]),
        (
            "project = KAN AND statusCategory = new AND labels IS NOT EMPTY ORDER BY created ASC",
            ["KAN-1", "KAN-2", "KAN-3"],
        ),
    ],
)
async def test_jql_subset(http: aiohttp.ClientSession, jql: str, keys: list[str]) -> None:
    await seed(http, 3)
    status, body = await call(http, "GET", "/search/jql", params={"jql": jql, "fields": "summary"})
    assert status == 200, body
    assert [issue["key"] for issue in body["issues"]] == keys
    assert body["isLast"] is True


@pytest.mark.parametrize(
    "jql", ["ORDER BY key", "", "project = KAN OR key = KAN-1", "foo = bar", 'project = "KAN']
)
async def test_jql_errors(http: aiohttp.ClientSession, jql: str) -> None:
    status, body = await call(http, "GET", "/search/jql", params={"jql": jql})
    assert status == 400 and body["errorMessages"]


async def test_search_jql_pages_with_token(http: aiohttp.ClientSession) -> None:
    await seed(http, 3)
    params = {"jql": "project = KAN ORDER BY key ASC", "maxResults": "2", "fields": "id"}
    _, first = await call(http, "GET", "/search/jql", params=params)
    assert len(first["issues"]) == 2 and first["isLast"] is False
    _, second = await call(
        http,
        "POST",
        "/search/jql",
        json={"jql": params["jql"], "nextPageToken": first["nextPageToken"]},
    )
    assert [i["key"] for i in second["issues"]] == ["KAN-3"] and second["isLast"]


async def test_old_search_gone_on_cloud(http: aiohttp.ClientSession) -> None:
    assert (await call(http, "GET", "/search", params={"jql": "project = KAN"}))[0] == 410


async def test_transition_with_invalid_id(http: aiohttp.ClientSession) -> None:
    await seed(http, 1)
    status, body = await call(
        http, "POST", "/issue/KAN-1/transitions", json={"transition": {"id": "11"}}
    )  # already "To Do"
    assert status == 400 and "not valid" in body["errorMessages"][0]


async def test_edit_rejects_unknown_issue_type(http: aiohttp.ClientSession) -> None:
    await seed(http, 1)
    status, body = await call(
        http, "PUT", "/issue/KAN-1", json={"fields": {"issuetype": {"name": "Nope"}}}
    )
    assert status == 400 and body["errors"] == {"issuetype": "Specify a valid issue type"}


async def test_latency_and_faults_are_recorded(
    http: aiohttp.ClientSession, jira: JiraEmulator
) -> None:
    jira.fail(503, retry_after=2, method="GET", path="/myself")
    async with http.get("/rest/api/2/myself") as resp:
        assert resp.status == 503 and resp.headers["Retry-After"] == "2"
    assert (await call(http, "GET", "/myself"))[0] == 200
    assert [r.status for r in jira.calls("GET", "/myself")] == [503, 200]


async def test_a_slow_rule_takes_one_request_and_answers_it_late(
    http: aiohttp.ClientSession, jira: JiraEmulator
) -> None:
    jira.slow(3, method="POST", path="/issue")
    jira.fail(503, retry_after=120, delay_s=3, method="POST", path="/issue")
    late = [asyncio.create_task(call(http, "POST", "/issue", json=fields())) for _ in range(2)]
    for _ in range(500):
        if len(jira.calls("POST", "/issue")) == 2:
            break
        await asyncio.sleep(0.01)
    assert jira.created_keys() == []  # both are still on their way
    status, body = await call(http, "POST", "/issue", json=fields(summary="now"))
    assert status == 201 and jira.created_keys() == [body["key"]]  # the rules were taken
    statuses = sorted(status for status, _ in await asyncio.gather(*late))
    assert statuses == [201, 503] and len(jira.created_keys()) == 2


async def test_env_for_subprocess(jira: JiraEmulator) -> None:
    env = jira.env()
    assert env["JIRA_BASE_URL"] == jira.url and env["JIRA_PROJECT_KEY"] == "KAN"
