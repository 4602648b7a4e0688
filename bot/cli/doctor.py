"""`ticketbot doctor`: run every part's checks, print a pass/fail table, exit 1 on any failure.

Each part of the bot exposes async check functions (``bot.health.CheckFunction``); ``CHECKS``
lists them in table order, and ``run_checks`` never lets one crash the table.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

import click

from bot.classify.health import check_backends
from bot.cli.doctor_routes import check_routes
from bot.cli.support import run_async, settings_or_exit
from bot.db.health import check_database
from bot.errors import ConfigError
from bot.health import Check, CheckFunction, privacy_check
from bot.learn.health import check_encoder
from bot.settings import Settings, require_for_run
from bot.settings_loader import data_dir
from bot.slack.health import check_slack
from bot.tracker.health import check_tracker

log = logging.getLogger(__name__)


async def check_settings(settings: Settings) -> list[Check]:
    dotenv = privacy_check(".env file mode", [data_dir() / ".env"])  # it holds the tokens
    files = [dotenv] if dotenv else []
    try:
        require_for_run(settings)
    except ConfigError as exc:
        return [Check("settings", False, str(exc)), *files]
    approvers = settings.approvals.approvers
    detail = (
        f"{len(approvers)} approver(s)" if approvers else "no APPROVERS: every decision is refused"
    )
    return [
        Check("settings", True, "all required settings present"),
        Check("approvers", True, detail, warning=not approvers),
        *files,
    ]


CHECKS: tuple[CheckFunction, ...] = (
    check_settings,
    check_database,
    check_slack,
    check_tracker,
    check_routes,
    check_backends,
    check_encoder,
)


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


@click.command("doctor")
def doctor_command() -> None:
    """Check settings, database, Slack, Jira and models; exit 1 if anything fails."""
    settings = settings_or_exit()
    rows = run_async(lambda: run_checks(settings, CHECKS))
    click.echo(render_table(rows))
    failed = [row for row in rows if not row.ok]
    click.echo(f"\n{len(rows) - len(failed)} passed, {len(failed)} failed")
    sys.exit(1 if failed else 0)
