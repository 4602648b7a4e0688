"""The form's required Jira fields, in process through the real Bolt app: `/ticket` alone in a
routed channel opens the form with the fields the channel's project requires, the pick is
kept with the ticket, and a slow Jira opens the form without them (never a missed trigger)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import replace

from slack_sdk.web.async_client import AsyncWebClient

from bot.settings import Settings
from bot.slack.app import create_app
from bot.tracker.screens import FormField
from bot.triage.forms import FormFields
from bot.triage.routing import Router
from emulators.slack import payloads
from tests.slack.test_listeners import BOT_TOKEN, Harness

# The in-process harness's fixtures, used here as they are:
from tests.slack.test_listeners import database_url as database_url
from tests.slack.test_listeners import harness as harness
from tests.triage.fakes import FakeChannels

TEAM = FormField("customfield_10010", "Team", (("1", "Platform"), ("2", "Mobile")))
SETTINGS = Settings.model_validate(
    {"jira": {"project_key": "KAN"}, "routing": {"channels": {"C1": {"project_key": "OPS"}}}}
)


class Catalog:
    def __init__(self, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s
        self.asked: list[str] = []

    async def form_fields(
        self, project: str, type_names: Sequence[str], default_type: str,
        values: Mapping[str, str],
    ) -> list[FormField]:
        self.asked.append(project)
        await asyncio.sleep(self.delay_s)
        return [TEAM]


def with_forms(h: Harness, catalog: Catalog, timeout_s: float = 1.5) -> Harness:
    forms = FormFields(Router(SETTINGS, FakeChannels()), catalog, timeout_s=timeout_s)
    services = replace(h.services, forms=forms)
    client = AsyncWebClient(token=BOT_TOKEN, base_url=h.slack.api_url)
    return replace(h, app=create_app(client, services), services=services)


async def test_the_form_asks_for_the_routed_projects_required_fields(harness: Harness) -> None:
    catalog = Catalog()
    h = with_forms(harness, catalog)
    await h.dispatch(h.command("/ticket", ""))
    [record] = await h.slack.wait_for(lambda: list(h.slack.views.values()) or None, timeout=5)
    field = "jira-field-customfield_10010"
    block = next(b for b in record.view["blocks"] if b["block_id"] == field)
    assert [o["value"] for o in block["element"]["options"]] == ["1", "2"]
    assert catalog.asked == ["OPS"]
    values = {
        "summary": {"value": "VPN drops"},
        field: {"value": "2"},
    }
    state = payloads.view_state(record.view, values)
    body = payloads.view_submission(record, h.user("U1"), state, trigger_id="t-form")
    await h.dispatch(body)
    for _ in range(100):
        if tickets := await h.tickets.listing():
            break
        await asyncio.sleep(0.02)
    assert tickets[0].jira_fields == {"customfield_10010": "2"}


async def test_a_slow_jira_opens_the_form_without_the_fields(harness: Harness) -> None:
    h = with_forms(harness, Catalog(delay_s=5), timeout_s=0.05)
    await h.dispatch(h.command("/ticket", ""))
    [record] = await h.slack.wait_for(lambda: list(h.slack.views.values()) or None, timeout=5)
    assert not [b for b in record.view["blocks"] if b["block_id"].startswith("jira-field-")]
