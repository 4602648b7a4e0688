"""Which issue type a label becomes, given what the project really has (fetched once, cached)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.errors import TrackerConfigError
from bot.labels import Label
from bot.settings import JiraSettings

log = logging.getLogger(__name__)


class IssueTypeResolver:
    """Label -> the project's issue type name, falling back to ``default_issue_type``."""

    def __init__(self, settings: JiraSettings, fetch: Callable[[], Awaitable[list[str]]]) -> None:
        self._settings = settings
        self._fetch = fetch
        self._names: dict[str, str] | None = None

    async def names(self) -> list[str]:
        """The project's issue type names, as Jira spells them."""
        if self._names is None:
            self._names = {name.casefold(): name for name in await self._fetch()}
        return list(self._names.values())

    def forget(self) -> None:
        """Drop the cache (after Jira rejected an issue type, the project may have changed)."""
        self._names = None

    async def for_label(self, label: Label, *, ticket_id: int | None = None) -> str:
        await self.names()
        assert self._names is not None
        wanted = self._settings.issue_types.get(label, self._settings.default_issue_type)
        found = self._names.get(wanted.casefold())
        if found:
            return found
        default = self._names.get(self._settings.default_issue_type.casefold())
        project = self._settings.project_key
        if default is None:
            raise TrackerConfigError(
                f"Jira project {project} has neither issue type {wanted!r} nor the default "
                f"{self._settings.default_issue_type!r}: fix jira.issue_types in config.yml"
            )
        log.warning(
            "ticket %s: project %s has no issue type %r for label %s; using default %r",
            ticket_id,
            project,
            wanted,
            label,
            default,
        )
        return default
