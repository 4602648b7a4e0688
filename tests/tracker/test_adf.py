"""ADF (Jira REST v3 rich text) back to plain text, and v2 strings as they are."""

from __future__ import annotations

from typing import Any

import pytest

from bot.tracker.adf import adf_to_text, rich_text_to_plain
from bot.tracker.fields import adf_document


def text(value: str, **extra: Any) -> dict[str, Any]:
    return {"type": "text", "text": value, **extra}


def para(*nodes: dict[str, Any]) -> dict[str, Any]:
    return {"type": "paragraph", "content": list(nodes)}


def doc(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"type": "doc", "version": 1, "content": list(blocks)}


def test_paragraph_text_nodes_are_joined_and_paragraphs_are_lines() -> None:
    link = {"type": "link", "attrs": {"href": "https://x.example"}}
    value = doc(
        para(text("Order entry "), text("fails", marks=[{"type": "strong"}]), text(" today.")),
        para(text("See "), text("https://x.example", marks=[link])),
    )
    assert adf_to_text(value) == "Order entry fails today.\nSee https://x.example"


def test_hard_breaks_lists_headings_code_and_inline_nodes() -> None:
    value = doc(
        {"type": "heading", "attrs": {"level": 2}, "content": [text("Steps")]},
        para(text("one"), {"type": "hardBreak"}, text("two")),
        {
            "type": "bulletList",
            "content": [
                {"type": "listItem", "content": [para(text("open the app"))]},
                {"type": "listItem", "content": [para(text("press save"))]},
            ],
        },
        {"type": "codeBlock", "attrs": {"language": "text"}, "content": [text("E42 at x")]},
        para(
            {"type": "mention", "attrs": {"id": "5b10", "text": "@Ada"}},
            text(" sees "),
            {"type": "emoji", "attrs": {"shortName": ":fire:"}},
            {"type": "status", "attrs": {"text": "BLOCKED"}},
        ),
        {"type": "rule"},
        para(),
        {"type": "someFutureNode", "content": [text("kept")]},
    )
    assert adf_to_text(value) == (
        "Steps\none\ntwo\nopen the app\npress save\nE42 at x\n@Ada sees :fire:BLOCKED\nkept"
    )


def test_round_trip_of_what_the_bot_files() -> None:
    body = "The VPN drops every hour.\nSince Monday: https://status.example/x\n\nAda"
    expected = "The VPN drops every hour.\nSince Monday: https://status.example/x\nAda"
    assert adf_to_text(adf_document(body)) == expected


@pytest.mark.parametrize(
    "value", [None, "", {}, [], 42, {"type": "doc", "content": None}, {"content": "x"}]
)
def test_missing_or_malformed_is_empty(value: Any) -> None:
    assert rich_text_to_plain(value) == ""


def test_malformed_children_are_ignored() -> None:
    value = doc(para(text("ok"), "junk", {"type": "text"}), 5)  # type: ignore[arg-type]
    assert adf_to_text(value) == "ok"


def test_v2_string_is_kept_with_newlines_normalised() -> None:
    assert rich_text_to_plain("  line one\r\nline two\rthree  \n") == "line one\nline two\nthree"
