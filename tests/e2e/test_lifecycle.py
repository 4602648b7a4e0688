"""Start, stop and restart `python app.py`; and the real local model end to end."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.tickets import TicketState
from emulators.jira import JiraEmulator
from emulators.slack import SlackEmulator
from emulators.stack import BotProcess
from tests.e2e.harness import read_tickets
from tests.e2e.test_ticket_flow import file_ticket, posted

BURST = 6


async def test_sigterm_mid_burst_exits_0_and_a_restart_finishes_everything(
    bot_env: dict[str, str], slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    jira.latency_s = 0.3
    first = await BotProcess(bot_env, tmp_path).start()
    await slack.wait_for_connections(1, timeout=30)
    await asyncio.gather(
        *(file_ticket(slack, f"Request number {n}: reset my password") for n in range(BURST))
    )
    code = await first.stop()
    assert code == 0, first.log
    stopped = await read_tickets(tmp_path)
    assert len(stopped) == BURST
    assert all(
        t.state
        in (TicketState.RECEIVED, TicketState.CLASSIFIED, TicketState.FILED, TicketState.POSTED)
        for t in stopped
    )

    second = await BotProcess(bot_env, tmp_path).start()
    try:
        await slack.wait_for_connections(2, timeout=30)
        await posted(slack, count=BURST, timeout=30)
    finally:
        code = await second.stop()
    assert code == 0, second.log
    tickets = await read_tickets(tmp_path)
    assert {t.state for t in tickets} == {TicketState.POSTED}
    assert len(jira.created_keys()) == BURST
    assert len({t.jira_key for t in tickets}) == BURST
    assert "Traceback" not in first.log + second.log


async def test_real_local_model_classifies_the_ticket(
    bot_env: dict[str, str], slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    env = {**bot_env, "LLM_BACKENDS": "llama"}
    process = await BotProcess(env, tmp_path).start()
    try:
        await slack.wait_for_connections(1, timeout=30)
        await file_ticket(slack, "The payroll export crashes with a null pointer exception")
        await posted(slack, timeout=60)
    except TimeoutError:
        await process.stop()
        raise AssertionError(process.log) from None
    finally:
        assert await process.stop() == 0, process.log
    [ticket] = await read_tickets(tmp_path)
    assert ticket.classified_by == "llama", process.log
    assert ticket.label in ("Task", "Bug", "Incident", "Feature Request", "Question")
    assert ticket.confidence is not None and 0.0 <= ticket.confidence <= 1.0
