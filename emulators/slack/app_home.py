"""App Home: ``views.publish`` (one home view per user, validated like the other view
methods), the ``app_home_opened`` event, and clicks on the buttons of a published home view
(``block_actions`` with a ``view`` container and no response_url, as Slack sends them).

Control routes: ``POST /_emulator/open_home`` ``{"user"}``, ``POST /_emulator/click_home``
``{"user", "action_id", "value"?}``, ``GET /_emulator/home_views``.
"""

from __future__ import annotations

import copy
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import events, payloads
from .model import APP_ID, JSON, TEAM_ID
from .state import SlackError
from .web_api import _checked_view, build_view

if TYPE_CHECKING:
    from .server import SlackEmulator


class AppHome:
    def __init__(self, emulator: SlackEmulator) -> None:
        self._emulator = emulator
        #: The published home view of each user (what Slack shows on their Home tab).
        self.views: dict[str, JSON] = {}
        #: Every views.publish accepted, as (user, view), oldest first.
        self.published: list[tuple[str, JSON]] = []
        emulator.web_api.methods["views.publish"] = self.views_publish

    # -- the Web API method --------------------------------------------------

    def views_publish(self, args: JSON) -> JSON:
        state = self._emulator.state
        user = state.user(args.get("user_id"))
        view = args.get("view")
        if not isinstance(view, dict) or view.get("type") != "home":
            raise SlackError(
                "invalid_arguments", response_metadata={"messages": ["view type must be home"]}
            )
        _checked_view(args)  # the same validation as views.open / views.update
        current = self.views.get(user.id)
        if args.get("hash") and current is not None and args["hash"] != current.get("hash"):
            raise SlackError("hash_conflict")
        view_id = current["id"] if current is not None else state.ids.next("V")
        built = build_view(view_id, view, None)
        self.views[user.id] = built
        self.published.append((user.id, built))
        return {"view": built}

    # -- what people do ------------------------------------------------------

    async def open_home(self, user: str = "U1") -> str:
        """``user`` opened the app's Home tab; returns the envelope_id."""
        who = self._emulator.channel(user)  # the bot's IM with the user (opened if need be)
        event: JSON = {
            "type": "app_home_opened",
            "user": user,
            "channel": who.id,
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        }
        if user in self.views:
            event["view"] = copy.deepcopy(self.views[user])
        return await self._emulator.push_envelope("events_api", events.event_callback(event))

    async def click(self, user: str, action_id: str, value: str | None = None) -> str:
        """Click the button ``action_id`` (with ``value``, if several) in ``user``'s home;
        returns the envelope_id."""
        payload = self.click_payload(user, action_id, value)
        return await self._emulator.push_envelope("interactive", payload)

    def click_payload(self, user: str, action_id: str, value: str | None = None) -> JSON:
        """The ``block_actions`` payload of that click (for tests that dispatch it in process)."""
        view = self.views.get(user)
        if view is None:
            raise LookupError(f"no home view published for {user}")
        found = next(
            (
                (block.get("block_id"), element)
                for block in view.get("blocks") or []
                for element in block.get("elements") or []
                if element.get("type") == "button"
                and element.get("action_id") == action_id
                and value in (None, element.get("value"))
            ),
            None,
        )
        if found is None:
            raise LookupError(f"no button {action_id!r} ({value}) in the home of {user}")
        block_id, button = found
        clicker = self._emulator.state.user(user)
        payload: JSON = {
            "type": "block_actions",
            "user": {
                "id": clicker.id,
                "username": clicker.name,
                "name": clicker.name,
                "team_id": TEAM_ID,
            },
            "api_app_id": APP_ID,
            "token": payloads.VERIFICATION_TOKEN,
            "container": {"type": "view", "view_id": view["id"]},
            "trigger_id": self._emulator.state.issue_trigger(clicker.id),
            "team": {"id": TEAM_ID},
            "enterprise": None,
            "is_enterprise_install": False,
            "view": copy.deepcopy(view),
            "actions": [payloads.button_action(block_id, button, button.get("value"))],
        }
        return payload

    def buttons(self, user: str, action_id: str) -> list[str]:
        """The values of the ``action_id`` buttons in ``user``'s home (e.g. ticket ids)."""
        view = self.views.get(user) or {}
        return [
            str(element.get("value"))
            for block in view.get("blocks") or []
            for element in block.get("elements") or []
            if element.get("action_id") == action_id
        ]

    def text(self, user: str) -> str:
        """All the text of ``user``'s home view, for assertions."""
        return " ".join(_texts(self.views.get(user) or {}))


def _texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [str(node["text"])] if isinstance(node.get("text"), str) else []
        return found + [t for value in node.values() for t in _texts(value)]
    if isinstance(node, list):
        return [t for item in node for t in _texts(item)]
    return []


def add_home_routes(app: web.Application, emulator: SlackEmulator) -> None:
    home = emulator.home

    async def open_home(request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response({"envelope_id": await home.open_home(body.get("user", "U1"))})

    async def click_home(request: web.Request) -> web.Response:
        body = await request.json()
        try:
            envelope_id = await home.click(body["user"], body["action_id"], body.get("value"))
        except (LookupError, SlackError) as error:
            return web.json_response({"ok": False, "error": repr(error)}, status=400)
        return web.json_response({"envelope_id": envelope_id})

    async def home_views(request: web.Request) -> web.Response:
        return web.json_response(home.views)

    app.router.add_post("/_emulator/open_home", open_home)
    app.router.add_post("/_emulator/click_home", click_home)
    app.router.add_get("/_emulator/home_views", home_views)
