"""The sandbox's messages: `say` posts a plain message, `shortcut m1` files it with the "File as
ticket" shortcut (the form is submitted as the bot filled it), `react :ticket: m1` adds the
filing emoji. Messages are named m1, m2, … in the order they were said (`last` too)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from emulators.slack import StoredMessage
from sandbox import wording

if TYPE_CHECKING:
    from sandbox.session import Session

VIEW_TIMEOUT_S = 5.0
FILED_TIMEOUT_S = 180.0


class MessageCommands:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.said: list[StoredMessage] = []

    async def say(self, text: str) -> None:
        if not text:
            self.session.show(wording.SAY_USAGE)
            return
        s = self.session
        message = await s.slack.post_user_message(s.channel, text, user=s.user)
        self.said.append(message)
        s.show(wording.SAID.format(ref=f"m{len(self.said)}"))

    def message(self, ref: str) -> StoredMessage | None:
        ref = ref.strip().lower()
        if ref in ("", "last"):
            return self.said[-1] if self.said else None
        number = ref.removeprefix("m")
        if number.isdigit() and 1 <= int(number) <= len(self.said):
            return self.said[int(number) - 1]
        return None

    async def shortcut(self, ref: str) -> None:
        s, message = self.session, self.message(ref)
        if message is None:
            s.show(wording.NO_SUCH_MESSAGE.format(ref=ref or "last"))
            return
        views, replies = set(s.slack.views), s.replies_to_user()
        envelope = await s.slack.message_shortcut(message.channel, message.ts, user=s.user)
        if await s.ack(envelope) is None:
            return

        def opened() -> Any:
            fresh = [v for k, v in s.slack.views.items() if k not in views and v.user == s.user]
            return fresh[0] if fresh else None

        await s.until(lambda: opened() or s.replies_to_user() > replies, VIEW_TIMEOUT_S)
        view = opened()
        if view is None:
            return
        values = _as_filled(view.view)
        s.show(wording.SHORTCUT_FORM.format(summary=values["summary"]["value"]["value"]))
        submitted = await s.slack.submit_view(view.id, values, user=s.user)
        ack = await s.ack(submitted)
        errors = (ack.payload or {}).get("errors") if ack is not None else None
        if errors:
            s.show(wording.FORM_ERRORS.format(errors="; ".join(map(str, errors.values()))))
            return
        await self._filed(message, replies)

    async def react(self, rest: str) -> None:
        s = self.session
        emoji, _, ref = rest.strip().partition(" ")
        message = self.message(ref)
        if not emoji.startswith(":") or message is None:
            s.show(wording.REACT_USAGE)
            return
        replies = s.replies_to_user()
        try:
            sent = await s.slack.react(message.channel, message.ts, emoji.strip(":"), user=s.user)
        except ValueError:
            s.show(wording.ALREADY_REACTED)
            return
        if sent is not None:
            await self._filed(message, replies, quiet=True)

    async def _filed(self, message: StoredMessage, replies: int, *, quiet: bool = False) -> None:
        """Until the bot says "Filed as …" in the thread (or by DM), or answers privately."""
        s = self.session

        def confirmed() -> bool:
            thread = s.slack.thread(message.channel, message.ts)
            dms = [m for c in s.slack.state.channels.values() if c.kind == "im"
                   for m in s.slack.messages(c.id) if "Filed as" in m.text]
            return bool(thread or dms) or s.replies_to_user() > replies

        if quiet:  # another emoji than the bot's, or not here: nothing may come
            await s.settle()
            if not confirmed():
                return
        await s.until(confirmed, FILED_TIMEOUT_S, model=True)


def _as_filled(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The form's values as the bot filled them in (its ``initial_*``)."""
    values: dict[str, dict[str, Any]] = {}
    for block in view.get("blocks") or []:
        element = block.get("element") or {}
        action = element.get("action_id")
        if block.get("type") != "input" or not action:
            continue
        if "initial_value" in element:
            values[block["block_id"]] = {action: {"value": element["initial_value"]}}
        elif "initial_user" in element:
            values[block["block_id"]] = {action: element["initial_user"]}
    return values
