"""`ticketbot doctor` checks for Slack: both tokens accepted, scopes present."""

from __future__ import annotations

import yaml
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.health import Check
from bot.settings import Settings
from bot.shipped import MANIFEST


def required_scopes() -> frozenset[str]:
    """The bot scopes the shipped manifest.yml asks for: the app needs every one of them."""
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return frozenset(manifest["oauth_config"]["scopes"]["bot"])


async def check_slack(settings: Settings) -> list[Check]:
    slack = settings.slack
    if slack.bot_token is None or slack.app_token is None:
        return [Check("slack", False, "SLACK_BOT_TOKEN and SLACK_APP_TOKEN are needed")]
    bot = AsyncWebClient(token=slack.bot_token.get_secret_value(), base_url=slack.api_url)
    return [await _bot_token(bot), await _app_token(bot, slack.app_token.get_secret_value())]


async def _bot_token(client: AsyncWebClient) -> Check:
    try:
        response = await client.auth_test()
    except SlackApiError as exc:
        return Check("slack bot token", False, f"auth.test: {exc.response.get('error')}")
    except Exception as exc:
        return Check("slack bot token", False, f"Slack unreachable: {type(exc).__name__}")
    granted = {s.strip() for s in (response.headers.get("x-oauth-scopes") or "").split(",")}
    missing = sorted(required_scopes() - granted)
    who = f"{response.get('user')} in {response.get('team')}"
    if missing:
        return Check(
            "slack bot token",
            False,
            f"{who}; missing scopes {', '.join(missing)}: reinstall from manifest.yml",
        )
    return Check("slack bot token", True, who)


async def _app_token(client: AsyncWebClient, app_token: str) -> Check:
    try:
        await client.apps_connections_open(app_token=app_token)
    except SlackApiError as exc:
        return Check(
            "slack app token",
            False,
            f"apps.connections.open: {exc.response.get('error')} "
            "(needs an app-level token with connections:write)",
        )
    except Exception as exc:
        return Check("slack app token", False, f"Slack unreachable: {type(exc).__name__}")
    return Check("slack app token", True, "Socket Mode connection allowed")
