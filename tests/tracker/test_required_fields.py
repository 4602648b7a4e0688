"""Routed creates against the Jira emulator's create metadata: another project, required
custom selects, priority and components, defaults by name or id, fallback with a note, and
Jira's 400 never reached."""

from __future__ import annotations

from typing import Any

import pytest

from bot.errors import TrackerConfigError
from bot.tracker import NewIssue, Tracker
from emulators.jira import JiraEmulator
from tests.tracker.conftest import new_issue

TEAM = "customfield_10010"


@pytest.fixture
def ops(jira: JiraEmulator) -> JiraEmulator:
    jira.add_project("OPS", issue_types=("Task", "Incident"), components=("Backend", "Web"))
    jira.require_field("OPS", "Incident", TEAM, "Team", allowed=("Platform", "Mobile"))
    jira.require_field("OPS", "Incident", "priority")
    return jira


def routed(ticket_id: int, **kw: Any) -> NewIssue:
    values: dict[str, Any] = {
        "label": "Incident",
        "project_key": "OPS",
        "issue_type": "Incident",
        "default_issue_type": "Task",
        "labels": ("ticketbot", "ops"),
    }
    values.update(kw)
    return new_issue(ticket_id, **values)


async def test_required_fields_take_the_defaults_by_name_or_id(
    tracker: Tracker, ops: JiraEmulator
) -> None:
    new = routed(1, field_values={"Team": "mobile", "priority": "High"}, components=("Web",))
    ref = await tracker.create_issue(new)
    assert ref.key == "OPS-1" and ref.issue_type == "Incident" and ref.note is None
    stored = ops.issues["OPS-1"]
    assert stored["project"] == "OPS"
    assert stored["custom"] == {TEAM: "Mobile"}
    assert stored["priority"] == "High"
    assert stored["components"] == ["Web"]
    assert {"ticketbot", "ops", "ticketbot-ab12cd34ef-1"} <= set(stored["labels"])
    body = next(c.body for c in ops.calls("POST", "/issue"))
    assert body["fields"][TEAM] == {"id": "10101"}  # Mobile, sent by id as Jira lists it
    found = await tracker.find_filed(new)
    assert found is not None and found.key == "OPS-1"
    assert 'project = "OPS"' in ops.calls("GET", "/search")[-1].query["jql"][0]


async def test_a_type_that_cannot_be_filled_falls_back_with_a_note(
    tracker: Tracker, ops: JiraEmulator
) -> None:
    ref = await tracker.create_issue(routed(2, field_values={"priority": "High"}))
    assert ref.issue_type == "Task"
    assert ref.note is not None and "Filed as Task, not Incident" in ref.note
    assert "Team is required and has no value" in ref.note
    assert ops.issues[ref.key]["issuetype"] == "Task"
    assert "Filed as Task, not Incident" in ops.issues[ref.key]["description"]
    assert all(c.status == 201 for c in ops.calls("POST", "/issue"))  # no 400 on the way


async def test_a_default_not_allowed_is_never_sent(tracker: Tracker, ops: JiraEmulator) -> None:
    new = routed(3, field_values={TEAM: "Finance", "priority": "High"})
    ref = await tracker.create_issue(new)
    assert ref.issue_type == "Task"
    assert "value 'Finance' is not one of: Platform, Mobile" in (ref.note or "")


async def test_a_project_without_the_type_or_the_default_is_a_config_error(
    tracker: Tracker, ops: JiraEmulator
) -> None:
    with pytest.raises(TrackerConfigError, match="neither issue type 'Outage' nor the default"):
        await tracker.create_issue(routed(4, issue_type="Outage", default_issue_type="Story"))
    assert not ops.calls("POST", "/issue")


async def test_nothing_fillable_at_all_is_a_config_error_naming_the_setting(
    tracker: Tracker, ops: JiraEmulator
) -> None:
    ops.require_field("OPS", "Task", TEAM, "Team", allowed=("Platform",))
    with pytest.raises(TrackerConfigError, match=r"routing\.field_defaults"):
        await tracker.create_issue(routed(5))
    assert not ops.calls("POST", "/issue")


async def test_a_field_made_required_after_caching_is_read_again(
    tracker: Tracker, ops: JiraEmulator
) -> None:
    values = {"Team": "Platform", "priority": "Low", "customfield_10020": "EU"}
    await tracker.create_issue(routed(6, field_values=values))
    ops.require_field("OPS", "Incident", "customfield_10020", "Region", allowed=("EU", "US"))
    ref = await tracker.create_issue(routed(7, field_values=values))
    assert ref.issue_type == "Incident"
    assert ops.issues[ref.key]["custom"]["customfield_10020"] == "EU"
    assert [c.status for c in ops.calls("POST", "/issue")] == [201, 400, 201]


async def test_createmeta_is_read_page_by_page(
    tracker: Tracker, jira: JiraEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.tracker.createmeta.PAGE", 2)
    for number in range(5):
        jira.require_field("KAN", "Bug", f"customfield_1{number:04d}", required=False)
    await tracker.create_issue(new_issue(8))
    pages = [c.query.get("startAt") for c in jira.calls("GET", "/issuetypes/10002")]
    assert pages == [["0"], ["2"], ["4"], ["6"], ["8"], ["10"], ["12"]]
