"""One comment: GET, PUT (edit the body) and DELETE ``issue/{key}/comment/{id}`` (404 when the
issue or the comment does not exist, as Jira answers)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from . import validation
from .call import Call
from .model import JiraHTTPError, jira_time
from .workflow import WorkflowResources

NOT_FOUND_COMMENT = "Can not find a comment for the id: {0}."


class CommentResources(WorkflowResources):
    def _comment(self, call: Call) -> tuple[dict[str, Any], dict[str, Any]]:
        _, stored = self._issue(call.match["key"])
        wanted = call.match["id"]
        for comment in stored["comments"]:
            if str(comment["id"]) == wanted:
                return stored, comment
        raise JiraHTTPError(404, [NOT_FOUND_COMMENT.format(wanted)])

    async def _get_comment(self, call: Call) -> web.StreamResponse:
        _, comment = self._comment(call)
        return web.json_response(self._comment_json(comment, call))

    async def _edit_comment(self, call: Call) -> web.StreamResponse:
        stored, comment = self._comment(call)
        body = (call.body or {}).get("body") if isinstance(call.body, dict) else None
        if body is None or body == "":
            raise JiraHTTPError(400, errors={"comment": "Comment body can not be empty!"})
        if problem := validation.text_problem(body, call.version):
            raise JiraHTTPError(400, errors={"comment": problem})
        comment["body"] = body
        comment["editor"] = self.users[0]["accountId"]  # the caller: the bot's account
        comment["edited"] = stored["updated"] = jira_time()
        return web.json_response(self._comment_json(comment, call))

    async def _delete_comment(self, call: Call) -> web.StreamResponse:
        stored, comment = self._comment(call)
        stored["comments"].remove(comment)
        stored["updated"] = jira_time()
        return web.Response(status=204)
