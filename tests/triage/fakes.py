"""In-memory stand-ins for the ports, for unit tests of the use cases only.

They behave (store issues, dedupe by ticket label, fail on cue) rather than only record calls;
the real boundaries are tested against the emulators.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.classify.types import Classification, Example
from bot.db.installation import InstallationIdentity
from bot.db.models import Ticket
from bot.errors import (
    ChatUnavailable,
    FileUnavailable,
    IssueNotFound,
    TicketbotError,
    TrackerUnavailable,
    TransitionNotAvailable,
)
from bot.labels import Label
from bot.tracker.changes import IssueChange
from bot.tracker.comment_body import SlackComment, render
from bot.tracker.feed import ChangesPage
from bot.tracker.models import IssueDetails, IssueRef, NewIssue
from bot.triage.filing import Filing
from bot.triage.ports import HomeContent, Person, Posted


@dataclass
class FakeClassifier:
    label: Label = "Bug"
    calls: int = 0

    async def classify(
        self, text: str, examples: Sequence[Example] = (), *, ticket_id: str = "-"
    ) -> Classification:
        self.calls += 1
        return Classification(self.label, 0.8, "fake", 1.0)

    async def possible_duplicate(
        self, text: str, ticket_id: int, *, channel_id: str
    ) -> str | None:
        return None


@dataclass
class FakeTracker:
    issues: dict[str, NewIssue] = field(default_factory=dict)
    failures: list[TicketbotError] = field(default_factory=list)
    lose_response: bool = False
    comments: list[tuple[str, str]] = field(default_factory=list)
    transitions: list[tuple[str, str]] = field(default_factory=list)
    type_changes: list[tuple[str, str]] = field(default_factory=list)
    searches: int = 0
    search_lag_s: float = 0.0
    created_at: dict[str, float] = field(default_factory=dict)
    down: bool = False  # comments, transitions and type changes fail as in an outage
    workflow: tuple[str, ...] = ("Done", "Won't Do")

    async def create_issue(self, new: NewIssue) -> IssueRef:
        if self.failures:
            raise self.failures.pop(0)
        key = f"KAN-{len(self.issues) + 1}"
        self.issues[key] = new
        self.created_at[key] = time.monotonic()
        if self.lose_response:
            self.lose_response = False
            raise ConnectionLost("response lost after the issue was created")
        return self._ref(key)

    async def find_filed(self, new: NewIssue) -> IssueRef | None:
        """Like Jira's search: issues younger than ``search_lag_s`` are not found yet."""
        self.searches += 1
        for key, issue in self.issues.items():
            ours = (issue.installation, issue.ticket_id) == (new.installation, new.ticket_id)
            if ours and time.monotonic() - self.created_at[key] >= self.search_lag_s:
                return self._ref(key)
        return None

    def _ref(self, key: str) -> IssueRef:
        return IssueRef(key=key, url=f"https://jira.example/browse/{key}", issue_type="Bug")

    async def get_issue(self, key_or_url: str) -> IssueDetails:
        if key_or_url not in self.issues:
            raise IssueNotFound(key_or_url)
        return IssueDetails(
            key=key_or_url,
            url=self._ref(key_or_url).url,
            summary="s",
            status="To Do",
            status_category="new",
        )

    async def add_comment(self, key: str, body: str) -> None:
        self._check_up()
        self.comments.append((key, body))

    async def transition(self, key: str, name: str) -> str:
        self._check_up()
        if name not in self.workflow:
            raise TransitionNotAvailable(key, name, list(self.workflow))
        self.transitions.append((key, name))
        return name

    async def set_issue_type(self, key: str, type_name: str) -> None:
        self._check_up()
        self.type_changes.append((key, type_name))

    def _check_up(self) -> None:
        if self.down:
            raise TrackerUnavailable("Jira is down", status=503)

    async def issue_type_names(self, project: str | None = None) -> list[str]:
        return ["Task", "Bug", "Story", "Incident"]


class ConnectionLost(TrackerUnavailable):
    """A transient error raised after Jira already created the issue."""


