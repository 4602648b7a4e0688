"""The files shared in a thread reply, copied to the ticket's Jira issue with the attachment
code of tickets filed from a message (issue 17: ``SourceChat.download`` reads a file from
Slack, ``Attachments`` lists and adds an issue's attachments, ``sources.*`` the limits).

Adding an attachment is not idempotent in Jira, so the issue's attachments are listed first
and a file already there (same name and size) is not uploaded again: a retried copy after a
lost answer adds nothing twice. A file that cannot be copied (too big, one too many, deleted
in Slack, not readable) stays in Slack and the comment says so. Transient errors propagate:
the reply is retried.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from bot import messages
from bot.errors import FileUnavailable
from bot.settings_sources import SourceSettings
from bot.tickets import SourceFile
from bot.triage.ports import Attachments, SourceChat

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CopiedFiles:
    attached: tuple[str, ...] = ()  # names now attached to the issue
    left: tuple[str, ...] = ()  # "name (why)" for each file that stays only in Slack


class ReplyFiles:
    def __init__(self, chat: SourceChat, attachments: Attachments, settings: SourceSettings):
        self._chat = chat
        self._attachments = attachments
        self._settings = settings

    async def copy(self, key: str, files: Sequence[SourceFile]) -> CopiedFiles:
        if not files:
            return CopiedFiles()
        cap, most = self._settings.attachment_max_bytes, self._settings.max_files
        present = set(await self._attachments.listed(key))
        attached: list[str] = []
        left: list[str] = []
        for number, file in enumerate(files):
            if number >= most:
                left.append(f"{file.name} ({messages.FILE_TOO_MANY.format(limit=most)})")
            elif file.size > cap:
                reason = messages.FILE_TOO_BIG.format(size=_size(file.size), limit=_size(cap))
                left.append(f"{file.name} ({reason})")
            elif (file.name, file.size) in present:
                attached.append(file.name)
            else:
                try:
                    content = await self._chat.download(file.id, cap)
                except FileUnavailable as exc:
                    left.append(f"{file.name} ({exc.reason})")
                    continue
                await self._attachments.add(key, file.name, content)
                present.add((file.name, len(content)))
                attached.append(file.name)
        log.info(
            "jira %s: %s reply file(s) attached, %s left in Slack", key, len(attached), len(left)
        )
        return CopiedFiles(tuple(attached), tuple(left))


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, round(size / 1024))} KB"
