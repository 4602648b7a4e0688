from __future__ import annotations

from bot.db.models import Ticket
from bot.triage.log_fields import fields, of_id


def test_fields_name_what_is_known_of_a_ticket() -> None:
    ticket = Ticket(id=3, slack_channel_id="C9", classified_by=None, jira_key=None)
    assert fields(ticket) == {"ticket": 3, "channel": "C9"}
    ticket.classified_by, ticket.jira_key, ticket.message_channel_id = "llama", "OPS-1", "D1"
    assert fields(ticket) == {"ticket": 3, "jira_key": "OPS-1", "backend": "llama", "channel": "D1"}
    assert fields(ticket, backend="openai")["backend"] == "openai"
    assert of_id(5) == {"ticket": 5}
