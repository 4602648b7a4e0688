"""``ticketbot doctor`` checks for Jira: reachable, credentials, project, issue types."""

from __future__ import annotations

from collections.abc import Callable

from bot.errors import TicketbotError, TrackerConfigError, TrackerError
from bot.health import Check
from bot.labels import LABELS
from bot.settings import JiraSettings, Settings
from bot.tracker.client import Tracker
from bot.tracker.retry import JiraRetry
from bot.urls import is_example_jira_url

TrackerFactory = Callable[[JiraSettings], Tracker]


def _quick_tracker(settings: JiraSettings) -> Tracker:
    return Tracker(settings, workers=1, retry=JiraRetry(max_attempts=1))


async def check_tracker(
    settings: Settings, *, factory: TrackerFactory = _quick_tracker
) -> list[Check]:
    """Run the Jira checks in order; stop at the first one the rest depend on."""
    jira = settings.jira
    missing = _missing_settings(jira)
    if missing:
        return [Check("Jira settings", False, f"missing {', '.join(missing)}")]
    tracker = factory(jira)
    try:
        return await _run_checks(tracker, jira)
    finally:
        await tracker.aclose()


def _missing_settings(jira: JiraSettings) -> list[str]:
    missing = [
        name
        for name, value in (
            ("JIRA_BASE_URL", jira.base_url),
            ("JIRA_PROJECT_KEY", jira.project_key),
        )
        if not value
    ]
    if is_example_jira_url(jira.base_url):  # never send the credentials to someone's site
        missing.append("JIRA_BASE_URL (still the example site)")
    if jira.pat is None and not (jira.email and jira.api_token):
        missing.append("JIRA_EMAIL + JIRA_API_TOKEN (or JIRA_PAT)")
    return missing


async def _run_checks(tracker: Tracker, jira: JiraSettings) -> list[Check]:
    checks: list[Check] = []
    reach = await _reachable(tracker, jira)
    checks.append(reach)
    if not reach.ok:
        return checks
    creds = await _credentials(tracker)
    checks.append(creds)
    if not creds.ok:
        return checks
    project = await _project(tracker, jira)
    checks.append(project)
    if project.ok:
        checks.extend(_issue_type_checks(await tracker.issue_type_names(), jira))
    return checks


async def _reachable(tracker: Tracker, jira: JiraSettings) -> Check:
    try:
        info = await tracker.server_info()
    except TrackerConfigError as err:
        if err.status in (401, 403):  # it answered, so it is reachable; credentials fail next
            return Check("Jira reachable", True, f"{jira.base_url} answered {err.status}")
        return Check("Jira reachable", False, str(err))
    except TicketbotError as err:
        return Check("Jira reachable", False, f"{jira.base_url}: {err}")
    kind = info.get("deploymentType") or "Server"
    version = info.get("version") or "?"
    detail = f"{jira.base_url} ({kind} {version}, API v{jira.api_version})"
    return Check("Jira reachable", True, detail)


async def _credentials(tracker: Tracker) -> Check:
    try:
        me = await tracker.myself()
    except TrackerError as err:
        return Check("Jira credentials", False, str(err))
    who = me.get("displayName") or me.get("emailAddress") or me.get("accountId") or "?"
    return Check("Jira credentials", True, f"accepted for {who}")


async def _project(tracker: Tracker, jira: JiraSettings) -> Check:
    try:
        names = await tracker.issue_type_names()
    except TrackerError as err:
        detail = f"{jira.project_key} not found or not visible" if err.status == 404 else str(err)
        return Check("Jira project", False, f"{detail}: check JIRA_PROJECT_KEY")
    return Check("Jira project", True, f"{jira.project_key} has issue types: {', '.join(names)}")


def _issue_type_checks(names: list[str], jira: JiraSettings) -> list[Check]:
    have = {name.casefold() for name in names}
    default_ok = jira.default_issue_type.casefold() in have
    checks = [
        Check(
            "Jira default issue type",
            default_ok,
            jira.default_issue_type
            if default_ok
            else f"{jira.default_issue_type!r} is not in {jira.project_key}: "
            "set jira.default_issue_type in config.yml",
        )
    ]
    for label in LABELS:
        wanted = jira.issue_types.get(label, jira.default_issue_type)
        if wanted.casefold() in have:
            checks.append(Check(f"Jira issue type for {label}", True, wanted))
        elif default_ok:
            checks.append(
                Check(
                    f"Jira issue type for {label}",
                    True,
                    f"{wanted!r} is not in {jira.project_key}; "
                    f"{jira.default_issue_type!r} will be used",
                    warning=True,
                )
            )
        else:
            checks.append(
                Check(
                    f"Jira issue type for {label}",
                    False,
                    f"{wanted!r} is not in {jira.project_key} and there is no default",
                )
            )
    return checks
