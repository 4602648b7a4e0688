"""Description, ADF and label builders."""

from __future__ import annotations

from bot.tracker.fields import (
    MAX_DESCRIPTION,
    adf_document,
    description,
    issue_fields,
    issue_labels,
    rich_text,
)
from bot.tracker.models import NewIssue
from bot.tracker.summary import utf16_len
from tests.tracker.conftest import new_issue


def wiki(issue: NewIssue, *, mapped: bool = False, email: bool = False, **kw: int) -> str:
    text = description(issue, api_version=2, reporter_mapped=mapped, show_email=email, **kw)
    assert isinstance(text, str)
    return text


def test_description_has_text_requester_permalink_and_ticket() -> None:
    text = wiki(new_issue(7, "line one\nline two"))
    assert text == (
        "{noformat}\nline one\nline two\n{noformat}\n----\n"
        "Requested in Slack by Ada Lovelace.\n"
        "Slack message: https://acme.slack.com/archives/C1/p1700000000000100\n"
        "Filed by ticketbot, ticket #7."
    )


def test_description_names_email_only_when_enabled_and_reporter_not_mapped() -> None:
    issue = new_issue(requester_email="ada@example.com")
    assert "ada@example.com" not in wiki(issue)
    assert "(ada@example.com)" in wiki(issue, email=True)
    assert "ada@example.com" not in wiki(issue, mapped=True, email=True)


def test_description_without_permalink_or_text() -> None:
    assert "Slack message" not in wiki(new_issue(permalink=None))
    assert wiki(new_issue(text="  \n ")).startswith("----\nRequested in Slack by")


def test_long_description_trimmed_with_note() -> None:
    text = wiki(new_issue(text="🙂" * 40_000))
    assert utf16_len(text) <= MAX_DESCRIPTION
    assert "\n{noformat}\n… trimmed: the request had 40,000 characters;" in text
    assert text.endswith("ticket #1.")


def test_description_at_the_limit_is_not_trimmed() -> None:
    overhead = utf16_len(wiki(new_issue(text="x"))) - 1
    text = wiki(new_issue(text="a" * (MAX_DESCRIPTION - overhead)))
    assert utf16_len(text) == MAX_DESCRIPTION
    assert "trimmed" not in text
    assert "trimmed" in wiki(new_issue(text="a" * (MAX_DESCRIPTION - overhead + 1)))


URL_LINE = "see https://x.test/a?b=1 now"


def test_adf_one_paragraph_per_line_plain_text_only() -> None:
    doc = adf_document("first line\n\nsee https://x.test/a?b=1 now\n")
    assert doc["type"] == "doc" and doc["version"] == 1
    texts = [[{"type": "text", "text": "first line"}], [{"type": "text", "text": URL_LINE}]]
    assert doc["content"] == [{"type": "paragraph", "content": nodes} for nodes in texts]


def test_rich_text_by_api_version() -> None:
    assert rich_text("a\nb", 2) == "a\nb"
    assert rich_text("a\nb", 3)["type"] == "doc"  # type: ignore[index]


def test_labels_are_made_safe_and_carry_ticket_id() -> None:
    assert issue_labels(
        ["ticketbot", "from slack", " ", "ticketbot"], "ticketbot-ab12cd34ef-9"
    ) == [
        "ticketbot",
        "from-slack",
        "ticketbot-ab12cd34ef-9",
    ]


def test_issue_fields_use_dicts_and_optional_reporter() -> None:
    fields = issue_fields(
        project_key="KAN",
        issue_type="Bug",
        summary="s",
        description="d",
        labels=["l"],
        reporter=None,
    )
    assert fields["project"] == {"key": "KAN"} and fields["issuetype"] == {"name": "Bug"}
    assert "reporter" not in fields
