"""The floor: a Bolt app over Socket Mode whose `/ticket` listener only calls ``ack()``.

Same stack as ticketbot (slack-bolt AsyncApp, the aiohttp Socket Mode client), nothing else,
so its ack latency is the best this stack allows on this machine. Reads SLACK_BOT_TOKEN,
SLACK_APP_TOKEN and SLACK_API_URL; stops on SIGTERM or SIGINT.
"""

from __future__ import annotations

import asyncio
import os
import signal

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient


def build_app() -> AsyncApp:
    client = AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"],
                            base_url=os.environ["SLACK_API_URL"])
    app = AsyncApp(client=client)

    @app.command("/ticket")
    async def ticket(ack: AsyncAck) -> None:
        await ack()

    return app


async def serve(app: AsyncApp) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    handler = AsyncSocketModeHandler(app, os.environ["SLACK_APP_TOKEN"])
    await handler.connect_async()  # type: ignore[no-untyped-call]
    await stop.wait()
    await handler.close_async()  # type: ignore[no-untyped-call]


if __name__ == "__main__":
    asyncio.run(serve(build_app()))
