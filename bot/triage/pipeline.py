"""Carry one ticket from ``received`` to ``posted``, persisting every step.

Each step reads the ticket's state and does only what is left, so running the pipeline again
after a crash, an outage or a redelivery never repeats a finished step:

    received   → classify                      → classified
    classified → create the Jira issue         → filed     (after an unfinished create: adopt the
                                                            issue found by its label, see filing)
    filed      → post the message in Slack     → posted

Transient failures leave the ticket where it is with a retry time (exponential backoff, or the
server's Retry-After) for as long as ``pipeline.give_up_after_s`` (24 h); terminal ones (Jira
refusing the fields, a deleted project) move it to ``failed``. The requester hears about both.

Retries nest in three layers; each outer one sees only what the inner ones gave up on:

    per HTTP call     slack_sdk: a 429 up to 3 times after Retry-After + 0-1 s; a dropped
                      connection once, only for calls safe to repeat (``bot.slack.app.RESENDABLE``),
                      never ``chat.postMessage``. The jira and openai clients are built
                      with ``max_retries=0``; kobold and llama have none.
    per service call  ``JiraRetry``: ``jira.max_attempts`` (4) tries, 0.5 s doubling to 30 s with
                      full jitter, or Retry-After + 0-10 % when longer; ``TrackerUnavailable``
                      (429, 502-504, timeouts, connection errors); comment and transition only
                      on 429 / 503. ``BackendRetry``: ``classifier.max_attempts`` (3) tries per
                      backend, 0.5 s doubling to 8 s plus 0-0.5 s, or Retry-After when longer;
                      ``BackendUnavailable`` (timeouts, refused, 429, 5xx). A Retry-After over
                      60 s (Jira) or 30 s (backend) is not waited for. Slack has no such layer.
    per ticket        here: a ``TransientError`` (or an unexpected error) saves
                      ``next_attempt_at``: ``pipeline.retry_base_s`` (5 s) doubling to
                      ``retry_max_s`` (300 s), times 0.8-1.2, or Retry-After capped at
                      ``retry_max_s``; ``failed`` once the request is ``give_up_after_s``
                      (24 h) old, or after ``max_attempts`` (8) unexpected errors. Stored, so it
                      survives restarts; the worker resumes due tickets every
                      ``resume_interval_s`` (15 s). Slack's 429 only waits: it is not counted.
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from bot import messages, metrics
from bot.db.leases import HeldLease, Leases, new_owner
from bot.db.models import Ticket
from bot.db.tickets import ClassifiedAs, Step, TicketLog
from bot.errors import (
    ChatUnavailable,
    LeaseLost,
    StaleState,
    TicketbotError,
    TrackerConfigError,
    TrackerError,
    TransientError,
)
from bot.labels import parse_label
from bot.settings import PipelineSettings
from bot.tickets import ACTIVE_STATES, TicketState
from bot.triage.filing import Filing
from bot.triage.log_fields import fields, of_id
from bot.triage.ports import Chat, IssueTracker, Person, TicketClassifier
from bot.triage.visibility import hint_scope

log = logging.getLogger(__name__)

class TicketPipeline:
    def __init__(
        self,
        tickets: TicketLog,
        leases: Leases,
        classifier: TicketClassifier,
        tracker: IssueTracker,
        filing: Filing,
        chat: Chat,
        settings: PipelineSettings,
        owner: str | None = None,
    ) -> None:
        self.owner = owner or new_owner()
        self._tickets = tickets
        self._leases = leases
        self._classifier = classifier
        self._tracker = tracker
        self._filing = filing
        self._chat = chat
        self._settings = settings
        self._lease_ttl = timedelta(seconds=settings.lease_ttl_s)
        self._held: dict[int, HeldLease] = {}

    async def run(self, ticket_id: int) -> Ticket | None:
        """Advance the ticket as far as it will go now; return it as it stands.

        Works under the ticket's lease, renewed by a heartbeat. Returns None without doing
        anything while another worker holds the lease, and None when this worker loses it
        mid-way: the step is cancelled and nothing is recorded; the new holder carries on.
        """
        async with self._leases.hold(ticket_id, self.owner, self._lease_ttl) as lease:
            if lease is None:
                log.info("ticket %s is held elsewhere", ticket_id, extra=of_id(ticket_id))
                return None
            self._held[ticket_id] = lease
            try:
                return await self._advance(ticket_id)
            finally:
                del self._held[ticket_id]
        log.warning("ticket %s: stopped mid-step, its lease was lost", ticket_id,
                    extra=of_id(ticket_id))
        return None

    async def _advance(self, ticket_id: int) -> Ticket | None:
        ticket = await self._tickets.get(ticket_id)
        if ticket is None:
            log.error("ticket %s does not exist", ticket_id, extra=of_id(ticket_id))
            return None
        try:
            return await self._steps(ticket)
        except LeaseLost as exc:
            log.warning("ticket %s: %s; nothing recorded, the holder carries on", ticket_id, exc,
                        extra=of_id(ticket_id))
        except StaleState:
            log.info("ticket %s was moved by another worker", ticket_id, extra=of_id(ticket_id))
        return await self._tickets.get(ticket_id)

    async def _steps(self, ticket: Ticket) -> Ticket:
        """Every write below is compare-and-set on the state and this worker's lease."""
        try:
            while ticket.state in ACTIVE_STATES:
                ticket = await self._step(ticket)
        except StaleState:
            raise
        except TransientError as exc:
            return await self._retry_later(ticket, exc)
        except TicketbotError as exc:
            return await self._give_up(ticket, exc)
        except Exception as exc:
            log.exception("ticket %s: unexpected error in state %s", ticket.id, ticket.state,
                          extra=fields(ticket))
            return await self._retry_later(ticket, exc)
        return ticket

    async def _step(self, ticket: Ticket) -> Ticket:
        if ticket.state is TicketState.RECEIVED:
            return await self._classify(ticket)
        if ticket.state is TicketState.CLASSIFIED:
            return await self._file(ticket)
        return await self._post(ticket)

    async def _classify(self, ticket: Ticket) -> Ticket:
        chosen = parse_label(ticket.label_override or "")
        if chosen is not None:
            label, confidence, backend, triage = chosen, 1.0, "requester", False
            evidence = None
        else:
            result = await self._classifier.classify(ticket.text, ticket_id=str(ticket.id))
            label, confidence, backend = result.label, result.confidence, result.backend
            triage = result.needs_triage
            evidence = dict(result.model_probabilities) or None
        log.info("ticket %s classified %s (%.2f) by %s", ticket.id, label, confidence, backend,
                 extra=fields(ticket, backend=backend))
        duplicate = await self._possible_duplicate(ticket)
        found = ClassifiedAs(label, confidence, backend, triage, duplicate, evidence)
        return await self._tickets.mark_classified(ticket.id, found, owner=self.owner)

    async def _file(self, ticket: Ticket) -> Ticket:
        new = await self._filing.routed_issue(ticket, await self._requester(ticket))
        started = ticket.jira_create_started_at
        ref = None
        if started is not None:
            now = await self._tickets.clock.now()
            ref = await self._filing.earlier_issue(self._tracker, new, started, now)
        if ref is None:
            await self._guard(ticket.id, "jira_create")
            ref = await self._filing.create(self._tracker, ticket, new)
        log.info("ticket %s filed %s", ticket.id, ref.key, extra=fields(ticket, jira_key=ref.key))
        return await self._tickets.mark_filed(
            ticket.id, key=ref.key, url=ref.url, issue_type=ref.issue_type, owner=self.owner
        )

    async def _post(self, ticket: Ticket) -> Ticket:
        maybe_posted = await self._tried_before(ticket, "slack_post")
        posted = await self._chat.post_ticket(ticket, maybe_posted=maybe_posted)
        done = await self._tickets.mark_posted(
            ticket.id,
            channel_id=posted.channel_id,
            ts=posted.ts,
            in_channel=posted.in_channel,
            owner=self.owner,
        )
        took = max(0.0, (done.updated_at - ticket.created_at).total_seconds())
        metrics.POSTED_LATENCY.observe(took)
        log.info("ticket %s posted %.1fs after the request", ticket.id, took, extra=fields(done))
        return done

    async def _tried_before(self, ticket: Ticket, step: Step) -> bool:
        """Whether an earlier attempt at this non-idempotent call may have gone through.

        On a first attempt, notes that the call is about to be sent, so that any later attempt
        looks for its effect first instead of repeating it.
        """
        started = {
            "jira_create": ticket.jira_create_started_at,
            "slack_post": ticket.slack_post_started_at,
        }[step]
        await self._guard(ticket.id, step, mark_started=started is None)
        return started is not None

    async def _guard(self, ticket_id: int, step: Step, *, mark_started: bool = True) -> None:
        """The lease guard, right before a non-idempotent call: renew the lease now (LeaseLost
        if it is gone) and note that the call is about to be sent."""
        await self._held[ticket_id].confirm()
        if mark_started:
            await self._tickets.mark_started(ticket_id, step, owner=self.owner)

    async def _possible_duplicate(self, ticket: Ticket) -> str | None:
        """The Jira key of a very similar open ticket filed in the same conversation (never
        another: ``bot.triage.visibility``), if the classifier knows one; never raises."""
        try:
            return await self._classifier.possible_duplicate(
                ticket.text, ticket.id, channel_id=hint_scope(ticket)
            )
        except Exception:
            log.exception("ticket %s: duplicate lookup failed; filing anyway", ticket.id,
                          extra=fields(ticket))
            return None

    async def _requester(self, ticket: Ticket) -> Person:
        fallback = Person(ticket.requester_id, ticket.requester_name or ticket.requester_id)
        try:
            return await self._chat.person(ticket.requester_id)
        except TicketbotError as exc:
            log.warning("ticket %s: no profile for %s (%s)", ticket.id, ticket.requester_id, exc,
                        extra=fields(ticket))
            return fallback

    async def _retry_later(self, ticket: Ticket, exc: BaseException) -> Ticket:
        """Wait and try again: a transient error for as long as ``give_up_after_s`` (24 h) from
        the request, an unexpected one (a bug) ``max_attempts`` times. Slack's rate limit is no
        failed attempt: the ticket waits for its Retry-After, uncounted, and no one is told."""
        counted = not _rate_limited(exc)
        attempts = ticket.attempts + int(counted)
        now = await self._tickets.clock.now()
        if isinstance(exc, TransientError):
            waited = now - ticket.created_at
            give_up = waited >= timedelta(seconds=self._settings.give_up_after_s)
        else:
            give_up = attempts >= self._settings.max_attempts
        delay = self._delay(max(1, attempts), getattr(exc, "retry_after", None))
        updated = await self._tickets.record_failure(
            ticket.id,
            _describe(exc),
            retry_at=None if give_up else now + delay,
            owner=self.owner,
            give_up=give_up,
            counted=counted,
        )
        if give_up:
            await self._tell(
                updated, messages.TICKET_FAILED.format(id=ticket.id, reason=_describe(exc))
            )
        elif attempts == 1 and isinstance(exc, TrackerError):
            await self._tell(updated, messages.JIRA_UNREACHABLE_SAVED)
        return updated

    async def _give_up(self, ticket: Ticket, exc: TicketbotError) -> Ticket:
        updated = await self._tickets.record_failure(
            ticket.id, _describe(exc), retry_at=None, owner=self.owner, give_up=True
        )
        if isinstance(exc, TrackerConfigError):
            log.error("ticket %s: Jira refused our configuration: %s", ticket.id, exc,
                      extra=fields(ticket))
            text = messages.JIRA_MISCONFIGURED.format(id=ticket.id)
        elif isinstance(exc, TrackerError):
            text = messages.JIRA_REJECTED.format(reason=exc)
        else:
            text = messages.TICKET_FAILED.format(id=ticket.id, reason=_describe(exc))
        await self._tell(updated, text)
        return updated

    def _delay(self, attempts: int, retry_after: float | None) -> timedelta:
        if retry_after is not None and retry_after > 0:
            return timedelta(seconds=min(retry_after, self._settings.retry_max_s))
        backoff = min(self._settings.retry_max_s, self._settings.retry_base_s * 2 ** (attempts - 1))
        return timedelta(seconds=backoff * random.uniform(0.8, 1.2))

    async def _tell(self, ticket: Ticket, text: str) -> None:
        try:
            await self._chat.tell_requester(ticket, text)
        except TicketbotError as exc:
            log.warning("ticket %s: could not tell %s: %s", ticket.id, ticket.requester_id, exc,
                        extra=fields(ticket))


def _rate_limited(exc: BaseException) -> bool:
    return isinstance(exc, ChatUnavailable) and exc.code in ("ratelimited", "rate_limited")


def _describe(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:500]
