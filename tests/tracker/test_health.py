"""check_tracker: the Jira lines of ``ticketbot doctor``."""

from __future__ import annotations

from typing import Any

from bot.health import Check
from bot.settings import JiraSettings, Settings
from bot.tracker.health import check_tracker
from emulators.jira import JiraEmulator


def settings_for(jira: JiraEmulator, **overrides: Any) -> Settings:
    return Settings(jira=JiraSettings(**jira.settings_kwargs(**overrides)))


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in checks}


async def test_all_good_with_warning_for_missing_type(jira: JiraEmulator) -> None:
    checks = by_name(await check_tracker(settings_for(jira)))
    assert checks["Jira reachable"].ok and "Cloud 1001.0.0" in checks["Jira reachable"].detail
    assert checks["Jira credentials"].ok and "ticketbot" in checks["Jira credentials"].detail
    assert checks["Jira project"].ok and "Story" in checks["Jira project"].detail
    assert checks["Jira default issue type"].ok
    assert checks["Jira issue type for Bug"] == Check("Jira issue type for Bug", True, "Bug")
    incident = checks["Jira issue type for Incident"]
    assert incident.ok and incident.warning
    assert "'Incident' is not in KAN; 'Task' will be used" in incident.detail
    assert all(check.ok for check in checks.values())


async def test_missing_settings(jira: JiraEmulator) -> None:
    checks = await check_tracker(Settings())
    assert len(checks) == 1 and not checks[0].ok
    assert "JIRA_BASE_URL" in checks[0].detail


async def test_the_example_site_is_never_called(jira: JiraEmulator) -> None:
    settings = settings_for(jira, base_url="https://your-team.atlassian.net")
    checks = await check_tracker(settings)
    assert len(checks) == 1 and not checks[0].ok
    assert "JIRA_BASE_URL (still the example site)" in checks[0].detail


async def test_bad_credentials(jira: JiraEmulator) -> None:
    checks = by_name(await check_tracker(settings_for(jira, api_token="wrong")))
    assert checks["Jira reachable"].ok
    assert not checks["Jira credentials"].ok
    assert "JIRA_API_TOKEN" in checks["Jira credentials"].detail
    assert "Jira project" not in checks


async def test_unreachable() -> None:
    async with JiraEmulator() as jira:
        settings = settings_for(jira)
    checks = await check_tracker(settings)
    assert [c.name for c in checks] == ["Jira reachable"] and not checks[0].ok


async def test_unknown_project(jira: JiraEmulator) -> None:
    checks = by_name(await check_tracker(settings_for(jira, project_key="NOPE")))
    assert not checks["Jira project"].ok
    assert "NOPE not found" in checks["Jira project"].detail
    assert "JIRA_PROJECT_KEY" in checks["Jira project"].detail


async def test_missing_default_type_fails(jira: JiraEmulator) -> None:
    checks = by_name(await check_tracker(settings_for(jira, default_issue_type="Chore")))
    assert not checks["Jira default issue type"].ok
    assert not checks["Jira issue type for Incident"].ok
    assert checks["Jira issue type for Bug"].ok
