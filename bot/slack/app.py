"""The Bolt app: the Web API client, the services middleware, the listeners, the error handler.

It receives everything it needs from the composition root (``bot.services``) and builds
nothing of the core itself; ``bot.runner`` connects it over Socket Mode.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot.logs import BOLT_APP_LOGGER
from bot.settings import SlackSettings
from bot.slack.acks import timed_acks
from bot.slack.context import SlackServices, provide_services
from bot.slack.listeners import register_all
from bot.slack.listeners.errors import handle_error

RATE_LIMIT_RETRIES = 3
#: Web API methods that change nothing, or set a state that a second call sets again: safe to
#: send twice. chat.postMessage, chat.postEphemeral and views.open are not among them.
RESENDABLE = frozenset(
    {
        "apps.connections.open",
        "auth.test",
        "chat.getPermalink",
        "chat.update",
        "conversations.history",
        "conversations.info",
        "conversations.open",
        "conversations.replies",
        "users.info",
        "users.lookupByEmail",
        "views.publish",  # replaces the person's whole Home tab: the same view twice is one
    }
)


class ResendableResetRetryHandler(AsyncConnectionErrorRetryHandler):
    """slack_sdk's retry after a dropped connection (once), for ``RESENDABLE`` methods only."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        method = urlsplit(request.url).path.rsplit("/", 1)[-1]
        return method in RESENDABLE and await super()._can_retry_async(
            state=state, request=request, response=response, error=error
        )


def web_client(settings: SlackSettings) -> AsyncWebClient:
    """The bot token's Web API client (Bolt's listeners and Socket Mode use it too).

    - Slack's 429s are waited out (Retry-After) up to 3 times: a 429 means nothing was done.
    - A dropped connection is retried once only for ``RESENDABLE`` methods. slack_sdk's default
      handler re-sends any call, but Slack may reset a connection after it has stored a
      message: one chat.postMessage, two messages. Here such a reset raises (``SlackChat`` turns
      it into ``ChatUnavailable``) and the pipeline's next attempt looks for the message before
      it posts again.
    """
    if settings.bot_token is None:
        raise ValueError("a Slack bot token is required")  # require_for_run checked it first
    return AsyncWebClient(
        token=settings.bot_token.get_secret_value(),
        base_url=settings.api_url,
        retry_handlers=[
            ResendableResetRetryHandler(),
            AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        ],
    )


def create_app(client: AsyncWebClient, services: SlackServices) -> AsyncApp:
    app = AsyncApp(
        client=client,
        process_before_response=False,
        logger=logging.getLogger(BOLT_APP_LOGGER),  # levels set by bot.logs, not by bolt
    )
    app.use(timed_acks)
    app.use(provide_services(services))
    register_all(app)
    app.error(handle_error)
    return app
