"""Atlassian Document Format (Jira REST v3 rich text) read back as plain text (pure).

The text nodes of a paragraph (and mentions, emoji, inline links) are joined; each block
(paragraph, heading, list item, code block, table cell, …) starts a new line, ``hardBreak``
is a newline, and blank lines are dropped. Unknown nodes give their children's text, so a
node type added by Atlassian degrades gently instead of failing.
"""

from __future__ import annotations

from typing import Any

_BLOCKS = frozenset(
    {
        "doc",
        "paragraph",
        "heading",
        "bulletList",
        "orderedList",
        "listItem",
        "codeBlock",
        "blockquote",
        "panel",
        "rule",
        "table",
        "tableRow",
        "tableHeader",
        "tableCell",
        "taskList",
        "taskItem",
        "decisionList",
        "decisionItem",
        "expand",
        "nestedExpand",
        "mediaSingle",
        "mediaGroup",
        "layoutSection",
        "layoutColumn",
    }
)
_INLINE_ATTRS = {
    "mention": "text",
    "emoji": "shortName",
    "inlineCard": "url",
    "status": "text",
    "date": "timestamp",
}


def adf_to_text(doc: Any) -> str:
    """Plain text of an ADF node (usually ``{"type": "doc", …}``); "" for anything else."""
    lines = (line.rstrip() for line in _text(doc).split("\n"))
    return "\n".join(line for line in lines if line.strip())


def rich_text_to_plain(value: Any) -> str:
    """A rich-text field as Jira returns it (v2 string, v3 ADF document, or None) as text;
    the ``{noformat}`` lines around a v2 description the bot filed are left out."""
    if isinstance(value, str):
        lines = value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        return "\n".join(line for line in lines if line.strip() != "{noformat}").strip()
    return adf_to_text(value)


def _text(node: Any) -> str:
    if not isinstance(node, dict):
        return ""
    kind = str(node.get("type") or "")
    if kind == "text":
        return str(node.get("text") or "")
    if kind == "hardBreak":
        return "\n"
    if kind in _INLINE_ATTRS:
        attrs = node.get("attrs")
        return str(attrs.get(_INLINE_ATTRS[kind]) or "") if isinstance(attrs, dict) else ""
    content = node.get("content")
    inner = "".join(_text(child) for child in content) if isinstance(content, list) else ""
    return f"\n{inner}\n" if kind in _BLOCKS else inner
