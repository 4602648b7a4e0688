"""What the use cases need from the outside world, as small protocols.

The Slack layer implements ``Chat``; ``bot.classify`` and ``bot.tracker`` already fit
``TicketClassifier`` and ``IssueTracker``. Tests can plug in anything with these shapes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.classify.types import Classification, Example
from bot.db.models import Ticket
from bot.tracker.comment_body import SlackComment
from bot.tracker.feed import ChangesPage
from bot.tracker.models import IssueDetails, IssueRef, NewIssue
from bot.tracker.screens import FormField


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

    async def issue_type_names(self, project: str | None = None) -> list[str]:
        """The issue types of the configured project, or of ``project``."""
        ...


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


class FieldCatalog(Protocol):
    async def form_fields(
        self, project: str, type_names: Sequence[str], default_type: str,
        values: Mapping[str, str],
    ) -> list[FormField]:
        """The required fields of those types the form can ask for (Jira's create metadata)."""
        ...


class ChannelDirectory(Protocol):
    async def channel_ids(self) -> dict[str, str]:
        """Channel name (without ``#``) -> id, for every channel the bot can see.
        ChatUnavailable when Slack is down."""
        ...


class CommentTracker(Protocol):
    """Jira comments copied from Slack thread replies (``bot.tracker.comments``). ``email`` is
    the author's, to mention their Jira account where one matches."""

    async def add(self, key: str, comment: SlackComment, email: str | None) -> str:
        """Post once (never re-sent after Jira may have acted); the new comment's id."""
        ...

    async def update(
        self, key: str, comment_id: str, comment: SlackComment, email: str | None
    ) -> None: ...

    async def delete(self, key: str, comment_id: str) -> None: ...

    async def find(self, key: str, token: str) -> str | None:
        """The id of the bot's comment on ``key`` that carries ``token``, or None."""
        ...


class ThreadChat(Protocol):
    """What copying thread replies needs from Slack."""

    async def author(self, user_id: str) -> Person | None:
        """The person (real name first), None when Slack no longer knows them."""
        ...

    async def tell_in_thread(
        self, channel_id: str, thread_ts: str, user_id: str, text: str
    ) -> None:
        """Tell ``user_id`` alone, in the thread (ephemeral)."""
        ...


@dataclass(frozen=True, slots=True)
class HomeTicket:
    """A ticket as App Home lists it: Jira's status (None when unknown)."""

    ticket: Ticket
    status: str | None = None


@dataclass(frozen=True, slots=True)
class HomeContent:
    """Everything one person's App Home shows (``bot.triage.home``)."""

    user_id: str
    mine: Sequence[HomeTicket]
    waiting: Sequence[Ticket] | None = None  # None: not an approver
    notice: str | None = None


class HomeScreen(Protocol):
    async def publish(self, content: HomeContent) -> None:
        """Show ``content`` as the person's Home tab (``views.publish``)."""
        ...


class Attachments(Protocol):
    """A Jira issue's attachments (``bot.tracker.attachments``)."""

    async def listed(self, key: str) -> list[tuple[str, int]]:
        """(filename, size) of each attachment the issue has."""
        ...

    async def add(self, key: str, filename: str, content: bytes) -> None: ...


class SourceChat(Protocol):
    """Slack, as tickets filed from a message need it (``bot.slack.sources``)."""

    async def download(self, file_id: str, max_bytes: int) -> bytes:
        """A shared file's content; FileUnavailable when it cannot be read (deleted,
        no access, over ``max_bytes``), ChatUnavailable while Slack cannot be reached."""
        ...

    async def confirm_filed(self, ticket: Ticket) -> None:
        """Say "Filed as KAN-12" (linked) in the thread of the ticket's source message, once: a
        reply already there from an earlier attempt is not posted again. Where the bot cannot
        post, the person who filed it is told in a direct message."""
        ...


class ChangeFeed(Protocol):
    """Jira's issues changed since a moment (``bot.tracker.feed.JiraChangeFeed``)."""

    async def changed_page(
        self,
        project: str,
        labels: Sequence[str],
        since: datetime,
        *,
        page: str | None = None,
        size: int = 100,
    ) -> ChangesPage: ...

    async def existing_keys(self, project: str, labels: Sequence[str]) -> set[str]:
        """The keys of every issue of ``project`` carrying any of ``labels``."""
        ...

    async def bot_account(self) -> str | None:
        """The account the bot writes to Jira as; None where it cannot be told."""
        ...

    def browse_url(self, key: str) -> str: ...


class Notices(Protocol):
    """Direct messages to a person (``bot.slack.notices``)."""

    async def direct_message(self, user_id: str, text: str) -> None: ...
