"""The `response_url` endpoints: `POST /commands/...` and `POST /actions/...`."""

from __future__ import annotations

from typing import Literal

from aiohttp import web

from .blocks import MAX_MESSAGE_BLOCKS, validate_blocks
from .model import JSON, ResponseUrlPost
from .state import SlackError, SlackState


class ResponseUrls:
    """Records every post and applies it (ephemeral, in_channel, replace/delete original).

    Answers like Slack: 200 `ok`; 404 `expired_url` / `used_url` (more than 5 uses or
    older than 30 minutes); 400 `no_text` / `invalid_blocks` / `invalid_payload`.
    """

    def __init__(self, state: SlackState) -> None:
        self.state = state

    async def handle(self, request: web.Request) -> web.Response:
        kind: Literal["commands", "actions"] = (
            "commands" if request.path.startswith("/commands/") else "actions"
        )
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return web.Response(status=400, text="invalid_payload")
        status, text, target = 200, "ok", None
        try:
            target = self.state.use_response_url(request.path)
            self._check_body(body)
        except SlackError as error:
            status = 404 if error.error in ("expired_url", "used_url") else 400
            text = error.error
        channel, user = (target.channel, target.user) if target else ("", "")
        post = ResponseUrlPost(request.path, kind, body, status, channel, user)
        self.state.response_url_posts.append(post)
        if target is not None and status == 200:
            self.state.apply_response(target, body, "response_url")
        return web.Response(status=status, text=text)

    @staticmethod
    def _check_body(body: JSON) -> None:
        blocks = body.get("blocks")
        if blocks is not None and validate_blocks(blocks, MAX_MESSAGE_BLOCKS):
            raise SlackError("invalid_blocks")
        if not body.get("text") and not blocks and not body.get("delete_original"):
            raise SlackError("no_text")
