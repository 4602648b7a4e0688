"""Jira text is inert: the hostile corpus (tests/tracker/hostile_markup.py) as descriptions,
summaries and comments, for API v2 (wiki markup) and v3 (ADF), built by the pure builders and
sent through the real Tracker to the Jira emulator (checked as the exact payload it received).
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from bot.tracker import Tracker
from bot.tracker.fields import MAX_DESCRIPTION, description, rich_text
from bot.tracker.summary import make_summary, utf16_len
from emulators.jira import JiraEmulator
from tests.tracker.conftest import TrackerFactory, new_issue
from tests.tracker.hostile_markup import (
    HOSTILE_NAMES,
    MARKUP_INPUTS,
    adf_problems,
    wiki_problems,
)

PERMALINK = "https://acme.slack.com/archives/C1/p1700000000000100"
CASES = [case.text for case in MARKUP_INPUTS]
#: Characters no summary or headline may carry: bidi controls, zero-width and other format chars.
INVISIBLE = set("\u061c\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e")
INVISIBLE |= set("\u2060\u2066\u2067\u2068\u2069\ufeff\u00ad")


@pytest.mark.parametrize(("text", "name"), list(itertools.product(CASES, HOSTILE_NAMES)))
def test_v2_description_shows_every_hostile_text_and_name_as_text(text: str, name: str) -> None:
    issue = new_issue(text=text, requester_name=name)
    wiki = description(issue, api_version=2, reporter_mapped=False)
    assert isinstance(wiki, str)
    assert wiki_problems(wiki, body=text, name=name, permalink=PERMALINK) == []


@pytest.mark.parametrize(("text", "name"), list(itertools.product(CASES, HOSTILE_NAMES)))
def test_v3_description_is_plain_text_nodes(text: str, name: str) -> None:
    issue = new_issue(text=text, requester_name=name)
    doc = description(issue, api_version=3, reporter_mapped=False)
    assert adf_problems(doc, body=text, name=name, permalink=PERMALINK) == []


def test_the_checks_catch_markup() -> None:
    """The checks are not blind: the old verbatim description fails them."""
    raw = "[~accountid:x] hi\n\n----\nRequested in Slack by {color:red}CEO{color}.\n"
    assert wiki_problems(raw, body="[~accountid:x] hi", name="x") != []
    broken = "{noformat}\na\n{noformat}\n[~accountid:x]\n{noformat}\n----"
    assert wiki_problems(broken, body="a", name="x") != []
    footer = "{noformat}\na\n{noformat}\n----\nRequested in Slack by {color:red}CEO{color}."
    assert wiki_problems(footer, body="a", name="{color:red}CEO{color}") != []
    linked = {"type": "text", "text": "x", "marks": [{"type": "link", "attrs": {"href": "x"}}]}
    doc = {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [linked]}]}
    assert adf_problems(doc, body="x", name="n") != []


def test_v2_exact_payload_for_a_breakout_and_a_hostile_name() -> None:
    text = "hi {noformat}\n{NoFormat}\n[~accountid:557058:x] \u202eexe.txt"
    issue = new_issue(4, text=text, requester_name="{color:red}CEO{color} \\o/")
    assert description(issue, api_version=2, reporter_mapped=False) == (
        "{noformat}\n"
        "hi \uff5bnoformat}\n"
        "\uff5bNoFormat}\n"
        "[~accountid:557058:x] [U+202E]exe.txt\n"
        "{noformat}\n"
        "----\n"
        "Requested in Slack by \\{color\\:red\\}CEO\\{color\\} &#92;o/.\n"
        f"Slack message: {PERMALINK}\n"
        "Filed by ticketbot, ticket #4."
    )


def test_v3_exact_payload_has_no_marks_but_our_permalink() -> None:
    issue = new_issue(4, text="see [x|https://evil.example] https://evil.example/a")
    doc = description(issue, api_version=3, reporter_mapped=False)
    assert doc == {
        "type": "doc",
        "version": 1,
        "content": [
            para({"type": "text", "text": "see [x|https://evil.example] https://evil.example/a"}),
            {"type": "rule"},
            para({"type": "text", "text": "Requested in Slack by Ada Lovelace."}),
            para(
                {"type": "text", "text": "Slack message: "},
                {
                    "type": "text",
                    "text": PERMALINK,
                    "marks": [{"type": "link", "attrs": {"href": PERMALINK}}],
                },
            ),
            para({"type": "text", "text": "Filed by ticketbot, ticket #4."}),
        ],
    }


def para(*nodes: dict[str, Any]) -> dict[str, Any]:
    return {"type": "paragraph", "content": list(nodes)}


def test_a_permalink_that_is_not_a_plain_https_url_is_left_out() -> None:
    issue = new_issue(permalink="https://evil.example/a|b]")
    text = description(issue, api_version=2, reporter_mapped=False)
    assert isinstance(text, str) and "evil" not in text and "Slack message" not in text


@pytest.mark.parametrize("version", [2, 3])
def test_long_hostile_text_is_cut_within_the_limit_and_stays_inert(version: int) -> None:
    text = ("{noformat} [~accountid:x] \u202e " * 3000).strip()
    doc = description(new_issue(text=text), api_version=version, reporter_mapped=False)
    if isinstance(doc, str):
        assert utf16_len(doc) <= MAX_DESCRIPTION
        assert doc.count("{noformat}") == 2 and "trimmed: the request had" in doc
    else:
        assert "trimmed: the request had" in str(doc)


def test_email_is_left_out_unless_asked_for() -> None:
    issue = new_issue(requester_email="a_b+x@example.com")
    assert "example.com" not in str(description(issue, api_version=2, reporter_mapped=False))
    shown = description(issue, api_version=2, reporter_mapped=False, show_email=True)
    assert "Requested in Slack by Ada Lovelace (a\\_b\\+x@example.com)." in str(shown)
    mapped = description(issue, api_version=2, reporter_mapped=True, show_email=True)
    assert "example.com" not in str(mapped)


def test_v2_comments_are_escaped_line_by_line() -> None:
    assert rich_text("Approved by {color:red}CEO{color} in Slack.", 2) == (
        "Approved by \\{color\\:red\\}CEO\\{color\\} in Slack."
    )
    assert rich_text("h1. big\n----\n[~x]", 2) == "\\h1. big\n\\-\\-\\-\\-\n\\[\\~x\\]"
    assert rich_text("plain words", 2) == "plain words"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Invoice \u202efdp.exe", "Invoice fdp.exe"),
        ("zero\u200bwidth\u200c \ufeffBOM \u2066iso\u2069 \u200fmk\u2060", "zerowidth BOM iso mk"),
        ("\u200b\u202e\n real line", "real line"),  # a line of invisible characters is empty
        ("dev 👩\u200d💻 and 🏳\ufe0f\u200d🌈 ok", "dev 👩\u200d💻 and 🏳\ufe0f\u200d🌈 ok"),
        ("flag 🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", None),
        ("smuggled\U000e0069\U000e0067\U000e006e tags", "smuggled tags"),
        ("filler\u3164name \u115f", "fillername"),
    ],
)
def test_summary_drops_bidi_and_zero_width_characters(text: str, expected: str | None) -> None:
    assert make_summary(text) == (text if expected is None else expected)


# --- through the real Tracker to the Jira emulator -------------------------------------------


@pytest.mark.parametrize("version", [2, 3])
async def test_hostile_corpus_reaches_jira_inert(
    make_tracker: TrackerFactory, jira: JiraEmulator, version: int
) -> None:
    tracker = await make_tracker(api_version=version)
    names = itertools.cycle(HOSTILE_NAMES)
    sent = []
    for number, case in enumerate(MARKUP_INPUTS, start=1):
        name = next(names)
        ref = await tracker.create_issue(new_issue(number, text=case.text, requester_name=name))
        sent.append((ref.key, case.text, name))
    posts = jira.calls("POST", "/issue")
    assert len(posts) == len(MARKUP_INPUTS)
    for (key, text, name), post in zip(sent, posts, strict=True):
        received = post.body["fields"]
        assert post.api_version == str(version)
        assert jira.issues[key]["description"] == received["description"]
        check = wiki_problems if version == 2 else adf_problems
        assert check(received["description"], body=text, name=name, permalink=PERMALINK) == []
        assert not INVISIBLE & set(received["summary"]), received["summary"]


async def test_default_settings_keep_the_email_out_of_jira(
    tracker: Tracker, jira: JiraEmulator
) -> None:
    ref = await tracker.create_issue(new_issue(requester_email="nobody@example.com"))
    assert not ref.reporter_mapped
    assert "nobody@example.com" not in jira.issues[ref.key]["description"]


async def test_email_in_description_when_enabled(
    make_tracker: TrackerFactory, jira: JiraEmulator
) -> None:
    tracker = await make_tracker(email_in_description=True)
    ref = await tracker.create_issue(new_issue(requester_email="nobody@example.com"))
    assert "Ada Lovelace (nobody@example.com)." in jira.issues[ref.key]["description"]


async def test_v2_comment_reaches_jira_escaped(tracker: Tracker, jira: JiraEmulator) -> None:
    ref = await tracker.create_issue(new_issue())
    await tracker.add_comment(ref.key, "Approved by [~accountid:x] in Slack.")
    [comment] = jira.issues[ref.key]["comments"]
    assert comment["body"] == "Approved by \\[\\~accountid\\:x\\] in Slack."


def test_a_filed_v2_description_reads_back_as_the_text_and_footer() -> None:
    from bot.tracker.adf import rich_text_to_plain

    wiki = description(new_issue(text="one\n  two"), api_version=2, reporter_mapped=False)
    assert rich_text_to_plain(wiki).startswith("one\n  two\n----\nRequested in Slack by Ada")
