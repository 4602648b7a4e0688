"""Bolt listeners, one module per feature. Each: ack, call one use case, render."""

from __future__ import annotations

from dataclasses import dataclass

from slack_bolt.async_app import AsyncApp

from bot.slack.tasks import BackgroundTasks
from bot.triage.decisions import Decider
from bot.triage.intake import Intake
from bot.triage.status import StatusLookup


@dataclass(frozen=True, slots=True)
class UseCases:
    intake: Intake
    status: StatusLookup
    decider: Decider
    background: BackgroundTasks


def register_all(app: AsyncApp, use_cases: UseCases) -> None:
    from bot.slack.listeners import actions, commands, views

    commands.register(app, use_cases)
    views.register(app, use_cases)
    actions.register(app, use_cases)
