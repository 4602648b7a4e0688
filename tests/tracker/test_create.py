"""create_issue against the emulator with the real ``jira`` package."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import get_args

import pytest

from bot.errors import TrackerConfigError, TrackerUnavailable
from bot.labels import Label
from bot.tracker import Tracker
from bot.tracker.summary import utf16_len
from emulators.jira import JiraEmulator
from tests.tracker.conftest import TrackerFactory, new_issue

EXPECTED_TYPE = {
    "Task": "Task",
    "Bug": "Bug",
    "Incident": "Task",
    "Feature Request": "Story",
    "Question": "Task",
}  # the emulator's project has no "Incident": default used


@pytest.mark.parametrize("label", get_args(Label))
async def test_create_with_each_label(tracker: Tracker, jira: JiraEmulator, label: Label) -> None:
    ref = await tracker.create_issue(new_issue(3, label=label))
    assert ref.key == "KAN-1"
    assert ref.url == f"{jira.url}/browse/KAN-1"
    assert ref.issue_type == EXPECTED_TYPE[label]
    stored = jira.issues["KAN-1"]
    assert stored["issuetype"] == EXPECTED_TYPE[label]
    assert stored["summary"] == "The VPN drops every hour."
    assert stored["labels"] == ["ticketbot", "ticketbot-ab12cd34ef-all", "ticketbot-ab12cd34ef-3"]
    assert stored["project"] == "KAN"


async def test_missing_mapped_type_falls_back_and_logs(
    tracker: Tracker, jira: JiraEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    ref = await tracker.create_issue(new_issue(5, label="Incident"))
    assert ref.issue_type == "Task"
    assert "ticket 5: project KAN has no issue type 'Incident'" in caplog.text
    assert ref.note == "Filed as Task: project KAN has no issue type Incident."
    types = "/issue/createmeta/KAN/issuetypes"
    assert [c.path for c in jira.calls("GET", types)] == [types, f"{types}/10001"]
    await tracker.create_issue(new_issue(6, label="Incident"))
    assert len(jira.calls("GET", types)) == 2  # issue types and fields cached


async def test_no_mapped_type_and_no_default_is_config_error(
    make_tracker: TrackerFactory, jira: JiraEmulator
) -> None:
    tracker = await make_tracker(default_issue_type="Chore")
    with pytest.raises(TrackerConfigError, match=r"fix jira\.issue_types"):
        await tracker.create_issue(new_issue(label="Incident"))
    assert jira.issues == {} and not jira.calls("POST", "/issue")


async def test_multi_line_text(tracker: Tracker, jira: JiraEmulator) -> None:
    text = "Laptop will not boot\n\nIt shows a blue screen.\nTried twice."
    await tracker.create_issue(new_issue(text=text))
    stored = jira.issues["KAN-1"]
    assert stored["summary"] == "Laptop will not boot"
    assert stored["description"].startswith("{noformat}\n" + text + "\n{noformat}\n----\n")


async def test_long_text_is_cut_and_trimmed(tracker: Tracker, jira: JiraEmulator) -> None:
    text = ("please help " * 5000).strip()
    await tracker.create_issue(new_issue(text=text))
    stored = jira.issues["KAN-1"]
    assert stored["summary"].endswith("…") and utf16_len(stored["summary"]) <= 255
    assert "trimmed" in stored["description"]
    assert utf16_len(stored["description"]) <= 32_767


async def test_unicode_text(tracker: Tracker, jira: JiraEmulator) -> None:
    text = "Der Drucker 🖨️ im 2. Stock druckt nur „Hieroglyphen“ — 日本語も"
    await tracker.create_issue(new_issue(text=text))
    assert jira.issues["KAN-1"]["summary"] == text


async def test_punctuation_and_empty_text(tracker: Tracker, jira: JiraEmulator) -> None:
    await tracker.create_issue(new_issue(1, text="?!"))
    await tracker.create_issue(new_issue(2, text="   \n  "))
    assert jira.issues["KAN-1"]["summary"] == "?!"
    assert jira.issues["KAN-2"]["summary"] == "Request from Ada Lovelace in Slack"


async def test_summary_override(tracker: Tracker, jira: JiraEmulator) -> None:
    await tracker.create_issue(new_issue(text="long text\nmore", summary="  Edited\ntitle "))
    assert jira.issues["KAN-1"]["summary"] == "Edited"


async def test_api_v3_sends_adf(make_tracker: TrackerFactory, jira: JiraEmulator) -> None:
    tracker = await make_tracker(api_version=3)
    ref = await tracker.create_issue(new_issue(text="first\nsecond https://x.test/y"))
    doc = jira.issues[ref.key]["description"]
    assert doc["type"] == "doc"
    texts = [n["text"] for p in doc["content"] for n in p.get("content", [])]
    assert texts[:2] == ["first", "second https://x.test/y"]  # user text: no marks, no links
    assert all("\n" not in t for t in texts)
    assert jira.calls("POST", "/issue")[0].api_version == "3"


async def test_configured_labels_with_spaces_are_made_safe(
    make_tracker: TrackerFactory, jira: JiraEmulator
) -> None:
    tracker = await make_tracker(labels=["from slack", "triage"])
    await tracker.create_issue(new_issue(8))
    assert jira.issues["KAN-1"]["labels"] == [
        "from-slack",
        "triage",
        "ticketbot-ab12cd34ef-all",
        "ticketbot-ab12cd34ef-8",
    ]


async def test_reporter_mapped_when_email_found(tracker: Tracker, jira: JiraEmulator) -> None:
    account = jira.add_user("ada@example.com", "Ada Lovelace")
    ref = await tracker.create_issue(new_issue(requester_email="ADA@example.com"))
    assert ref.reporter_mapped
    assert jira.issues[ref.key]["reporter"] == account
    assert "ada@example.com" not in jira.issues[ref.key]["description"]
    assert jira.calls("GET", "/user/search")[0].query["query"] == ["ADA@example.com"]


async def test_reporter_found_when_cloud_hides_email(tracker: Tracker, jira: JiraEmulator) -> None:
    account = jira.add_user("ada@example.com", "Ada Lovelace", hide_email=True)
    ref = await tracker.create_issue(new_issue(requester_email="ada@example.com"))
    assert ref.reporter_mapped and jira.issues[ref.key]["reporter"] == account


async def test_reporter_not_found_keeps_service_account(
    tracker: Tracker, jira: JiraEmulator
) -> None:
    ref = await tracker.create_issue(new_issue(requester_email="bob@example.com"))
    assert not ref.reporter_mapped
    stored = jira.issues[ref.key]
    assert stored["reporter_set"] is False
    assert "bob@example.com" not in stored["description"]  # jira.email_in_description: false


async def test_reporter_refused_by_jira_files_without_it(
    tracker: Tracker, jira: JiraEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    jira.add_user("ada@example.com", "Ada Lovelace")
    jira.reporter_settable = False
    ref = await tracker.create_issue(new_issue(requester_email="ada@example.com"))
    assert ref.key == "KAN-2"  # the refused create used up KAN-1, as in Jira Cloud
    assert not ref.reporter_mapped
    assert "refused the reporter" in caplog.text
    await tracker.create_issue(new_issue(2, requester_email="ada@example.com"))
    assert len(jira.calls("POST", "/issue")) == 3  # not tried again after the refusal


async def test_user_search_refused_does_not_stop_create(
    tracker: Tracker, jira: JiraEmulator
) -> None:
    jira.fail(403, path="/user/search")
    ref = await tracker.create_issue(new_issue(requester_email="ada@example.com"))
    assert ref.key == "KAN-1" and not ref.reporter_mapped


async def test_a_lost_create_response_is_not_sent_again(
    tracker: Tracker, jira: JiraEmulator
) -> None:
    jira.drop_after_create()
    with pytest.raises(TrackerUnavailable):
        await tracker.create_issue(new_issue(11))
    assert list(jira.issues) == ["KAN-1"]
    assert len(jira.calls("POST", "/issue")) == 1
    found = await tracker.find_filed(new_issue(11))
    assert found is not None and found.key == "KAN-1"


async def test_find_filed_waits_for_the_search_to_catch_up(
    tracker: Tracker, jira: JiraEmulator
) -> None:
    jira.search_lag_s = 60
    ref = await tracker.create_issue(new_issue(12))
    assert await tracker.find_filed(new_issue(12)) is None  # Jira's search lags
    assert (await tracker.get_issue(ref.key)).key == ref.key  # reading by key does not
    jira.searchable_at[ref.key] = 0
    found = await tracker.find_filed(new_issue(12))
    assert found is not None and (found.key, found.issue_type) == (ref.key, "Bug")
    assert await tracker.find_filed(new_issue(13)) is None


async def test_find_filed_ignores_other_installations(tracker: Tracker, jira: JiraEmulator) -> None:
    jira.add_issue("Old ticket", labels=["ticketbot-ffffffffff-12", "ticketbot-12"])
    assert await tracker.find_filed(new_issue(12)) is None
    legacy = await tracker.find_filed(new_issue(12, legacy_label=True))
    assert legacy is not None and legacy.key == "KAN-1"


async def test_find_filed_refuses_an_issue_older_than_the_ticket(
    tracker: Tracker, jira: JiraEmulator
) -> None:
    jira.add_issue(
        "Filed in 2024", labels=["ticketbot-ab12cd34ef-12"], created="2024-01-02T10:00:00.000+0000"
    )
    requested = datetime(2026, 12, 5, 13, 0, tzinfo=UTC)
    assert await tracker.find_filed(new_issue(12, requested_at=requested)) is None
    assert await tracker.find_filed(new_issue(12)) is not None  # no receipt time: label only


async def test_find_filed_reports_mapped_reporter(tracker: Tracker, jira: JiraEmulator) -> None:
    jira.add_user("ada@example.com", "Ada Lovelace")
    await tracker.create_issue(new_issue(14, requester_email="ada@example.com"))
    found = await tracker.find_filed(new_issue(14))
    assert found is not None and found.reporter_mapped


async def test_create_retries_503_then_succeeds_once(tracker: Tracker, jira: JiraEmulator) -> None:
    jira.fail(503, times=2, method="POST", path="/issue")
    ref = await tracker.create_issue(new_issue(15))
    assert ref.key == "KAN-1"
    assert len(jira.calls("POST", "/issue")) == 3
    assert len(jira.issues) == 1


async def test_create_gives_up_after_max_attempts(tracker: Tracker, jira: JiraEmulator) -> None:
    jira.fail(503, times=10, method="POST", path="/issue")
    with pytest.raises(TrackerUnavailable):
        await tracker.create_issue(new_issue(16))
    assert len(jira.calls("POST", "/issue")) == 4
    assert jira.issues == {}
