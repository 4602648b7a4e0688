"""The ticket form opened by the "File as ticket" message shortcut: the ``/ticket`` form
(``blocks.ticket_modal``) pre-filled from the message, plus the requester (the message's
author unless changed), a file input, and a line saying where it comes from."""

from __future__ import annotations

import json
from typing import Any

from bot import messages
from bot.slack import blocks
from bot.tickets import SourceFile
from bot.tracker.summary import shorten
from bot.triage.sources import FoundMessage

SHORTCUT_CALLBACK = "file_as_ticket"
SOURCE_MODAL_CALLBACK = "ticket_modal_message"
REQUESTER_BLOCK, FILES_BLOCK = "requester", "files"
DETAILS_LIMIT = 3000
METADATA_LIMIT = 3000
MAX_FORM_FILES = 10


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def split_message(text: str) -> tuple[str, str]:
    """The summary (the first line, cut to fit) and the details (the lines after it, or the
    whole text when the first line had to be cut), so nothing is shown twice."""
    lines = text.strip().splitlines()
    first = lines[0].strip() if lines else ""
    summary = shorten(first, blocks.MODAL_SUMMARY_LIMIT)  # plain text: nothing escaped
    rest = text.strip() if summary != first else "\n".join(lines[1:]).strip()
    return summary, _details(rest)


def _details(text: str) -> str:
    if len(text) <= DETAILS_LIMIT:
        return text
    note = "\n" + messages.SOURCE_FORM_CUT
    return text[: DETAILS_LIMIT - len(note)].rstrip() + note


def source_metadata(message: FoundMessage) -> str:
    """What the submission needs to know about the message (``private_metadata``)."""
    data: dict[str, Any] = {
        "c": message.channel_id,
        "ts": message.ts,
        "a": message.author_id,
        "p": message.permalink,
        "f": [[f.id, f.name, f.size] for f in message.files],
    }
    while len(json.dumps(data)) > METADATA_LIMIT and data["f"]:
        data["f"].pop()  # files beyond what fits are left out (Slack's limit is 3,000)
    return json.dumps(data, separators=(",", ":"))


def parse_metadata(raw: str) -> FoundMessage | None:
    """The message ``source_metadata`` described, or None if it is not ours."""
    try:
        data = json.loads(raw)
        files = tuple(SourceFile(str(i), str(n), int(s)) for i, n, s in data.get("f") or [])
        return FoundMessage(
            channel_id=str(data["c"]),
            ts=str(data["ts"]),
            author_id=str(data["a"]),
            text="",
            files=files,
            permalink=data.get("p") or None,
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def source_modal(message: FoundMessage) -> dict[str, Any]:
    """``blocks.ticket_modal`` pre-filled from ``message`` (see the module docstring)."""
    view = blocks.ticket_modal(message.channel_id)
    view["callback_id"] = SOURCE_MODAL_CALLBACK
    view["private_metadata"] = source_metadata(message)
    summary, details = split_message(message.text)
    for block in view["blocks"]:
        if block.get("block_id") == blocks.SUMMARY_BLOCK:
            block["element"]["initial_value"] = summary
        elif block.get("block_id") == blocks.DETAILS_BLOCK and details:
            block["element"]["initial_value"] = details
    context = messages.SOURCE_FORM_CONTEXT.format(
        permalink=message.permalink or "", author=message.author_id, channel=message.channel_id
    )
    extra = [
        {
            "type": "input",
            "block_id": REQUESTER_BLOCK,
            "label": _plain(messages.MODAL_REQUESTER),
            "hint": _plain(messages.MODAL_REQUESTER_HINT),
            "element": {
                "type": "users_select",
                "action_id": blocks.VALUE_ACTION,
                "initial_user": message.author_id,
            },
        },
        {
            "type": "input",
            "block_id": FILES_BLOCK,
            "optional": True,
            "label": _plain(messages.MODAL_FILES),
            "element": {
                "type": "file_input",
                "action_id": blocks.VALUE_ACTION,
                "max_files": MAX_FORM_FILES,
            },
        },
    ]
    if message.permalink:
        view["blocks"].insert(0, {"type": "context", "elements": [
            {"type": "mrkdwn", "text": context}
        ]})
    view["blocks"].extend(extra)
    return view


def submitted(view: dict[str, Any]) -> tuple[str | None, tuple[SourceFile, ...]]:
    """The requester picked and the files shared in the form."""
    values = view.get("state", {}).get("values", {})
    requester = values.get(REQUESTER_BLOCK, {}).get(blocks.VALUE_ACTION, {}).get("selected_user")
    shared = values.get(FILES_BLOCK, {}).get(blocks.VALUE_ACTION, {}).get("files") or []
    files = tuple(
        SourceFile(str(f["id"]), str(f.get("name") or f["id"]), int(f.get("size") or 0))
        for f in shared
        if isinstance(f, dict) and f.get("id")
    )
    return (str(requester) if requester else None), files
