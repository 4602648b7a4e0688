"""Bolt listeners, one module per feature: module-level ``handle_*`` functions that ack, call
one use case (found with ``services_of(context)``) and render."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp


def register_all(app: AsyncApp) -> None:
    from bot.slack.listeners import actions, commands, home, messages, sources, views

    commands.register(app)
    views.register(app)
    actions.register(app)
    messages.register(app)
    home.register(app)
    sources.register(app)
