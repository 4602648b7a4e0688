from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.db.models import Ticket
from bot.slack import blocks
from bot.tickets import Decision, TicketSource, TicketState


def ticket(**fields: object) -> Ticket:
    values: dict[str, object] = {
        "id": 7,
        "dedupe_key": "k",
        "source": TicketSource.SLASH_COMMAND,
        "slack_channel_id": "C1",
        "requester_id": "U1",
        "requester_name": "alice",
        "text": "VPN drops every 10 minutes",
        "state": TicketState.POSTED,
        "label": "Incident",
        "confidence": 0.83,
        "classified_by": "llama",
        "needs_triage": False,
        "jira_key": "KAN-3",
        "jira_url": "https://x.atlassian.net/browse/KAN-3",
        **fields,
    }
    return Ticket(**values)


def all_text(message: dict[str, object]) -> str:
    return json.dumps(message, ensure_ascii=False)


def test_ticket_message_has_link_label_requester_and_exact_buttons() -> None:
    message = blocks.ticket_message(ticket())
    buttons = message["blocks"][-1]["elements"]
    assert [b["text"]["text"] for b in buttons] == ["Approve", "Reject"]
    assert {b["value"] for b in buttons} == {"7"}
    text = all_text(message)
    assert "<https://x.atlassian.net/browse/KAN-3|KAN-3>" in text
    assert "*Incident* · 83% confident · decided by llama" in text
    assert "<@U1>" in text
    assert message["text"] == "Incident KAN-3: VPN drops every 10 minutes (from alice)"


def test_user_text_is_escaped_so_nobody_is_pinged() -> None:
    message = blocks.ticket_message(ticket(text="<!channel> <@U999> & <https://evil|click>"))
    body = "".join(b["text"]["text"] for b in message["blocks"] if b["type"] == "section")
    assert "<!channel>" not in body and "<@U999>" not in body
    assert "&lt;!channel&gt; &lt;@U999&gt; &amp;" in body


def test_long_text_stays_within_block_kit_limits() -> None:
    long = "word " * 10_000
    message = blocks.ticket_message(ticket(text=long))
    for block in message["blocks"]:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= blocks.SECTION_LIMIT
    assert len(message["blocks"]) <= 50
    assert len(message["text"]) <= blocks.TEXT_LIMIT


def test_fit_never_splits_an_escape() -> None:
    fitted = blocks.fit("a<b " * 400, 100)
    assert len(fitted) <= 100
    assert not fitted.rstrip("…").endswith(("&", "&l", "&lt"))


def test_needs_triage_is_flagged() -> None:
    message = blocks.ticket_message(ticket(needs_triage=True, classified_by="fallback"))
    assert "please check the type" in all_text(message)


def test_decided_message_has_no_buttons_and_says_who() -> None:
    decided = ticket(
        decision=Decision.REJECTED,
        decided_by="U9",
        decided_at=datetime(2026, 11, 22, 9, 30, tzinfo=UTC),
    )
    message = blocks.decided_message(decided)
    assert all(b["type"] != "actions" for b in message["blocks"])
    assert "Rejected by <@U9>" in all_text(message)
    assert "2026-11-22 09:30 UTC" in all_text(message)


def test_modal_round_trip_of_values() -> None:
    view = blocks.ticket_modal("C1")
    assert view["private_metadata"] == "C1" and len(view["title"]["text"]) <= 24
    state = {
        "values": {
            "summary": {"value": {"type": "plain_text_input", "value": "Laptop broken"}},
            "details": {"value": {"type": "plain_text_input", "value": None}},
            "type": {"value": {"type": "static_select", "selected_option": {"value": "Incident"}}},
        }
    }
    assert blocks.modal_values({"state": state}) == {
        "summary": "Laptop broken",
        "details": "",
        "type": "Incident",
    }


def test_unescape_inverts_slacks_escaping() -> None:
    assert blocks.unescape("a &lt;b&gt; &amp;amp;") == "a <b> &amp;"
    assert blocks.escape(blocks.unescape("x &lt;!here&gt;")) == "x &lt;!here&gt;"


BIDI_AND_ZERO_WIDTH = set("\u200b\u200c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2069")


def test_headlines_drop_bidi_and_zero_width_characters_and_details_show_them() -> None:
    spoof = "Invoice \u202efdp.exe\u202c urgent\u200b\nsee attachment \u2066x\u2069"
    message = blocks.ticket_message(ticket(text=spoof, requester_name="Bob\u202e\u200b"))
    sections = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]
    headline, details = sections[0], sections[1]
    assert headline.endswith("  Invoice fdp.exe urgent")
    assert not BIDI_AND_ZERO_WIDTH & set(headline + message["text"])
    assert message["text"] == "Incident KAN-3: Invoice fdp.exe urgent (from Bob)"
    assert "Invoice [U+202E]fdp.exe[U+202C] urgent" in details
    assert "[U+2066]x[U+2069]" in details and "\u202e" not in details


def test_status_headline_drops_bidi_characters_from_jira_summaries() -> None:
    from bot.tracker.models import IssueDetails

    issue = IssueDetails(
        key="KAN-3",
        url="https://x.atlassian.net/browse/KAN-3",
        summary="Invoice \u202efdp.exe\u200b",
        status="To Do",
        status_category="new",
    )
    message = blocks.status_message(issue)
    assert "Invoice fdp.exe" in message["blocks"][0]["text"]["text"]
    assert not BIDI_AND_ZERO_WIDTH & set(all_text(message) + message["text"])
