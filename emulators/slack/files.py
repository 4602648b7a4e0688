"""Files people shared in Slack: ``files.info`` and the authenticated download URL.

As Slack serves them:

- ``files.info`` (scope ``files:read``) returns the file object: ``url_private`` and
  ``url_private_download`` point at the emulator (``/files-pri/<team>-<id>/…``).
- Those URLs need ``Authorization: Bearer <bot token>``: without a token 401, with another
  token (or without ``files:read``) 403; a deleted file is 404 there and ``file_deleted`` in
  ``files.info``; an unknown one ``file_not_found``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiohttp import web

from .model import JSON, TEAM_ID
from .state import SlackError

if TYPE_CHECKING:
    from .state import SlackState

DOWNLOAD_PREFIX = "/files-pri"


@dataclass
class SlackFile:
    id: str
    name: str
    content: bytes
    user: str
    mimetype: str = "application/octet-stream"
    deleted: bool = False
    #: Downloads served (the bot's authenticated GETs that returned the content).
    downloads: int = 0
    created: int = field(default=1700000000)

    @property
    def size(self) -> int:
        return len(self.content)

    def path(self) -> str:
        return f"{DOWNLOAD_PREFIX}/{TEAM_ID}-{self.id}/download/{self.name}"

    def to_api(self, base_url: str) -> JSON:
        """The file object of ``files.info`` and of a message's ``files``."""
        url = base_url.rstrip("/") + self.path()
        return {
            "id": self.id,
            "created": self.created,
            "timestamp": self.created,
            "name": self.name,
            "title": self.name,
            "mimetype": self.mimetype,
            "filetype": self.name.rsplit(".", 1)[-1] if "." in self.name else "binary",
            "user": self.user,
            "size": self.size,
            "mode": "hosted",
            "is_external": False,
            "url_private": url.replace("/download/", "/"),
            "url_private_download": url,
        }


class FileStore:
    """The workspace's files, by id."""

    def __init__(self, state: SlackState, bot_token: str) -> None:
        self.state = state
        self._bot_token = bot_token
        self.files: dict[str, SlackFile] = {}

    def add(
        self, name: str, content: bytes, *, user: str, mimetype: str = "application/octet-stream"
    ) -> SlackFile:
        file = SlackFile(f"F{secrets.token_hex(5).upper()}", name, content, user, mimetype)
        self.files[file.id] = file
        return file

    def get(self, file_id: str) -> SlackFile:
        file = self.files.get(file_id)
        if file is None:
            raise LookupError(f"no file {file_id!r}")
        return file

    def info(self, args: JSON, base_url: str) -> JSON:
        """``files.info``."""
        self.state.require_scope("files:read")
        file = self.files.get(str(args.get("file") or ""))
        if file is None:
            raise SlackError("file_not_found")
        if file.deleted:
            raise SlackError("file_deleted")
        return {"file": file.to_api(base_url), "comments": [], "response_metadata": {}}

    async def download(self, request: web.Request) -> web.Response:
        """GET on ``url_private`` / ``url_private_download``."""
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return web.Response(status=401, text="not_authed")
        token = header.removeprefix("Bearer ").strip()
        if not secrets.compare_digest(token, self._bot_token):
            return web.Response(status=403, text="invalid_auth")
        if "files:read" not in self.state.scopes:
            return web.Response(status=403, text="missing_scope")
        file_id = request.match_info["ref"].removeprefix(f"{TEAM_ID}-")
        file = self.files.get(file_id)
        if file is None or file.deleted:
            return web.Response(status=404, text="file_not_found")
        file.downloads += 1
        return web.Response(
            body=file.content,
            content_type=file.mimetype,
            headers={"Content-Disposition": f'attachment; filename="{file.name}"'},
        )

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(DOWNLOAD_PREFIX + "/{ref}/download/{name}", self.download)
        app.router.add_get(DOWNLOAD_PREFIX + "/{ref}/{name}", self.download)
