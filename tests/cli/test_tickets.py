"""`ticketbot tickets list|show|retry` on a seeded ticket log."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import update

from bot.cli import main
from bot.db.engine import create_engine, session_factory
from bot.db.leases import Leases
from bot.db.models import Ticket
from bot.db.tickets import TicketLog
from bot.tickets import NewRequest, TicketSource


def test_tickets_list_show_and_retry(runner: CliRunner, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 't.db'}"
    env = {"DATABASE_URL": url}
    runner.invoke(main, ["db", "upgrade"], env=env)

    async def seed() -> None:
        engine = create_engine(url)
        log = TicketLog(session_factory(engine))
        ticket, _ = await log.record_request(NewRequest(
            "k", TicketSource.SLASH_COMMAND, "C1", "U1", "Printer jammed\nsecond line"))
        leases = Leases(session_factory(engine))
        assert await leases.claim(ticket.id, "worker")
        await log.record_failure(
            ticket.id, "Jira said no", retry_at=None, owner="worker", give_up=True
        )
        await leases.release(ticket.id, "worker")
        await engine.dispose()

    asyncio.run(seed())
    listed = runner.invoke(main, ["tickets", "list", "--state", "failed"], env=env)
    assert "#1" in listed.output and "failed" in listed.output and "Printer jammed" in listed.output
    shown = runner.invoke(main, ["tickets", "show", "1"], env=env)
    assert "audit trail" in shown.output and "received" in shown.output
    assert "Jira said no" in shown.output
    retried = runner.invoke(main, ["tickets", "retry", "1"], env=env)
    assert retried.exit_code == 0 and "retried from received" in retried.output
    again = runner.invoke(main, ["tickets", "retry", "1"], env=env)
    assert again.exit_code == 1 and "has not failed" in again.output
    assert runner.invoke(main, ["tickets", "show", "9"], env=env).exit_code == 1


def test_retry_all_failed(runner: CliRunner, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 't.db'}"
    env = {"DATABASE_URL": url}
    runner.invoke(main, ["db", "upgrade"], env=env)

    async def seed() -> None:
        engine = create_engine(url)
        log, leases = TicketLog(session_factory(engine)), Leases(session_factory(engine))
        for n in range(3):
            ticket, _ = await log.record_request(
                NewRequest(f"k{n}", TicketSource.SLASH_COMMAND, "C1", "U1", f"Request {n}")
            )
            if n < 2:
                assert await leases.claim(ticket.id, "worker")
                await log.record_failure(
                    ticket.id, "Jira said no", retry_at=None, owner="worker", give_up=True
                )
                await leases.release(ticket.id, "worker")
        await engine.dispose()

    asyncio.run(seed())
    retried = runner.invoke(main, ["tickets", "retry", "--all-failed"], env=env)
    assert retried.exit_code == 0 and "2 failed ticket(s) will be retried" in retried.output
    assert "failed" not in runner.invoke(main, ["tickets", "list"], env=env).output
    assert runner.invoke(main, ["tickets", "retry"], env=env).exit_code == 2
    assert runner.invoke(main, ["tickets", "retry", "1", "--all-failed"], env=env).exit_code == 2



def test_tickets_list_filters(runner: CliRunner, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 't.db'}"
    env = {"DATABASE_URL": url}
    runner.invoke(main, ["db", "upgrade"], env=env)

    async def seed() -> None:
        engine = create_engine(url)
        sessions = session_factory(engine)
        log = TicketLog(sessions)
        for n, (user, text) in enumerate(
            [("U1", "Old printer"), ("U1", "New VPN"), ("U2", "Laptop for Ann")]
        ):
            await log.record_request(
                NewRequest(f"k{n}", TicketSource.SLASH_COMMAND, "C1", user, text)
            )
        async with sessions.begin() as session:
            old = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
            await session.execute(update(Ticket).where(Ticket.id == 1).values(created_at=old))
            await session.execute(update(Ticket).where(Ticket.id == 3).values(jira_key="KAN-7"))
        await engine.dispose()

    asyncio.run(seed())

    def listed(*args: str) -> str:
        result = runner.invoke(main, ["tickets", "list", *args], env=env)
        assert result.exit_code == 0, result.output
        return result.output

    by_u1 = listed("--requester", "U1")
    assert "Old printer" in by_u1 and "New VPN" in by_u1 and "Laptop" not in by_u1
    since = listed("--since", "2026-12-01")
    assert "Old printer" not in since and "New VPN" in since and "Laptop" in since
    assert "Old printer" in listed("--since", "2026-11-20T08:59")
    by_key = listed("--jira", "kan-7")
    assert by_key.count("\n") == 1 and "Laptop for Ann" in by_key
    assert listed("--jira", "KAN-8").strip() == "no tickets"
    both = listed("--requester", "U1", "--since", "2026-12-01", "--state", "received")
    assert "New VPN" in both and "Old printer" not in both
    bad = runner.invoke(main, ["tickets", "list", "--since", "last week"], env=env)
    assert bad.exit_code == 2
