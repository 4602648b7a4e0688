"""A Slack reply as a Jira comment body: inert on API v2 and v3, within Jira's limit."""

from __future__ import annotations

from bot.tracker.adf import adf_to_text
from bot.tracker.comment_body import (
    MAX_COMMENT,
    SlackComment,
    has_marker,
    is_from_slack,
    marker,
    render,
)
from bot.tracker.summary import utf16_len
from tests.hostile_inputs import TICKET_INPUTS

HOSTILE = "[click|https://evil] {noformat} !img.png! [~accountid:123] {color:red}x{color}\nh1. big"


def comment(text: str = HOSTILE, **kw: object) -> SlackComment:
    return SlackComment(author="Alice Able", text=text, marker=marker("C1", "17.000100"), **kw)  # type: ignore[arg-type]


def test_v2_escapes_every_markup_character_the_person_typed() -> None:
    body = render(comment(), 2)
    assert isinstance(body, str)
    assert "\\[click\\|https\\://evil\\]" in body
    assert "[" not in body.replace("\\[", "") and "{noformat}" not in body
    assert "\n\\h1. big" in body
    assert body.splitlines()[0] == "Alice Able in Slack\\:"


def test_v3_is_plain_text_nodes_without_marks() -> None:
    body = render(comment(), 3)
    assert isinstance(body, dict)
    nodes = [n for p in body["content"] for n in p["content"]]
    assert {n["type"] for n in nodes} == {"text"}
    assert not any("marks" in n for n in nodes)
    assert HOSTILE.splitlines()[0] in adf_to_text(body)


def test_the_authors_jira_account_is_mentioned_when_it_is_safe() -> None:
    assert "[~accountid:5b10:ab-c]" in str(render(comment(), 2, {"accountId": "5b10:ab-c"}))
    assert "[~alice]" in str(render(comment(), 2, {"name": "alice"}))
    assert "[~" not in str(render(comment(), 2, {"accountId": "x] [evil|http://e"}))
    v3 = render(comment(), 3, {"accountId": "5b10"})
    assert isinstance(v3, dict)
    assert {"type": "mention", "attrs": {"id": "5b10"}} in v3["content"][0]["content"]


def test_the_marker_names_the_message_and_survives_both_versions() -> None:
    token = marker("C1", "17.000100")
    for version in (2, 3):
        body = render(comment(), version)
        assert has_marker(body, token) and is_from_slack(body)
    assert not is_from_slack("a comment typed in Jira")


def test_a_huge_reply_is_cut_with_a_note_within_the_limit() -> None:
    text = "é" * 40_000 + "\U0001f600" * 10
    for version in (2, 3):
        body = render(comment(text), version)
        length = utf16_len(body if isinstance(body, str) else adf_to_text(body))
        assert MAX_COMMENT - 400 < length <= MAX_COMMENT
        assert "the reply had 40,010 characters" in (
            body if isinstance(body, str) else adf_to_text(body)
        )


def test_files_edits_and_hostile_names() -> None:
    body = render(
        SlackComment(
            "Eve [x|http://e]\u202e",
            "",
            marker("C1", "1.2"),
            ("a|b.png",),
            ("c.zip (big)",),
            edited=True,
        ),
        2,
    )
    assert isinstance(body, str)
    first = body.splitlines()[0]
    assert first.startswith("Eve \\[x\\|http\\://e\\]") and "\\(edited\\)" in first
    assert "Attached from Slack\\: a\\|b.png" in body
    assert "Files left in Slack\\: c.zip \\(big\\)" in body


def test_every_hostile_input_renders_without_a_raw_bracket_on_v2() -> None:
    for hostile in TICKET_INPUTS:
        body = render(comment(hostile.text), 2)
        assert isinstance(body, str)
        assert "[" not in body.replace("\\[", "")
