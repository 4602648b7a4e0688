"""The Web API under `/api/<method>`: auth, faults, argument parsing and the methods."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Callable
from typing import Literal

from aiohttp import web

from .blocks import MAX_MESSAGE_BLOCKS, validate_blocks, validate_view
from .faults import AfterEffect, FaultPlan
from .history import history_page
from .listing import conversations_list
from .members import SCOPES as MEMBER_SCOPES
from .members import member_ids, members_page
from .model import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    JSON,
    TEAM_DOMAIN,
    TEAM_ID,
    TEAM_NAME,
    ApiCall,
    Channel,
    ViewRecord,
)
from .state import SlackError, SlackState

Handler = Callable[[JSON], JSON]
TokenKind = Literal["bot", "app", "unknown", "none"]
APP_TOKEN_METHODS = frozenset({"apps.connections.open"})
JSON_ARGS = ("blocks", "attachments", "view", "metadata")


async def read_args(request: web.Request) -> JSON:
    """Merge the query string, a form body and a JSON body, as Slack does."""
    args: JSON = dict(request.query)
    if not request.can_read_body:
        return args
    if request.content_type == "application/json":
        body = await request.json()
        if isinstance(body, dict):
            args.update(body)
    else:
        form = await request.post()
        args.update({key: str(value) for key, value in form.items()})
    return args


def decode_json_args(args: JSON) -> None:
    """Form-encoded `blocks`/`view` arrive as JSON strings."""
    for key in JSON_ARGS:
        value = args.get(key)
        if isinstance(value, str):
            try:
                args[key] = json.loads(value)
            except ValueError:
                error = "invalid_arguments" if key == "view" else "invalid_blocks_format"
                raise SlackError(error) from None


def _text_and_blocks(args: JSON) -> tuple[str, list[JSON] | None]:
    blocks = args.get("blocks")
    text = str(args.get("text") or "")
    if blocks is not None:
        errors = validate_blocks(blocks, MAX_MESSAGE_BLOCKS)
        if errors:
            raise SlackError(
                "invalid_blocks", errors=errors, response_metadata={"messages": errors}
            )
    if not text and not blocks and not args.get("attachments"):
        raise SlackError("no_text")
    return text, blocks


def _checked_view(args: JSON) -> JSON:
    view = args.get("view")
    errors = validate_view(view)
    if errors:
        raise SlackError("invalid_arguments", response_metadata={"messages": errors})
    assert isinstance(view, dict)
    return view


def build_view(view_id: str, view: JSON, previous: str | None) -> JSON:
    """The view object Slack returns (and sends back in view_submission)."""
    return {
        "id": view_id,
        "team_id": TEAM_ID,
        "private_metadata": "",
        "callback_id": "",
        "external_id": "",
        "clear_on_close": False,
        "notify_on_close": False,
        **view,
        "state": {"values": {}},
        "hash": f"{secrets.randbelow(10**9)}.{secrets.token_hex(4)}",
        "root_view_id": previous or view_id,
        "previous_view_id": previous,
        "app_id": APP_ID,
        "bot_id": BOT_ID,
    }


def _cut(request: web.Request) -> web.Response:
    """Close the connection without an answer (the effect of the call stays)."""
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=500)  # never sent: the connection is gone


def _checked_metadata(args: JSON) -> JSON | None:
    metadata = args.get("metadata")
    if metadata is None:
        return None
    if not (
        isinstance(metadata, dict)
        and isinstance(metadata.get("event_type"), str)
        and isinstance(metadata.get("event_payload"), dict)
    ):
        raise SlackError("invalid_metadata_format")
    return metadata


class WebApi:
    def __init__(
        self,
        state: SlackState,
        faults: FaultPlan,
        *,
        bot_token: str,
        app_token: str,
        open_connection: Callable[[], str],
    ) -> None:
        self.state = state
        self.faults = faults
        self.bot_token = bot_token
        self.app_token = app_token
        self._open_connection = open_connection
        self.methods: dict[str, Handler] = {
            "auth.test": self.auth_test,
            "apps.connections.open": self.apps_connections_open,
            "chat.postMessage": self.chat_post_message,
            "chat.postEphemeral": self.chat_post_ephemeral,
            "chat.update": self.chat_update,
            "chat.getPermalink": self.chat_get_permalink,
            "views.open": self.views_open,
            "views.push": self.views_push,
            "views.update": self.views_update,
            "users.info": self.users_info,
            "users.lookupByEmail": self.users_lookup_by_email,
            "conversations.info": self.conversations_info,
            "conversations.join": self.conversations_join,
            "conversations.open": self.conversations_open,
            "conversations.replies": self.conversations_replies,
            "conversations.history": self.conversations_history,
            "conversations.members": self.conversations_members,
            "conversations.list": lambda args: conversations_list(self.state, args),
        }

    # -- plumbing ------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await read_args(request)
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else None
        token = token or args.pop("token", None)
        args.pop("token", None)
        token_kind = self._token_kind(token)
        status, body, headers = 200, {}, {}
        after = AfterEffect()
        try:
            self._check_token(method, token_kind)
            handler = self.methods.get(method)
            if handler is None:
                raise SlackError("unknown_method", req_method=method)
            decision = self.faults.decide(method)
            if decision.retry_after is None and method == "chat.postMessage":
                decision.retry_after = self.faults.channel_post(args.get("channel"))
            if decision.delay_s:
                await asyncio.sleep(decision.delay_s)
            if decision.retry_after is not None:
                status, body = 429, {"ok": False, "error": "ratelimited"}
                headers["Retry-After"] = str(decision.retry_after)
            elif decision.error is not None:
                body = {"ok": False, "error": decision.error}
            else:
                decode_json_args(args)
                body = {"ok": True, **handler(args)}
                after = self.faults.after_success(method)
        except SlackError as error:
            body = error.body()
        if method == "auth.test" and body.get("ok"):
            headers["x-oauth-scopes"] = ",".join(sorted(self.state.scopes))
        call = ApiCall(method, args, token_kind, status, body, connection_reset=after.reset)
        self.state.api_calls.append(call)
        if after.stall_s:
            await asyncio.sleep(after.stall_s)
        if after.reset:
            return _cut(request)
        return web.json_response(body, status=status, headers=headers)

    def _token_kind(self, token: str | None) -> TokenKind:
        if not token:
            return "none"
        if secrets.compare_digest(token, self.bot_token):
            return "bot"
        if secrets.compare_digest(token, self.app_token):
            return "app"
        return "unknown"

    @staticmethod
    def _check_token(method: str, token_kind: str) -> None:
        if token_kind == "none":  # noqa: S105 - a token kind, not a token
            raise SlackError("not_authed")
        if token_kind == "unknown":  # noqa: S105 - a token kind, not a token
            raise SlackError("invalid_auth")
        wanted = "app" if method in APP_TOKEN_METHODS else "bot"
        if token_kind != wanted:
            raise SlackError("not_allowed_token_type")

    # -- auth and connections ------------------------------------------------

    def auth_test(self, args: JSON) -> JSON:
        return {
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": TEAM_NAME,
            "user": self.state.users[BOT_USER_ID].name
            if BOT_USER_ID in self.state.users
            else "bot",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def apps_connections_open(self, args: JSON) -> JSON:
        return {"url": self._open_connection()}

    # -- chat ----------------------------------------------------------------

    def chat_post_message(self, args: JSON) -> JSON:
        self.state.require_scope("chat:write")
        channel = self.state.postable_channel(args.get("channel"))
        text, blocks = _text_and_blocks(args)
        metadata = _checked_metadata(args)
        thread_ts = args.get("thread_ts") or None
        message = self.state.post(channel, text, blocks, thread_ts=thread_ts)
        message.metadata = metadata
        return {"channel": channel.id, "ts": message.ts, "message": message.to_api()}

    def chat_post_ephemeral(self, args: JSON) -> JSON:
        self.state.require_scope("chat:write")
        channel = self.state.postable_channel(args.get("channel"))
        user = self.state.user(args.get("user"))
        if not channel.has_member(user.id):
            raise SlackError("user_not_in_channel")
        text, blocks = _text_and_blocks(args)
        thread_ts = args.get("thread_ts") or None
        message = self.state.post_ephemeral(channel.id, user.id, text, blocks, thread_ts=thread_ts)
        return {"message_ts": message.message_ts}

    def chat_update(self, args: JSON) -> JSON:
        self.state.require_scope("chat:write")
        channel = self.state.visible_channel(args.get("channel"))
        message = self.state.message(channel.id, args.get("ts"))
        if message.user != BOT_USER_ID:
            raise SlackError("cant_update_message")
        text, blocks = _text_and_blocks(args)
        message.replace(text, blocks, "chat.update")
        return {"channel": channel.id, "ts": message.ts, "text": text, "message": message.to_api()}

    def chat_get_permalink(self, args: JSON) -> JSON:
        channel = self.state.visible_channel(args.get("channel"))
        message = self.state.message(channel.id, args.get("message_ts"))
        link = (
            f"https://{TEAM_DOMAIN}.slack.com/archives/{channel.id}/p{message.ts.replace('.', '')}"
        )
        return {"channel": channel.id, "permalink": link}

    # -- views ---------------------------------------------------------------

    def _new_view(self, view: JSON, user: str, trigger_id: str, previous: str | None) -> JSON:
        view_id = self.state.ids.next("V")
        record = ViewRecord(view_id, {}, user, trigger_id, previous_view_id=previous)
        record.view = build_view(view_id, view, previous)
        self.state.views[view_id] = record
        return {"view": record.view}

    def views_open(self, args: JSON) -> JSON:
        view = _checked_view(args)
        trigger = self.state.use_trigger(args.get("trigger_id"))
        return self._new_view(view, trigger.user, trigger.id, None)

    def views_push(self, args: JSON) -> JSON:
        view = _checked_view(args)
        trigger = self.state.use_trigger(args.get("trigger_id"))
        open_views = [v for v in self.state.views.values() if v.user == trigger.user]
        previous = next((v.id for v in reversed(open_views) if v.state == "open"), None)
        return self._new_view(view, trigger.user, trigger.id, previous)

    def views_update(self, args: JSON) -> JSON:
        view = _checked_view(args)
        record = self._find_view(args)
        if args.get("hash") and args["hash"] != record.view.get("hash"):
            raise SlackError("hash_conflict")
        record.history.append(record.view)
        record.view = build_view(record.id, view, record.previous_view_id)
        return {"view": record.view}

    def _find_view(self, args: JSON) -> ViewRecord:
        view_id, external_id = args.get("view_id"), args.get("external_id")
        for record in self.state.views.values():
            if record.id == view_id or (
                external_id and record.view.get("external_id") == external_id
            ):
                return record
        raise SlackError("not_found")

    # -- users and conversations ---------------------------------------------

    def users_info(self, args: JSON) -> JSON:
        self.state.require_scope("users:read")
        user = self.state.user(args.get("user"))
        return {"user": user.to_api(with_email="users:read.email" in self.state.scopes)}

    def users_lookup_by_email(self, args: JSON) -> JSON:
        self.state.require_scope("users:read.email")
        email = str(args.get("email") or "").lower()
        for user in self.state.users.values():
            if user.email is not None and user.email.lower() == email:
                return {"user": user.to_api(with_email=True)}
        raise SlackError("users_not_found")

    def conversations_info(self, args: JSON) -> JSON:
        channel = self.state.visible_channel(args.get("channel"))
        scope = {"public": "channels:read", "private": "groups:read", "im": "im:read"}
        self.state.require_scope(scope[channel.kind])
        return {"channel": channel.to_api()}

    def conversations_join(self, args: JSON) -> JSON:
        self.state.require_scope("channels:join")
        channel = self.state.visible_channel(args.get("channel"))
        if channel.kind != "public":
            raise SlackError("method_not_supported_for_channel_type")
        if channel.archived:
            raise SlackError("is_archived")
        channel.bot_is_member = True
        return {"channel": channel.to_api()}

    def conversations_open(self, args: JSON) -> JSON:
        self.state.require_scope("im:write")
        users = [u for u in str(args.get("users") or "").split(",") if u]
        if len(users) != 1:
            raise SlackError("not_implemented" if users else "users_list_not_supplied")
        user = self.state.user(users[0])
        if self.state.existing_im(user.id) is not None:
            already: JSON = {"no_op": True, "already_open": True}
        else:
            already = {}
        return {**already, "channel": {"id": self.state.im_with(user.id).id}}

    def conversations_history(self, args: JSON) -> JSON:
        """Paged newest first, as Slack pages it (see history.py)."""
        channel = self._readable_channel(args)
        messages = self.state.messages.get(channel.id, [])
        return history_page(messages, args, self.state.history_page_max)

    def conversations_members(self, args: JSON) -> JSON:
        """Paged (see members.py); private channels and IMs only when the bot is in them."""
        channel = self.state.visible_channel(args.get("channel"))
        self.state.require_scope(MEMBER_SCOPES[channel.kind])
        return members_page(member_ids(channel, self.state.users.values()), args)

    def _readable_channel(self, args: JSON) -> Channel:
        """A bot token reads only conversations the bot is a member of."""
        channel = self.state.visible_channel(args.get("channel"))
        scope = {"public": "channels:history", "private": "groups:history", "im": "im:history"}
        self.state.require_scope(scope[channel.kind])
        if not channel.bot_is_member:
            raise SlackError("not_in_channel")
        return channel

    def conversations_replies(self, args: JSON) -> JSON:
        channel = self._readable_channel(args)
        parent = self.state.message(channel.id, args.get("ts"))
        thread = [parent] + [
            m
            for m in self.state.messages.get(channel.id, [])
            if m.thread_ts == parent.ts and m is not parent and not m.deleted
        ]
        return {"messages": [m.to_api() for m in thread], "has_more": False}
