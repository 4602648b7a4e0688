"""``TrackerAttachments`` against the Jira emulator with the real ``jira`` library."""

from __future__ import annotations

import pytest

from bot.errors import IssueNotFound, TrackerError
from bot.settings import JiraSettings
from bot.tracker.attachments import TrackerAttachments
from emulators.jira import JiraEmulator


@pytest.mark.parametrize("version", [2, 3])
async def test_listed_and_added(jira: JiraEmulator, version: int) -> None:
    key = jira.add_issue("printer on fire")
    attachments = TrackerAttachments(
        JiraSettings(**jira.settings_kwargs(api_version=version, max_attempts=1))
    )
    try:
        assert await attachments.listed(key) == []
        await attachments.add(key, "build log.txt", b"x" * 300)
        assert await attachments.listed(key.lower()) == [("build log.txt", 300)]
        assert jira.attachments_of(key)[0]["content"] == b"x" * 300
        with pytest.raises(IssueNotFound):
            await attachments.listed("KAN-999")
    finally:
        await attachments.aclose()


async def test_an_upload_jira_refuses_is_an_error_and_stores_nothing(jira: JiraEmulator) -> None:
    key = jira.add_issue("x")
    jira.max_attachment_bytes = 10
    attachments = TrackerAttachments(JiraSettings(**jira.settings_kwargs(max_attempts=1)))
    try:
        with pytest.raises(TrackerError):
            await attachments.add(key, "big.bin", b"y" * 11)
    finally:
        await attachments.aclose()
    assert jira.attachments_of(key) == []
