"""What the listeners need, handed to them through Bolt's context by one middleware.

The composition root (``bot.services``) builds a ``SlackServices``; ``create_app`` installs
``provide_services`` so every listener finds it with ``services_of(context)``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from slack_bolt.context.async_context import AsyncBoltContext

from bot.slack.sources import MessageSources
from bot.slack.tasks import BackgroundTasks
from bot.triage.corrections import Corrector
from bot.triage.decisions import Decider
from bot.triage.forms import FormFields
from bot.triage.home import HomeTab
from bot.triage.intake import Intake
from bot.triage.notify import NotifyChoice
from bot.triage.status import StatusLookup
from bot.triage.thread_sync import ThreadSync

CONTEXT_KEY = "ticketbot"


@dataclass(frozen=True, slots=True)
class SlackServices:
    intake: Intake
    status: StatusLookup
    decider: Decider
    corrector: Corrector
    background: BackgroundTasks
    threads: ThreadSync
    home: HomeTab
    sources: MessageSources | None = None  # the message shortcut and the filing emoji
    forms: FormFields | None = None  # the form's required Jira fields (issue 17)
    notify: NotifyChoice | None = None  # `/ticket_status notify dm|thread` (issue 18)


Middleware = Callable[[AsyncBoltContext, Callable[[], Awaitable[None]]], Awaitable[None]]


def provide_services(services: SlackServices) -> Middleware:
    async def middleware(context: AsyncBoltContext, next_: Callable[[], Awaitable[None]]) -> None:
        context[CONTEXT_KEY] = services
        await next_()

    return middleware


def services_of(context: AsyncBoltContext) -> SlackServices:
    services: SlackServices = context[CONTEXT_KEY]
    return services
