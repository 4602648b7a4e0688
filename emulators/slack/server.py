"""`SlackEmulator`: the HTTP/WS server plus the API tests drive it with."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any, Literal, TypeVar

from aiohttp import web

from . import events, payloads
from .acks import AckEffects
from .app_home import AppHome, add_home_routes
from .control import add_control_routes
from .faults import FaultPlan
from .files import FileStore, SlackFile
from .message_changes import MessageChanges, add_change_routes
from .model import (
    DEFAULT_SCOPES,
    JSON,
    Ack,
    ApiCall,
    Channel,
    Envelope,
    EphemeralMessage,
    ResponseUrlPost,
    StoredMessage,
    User,
    ViewRecord,
    default_channels,
    default_users,
)
from .response_urls import ResponseUrls
from .socket_mode import SocketModeHub
from .state import SlackError, SlackState
from .web_api import WebApi

T = TypeVar("T")
DEFAULT_BOT_TOKEN = "xoxb-test"  # noqa: S105 - emulator default
DEFAULT_APP_TOKEN = "xapp-test"  # noqa: S105 - emulator default


class SlackEmulator:
    """A fake Slack for the real slack_sdk / slack_bolt clients, over real HTTP and WS.

    Use as `async with SlackEmulator() as slack:` and give the app
    `AsyncWebClient(token, base_url=slack.api_url)`.
    """

    def __init__(
        self,
        *,
        bot_token: str = DEFAULT_BOT_TOKEN,
        app_token: str = DEFAULT_APP_TOKEN,
        users: Iterable[User] | None = None,
        channels: Iterable[Channel] | None = None,
        scopes: Iterable[str] = DEFAULT_SCOPES,
        trigger_ttl_s: float = 3.0,
        redeliver_after_s: float | None = 3.0,
        max_redeliveries: int = 3,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.state = SlackState.build(
            users if users is not None else default_users(),
            channels if channels is not None else default_channels(),
            scopes=set(scopes),
            trigger_ttl_s=trigger_ttl_s,
        )
        self.faults = FaultPlan()
        #: Protocol mistakes the app made that Slack would reject or show as an error.
        self.problems: list[str] = []
        self.socket = SocketModeHub(
            redeliver_after_s=redeliver_after_s,
            max_redeliveries=max_redeliveries,
            on_ack=AckEffects(self.state, self.problems),
        )
        self.response_urls = ResponseUrls(self.state)
        self.web_api = WebApi(
            self.state,
            self.faults,
            bot_token=bot_token,
            app_token=app_token,
            open_connection=lambda: self.socket.issue_url(self.ws_base),
        )
        self.files = FileStore(self.state, bot_token)
        self.web_api.methods["files.info"] = lambda args: self.files.info(args, self.base_url)
        #: (channel, ts) -> reaction name -> the users who added it, in order.
        self.reactions: dict[tuple[str, str], dict[str, list[str]]] = {}
        self._host, self._port = host, port
        #: App Home (views.publish, app_home_opened, home clicks) and message edits/deletions.
        self.home = AppHome(self)
        self.changes = MessageChanges(self)
        self._runner: web.AppRunner | None = None

    # -- lifecycle -----------------------------------------------------------

    def build_app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self.web_api.handle)
        app.router.add_get("/link", self.socket.handle_ws)
        app.router.add_get("/link/", self.socket.handle_ws)
        app.router.add_post("/commands/{tail:.+}", self.response_urls.handle)
        app.router.add_post("/actions/{tail:.+}", self.response_urls.handle)
        add_control_routes(app, self)
        add_home_routes(app, self)
        add_change_routes(app, self)
        self.files.add_routes(app)
        app.on_shutdown.append(self._close_sockets)
        return app

    async def _close_sockets(self, app: web.Application) -> None:
        await self.socket.close()

    async def start(self) -> None:
        self._runner = web.AppRunner(self.build_app(), shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        self._port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Stop listening, close the app's sockets (on_shutdown), then the server."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SlackEmulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self._port}"

    @property
    def api_url(self) -> str:
        """The Web API base URL (`…/api/`) for `AsyncWebClient(base_url=...)`."""
        return f"{self.base_url}/api/"

    @property
    def ws_base(self) -> str:
        return f"ws://{self._host}:{self._port}"

    def env(self) -> dict[str, str]:
        """The ``SLACK_*`` environment for a bot subprocess."""
        return {
            "SLACK_BOT_TOKEN": self.web_api.bot_token,
            "SLACK_APP_TOKEN": self.web_api.app_token,
            "SLACK_API_URL": self.api_url,
        }

    # -- driving the app -----------------------------------------------------

    async def push_envelope(
        self, type_: str, payload: JSON, *, accepts_response_payload: bool = False
    ) -> str:
        """Deliver any envelope; returns its envelope_id."""
        envelope = Envelope(str(uuid.uuid4()), type_, payload, accepts_response_payload)
        await self.socket.push(envelope)
        return envelope.envelope_id

    async def slash_command(
        self, command: str, text: str = "", *, user: str = "U1", channel: str = "C1"
    ) -> str:
        """A user typed `command text` in `channel`; returns the envelope_id."""
        sender, where = self._user(user), self._channel(channel)
        payload = payloads.slash_command(
            command,
            text,
            sender,
            where,
            response_url=self.state.issue_response_url(
                self.base_url, "commands", where.id, sender.id
            ),
            trigger_id=self.state.issue_trigger(sender.id),
        )
        return await self.push_envelope("slash_commands", payload, accepts_response_payload=True)

    async def click_button(
        self,
        channel: str,
        ts: str,
        action_id: str,
        *,
        user: str = "U1",
        value: str | None = None,
        block_id: str | None = None,
    ) -> str:
        """Click a button of a stored (or ephemeral) message; `value` defaults to the button's."""
        clicker, where = self._user(user), self._channel(channel)
        message = self._clickable_message(where.id, ts)
        found_block, button = self._find_button(message, action_id, block_id)
        action = payloads.button_action(
            found_block, button, value if value is not None else button.get("value")
        )
        return await self._push_action(action, clicker, where, message)

    async def select_option(
        self, channel: str, ts: str, action_id: str, value: str, *, user: str = "U1"
    ) -> str:
        """Choose the option whose value is ``value`` in a select menu of a stored message."""
        clicker, where = self._user(user), self._channel(channel)
        message = self._clickable_message(where.id, ts)
        for block in message.blocks or []:
            for element in block.get("elements") or []:
                if element.get("action_id") != action_id:
                    continue
                option = next(
                    (o for o in element.get("options") or [] if o.get("value") == value), None
                )
                if option is None:
                    raise LookupError(f"{value!r} is not an option of {action_id!r}")
                action = payloads.select_action(block.get("block_id"), element, option)
                return await self._push_action(action, clicker, where, message)
        raise LookupError(f"no select {action_id!r} in message {message}")

    async def _push_action(
        self,
        action: JSON,
        clicker: User,
        where: Channel,
        message: StoredMessage | EphemeralMessage,
    ) -> str:
        """Send a block_actions envelope for ``action`` taken on ``message``."""
        ts = message.ts if isinstance(message, StoredMessage) else None
        response_url = self.state.issue_response_url(
            self.base_url, "actions", where.id, clicker.id, ts
        )
        payload = payloads.block_actions(
            action,
            clicker,
            where,
            message,
            response_url=response_url,
            trigger_id=self.state.issue_trigger(clicker.id),
        )
        return await self.push_envelope("interactive", payload)

    async def submit_view(
        self,
        view_id: str,
        values: dict[str, dict[str, Any]] | None = None,
        *,
        user: str | None = None,
    ) -> str:
        """Submit an open modal.

        `values` maps block_id -> action_id -> value (see `payloads.view_state`).
        """
        record = self.view(view_id)
        if record.state != "open":
            raise ValueError(f"view {view_id} is {record.state}")
        submitter = self._user(user or record.user)
        state = payloads.view_state(record.view, values or {})
        payload = payloads.view_submission(
            record, submitter, state, trigger_id=self.state.issue_trigger(submitter.id)
        )
        return await self.push_envelope("interactive", payload, accepts_response_payload=True)

    def fill_channel(
        self, channel: str, count: int, *, user: str = "U2", text: str = "chatter {n}"
    ) -> list[StoredMessage]:
        """``count`` messages typed by ``user`` in ``channel`` at once, as in a busy channel
        (``text`` formatted with ``n``); each gets a newer ts than anything stored before."""
        where, sender = self._channel(channel), self._user(user)
        return [
            self.state.post(where, text.format(n=n), None, source="user", user=sender.id)
            for n in range(count)
        ]

    # -- what people do to messages (emulators.slack.events, files) ------------

    async def post_user_message(
        self,
        channel: str,
        text: str,
        *,
        user: str = "U1",
        thread_ts: str | None = None,
        files: Iterable[tuple[str, bytes] | SlackFile] = (),
        bot_id: str | None = None,
        app_id: str | None = None,
        subtype: str | None = None,
        deliver: bool = True,
    ) -> StoredMessage:
        """``user`` typed ``text`` in ``channel`` (or a thread), sharing ``files`` (name and
        content, or files already uploaded); with ``bot_id``, another app posted it. Slack then
        sends a ``message`` event, when the bot is in the channel (``deliver=False``: none)."""
        where, sender = self._channel(channel), self._user(user)
        shared = [
            f if isinstance(f, SlackFile) else self.files.add(f[0], f[1], user=sender.id)
            for f in files
        ]
        message = self.state.post(
            where, text, None, thread_ts=thread_ts, source="user", user=sender.id
        )
        if bot_id is not None:
            message.bot_id, message.app_id = bot_id, app_id or "A999"
        message.subtype = subtype or ("file_share" if shared else None)
        message.files = [f.to_api(self.base_url) for f in shared] or None
        if deliver and where.bot_is_member:
            event = events.event_callback(events.message_event(message, where))
            await self.push_envelope("events_api", event)
        return message

    async def message_shortcut(
        self, channel: str, ts: str, *, user: str = "U1", callback_id: str = "file_as_ticket"
    ) -> str:
        """``user`` picked the message shortcut ``callback_id`` on a message; Slack sends it
        whether or not the bot is in the channel. Returns the envelope_id."""
        who, where = self._user(user), self._channel(channel)
        message = self.state.message(where.id, ts)
        payload = events.message_action(
            callback_id,
            who,
            where,
            message,
            trigger_id=self.state.issue_trigger(who.id),
            response_url=self.state.issue_response_url(self.base_url, "actions", where.id, who.id),
        )
        return await self.push_envelope("interactive", payload)

    async def react(
        self, channel: str, ts: str, reaction: str = "ticket", *, user: str = "U1"
    ) -> str | None:
        """``user`` added ``:reaction:`` to a message. Slack sends ``reaction_added`` to an app
        with ``reactions:read`` in the channel; returns its envelope_id (None when not sent).
        ValueError (``already_reacted``) when ``user`` has that reaction there already."""
        who, where = self._user(user), self._channel(channel)
        message = self.state.message(where.id, ts)
        users = self.reactions.setdefault((where.id, ts), {}).setdefault(reaction, [])
        if who.id in users:
            raise ValueError("already_reacted")
        users.append(who.id)
        if "reactions:read" not in self.state.scopes or not where.bot_is_member:
            return None
        event = events.event_callback(events.reaction_added(who, reaction, message))
        return await self.push_envelope("events_api", event)

    def unreact(self, channel: str, ts: str, reaction: str = "ticket", *, user: str = "U1") -> None:
        """``user`` took the reaction back (``reaction_removed`` is not sent: the bot has no use
        for it)."""
        users = self.reactions.get((self._channel(channel).id, ts), {}).get(reaction, [])
        if user in users:
            users.remove(user)

    async def disconnect(
        self, reason: str = "refresh_requested", connection_id: int | None = None
    ) -> None:
        await self.socket.disconnect(reason, connection_id)

    async def drop_connections(
        self, *, abrupt: bool = True, connection_id: int | None = None
    ) -> None:
        await self.socket.drop(abrupt=abrupt, connection_id=connection_id)

    async def redeliver(self, envelope_id: str) -> None:
        await self.socket.redeliver(envelope_id)

    # -- waiting -------------------------------------------------------------

    async def wait_for(
        self,
        predicate: Callable[[], T | Literal[False] | None],
        timeout: float = 5.0,  # noqa: ASYNC109 - a polling helper, not a cancellable call
        *,
        interval: float = 0.01,
        what: str = "",
    ) -> T:
        """Poll `predicate` until it returns something truthy; return that."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            result = predicate()
            if result:
                return result
            if asyncio.get_running_loop().time() >= deadline:
                raise TimeoutError(f"timed out after {timeout}s waiting for {what or predicate}")
            await asyncio.sleep(interval)

    async def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> Ack:  # noqa: ASYNC109
        return await self.wait_for(
            lambda: self.socket.ack_for(envelope_id), timeout, what=f"ack of {envelope_id}"
        )

    async def wait_for_connections(self, count: int, timeout: float = 10.0) -> int:  # noqa: ASYNC109
        """Wait until `count` connections have been opened in total (and one is open)."""
        return await self.wait_for(
            lambda: (
                self.connections_opened >= count
                and len(self.socket.open_connections) > 0
                and self.connections_opened
            ),
            timeout,
            what=f"{count} connections",
        )

    # -- inspecting ----------------------------------------------------------

    def messages(self, channel: str, *, include_replies: bool = True) -> list[StoredMessage]:
        stored = self.state.messages.get(self._channel(channel).id, [])
        return [
            m for m in stored if not m.deleted and (include_replies or m.thread_ts in (None, m.ts))
        ]

    def message(self, channel: str, ts: str) -> StoredMessage:
        return self.state.message(self._channel(channel).id, ts)

    def thread(self, channel: str, ts: str) -> list[StoredMessage]:
        return [m for m in self.messages(channel) if m.thread_ts == ts and m.ts != ts]

    def ephemerals(self, user: str | None = None) -> list[EphemeralMessage]:
        if user is not None:
            return list(self.state.ephemerals.get(user, []))
        return [m for messages in self.state.ephemerals.values() for m in messages]

    @property
    def response_url_posts(self) -> list[ResponseUrlPost]:
        return list(self.state.response_url_posts)

    @property
    def views(self) -> dict[str, ViewRecord]:
        return dict(self.state.views)

    def view(self, view_id: str) -> ViewRecord:
        return self.state.views[view_id]

    def api_calls(self, method: str | None = None) -> list[ApiCall]:
        return [c for c in self.state.api_calls if method in (None, c.method)]

    @property
    def acks(self) -> list[Ack]:
        return list(self.socket.acks)

    def ack_for(self, envelope_id: str) -> Ack | None:
        return self.socket.ack_for(envelope_id)

    def envelope(self, envelope_id: str) -> Envelope:
        return self.socket.envelopes[envelope_id]

    @property
    def connections_opened(self) -> int:
        return len(self.socket.connections)

    @property
    def open_connections(self) -> int:
        return len(self.socket.open_connections)

    def channel(self, ref: str) -> Channel:
        return self._channel(ref)

    # -- internals -----------------------------------------------------------

    def _user(self, user_id: str) -> User:
        try:
            return self.state.user(user_id)
        except SlackError:
            raise LookupError(f"no user {user_id!r} in the emulated workspace") from None

    def _channel(self, ref: str) -> Channel:
        try:
            return self.state.resolve_channel(ref)
        except SlackError:
            raise LookupError(f"no channel {ref!r} in the emulated workspace") from None

    def _clickable_message(self, channel: str, ts: str) -> StoredMessage | EphemeralMessage:
        try:
            return self.state.message(channel, ts)
        except SlackError:
            for message in self.ephemerals():
                if message.channel == channel and message.message_ts == ts:
                    return message
        raise LookupError(f"no message {ts} in {channel}")

    @staticmethod
    def _find_button(
        message: StoredMessage | EphemeralMessage, action_id: str, block_id: str | None
    ) -> tuple[str | None, JSON]:
        for found_block, button in message.buttons():
            if button.get("action_id") == action_id and block_id in (None, found_block):
                return found_block, button
        raise LookupError(f"no button {action_id!r} in message {message}")
