"""`ticketbot doctor` for routes and required fields, against the Jira emulator: every routed
project and mapped type, defaults not allowed, unknown channel names."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.cli.doctor_routes import check_routes
from bot.health import Check
from bot.settings import Settings
from emulators.jira import JiraEmulator

TEAM = "customfield_10010"


@pytest.fixture
async def jira() -> AsyncIterator[JiraEmulator]:
    async with JiraEmulator(issue_types=("Task", "Bug", "Story")) as emulator:
        emulator.add_project("OPS", issue_types=("Task", "Incident"), components=("Backend",))
        emulator.require_field("OPS", "Incident", TEAM, "Team", allowed=("Platform", "Mobile"))
        yield emulator


def settings(jira: JiraEmulator, routing: dict[str, Any]) -> Settings:
    return Settings.model_validate({"jira": jira.settings_kwargs(), "routing": routing})


def rows(checks: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in checks}


async def names() -> dict[str, str]:
    return {"support": "C0SUP"}


async def test_a_route_whose_fields_can_be_filled_passes(jira: JiraEmulator) -> None:
    routing = {
        "channels": {"C0OPS": {"project_key": "OPS", "issue_types": {"Incident": "Incident"},
                               "components": ["Backend"]}},
        "field_defaults": {"Team": "Mobile"},
    }
    found = rows(await check_routes(settings(jira, routing), names=names))
    route = found["Route C0OPS -> OPS"]
    assert route.ok and route.warning  # Bug and Story are not in OPS: they fall back
    assert "has no issue type 'Bug' (falls back to the default)" in route.detail
    assert found["Jira fields in KAN"].ok and not found["Jira fields in KAN"].warning


async def test_an_unsatisfiable_type_and_a_default_not_allowed_are_errors(
    jira: JiraEmulator,
) -> None:
    routing = {
        "channels": {
            "C0OPS": {"project_key": "OPS", "issue_types": {"Incident": "Incident"}},
            "#support": {"project_key": "OPS", "issue_types": {"Incident": "Incident"},
                         "field_defaults": {TEAM: "Finance"}, "components": ["Frontend"]},
        }
    }
    found = rows(await check_routes(settings(jira, routing), names=names))
    plain = found["Route C0OPS -> OPS"]
    assert not plain.ok and "Incident: Team is required and has no value" in plain.detail
    named = found["Route #support -> OPS"]
    assert not named.ok
    assert "value 'Finance' is not one of: Platform, Mobile" in named.detail
    assert "value 'Frontend' is not one of: Backend" in named.detail
    assert found["Routed channel #support"].ok


async def test_unknown_projects_and_channel_names_are_errors(jira: JiraEmulator) -> None:
    routing = {"channels": {"#helpdesk": {"project_key": "NOPE"}}}
    found = rows(await check_routes(settings(jira, routing), names=names))
    assert not found["Routed channel #helpdesk"].ok
    assert "no such channel" in found["Routed channel #helpdesk"].detail
    route = found["Route #helpdesk -> NOPE"]
    assert not route.ok and "NOPE not found or not visible" in route.detail


async def test_nothing_to_check_without_jira_settings() -> None:
    assert await check_routes(Settings()) == []
