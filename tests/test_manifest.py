"""manifest.yml is what a user pastes into Slack: keep it valid for Socket Mode."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.conftest import PROJECT_ROOT


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((PROJECT_ROOT / "manifest.yml").read_text())
    return loaded


def test_socket_mode_with_interactivity_and_no_request_urls(manifest: dict[str, Any]) -> None:
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert "url" not in str(manifest).replace("usage_hint", "")


def test_slash_commands(manifest: dict[str, Any]) -> None:
    commands = {c["command"]: c for c in manifest["features"]["slash_commands"]}
    assert set(commands) == {"/ticket", "/ticket_status"}
    assert commands["/ticket"]["usage_hint"] == "<what do you need?>"
    assert commands["/ticket_status"]["usage_hint"] == "<ISSUE-KEY>"
    assert all(len(name) <= 32 for name in commands)


def test_only_the_scopes_the_bot_uses(manifest: dict[str, Any]) -> None:
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    assert set(scopes) == {"commands", "chat:write", "users:read", "users:read.email",
                           "channels:history", "groups:history", "im:history", "im:write",
                           "channels:read", "groups:read", "reactions:read", "files:read"}


def test_field_limits(manifest: dict[str, Any]) -> None:
    info = manifest["display_information"]
    assert len(info["name"]) <= 35
    assert len(info["description"]) <= 140
    assert len(info["long_description"]) <= 4000
    assert manifest["_metadata"]["major_version"] in (1, 2)


def test_thread_replies_and_app_home_events(manifest: dict[str, Any]) -> None:
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert {"message.channels", "message.groups", "message.im", "app_home_opened"} <= events
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"channels:history", "groups:history", "im:history"} <= scopes


def test_tickets_from_a_message(manifest: dict[str, Any]) -> None:
    [shortcut] = manifest["features"]["shortcuts"]
    assert (shortcut["type"], shortcut["callback_id"]) == ("message", "file_as_ticket")
    assert len(shortcut["name"]) <= 24 and len(shortcut["description"]) <= 150
    assert "reaction_added" in manifest["settings"]["event_subscriptions"]["bot_events"]
    assert {"reactions:read", "files:read"} <= set(manifest["oauth_config"]["scopes"]["bot"])
