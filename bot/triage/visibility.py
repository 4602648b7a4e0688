"""Who may see a ticket: the one rule, stated here and applied wherever a ticket is shown.

A person sees a ticket's details (summary, status, assignee, priority, link) only when both:

1. the bot filed it: a row of the ticket log carries that Jira key, and the key is in the
   configured project (``JIRA_PROJECT_KEY``); and
2. they are its requester, an approver (``APPROVERS``), or a member of the conversation it
   was filed in (Slack's ``conversations.members``, cached briefly by the Chat port).

Everyone else gets exactly the answer a key that does not exist gets. Where it applies:

- ``/ticket_status KEY`` (``bot.triage.status``): a key the bot did not file is not looked up
  in Jira at all, unless ``status.any_issue`` opts in; a key the bot filed follows the rule
  either way.
- ``/ticket_status`` alone lists the caller's own tickets (rule 2: the requester).
- Duplicate hints (``hint_scope``): a ticket's message names an earlier ticket only when both
  were filed in the same conversation, so whoever reads the hint may also look the earlier
  ticket up.

Where Slack cannot say who is in a conversation (it is down, the bot was removed, a DM between
other people), the answer is no: the rule fails closed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from bot.db.models import Ticket
from bot.errors import ChatError
from bot.triage.ports import Chat

log = logging.getLogger(__name__)


class Visibility:
    def __init__(self, project_key: str | None, approvers: Iterable[str], chat: Chat) -> None:
        self._prefix = f"{project_key}-" if project_key else None
        self._approvers = frozenset(approvers)
        self._chat = chat

    def in_project(self, key: str) -> bool:
        """Whether ``key`` belongs to the configured project."""
        return self._prefix is not None and key.upper().startswith(self._prefix)

    def filed_here(self, ticket: Ticket) -> bool:
        """Rule 1: the bot filed ``ticket`` in the configured project."""
        return ticket.jira_key is not None and self.in_project(ticket.jira_key)

    async def may_see(self, user_id: str, ticket: Ticket) -> bool:
        """Rules 1 and 2: may ``user_id`` see the details of ``ticket``?"""
        if not self.filed_here(ticket):
            return False
        if user_id == ticket.requester_id or user_id in self._approvers:
            return True
        return await self._is_member(user_id, ticket)

    async def _is_member(self, user_id: str, ticket: Ticket) -> bool:
        channel = ticket.slack_channel_id
        try:
            return user_id in await self._chat.members(channel)
        except ChatError as exc:
            log.warning(
                "ticket %s: cannot tell who is in %s (%s); not shown to %s",
                ticket.id, channel, exc.code or type(exc).__name__, user_id,
            )
            return False


def hint_scope(ticket: Ticket) -> str:
    """The one conversation whose tickets a duplicate hint on ``ticket`` may name: its own."""
    return ticket.slack_channel_id
