"""Block Kit and Jira as terminal text."""

from __future__ import annotations

from bot.slack import blocks
from sandbox import render

NAMES = {"U1": "alice", "U2": "bob"}


def test_links_become_label_and_url() -> None:
    text = "*<https://jira.example/browse/KAN-1|KAN-1>*  VPN drops"
    assert render.mrkdwn(text) == "KAN-1 (https://jira.example/browse/KAN-1)  VPN drops"


def test_bare_links_mentions_dates_channels_and_entities() -> None:
    text = (
        "<https://x.example> <@U2> <@U9> <!here> <#C1|general> "
        "<!date^1700000000^{date_short_pretty}|2023-11-14 22:13 UTC> a &lt;b&gt; &amp; c"
    )
    assert render.mrkdwn(text, NAMES) == (
        "https://x.example @bob @U9 @here #general 2023-11-14 22:13 UTC a <b> & c"
    )


def test_bold_markers_go_but_lone_asterisks_stay() -> None:
    assert render.mrkdwn("*Status:* To Do   2 * 3 = 6") == "Status: To Do   2 * 3 = 6"


def test_emoji_codes_become_glyphs() -> None:
    assert render.mrkdwn(":white_check_mark: Approved") == "✅ Approved"


def test_actions_render_as_buttons() -> None:
    block = {
        "type": "actions",
        "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": "Approve"}},
            {"type": "static_select"},
            {"type": "button", "text": {"type": "plain_text", "text": "Reject"}},
        ],
    }
    assert render.block_lines(block) == ["[Approve] [Reject]"]


def test_section_context_and_divider() -> None:
    section = {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "line one\nline *two*"},
        "accessory": {"type": "button", "text": {"type": "plain_text", "text": "Open"}},
    }
    context = {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": "By <@U1>"}, {"type": "plain_text", "text": "*x*"}],
    }
    assert render.block_lines(section) == ["line one", "line two", "[Open]"]
    assert render.block_lines(context, NAMES) == ["  By @alice  |  *x*"]
    assert render.block_lines({"type": "divider"}) == ["---"]
    assert render.block_lines({"type": "image"}) == ["<image block>"]


def test_message_without_blocks_shows_its_text() -> None:
    assert render.message_lines("hi <@U1>", None, NAMES) == ["hi @alice"]
    assert render.message_lines("", None) == [""]


def test_framed_puts_one_line_beside_the_heading_and_indents_more() -> None:
    assert render.framed("[only you]", ["Filing…"]) == ["[only you] Filing…"]
    assert render.framed("[#general] bot:", ["a", "", "b"]) == [
        "[#general] bot:",
        "    a",
        "",
        "    b",
    ]


def test_where() -> None:
    assert render.where("general") == "[#general]"
    assert render.where("general", thread=True) == "[#general, in thread]"
    assert render.where("general", only_for="you") == "[only you]"


def test_jira_line() -> None:
    issue = {"issuetype": "Bug", "status": "To Do", "summary": "VPN drops", "comments": []}
    assert render.jira_line("KAN-1", issue) == "[jira] KAN-1 [Bug] To Do — VPN drops"
    issue |= {"assignee": "dana", "comments": [{}, {}]}
    assert render.jira_line("KAN-1", issue).endswith("VPN drops (assignee dana) (2 comments)")


def test_the_bots_modal_becomes_three_questions() -> None:
    fields = render.form_fields(blocks.ticket_modal("C1"))
    assert [(f.block_id, f.label, f.optional) for f in fields] == [
        ("summary", "Summary", False),
        ("details", "Details", True),
        ("type", "Type", True),
    ]
    kind = fields[2]
    assert kind.choose("bug") == "Bug" and kind.choose("feat") == "Feature Request"
    assert kind.choose("nonsense") == ""
    assert kind.value("inc") == {"value": {"value": "Incident"}}
    assert fields[0].value("New laptop") == {"value": {"value": "New laptop"}}
    assert fields[1].prompt == "  Details (optional): "
    assert render.form_title(blocks.ticket_modal("C1")) == "New ticket"


def test_the_bots_ticket_message_reads_well() -> None:
    message = {
        "text": "Bug KAN-1",
        "blocks": [
            blocks.section("*<http://jira/browse/KAN-1|KAN-1>*  VPN drops"),
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "Requested by <@U1>"}]},
            {
                "type": "actions",
                "elements": [
                    {"type": "button", "text": {"type": "plain_text", "text": "Approve"}},
                    {"type": "button", "text": {"type": "plain_text", "text": "Reject"}},
                ],
            },
        ],
    }
    assert render.message_lines(message["text"], message["blocks"], NAMES) == [
        "KAN-1 (http://jira/browse/KAN-1)  VPN drops",
        "  Requested by @alice",
        "[Approve] [Reject]",
    ]
