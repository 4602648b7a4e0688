"""Show decisions and corrections in Slack and Jira, however long either is down.

A decision (or a correction) is recorded together with the tasks it owes (``bot.db.outbox``):
update the ticket message, reply in its thread, comment in Jira, run the configured
transition, change the issue type. ``publish(ticket_id)`` runs a ticket's pending tasks in
order right after the decision; a loop runs every due task again at each
``pipeline.resume_interval_s``. A transient failure waits with the pipeline's backoff (capped
at ``retry_max_s``) and stops that ticket's later tasks until it succeeds; a permanent one
(a transition the workflow does not have) is audited as ``publish_failed`` and skipped. A
task still failing ``pipeline.give_up_after_s`` after it was enqueued is given up the same way.

Residual risk: a comment or thread reply whose answer is lost is sent again on the retry
(Jira and Slack offer no idempotency key for them), so it can appear twice; the message
update, the transition and the type change are idempotent.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta

from bot import messages
from bot.db.models import Ticket, TicketTask, utcnow
from bot.db.outbox import NewTask, Outbox
from bot.db.sources import CONFIRM_IN_SOURCE, COPY_FILES
from bot.db.tickets import TicketLog
from bot.errors import TicketbotError, TransientError
from bot.labels import Label, parse_label
from bot.loops import Every
from bot.settings import Settings
from bot.tickets import BOT_ACTOR, Decision
from bot.triage.ports import Chat, IssueTracker, Notices
from bot.triage.routing import Router
from bot.triage.sources import SourceEffects

log = logging.getLogger(__name__)

SHOW_MESSAGE = "show_message"
THREAD_REPLY = "thread_reply"
JIRA_COMMENT = "jira_comment"
JIRA_TRANSITION = "jira_transition"
JIRA_RELABEL = "jira_relabel"
DIRECT_MESSAGE = "direct_message"


def decision_tasks(
    ticket: Ticket, decision: Decision, user_id: str, transition: str | None
) -> list[NewTask]:
    """What a decision owes Slack and Jira, in the order it is shown."""
    key = f"ticket:{ticket.id}:{decision.value}"
    reply = messages.DECISION_THREAD_REPLY[decision].format(
        requester=ticket.requester_id, user=user_id, key=ticket.jira_key
    )
    name = ticket.requester_name if user_id == ticket.requester_id else user_id
    comment = messages.JIRA_DECISION_COMMENT[decision].format(user=name)
    tasks = [
        NewTask(ticket.id, f"{key}:message", SHOW_MESSAGE),
        NewTask(ticket.id, f"{key}:reply", THREAD_REPLY, {"text": reply}),
    ]
    if ticket.jira_key:
        tasks.append(NewTask(ticket.id, f"{key}:comment", JIRA_COMMENT, {"text": comment}))
        if transition:
            tasks.append(
                NewTask(ticket.id, f"{key}:transition", JIRA_TRANSITION, {"name": transition})
            )
    return tasks


def correction_tasks(ticket: Ticket, old: str | None, label: str, user_id: str) -> list[NewTask]:
    """What a type correction owes Jira (type or comment) and the ticket message."""
    key = f"ticket:{ticket.id}:relabel:{secrets.token_hex(4)}"
    payload = {"old": old or "?", "label": label, "user": user_id}
    return [
        NewTask(ticket.id, f"{key}:jira", JIRA_RELABEL, payload),
        NewTask(ticket.id, f"{key}:message", SHOW_MESSAGE),
    ]


class Publisher:
    def __init__(
        self,
        tickets: TicketLog,
        outbox: Outbox,
        tracker: IssueTracker,
        chat: Chat,
        settings: Settings,
        sources: SourceEffects | None = None,
        notices: Notices | None = None,
        router: Router | None = None,
    ) -> None:
        self._router = router  # a routed ticket's types are its route's (bot.triage.routing)
        self._notices = notices  # direct messages (Jira changes, issue 18)
        self._sources = sources  # tickets filed from a Slack message (bot.db.sources)
        self._tickets = tickets
        self._outbox = outbox
        self._tracker = tracker
        self._chat = chat
        self._types = settings.jira.issue_types
        self._pipeline = settings.pipeline
        self._loop = Every(
            "ticket-publisher", self.publish_due, self._pipeline.resume_interval_s,
            "could not look for decisions still to publish",
        )
        self._running: dict[int, asyncio.Task[None]] = {}

    async def publish(self, ticket_id: int) -> None:
        """Run the ticket's pending tasks now, in order; never raises."""
        running = self._running.get(ticket_id)
        if running is not None:  # one runner per ticket keeps the tasks in order
            await asyncio.shield(running)
        task = asyncio.ensure_future(self._publish(ticket_id))
        self._running[ticket_id] = task
        task.add_done_callback(lambda _: self._running.pop(ticket_id, None))
        await asyncio.shield(task)

    async def _publish(self, ticket_id: int) -> None:
        try:
            for task in await self._outbox.pending(ticket_id):
                if not await self._outbox.claim(task):
                    return  # another replica has it, or it is waiting for its retry time
                if not await self._run(task):
                    return
        except Exception:
            log.exception("ticket %s: publishing failed", ticket_id)

    async def publish_due(self) -> int:
        due = await self._outbox.due_tickets()
        for ticket_id in due:
            await self.publish(ticket_id)
        return len(due)

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def _run(self, task: TicketTask) -> bool:
        """Do one task; True when the ticket's next task may follow."""
        ticket = await self._tickets.get(task.ticket_id)
        if ticket is None:
            await self._outbox.give_up(task.id, "the ticket no longer exists")
            return True
        try:
            await self._action(task)(ticket)
        except TransientError as exc:
            return await self._later(task, exc)
        except TicketbotError as exc:
            await self._failed(task, str(exc))
            return True
        await self._outbox.done(task.id)
        log.info("ticket %s: %s done", ticket.id, task.kind)
        return True

    def _action(self, task: TicketTask) -> Callable[[Ticket], Awaitable[None]]:
        payload = task.payload
        actions: dict[str, Callable[[Ticket], Awaitable[None]]] = {
            SHOW_MESSAGE: self._chat.show_decision,
            THREAD_REPLY: lambda t: self._chat.reply_in_thread(t, str(payload["text"])),
            JIRA_COMMENT: lambda t: self._comment(t, str(payload["text"])),
            JIRA_TRANSITION: lambda t: self._transition(t, str(payload["name"])),
            JIRA_RELABEL: lambda t: self._relabel(t, payload),
        }
        if self._notices is not None:
            notices = self._notices
            actions[DIRECT_MESSAGE] = lambda t: notices.direct_message(
                str(payload["user"]), str(payload["text"])
            )
        if self._sources is not None:
            actions[CONFIRM_IN_SOURCE] = self._sources.confirm
            actions[COPY_FILES] = self._copy_files
        return actions[task.kind]

    async def _copy_files(self, ticket: Ticket) -> None:
        """Files to the issue; what was not copied goes into a comment, a task of its own."""
        assert self._sources is not None
        note = await self._sources.copy_files(ticket)
        if note:
            key = f"ticket:{ticket.id}:source:skipped"
            await self._outbox.add([NewTask(ticket.id, key, JIRA_COMMENT, {"text": note})])

    async def _later(self, task: TicketTask, exc: TransientError) -> bool:
        age = utcnow() - task.created_at
        if age >= timedelta(seconds=self._pipeline.give_up_after_s):
            await self._failed(task, f"still failing after {age}: {exc}")
            return True
        backoff = min(self._pipeline.retry_max_s, self._pipeline.retry_base_s * 2**task.attempts)
        wait = max(backoff, min(exc.retry_after or 0.0, self._pipeline.retry_max_s))
        await self._outbox.retry_at(task.id, utcnow() + timedelta(seconds=wait), str(exc))
        log.warning(
            "ticket %s: %s failed (%s); again in %.0f s", task.ticket_id, task.kind, exc, wait
        )
        return False

    async def _failed(self, task: TicketTask, error: str) -> None:
        await self._outbox.give_up(task.id, error)
        log.warning("ticket %s: %s given up: %s", task.ticket_id, task.kind, error)
        await self._tickets.add_event(
            task.ticket_id, BOT_ACTOR, "publish_failed", {"step": task.kind, "error": error[:300]}
        )

    async def _comment(self, ticket: Ticket, text: str) -> None:
        if ticket.jira_key:
            await self._tracker.add_comment(ticket.jira_key, text)

    async def _transition(self, ticket: Ticket, name: str) -> None:
        if not ticket.jira_key:
            return
        reached = await self._tracker.transition(ticket.jira_key, name)
        await self._tickets.add_event(
            ticket.id, BOT_ACTOR, "transitioned", {"transition": name, "status": reached}
        )

    async def _types_of(self, ticket: Ticket) -> Mapping[Label, str]:
        if self._router is None:
            return self._types
        return (await self._router.for_channel(ticket.slack_channel_id)).issue_types

    async def _relabel(self, ticket: Ticket, payload: dict[str, object]) -> None:
        """The Jira type follows a correction; a comment says so when no type can."""
        label, old = parse_label(str(payload["label"])), str(payload["old"])
        if ticket.jira_key is None or label is None:
            return
        types = await self._types_of(ticket)
        user, wanted = str(payload["user"]), types.get(label, label)
        old_label = parse_label(old)
        if old_label is not None and types.get(old_label, old_label) == wanted:
            text = messages.JIRA_LABEL_COMMENT.format(user=user, old=old, label=label)
            await self._tracker.add_comment(ticket.jira_key, text)
        elif wanted in await self._tracker.issue_type_names(ticket.jira_project):
            await self._tracker.set_issue_type(ticket.jira_key, wanted)
            await self._tickets.add_event(
                ticket.id,
                BOT_ACTOR,
                "issue_type_changed",
                {"key": ticket.jira_key, "issue_type": wanted},
            )
        else:
            text = messages.JIRA_TYPE_COMMENT.format(user=user, label=label, type=wanted)
            await self._tracker.add_comment(ticket.jira_key, text)
