"""Plain data for the Slack emulator: workspace fixtures and the records tests inspect."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any, Literal

JSON = dict[str, Any]
ChannelKind = Literal["public", "private", "im"]

TEAM_ID = "T111"
TEAM_DOMAIN = "emulated"
TEAM_NAME = "Emulated Workspace"
APP_ID = "A111"
BOT_ID = "B111"
BOT_USER_ID = "UBOT"

#: Scopes a bot token has unless the test says otherwise (those manifest.yml asks for).
DEFAULT_SCOPES: tuple[str, ...] = (
    "commands",
    "chat:write",
    "users:read",
    "users:read.email",
    "channels:read",
    "groups:read",
    "channels:history",
    "groups:history",
    "im:history",
    "im:write",
    "reactions:read",
    "files:read",
)


@dataclass
class User:
    id: str
    name: str
    real_name: str
    email: str | None = None
    is_bot: bool = False
    deleted: bool = False

    def to_api(self, *, with_email: bool) -> JSON:
        profile: JSON = {
            "display_name": self.name,
            "real_name": self.real_name,
            "real_name_normalized": self.real_name,
        }
        if with_email and self.email is not None:
            profile["email"] = self.email
        return {
            "id": self.id,
            "team_id": TEAM_ID,
            "name": self.name,
            "real_name": self.real_name,
            "deleted": self.deleted,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "tz": "Europe/Berlin",
            "tz_offset": 3600,
            "updated": 1700000000,
            "profile": profile,
        }


@dataclass
class Channel:
    id: str
    name: str
    kind: ChannelKind = "public"
    bot_is_member: bool = True
    archived: bool = False
    #: For the bot's IM: the user at the other end.
    user: str | None = None
    #: User ids in the channel; None means every user.
    members: set[str] | None = None

    def has_member(self, user_id: str) -> bool:
        if self.members is not None:
            return user_id in self.members
        return user_id == self.user if self.kind == "im" else True

    @property
    def command_channel_name(self) -> str:
        """The `channel_name` Slack puts into a slash command payload."""
        return {"public": self.name, "private": "privategroup", "im": "directmessage"}[self.kind]

    def to_api(self) -> JSON:
        data: JSON = {
            "id": self.id,
            "name": self.name,
            "is_channel": self.kind == "public",
            "is_group": self.kind == "private",
            "is_im": self.kind == "im",
            "is_private": self.kind != "public",
            "is_archived": self.archived,
            "is_member": self.bot_is_member,
            "created": 1700000000,
        }
        if self.kind == "im":
            data["user"] = self.user
        return data


def default_users() -> list[User]:
    return [
        User("U1", "alice", "Alice Able", "alice@example.com"),
        User("U2", "bob", "Bob Baker", "bob@example.com"),
        User("U3", "carol", "Carol Clark", "carol@example.com"),
        User(BOT_USER_ID, "ticketbot", "Ticket Bot", None, is_bot=True),
    ]


def default_channels() -> list[Channel]:
    return [
        Channel("C1", "general", "public", bot_is_member=True),
        Channel("C2", "random", "public", bot_is_member=False),
        Channel("G1", "secret", "private", bot_is_member=False),
        Channel("D1", "D1", "im", bot_is_member=True, user="U1"),
        # A DM between two people: the bot is not in it and cannot post there.
        Channel("D2", "D2", "im", bot_is_member=False, members={"U2", "U3"}),
    ]


class Clock:
    """Monotonic clock with a test-controlled offset (for trigger and response_url expiry)."""

    def __init__(self) -> None:
        self._offset = 0.0

    def now(self) -> float:
        return time.monotonic() + self._offset

    def advance(self, seconds: float) -> None:
        self._offset += seconds


class TsGenerator:
    """Unique, increasing Slack timestamps `"<seconds>.<6 digits>"`."""

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> str:
        micros = max(int(time.time() * 1_000_000), self._last + 1)
        self._last = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


class IdGenerator:
    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def next(self, prefix: str) -> str:
        return f"{prefix}{next(self._counter):06d}"


@dataclass
class ApiCall:
    method: str
    args: JSON
    token_kind: Literal["bot", "app", "unknown", "none"]
    status: int
    response: JSON
    at: float = field(default_factory=time.monotonic)
    #: The call was carried out, then the connection was cut: the caller got no answer.
    connection_reset: bool = False

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        error = self.response.get("error")
        return str(error) if error is not None else None


def buttons_in(blocks: list[JSON] | None) -> list[tuple[str | None, JSON]]:
    """(block_id, element) for every button in `blocks`."""
    found: list[tuple[str | None, JSON]] = []
    for block in blocks or []:
        elements = list(block.get("elements") or [])
        if isinstance(block.get("accessory"), dict):
            elements.append(block["accessory"])
        found += [(block.get("block_id"), e) for e in elements if e.get("type") == "button"]
    return found


@dataclass
class MessageVersion:
    text: str
    blocks: list[JSON] | None
    source: str
    at: float = field(default_factory=time.monotonic)


@dataclass
class StoredMessage:
    channel: str
    ts: str
    text: str
    blocks: list[JSON] | None
    user: str
    bot_id: str | None
    thread_ts: str | None = None
    #: Where it came from: "chat.postMessage", "response_url", "ack", "user" (a person).
    source: str = "chat.postMessage"
    reply_count: int = 0
    deleted: bool = False
    #: Earlier versions, oldest first (each `chat.update` / replace_original adds one).
    history: list[MessageVersion] = field(default_factory=list)
    #: Message metadata (`{"event_type": …, "event_payload": {…}}`) given to chat.postMessage.
    metadata: JSON | None = None
    #: File objects shared with the message (``emulators.slack.files``), as Slack lists them.
    files: list[JSON] | None = None
    #: ``file_share``, ``bot_message``, … (None for a plain message).
    subtype: str | None = None
    #: The app of a message posted by another app's bot (``bot_id`` set); ours otherwise.
    app_id: str | None = None

    @property
    def posted_with(self) -> str:
        """Where the message first came from (``source`` is its latest version's)."""
        return self.history[0].source if self.history else self.source

    def replace(self, text: str, blocks: list[JSON] | None, source: str) -> None:
        self.history.append(MessageVersion(self.text, self.blocks, self.source))
        self.text, self.blocks, self.source = text, blocks, source

    def to_api(self) -> JSON:
        data: JSON = {"type": "message", "text": self.text, "user": self.user, "ts": self.ts}
        data["team"] = TEAM_ID
        if self.bot_id is not None:
            data.update(bot_id=self.bot_id, app_id=self.app_id or APP_ID)
        if self.subtype is not None:
            data["subtype"] = self.subtype
        if self.files:
            data["files"] = self.files
        if self.blocks is not None:
            data["blocks"] = self.blocks
        if self.thread_ts is not None:
            data["thread_ts"] = self.thread_ts
        if self.reply_count:
            data["reply_count"] = self.reply_count
        if self.history:
            data["edited"] = {"user": self.user, "ts": self.ts}
        if self.metadata is not None:
            data["metadata"] = self.metadata
        return data

    def buttons(self) -> list[tuple[str | None, JSON]]:
        return buttons_in(self.blocks)


@dataclass
class EphemeralMessage:
    channel: str
    user: str
    text: str
    blocks: list[JSON] | None
    message_ts: str
    thread_ts: str | None = None
    #: "chat.postEphemeral", "ack" or "response_url".
    source: str = "chat.postEphemeral"

    def buttons(self) -> list[tuple[str | None, JSON]]:
        return buttons_in(self.blocks)


@dataclass
class ResponseUrlPost:
    url: str
    kind: Literal["commands", "actions"]
    body: JSON
    status: int
    channel: str
    user: str

    @property
    def response_type(self) -> str | None:
        value = self.body.get("response_type")
        return str(value) if value is not None else None

    @property
    def text(self) -> str:
        return str(self.body.get("text") or "")

    @property
    def blocks(self) -> list[JSON] | None:
        blocks = self.body.get("blocks")
        return blocks if isinstance(blocks, list) else None

    @property
    def replace_original(self) -> bool:
        return bool(self.body.get("replace_original"))

    @property
    def delete_original(self) -> bool:
        return bool(self.body.get("delete_original"))


@dataclass
class ViewRecord:
    id: str
    view: JSON
    user: str
    trigger_id: str
    #: "open", "closed" (submitted and acked without errors, or cleared).
    state: str = "open"
    #: The `errors` of the last `response_action: errors` ack.
    errors: JSON | None = None
    history: list[JSON] = field(default_factory=list)
    #: Set for views opened with views.push.
    previous_view_id: str | None = None


@dataclass
class Trigger:
    id: str
    user: str
    issued_at: float
    used: bool = False


@dataclass
class Envelope:
    envelope_id: str
    type: str
    payload: JSON
    accepts_response_payload: bool
    #: Send times (time.monotonic), one per delivery.
    sent_at: list[float] = field(default_factory=list)
    #: Connection id of each delivery.
    connections: list[int] = field(default_factory=list)
    retry_attempt: int = 0

    def to_wire(self) -> JSON:
        data: JSON = {
            "envelope_id": self.envelope_id,
            "type": self.type,
            "payload": self.payload,
            "accepts_response_payload": self.accepts_response_payload,
        }
        if self.type == "events_api":
            data["retry_attempt"] = self.retry_attempt
            data["retry_reason"] = "timeout" if self.retry_attempt else ""
        return data

    @property
    def deliveries(self) -> int:
        return len(self.sent_at)


@dataclass
class Ack:
    envelope_id: str
    #: The ack's `payload`: None when the app sent no payload key, else the dict ({} included).
    payload: JSON | None
    #: Seconds from the envelope's first delivery to this ack (None for an unknown envelope).
    latency_s: float | None
    connection_id: int
    received_at: float = field(default_factory=time.monotonic)
