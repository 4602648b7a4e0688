"""Slack mrkdwn as the plain text a reader saw (``bot.triage.slack_text``)."""

from __future__ import annotations

from bot.triage.slack_text import mentioned_users, to_plain


def test_control_sequences_become_the_words_shown() -> None:
    text = (
        "hi <@U2> see <https://x.y/a?b=1&amp;c=2|the doc> in <#C1|general> <!channel> "
        "&lt;b&gt; <!subteam^S1|@ops> <!date^1392734382^{date}|Feb 18> "
        "<mailto:a@b.c|a@b.c> <https://q.q> <@U3|carol>"
    )
    assert mentioned_users(text) == ["U2", "U3"]
    assert to_plain(text, {"U2": "Bob Baker"}) == (
        "hi @Bob Baker see the doc (https://x.y/a?b=1&c=2) in #general @channel <b> @ops "
        "Feb 18 a@b.c https://q.q @carol"
    )


def test_emphasis_and_code_stay_as_typed() -> None:
    assert to_plain("*bold* _snake_case_ `x < y` ```a\nb```") == (
        "*bold* _snake_case_ `x < y` ```a\nb```"
    )