@dataclass
class FakeChat:
    posts: list[int] = field(default_factory=list)
    told: list[tuple[str, str]] = field(default_factory=list)
    thread_replies: list[str] = field(default_factory=list)
    updates: list[int] = field(default_factory=list)
    down: bool = False  # updates and thread replies fail as in an outage
    channels: dict[str, frozenset[str]] = field(default_factory=dict)  # members by channel
    member_lookups: list[str] = field(default_factory=list)

    async def person(self, user_id: str) -> Person:
        return Person(user_id, f"name-{user_id}", f"{user_id.lower()}@example.com")

    async def post_ticket(self, ticket: Ticket, *, maybe_posted: bool = False) -> Posted:
        self.posts.append(ticket.id)
        return Posted("C1", f"1.{ticket.id:06d}")

    async def show_decision(self, ticket: Ticket) -> None:
        if self.down:
            raise ChatUnavailable("Slack is down")
        self.updates.append(ticket.id)

    async def tell_requester(self, ticket: Ticket, text: str) -> None:
        self.told.append((ticket.requester_id, text))

    async def reply_in_thread(self, ticket: Ticket, text: str) -> None:
        if self.down:
            raise ChatUnavailable("Slack is down")
        self.thread_replies.append(text)

    async def members(self, channel_id: str) -> frozenset[str]:
        self.member_lookups.append(channel_id)
        if self.down:
            raise ChatUnavailable("Slack is down")
        return self.channels.get(channel_id, frozenset())


@dataclass
class FakeChannels:
    """ChannelDirectory: ``names`` (name -> id); ``down`` raises ChatUnavailable."""

    names: dict[str, str] = field(default_factory=dict)
    down: bool = False
    reads: int = 0

    async def channel_ids(self) -> dict[str, str]:
        self.reads += 1
        if self.down:
            raise ChatUnavailable("Slack unreachable: emulated")
        return dict(self.names)


def filing(search_lag_s: float = 0.0) -> Filing:
    """How the fakes file: a fixed installation id, Jira's search lag as given."""
    return Filing(InstallationIdentity("ab12cd34ef"), timedelta(seconds=search_lag_s))



@dataclass
class FakeComments:
    """CommentTracker: comments by id (key, rendered v2 body); ``lose_answer`` adds the next
    comment and then raises as if the answer was lost; ``failures`` are raised first."""

    comments: dict[str, tuple[str, str]] = field(default_factory=dict)
    failures: list[TicketbotError] = field(default_factory=list)
    gone: set[str] = field(default_factory=set)  # issue keys that no longer exist
    lose_answer: bool = False
    adds: int = 0
    finds: int = 0

    def _check(self, key: str) -> None:
        if self.failures:
            raise self.failures.pop(0)
        if key in self.gone:
            raise IssueNotFound(key)

    async def add(self, key: str, comment: SlackComment, email: str | None) -> str:
        self._check(key)
        self.adds += 1
        comment_id = str(10000 + len(self.comments))
        self.comments[comment_id] = (key, str(render(comment, 2)))
        if self.lose_answer:
            self.lose_answer = False
            raise ConnectionLost("connection reset after the comment was added")
        return comment_id

    async def update(
        self, key: str, comment_id: str, comment: SlackComment, email: str | None
    ) -> None:
        self._check(key)
        self.comments[comment_id] = (key, str(render(comment, 2)))

    async def delete(self, key: str, comment_id: str) -> None:
        self._check(key)
        if self.comments.pop(comment_id, None) is None:
            raise IssueNotFound(key)

    async def find(self, key: str, token: str) -> str | None:
        self._check(key)
        self.finds += 1
        found = (i for i, (k, body) in self.comments.items() if k == key and token in body)
        return next(found, None)

    def bodies(self, key: str) -> list[str]:
        return [body for k, body in self.comments.values() if k == key]


