"""The Jira emulator's projects and create metadata, over plain HTTP: several projects, their
own issue types, createmeta v2 and v3 paged, required fields enforced with Jira's 400."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from emulators.jira import DEFAULT_EMAIL, DEFAULT_TOKEN, JiraEmulator
from tests.emulators.test_jira_emulator import basic, call

TEAM = "customfield_10010"


@pytest.fixture
async def ops() -> AsyncIterator[JiraEmulator]:
    async with JiraEmulator() as jira:
        jira.add_project("OPS", "Operations", issue_types=("Task", "Incident"),
                         components=("Backend",))
        jira.require_field("OPS", "Incident", TEAM, "Team", allowed=("Platform", "Mobile"))
        jira.require_field("OPS", "Incident", "components")
        yield jira


@pytest.fixture
async def http(ops: JiraEmulator) -> AsyncIterator[aiohttp.ClientSession]:
    headers = basic(DEFAULT_EMAIL, DEFAULT_TOKEN)
    async with aiohttp.ClientSession(base_url=ops.url, headers=headers) as session:
        yield session


def create(**fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "project": {"key": "OPS"},
        "issuetype": {"name": "Incident"},
        "summary": "Checkout is down",
    }
    values.update(fields)
    return {"fields": values}


@pytest.mark.parametrize("version", [2, 3])
async def test_createmeta_lists_each_projects_own_types_paged(
    http: aiohttp.ClientSession, version: int
) -> None:
    status, body = await call(http, "GET", "/issue/createmeta/OPS/issuetypes", v=version)
    assert status == 200
    assert [t["name"] for t in body["values"]] == ["Task", "Incident"]
    assert (body["startAt"], body["total"], body["isLast"]) == (0, 2, True)
    status, body = await call(
        http, "GET", "/issue/createmeta/KAN/issuetypes?startAt=1&maxResults=2", v=version
    )
    assert [t["name"] for t in body["values"]] == ["Bug", "Story"]
    assert (body["startAt"], body["maxResults"], body["isLast"]) == (1, 2, False)
    status, body = await call(http, "GET", "/issue/createmeta/NOPE/issuetypes", v=version)
    assert status == 404


async def test_createmeta_fields_show_required_selects_with_allowed_values(
    http: aiohttp.ClientSession, ops: JiraEmulator
) -> None:
    incident = ops._type_id("Incident")
    status, body = await call(http, "GET", f"/issue/createmeta/OPS/issuetypes/{incident}")
    assert status == 200
    by_id = {f["fieldId"]: f for f in body["values"]}
    team = by_id[TEAM]
    assert team["required"] is True and team["name"] == "Team"
    assert team["schema"]["type"] == "option"
    assert [v["value"] for v in team["allowedValues"]] == ["Platform", "Mobile"]
    assert by_id["components"]["required"] is True
    assert [v["name"] for v in by_id["components"]["allowedValues"]] == ["Backend"]
    assert by_id["summary"]["required"] and not by_id["description"]["required"]
    task = ops._type_id("Task")
    status, body = await call(http, "GET", f"/issue/createmeta/OPS/issuetypes/{task}")
    assert TEAM not in {f["fieldId"] for f in body["values"]}


async def test_create_without_required_fields_gets_jiras_400(http: aiohttp.ClientSession) -> None:
    status, body = await call(http, "POST", "/issue", json=create())
    assert status == 400
    assert body == {
        "errorMessages": [],
        "errors": {TEAM: "Team is required.", "components": "Component/s is required."},
    }


async def test_values_not_allowed_are_refused(http: aiohttp.ClientSession) -> None:
    status, body = await call(
        http, "POST", "/issue",
        json=create(**{TEAM: {"value": "Finance"}, "components": [{"name": "Frontend"}]}),
    )
    assert status == 400
    assert body["errors"] == {
        TEAM: "Option value 'Finance' is not valid",
        "components": "Component name 'Frontend' is not valid",
    }


async def test_a_complete_create_lands_in_its_project(
    http: aiohttp.ClientSession, ops: JiraEmulator
) -> None:
    status, body = await call(
        http, "POST", "/issue",
        json=create(**{TEAM: {"value": "Mobile"}, "components": [{"name": "Backend"}]}),
    )
    assert status == 201 and body["key"].startswith("OPS-")
    stored = ops.issues[body["key"]]
    assert (stored["project"], stored["custom"], stored["components"]) == (
        "OPS", {TEAM: "Mobile"}, ["Backend"],
    )
    status, issue = await call(http, "GET", f"/issue/{body['key']}?fields=project")
    assert issue["fields"]["project"]["key"] == "OPS"


async def test_a_type_of_another_project_and_an_unscreened_field_are_refused(
    http: aiohttp.ClientSession,
) -> None:
    status, body = await call(
        http, "POST", "/issue", json=create(project={"key": "KAN"}, issuetype={"name": "Incident"})
    )
    assert status == 400 and "issuetype" in body["errors"]
    status, body = await call(
        http, "POST", "/issue",
        json=create(issuetype={"name": "Task"}, **{TEAM: {"value": "Mobile"}}),
    )
    assert status == 400 and "cannot be set" in body["errors"][TEAM]


async def test_projects_can_be_configured_from_a_plain_description() -> None:
    async with JiraEmulator() as jira:
        jira.configure_projects(
            {
                "SUP": {
                    "name": "Support",
                    "issue_types": ["Task", "Question"],
                    "fields": {"Question": [{"id": TEAM, "name": "Team", "allowed": ["L1"]},
                                            {"id": "priority", "required": False}]},
                },
                "KAN": {"fields": {"Bug": [{"id": "priority"}]}},
            }
        )
        assert jira.projects["SUP"].issue_types == ["Task", "Question"]
        assert jira.screen(jira.projects["SUP"], "Question")[TEAM].allowed == ("L1",)
        assert jira.screen(jira.projects["KAN"], "Bug")["priority"].required
