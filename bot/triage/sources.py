"""Tickets from a message already in Slack (issue 17): the "File as ticket" message shortcut
and the filing emoji.

``MessageFiling`` decides whether a message may be filed (not a bot's, some text left after
the Slack formatting is converted) and records it through the intake, once per message: the
dedupe key is the message itself (``bot.tickets.source_dedupe_key``), and the ticket log
keeps its channel and ts unique (migration 0010), so two people reacting at once, a reaction
after the shortcut, or two replicas, all end with one ticket; the later ones are told which.

After the issue exists, ``SourceEffects`` does what ``mark_filed`` enqueued
(``bot.db.sources``): "Filed as KAN-12" in the message's thread, and the files copied to the
issue (each at most ``sources.attachment_max_bytes``, ``sources.max_files`` in all); a
retried copy lists the issue's attachments first and uploads only what is not there yet (by
name and size). What was not copied, and why, goes into a Jira comment.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot import messages
from bot.db.models import Ticket
from bot.db.ticket_reads import TicketReads
from bot.errors import ChatError, FileUnavailable
from bot.settings_sources import SourceSettings
from bot.tickets import NewRequest, SourceFile, SourceMessage, TicketSource, source_dedupe_key
from bot.triage.intake import Intake, Receipt
from bot.triage.ports import Attachments, SourceChat
from bot.triage.routing import Router

log = logging.getLogger(__name__)

#: Whether the filing emoji is on in a channel (the channel's route, else the global setting).
EmojiSwitch = Callable[[str], Awaitable[bool]]


def emoji_switch(router: Router, default: bool) -> EmojiSwitch:
    """The channel's route decides (``emoji_filing``), else ``default``
    (``sources.reaction_filing``); when the route cannot be known, nothing is filed."""

    async def files_in(channel_id: str) -> bool:
        try:
            route = await router.for_channel(channel_id)
        except ChatError as exc:
            log.warning("emoji in %s ignored: its route is unknown (%s)", channel_id, exc)
            return False
        return default if route.emoji_filing is None else route.emoji_filing

    return files_in


@dataclass(frozen=True, slots=True)
class FoundMessage:
    """A Slack message as the filing paths need it, its text already plain (no markup)."""

    channel_id: str
    ts: str
    author_id: str
    text: str
    from_bot: bool = False
    files: tuple[SourceFile, ...] = ()
    permalink: str | None = None
    author_name: str | None = None
    only_mentions: bool = False  # nothing but @people, #channels, @here (and files)


@dataclass(frozen=True, slots=True)
class Filed:
    """The outcome of filing a message: the ticket, and whether this request made it."""

    ticket: Ticket
    created: bool


def refusal(message: FoundMessage) -> str | None:
    """Why ``message`` cannot be filed, in words for the person who tried; None if it can."""
    if message.from_bot:
        return messages.SOURCE_FROM_BOT
    if message.only_mentions or not any(ch.isalnum() for ch in message.text):
        return messages.SOURCE_EMPTY
    return None


def already_filed(ticket: Ticket, *, link: bool = True) -> str:
    """What the second person to file a message is told (``link``: as Slack mrkdwn)."""
    if ticket.jira_key and ticket.jira_url and link:
        where = f"<{ticket.jira_url}|{ticket.jira_key}>"
    elif ticket.jira_key:
        where = ticket.jira_key
    else:
        where = messages.SOURCE_BEING_FILED.format(id=ticket.id)
    return messages.SOURCE_ALREADY_FILED.format(ticket=where)


class MessageFiling:
    def __init__(
        self,
        intake: Intake,
        tickets: TicketReads,
        settings: SourceSettings,
        emoji_switch: EmojiSwitch | None = None,
    ) -> None:
        self._intake = intake
        self._tickets = tickets
        self.settings = settings
        self._emoji_switch = emoji_switch

    async def emoji_files_in(self, channel_id: str) -> bool:
        """Whether the filing emoji files tickets in ``channel_id``."""
        if self._emoji_switch is not None:
            return await self._emoji_switch(channel_id)
        return self.settings.reaction_filing

    async def filed_from(self, channel_id: str, ts: str) -> Ticket | None:
        return await self._tickets.get_by_source(channel_id, ts)

    async def file(
        self,
        message: FoundMessage,
        *,
        filed_by: str,
        source: TicketSource,
        requester_id: str | None = None,
        team_id: str | None = None,
        summary: str | None = None,
        details: str | None = None,
        label: str | None = None,
        files: tuple[SourceFile, ...] = (),
        jira_fields: tuple[tuple[str, str], ...] = (),
    ) -> Filed:
        """Record the ticket for ``message`` (QuotaExceeded, StorageError as the intake)."""
        requester = requester_id or message.author_id
        text = message.text if details is None else details
        if summary and details is not None:
            text = f"{summary}\n\n{details}" if details else summary
        request = NewRequest(
            dedupe_key=source_dedupe_key(message.channel_id, message.ts),
            source=source,
            channel_id=message.channel_id,
            requester_id=requester,
            text=text,
            team_id=team_id,
            requester_name=message.author_name if requester == message.author_id else None,
            summary_override=summary,
            label_override=label,
            source_message=SourceMessage(message.channel_id, message.ts, message.permalink),
            files=_unique((*message.files, *files)),
            filed_by=filed_by if filed_by != requester else None,
            jira_fields=jira_fields,
        )
        receipt: Receipt = await self._intake.receive(request)
        if receipt.created:
            log.info(
                "ticket %s: filed from message %s in %s by %s",
                receipt.ticket.id, message.ts, message.channel_id, filed_by,
            )
        return Filed(receipt.ticket, receipt.created)


def _unique(files: tuple[SourceFile, ...]) -> tuple[SourceFile, ...]:
    return tuple({f.id: f for f in files}.values())


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


class SourceEffects:
    """What a ticket filed from a message owes once its issue exists (``bot.db.sources``)."""

    def __init__(
        self, chat: SourceChat, attachments: Attachments, settings: SourceSettings
    ) -> None:
        self._chat = chat
        self._attachments = attachments
        self._settings = settings

    async def confirm(self, ticket: Ticket) -> None:
        if ticket.jira_key:
            await self._chat.confirm_filed(ticket)

    async def copy_files(self, ticket: Ticket) -> str | None:
        """Copy the ticket's files to its issue; the Jira comment listing those not copied
        (None when all were). Transient errors propagate: the task is retried."""
        key = ticket.jira_key
        files = [SourceFile(**f) for f in ticket.source_files or []]
        if key is None or not files:
            return None
        cap, most = self._settings.attachment_max_bytes, self._settings.max_files
        present = set(await self._attachments.listed(key))
        skipped: list[str] = []
        for number, file in enumerate(files):
            if number >= most:
                skipped.append(f"{file.name}: {messages.FILE_TOO_MANY.format(limit=most)}")
            elif file.size > cap:
                reason = messages.FILE_TOO_BIG.format(size=_size(file.size), limit=_size(cap))
                skipped.append(f"{file.name}: {reason}")
            elif (file.name, file.size) not in present:
                try:
                    content = await self._chat.download(file.id, cap)
                except FileUnavailable as exc:
                    skipped.append(f"{file.name}: {exc.reason}")
                    continue
                await self._attachments.add(key, file.name, content)
                present.add((file.name, len(content)))
        if not skipped:
            return None
        log.info("ticket %s: %s file(s) not attached to %s", ticket.id, len(skipped), key)
        return messages.FILES_SKIPPED.format(lines="\n".join(f"- {line}" for line in skipped))
