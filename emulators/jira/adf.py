"""Atlassian Document Format: plain text in and out, and what Jira would reject."""

from __future__ import annotations

from typing import Any

from .model import ADF_NODES


def adf_from_text(text: str) -> dict[str, Any]:
    content = [
        {"type": "paragraph", "content": [{"type": "text", "text": line}]}
        for line in text.splitlines()
        if line
    ]
    return {"type": "doc", "version": 1, "content": content}


def adf_to_text(node: Any) -> str:
    """Plain text of an ADF document: one line per block."""
    if not isinstance(node, dict):
        return ""
    if node.get("type") == "text":
        return str(node.get("text", ""))
    if node.get("type") == "hardBreak":
        return "\n"
    children = [adf_to_text(child) for child in node.get("content") or []]
    joiner = "\n" if node.get("type") in ("doc", "bulletList", "orderedList", "listItem") else ""
    return joiner.join(children)


def adf_problem(doc: Any) -> str | None:
    """Why ``doc`` is not an ADF document Jira accepts, or None."""
    if not isinstance(doc, dict) or doc.get("type") != "doc" or doc.get("version") != 1:
        return "not a doc of version 1"
    if not isinstance(doc.get("content"), list):
        return "doc.content must be a list"
    return _node_problem(doc["content"])


def _node_problem(nodes: list[Any]) -> str | None:
    for node in nodes:
        if not isinstance(node, dict) or node.get("type") not in ADF_NODES:
            return f"unknown node {node!r:.60}"
        if node["type"] == "text":
            text = node.get("text")
            if not isinstance(text, str) or not text:
                return "a text node needs non-empty text"
            if "\n" in text or "\r" in text:
                return "a text node must not contain a newline"
        elif problem := _node_problem(node.get("content") or []):
            return problem
    return None
