"""``ticketbot doctor`` checks for per-channel routing and required fields (issue 17).

For every route (``routing.channels``) and for the global settings: the project exists and
the bot's account sees it, it has the default issue type and the mapped ones (a missing
mapped type is a warning: tickets fall back to the default), and every required field of
those types can be filled from ``field_defaults`` and the route's components, with values
Jira allows (one that cannot is an error: tickets of that type fall back to the default type
with a note; if the default cannot be filled either, they fail). Routes named by channel
name are looked up in Slack, as the bot does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.errors import ChatError, TicketbotError, TrackerError
from bot.health import Check
from bot.settings import JiraSettings, Settings
from bot.settings_routing import channel_ref
from bot.slack.app import web_client
from bot.slack.channels import SlackChannels
from bot.tracker.client import Tracker
from bot.tracker.health import _missing_settings, _quick_tracker
from bot.tracker.screens import Wanted
from bot.triage.routing import Route, Router

TrackerFactory = Callable[[JiraSettings], Tracker]
Names = Callable[[], Awaitable[dict[str, str]]]


async def check_routes(
    settings: Settings, *, factory: TrackerFactory = _quick_tracker, names: Names | None = None
) -> list[Check]:
    if _missing_settings(settings.jira):
        return []  # the Jira checks already say what is missing
    rows = await _channel_names(settings, names)
    router = Router(settings, _NoDirectory())
    tracker = factory(settings.jira)
    try:
        for route in router.routes():
            rows.append(await _route_check(tracker, route))
    finally:
        await tracker.aclose()
    return rows


async def _route_check(tracker: Tracker, route: Route) -> Check:
    name = f"Route {route.channel} -> {route.project_key}" if route.routed else (
        f"Jira fields in {route.project_key}"
    )
    types = list(dict.fromkeys(route.issue_types.values()))
    wanted = Wanted(
        route.project_key, route.default_issue_type, route.default_issue_type,
        route.field_defaults, route.components,
    )
    try:
        problems = await tracker.create_problems(wanted, types)
    except TrackerError as err:
        detail = f"{route.project_key} not found or not visible" if err.status == 404 else str(err)
        return Check(name, False, detail)
    if not route.routed:  # the global types are the Jira checks' rows already
        problems = [p for p in problems if not p.startswith("has no")]
    errors = [p for p in problems if "falls back to the default" not in p]
    if errors:
        fix = "set routing.field_defaults (or the route's) to allowed values, or fix the types"
        return Check(name, False, "; ".join(errors) + f": {fix}")
    if problems:
        return Check(name, True, "; ".join(problems), warning=True)
    return Check(name, True, f"{', '.join(types)}: every required field can be filled")


async def _channel_names(settings: Settings, names: Names | None) -> list[Check]:
    wanted = [key for key in settings.routing.channels if channel_ref(key)[0] == "name"]
    if not wanted:
        return []
    if names is None:
        if settings.slack.bot_token is None:
            needed = "SLACK_BOT_TOKEN is needed to look them up"
            return [Check("Routed channel names", False, needed)]
        names = SlackChannels(web_client(settings.slack)).channel_ids
    try:
        found = await names()
    except (ChatError, TicketbotError) as err:
        return [Check("Routed channel names", False, f"cannot list channels: {err}")]
    rows = []
    for key in wanted:
        name = channel_ref(key)[1]
        if name in found:
            rows.append(Check(f"Routed channel #{name}", True, f"is {found[name]}"))
        else:
            rows.append(Check(
                f"Routed channel #{name}", False,
                "no such channel the bot can see (a typo, renamed, archived, or private "
                "without the bot): fix routing.channels, or invite the bot",
            ))
    return rows


class _NoDirectory:
    """Routes are listed, never resolved here (the names are checked above)."""

    async def channel_ids(self) -> dict[str, str]:
        return {}
