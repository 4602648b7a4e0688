"""Key normalisation and the validated JQL built from ticket ids."""

from __future__ import annotations

import pytest

from bot.errors import InvalidIssueKey
from bot.tracker.keys import (
    browse_url,
    jql_quote,
    labels_jql,
    legacy_ticket_label,
    normalize_issue_key,
    ticket_label,
)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("KAN-12", "KAN-12"),
        ("  kan-12 \n", "KAN-12"),
        ("Ab_2-7", "AB_2-7"),
        ("https://acme.atlassian.net/browse/KAN-12", "KAN-12"),
        ("https://acme.atlassian.net/browse/kan-12?focusedCommentId=1", "KAN-12"),
        ("https://acme.atlassian.net/browse/KAN-12#comment", "KAN-12"),
        ("<https://acme.atlassian.net/browse/KAN-12>", "KAN-12"),
        ("<https://acme.atlassian.net/browse/KAN-12|KAN-12>", "KAN-12"),
        (
            "https://acme.atlassian.net/jira/software/projects/KAN/boards/1?selectedIssue=KAN-3",
            "KAN-3",
        ),
    ],
)
def test_normalizes(text: str, key: str) -> None:
    assert normalize_issue_key(text) == key


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "KAN",
        "KAN-",
        "-12",
        "K-12",
        "1AN-12",
        "KAN-12a",
        "KAN 12",
        'KAN-1" OR project = X',
        "KAN-1;DROP",
        "https://acme.atlassian.net/projects/KAN",
        "https://acme.atlassian.net/browse/",
        "ÄBC-1",
        "x" * 5000,
    ],
)
def test_rejects(text: str) -> None:
    with pytest.raises(InvalidIssueKey):
        normalize_issue_key(text)


def test_browse_url() -> None:
    assert (
        browse_url("https://acme.atlassian.net/", "KAN-1")
        == "https://acme.atlassian.net/browse/KAN-1"
    )


def test_ticket_label_carries_the_installation() -> None:
    assert ticket_label("ab12cd34ef", 42) == "ticketbot-ab12cd34ef-42"
    assert legacy_ticket_label(42) == "ticketbot-42"


def test_labels_jql() -> None:
    assert labels_jql("KAN", ["ticketbot-ab12cd34ef-42", "ticketbot-42"]) == (
        'project = "KAN" AND labels in ("ticketbot-ab12cd34ef-42", "ticketbot-42")'
        " ORDER BY created ASC"
    )


@pytest.mark.parametrize("bad", [-1, True, "42", 4.2])
def test_ticket_label_rejects_non_ids(bad: object) -> None:
    with pytest.raises(ValueError):
        ticket_label("ab12cd34ef", bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["", "ab", "AB12CD34EF", "ab12-cd34", 'x" OR 1=1'])
def test_ticket_label_rejects_bad_installations(bad: str) -> None:
    with pytest.raises(ValueError):
        ticket_label(bad, 1)


def test_labels_jql_rejects_bad_project_and_no_labels() -> None:
    with pytest.raises(ValueError):
        labels_jql('KAN" OR 1=1', ["ticketbot-1"])
    with pytest.raises(ValueError):
        labels_jql("KAN", [])


def test_jql_quote_escapes() -> None:
    assert jql_quote('a"b\\c') == '"a\\"b\\\\c"'
