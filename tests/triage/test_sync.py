"""The Jira change feed with a fake Jira and the real ticket log (SQLite): what is told once,
what is never told, the cursor, the lease, and backing off."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import session_factory
from bot.db.installation import InstallationIdentity
from bot.db.leases import Leases
from bot.db.models import Ticket
from bot.db.outbox import Outbox
from bot.db.prefs import NotifyPrefs
from bot.db.sync import SyncStore
from bot.db.tickets import TicketLog
from bot.errors import TrackerUnavailable
from bot.settings import Settings
from bot.settings_sync import SyncSettings
from bot.tracker.changes import FieldChange, HistoryEntry, IssueChange, JiraComment, JiraPerson
from bot.triage.notify import NotifyChoice, is_notify_command
from bot.triage.publisher import Publisher
from bot.triage.sweep import IssueSweep
from bot.triage.sync import JiraSync
from tests.triage.fakes import FakeChangeFeed, FakeChat, FakeNotices, FakeTracker
from tests.triage.test_publisher import posted_ticket

INSTALLATION = InstallationIdentity("ab12cd34ef")
MIA = JiraPerson("mia", "Mia Krystof")
BOT = JiraPerson("bot", "ticketbot")


@pytest.fixture
def store(engine: AsyncEngine, ticket_log: TicketLog) -> SyncStore:
    return SyncStore(session_factory(engine), ticket_log.clock)


@pytest.fixture
def feed() -> FakeChangeFeed:
    return FakeChangeFeed()


def make_sync(
    store: SyncStore,
    feed: FakeChangeFeed,
    published: list[int],
    owner: str = "one",
    **settings: object,
) -> JiraSync:
    async def publish(ticket_id: int) -> None:
        published.append(ticket_id)

    return JiraSync(
        store,
        feed,
        publish,
        installation=INSTALLATION,
        labels=["ticketbot"],
        projects=["KAN"],
        settings=SyncSettings(**settings),
        owner=owner,
    )


def issue(
    ticket_id: int,
    at: datetime,
    *,
    histories: tuple[HistoryEntry, ...] = (),
    comments: tuple[JiraComment, ...] = (),
    status: str = "To Do",
    assignee: str | None = None,
    key: str | None = None,
) -> IssueChange:
    return IssueChange(
        key=key or f"KAN-{ticket_id}",
        project="KAN",
        labels=(
            "ticketbot",
            f"ticketbot-{INSTALLATION.id}-all",
            f"ticketbot-{INSTALLATION.id}-{ticket_id}",
        ),
        status=status,
        assignee=assignee,
        resolution=None,
        updated=at,
        histories=histories,
        comments=comments,
    )


def moved(hid: str, at: datetime, old: str, new: str, author: JiraPerson = MIA) -> HistoryEntry:
    return HistoryEntry(hid, author, at, (FieldChange("status", old, new),))


def comment(
    cid: str, at: datetime, text: str, *, author: JiraPerson = MIA, internal: bool = False
) -> JiraComment:
    return JiraComment(cid, author, at, text, 0, internal)


async def watching(
    store: SyncStore, feed: FakeChangeFeed, ticket_log: TicketLog, leases: Leases
) -> tuple[int, JiraSync, datetime]:
    """A posted ticket, a feed whose first poll started its cursor, and the time after it."""
    ticket_id = await posted_ticket(ticket_log, leases)
    sync = make_sync(store, feed, [])
    await sync.poll("KAN")
    return ticket_id, sync, await store.clock.now()


async def replies(outbox: Outbox, ticket_id: int) -> list[str]:
    return [
        str(t.payload["text"]) for t in await outbox.tasks(ticket_id) if t.kind == "thread_reply"
    ]


async def test_changes_are_told_once_batched_and_the_message_follows(
    store: SyncStore, feed: FakeChangeFeed, ticket_log: TicketLog, leases: Leases, outbox: Outbox
) -> None:
    ticket_id = await posted_ticket(ticket_log, leases)
    now = await store.clock.now()
    published: list[int] = []
    sync = make_sync(store, feed, published)
    assert await sync.poll("KAN") == 1  # the first poll starts the cursor: nothing to tell
    feed.issues = [
        issue(
            ticket_id,
            now,
            status="Done",
            assignee="Mia Krystof",
            histories=(
                moved("1", now, "To Do", "In Progress"),
                moved("2", now, "In Progress", "Done"),
                moved("3", now, "To Do", "Won't Do", author=BOT),  # the bot's own transition
            ),
        )
    ]
    await sync.poll("KAN")
    await sync.poll("KAN")  # the overlap reads the same issue again: nothing new
    [reply] = await replies(outbox, ticket_id)
    assert reply == "<@U1> *KAN-1* changed in Jira: status *To Do* → *Done*."
    ticket = await ticket_log.get(ticket_id)
    assert ticket is not None
    assert (ticket.jira_status, ticket.jira_assignee) == ("Done", "Mia Krystof")
    kinds = [t.kind for t in await outbox.tasks(ticket_id)]
    assert kinds.count("show_message") == 1
    await asyncio_idle()
    assert set(published) == {ticket_id}


async def test_comments_internal_ones_and_the_bots_own(
    store: SyncStore, feed: FakeChangeFeed, ticket_log: TicketLog, leases: Leases, outbox: Outbox
) -> None:
    ticket_id, sync, now = await watching(store, feed, ticket_log, leases)
    old = now - timedelta(days=3)
    feed.issues = [
        issue(
            ticket_id,
            now,
            comments=(
                comment("10", old, "written before the bot was watching"),
                comment("11", now, "internal note", internal=True),
                comment("12", now, "Approved by Alice in Slack", author=BOT),
                comment(
                    "13",
                    now,
                    "Alice in Slack: hi\n(copied by ticketbot, ref slack.C1.1.2)",
                    author=MIA,
                ),
                comment("14", now, "Try <!here> & <https://x|y>"),
                comment("15", now, "word " * 1000),
                comment("16", now, ""),
            ),
        )
    ]
    await sync.poll("KAN")
    await sync.poll("KAN")
    texts = await replies(outbox, ticket_id)
    assert len(texts) == 3
    assert (
        texts[0] == "*Mia Krystof* commented in Jira:\nTry &lt;!here&gt; &amp; &lt;https://x|y&gt;"
    )
    assert len(texts[1]) < 2700 and "the whole comment is in KAN-1" in texts[1]
    assert "focusedCommentId=15" in texts[1]
    assert "added 1 attachment(s) in Jira" in texts[2]


async def test_a_comment_edited_in_jira_is_told_once_per_edit(
    store: SyncStore, feed: FakeChangeFeed, ticket_log: TicketLog, leases: Leases, outbox: Outbox
) -> None:
    ticket_id, sync, now = await watching(store, feed, ticket_log, leases)
    written = comment("20", now, "Rebooting the VPN box at 5")
    feed.issues = [issue(ticket_id, now, comments=(written,))]
    await sync.poll("KAN")
    edited = replace(written, text="Rebooting it at 6 instead", edited=now + timedelta(minutes=1),
                     editor=JiraPerson("lee", "Lee Park"))
    feed.issues = [issue(ticket_id, now + timedelta(minutes=1), comments=(edited,))]
    await sync.poll("KAN")
    await sync.poll("KAN")  # the same edit seen again: nothing more
    bots_edit = replace(edited, text="fixed by the bot", edited=now + timedelta(minutes=2),
                        editor=BOT)
    feed.issues = [issue(ticket_id, now + timedelta(minutes=2), comments=(bots_edit,))]
    await sync.poll("KAN")
    assert await replies(outbox, ticket_id) == [
        "*Mia Krystof* commented in Jira:\nRebooting the VPN box at 5",
        "*Lee Park* edited a comment in Jira:\nRebooting it at 6 instead",
    ]


async def test_a_comment_written_and_edited_between_two_polls_is_told_once(
    store: SyncStore, feed: FakeChangeFeed, ticket_log: TicketLog, leases: Leases, outbox: Outbox
) -> None:
    ticket_id, sync, now = await watching(store, feed, ticket_log, leases)
    both = replace(comment("21", now, "final words"), edited=now + timedelta(seconds=30))
    feed.issues = [issue(ticket_id, now + timedelta(seconds=30), comments=(both,))]
    await sync.poll("KAN")
    assert await replies(outbox, ticket_id) == ["*Mia Krystof* commented in Jira:\nfinal words"]


async def test_another_replica_does_not_poll_while_the_lease_holds(
    store: SyncStore, feed: FakeChangeFeed
) -> None:
    first, second = make_sync(store, feed, [], owner="one"), make_sync(store, feed, [], owner="two")
    assert await first.poll("KAN") == 1
    assert await second.poll("KAN") is None
    assert len(feed.calls) == 1


async def test_an_outage_mid_poll_loses_nothing(
    store: SyncStore, feed: FakeChangeFeed, ticket_log: TicketLog, leases: Leases, outbox: Outbox
) -> None:
    ids = [await posted_ticket(ticket_log, leases, key=f"k{n}") for n in range(3)]
    sync = make_sync(store, feed, [], page_size=1)
    await sync.poll("KAN")
    now = await store.clock.now()
    feed.issues = [
        issue(t, now + timedelta(milliseconds=n), histories=(moved(str(t), now, "To Do", "Done"),))
        for n, t in enumerate(ids)
    ]
    feed.page_size = 1
    original = feed.changed_page
    served = 0

    async def flaky(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        nonlocal served
        served += 1
        if served == 2:
            raise TrackerUnavailable("Jira is down", retry_after=30)
        return await original(*args, **kwargs)  # type: ignore[arg-type]

    feed.changed_page = flaky  # type: ignore[method-assign]
    assert await sync.poll_all() == 120  # doubled once, and above Retry-After (30 s)
    assert [len(await replies(outbox, t)) for t in ids] == [1, 0, 0]
    feed.changed_page = original  # type: ignore[method-assign]
    assert await sync.poll_all() == 60
    assert [len(await replies(outbox, t)) for t in ids] == [1, 1, 1]


async def test_a_moved_issue_is_followed(
    store: SyncStore, feed: FakeChangeFeed, ticket_log: TicketLog, leases: Leases, outbox: Outbox
) -> None:
    ticket_id, sync, now = await watching(store, feed, ticket_log, leases)
    feed.issues = [issue(ticket_id, now, key="OPS-7")]
    await sync.poll("KAN")
    ticket = await ticket_log.get(ticket_id)
    assert ticket is not None and ticket.jira_key == "OPS-7"
    assert any("moved to" in t for t in await replies(outbox, ticket_id))


async def test_issues_of_other_installations_are_ignored(
    store: SyncStore, feed: FakeChangeFeed, ticket_log: TicketLog, leases: Leases, outbox: Outbox
) -> None:
    ticket_id, sync, now = await watching(store, feed, ticket_log, leases)
    other = issue(ticket_id, now, histories=(moved("9", now, "To Do", "Done"),))
    feed.issues = [replace(other, labels=("ticketbot", f"ticketbot-ffffff0000-{ticket_id}"))]
    await sync.poll("KAN")
    assert await outbox.tasks(ticket_id) == []


async def asyncio_idle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_deleted_issue_is_marked_once(
    store: SyncStore, feed: FakeChangeFeed, ticket_log: TicketLog, leases: Leases, outbox: Outbox
) -> None:
    gone_id = await posted_ticket(ticket_log, leases, key="a")
    kept_id = await posted_ticket(ticket_log, leases, key="b")
    feed.other_keys = {f"KAN-{kept_id}"}
    sweep = IssueSweep(store, feed, publish_nothing, labels=["x"], settle=timedelta(0))
    ttl = timedelta(seconds=30)
    assert (await store.claim("KAN", "one", ttl))[0]
    assert await sweep.sweep("KAN", "one", ttl) == [gone_id]
    assert await sweep.sweep("KAN", "one", ttl) == []
    ticket = await ticket_log.get(gone_id)
    assert ticket is not None and ticket.jira_status == "deleted or moved away"
    assert [t.kind for t in await outbox.tasks(gone_id)] == ["show_message", "thread_reply"]
    assert await outbox.tasks(kept_id) == []


async def test_a_project_that_seems_emptied_is_not_marked(
    store: SyncStore, feed: FakeChangeFeed, ticket_log: TicketLog, leases: Leases, outbox: Outbox
) -> None:
    ids = [await posted_ticket(ticket_log, leases, key=f"k{n}") for n in range(12)]
    sweep = IssueSweep(store, feed, publish_nothing, labels=["x"], settle=timedelta(0))
    ttl = timedelta(seconds=30)
    await store.claim("KAN", "one", ttl)
    assert await sweep.sweep("KAN", "one", ttl) == []  # lost permission, not 12 deletions
    assert all([await outbox.tasks(t) == [] for t in ids])


async def publish_nothing(ticket_id: int) -> None:
    return None


async def test_a_requester_who_chose_dm_also_gets_one(
    engine: AsyncEngine,
    store: SyncStore,
    feed: FakeChangeFeed,
    ticket_log: TicketLog,
    leases: Leases,
    outbox: Outbox,
) -> None:
    ticket_id = await posted_ticket(ticket_log, leases)
    prefs = NotifyPrefs(session_factory(engine))
    choice = NotifyChoice(prefs)
    assert "direct message" in await choice.choose("U1", "notify DM")
    assert "Use `/ticket_status notify dm`" in await choice.choose("U1", "notify loudly")
    assert is_notify_command("Notify dm") and not is_notify_command("NOTIFY-12")

    async def publish(tid: int) -> None:
        return None

    sync = JiraSync(
        store,
        feed,
        publish,
        installation=INSTALLATION,
        labels=["ticketbot"],
        projects=["KAN"],
        settings=SyncSettings(),
        owner="one",
        prefs=prefs,
    )
    await sync.poll("KAN")
    now = await store.clock.now()
    feed.issues = [issue(ticket_id, now, histories=(moved("1", now, "To Do", "Done"),))]
    await sync.poll("KAN")
    [dm] = [t for t in await outbox.tasks(ticket_id) if t.kind == "direct_message"]
    assert dm.payload == {
        "user": "U1",
        "text": "*<https://jira.example.com/browse/KAN-1|KAN-1>* changed in Jira: "
        "status *To Do* → *Done*.",
    }
    notices = FakeNotices()
    publisher = Publisher(
        ticket_log, outbox, FakeTracker(), FakeChat(), Settings(), notices=notices
    )
    await publisher.publish(ticket_id)
    assert notices.sent == [("U1", dm.payload["text"])]


async def test_a_change_while_paging_rereads_the_window_once(
    store: SyncStore, feed: FakeChangeFeed, ticket_log: TicketLog, leases: Leases
) -> None:
    ids = [await posted_ticket(ticket_log, leases, key=f"k{n}") for n in range(3)]
    sync = make_sync(store, feed, [], page_size=1)
    await sync.poll("KAN")
    now = await store.clock.now()
    feed.page_size = 1
    feed.issues = [issue(t, now) for t in ids[:2]]
    feed.issues.append(issue(ids[2], now + timedelta(hours=1)))  # changed during the paging
    await sync.poll("KAN")
    first_since = feed.calls[-1][1]
    await sync.poll("KAN")  # the same window again
    assert feed.calls[-1][1] == first_since
    await sync.poll("KAN")  # then on: past the newest change
    assert feed.calls[-1][1] > first_since


async def test_the_tickets_a_poll_changed_are_handed_on_after_their_notices(
    store: SyncStore, feed: FakeChangeFeed, ticket_log: TicketLog, leases: Leases
) -> None:
    """``on_changed`` (App Home's refresh) hears of each changed ticket, after publishing."""
    ticket_id = await posted_ticket(ticket_log, leases)
    now = await store.clock.now()
    published: list[int] = []
    heard: list[tuple[list[int], list[int]]] = []

    async def on_changed(changed: Sequence[Ticket]) -> None:
        heard.append(([t.id for t in changed], list(published)))

    sync = make_sync(store, feed, published)
    sync.on_changed = on_changed
    await sync.poll("KAN")
    done = moved("1", now, "To Do", "Done")
    feed.issues = [issue(ticket_id, now, status="Done", histories=(done,))]
    await sync.poll("KAN")
    for _ in range(50):
        if heard:
            break
        await asyncio.sleep(0.01)
    assert heard == [([ticket_id], [ticket_id])]
