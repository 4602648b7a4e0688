"""How each person wants to hear about their tickets' Jira changes (``notify_prefs``, 0011)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.db.models import NotifyPref, utcnow
from bot.db.store import Store

THREAD, DM = "thread", "dm"
MODES = (THREAD, DM)


class NotifyPrefs(Store):
    async def modes(self, user_ids: Collection[str]) -> dict[str, str]:
        """The chosen mode of each of ``user_ids`` that chose one (``thread`` otherwise)."""
        if not user_ids:
            return {}
        statement = select(NotifyPref).where(NotifyPref.user_id.in_(list(user_ids)))
        async with self._read("read notification preferences") as session:
            return {p.user_id: p.mode for p in (await session.execute(statement)).scalars()}

    async def choose(self, user_id: str, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"not a notification mode: {mode!r}")
        async with self._write("save a notification preference") as session:
            dialect = session.get_bind().dialect.name
            insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
            values = {"user_id": user_id, "mode": mode, "updated_at": utcnow()}
            await session.execute(
                insert(NotifyPref)
                .values(**values)
                .on_conflict_do_update(
                    index_elements=[NotifyPref.user_id],
                    set_={"mode": mode, "updated_at": values["updated_at"]},
                )
            )
