"""Which message events are thread replies (``bot.slack.listeners.messages``), as Slack sends
them: plain replies, replies with files, broadcasts; not bots, apps or top-level messages."""

from __future__ import annotations

from bot.slack.listeners.messages import shared_files, thread_reply
from bot.tickets import SourceFile

REPLY = {"type": "message", "user": "U1", "text": "hi", "ts": "2.1", "thread_ts": "1.1"}


def test_a_reply_by_a_person() -> None:
    reply = thread_reply(REPLY, "C1")
    assert reply is not None and (reply.channel_id, reply.ts, reply.thread_ts) == (
        "C1",
        "2.1",
        "1.1",
    )


def test_not_replies() -> None:
    assert thread_reply({**REPLY, "thread_ts": None}, "C1") is None  # top level
    assert thread_reply({**REPLY, "thread_ts": "2.1"}, "C1") is None  # the thread's parent
    assert thread_reply({**REPLY, "bot_id": "B1"}, "C1") is None  # a bot, ours included
    assert thread_reply({**REPLY, "app_id": "A9"}, "C1") is None  # an app
    assert thread_reply({k: v for k, v in REPLY.items() if k != "user"}, "C1") is None


def test_files_shared_with_the_reply_deleted_ones_left_out() -> None:
    message = {
        **REPLY,
        "subtype": "file_share",
        "files": [
            {"id": "F1", "name": "a.png", "size": 10},
            {"id": "F2", "title": "Untitled", "size": "7"},
            {"id": "F3", "mode": "tombstone"},
            {"name": "no id"},
        ],
    }
    assert shared_files(message) == (SourceFile("F1", "a.png", 10), SourceFile("F2", "Untitled", 7))
    reply = thread_reply(message, "C1")
    assert reply is not None and len(reply.files) == 2
