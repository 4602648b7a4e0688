"""``POST /rest/api/{2,3}/issue/{key}/attachments``, as Jira Cloud answers it.

- The request is ``multipart/form-data`` with one or more parts named ``file``; without the
  ``X-Atlassian-Token: no-check`` header Jira refuses it (403, XSRF check failed).
- The answer is the list of the attachments just added; the issue's ``fields.attachment``
  lists every attachment (``id``, ``filename``, ``size``, ``mimeType``, ``content`` URL, …).
- ``max_attachment_bytes`` is the site's limit (Jira Cloud: 1 GB by default); a larger file is
  refused with 413 and nothing is stored.
"""

from __future__ import annotations

import email.parser
import email.policy
from typing import Any

from aiohttp import web

from .base import JiraState
from .call import Call
from .model import JiraHTTPError, jira_time

XSRF_FAILED = "XSRF check failed"


class AttachmentResources(JiraState):
    max_attachment_bytes: int = 1 << 30

    def attachments_of(self, key: str) -> list[dict[str, Any]]:
        """The attachments of an issue as stored: dicts with ``filename``, ``size``, ``content``
        (bytes), ``id``."""
        _, stored = self._issue(key)
        return list(stored.setdefault("attachments", []))

    async def _add_attachments(self, call: Call) -> web.StreamResponse:
        _, stored = self._issue(call.match["key"])
        if call.request.headers.get("X-Atlassian-Token", "").lower() != "no-check":
            return web.Response(status=403, text=XSRF_FAILED)
        parts = _file_parts(call, await call.request.read())
        if not parts:
            raise JiraHTTPError(400, ["No file was given (expected a multipart part 'file')."])
        if any(len(content) > self.max_attachment_bytes for _, _, content in parts):
            raise JiraHTTPError(413, ["The file is larger than the attachment size limit."])
        added = []
        for filename, mime, content in parts:
            self._attachment_counter = getattr(self, "_attachment_counter", 10000) + 1
            attachment = {
                "id": str(self._attachment_counter),
                "filename": filename,
                "size": len(content),
                "mimeType": mime,
                "content": content,
                "created": jira_time(),
            }
            stored.setdefault("attachments", []).append(attachment)
            added.append(attachment_json(self, attachment, call))
        return web.json_response(added)


def attachment_json(site: JiraState, attachment: dict[str, Any], call: Call) -> dict[str, Any]:
    return {
        "self": f"{site.url}/rest/api/{call.version}/attachment/{attachment['id']}",
        "id": attachment["id"],
        "filename": attachment["filename"],
        "author": site._user_json(site.users[0], call),
        "created": attachment["created"],
        "size": attachment["size"],
        "mimeType": attachment["mimeType"],
        "content": f"{site.url}/secure/attachment/{attachment['id']}/{attachment['filename']}",
    }


def attachments_json(site: JiraState, stored: dict[str, Any], call: Call) -> list[dict[str, Any]]:
    """An issue's ``fields.attachment``."""
    return [attachment_json(site, a, call) for a in stored.get("attachments", [])]


def _file_parts(call: Call, raw: bytes) -> list[tuple[str, str, bytes]]:
    """(filename, mime type, content) of each ``file`` part of the multipart body."""
    content_type = call.request.headers.get("Content-Type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise JiraHTTPError(415, ["Expected multipart/form-data."])
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
    found = []
    for part in message.iter_parts() if message.is_multipart() else []:
        if part.get_param("name", header="content-disposition") != "file":
            continue
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename() or "attachment"
        found.append((filename, part.get_content_type(), content))
    return found
