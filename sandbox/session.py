"""The sandbox's command loop: what the user types, sent as Slack would send it.

Each command waits for its visible effects (the ack, then the channel message or the reply)
before the next one runs, so a script prints the same transcript every time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot import messages
from bot.slack.blocks import APPROVE_ACTION, REJECT_ACTION
from emulators.slack import Ack, StoredMessage, User
from emulators.stack import BotFailed
from sandbox import wording
from sandbox.form import fill_form
from sandbox.message_commands import MessageCommands
from sandbox.roles import find_user, jira_command, people_lines
from sandbox.terminal import Terminal
from sandbox.watch import Watcher
from sandbox.workspace import Stack

log = logging.getLogger(__name__)

POLL_S = 0.02
SETTLE_S = 0.3
ACK_TIMEOUT_S = 5.0
REPLY_TIMEOUT_S = 20.0
TICKET_TIMEOUT_S = 180.0
MODEL_NOTE_AFTER_S = 3.0

Handler = Callable[[str], Awaitable[None]]


class Session:
    """One person at a Slack client (switchable with `as`), plus a Jira user."""

    def __init__(self, stack: Stack, terminal: Terminal) -> None:
        self.stack, self.slack, self.jira = stack, stack.slack, stack.jira
        self.terminal = terminal
        self.user = stack.options.user
        self.channel = stack.options.channel
        self.watcher = Watcher(self.slack, self.jira)
        self._model_noted = False
        said = MessageCommands(self)
        self._handlers: dict[str, Handler] = {
            "say": said.say,
            "shortcut": said.shortcut,
            "react": said.react,
            "/ticket": self.ticket,
            "/ticket_status": self.ticket_status,
            "approve": lambda rest: self.decide(rest, APPROVE_ACTION, messages.APPROVE),
            "reject": lambda rest: self.decide(rest, REJECT_ACTION, messages.REJECT),
            "as": self.switch_user,
            "jira": self.move_issue,
            "help": self.help,
        }

    # -- the loop ------------------------------------------------------------

    @property
    def prompt(self) -> str:
        return f"{self.who(self.user)}> "

    async def run(self) -> None:
        self.show(
            wording.READY.format(
                user=self.who(self.user),
                channel=self.slack.channel(self.channel).name,
                approvers=", ".join(self.who(a) for a in self.stack.options.approvers),
            )
        )
        while (line := await self._next_line()) is not None:
            if not await self.handle(line):
                break

    async def _next_line(self) -> str | None:
        """The next command; the bot's late output is printed while the user types."""
        asking = asyncio.ensure_future(self.terminal.ask(self.prompt))
        while not asking.done():
            self.flush()
            await asyncio.wait({asking}, timeout=0.2)
        return asking.result()

    async def handle(self, line: str) -> bool:
        """Run one command; False when the user wants to leave."""
        head, _, rest = line.strip().partition(" ")
        if not head:
            return True
        if head.lower() in ("quit", "exit"):
            return False
        handler = self._handlers.get(head.lower())
        if handler is not None:
            await handler(rest.strip())
        elif head.startswith("/"):
            self.show(wording.UNKNOWN_COMMAND.format(command=head))
        else:
            self.show(wording.NOT_A_COMMAND)
        await self.settle()
        return True

    # -- output and waiting --------------------------------------------------

    def show(self, line: str) -> None:
        self.terminal.show(line)

    def flush(self) -> bool:
        lines = self.watcher.poll(self.user)
        for line in lines:
            self.show(line)
        return bool(lines)

    async def until(
        self,
        done: Callable[[], object],
        timeout: float,  # noqa: ASYNC109 - a polling helper, not a cancellable call
        *,
        model: bool = False,
    ) -> bool:
        """Print what arrives until ``done()`` holds; False (and a note) after ``timeout``."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        while not done():
            self.flush()
            self._check_bot()
            elapsed = loop.time() - start
            if elapsed > timeout:
                self.show(wording.NOTHING_SEEN.format(seconds=timeout))
                return False
            if model and elapsed > MODEL_NOTE_AFTER_S and not self._model_noted:
                self._model_noted = True
                self.show(wording.WAITING_FOR_MODEL)
            await asyncio.sleep(POLL_S)
        self.flush()
        return True

    async def settle(self) -> None:
        """Print trailing output until nothing new has come for ``SETTLE_S``."""
        loop = asyncio.get_running_loop()
        quiet_since = loop.time()
        while loop.time() - quiet_since < SETTLE_S:
            if self.flush():
                quiet_since = loop.time()
            await asyncio.sleep(POLL_S)

    def _check_bot(self) -> None:
        if self.stack.bot.returncode is not None:
            raise BotFailed(self.stack.bot.returncode, self.stack.bot.log_tail())

    async def ack(self, envelope_id: str) -> Ack | None:
        await self.until(lambda: self.slack.ack_for(envelope_id), ACK_TIMEOUT_S)
        return self.slack.ack_for(envelope_id)

    # -- marks: what the bot has shown so far ---------------------------------

    def replies_to_user(self) -> int:
        return len(self.slack.ephemerals(self.user))

    def posted(self) -> int:
        """Ticket messages: top-level messages with buttons, and DMs."""
        return sum(
            1
            for channel in self.slack.state.channels.values()
            for m in self.slack.messages(channel.id, include_replies=False)
            if m.buttons() or channel.kind == "im"
        )

    # -- /ticket and /ticket_status --------------------------------------------

    async def ticket(self, text: str) -> None:
        views = set(self.slack.views)
        envelope = await self.slack.slash_command(
            "/ticket", text, user=self.user, channel=self.channel
        )
        ack = await self.ack(envelope)
        if ack is None:
            return
        if not text:
            await fill_form(self, views)
        elif str((ack.payload or {}).get("text", "")).startswith(messages.FILING):
            await self.wait_for_ticket()

    async def wait_for_ticket(self) -> None:
        posted, replies = self.posted(), self.replies_to_user()
        await self.until(
            lambda: self.posted() > posted or self.replies_to_user() > replies,
            TICKET_TIMEOUT_S,
            model=True,
        )

    async def ticket_status(self, text: str) -> None:
        replies = self.replies_to_user()
        envelope = await self.slack.slash_command(
            "/ticket_status", text, user=self.user, channel=self.channel
        )
        if await self.ack(envelope) is not None:
            await self.until(lambda: self.replies_to_user() > replies, REPLY_TIMEOUT_S)

    # -- the buttons ------------------------------------------------------------

    async def decide(self, key: str, action_id: str, button: str) -> None:
        key = key.upper()
        message = self._ticket_message(key)
        if message is None:
            self.show(wording.NO_MESSAGE_FOR.format(key=key or "?"))
            return
        if not any(b.get("action_id") == action_id for _, b in message.buttons()):
            self.show(wording.NO_BUTTON.format(key=key, button=button))
            return
        versions, replies = len(message.history), self.replies_to_user()
        comments = self.comments(key)
        envelope = await self.slack.click_button(
            message.channel, message.ts, action_id, user=self.user
        )
        if await self.ack(envelope) is None:
            return
        await self.until(
            lambda: len(message.history) > versions or self.replies_to_user() > replies,
            REPLY_TIMEOUT_S,
        )
        if len(message.history) > versions:
            # The thread reply and the Jira comment follow the message update.
            await self.until(
                lambda: (
                    self.slack.thread(message.channel, message.ts) and self.comments(key) > comments
                ),
                REPLY_TIMEOUT_S,
            )

    def comments(self, key: str) -> int:
        return len(self.jira.issues.get(key, {}).get("comments") or [])

    def _ticket_message(self, key: str) -> StoredMessage | None:
        link = f"|{key}>"
        found = [
            m
            for channel in self.slack.state.channels.values()
            for m in self.slack.messages(channel.id, include_replies=False)
            if key and link in str(m.blocks)
        ]
        with_buttons = [m for m in found if m.buttons()]
        candidates = with_buttons or found
        return candidates[-1] if candidates else None

    # -- people and Jira ----------------------------------------------------------

    def who(self, user_id: str) -> str:
        user = self.slack.state.users.get(user_id)
        return f"@{user.name}" if user is not None else user_id

    def people(self) -> list[User]:
        return [u for u in self.slack.state.users.values() if not u.is_bot]

    async def switch_user(self, ref: str) -> None:
        if ref:
            user = find_user(self.people(), ref)
            if user is None:
                self.show(wording.UNKNOWN_USER.format(ref=ref))
                return
            self.user = user.id
            self.show(wording.USER_SWITCHED.format(user=f"{self.who(user.id)} ({user.id})"))
        for line in people_lines(self.people(), self.user, self.stack.options.approvers):
            self.show(line)

    async def move_issue(self, rest: str) -> None:
        for line in jira_command(self.jira, rest):
            self.show(line)

    async def help(self, rest: str) -> None:
        self.show(wording.HELP)
