"""The emulator's search pages like Jira: a server-side cap, Cloud tokens, Server startAt/total."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from emulators.jira import DEFAULT_EMAIL, DEFAULT_TOKEN, JiraEmulator


async def seeded(flavour: str) -> AsyncIterator[JiraEmulator]:
    async with JiraEmulator(flavour=flavour) as jira:
        for n in range(1, 131):
            jira.add_issue(f"Issue {n}", issue_type="Bug" if n % 2 else "Task")
        yield jira


@pytest.fixture
async def cloud() -> AsyncIterator[JiraEmulator]:
    async for jira in seeded("cloud"):
        yield jira


@pytest.fixture
async def server() -> AsyncIterator[JiraEmulator]:
    async for jira in seeded("server"):
        yield jira


@pytest.fixture(params=["cloud", "server"])
async def emulator(request: pytest.FixtureRequest) -> AsyncIterator[JiraEmulator]:
    async for jira in seeded(request.param):
        yield jira


async def search(jira: JiraEmulator, path: str, **params: str) -> dict[str, Any]:
    token = base64.b64encode(f"{DEFAULT_EMAIL}:{DEFAULT_TOKEN}".encode()).decode()
    headers = {"Authorization": f"Basic {token}"}
    query = {"jql": "project = KAN ORDER BY key ASC", **params}
    url = f"{jira.url}/rest/api/2{path}"
    async with (
        aiohttp.ClientSession(headers=headers) as http,
        http.get(url, params=query) as resp,
    ):
        assert resp.status == 200, await resp.text()
        body: dict[str, Any] = await resp.json()
        return body


def keys(body: dict[str, Any]) -> list[str]:
    return [issue["key"] for issue in body["issues"]]


async def test_cloud_caps_pages_with_fields_at_100(cloud: JiraEmulator) -> None:
    first = await search(cloud, "/search/jql", maxResults="500", fields="summary,issuetype")
    assert len(first["issues"]) == 100 and first["isLast"] is False and "total" not in first
    assert first["issues"][0]["fields"]["issuetype"]["name"] == "Bug"
    rest = await search(
        cloud,
        "/search/jql",
        nextPageToken=first["nextPageToken"],
        maxResults="500",
        fields="summary",
    )
    assert keys(rest)[0] == "KAN-101" and rest["isLast"] is True and "nextPageToken" not in rest
    ids = await search(cloud, "/search/jql", maxResults="500", fields="id")
    assert len(ids["issues"]) == 130 and ids["isLast"] is True
    assert len((await search(cloud, "/search/jql", fields="summary"))["issues"]) == 50


async def test_server_reports_start_at_capped_max_results_and_total(
    server: JiraEmulator,
) -> None:
    everything = await search(server, "/search", maxResults="5000", fields="summary")
    assert (everything["startAt"], everything["maxResults"], everything["total"]) == (0, 1000, 130)
    assert len(everything["issues"]) == 130
    tail = await search(server, "/search", startAt="120", maxResults="50")
    assert (tail["startAt"], tail["total"], keys(tail)[0], len(tail["issues"])) == (
        120,
        130,
        "KAN-121",
        10,
    )


async def test_a_test_can_lower_the_cap(emulator: JiraEmulator) -> None:
    emulator.search_page_cap = 50
    path = "/search/jql" if emulator.flavour == "cloud" else "/search"
    body = await search(emulator, path, maxResults="100", fields="summary")
    assert len(body["issues"]) == 50
    if emulator.flavour == "server":
        assert (body["maxResults"], body["total"]) == (50, 130)
    else:
        assert body["nextPageToken"] == "50"


async def test_add_issue_needs_a_known_type() -> None:
    jira = JiraEmulator(issue_types=("Task",))
    with pytest.raises(KeyError):
        jira.add_issue("x", issue_type="Epic")
    assert jira.add_issue("x", description="body") == "KAN-1"
    assert jira.issues["KAN-1"]["description"] == "body"
