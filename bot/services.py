"""The one composition root: builds every long-lived object of the bot, starts and closes them.

Nothing else constructs the core: the Slack app receives its ``SlackServices`` from here, and
the CLI commands that need the whole graph call ``build_services`` too. The classifier is the
model chain behind the memory of confirmed tickets (``bot.learn``), rebuilt from the database
in the background once the bot runs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import metrics
from bot.classify.registry import build_chain
from bot.db import migrate
from bot.db.engine import create_engine, session_factory
from bot.db.examples import ExampleStore
from bot.db.home_reads import HomeReads
from bot.db.installation import InstallationIdentity, InstallationStore
from bot.db.leases import Leases
from bot.db.models import Ticket
from bot.db.outbox import Outbox
from bot.db.prefs import NotifyPrefs
from bot.db.routes import ProjectPins
from bot.db.sync import SyncStore
from bot.db.thread_comments import ThreadComments
from bot.db.tickets import TicketLog
from bot.errors import ConfigError
from bot.learn.classifier import MemoryClassifier
from bot.learn.views import encoder_view
from bot.metrics_http import MetricsServer
from bot.settings import Settings
from bot.slack.app import web_client
from bot.slack.channels import SlackChannels
from bot.slack.chat import SlackChat
from bot.slack.context import SlackServices
from bot.slack.home import SlackHome
from bot.slack.notices import SlackNotices
from bot.slack.sources import MessageSources, SlackSources
from bot.slack.tasks import BackgroundTasks
from bot.slack.threads import SlackThreads
from bot.tickets import TicketState
from bot.tracker.attachments import TrackerAttachments
from bot.tracker.client import Tracker
from bot.tracker.comments import JiraComments
from bot.tracker.feed import JiraChangeFeed
from bot.triage.corrections import Corrector
from bot.triage.decisions import Decider
from bot.triage.filing import Filing
from bot.triage.forms import FormFields
from bot.triage.home import HomeTab
from bot.triage.intake import Intake
from bot.triage.notify import NotifyChoice
from bot.triage.pipeline import TicketPipeline
from bot.triage.publisher import Publisher
from bot.triage.quotas import Quotas
from bot.triage.reminders import Reminders
from bot.triage.reply_files import ReplyFiles
from bot.triage.routing import Router, approvals_for
from bot.triage.sources import MessageFiling, SourceEffects, emoji_switch
from bot.triage.status import StatusLookup
from bot.triage.sync import JiraSync
from bot.triage.thread_sync import ThreadSync
from bot.triage.visibility import Visibility
from bot.triage.worker import TicketWorker

log = logging.getLogger(__name__)
HEALTH_DB_TIMEOUT_S = 2.0


@dataclass(slots=True)
class Services:
    settings: Settings
    engine: AsyncEngine
    tickets: TicketLog
    examples: ExampleStore
    classifier: MemoryClassifier
    tracker: Tracker
    status_tracker: Tracker  # `/ticket_status`'s own small pool: lookups never starve filing
    slack_client: AsyncWebClient
    worker: TicketWorker
    publisher: Publisher
    slack: SlackServices
    comments: JiraComments  # thread replies copied to Jira: a pool of its own
    attachments: TrackerAttachments | None = None  # files copied to Jira: a pool of its own
    sync: JiraSync | None = None  # the Jira change feed (issue 18)
    reminders: Reminders | None = None
    feed: JiraChangeFeed | None = None  # the feed's own small Jira connection

    def start(self) -> None:
        """Begin the background work: the memory rebuild and the ticket worker."""
        self.classifier.start()
        self.worker.start()
        self.publisher.start()
        self.slack.threads.start()
        if self.sync is not None and self.reminders is not None:
            self.sync.start()
            self.reminders.start()

    async def start_endpoint(self, slack_up: Callable[[], Awaitable[bool]]) -> MetricsServer | None:
        """Start the health and metrics endpoint (``metrics.enabled``; None when off).
        ``slack_up`` says whether the Socket Mode connection is open."""
        config = self.settings.metrics
        if not config.enabled:
            return None

        async def health() -> str | None:
            if not await slack_up():
                return "not connected to Slack"
            try:
                async with asyncio.timeout(HEALTH_DB_TIMEOUT_S):
                    async with self.engine.connect() as connection:
                        await connection.execute(text("SELECT 1"))
            except Exception as exc:
                return f"the database does not answer ({type(exc).__name__})"
            return None

        server = MetricsServer(config.host, config.port, health=health, refresh=self._refresh)
        try:
            await server.start()
        except OSError as exc:
            raise ConfigError(
                "metrics.port", f"cannot listen on {config.host}:{config.port} ({exc.strerror})",
                "choose a free port, or set metrics.enabled: false",
            ) from None
        return server

    async def _refresh(self) -> None:
        """The scrape-time gauges: cheap reads of what other parts already keep."""
        metrics.QUEUE_DEPTH.set(self.worker.backlog)
        metrics.MEMORY_SIZE.set(len(self.classifier.memory))
        for name, breaker in self.classifier.chain.breakers.items():
            metrics.set_breaker(name, breaker.state)
        counts = await self.tickets.count_by_state()
        metrics.set_ticket_counts(counts, [state.value for state in TicketState])

    async def aclose(self, deadline: float | None = None) -> None:
        """Let in-flight work reach a saved state, then close every connection.

        ``deadline`` (the event loop's clock, set once when the shutdown starts; default
        ``pipeline.shutdown_grace_s`` from now) is shared: the listeners' background tasks and
        the worker's tickets are waited for until then, not each for a grace of its own.
        """
        if deadline is None:
            deadline = asyncio.get_running_loop().time() + self.settings.pipeline.shutdown_grace_s
        await self.slack.background.drain(deadline=deadline)
        await self.worker.stop(deadline)
        if self.sync is not None and self.reminders is not None:
            await self.sync.stop()
            await self.reminders.stop()
        await self.publisher.stop()
        await self.slack.threads.stop()
        await self.classifier.aclose()
        await self.tracker.aclose()
        await self.status_tracker.aclose()
        await self.comments.aclose()
        if self.attachments is not None:
            await self.attachments.aclose()
        if self.feed is not None:
            await self.feed.aclose()
        await self.engine.dispose()


async def build_services(settings: Settings) -> Services:
    """Open the database (migrating it to head) and build everything the bot uses."""
    engine = create_engine(settings.database.url)
    try:
        await migrate.upgrade(engine)
    except BaseException:
        await engine.dispose()
        raise
    sessions = session_factory(engine)
    tickets, examples = TicketLog(sessions), ExampleStore(sessions)
    leases = Leases(sessions, tickets.clock)  # one reading of the database's clock for both
    identity = await InstallationStore(sessions).identity()
    filing = Filing(identity, timedelta(seconds=settings.jira.search_lag_s))
    encoder = encoder_view(settings.encoder)  # beside TF-IDF; None when turned off
    classifier = MemoryClassifier(build_chain(settings.classifier), examples,
                                  background_refit=True, encoder=encoder,
                                  lean=settings.classifier.memory_lean)
    if encoder is not None:
        classifier.add_warm_up(encoder.warm_up)  # loads on a worker thread once connected
    tracker = Tracker(settings.jira, metadata_ttl_s=settings.routing.metadata_cache_s)
    status_tracker = Tracker(settings.jira, workers=settings.status.jira_workers)
    comments = JiraComments(settings.jira)
    client = web_client(settings.slack)
    chat = SlackChat(client, identity, members_ttl_s=settings.status.members_cache_s)
    router = Router(settings, SlackChannels(client))  # per-channel routing (issue 17)
    filing = replace(
        filing, router=router, pins=ProjectPins(sessions), notify=chat.tell_requester
    )
    visibility = Visibility(
        settings.jira.project_key, settings.approvals.approvers, chat, router=router
    )
    pipeline = TicketPipeline(
        tickets, leases, classifier, tracker, filing, chat, settings.pipeline
    )
    worker = TicketWorker(pipeline, tickets, settings.pipeline)
    attachments = TrackerAttachments(settings.jira, workers=settings.sources.jira_workers)
    source_slack = SlackSources(client, chat.person)
    effects = SourceEffects(source_slack, attachments, settings.sources)
    publisher = Publisher(
        tickets, Outbox(sessions), tracker, chat, settings, effects, notices=SlackNotices(client),
        router=router,
    )
    slack = SlackServices(
        intake=Intake(
            tickets, worker, settings.pipeline.concurrency, Quotas.from_settings(settings.quotas)
        ),
        status=StatusLookup(
            tickets, status_tracker, visibility, any_issue=settings.status.any_issue
        ),
        decider=Decider(tickets, publisher, settings, examples, router),
        corrector=Corrector(tickets, publisher, settings, examples, router),
        background=BackgroundTasks(),
        threads=ThreadSync(
            tickets, ThreadComments(sessions), comments, SlackThreads(client),
            ReplyFiles(source_slack, attachments, settings.sources), settings.pipeline,
        ),
        home=HomeTab(
            StatusLookup(tickets, status_tracker, visibility, any_issue=settings.status.any_issue),
            HomeReads(sessions),
            settings.approvals,
            SlackHome(client),
            router,
        ),
    )
    switch = emoji_switch(router, settings.sources.reaction_filing)
    filing_from = MessageFiling(slack.intake, tickets, settings.sources, switch)
    slack = replace(slack, sources=MessageSources(filing_from, source_slack))
    slack = replace(slack, forms=FormFields(router, tracker))
    slack = replace(slack, notify=NotifyChoice(NotifyPrefs(sessions)))
    home = slack.home

    async def after_run(ticket_id: int) -> None:  # what filing enqueued, at once; App Home
        await publisher.publish(ticket_id)
        await home.ticket_ran(ticket_id)

    worker.after_run = after_run
    sync, reminders, feed = _jira_sync(settings, sessions, tickets, identity, publisher, router)
    sync.on_changed = lambda changed: home.changed(t.requester_id for t in changed)
    return Services(
        settings, engine, tickets, examples, classifier, tracker, status_tracker, client,
        worker, publisher, slack, comments, attachments,
        sync=sync, reminders=reminders, feed=feed,
    )


def _jira_sync(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    tickets: TicketLog,
    identity: InstallationIdentity,
    publisher: Publisher,
    router: Router,
) -> tuple[JiraSync, Reminders, JiraChangeFeed]:
    """The change feed over every project the bot files into, and the reminders."""
    store = SyncStore(sessions, tickets.clock)
    feed = JiraChangeFeed(settings.jira)
    routed = {r.project_key for r in settings.routing.channels.values() if r.project_key}
    projects = sorted({settings.jira.project_key or "", *routed} - {""})
    sync = JiraSync(
        store, feed, publisher.publish, installation=identity, labels=settings.jira.labels,
        projects=projects, settings=settings.sync, prefs=NotifyPrefs(sessions),
    )
    routes = settings.routing.channels.values()
    everyone = {*settings.approvals.approvers, *(u for r in routes for u in r.approvers or ())}

    async def approvers_of(ticket: Ticket) -> list[str]:
        return (await approvals_for(router, settings.approvals, ticket)).approvers

    reminders = Reminders(
        store, Outbox(sessions), publisher.publish, sorted(everyone), settings.sync, approvers_of
    )
    return sync, reminders, feed
