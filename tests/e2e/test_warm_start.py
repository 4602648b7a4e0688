"""Warm start: the local model loads in the background once Socket Mode is connected (requests
are acknowledged meanwhile), and it is warmed up before it classifies."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulators.slack import SlackEmulator
from emulators.stack import BotProcess
from tests.classify.conftest import MODEL_PATH
from tests.e2e.harness import read_tickets
from tests.e2e.test_ticket_flow import file_ticket, posted


async def test_the_model_loads_after_connecting_and_is_warm_before_it_classifies(
    bot_env: dict[str, str], slack: SlackEmulator, tmp_path: Path
) -> None:
    if not MODEL_PATH.exists():
        pytest.skip(f"model {MODEL_PATH} not present")
    process = await BotProcess({**bot_env, "LLM_BACKENDS": "llama"}, tmp_path).start()
    try:
        await slack.wait_for_connections(1, timeout=60)
        await file_ticket(slack, "The payroll export crashes with a null pointer exception")
        await posted(slack, timeout=120)  # acknowledged above, whether or not the model is up
    except TimeoutError:
        await process.stop()
        raise AssertionError(process.log) from None
    finally:
        assert await process.stop() == 0, process.log
    log = process.log
    [ticket] = await read_tickets(tmp_path)
    assert ticket.classified_by == "llama", log
    connected = log.index("connected to Slack over Socket Mode")
    loaded, warmed = log.index("llama: loaded"), log.index("llama: warmed up")
    classified = log.index("classify ticket=")
    assert connected < loaded < warmed < classified, log
