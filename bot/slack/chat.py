"""The ``Chat`` port over Slack's Web API: post, update, reply, tell the requester, look up people.

slack_sdk errors are converted here: ``ratelimited`` and connection failures become
``ChatUnavailable`` (with Slack's Retry-After), anything else ``ChatError`` with Slack's code.

A ticket message is posted once, even when an attempt is cut off (a crash, or a connection
reset after Slack stored the message; the web client does not re-send a post by itself, see
``bot.slack.app.web_client``). Every ticket message, in the channel or in the requester's DM
(the fallback where the bot cannot post), carries ``_metadata(ticket)``. A later attempt that
may follow a successful one first pages back through the channel's history, then the DM's,
to the moment the first attempt started, and adopts the message it finds there.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any, TypeVar

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot import messages, metrics
from bot.db.installation import InstallationIdentity
from bot.db.models import Ticket, utcnow
from bot.errors import ChatError, ChatUnavailable
from bot.slack import blocks, living
from bot.slack.members import MEMBERS_PAGE, ChannelMembers
from bot.triage.ports import Person, Posted

log = logging.getLogger(__name__)

T = TypeVar("T")
CANNOT_POST_HERE = frozenset({"not_in_channel", "channel_not_found", "is_archived"})
RESPONSE_URL_LIFETIME = timedelta(minutes=25)  # Slack honours them for 30 minutes
POST_EVENT_TYPE = "ticketbot_ticket"
FIND_POST_SLACK = timedelta(seconds=30)  # clock skew between us and Slack
HISTORY_PAGE = 200  # messages a conversations.history page (Slack allows 999, advises 200)
HISTORY_PAGES = 100  # looked through at most (20,000 messages since the attempt), then post


class SlackChat:
    def __init__(
        self, client: AsyncWebClient, installation: InstallationIdentity, *,
        members_ttl_s: float = 60.0,
    ) -> None:
        self._client = client
        self._installation = installation
        self._people: dict[str, Person] = {}
        self._members = ChannelMembers(self._members_page, ttl_s=members_ttl_s)

    async def person(self, user_id: str) -> Person:
        if user_id not in self._people:
            response = await _call(lambda: self._client.users_info(user=user_id))
            self._people[user_id] = _person(response["user"])
        return self._people[user_id]

    async def members(self, channel_id: str) -> frozenset[str]:
        """Paged, cached briefly (``bot.slack.members``); needs channels:read / groups:read."""
        return await self._members.of(channel_id)

    async def _members_page(
        self, channel_id: str, cursor: str | None
    ) -> tuple[Sequence[str], str | None]:
        page = await _call(
            lambda: self._client.conversations_members(
                channel=channel_id, limit=MEMBERS_PAGE, cursor=cursor
            )
        )
        return page.get("members") or [], (page.get("response_metadata") or {}).get("next_cursor")

    async def post_ticket(self, ticket: Ticket, *, maybe_posted: bool = False) -> Posted:
        if maybe_posted:
            earlier = await self._find_post(ticket)
            if earlier is not None:
                log.info(
                    "ticket %s: already posted as %s; not posting again", ticket.id, earlier.ts
                )
                return earlier
        message = blocks.ticket_message(ticket)
        try:
            response = await _call(
                lambda: self._client.chat_postMessage(
                    channel=ticket.slack_channel_id,
                    unfurl_links=False,
                    metadata=_metadata(ticket, self._installation),
                    **message,
                )
            )
        except ChatError as exc:
            if exc.code not in CANNOT_POST_HERE:
                raise
            log.info(
                "ticket %s: cannot post in %s (%s); telling %s directly",
                ticket.id,
                ticket.slack_channel_id,
                exc.code,
                ticket.requester_id,
            )
            return await self._post_to_requester(ticket)
        return Posted(channel_id=response["channel"], ts=response["ts"])

    async def _find_post(self, ticket: Ticket) -> Posted | None:
        """The message an interrupted attempt may have posted: in the channel, else in the DM."""
        ts = await self._find_in(ticket, ticket.slack_channel_id)
        if ts is not None:
            return Posted(channel_id=ticket.slack_channel_id, ts=ts)
        dm = await self._dm_with_requester(ticket)
        if dm is None or dm == ticket.slack_channel_id:
            return None
        ts = await self._find_in(ticket, dm)
        return None if ts is None else Posted(channel_id=dm, ts=ts, in_channel=False)

    async def _find_in(self, ticket: Ticket, channel: str) -> str | None:
        """The ts of the ticket's message in ``channel``: its history, newest first, paged back
        to shortly before the first attempt started."""
        since = (ticket.slack_post_started_at or ticket.created_at) - FIND_POST_SLACK
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            page = await self._history_page(ticket, channel, f"{since.timestamp():.6f}", cursor)
            if page is None:
                return None
            for message in page.get("messages") or []:
                if _is_ticket_post(message, ticket, self._installation):
                    return str(message["ts"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not page.get("has_more") or not cursor:
                return None
        log.warning(
            "ticket %s: no earlier post among %s messages in %s; posting",
            ticket.id,
            HISTORY_PAGE * HISTORY_PAGES,
            channel,
        )
        return None

    async def _history_page(
        self, ticket: Ticket, channel: str, oldest: str, cursor: str | None
    ) -> AsyncSlackResponse | None:
        return await self._unless_refused(
            ticket,
            f"look for an earlier post in {channel}",
            lambda: self._client.conversations_history(
                channel=channel,
                oldest=oldest,
                include_all_metadata=True,
                limit=HISTORY_PAGE,
                cursor=cursor,
            ),
        )

    async def _dm_with_requester(self, ticket: Ticket) -> str | None:
        """The id of the bot's DM with the requester (conversations.open; needs im:write)."""
        response = await self._unless_refused(
            ticket,
            f"open the DM with {ticket.requester_id}",
            lambda: self._client.conversations_open(users=ticket.requester_id),
        )
        return None if response is None else str(response["channel"]["id"])

    @staticmethod
    async def _unless_refused(
        ticket: Ticket, what: str, request: Callable[[], Awaitable[AsyncSlackResponse]]
    ) -> AsyncSlackResponse | None:
        """The response, or None (logged) when Slack refuses; ``ChatUnavailable`` passes."""
        try:
            return await _call(request)
        except ChatUnavailable:
            raise
        except ChatError as exc:
            log.info("ticket %s: cannot %s (%s)", ticket.id, what, exc.code)
            return None

    async def _post_to_requester(self, ticket: Ticket) -> Posted:
        note = messages.NOT_IN_CHANNEL.format(url=ticket.jira_url, key=ticket.jira_key)
        message = blocks.ticket_message(ticket)
        body = [blocks.section(note), *(b for b in message["blocks"] if b["type"] != "actions")]
        response = await _call(
            lambda: self._client.chat_postMessage(
                channel=ticket.requester_id,
                text=message["text"],
                blocks=body,
                unfurl_links=False,
                metadata=_metadata(ticket, self._installation),
            )
        )
        return Posted(channel_id=response["channel"], ts=response["ts"], in_channel=False)

    async def show_decision(self, ticket: Ticket) -> None:
        """Update the ticket message to show the ticket as it now stands (decided or not)."""
        channel, ts = ticket.message_channel_id, ticket.message_ts
        if not channel or not ts:
            return
        message = living.current_message(ticket)  # with the Jira status line (issue 18)
        await _call(lambda: self._client.chat_update(channel=channel, ts=ts, **message))

    async def reply_in_thread(self, ticket: Ticket, text: str) -> None:
        channel, ts = ticket.message_channel_id, ticket.message_ts
        if not channel or not ts:
            return
        await _call(lambda: self._client.chat_postMessage(channel=channel, thread_ts=ts, text=text))

    async def tell_requester(self, ticket: Ticket, text: str) -> None:
        """Ephemeral where they asked (response_url while fresh, else postEphemeral), else a DM."""
        fresh = utcnow() - ticket.created_at < RESPONSE_URL_LIFETIME
        if ticket.response_url and fresh and await self._respond(ticket.response_url, text):
            return
        person = ticket.filed_by or ticket.requester_id  # filed from a message: who filed it
        try:
            await _call(
                lambda: self._client.chat_postEphemeral(
                    channel=ticket.slack_channel_id, user=person, text=text
                )
            )
        except ChatError as exc:
            if isinstance(exc, ChatUnavailable):
                raise
            await _call(lambda: self._client.chat_postMessage(channel=person, text=text))

    async def _respond(self, response_url: str, text: str) -> bool:
        webhook = AsyncWebhookClient(response_url)
        try:
            response = await webhook.send(text=text, response_type="ephemeral")
        except (TimeoutError, ClientError) as exc:
            log.info("response_url failed: %s", type(exc).__name__)
            return False
        return response.status_code == 200


