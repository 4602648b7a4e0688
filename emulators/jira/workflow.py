"""An issue's transitions and comments."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from . import validation
from .call import Call
from .changes import record_change, status_items
from .issues import IssueResources
from .model import (
    JiraHTTPError,
)


class WorkflowResources(IssueResources):
    """GET/POST issue/{key}/transitions and issue/{key}/comment."""

    def _available(self, stored: dict[str, Any]) -> list[tuple[str, str, str]]:
        """(id, name, target status) of the transitions offered from the issue's status."""
        return [
            (str(11 + 10 * index), name, target)
            for index, (name, target) in enumerate(self.transitions.items())
            if target != stored["status"]
        ]

    async def _get_transitions(self, call: Call) -> web.StreamResponse:
        _, stored = self._issue(call.match["key"])
        items = [
            {
                "id": tid,
                "name": name,
                "hasScreen": False,
                "isGlobal": True,
                "isInitial": False,
                "isAvailable": True,
                "isConditional": False,
                "to": self._status_json(target, call),
            }
            for tid, name, target in self._available(stored)
        ]
        return web.json_response({"expand": "transitions", "transitions": items})

    async def _do_transition(self, call: Call) -> web.StreamResponse:
        _, stored = self._issue(call.match["key"])
        wanted = str(((call.body or {}).get("transition") or {}).get("id"))
        target = next((t for tid, _, t in self._available(stored) if tid == wanted), None)
        if target is None:
            raise JiraHTTPError(400, [f"Transition id '{wanted}' is not valid for this issue."])
        for item in ((call.body or {}).get("update") or {}).get("comment") or []:
            self._append_comment(stored, (item.get("add") or {}).get("body"), call)
        items = status_items(self, stored["status"], target)
        stored["status"] = target
        record_change(self, stored, self.users[0]["accountId"], items)
        return web.Response(status=204)

    async def _get_comments(self, call: Call) -> web.StreamResponse:
        _, stored = self._issue(call.match["key"])
        comments = [self._comment_json(c, call) for c in stored["comments"]]
        return web.json_response(
            {
                "comments": comments,
                "startAt": 0,
                "maxResults": len(comments),
                "total": len(comments),
            }
        )

    async def _add_comment(self, call: Call) -> web.StreamResponse:
        _, stored = self._issue(call.match["key"])
        body = (call.body or {}).get("body") if isinstance(call.body, dict) else None
        if body is None or body == "":
            raise JiraHTTPError(400, errors={"comment": "Comment body can not be empty!"})
        if problem := validation.text_problem(body, call.version):
            raise JiraHTTPError(400, errors={"comment": problem})
        internal, visibility = self.comment_flags(call.body)
        comment = self.store_comment(stored, body, internal=internal, visibility=visibility)
        return web.json_response(self._comment_json(comment, call), status=201)
