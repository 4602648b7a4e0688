"""A Jira comment body (v2 wiki markup, or v3 ADF) as the plain text a reader saw (pure).

ADF goes through ``adf_to_text``; media nodes (attachments, images) are counted, not shown.
Wiki markup keeps its words: ``[label|url]`` becomes ``label (url)``, ``[~accountid:…]`` a
mention ``@user``, ``!image.png!`` and ``[^file.pdf]`` are counted as attachments, ``{code}``,
``{noformat}``, ``{quote}`` and ``{color}`` tags go, ``*bold*``/``_em_`` marks stay as typed.
The result is plain text: whoever shows it escapes it for their own markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.tracker.adf import adf_to_text

_MEDIA = frozenset({"media", "mediaInline"})
_WIKI_ATTACHMENT = re.compile(r"!([^!\n|]+)(?:\|[^!\n]*)?!|\[\^([^\]\n]+)\]")
_WIKI_LINK = re.compile(r"\[([^|\]\n]+)\|([^\]\n]+)\]")
_WIKI_MENTION = re.compile(r"\[~(?:accountid:)?([^\]\n]+)\]")
_WIKI_TAG = re.compile(r"\{(?:code|noformat|quote|panel|color)(?::[^}]*)?\}")


@dataclass(frozen=True, slots=True)
class CommentText:
    text: str
    attachments: int = 0


def comment_text(body: Any) -> CommentText:
    if isinstance(body, dict):
        return CommentText(adf_to_text(body).strip(), _count_media(body))
    text = str(body or "").replace("\r\n", "\n").replace("\r", "\n")
    attachments = len(_WIKI_ATTACHMENT.findall(text))
    text = _WIKI_ATTACHMENT.sub("", text)
    text = _WIKI_LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})", text)
    text = _WIKI_MENTION.sub("@user", text)
    text = _WIKI_TAG.sub("", text)
    lines = (line.rstrip() for line in text.split("\n"))
    return CommentText("\n".join(line for line in lines if line.strip()).strip(), attachments)


def _count_media(node: Any) -> int:
    if not isinstance(node, dict):
        return 0
    own = 1 if node.get("type") in _MEDIA else 0
    content = node.get("content")
    return own + (sum(_count_media(c) for c in content) if isinstance(content, list) else 0)
