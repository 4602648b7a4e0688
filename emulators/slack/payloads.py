"""Envelope payloads shaped like Slack's (PROTOCOLS.md §1.2)."""

from __future__ import annotations

import copy
import time
from typing import Any

from .model import (
    APP_ID,
    JSON,
    TEAM_DOMAIN,
    TEAM_ID,
    Channel,
    EphemeralMessage,
    StoredMessage,
    User,
    ViewRecord,
)

VERIFICATION_TOKEN = "emulator-verification-token"  # noqa: S105 - a fixed fake, as Slack sends


def _action_ts() -> str:
    return f"{time.time():.6f}"


def _team() -> JSON:
    return {"id": TEAM_ID, "domain": TEAM_DOMAIN}


def _user(user: User) -> JSON:
    return {"id": user.id, "username": user.name, "name": user.name, "team_id": TEAM_ID}


def slash_command(
    command: str, text: str, user: User, channel: Channel, *, response_url: str, trigger_id: str
) -> JSON:
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": TEAM_ID,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel.id,
        "channel_name": channel.command_channel_name,
        "user_id": user.id,
        "user_name": user.name,
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def button_action(block_id: str | None, button: JSON, value: str | None) -> JSON:
    action: JSON = {
        "action_id": button.get("action_id"),
        "block_id": block_id,
        "text": button.get("text"),
        "type": "button",
        "action_ts": _action_ts(),
    }
    if value is not None:
        action["value"] = value
    if "style" in button:
        action["style"] = button["style"]
    return action


def select_action(block_id: str | None, select: JSON, option: JSON) -> JSON:
    """A ``static_select`` choice as Slack sends it in ``block_actions``."""
    action: JSON = {
        "type": select.get("type", "static_select"),
        "action_id": select.get("action_id"),
        "block_id": block_id,
        "selected_option": option,
        "action_ts": _action_ts(),
    }
    if "placeholder" in select:
        action["placeholder"] = select["placeholder"]
    return action


def block_actions(
    action: JSON,
    user: User,
    channel: Channel,
    message: StoredMessage | EphemeralMessage,
    *,
    response_url: str,
    trigger_id: str,
) -> JSON:
    is_ephemeral = isinstance(message, EphemeralMessage)
    message_ts = message.message_ts if isinstance(message, EphemeralMessage) else message.ts
    payload: JSON = {
        "type": "block_actions",
        "user": _user(user),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel.id,
            "is_ephemeral": is_ephemeral,
        },
        "trigger_id": trigger_id,
        "team": _team(),
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel.id, "name": channel.name},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [action],
    }
    if isinstance(message, StoredMessage):
        payload["message"] = message.to_api()
    return payload


def _state_value(element: JSON, value: Any) -> JSON:
    """The `view.state.values` entry for an input element given a plain test value."""
    kind = element.get("type", "plain_text_input")
    if isinstance(value, dict):
        return {"type": kind, **value}
    if kind in ("static_select", "radio_buttons", "external_select"):
        option = next((o for o in element.get("options", []) if o.get("value") == value), None)
        if value is not None and option is None:
            raise ValueError(f"{value!r} is not an option of {element.get('action_id')!r}")
        return {"type": kind, "selected_option": option}
    if kind == "users_select":
        return {"type": kind, "selected_user": value}
    if kind == "conversations_select":
        return {"type": kind, "selected_conversation": value}
    return {"type": kind, "value": value}


def view_state(view: JSON, values: dict[str, dict[str, Any]]) -> JSON:
    """Build `state.values` for every input block, as the Slack client does.

    `values` maps block_id -> action_id -> value (a string, an option value for selects,
    or a dict used as the element state as is). A required input left empty raises
    ValueError, since the Slack client does not let the user submit then.
    """
    state: JSON = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        block_id, element = block.get("block_id"), block.get("element", {})
        action_id = element.get("action_id")
        value = values.get(block_id, {}).get(action_id)
        if value in (None, "") and not block.get("optional", False):
            raise ValueError(f"required input {block_id}/{action_id} is empty")
        state[block_id] = {action_id: _state_value(element, value)}
    unknown = set(values) - set(state)
    if unknown:
        raise ValueError(f"no input blocks {sorted(unknown)} in view")
    return {"values": state}


def view_submission(record: ViewRecord, user: User, state: JSON, *, trigger_id: str) -> JSON:
    view = copy.deepcopy(record.view)
    view["state"] = state
    return {
        "type": "view_submission",
        "team": _team(),
        "user": _user(user),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "view": view,
        "response_urls": [],
        "enterprise": None,
        "is_enterprise_install": False,
    }
