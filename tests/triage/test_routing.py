"""Per-channel routing: routes merged over the global settings, names resolved and cached,
renames and unknown names logged, Slack down."""

from __future__ import annotations

import logging

import pytest
from pydantic import ValidationError

from bot.errors import ChatError, ChatUnavailable
from bot.settings import Settings
from bot.triage.routing import Router
from tests.triage.fakes import FakeChannels


def settings(**routing: object) -> Settings:
    return Settings.model_validate(
        {
            "jira": {"project_key": "KAN", "labels": ["ticketbot"]},
            "approvals": {"approvers": ["UGLOBAL"]},
            "routing": routing,
        }
    )


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_a_channel_without_a_route_gets_the_global_settings() -> None:
    router = Router(settings(), FakeChannels())
    route = await router.for_channel("C999")
    assert route is router.default
    assert (route.project_key, route.approvers, route.routed) == ("KAN", {"UGLOBAL"}, False)
    assert route.issue_type("Feature Request") == "Story"


async def test_a_route_by_id_replaces_what_it_sets_and_keeps_the_rest() -> None:
    router = Router(
        settings(
            channels={
                "C0OPS": {
                    "project_key": "ops",
                    "approvers": "UOPS1, UOPS2",
                    "issue_types": {"Incident": "Outage"},
                    "labels": ["ops"],
                    "components": ["Backend"],
                    "emoji_filing": True,
                    "field_defaults": {"priority": "High"},
                }
            },
            field_defaults={"priority": "Medium", "customfield_10010": "Platform"},
        ),
        FakeChannels(),
    )
    route = await router.for_channel("C0OPS")
    assert route.project_key == "OPS"
    assert route.approvers == {"UOPS1", "UOPS2"}  # the global approver is not one here
    assert route.issue_type("Incident") == "Outage"
    assert route.issue_type("Bug") == "Bug"
    assert route.labels == ("ticketbot", "ops")
    assert route.components == ("Backend",)
    assert route.emoji_filing is True
    assert route.field_defaults == {"priority": "High", "customfield_10010": "Platform"}
    assert router.project_keys() == {"KAN", "OPS"}


async def test_a_route_without_approvers_keeps_the_global_ones() -> None:
    router = Router(settings(channels={"C0OPS": {"project_key": "OPS"}}), FakeChannels())
    assert (await router.for_channel("C0OPS")).approvers == {"UGLOBAL"}


async def test_names_are_resolved_once_per_ttl() -> None:
    channels = FakeChannels({"support": "C0SUP", "general": "C0GEN"})
    clock = Clock()
    router = Router(
        settings(channels={"#support": {"project_key": "SUP"}}, channel_names_cache_s=60),
        channels,
        clock=clock,
    )
    assert (await router.for_channel("C0SUP")).project_key == "SUP"
    assert (await router.for_channel("C0GEN")).project_key == "KAN"
    assert channels.reads == 1
    clock.now = 61
    await router.for_channel("C0GEN")
    assert channels.reads == 2


async def test_a_renamed_channel_is_logged_and_its_route_unused(
    caplog: pytest.LogCaptureFixture,
) -> None:
    channels = FakeChannels({"support": "C0SUP"})
    clock = Clock()
    router = Router(
        settings(channels={"support": {"project_key": "SUP"}}, channel_names_cache_s=60),
        channels,
        clock=clock,
    )
    assert (await router.for_channel("C0SUP")).project_key == "SUP"
    channels.names = {"help-desk": "C0SUP"}
    clock.now = 100
    with caplog.at_level(logging.WARNING):
        assert (await router.for_channel("C0SUP")).project_key == "KAN"
    assert "#support (C0SUP) is now #help-desk" in caplog.text


async def test_an_unknown_name_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    router = Router(settings(channels={"#suport": {"project_key": "SUP"}}), FakeChannels())
    with caplog.at_level(logging.WARNING):
        assert (await router.for_channel("C0SUP")).project_key == "KAN"
    assert "no channel named #suport" in caplog.text


async def test_slack_down_before_names_were_read_raises_then_last_names_are_used() -> None:
    channels = FakeChannels({"support": "C0SUP"}, down=True)
    clock = Clock()
    router = Router(
        settings(channels={"#support": {"project_key": "SUP"}}, channel_names_cache_s=1),
        channels,
        clock=clock,
    )
    with pytest.raises(ChatUnavailable):
        await router.for_channel("C0SUP")
    channels.down = False
    assert (await router.for_channel("C0SUP")).project_key == "SUP"
    channels.down, clock.now = True, 10
    assert (await router.for_channel("C0SUP")).project_key == "SUP"


@pytest.mark.parametrize(
    ("routing", "wanted"),
    [
        ({"channels": {"Support Team": {}}}, "neither a Slack channel id"),
        ({"channels": {"#support": {}, "support": {}}}, "routed twice"),
        ({"channels": {"C0OPS": {"approvers": ["bob"]}}}, "not a Slack user id"),
        ({"channels": {"C0OPS": {"project_key": "ops team"}}}, "not a Jira project key"),
        ({"channels": {"C0OPS": {"projekt": "OPS"}}}, "projekt"),
    ],
)
def test_bad_routes_are_refused_with_a_reason(routing: dict[str, object], wanted: str) -> None:
    with pytest.raises(ValidationError, match=wanted):
        settings(**routing)


async def test_slack_refusing_the_list_for_good_leaves_name_routes_unused(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Refusing(FakeChannels):
        async def channel_ids(self) -> dict[str, str]:
            raise ChatError("Slack refused the call: missing_scope", code="missing_scope")

    router = Router(settings(channels={"#support": {"project_key": "SUP"}}), Refusing())
    with caplog.at_level(logging.ERROR):
        assert (await router.for_channel("C0SUP")).project_key == "KAN"
    assert "routes by name unused" in caplog.text
