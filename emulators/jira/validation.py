"""Pure checks and conversions for issue fields, as Jira Cloud and Server apply them."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .adf import adf_from_text, adf_problem, adf_to_text
from .model import ADF_REQUIRED, MAX_LABEL, MAX_SUMMARY, MAX_TEXT, TOO_LONG, utf16_len


def auth_kind(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    return header.split(" ", 1)[0].lower() if header else None


def summary_problem(summary: Any, flavour: str) -> str | None:
    if not isinstance(summary, str) or not summary.strip():
        return "You must specify a summary of the issue."
    if "\n" in summary or "\r" in summary:
        return "The summary is invalid because it contains newline characters."
    if utf16_len(summary) > MAX_SUMMARY:
        return (
            "Summary can't exceed 255 characters."
            if flavour == "cloud"
            else "Summary must be less than 255 characters."
        )
    return None


def text_problem(value: Any, version: str) -> str | None:
    if value is None:
        return None
    if version == "3":
        problem = adf_problem(value)
        if problem:
            return f"{ADF_REQUIRED}: {problem}"
        text = adf_to_text(value)
    elif isinstance(value, str):
        text = value
    else:
        return "Operation value must be a string"
    return TOO_LONG if utf16_len(text) > MAX_TEXT else None


def labels_problem(labels: Any) -> str | None:
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        return "Operation value must be a string"
    for label in labels:
        if not label or any(ch.isspace() for ch in label):
            return f"The label '{label}' contains spaces which is invalid."
        if len(label) > MAX_LABEL:
            return (
                f"The label '{label[:20]}…' exceeds the maximum length for a single "
                "label of 255 characters."
            )
    return None


def render_text(value: Any, version: str) -> Any:
    if value is None:
        return None
    if version == "3":
        return value if isinstance(value, dict) else adf_from_text(str(value))
    return adf_to_text(value) if isinstance(value, dict) else value


def all_text(stored: dict[str, Any]) -> str:
    parts = [stored["summary"], plain_text(stored["description"])]
    parts += [plain_text(c["body"]) for c in stored["comments"]]
    return "\n".join(parts)


def plain_text(value: Any) -> str:
    return adf_to_text(value) if isinstance(value, dict) else str(value or "")
