"""`ticketbot learn --jql`: paged history import through the real `jira` client and emulator.

The emulator's page cap (50) is below what the tracker asks for (100), so every import here
crosses pages; issues come with their text from the search (no request per issue).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import session_factory
from bot.db.examples import ExampleStore
from bot.learn.importer import MAX_TEXT, describe, import_jira, issue_text
from bot.settings import JiraSettings
from bot.tracker import JiraRetry, Tracker
from bot.tracker.models import FoundIssue
from emulators.jira import JiraEmulator

TYPES = JiraSettings().issue_types  # Task, Bug, Incident, Story (Feature Request); no Epic
JQL = "project = KAN ORDER BY key ASC"
FAST = JiraRetry(max_attempts=3, backoff_base_s=0.01, backoff_max_s=0.05)


@pytest.fixture(params=["cloud", "server"])
async def jira(request: pytest.FixtureRequest) -> AsyncIterator[JiraEmulator]:
    async with JiraEmulator(flavour=request.param) as emulator:
        emulator.search_page_cap = 50
        yield emulator


async def tracker_for(jira: JiraEmulator, **settings: Any) -> Tracker:
    return Tracker(JiraSettings(**jira.settings_kwargs(**settings)), workers=1, retry=FAST)


@pytest.fixture
async def tracker(jira: JiraEmulator) -> AsyncIterator[Tracker]:
    tracker = await tracker_for(jira)
    yield tracker
    await tracker.aclose()


@pytest.fixture
def store(engine: AsyncEngine) -> ExampleStore:
    return ExampleStore(session_factory(engine))


def searches(jira: JiraEmulator) -> int:
    return len(jira.calls("GET", "/search/jql" if jira.flavour == "cloud" else "/search"))


async def test_every_page_is_imported_once_and_again_adds_nothing(
    jira: JiraEmulator, tracker: Tracker, store: ExampleStore
) -> None:
    for n in range(130):
        jira.add_issue(f"Issue {n}", issue_type=("Bug", "Task", "Story")[n % 3])
    first = await import_jira(store, tracker, JQL, TYPES)
    assert (first.read, first.added, first.already_known, sum(first.skipped.values())) == (
        130,
        130,
        0,
        0,
    )
    assert searches(jira) == 3 and jira.calls("GET", "/issue/") == []
    second = await import_jira(store, tracker, JQL, TYPES)
    assert (second.read, second.added, second.already_known) == (130, 0, 130)
    stored = await store.since(0)
    assert len(stored) == 130 and len({e.source_key for e in stored}) == 130
    assert {e.source_key for e in stored} == {f"jira:KAN-{n}" for n in range(1, 131)}
    assert {e.label for e in stored} == {"Bug", "Task", "Feature Request"}
    assert describe(second, "jira") == ["jira: 130 read, 0 added, 130 already known"]


async def test_progress_is_reported_after_every_page(
    jira: JiraEmulator, tracker: Tracker, store: ExampleStore
) -> None:
    for n in range(130):
        jira.add_issue(f"Issue {n}")
    seen: list[tuple[int, int]] = []
    await import_jira(store, tracker, JQL, TYPES,
                      progress=lambda report: seen.append((report.read, report.added)))
    assert seen == [(50, 50), (100, 100), (130, 130)]


def test_learn_progress_goes_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli.learn import _progress
    from bot.learn.importer import ImportReport

    _progress(1000)(ImportReport(read=100, added=90))
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "jira: 100 issues read (at most 1000), 90 new examples so far\n"


async def test_max_issues_is_respected(
    jira: JiraEmulator, tracker: Tracker, store: ExampleStore
) -> None:
    for n in range(130):
        jira.add_issue(f"Issue {n}")
    report = await import_jira(store, tracker, JQL, TYPES, 75)
    assert (report.read, report.added, await store.count()) == (75, 75, 75)
    assert searches(jira) == 2
    rest = await import_jira(store, tracker, JQL, TYPES, limit=1000)
    assert (rest.read, rest.added, await store.count()) == (130, 55, 130)


async def test_unmapped_types_are_skipped_and_counted(
    jira: JiraEmulator, tracker: Tracker, store: ExampleStore
) -> None:
    for n in range(60):
        jira.add_issue(f"Epic {n}", issue_type="Epic")
    jira.add_issue("Crash on save", issue_type="Bug")
    report = await import_jira(store, tracker, JQL, TYPES)
    assert (report.read, report.added, dict(report.skipped)) == (61, 1, {"Epic": 60})
    assert describe(report, "jira 'q'") == [
        "jira 'q': 61 read, 1 added, 0 already known",
        "skipped (filed by the bot, or no label for the issue type): 60 (Epic 60)",
    ]
    again = await import_jira(store, tracker, JQL, TYPES)
    assert (again.added, again.already_known, dict(again.skipped)) == (0, 1, {"Epic": 60})


async def test_issues_filed_by_the_bot_are_not_imported(
    jira: JiraEmulator, tracker: Tracker, store: ExampleStore
) -> None:
    jira.add_issue(
        "Rejected ticket", issue_type="Bug", labels=["ticketbot", "ticketbot-ab12cd34ef-3"]
    )
    jira.add_issue("Old bot ticket", issue_type="Task", labels=["ticketbot-7"])
    jira.add_issue("Filed by a person", issue_type="Bug", labels=["ticketbot"])
    report = await import_jira(store, tracker, JQL, TYPES)
    assert (report.read, report.added, dict(report.skipped)) == (3, 1, {"filed by ticketbot": 2})
    assert [e.text for e in await store.since(0)] == ["Filed by a person"]


@pytest.mark.parametrize("api_version", [2, 3])
async def test_text_is_summary_then_description(
    jira: JiraEmulator, store: ExampleStore, api_version: int
) -> None:
    adf = {
        "type": "doc",
        "version": 1,
        "content": [
            {
                "type": "paragraph",
                "content": [{"type": "text", "text": "Tray 2 "}, {"type": "text", "text": "jams."}],
            },
            {"type": "paragraph", "content": [{"type": "text", "text": "Every morning."}]},
        ],
    }
    jira.add_issue("Printer jams", issue_type="Bug", description=adf)
    jira.add_issue("VPN drops", issue_type="Story", description="Every hour.\r\nSince Monday.")
    jira.add_issue("Rotate keys", description=None)
    jira.add_issue("Long one", description="x" * 5000)
    tracker = await tracker_for(jira, api_version=api_version)
    try:
        assert (await import_jira(store, tracker, JQL, TYPES)).added == 4
    finally:
        await tracker.aclose()
    texts = [e.text for e in await store.since(0)]
    assert texts[:3] == [
        "Printer jams\nTray 2 jams.\nEvery morning.",
        "VPN drops\nEvery hour.\nSince Monday.",
        "Rotate keys",
    ]
    assert texts[3] == ("Long one\n" + "x" * 5000)[:MAX_TEXT] and len(texts[3]) == 2000
    versions = {r.api_version for r in jira.requests if "/search" in r.path}
    assert versions == {str(api_version)}


def test_issue_text_shape() -> None:
    assert issue_text(FoundIssue("K-1", "Bug", "Title", "")) == "Title"
    assert issue_text(FoundIssue("K-1", "Bug", "Title", "Body\nmore")) == "Title\nBody\nmore"
    assert issue_text(FoundIssue("K-1", "Bug", "T" * 2500, "Body")) == "T" * MAX_TEXT
