"""``routing``: per-channel Jira project, approvers, issue types, emoji filing, labels,
components, and the values of fields Jira requires (``bot.triage.routing`` applies them).

A channel is named by its id (``C0123ABCD``) or by its name (``#support`` or ``support``);
names are resolved through Slack (``conversations.list``) and re-read after
``channel_names_cache_s``. Every key of a route is optional: what a route leaves out comes
from the global settings (``jira.*``, ``approvals.approvers``).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.labels import Label

CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]+")
CHANNEL_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,79}")
USER_ID = re.compile(r"[UW][A-Z0-9]+")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def channel_ref(key: str) -> tuple[str, str]:
    """``("id", "C0123")`` or ``("name", "support")`` for a key of ``routing.channels``."""
    key = key.strip()
    if CHANNEL_ID.fullmatch(key):
        return "id", key
    name = key.removeprefix("#")
    if CHANNEL_NAME.fullmatch(name):
        return "name", name
    raise ValueError(
        f"{key!r} is neither a Slack channel id (like C0123ABCD) nor a channel name "
        "(like #support: lower case letters, digits, - and _)"
    )


class ChannelRoute(_Section):
    """Where the tickets of one channel go. ``None`` / empty: the global setting applies."""

    project_key: str | None = None
    approvers: list[str] | None = None  # replaces approvals.approvers in this channel
    issue_types: dict[Label, str] = Field(default_factory=dict)  # over jira.issue_types
    default_issue_type: str | None = None
    emoji_filing: bool | None = None
    labels: list[str] = Field(default_factory=list)  # added to jira.labels
    components: list[str] = Field(default_factory=list)
    field_defaults: dict[str, str] = Field(default_factory=dict)  # over routing.field_defaults

    @field_validator("project_key")
    @classmethod
    def _upper_key(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        key = value.strip().upper()
        if not re.fullmatch(r"[A-Z][A-Z0-9_]{0,31}", key):
            raise ValueError(f"{value!r} is not a Jira project key (like OPS)")
        return key

    @field_validator("approvers", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("approvers")
    @classmethod
    def _user_ids(cls, value: list[str] | None) -> list[str] | None:
        for user_id in value or []:
            if not USER_ID.fullmatch(user_id):
                raise ValueError(f"{user_id!r} is not a Slack user id (like U012ABCDEF)")
        return value


class RoutingSettings(_Section):
    channels: dict[str, ChannelRoute] = Field(default_factory=dict)
    # Values for fields Jira requires and the bot cannot fill, by field name or id
    # (``priority: Medium``, ``customfield_10010: Platform``); a route's own win.
    field_defaults: dict[str, str] = Field(default_factory=dict)
    metadata_cache_s: float = Field(default=600.0, ge=0)  # Jira's create metadata
    channel_names_cache_s: float = Field(default=600.0, ge=0)

    @field_validator("channels", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {key: ({} if route is None else route) for key, route in value.items()}
        return {} if value is None else value

    @field_validator("channels")
    @classmethod
    def _channel_keys(cls, value: dict[str, ChannelRoute]) -> dict[str, ChannelRoute]:
        seen: set[tuple[str, str]] = set()
        for key in value:
            ref = channel_ref(str(key))
            if ref in seen:
                raise ValueError(f"channel {key!r} is routed twice")
            seen.add(ref)
        return value

    @field_validator("field_defaults", mode="before")
    @classmethod
    def _no_none(cls, value: Any) -> Any:
        return {} if value is None else value
