"""`/_emulator/...`: drive and inspect a standalone emulator over HTTP (manual runs).

    curl -XPOST localhost:8765/_emulator/slash_command \
         -d '{"command": "/ticket", "text": "printer on fire", "user": "U1", "channel": "C1"}'
    curl localhost:8765/_emulator/state
"""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from .server import SlackEmulator


def add_control_routes(app: web.Application, emulator: SlackEmulator) -> None:
    async def slash_command(request: web.Request) -> web.Response:
        body = await _body(request)
        envelope_id = await emulator.slash_command(
            body["command"],
            body.get("text", ""),
            user=body.get("user", "U1"),
            channel=body.get("channel", "C1"),
        )
        return web.json_response({"envelope_id": envelope_id})

    async def click_button(request: web.Request) -> web.Response:
        body = await _body(request)
        envelope_id = await emulator.click_button(
            body["channel"], body["ts"], body["action_id"], user=body.get("user", "U1")
        )
        return web.json_response({"envelope_id": envelope_id})

    async def submit_view(request: web.Request) -> web.Response:
        body = await _body(request)
        envelope_id = await emulator.submit_view(
            body["view_id"], body.get("values", {}), user=body.get("user")
        )
        return web.json_response({"envelope_id": envelope_id})

    async def disconnect(request: web.Request) -> web.Response:
        body = await _body(request)
        await emulator.disconnect(body.get("reason", "refresh_requested"))
        return web.json_response({"ok": True})

    async def post_message(request: web.Request) -> web.Response:
        """``{"channel", "text", "user"?, "thread_ts"?, "bot_id"?, "subtype"?, "files"?:
        [{"name", "text"} or {"name", "base64"}]}``: a person (or another app) posts."""
        body = await _body(request)
        message = await emulator.post_user_message(
            body["channel"],
            body.get("text", ""),
            user=body.get("user", "U1"),
            thread_ts=body.get("thread_ts"),
            files=[_file(f) for f in body.get("files") or []],
            bot_id=body.get("bot_id"),
            subtype=body.get("subtype"),
        )
        return web.json_response({"ok": True, "channel": message.channel, "ts": message.ts})

    async def message_shortcut(request: web.Request) -> web.Response:
        body = await _body(request)
        envelope_id = await emulator.message_shortcut(
            body["channel"],
            body["ts"],
            user=body.get("user", "U1"),
            callback_id=body.get("callback_id", "file_as_ticket"),
        )
        return web.json_response({"envelope_id": envelope_id})

    async def react(request: web.Request) -> web.Response:
        body = await _body(request)
        envelope_id = await emulator.react(
            body["channel"], body["ts"], body.get("reaction", "ticket"), user=body.get("user", "U1")
        )
        return web.json_response({"envelope_id": envelope_id})

    async def state(request: web.Request) -> web.Response:
        return web.json_response(snapshot(emulator), dumps=_dumps)

    app.router.add_post("/_emulator/slash_command", _guard(slash_command))
    app.router.add_post("/_emulator/click_button", _guard(click_button))
    app.router.add_post("/_emulator/submit_view", _guard(submit_view))
    app.router.add_post("/_emulator/disconnect", _guard(disconnect))
    app.router.add_post("/_emulator/post_message", _guard(post_message))
    app.router.add_post("/_emulator/message_shortcut", _guard(message_shortcut))
    app.router.add_post("/_emulator/react", _guard(react))
    app.router.add_get("/_emulator/state", state)


def snapshot(emulator: SlackEmulator) -> dict[str, Any]:
    """Everything a person debugging a run wants to see, as plain JSON."""
    state = emulator.state
    return {
        "messages": {c: [dataclasses.asdict(m) for m in ms] for c, ms in state.messages.items()},
        "ephemerals": {
            u: [dataclasses.asdict(m) for m in ms] for u, ms in state.ephemerals.items()
        },
        "views": [dataclasses.asdict(v) for v in state.views.values()],
        "response_url_posts": [dataclasses.asdict(p) for p in state.response_url_posts],
        "acks": [dataclasses.asdict(a) for a in emulator.acks],
        "api_calls": [
            {"method": c.method, "status": c.status, "error": c.error} for c in state.api_calls
        ],
        "connections_opened": emulator.connections_opened,
        "problems": emulator.problems,
    }


def _file(spec: Any) -> tuple[str, bytes]:
    if not isinstance(spec, dict) or not spec.get("name"):
        raise ValueError("a file is {\"name\", \"text\"} or {\"name\", \"base64\"}")
    if "base64" in spec:
        return str(spec["name"]), base64.b64decode(str(spec["base64"]))
    return str(spec["name"]), str(spec.get("text", "")).encode()


def _dumps(value: Any) -> str:
    return json.dumps(value, indent=2, default=str)


async def _body(request: web.Request) -> dict[str, Any]:
    body = await request.json()
    if not isinstance(body, dict):
        raise ValueError("expected a JSON object")
    return body


Route = Callable[[web.Request], Awaitable[web.Response]]


def _guard(handler: Route) -> Route:
    async def guarded(request: web.Request) -> web.Response:
        try:
            return await handler(request)
        except (LookupError, ValueError) as error:
            return web.json_response({"ok": False, "error": repr(error)}, status=400)

    return guarded
