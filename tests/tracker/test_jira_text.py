"""Jira comment bodies as plain text: wiki markup (v2) and ADF (v3), attachments counted."""

from __future__ import annotations

from bot.tracker.changes import is_internal
from bot.tracker.jira_text import CommentText, comment_text


def test_wiki_keeps_words_and_counts_attachments() -> None:
    body = (
        "Fixed, see [the runbook|https://wiki.example.com/x] and ask [~accountid:5b10ac]\n"
        "{code}print(1){code}\n!screen.png|thumbnail! [^log.txt]"
    )
    assert comment_text(body) == CommentText(
        "Fixed, see the runbook (https://wiki.example.com/x) and ask @user\nprint(1)", 2
    )


def test_only_attachments() -> None:
    assert comment_text("!a.png!") == CommentText("", 1)
    adf = {
        "type": "doc",
        "version": 1,
        "content": [{"type": "mediaSingle", "content": [{"type": "media", "attrs": {}}]}],
    }
    assert comment_text(adf) == CommentText("", 1)


def test_adf_text_and_mentions() -> None:
    adf = {
        "type": "doc",
        "version": 1,
        "content": [
            {
                "type": "paragraph",
                "content": [
                    {"type": "mention", "attrs": {"text": "@Mia"}},
                    {"type": "text", "text": " please check"},
                ],
            }
        ],
    }
    assert comment_text(adf) == CommentText("@Mia please check", 0)


def test_internal_comments() -> None:
    assert is_internal({"jsdPublic": False})
    assert is_internal({"visibility": {"type": "role", "value": "Developers"}})
    assert is_internal({"properties": [{"key": "sd.public.comment", "value": {"internal": True}}]})
    assert not is_internal({"jsdPublic": True, "properties": []})
