"""`ticketbot tickets`: list, show (with the audit trail) and retry tickets in the log."""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import click

from bot.cli.support import T, fail, run_async, settings_or_exit, with_engine
from bot.db.engine import session_factory
from bot.db.models import Ticket
from bot.db.tickets import TicketLog
from bot.errors import StaleState, StorageError
from bot.settings import Settings
from bot.tickets import TicketState


async def _with_log(settings: Settings, work: Callable[[TicketLog], Awaitable[T]]) -> T:
    return await with_engine(settings, lambda engine: work(TicketLog(session_factory(engine))))


def _line(ticket: Ticket) -> str:
    first_line = ticket.text.splitlines()[0] if ticket.text else ""
    return (
        f"#{ticket.id:<5} {ticket.state.value:<10} {ticket.jira_key or '-':<10} "
        f"{ticket.label or '-':<15} {ticket.created_at:%Y-%m-%d %H:%M}  {first_line[:60]!r}"
    )


RETRY_BATCH = 200


@click.group("tickets")
def tickets_command() -> None:
    """Inspect the ticket log and retry failed tickets."""


SINCE_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M"]


@tickets_command.command("list")
@click.option("--state", type=click.Choice([s.value for s in TicketState]), default=None)
@click.option("--requester", metavar="USER_ID", help="Only this Slack user's (U012ABCDEF).")
@click.option(
    "--since", type=click.DateTime(SINCE_FORMATS), help="Only those created since (UTC)."
)
@click.option("--jira", "jira_key", metavar="KEY", help="Only the ticket of this Jira issue.")
@click.option("--limit", type=int, default=50, show_default=True)
def list_tickets(
    state: str | None,
    requester: str | None,
    since: datetime | None,
    jira_key: str | None,
    limit: int,
) -> None:
    """The newest tickets, optionally only those matching every filter given."""
    settings = settings_or_exit()
    wanted = TicketState(state) if state else None
    requester_id = requester.strip().upper() if requester else None
    since_utc = since.replace(tzinfo=UTC) if since and since.tzinfo is None else since
    key = jira_key.strip().upper() if jira_key else None
    rows = run_async(
        lambda: _with_log(
            settings,
            lambda log: log.listing(
                wanted, limit, requester_id=requester_id, since=since_utc, jira_key=key
            ),
        )
    )
    for ticket in rows:
        click.echo(_line(ticket))
    if not rows:
        click.echo("no tickets")


@tickets_command.command("show")
@click.argument("ticket_id", type=int)
def show_ticket(ticket_id: int) -> None:
    """One ticket with its audit trail (who did what, when)."""
    settings = settings_or_exit()

    async def load(log: TicketLog) -> tuple[Ticket | None, list[str]]:
        ticket = await log.get(ticket_id)
        events = [
            f"{e.created_at:%Y-%m-%d %H:%M:%S}  {e.actor:<12} {e.event:<18} "
            f"{json.dumps(e.details, ensure_ascii=False)}"
            for e in await log.events(ticket_id)
        ]
        return ticket, events

    ticket, events = run_async(lambda: _with_log(settings, load))
    if ticket is None:
        fail(f"ticketbot: no ticket #{ticket_id}")
    click.echo(_line(ticket))
    for name in (
        "requester_id",
        "slack_channel_id",
        "label",
        "confidence",
        "classified_by",
        "jira_url",
        "decision",
        "decided_by",
        "decided_at",
        "attempts",
        "last_error",
    ):
        click.echo(f"  {name:<17} {getattr(ticket, name)}")
    click.echo("  audit trail:")
    for line in events:
        click.echo(f"    {line}")


@tickets_command.command("retry")
@click.argument("ticket_id", type=int, required=False)
@click.option("--all-failed", is_flag=True, help="Retry every failed ticket.")
def retry_ticket(ticket_id: int | None, all_failed: bool) -> None:
    """Put a failed ticket (or every one) back in the queue; the running bot picks it up."""
    if (ticket_id is None) == (not all_failed):
        fail("ticketbot: give a ticket id or --all-failed (not both)", 2)
    settings = settings_or_exit()
    if all_failed:
        retried = run_async(lambda: _with_log(settings, _retry_all_failed))
        click.echo(f"{len(retried)} failed ticket(s) will be retried")
        sys.exit(0)
    assert ticket_id is not None
    try:
        ticket = run_async(
            lambda: _with_log(settings, lambda log: log.retry_failed(ticket_id, "cli"))
        )
    except StaleState:
        fail(f"ticketbot: ticket #{ticket_id} has not failed; nothing to retry")
    except StorageError as exc:
        fail(f"ticketbot: {exc}")
    click.echo(f"ticket #{ticket_id} will be retried from {ticket.state.value}")
    sys.exit(0)


async def _retry_all_failed(log: TicketLog) -> list[Ticket]:
    """Every ticket failed now, each retried once (one the bot fails again is not looped on)."""
    seen: set[int] = set()
    retried: list[Ticket] = []
    while True:
        failed = await log.listing(TicketState.FAILED, limit=RETRY_BATCH)
        fresh = [ticket for ticket in failed if ticket.id not in seen]
        if not fresh:
            return retried
        for ticket in fresh:
            seen.add(ticket.id)
            try:
                retried.append(await log.retry_failed(ticket.id, "cli"))
            except StaleState:  # retried by someone else meanwhile
                continue
