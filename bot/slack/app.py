"""The Bolt app: wires the use cases to listeners and runs them over Socket Mode."""

from __future__ import annotations

import logging

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.logs import BOLT_APP_LOGGER
from bot.services import Services
from bot.slack.chat import SlackChat
from bot.slack.listeners import UseCases, register_all
from bot.slack.tasks import BackgroundTasks
from bot.triage.decisions import Decider
from bot.triage.intake import Intake
from bot.triage.pipeline import TicketPipeline
from bot.triage.status import StatusLookup
from bot.triage.worker import TicketWorker

log = logging.getLogger(__name__)


def web_client(services: Services) -> AsyncWebClient:
    slack = services.settings.slack
    assert slack.bot_token is not None
    client = AsyncWebClient(token=slack.bot_token.get_secret_value(), base_url=slack.api_url)
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=3))
    return client


class SlackBot:
    def __init__(self, services: Services) -> None:
        settings = services.settings
        assert settings.slack.app_token is not None
        client = web_client(services)
        chat = SlackChat(client)
        pipeline = TicketPipeline(
            services.tickets, services.classifier, services.tracker, chat, settings.pipeline
        )
        self.worker = TicketWorker(pipeline, services.tickets, settings.pipeline)
        self.background = BackgroundTasks()
        self.app = AsyncApp(
            client=client,
            process_before_response=False,
            logger=logging.getLogger(BOLT_APP_LOGGER),  # levels set by bot.logs, not by bolt
        )
        register_all(
            self.app,
            UseCases(
                intake=Intake(services.tickets, self.worker, settings.pipeline.concurrency),
                status=StatusLookup(services.tickets, services.tracker),
                decider=Decider(services.tickets, services.tracker, chat, settings),
                background=self.background,
            ),
        )
        self._services = services
        self._grace = settings.pipeline.shutdown_grace_s
        self._handler = AsyncSocketModeHandler(
            self.app, settings.slack.app_token.get_secret_value()
        )

    async def start(self) -> None:
        await self._handler.connect_async()  # type: ignore[no-untyped-call]
        log.info("connected to Slack over Socket Mode")
        self._services.classifier.start()
        self.worker.start()

    async def stop(self) -> None:
        """Stop taking envelopes first, then let in-flight work reach a saved state."""
        await self._handler.close_async()  # type: ignore[no-untyped-call]
        await self.background.drain(self._grace)
        await self.worker.stop()
        log.info("stopped")