@dataclass
class FakeThreadChat:
    """ThreadChat: ``people`` by id (None: left Slack); ``told`` records private notes."""

    people: dict[str, Person | None] = field(default_factory=dict)
    told: list[tuple[str, str, str, str]] = field(default_factory=list)

    async def author(self, user_id: str) -> Person | None:
        if user_id in self.people:
            return self.people[user_id]
        return Person(user_id, f"Name {user_id}", f"{user_id.lower()}@example.com")

    async def tell_in_thread(
        self, channel_id: str, thread_ts: str, user_id: str, text: str
    ) -> None:
        self.told.append((channel_id, thread_ts, user_id, text))


@dataclass
class FakeHomeScreen:
    """HomeScreen: the last content published per user; ``down`` raises ChatUnavailable."""

    shown: dict[str, HomeContent] = field(default_factory=dict)
    publishes: int = 0
    down: bool = False

    async def publish(self, content: HomeContent) -> None:
        if self.down:
            raise ChatUnavailable("Slack is down")
        self.publishes += 1
        self.shown[content.user_id] = content


@dataclass
class FakeAttachments:
    """Attachments: (filename, size) per issue key; ``failures`` are raised first by ``add``."""

    issues: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    failures: list[TicketbotError] = field(default_factory=list)
    lists: int = 0

    async def listed(self, key: str) -> list[tuple[str, int]]:
        self.lists += 1
        return list(self.issues.get(key, []))

    async def add(self, key: str, filename: str, content: bytes) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.issues.setdefault(key, []).append((filename, len(content)))


@dataclass
class FakeSourceChat:
    """SourceChat: ``files`` by id (content); ids in ``gone`` are unavailable; confirmations
    are recorded once per ticket, as the real one looks in the thread first."""

    files: dict[str, bytes] = field(default_factory=dict)
    gone: set[str] = field(default_factory=set)
    confirmed: list[int] = field(default_factory=list)
    down: bool = False

    async def download(self, file_id: str, max_bytes: int) -> bytes:
        if self.down:
            raise ChatUnavailable("Slack is down")
        if file_id in self.gone or file_id not in self.files:
            raise FileUnavailable(file_id, "deleted in Slack")
        content = self.files[file_id]
        if len(content) > max_bytes:
            raise FileUnavailable(file_id, "too big")
        return content

    async def confirm_filed(self, ticket: Ticket) -> None:
        if self.down:
            raise ChatUnavailable("Slack is down")
        if ticket.id not in self.confirmed:
            self.confirmed.append(ticket.id)


class FakeChangeFeed:
    """Jira's change feed: pages of ``IssueChange`` (``pages``, served in turn for each poll
    from ``since``), failing on cue (``fail_next``)."""

    def __init__(self, bot_account: str | None = "bot") -> None:
        self.issues: list[IssueChange] = []
        self.page_size = 100
        self.calls: list[tuple[str, datetime, str | None]] = []
        self.fail_next: list[TicketbotError] = []
        self.other_keys: set[str] = set()  # issues that exist but did not change
        self._bot = bot_account

    async def changed_page(
        self,
        project: str,
        labels: Sequence[str],
        since: datetime,
        *,
        page: str | None = None,
        size: int = 100,
    ) -> ChangesPage:
        self.calls.append((project, since, page))
        if self.fail_next:
            raise self.fail_next.pop(0)
        found = sorted(
            (i for i in self.issues if i.updated >= since and set(i.labels) & set(labels)),
            key=lambda i: i.updated,
        )
        start = int(page or 0)
        size = min(size, self.page_size)
        chunk = found[start : start + size]
        after = start + len(chunk)
        return ChangesPage(chunk, str(after) if after < len(found) else None)

    async def existing_keys(self, project: str, labels: Sequence[str]) -> set[str]:
        if self.fail_next:
            raise self.fail_next.pop(0)
        return {i.key for i in self.issues if set(i.labels) & set(labels)} | self.other_keys

    async def bot_account(self) -> str | None:
        return self._bot

    def browse_url(self, key: str) -> str:
        return f"https://jira.example.com/browse/{key}"


class FakeNotices:
    """Direct messages, recorded: (user, text)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def direct_message(self, user_id: str, text: str) -> None:
        self.sent.append((user_id, text))
