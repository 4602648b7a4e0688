"""What changed in the emulated Slack and Jira since the last look, as transcript lines."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from emulators.jira import JiraEmulator
from emulators.slack import EphemeralMessage, SlackEmulator, StoredMessage
from sandbox import render

JiraSnapshot = tuple[Any, ...]


def jira_snapshot(issue: dict[str, Any]) -> JiraSnapshot:
    fields = ("issuetype", "status", "summary", "assignee")
    return (*(issue.get(f) for f in fields), len(issue.get("comments") or []))


@dataclass(slots=True)
class Watcher:
    """Remembers what was shown; ``poll`` renders only what is new or changed."""

    slack: SlackEmulator
    jira: JiraEmulator
    versions: dict[tuple[str, str], int] = field(default_factory=dict)
    ephemerals: int = 0
    issues: dict[str, JiraSnapshot] = field(default_factory=dict)

    @property
    def names(self) -> dict[str, str]:
        return {u.id: u.name for u in self.slack.state.users.values()}

    def poll(self, current_user: str) -> list[str]:
        lines = self._new_ephemerals(current_user)
        for message in self._changed_messages():
            lines += self._render_message(message)
        return lines + self._changed_issues()

    def _new_ephemerals(self, current_user: str) -> list[str]:
        every = sorted(
            (m for ms in self.slack.state.ephemerals.values() for m in ms),
            key=lambda m: m.message_ts,
        )
        fresh, self.ephemerals = every[self.ephemerals :], len(every)
        return [line for m in fresh for line in self._render_ephemeral(m, current_user)]

    def _render_ephemeral(self, message: EphemeralMessage, current_user: str) -> list[str]:
        who = "you" if message.user == current_user else "@" + self.names.get(message.user, "?")
        body = render.message_lines(message.text, message.blocks, self.names)
        return render.framed(render.where("", only_for=who), body)

    def _changed_messages(self) -> Iterator[StoredMessage]:
        every = [m for ms in self.slack.state.messages.values() for m in ms]
        for message in sorted(every, key=lambda m: m.ts):
            version = -1 if message.deleted else len(message.history) + 1
            if self.versions.get((message.channel, message.ts)) != version:
                self.versions[(message.channel, message.ts)] = version
                yield message

    def _render_message(self, message: StoredMessage) -> list[str]:
        channel = self.slack.state.channels.get(message.channel)
        name = channel.name if channel is not None else message.channel
        if channel is not None and channel.kind == "im":
            heading = f"[DM to @{self.names.get(channel.user or '', '?')}]"
        else:
            in_thread = message.thread_ts not in (None, message.ts)
            heading = render.where(name, thread=in_thread)
        bot = self.names.get(message.user, message.user)
        if message.deleted:
            return [f"{heading} (message deleted)"]
        edited = " (edited)" if message.history else ""
        body = render.message_lines(message.text, message.blocks, self.names)
        return render.framed(f"{heading} {bot}{edited}:", body)

    def _changed_issues(self) -> list[str]:
        lines = []
        for key, issue in sorted(self.jira.issues.items(), key=lambda kv: int(kv[1]["id"])):
            snapshot = jira_snapshot(issue)
            if self.issues.get(key) != snapshot:
                self.issues[key] = snapshot
                lines.append(render.jira_line(key, issue))
        return lines
