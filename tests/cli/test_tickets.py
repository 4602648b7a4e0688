"""`ticketbot tickets list|show|retry` on a seeded ticket log."""

from __future__ import annotations

import asyncio
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from bot.db.engine import create_engine, session_factory
from bot.db.leases import Leases
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

