"""Slack and Jira as plain terminal text: pure functions, data in, lines out.

mrkdwn links ``<url|KEY>`` become ``KEY (url)``, mentions ``<@U1>`` become ``@alice``,
dates their fallback text, buttons ``[Approve] [Reject]``; context lines are indented.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

JSON = dict[str, Any]
INDENT = "    "

_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")
_BOLD = re.compile(r"(?<![\w*])\*(\S(?:[^*\n]*\S)?)\*(?![\w*])")
EMOJI = {
    ":white_check_mark:": "✅",
    ":no_entry_sign:": "🚫",
    ":warning:": "⚠️",
}


def mrkdwn(text: str, names: Mapping[str, str] | None = None) -> str:
    """Readable text from Slack mrkdwn: links, mentions, dates, bold, entities, emoji."""
    names = names or {}
    plain = _LINK.sub(lambda match: _link(match.group(1), match.group(2), names), text)
    plain = _BOLD.sub(r"\1", plain)
    for code, glyph in EMOJI.items():
        plain = plain.replace(code, glyph)
    return plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _link(target: str, label: str | None, names: Mapping[str, str]) -> str:
    if target.startswith("@"):
        return "@" + names.get(target[1:], label or target[1:])
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!date^"):
        return label or target
    if target.startswith("!"):
        return "@" + (label or target[1:])
    if label and label != target:
        return f"{label} ({target})"
    return target


def text_of(element: Any, names: Mapping[str, str] | None = None) -> str:
    """The text of a text object (``plain_text`` or ``mrkdwn``); '' for anything else."""
    if not isinstance(element, dict):
        return ""
    text = str(element.get("text") or "")
    return mrkdwn(text, names) if element.get("type") == "mrkdwn" else text


def buttons(elements: Sequence[Any]) -> str:
    """``[Approve] [Reject]`` for the buttons among ``elements``."""
    found = [e for e in elements if isinstance(e, dict) and e.get("type") == "button"]
    return " ".join(f"[{text_of(e.get('text'))}]" for e in found)


def block_lines(block: JSON, names: Mapping[str, str] | None = None) -> list[str]:
    """The lines one Block Kit block shows."""
    kind = block.get("type")
    if kind in ("section", "header"):
        lines = text_of(block.get("text"), names).splitlines()
        lines += [text_of(f, names) for f in block.get("fields") or []]
        accessory = block.get("accessory")
        if isinstance(accessory, dict) and accessory.get("type") == "button":
            lines.append(buttons([accessory]))
        return lines
    if kind == "context":
        texts = [text_of(e, names) for e in block.get("elements") or []]
        return ["  " + "  |  ".join(t for t in texts if t)]
    if kind == "actions":
        return [buttons(block.get("elements") or [])]
    if kind == "divider":
        return ["---"]
    return [f"<{kind} block>"]


def message_lines(
    text: str, blocks: Sequence[JSON] | None, names: Mapping[str, str] | None = None
) -> list[str]:
    """What a message shows: its blocks when it has any, else its text."""
    if blocks:
        return [line for block in blocks for line in block_lines(block, names)]
    return mrkdwn(text, names).splitlines() or [""]


def framed(heading: str, lines: Sequence[str]) -> list[str]:
    """``heading`` then the message's lines indented under it (one line when it fits)."""
    if len(lines) == 1 and "\n" not in lines[0]:
        return [f"{heading} {lines[0]}"]
    return [heading, *(INDENT + line if line else "" for line in lines)]


def where(channel_name: str, *, thread: bool = False, only_for: str | None = None) -> str:
    """The heading of something shown in Slack: ``[#general]``, ``[only you]``…"""
    if only_for is not None:
        return f"[only {only_for}]"
    return f"[#{channel_name}, in thread]" if thread else f"[#{channel_name}]"


def jira_line(key: str, issue: Mapping[str, Any]) -> str:
    """``[jira] KAN-1 [Bug] To Do — summary`` (plus the assignee and comment count if any)."""
    line = f"[jira] {key} [{issue.get('issuetype')}] {issue.get('status')} — {issue.get('summary')}"
    if issue.get("assignee"):
        line += f" (assignee {issue['assignee']})"
    comments = len(issue.get("comments") or [])
    return line + (f" ({comments} comment{'s' * (comments != 1)})" if comments else "")


@dataclass(frozen=True, slots=True)
class FormField:
    """One input of a modal, as the terminal asks for it."""

    block_id: str
    action_id: str
    label: str
    optional: bool
    options: tuple[str, ...] = ()

    @property
    def prompt(self) -> str:
        return f"  {self.label}{' (optional)' if self.optional else ''}: "

    def value(self, answer: str) -> dict[str, Any]:
        """The ``values`` entry the emulator's ``submit_view`` takes for ``answer``."""
        return {self.action_id: {"value": self.choose(answer) if self.options else answer}}

    def choose(self, answer: str) -> str:
        """An option matched case-insensitively (by prefix too); '' when none matches."""
        wanted = answer.strip().lower()
        exact = [o for o in self.options if o.lower() == wanted]
        prefixed = [o for o in self.options if wanted and o.lower().startswith(wanted)]
        return (exact or prefixed or [""])[0]


def form_fields(view: JSON) -> list[FormField]:
    """The input blocks of a modal, in order."""
    found = []
    for block in view.get("blocks") or []:
        element = block.get("element") or {}
        if block.get("type") != "input" or not isinstance(element, dict):
            continue
        options = tuple(str(o.get("value")) for o in element.get("options") or [])
        found.append(
            FormField(
                block_id=str(block.get("block_id")),
                action_id=str(element.get("action_id")),
                label=text_of(block.get("label")),
                optional=bool(block.get("optional")),
                options=options,
            )
        )
    return found


def form_title(view: JSON) -> str:
    return text_of(view.get("title")) or "form"
