"""Which installation this ticket log belongs to (``installation`` table, migration 0004)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot.db.models import Installation
from bot.db.store import Store
from bot.errors import StorageError


@dataclass(frozen=True, slots=True)
class InstallationIdentity:
    """``id`` goes into every Jira label and Slack post of this log's tickets.

    Tickets numbered below ``legacy_labels_below`` were filed before the id existed and are
    also found by their old ``ticketbot-<ticket id>`` label.
    """

    id: str
    legacy_labels_below: int = 0

    def uses_legacy_label(self, ticket_id: int) -> bool:
        return ticket_id < self.legacy_labels_below


class InstallationStore(Store):
    async def identity(self) -> InstallationIdentity:
        async with self._read("read the installation id") as session:
            row = (await session.execute(select(Installation))).scalar_one_or_none()
        if row is None:
            raise StorageError("the ticket log has no installation id: run ticketbot db upgrade")
        return InstallationIdentity(row.installation_id, row.legacy_labels_below)
