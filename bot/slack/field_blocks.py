"""The form's extra blocks for the fields Jira requires (``bot.triage.forms``): pure.

One input block per field, ``block_id`` ``jira-field-<field id>``, a select (or a multi-select
for a list field) of the values Jira allows; a field with a configured default starts on it
and may be left as it is, one without must be picked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.tracker.screens import FormField

BLOCK_PREFIX = "jira-field-"
ACTION = "value"
MAX_OPTIONS = 100  # Slack's limit for a static select
_TEXT = 75  # an option's text
_VALUE = 150  # an option's value
_LABEL = 2000


def field_blocks(fields: Sequence[FormField]) -> list[dict[str, Any]]:
    return [_block(item) for item in fields if item.options]


def _block(item: FormField) -> dict[str, Any]:
    options = [_option(value, shown) for value, shown in item.options[:MAX_OPTIONS]]
    element: dict[str, Any] = {
        "type": "multi_static_select" if item.multiple else "static_select",
        "action_id": ACTION,
        "options": options,
    }
    initial = next((o for o in options if o["value"] == item.default), None)
    if initial is not None:
        element["initial_options" if item.multiple else "initial_option"] = (
            [initial] if item.multiple else initial
        )
    return {
        "type": "input",
        "block_id": BLOCK_PREFIX + item.field_id,
        "optional": initial is not None,
        "label": {"type": "plain_text", "text": item.name[:_LABEL] or item.field_id},
        "element": element,
    }


def _option(value: str, shown: str) -> dict[str, Any]:
    text = shown if len(shown) <= _TEXT else shown[: _TEXT - 1] + "…"
    return {"text": {"type": "plain_text", "text": text or value}, "value": value[:_VALUE]}


def field_values(view: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """(field id, value) for every extra field picked in a submitted form; a list field's
    values joined by commas (ids and option values)."""
    values = (view.get("state") or {}).get("values") or {}
    found: list[tuple[str, str]] = []
    for block_id, actions in values.items():
        if not block_id.startswith(BLOCK_PREFIX):
            continue
        state = (actions or {}).get(ACTION) or {}
        picked = [state.get("selected_option"), *(state.get("selected_options") or [])]
        chosen = [str(o["value"]) for o in picked if o and o.get("value")]
        if chosen:
            found.append((block_id[len(BLOCK_PREFIX):], ",".join(chosen)))
    return tuple(found)
