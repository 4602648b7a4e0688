"""``app_home_opened``: publish the person's Home tab (``bot.triage.home``)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from bot.slack.context import services_of


async def handle_home_opened(event: dict[str, Any], context: AsyncBoltContext) -> None:
    """Acknowledged by Bolt already (events are auto-acknowledged)."""
    user_id = str(event.get("user") or "")
    if event.get("tab", "home") != "home" or not user_id:
        return
    services = services_of(context)
    services.background.spawn(services.home.opened(user_id), name=f"home-{user_id}")


def register(app: AsyncApp) -> None:
    app.event("app_home_opened")(handle_home_opened)
