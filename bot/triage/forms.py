"""The extra fields of the `/ticket` form: what the channel's project requires that ticketbot
cannot fill itself (custom selects, components, priority …), with the values Jira allows.

The form must open within Slack's 3 s for a trigger id, so the create metadata is waited for
only ``timeout_s``; a slow Jira opens the form without the extra fields (the configured
defaults then apply, or the fallback to the default type), while the lookup goes on in the
background and fills the cache for the next form.
"""

from __future__ import annotations

import asyncio
import logging

from bot.errors import TicketbotError
from bot.tracker.screens import FormField
from bot.triage.ports import FieldCatalog
from bot.triage.routing import Router

log = logging.getLogger(__name__)


class FormFields:
    def __init__(self, router: Router, catalog: FieldCatalog, *, timeout_s: float = 1.5) -> None:
        self._router = router
        self._catalog = catalog
        self._timeout_s = timeout_s
        self._pending: set[asyncio.Task[list[FormField]]] = set()

    async def for_channel(self, channel_id: str) -> list[FormField]:
        """The fields to add to a form opened in ``channel_id`` (empty when unknown)."""
        task = asyncio.create_task(self._lookup(channel_id), name=f"form-fields-{channel_id}")
        self._pending.add(task)
        task.add_done_callback(self._done)
        try:
            return await asyncio.wait_for(asyncio.shield(task), self._timeout_s)
        except TimeoutError:
            log.warning("form in %s: Jira's create metadata is slow; opened without it", channel_id)
        except TicketbotError as exc:
            log.warning("form in %s: no required fields shown (%s)", channel_id, exc)
        return []

    async def _lookup(self, channel_id: str) -> list[FormField]:
        route = await self._router.for_channel(channel_id)
        types = list(dict.fromkeys(route.issue_types.values()))
        return await self._catalog.form_fields(
            route.project_key, types, route.default_issue_type, route.field_defaults
        )

    def _done(self, task: asyncio.Task[list[FormField]]) -> None:
        self._pending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.debug("form fields lookup failed: %s", task.exception())
