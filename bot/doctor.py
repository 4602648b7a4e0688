"""`ticketbot doctor`: run every check, print a pass/fail table, exit non-zero on any failure.

Each part of the bot contributes an async check function taking the Settings and returning
``Check`` rows; ``run_checks`` runs them in order and never lets one crash the table.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.db import migrate
from bot.db.engine import create_engine, redacted
from bot.errors import ConfigError, DatabaseBehind, StorageError
from bot.settings import Settings, require_for_run

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Check:
    """One line of the doctor table. ``warning`` marks a pass that an operator should read."""

    name: str
    ok: bool
    detail: str = ""
    warning: bool = False


CheckFunction = Callable[[Settings], Awaitable[list[Check]]]


async def check_settings(settings: Settings) -> list[Check]:
    try:
        require_for_run(settings)
    except ConfigError as exc:
        return [Check("settings", False, str(exc))]
    approvers = settings.approvals.approvers
    detail = (
        f"{len(approvers)} approver(s)" if approvers else "no APPROVERS: every decision is refused"
    )
    return [
        Check("settings", True, "all required settings present"),
        Check("approvers", True, detail, warning=not approvers),
    ]


async def check_database(settings: Settings) -> list[Check]:
    name, where = "database", redacted(settings.database.url)
    try:
        engine = create_engine(settings.database.url)
    except ConfigError as exc:
        return [Check(name, False, str(exc))]
    try:
        await migrate.ensure_current(engine)
        return [Check(name, True, f"{where} reachable, schema at {migrate.head_revision()}")]
    except DatabaseBehind as exc:
        return [Check(name, True, f"{exc} (the bot also migrates at start-up)", warning=True)]
    except StorageError as exc:
        return [Check(name, False, str(exc))]
    finally:
        await engine.dispose()


async def run_checks(settings: Settings, checks: Sequence[CheckFunction]) -> list[Check]:
    rows: list[Check] = []
    for check in checks:
        try:
            rows.extend(await check(settings))
        except Exception as exc:  # a broken check must not hide the others
            log.exception("doctor check %s crashed", getattr(check, "__name__", check))
            rows.append(Check(getattr(check, "__name__", "check"), False, f"crashed: {exc}"))
    return rows


def render_table(rows: Sequence[Check]) -> str:
    width = max((len(row.name) for row in rows), default=10)
    lines = []
    for row in rows:
        status = "FAIL" if not row.ok else ("WARN" if row.warning else "ok")
        lines.append(f"{status:<4}  {row.name:<{width}}  {row.detail}")
    return "\n".join(lines)
