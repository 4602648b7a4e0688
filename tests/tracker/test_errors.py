"""Each Jira failure becomes the right class of our error tree; retries honour Retry-After."""

from __future__ import annotations

import pytest

from bot.errors import (
    IssueNotFound,
    TrackerConfigError,
    TrackerError,
    TrackerUnavailable,
    TrackerValidationError,
    TransientError,
)
from bot.settings import JiraSettings
from bot.tracker import JiraRetry, Tracker
from emulators.jira import DEFAULT_PAT, JiraEmulator
from tests.tracker.conftest import TrackerFactory, new_issue


async def test_bad_token_is_config_error_without_secret(
    make_tracker: TrackerFactory, jira: JiraEmulator
) -> None:
    tracker = await make_tracker(api_token="wrong-token-value")
    with pytest.raises(TrackerConfigError) as info:
        await tracker.get_issue("KAN-1")
    assert info.value.status == 401
    assert "JIRA_API_TOKEN" in str(info.value)
    assert "wrong-token-value" not in str(info.value)
    assert "Authorization" not in str(info.value)


async def test_bearer_pat_server_flavour() -> None:
    async with JiraEmulator(flavour="server") as jira:
        settings = JiraSettings(base_url=jira.url, pat=DEFAULT_PAT, project_key="KAN")
        tracker = Tracker(settings, workers=1)
        try:
            ref = await tracker.create_issue(new_issue(4))
            assert (await tracker.find_filed(new_issue(4))) == ref
            jira.add_user("ada@example.com", "Ada")
            mapped = await tracker.create_issue(new_issue(5, requester_email="ada@example.com"))
            assert mapped.reporter_mapped and jira.issues[mapped.key]["reporter"] == "ada"
        finally:
            await tracker.aclose()
        assert {r.auth for r in jira.requests} == {"bearer"}
        assert jira.calls("GET", "/search") and not jira.calls("GET", "/search/jql")


async def test_forbidden_is_config_error(tracker: Tracker, jira: JiraEmulator) -> None:
    jira.fail(403, path="/issue/KAN-1")
    with pytest.raises(TrackerConfigError) as info:
        await tracker.get_issue("KAN-1")
    assert info.value.status == 403


async def test_unknown_project_is_config_error(make_tracker: TrackerFactory) -> None:
    tracker = await make_tracker(project_key="NOPE")
    with pytest.raises(TrackerConfigError, match="404"):
        await tracker.create_issue(new_issue())


async def test_validation_error_carries_field_messages(
    tracker: Tracker, jira: JiraEmulator
) -> None:
    jira.fail(
        400,
        path="/issue",
        method="POST",
        body={"errorMessages": [], "errors": {"priority": "Priority is required."}},
    )
    with pytest.raises(TrackerValidationError) as info:
        await tracker.create_issue(new_issue())
    assert info.value.field_errors == {"priority": "Priority is required."}
    assert "Priority is required." in str(info.value)
    assert len(jira.calls("POST", "/issue")) == 1  # never retried


async def test_issue_type_removed_after_cache_is_refetched(
    tracker: Tracker, jira: JiraEmulator
) -> None:
    await tracker.create_issue(new_issue(1, label="Feature Request"))
    jira.issue_types.remove("Story")
    # Jira refuses the cached type: the metadata is read again and the create sent once more.
    ref = await tracker.create_issue(new_issue(2, label="Feature Request"))
    assert ref.issue_type == "Task"
    assert [c.status for c in jira.calls("POST", "/issue")] == [201, 400, 201]


async def test_503_without_retry_after_uses_backoff(tracker: Tracker, jira: JiraEmulator) -> None:
    jira.fail(503, times=2, path="/issue/KAN-1")
    await tracker.create_issue(new_issue())
    assert (await tracker.get_issue("KAN-1")).key == "KAN-1"
    assert len(jira.calls("GET", "/issue/KAN-1")) == 3


@pytest.mark.parametrize("status", [429, 503])
async def test_retry_after_is_honoured(
    tracker: Tracker, jira: JiraEmulator, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    await tracker.create_issue(new_issue())
    jira.fail(status, retry_after=1, path="/issue/KAN-1")
    await tracker.get_issue("KAN-1")
    assert len(jira.calls("GET", "/issue/KAN-1")) == 2
    assert (
        "retrying in 1." in caplog.text
    )  # waited Retry-After (plus jitter), not the 0.01 s backoff


async def test_long_retry_after_is_not_waited_for(
    make_tracker: TrackerFactory, jira: JiraEmulator
) -> None:
    tracker = await make_tracker(retry=JiraRetry(max_attempts=4, max_retry_after_s=5))
    jira.fail(429, retry_after=3600, path="/issue/KAN-1")
    with pytest.raises(TrackerUnavailable) as info:
        await tracker.get_issue("KAN-1")
    assert info.value.retry_after == 3600 and info.value.status == 429
    assert isinstance(info.value, TransientError)
    assert len(jira.calls("GET", "/issue/KAN-1")) == 1


async def test_down_is_unavailable(tracker: Tracker, jira: JiraEmulator) -> None:
    jira.down = True
    with pytest.raises(TrackerUnavailable):
        await tracker.get_issue("KAN-1")
    assert len(jira.requests) == 4  # serverInfo at connect, retried by our policy


async def test_connect_is_retried(tracker: Tracker, jira: JiraEmulator) -> None:
    jira.fail(503, path="/serverInfo")
    with pytest.raises(IssueNotFound):
        await tracker.get_issue("KAN-9")
    assert len(jira.calls("GET", "/serverInfo")) == 2


async def test_timeout_is_unavailable(make_tracker: TrackerFactory, jira: JiraEmulator) -> None:
    tracker = await make_tracker(timeout_s=0.2, retry=JiraRetry(max_attempts=1))
    await tracker.create_issue(new_issue())
    jira.latency_s = 0.6
    with pytest.raises(TrackerUnavailable, match="timed out"):
        await tracker.get_issue("KAN-1")


async def test_refused_port_is_unavailable() -> None:
    async with JiraEmulator() as jira:
        settings = JiraSettings(**jira.settings_kwargs())
    tracker = Tracker(settings, retry=JiraRetry(max_attempts=2, backoff_base_s=0.01))
    try:
        with pytest.raises(TrackerUnavailable):
            await tracker.get_issue("KAN-1")
    finally:
        await tracker.aclose()


async def test_server_error_500_is_terminal(tracker: Tracker, jira: JiraEmulator) -> None:
    jira.fail(500, times=5, path="/issue/KAN-1")
    with pytest.raises(TrackerError) as info:
        await tracker.get_issue("KAN-1")
    assert not isinstance(info.value, TransientError) and info.value.status == 500
    assert len(jira.calls("GET", "/issue/KAN-1")) == 1


async def test_closed_tracker_refuses_calls(tracker: Tracker) -> None:
    await tracker.aclose()
    await tracker.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await tracker.get_issue("KAN-1")
