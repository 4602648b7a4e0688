"""Paged search with each issue's text (Tracker.iter_issues / search_issues_page).

Through the real ``jira`` package against the emulator: Cloud pages ``/search/jql`` by
``nextPageToken``, Server pages ``/search`` by ``startAt``/``total``, and the server's page
cap (``search_page_cap``) is smaller than what the client asks for.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.errors import TrackerConfigError, TrackerValidationError
from bot.settings import JiraSettings
from bot.tracker import Tracker
from bot.tracker.models import FoundIssue
from bot.tracker.search import cloud_page, found_issue, server_page
from emulators.jira import JiraEmulator, adf_from_text
from tests.tracker.conftest import FAST_RETRY, TrackerFactory

JQL = "project = KAN ORDER BY key ASC"


def seed(jira: JiraEmulator, count: int, **kw: Any) -> list[str]:
    return [jira.add_issue(f"Issue {n}", **kw) for n in range(1, count + 1)]


async def pages(tracker: Tracker, limit: int = 1000) -> list[list[FoundIssue]]:
    return [page async for page in tracker.iter_issues(JQL, limit=limit)]


@pytest.fixture
async def server_jira() -> AsyncIterator[JiraEmulator]:
    async with JiraEmulator(flavour="server") as emulator:
        yield emulator


@pytest.fixture
async def server_tracker(server_jira: JiraEmulator) -> AsyncIterator[Tracker]:
    tracker = Tracker(JiraSettings(**server_jira.settings_kwargs()), workers=1, retry=FAST_RETRY)
    yield tracker
    await tracker.aclose()


async def test_cloud_pages_by_token_past_the_server_cap(
    tracker: Tracker, jira: JiraEmulator
) -> None:
    jira.search_page_cap = 50
    keys = seed(jira, 130)
    found = await pages(tracker)
    assert [len(page) for page in found] == [50, 50, 30]
    assert [issue.key for page in found for issue in page] == keys
    searches = jira.calls("GET", "/search/jql")
    assert [r.query.get("nextPageToken") for r in searches] == [None, ["50"], ["100"]]
    assert {r.query["maxResults"][0] for r in searches} == {"100"}
    assert set(searches[0].query["fields"]) == {"summary", "issuetype", "description", "labels"}
    assert jira.calls("GET", "/issue/") == []  # no request per issue


async def test_server_pages_by_start_at_and_total(
    server_tracker: Tracker, server_jira: JiraEmulator
) -> None:
    server_jira.search_page_cap = 50
    keys = seed(server_jira, 130)
    found = await pages(server_tracker)
    assert [issue.key for page in found for issue in page] == keys
    searches = server_jira.calls("GET", "/search")
    assert [r.query["startAt"] for r in searches] == [["0"], ["50"], ["100"]]
    assert server_jira.calls("GET", "/search/jql") == []


async def test_limit_stops_paging_and_asks_only_for_what_is_left(
    tracker: Tracker, jira: JiraEmulator
) -> None:
    jira.search_page_cap = 50
    seed(jira, 130)
    found = await pages(tracker, limit=75)
    assert [len(page) for page in found] == [50, 25]
    assert [r.query["maxResults"] for r in jira.calls("GET", "/search/jql")] == [["75"], ["25"]]


async def test_one_page_at_a_time(tracker: Tracker, jira: JiraEmulator) -> None:
    seed(jira, 5)
    first = await tracker.search_issues_page(JQL, size=3)
    assert [i.key for i in first.issues] == ["KAN-1", "KAN-2", "KAN-3"]
    assert first.next_page is not None
    last = await tracker.search_issues_page(JQL, page=first.next_page, size=3)
    assert [i.key for i in last.issues] == ["KAN-4", "KAN-5"] and last.next_page is None
    assert (await tracker.search_issues_page("project = KAN AND labels = none")).issues == []


async def test_no_match_yields_no_page(server_tracker: Tracker, server_jira: JiraEmulator) -> None:
    assert [p async for p in server_tracker.iter_issues("labels = nothing", limit=10)] == []


async def test_v2_description_is_the_plain_string(tracker: Tracker, jira: JiraEmulator) -> None:
    jira.add_issue("Printer jams", issue_type="Bug", description="Tray 2.\r\nEvery morning.")
    jira.add_issue("No body", issue_type="Story")
    found = (await pages(tracker))[0]
    assert found == [
        FoundIssue("KAN-1", "Bug", "Printer jams", "Tray 2.\nEvery morning."),
        FoundIssue("KAN-2", "Story", "No body", ""),
    ]


async def test_v3_description_adf_becomes_text(
    make_tracker: TrackerFactory, jira: JiraEmulator
) -> None:
    adf = {
        "type": "doc",
        "version": 1,
        "content": [
            {
                "type": "paragraph",
                "content": [{"type": "text", "text": "Tray 2 "}, {"type": "text", "text": "jams."}],
            },
            {
                "type": "bulletList",
                "content": [
                    {
                        "type": "listItem",
                        "content": [
                            {
                                "type": "paragraph",
                                "content": [{"type": "text", "text": "every morning"}],
                            }
                        ],
                    }
                ],
            },
        ],
    }
    jira.add_issue("Printer jams", issue_type="Bug", description=adf)
    jira.add_issue("Plain on v2", description="one\ntwo")  # served as ADF on v3
    tracker = await make_tracker(api_version=3)
    found = (await pages(tracker))[0]
    assert [i.description for i in found] == ["Tray 2 jams.\nevery morning", "one\ntwo"]
    assert all(r.api_version == "3" for r in jira.calls("GET", "/search/jql"))


async def test_bad_jql_is_a_validation_error(tracker: Tracker) -> None:
    with pytest.raises(TrackerValidationError):
        await tracker.search_issues_page("project = KAN OR")
    with pytest.raises(TrackerValidationError):
        await tracker.search_issues_page("ORDER BY key")  # unbounded on Cloud


async def test_transient_failures_are_retried(tracker: Tracker, jira: JiraEmulator) -> None:
    seed(jira, 3)
    jira.fail(503, times=2, method="GET", path="/search/jql")
    assert len((await pages(tracker))[0]) == 3
    assert [r.status for r in jira.calls("GET", "/search/jql")] == [503, 503, 200]


async def test_bad_credentials_are_config_errors(make_tracker: TrackerFactory) -> None:
    tracker = await make_tracker(api_token="wrong")
    with pytest.raises(TrackerConfigError):
        await pages(tracker)


# ---- pure page reading -------------------------------------------------------------------


def raw(key: str | None, **fields: Any) -> dict[str, Any]:
    return {"key": key, "fields": fields} if key else {"fields": fields}


def test_cloud_page_ends_without_token_or_with_is_last() -> None:
    issue = raw("KAN-1", summary="a")
    assert cloud_page({"issues": [issue], "nextPageToken": "t"}).next_page == "t"
    assert cloud_page({"issues": [issue]}).next_page is None
    assert cloud_page({"issues": [issue], "nextPageToken": "t", "isLast": True}).next_page is None
    assert cloud_page({"issues": [], "nextPageToken": "t"}).next_page is None
    assert cloud_page(None).issues == []


def test_server_page_follows_what_was_returned_not_what_was_asked() -> None:
    two = [raw("KAN-1"), raw("KAN-2")]
    assert (
        server_page({"startAt": 10, "maxResults": 50, "total": 30, "issues": two}, 10).next_page
        == "12"
    )
    assert server_page({"startAt": 28, "total": 30, "issues": two}, 28).next_page is None
    assert server_page({"issues": two}, 4).next_page == "6"  # no total: go on until empty
    assert server_page({"issues": [], "total": 99}, 4).next_page is None
    assert server_page({"issues": two, "isLast": True}, 0).next_page is None


def test_found_issue_tolerates_missing_fields() -> None:
    assert found_issue(raw(None, summary="x")) is None
    assert found_issue({"key": "KAN-9"}) == FoundIssue("KAN-9", None, "", "")
    messy = raw("KAN-3", summary="  two\n lines ", issuetype={"id": "1"}, description=None)
    assert found_issue(messy) == FoundIssue("KAN-3", None, "two lines", "")
    adf = adf_from_text("a\nb")
    assert found_issue(raw("KAN-4", issuetype={"name": "Bug"}, description=adf)) == FoundIssue(
        "KAN-4", "Bug", "", "a\nb"
    )
