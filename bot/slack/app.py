"""The Bolt app: the Web API client, the services middleware, the listeners, the error handler.

It receives everything it needs from the composition root (``bot.services``) and builds
nothing of the core itself; ``bot.runner`` connects it over Socket Mode.
"""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.logs import BOLT_APP_LOGGER
from bot.settings import SlackSettings
from bot.slack.context import SlackServices, provide_services
from bot.slack.listeners import register_all
from bot.slack.listeners.errors import handle_error

RATE_LIMIT_RETRIES = 3


def web_client(settings: SlackSettings) -> AsyncWebClient:
    """The bot token's Web API client; Slack's 429s are waited out (Retry-After) up to 3 times."""
    if settings.bot_token is None:
        raise ValueError("a Slack bot token is required")  # require_for_run checked it first
    client = AsyncWebClient(token=settings.bot_token.get_secret_value(), base_url=settings.api_url)
    client.retry_handlers.append(
        AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)
    )
    return client


def create_app(client: AsyncWebClient, services: SlackServices) -> AsyncApp:
    app = AsyncApp(
        client=client,
        process_before_response=False,
        logger=logging.getLogger(BOLT_APP_LOGGER),  # levels set by bot.logs, not by bolt
    )
    app.use(provide_services(services))
    register_all(app)
    app.error(handle_error)
    return app