def _metadata(ticket: Ticket, installation: InstallationIdentity) -> dict[str, Any]:
    """The Slack message metadata every ticket message carries (channel post and DM alike)."""
    payload = {"ticket_id": ticket.id, "installation": installation.id}
    return {"event_type": POST_EVENT_TYPE, "event_payload": payload}


def _is_ticket_post(
    message: dict[str, Any], ticket: Ticket, installation: InstallationIdentity
) -> bool:
    """Ours when it names this ticket and this installation (a post from before installation
    ids, for a ticket that old, names no installation)."""
    found = message.get("metadata") or {}
    payload = found.get("event_payload") or {}
    if found.get("event_type") != POST_EVENT_TYPE or payload.get("ticket_id") != ticket.id:
        return False
    if "installation" not in payload:
        return installation.uses_legacy_label(ticket.id)
    return bool(payload["installation"] == installation.id)


def _person(user: dict[str, Any]) -> Person:
    profile = user.get("profile") or {}
    name = (
        profile.get("display_name")
        or profile.get("real_name")
        or user.get("real_name")
        or user.get("name")
        or user["id"]
    )
    return Person(id=user["id"], name=str(name), email=profile.get("email"))


async def _call(request: Callable[[], Awaitable[T]]) -> T:
    """Run one Web API call, converting slack_sdk and aiohttp errors into ours."""
    try:
        return await request()
    except SlackApiError as exc:
        code = str(exc.response.get("error", "unknown_error"))
        metrics.SLACK_ERRORS.labels(kind=code).inc()
        if code in ("ratelimited", "rate_limited"):
            raise ChatUnavailable(
                "Slack rate-limited the bot",
                code=code,
                retry_after=_retry_after(exc.response.headers),
            ) from None
        raise ChatError(f"Slack refused the call: {code}", code=code) from None
    except (TimeoutError, ClientError) as exc:
        metrics.SLACK_ERRORS.labels(kind="unreachable").inc()
        raise ChatUnavailable(f"Slack unreachable: {type(exc).__name__}") from None


def _retry_after(headers: Any) -> float | None:
    value = (headers or {}).get("Retry-After") or (headers or {}).get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


#: The same conversion for the other Slack adapters (``bot.slack.home``, ``bot.slack.threads``).
call_slack = _call
