"""Who may see a ticket: the one rule, stated here and applied wherever a ticket is shown.

A person sees a ticket's details (summary, status, assignee, priority, link) only when both:

1. the bot filed it: a row of the ticket log carries that Jira key, and the key is in the
   configured project (``JIRA_PROJECT_KEY``; with per-channel routing, the project the
   ticket was filed in, while a route still files there); and
2. they are its requester, an approver (``APPROVERS``, or the approvers of the channel's
   route), or a member of the conversation it was filed in (Slack's
   ``conversations.members``, cached briefly by the Chat port).

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
from bot.triage.routing import Router

log = logging.getLogger(__name__)


class Visibility:
    """With a ``router`` (per-channel routing), "the configured project" is any project a
    route files into, the ticket's own (``tickets.jira_project``) for a ticket, and "an
    approver" is an approver of the ticket's channel."""

    def __init__(
        self, project_key: str | None, approvers: Iterable[str], chat: Chat,
        router: Router | None = None,
    ) -> None:
        self._project = project_key
        projects = router.project_keys() if router is not None else {project_key}
        self._prefixes = tuple(f"{key}-" for key in projects if key)
        self._approvers = frozenset(approvers)
        self._chat = chat
        self._router = router

    def in_project(self, key: str) -> bool:
        """Whether ``key`` belongs to a configured project."""
        return key.upper().startswith(self._prefixes) if self._prefixes else False

    def filed_here(self, ticket: Ticket) -> bool:
        """Rule 1: the bot filed ``ticket`` in its project, which is a configured one."""
        if ticket.jira_key is None or not self.in_project(ticket.jira_key):
            return False
        project = ticket.jira_project or self._project
        return project is not None and ticket.jira_key.upper().startswith(f"{project}-")

    async def may_see(self, user_id: str, ticket: Ticket) -> bool:
        """Rules 1 and 2: may ``user_id`` see the details of ``ticket``?"""
        if not self.filed_here(ticket):
            return False
        if user_id == ticket.requester_id or await self._approves(user_id, ticket):
            return True
        return await self._is_member(user_id, ticket)

    async def _approves(self, user_id: str, ticket: Ticket) -> bool:
        if self._router is None:
            return user_id in self._approvers
        try:
            return user_id in (await self._router.for_channel(ticket.slack_channel_id)).approvers
        except ChatError:
            return False  # fails closed, as for members

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
