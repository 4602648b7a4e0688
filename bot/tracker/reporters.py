"""Find the Jira account of a Slack user by email, to set as the issue's reporter."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.errors import TrackerError, TrackerUnavailable

log = logging.getLogger(__name__)
UserSearch = Callable[[str], Awaitable[list[dict[str, Any]]]]


def pick_account(users: list[dict[str, Any]], email: str) -> dict[str, Any] | None:
    """The active user whose email matches; a lone active result when Cloud hides emails."""
    active = [user for user in users if user.get("active", True)]
    wanted = email.casefold()
    for user in active:
        if str(user.get("emailAddress") or "").casefold() == wanted:
            return user
    hidden = [user for user in active if not user.get("emailAddress")]
    return hidden[0] if len(active) == 1 and hidden else None


def reporter_field(user: dict[str, Any]) -> dict[str, str] | None:
    """``{"accountId": …}`` on Cloud, ``{"name": …}`` on Server / Data Center."""
    if user.get("accountId"):
        return {"accountId": str(user["accountId"])}
    if user.get("name"):
        return {"name": str(user["name"])}
    return None


class ReporterLookup:
    """Email -> reporter field, cached for found accounts; never fails a create."""

    def __init__(self, search: UserSearch) -> None:
        self._search = search
        self._found: dict[str, dict[str, str]] = {}

    async def reporter_for(self, email: str | None, *, ticket_id: int) -> dict[str, str] | None:
        if not email or "@" not in email:
            return None
        cached = self._found.get(email.casefold())
        if cached:
            return cached
        try:
            users = await self._search(email)
        except TrackerUnavailable:
            raise
        except TrackerError as exc:  # a refused user search must not stop the create
            log.warning(
                "ticket %s: jira user search failed (%s); keeping the service account",
                ticket_id,
                type(exc).__name__,
            )
            return None
        user = pick_account(users, email)
        field = reporter_field(user) if user else None
        if field is None:
            log.info("ticket %s: no Jira account for the requester's email", ticket_id)
            return None
        self._found[email.casefold()] = field
        return field
