"""Jira as it really behaves: a search that lags behind creates, answers that get lost, and
issues left in the project by another installation. Through `python app.py`."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import yaml

from emulators.jira import JiraEmulator
from emulators.slack import SlackEmulator
from emulators.stack import BotProcess
from tests.e2e.harness import carries_ticket_label, read_tickets, settled
from tests.e2e.test_ticket_flow import file_ticket, posted

SEARCH_LAG_S = 30


def configure(env: dict[str, str], **sections: dict[str, Any]) -> None:
    """Merge ``sections`` into the test config.yml the bot reads."""
    path = Path(env["TICKETBOT_CONFIG"])
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    for name, values in sections.items():
        config.setdefault(name, {}).update(values)
    path.write_text(yaml.safe_dump(config), encoding="utf-8")


async def started(env: dict[str, str], workdir: Path, slack: SlackEmulator) -> BotProcess:
    bot = await BotProcess(env, workdir).start()
    await slack.wait_for_connections(slack.connections_opened + 1, timeout=30)
    return bot


async def test_lost_create_and_a_crash_inside_the_search_lag_file_one_issue(
    bot_env: dict[str, str], slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    configure(
        bot_env,
        jira={"search_lag_s": SEARCH_LAG_S + 10},
        pipeline={"max_attempts": 1000},  # the ticket waits as long as the search lags
    )
    jira.search_lag_s = SEARCH_LAG_S
    jira.drop_after_create(times=1)
    first = await started(bot_env, tmp_path, slack)
    await file_ticket(slack, "Payroll export fails for the night shift")
    await slack.wait_for(lambda: jira.created_keys() or None, timeout=30)
    await slack.wait_for(lambda: "looking again" in first.log or None, timeout=30)
    await first.stop(signal.SIGKILL)  # inside the lag: the issue is invisible to search

    second = await started(bot_env, tmp_path, slack)
    try:
        await posted(slack, timeout=SEARCH_LAG_S + 40)
    finally:
        assert await second.stop() == 0, second.log
    assert jira.created_keys() == ["KAN-1"]
    assert len(jira.calls("POST", "/issue")) == 1
    [ticket] = await settled(tmp_path, 1)
    assert ticket.jira_key == "KAN-1"
    assert "adopting KAN-1" in second.log


async def test_a_fresh_ticket_log_adopts_nothing_from_an_earlier_installation(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    old = [
        jira.add_issue(
            f"Filed by the old installation, ticket {n}",
            labels=["ticketbot", f"ticketbot-0123456789-{n}", f"ticketbot-{n}"],
            created="2025-03-01T09:00:00.000+0000",
        )
        for n in (1, 2)
    ]
    jira.drop_after_create(times=1)  # the answer to our create is lost: the bot must look
    await file_ticket(slack, "The badge reader at the south door is dead")
    await posted(slack, timeout=60)
    [ticket] = await settled(tmp_path, 1)
    assert ticket.jira_key not in old
    assert ticket.jira_key == jira.created_keys()[-1]
    assert carries_ticket_label(jira.issues[ticket.jira_key]["labels"], 1)
    for key in old:
        assert jira.issues[key]["comments"] == [] and jira.issues[key]["status"] == "To Do"
    assert len(await read_tickets(tmp_path)) == 1
