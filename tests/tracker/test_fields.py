"""Description, ADF and label builders."""

from __future__ import annotations

from bot.tracker.fields import (
    MAX_DESCRIPTION,
    adf_document,
    description_text,
    issue_fields,
    issue_labels,
    rich_text,
)
from bot.tracker.summary import utf16_len
from tests.tracker.conftest import new_issue


def test_description_has_text_requester_permalink_and_ticket() -> None:
    text = description_text(new_issue(7, "line one\nline two"), reporter_mapped=False)
    assert text.startswith("line one\nline two\n\n----\n")
    assert "Requested in Slack by Ada Lovelace." in text
    assert "Slack message: https://acme.slack.com/archives/C1/p1700000000000100" in text
    assert "ticket #7" in text


def test_description_names_email_only_when_reporter_not_mapped() -> None:
    issue = new_issue(requester_email="ada@example.com")
    assert "(ada@example.com)" in description_text(issue, reporter_mapped=False)
    assert "ada@example.com" not in description_text(issue, reporter_mapped=True)


def test_description_without_permalink() -> None:
    text = description_text(new_issue(permalink=None), reporter_mapped=False)
    assert "Slack message" not in text


def test_long_description_trimmed_with_note() -> None:
    issue = new_issue(text="🙂" * 40_000)
    text = description_text(issue, reporter_mapped=False)
    assert utf16_len(text) <= MAX_DESCRIPTION
    assert "trimmed: the request had 40,000 characters" in text
    assert text.endswith("ticket #1.")


def test_description_at_the_limit_is_not_trimmed() -> None:
    footer_len = utf16_len(description_text(new_issue(text=""), reporter_mapped=False))
    body = "a" * (MAX_DESCRIPTION - footer_len - 2)
    text = description_text(new_issue(text=body), reporter_mapped=False)
    assert utf16_len(text) == MAX_DESCRIPTION
    assert "trimmed" not in text


def test_adf_one_paragraph_per_line_no_newlines_links_marked() -> None:
    doc = adf_document("first line\n\nsee https://x.test/a?b=1 now\n")
    assert doc["type"] == "doc" and doc["version"] == 1
    assert len(doc["content"]) == 2
    nodes = doc["content"][1]["content"]
    assert [n["text"] for n in nodes] == ["see ", "https://x.test/a?b=1", " now"]
    assert nodes[1]["marks"] == [{"type": "link", "attrs": {"href": "https://x.test/a?b=1"}}]
    for paragraph in doc["content"]:
        for node in paragraph["content"]:
            assert "\n" not in node["text"] and node["text"]


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
