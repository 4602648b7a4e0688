"""``/ticket_status notify dm|thread``: how a requester hears about Jira changes to their
tickets. ``thread`` (the default): in the ticket's thread, mentioned; ``dm``: a direct
message as well (``bot.triage.sync_plan``). Comments always go to the thread only."""

from __future__ import annotations

import logging

from bot import messages
from bot.db.prefs import MODES, NotifyPrefs
from bot.errors import StorageError

log = logging.getLogger(__name__)


def is_notify_command(query: str) -> bool:
    words = query.split()
    return bool(words) and words[0].lower() == "notify"


class NotifyChoice:
    def __init__(self, prefs: NotifyPrefs) -> None:
        self._prefs = prefs

    async def choose(self, user_id: str, query: str) -> str:
        """The answer to ``notify …`` (``query`` is the whole command text)."""
        words = query.split()
        mode = words[1].lower() if len(words) == 2 else ""
        if mode not in MODES:
            return messages.NOTIFY_USAGE
        try:
            await self._prefs.choose(user_id, mode)
        except StorageError:
            log.exception("could not save the notification preference of %s", user_id)
            return messages.UNEXPECTED
        return messages.NOTIFY_SET[mode]
