"""The emulated workspace's state and Slack's rules for changing it."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from .blocks import MAX_MESSAGE_TEXT
from .model import (
    BOT_ID,
    BOT_USER_ID,
    DEFAULT_SCOPES,
    JSON,
    TEAM_ID,
    ApiCall,
    Channel,
    Clock,
    EphemeralMessage,
    IdGenerator,
    ResponseUrlPost,
    StoredMessage,
    Trigger,
    TsGenerator,
    User,
    ViewRecord,
)


class SlackError(Exception):
    """An `ok: false` answer: `error` plus extra top-level fields."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra

    def body(self) -> JSON:
        return {"ok": False, "error": self.error, **self.extra}


@dataclass
class ResponseUrlTarget:
    """What a response_url was issued for."""

    kind: Literal["commands", "actions"]
    channel: str
    user: str
    issued_at: float
    message_ts: str | None = None
    uses: int = 0


@dataclass
class SlackState:
    users: dict[str, User]
    channels: dict[str, Channel]
    scopes: set[str] = field(default_factory=lambda: set(DEFAULT_SCOPES))
    trigger_ttl_s: float = 3.0
    response_url_ttl_s: float = 1800.0
    response_url_max_uses: int = 5
    #: conversations.history's most messages a page (Slack: 999; 15 for commercially
    #: distributed non-Marketplace apps since 2025).
    history_page_max: int = 999
    clock: Clock = field(default_factory=Clock)
    ts: TsGenerator = field(default_factory=TsGenerator)
    ids: IdGenerator = field(default_factory=IdGenerator)
    messages: dict[str, list[StoredMessage]] = field(default_factory=dict)
    ephemerals: dict[str, list[EphemeralMessage]] = field(default_factory=dict)
    views: dict[str, ViewRecord] = field(default_factory=dict)
    triggers: dict[str, Trigger] = field(default_factory=dict)
    response_urls: dict[str, ResponseUrlTarget] = field(default_factory=dict)
    response_url_posts: list[ResponseUrlPost] = field(default_factory=list)
    api_calls: list[ApiCall] = field(default_factory=list)

    @classmethod
    def build(
        cls, users: Iterable[User], channels: Iterable[Channel], **options: Any
    ) -> SlackState:
        return cls({u.id: u for u in users}, {c.id: c for c in channels}, **options)

    # -- lookups -------------------------------------------------------------

    def require_scope(self, *alternatives: str) -> None:
        if not any(scope in self.scopes for scope in alternatives):
            raise SlackError(
                "missing_scope",
                needed=",".join(alternatives),
                provided=",".join(sorted(self.scopes)),
            )

    def user(self, user_id: Any) -> User:
        user = self.users.get(str(user_id))
        if user is None:
            raise SlackError("user_not_found")
        return user

    def resolve_channel(self, ref: Any) -> Channel:
        """A channel by id, by name (`general`, `#general`) or by user id (the bot's IM)."""
        ref = str(ref or "")
        if not ref:
            raise SlackError("channel_not_found")
        if ref in self.channels:
            return self.channels[ref]
        if ref in self.users:
            return self.im_with(ref)
        name = ref.removeprefix("#")
        for channel in self.channels.values():
            if channel.kind != "im" and channel.name == name:
                return channel
        raise SlackError("channel_not_found")

    def existing_im(self, user_id: str) -> Channel | None:
        for channel in self.channels.values():
            if channel.kind == "im" and channel.user == user_id and channel.bot_is_member:
                return channel
        return None

    def im_with(self, user_id: str) -> Channel:
        """The bot's IM with ``user_id``, opened (created) if need be."""
        existing = self.existing_im(user_id)
        if existing is not None:
            return existing
        channel = Channel(self.ids.next("D"), "", "im", bot_is_member=True, user=user_id)
        channel.name = channel.id
        self.channels[channel.id] = channel
        return channel

    def visible_channel(self, ref: Any) -> Channel:
        """A channel the bot can see: private channels and IMs only when it is a member."""
        channel = self.resolve_channel(ref)
        if channel.kind != "public" and not channel.bot_is_member:
            raise SlackError("channel_not_found")
        return channel

    def postable_channel(self, ref: Any) -> Channel:
        channel = self.visible_channel(ref)
        if channel.archived:
            raise SlackError("is_archived")
        if not channel.bot_is_member and "chat:write.public" not in self.scopes:
            raise SlackError("not_in_channel")
        return channel

    def message(self, channel_id: str, ts: Any) -> StoredMessage:
        for message in self.messages.get(channel_id, []):
            if message.ts == ts and not message.deleted:
                return message
        raise SlackError("message_not_found")

    # -- messages ------------------------------------------------------------

    def post(
        self,
        channel: Channel,
        text: str,
        blocks: list[JSON] | None,
        *,
        thread_ts: str | None = None,
        source: str = "chat.postMessage",
        user: str = BOT_USER_ID,
    ) -> StoredMessage:
        """Store a message by the bot, or by ``user`` (a person typing in Slack)."""
        message = StoredMessage(
            channel=channel.id,
            ts=self.ts.next(),
            text=text[:MAX_MESSAGE_TEXT],
            blocks=blocks,
            user=user,
            bot_id=BOT_ID if user == BOT_USER_ID else None,
            thread_ts=thread_ts,
            source=source,
        )
        if thread_ts is not None:
            parent = next((m for m in self.messages.get(channel.id, []) if m.ts == thread_ts), None)
            if parent is not None:
                parent.reply_count += 1
                parent.thread_ts = parent.ts
        self.messages.setdefault(channel.id, []).append(message)
        return message

    def post_ephemeral(
        self,
        channel_id: str,
        user_id: str,
        text: str,
        blocks: list[JSON] | None,
        *,
        thread_ts: str | None = None,
        source: str = "chat.postEphemeral",
    ) -> EphemeralMessage:
        message = EphemeralMessage(
            channel=channel_id,
            user=user_id,
            text=text[:MAX_MESSAGE_TEXT],
            blocks=blocks,
            message_ts=self.ts.next(),
            thread_ts=thread_ts,
            source=source,
        )
        self.ephemerals.setdefault(user_id, []).append(message)
        return message

    # -- triggers and response_urls -----------------------------------------

    def issue_trigger(self, user_id: str) -> str:
        trigger_id = f"{self.ids.next('')}.{TEAM_ID[1:]}.{secrets.token_hex(16)}"
        self.triggers[trigger_id] = Trigger(trigger_id, user_id, self.clock.now())
        return trigger_id

    def use_trigger(self, trigger_id: Any) -> Trigger:
        trigger = self.triggers.get(str(trigger_id or ""))
        if trigger is None:
            raise SlackError(
                "invalid_trigger_id", response_metadata={"messages": ["invalid `trigger_id`"]}
            )
        if self.clock.now() - trigger.issued_at > self.trigger_ttl_s:
            raise SlackError("expired_trigger_id")
        if trigger.used:
            raise SlackError("exchanged_trigger_id")
        trigger.used = True
        return trigger

    def issue_response_url(
        self,
        base_url: str,
        kind: Literal["commands", "actions"],
        channel: str,
        user: str,
        message_ts: str | None = None,
    ) -> str:
        path = f"/{kind}/{TEAM_ID}/{self.ids.next('')}/{secrets.token_urlsafe(12)}"
        self.response_urls[path] = ResponseUrlTarget(
            kind, channel, user, self.clock.now(), message_ts
        )
        return base_url.rstrip("/") + path

    def use_response_url(self, path: str) -> ResponseUrlTarget:
        target = self.response_urls.get(path)
        if target is None or self.clock.now() - target.issued_at > self.response_url_ttl_s:
            raise SlackError("expired_url")
        if target.uses >= self.response_url_max_uses:
            raise SlackError("used_url")
        target.uses += 1
        return target

    def apply_response(self, target: ResponseUrlTarget, body: JSON, source: str) -> None:
        """What Slack shows for a response_url post or a slash command ack payload."""
        text = str(body.get("text") or "")
        blocks = body.get("blocks") if isinstance(body.get("blocks"), list) else None
        original = self._original(target)
        if original is not None and body.get("delete_original"):
            original.deleted = True
        elif original is not None and body.get("replace_original"):
            original.replace(text, blocks, source)
        elif body.get("response_type") == "in_channel":
            channel = self.channels[target.channel]
            thread_ts = body.get("thread_ts")
            self.post(channel, text, blocks, thread_ts=thread_ts, source=source)
        else:
            self.post_ephemeral(target.channel, target.user, text, blocks, source=source)

    def _original(self, target: ResponseUrlTarget) -> StoredMessage | None:
        if target.message_ts is None:
            return None
        try:
            return self.message(target.channel, target.message_ts)
        except SlackError:
            return None
