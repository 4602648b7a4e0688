"""``/_emulator/...``: a person in Jira, over HTTP, for a standalone emulator (manual runs, the
sandbox). Each route takes a JSON body and answers ``{"ok": true, ...}`` or a 400/404::

    curl -XPOST :8089/_emulator/transition -d '{"key": "KAN-1", "status": "Done"}'
    curl -XPOST :8089/_emulator/assign -d '{"key": "KAN-1", "account_id": null}'
    curl -XPOST :8089/_emulator/comment -d '{"key": "KAN-1", "body": "hi", "internal": true}'
    curl -XPOST :8089/_emulator/delete -d '{"key": "KAN-1"}'
    curl -XPOST :8089/_emulator/move -d '{"key": "KAN-1", "project": "OPS"}'
    curl :8089/_emulator/requests          # requests per method and path
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from .server import JiraEmulator

Action = Callable[[dict[str, Any]], dict[str, Any]]


def add_control_routes(app: web.Application, jira: JiraEmulator) -> None:
    def transition(body: dict[str, Any]) -> dict[str, Any]:
        jira.transition_as(body["key"], body["status"])
        return {}

    def assign(body: dict[str, Any]) -> dict[str, Any]:
        jira.assign(body["key"], body.get("account_id"))
        return {}

    def comment(body: dict[str, Any]) -> dict[str, Any]:
        internal, visibility = bool(body.get("internal")), body.get("visibility")
        return {
            "id": jira.comment_as(
                body["key"], body["body"], internal=internal, visibility=visibility
            )
        }

    def delete(body: dict[str, Any]) -> dict[str, Any]:
        jira.delete_issue(body["key"])
        return {}

    def move(body: dict[str, Any]) -> dict[str, Any]:
        return {"key": jira.move_issue(body["key"], body["project"])}

    for action in (transition, assign, comment, delete, move):
        app.router.add_post(f"/_emulator/{action.__name__}", _route(action))
    app.router.add_get("/_emulator/requests", _counts(jira))


def _route(action: Action) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        try:
            body = json.loads(await request.read() or b"{}")
            return web.json_response({"ok": True, **action(body)})
        except KeyError as exc:
            return web.json_response({"ok": False, "error": f"not found: {exc}"}, status=404)
        except (ValueError, TypeError) as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=400)

    return handle


def _counts(jira: JiraEmulator) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        return web.json_response(dict(jira.request_counts()))

    return handle
