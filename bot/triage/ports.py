"""What the use cases need from the outside world, as small protocols.

The Slack layer implements ``Chat``; ``bot.classify`` and ``bot.tracker`` already fit
``TicketClassifier`` and ``IssueTracker``. Tests can plug in anything with these shapes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.classify.types import Classification, Example
from bot.db.models import Ticket
from bot.tracker.models import IssueDetails, IssueRef, NewIssue


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    name: str
    email: str | None = None


@dataclass(frozen=True, slots=True)
class Posted:
    """Where the ticket message went. ``in_channel`` is False when only the requester saw it."""

    channel_id: str
    ts: str
    in_channel: bool = True


class TicketClassifier(Protocol):
    async def classify(
        self, text: str, examples: Sequence[Example] = (), *, ticket_id: str = "-"
    ) -> Classification: ...

    async def possible_duplicate(
        self, text: str, ticket_id: int, *, channel_id: str
    ) -> str | None:
        """The Jira key of a very similar open ticket filed in ``channel_id``, or None."""
        ...


class IssueTracker(Protocol):
    async def create_issue(self, new: NewIssue) -> IssueRef:
        """Send the create; never re-sent after Jira may have acted on it."""
        ...

    async def find_filed(self, new: NewIssue) -> IssueRef | None:
        """The issue already filed for ``new``, by its label (search may lag behind creates)."""
        ...

    async def get_issue(self, key_or_url: str) -> IssueDetails: ...

    async def add_comment(self, key: str, body: str) -> None: ...

    async def transition(self, key: str, name: str) -> str: ...

    async def set_issue_type(self, key: str, type_name: str) -> None: ...

    async def issue_type_names(self) -> list[str]: ...


class Chat(Protocol):
    async def person(self, user_id: str) -> Person: ...

    async def post_ticket(self, ticket: Ticket, *, maybe_posted: bool = False) -> Posted:
        """Post the ticket message; with ``maybe_posted``, first look for an earlier post."""
        ...

    async def show_decision(self, ticket: Ticket) -> None: ...

    async def tell_requester(self, ticket: Ticket, text: str) -> None: ...

    async def reply_in_thread(self, ticket: Ticket, text: str) -> None: ...

    async def members(self, channel_id: str) -> frozenset[str]:
        """The user ids in a conversation, as far as the bot can vouch for them: empty where
        it may not list them (not in it, no scope). ChatUnavailable when Slack is down."""
        ...


class ChannelDirectory(Protocol):
    async def channel_ids(self) -> dict[str, str]:
        """Channel name (without ``#``) -> id, for every channel the bot can see.
        ChatUnavailable when Slack is down."""
        ...
