"""`python app.py` with the health and metrics endpoint on: scraped during a real flow, and
its JSON log lines carry the ticket's fields."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from emulators.jira import JiraEmulator
from emulators.openai import OpenAIEmulator
from emulators.slack import SlackEmulator
from emulators.stack import BotProcess
from tests.e2e.harness import bot_environment, settled
from tests.e2e.test_ticket_flow import file_ticket, posted


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def bot_env(
    slack: SlackEmulator, jira: JiraEmulator, llm: OpenAIEmulator, tmp_path: Path, port: int
) -> dict[str, str]:
    env = bot_environment(slack, jira, tmp_path, model=llm, LLM_BACKENDS="openai",
                          LOG_FORMAT="json")
    with Path(env["TICKETBOT_CONFIG"]).open("a", encoding="utf-8") as config:
        config.write(f"\nmetrics:\n  enabled: true\n  port: {port}\n")
    return env


async def get(port: int, path: str) -> tuple[int, str]:
    url = f"http://127.0.0.1:{port}{path}"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text()


def values(text: str) -> dict[str, float]:
    """``name{label="value",…}`` → value, labels sorted."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
            found[f"{sample.name}{{{labels}}}"] = sample.value
    return found


async def test_two_tickets_show_in_the_metrics_and_the_json_log(
    bot: BotProcess, slack: SlackEmulator, tmp_path: Path, port: int
) -> None:
    assert (await get(port, "/healthz"))[0] == 200
    await file_ticket(slack, "The checkout page crashes with an error 500")
    await file_ticket(slack, "Please add dark mode to the portal")
    await posted(slack, count=2)
    await settled(tmp_path, 2)

    for _ in range(100):  # a posted ticket's worker task still publishes its follow-ups
        status, text = await get(port, "/metrics")
        if status != 200 or values(text).get("ticketbot_queue_depth{}") == 0:
            break
        await asyncio.sleep(0.1)
    assert status == 200
    found = values(text)
    assert found['ticketbot_tickets{state="posted"}'] == 2
    assert found['ticketbot_tickets{state="received"}'] == 0
    assert found["ticketbot_acks_total{}"] >= 2
    assert found["ticketbot_ack_latency_seconds_count{}"] >= 2
    assert found["ticketbot_request_to_posted_seconds_count{}"] == 2
    assert found['ticketbot_classifier_calls_total{backend="openai",outcome="ok"}'] >= 2
    assert found['ticketbot_classifier_latency_seconds_count{backend="openai"}'] >= 2
    assert found['ticketbot_breaker_state{backend="openai",state="closed"}'] == 1
    assert found["ticketbot_queue_depth{}"] == 0
    assert "ticketbot_memory_examples{}" in found
    assert (await get(port, "/healthz"))[0] == 200

    entries = [json.loads(line) for line in bot.log_lines if line.startswith("{")]
    classified = [e for e in entries if e["message"].startswith("ticket 1 classified")]
    assert classified and classified[0]["ticket"] == 1
    assert classified[0]["backend"] == "openai" and classified[0]["channel"] == "C1"
    filed = [e for e in entries if e.get("ticket") == 2 and "jira_key" in e]
    assert filed, "no log line of ticket 2 carries its Jira key"
