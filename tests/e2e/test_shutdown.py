"""SIGTERM and SIGINT on `python app.py` with slow work in flight.

The whole shutdown runs against one deadline (``pipeline.shutdown_grace_s``, 20 s by default,
from the first signal), shared by the listeners' background tasks and the worker's tickets, so
it ends inside a common 30 s kill timeout; a second signal exits at once. Either way a restart
files every ticket once and posts it once.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

from emulators.jira import JiraEmulator
from emulators.openai import OpenAIEmulator
from emulators.slack import SlackEmulator
from emulators.stack import BotProcess, start_connected
from tests.e2e.harness import TEST_CONFIG, settled
from tests.e2e.test_ticket_flow import file_ticket, posted

KILL_TIMEOUT_S = 25.0  # under a common 30 s kill timeout, with room for the process to start
TICKETS = 3
SLOW_S = 120.0  # the model: far longer than any grace
JIRA_SLOW_S = 16.0  # just over the bot's Jira timeout (15 s): with a retry, a lookup takes 30 s


def default_grace(env: dict[str, str]) -> dict[str, str]:
    """The test settings with the packaged shutdown grace, leases that expire in seconds (a
    process ended by a second signal cannot release its own), and status lookups of any key."""
    config = TEST_CONFIG.replace("  shutdown_grace_s: 10\n", "  lease_ttl_s: 3\n")
    assert config != TEST_CONFIG
    # /ticket_status of a key the bot did not file must still reach (slow) Jira here
    config += "status:\n  any_issue: true\n"
    Path(env["TICKETBOT_CONFIG"]).write_text(config, encoding="utf-8")
    return env


async def slow_work_in_flight(slack: SlackEmulator, llm: OpenAIEmulator) -> None:
    """``TICKETS`` tickets waiting for a slow model (the worker's drain)."""
    llm.latency_s = SLOW_S
    for n in range(TICKETS):
        await file_ticket(slack, f"Request {n}: the VPN drops every ten minutes")
    await slack.wait_for(lambda: len(llm.chat_requests) >= TICKETS, timeout=10,
                         what="the model asked for every ticket")


@contextlib.asynccontextmanager
async def killed_if_failing(bot: BotProcess) -> AsyncIterator[BotProcess]:
    """The test stops the bot itself; if it fails first, the bot is killed, not left behind."""
    try:
        yield bot
    except BaseException:
        await bot.stop(signal.SIGKILL)
        raise


async def exited(bot: BotProcess, slack: SlackEmulator, timeout: float) -> int | None:
    await slack.wait_for(lambda: bot.returncode is not None, timeout=timeout, interval=0.05,
                         what="the bot's exit")
    return await bot.stop()  # already gone: closes the log, signals nothing


async def restart_finishes_everything(
    env: dict[str, str], workdir: Path, slack: SlackEmulator, jira: JiraEmulator,
    llm: OpenAIEmulator,
) -> None:
    llm.latency_s, jira.latency_s = 0.0, 0.0
    second = await start_connected(env, workdir, slack, timeout=30)
    try:
        await posted(slack, count=TICKETS, timeout=60)
        tickets = await settled(workdir, TICKETS)
    finally:
        code = await second.stop()
    assert code == 0, second.log
    messages = [m for m in slack.messages("C1", include_replies=False) if m.buttons()]
    assert len(messages) == TICKETS  # each posted once
    assert sorted(jira.created_keys()) == sorted(t.jira_key for t in tickets)  # each filed once
    assert len({t.jira_key for t in tickets}) == TICKETS
    assert {t.message_ts for t in tickets} == {m.ts for m in messages}


async def test_sigterm_with_slow_work_everywhere_exits_within_one_deadline_and_loses_nothing(
    bot_env: dict[str, str], slack: SlackEmulator, jira: JiraEmulator, llm: OpenAIEmulator,
    tmp_path: Path,
) -> None:
    env = default_grace(bot_env)
    async with killed_if_failing(await start_connected(env, tmp_path, slack)) as bot:
        await slow_work_in_flight(slack, llm)
        jira.latency_s = JIRA_SLOW_S  # a status lookup stuck on Jira (a background task)
        asked = len(jira.requests)
        await slack.wait_for_ack(await slack.slash_command("/ticket_status", "KAN-7"), timeout=3)
        await slack.wait_for(lambda: len(jira.requests) > asked, timeout=10, what="Jira asked")
        loop = asyncio.get_running_loop()
        began = loop.time()
        code = await bot.stop(signal.SIGTERM, grace_s=60)  # measured here, not cut at 20 s
        took = loop.time() - began
    assert code == 0, bot.log
    assert took < KILL_TIMEOUT_S, f"shutdown took {took:.1f}s:\n{bot.log}"
    assert "cut short by the shutdown" in bot.log  # the status lookup
    assert "stopped mid-way; they resume at the next start" in bot.log  # the tickets
    assert "Traceback" not in bot.log, bot.log
    await restart_finishes_everything(env, tmp_path, slack, jira, llm)


async def test_a_second_signal_during_the_shutdown_exits_at_once_and_loses_nothing(
    bot_env: dict[str, str], slack: SlackEmulator, jira: JiraEmulator, llm: OpenAIEmulator,
    tmp_path: Path,
) -> None:
    env = default_grace(bot_env)
    async with killed_if_failing(await start_connected(env, tmp_path, slack)) as bot:
        await slow_work_in_flight(slack, llm)
        os.kill(bot.pid, signal.SIGTERM)
        await slack.wait_for(lambda: "SIGTERM: shutting down" in bot.log, timeout=5,
                             what="the shutdown begun")
        assert bot.returncode is None  # waiting for the tickets, up to 18 s
        loop = asyncio.get_running_loop()
        began = loop.time()
        os.kill(bot.pid, signal.SIGINT)  # Ctrl-C, say, after the service manager's SIGTERM
        code = await exited(bot, slack, timeout=5)
        assert loop.time() - began < 5
    assert code == 128 + signal.SIGINT, bot.log
    assert "SIGINT during the shutdown: exiting now (code 130)" in bot.log
    await restart_finishes_everything(env, tmp_path, slack, jira, llm)
