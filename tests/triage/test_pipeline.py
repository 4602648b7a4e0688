from __future__ import annotations

import asyncio

import pytest

from bot.db.leases import Leases
from bot.db.tickets import TicketLog
from bot.errors import TrackerConfigError, TrackerUnavailable, TrackerValidationError
from bot.settings import PipelineSettings
from bot.tickets import NewRequest, TicketSource, TicketState
from bot.triage.pipeline import TicketPipeline
from tests.triage.fakes import FakeChat, FakeClassifier, FakeTracker, filing


@pytest.fixture
def parts() -> tuple[FakeClassifier, FakeTracker, FakeChat]:
    return FakeClassifier(), FakeTracker(), FakeChat()


def pipeline(  # type: ignore[no-untyped-def]
    ticket_log: TicketLog, leases: Leases, parts, max_attempts: int = 3, search_lag_s: float = 0
) -> TicketPipeline:
    classifier, tracker, chat = parts
    return TicketPipeline(
        ticket_log,
        leases,
        classifier,
        tracker,
        filing(search_lag_s),
        chat,
        PipelineSettings(max_attempts=max_attempts, retry_base_s=0.01),
    )


async def new_ticket(ticket_log: TicketLog, **overrides: str) -> int:
    fields = {
        "dedupe_key": "k1",
        "source": TicketSource.SLASH_COMMAND,
        "channel_id": "C1",
        "requester_id": "U1",
        "text": "Printer on floor 3 is jammed",
        **overrides,
    }
    ticket, _ = await ticket_log.record_request(NewRequest(**fields))  # type: ignore[arg-type]
    return ticket.id


async def test_happy_path_reaches_posted(ticket_log: TicketLog, leases: Leases, parts) -> None:  # type: ignore[no-untyped-def]
    ticket_id = await new_ticket(ticket_log)
    ticket = await pipeline(ticket_log, leases, parts).run(ticket_id)
    assert ticket is not None and ticket.state is TicketState.POSTED
    assert (ticket.label, ticket.classified_by, ticket.jira_key) == ("Bug", "fake", "KAN-1")
    assert ticket.message_ts == f"1.{ticket_id:06d}"
    _, tracker, chat = parts
    assert tracker.issues["KAN-1"].requester_email == "u1@example.com"
    assert chat.posts == [ticket_id]
    events = [e.event for e in await ticket_log.events(ticket_id)]
    assert events == ["received", "classified", "filed", "posted"]


async def test_running_twice_repeats_nothing(ticket_log: TicketLog, leases: Leases, parts) -> None:  # type: ignore[no-untyped-def]
    ticket_id = await new_ticket(ticket_log)
    runner = pipeline(ticket_log, leases, parts)
    await runner.run(ticket_id)
    await runner.run(ticket_id)
    classifier, tracker, chat = parts
    assert (classifier.calls, len(tracker.issues), len(chat.posts)) == (1, 1, 1)


async def test_label_chosen_by_requester_skips_the_model(
    ticket_log: TicketLog, leases: Leases, parts
) -> None:  # type: ignore[no-untyped-def]
    ticket_id = await new_ticket(ticket_log, label_override="Question")
    ticket = await pipeline(ticket_log, leases, parts).run(ticket_id)
    assert ticket is not None
    assert (ticket.label, ticket.classified_by) == ("Question", "requester")
    assert parts[0].calls == 0


async def test_jira_outage_keeps_the_ticket_and_tells_the_requester_once(
    ticket_log: TicketLog,
    leases: Leases,
    parts,  # type: ignore[no-untyped-def]
) -> None:
    _, tracker, chat = parts
    tracker.failures = [TrackerUnavailable("503", retry_after=2), TrackerUnavailable("503")]
    ticket_id = await new_ticket(ticket_log)
    runner = pipeline(ticket_log, leases, parts, max_attempts=5)
    ticket = await runner.run(ticket_id)
    assert ticket is not None and ticket.state is TicketState.CLASSIFIED
    assert ticket.attempts == 1 and ticket.next_attempt_at is not None
    await runner.run(ticket_id)
    ticket = await runner.run(ticket_id)
    assert ticket is not None and ticket.state is TicketState.POSTED
    assert [text for _, text in chat.told] == [
        "Jira is unreachable; your ticket is saved and will be filed automatically."
    ]
    assert len(tracker.issues) == 1


async def test_lost_create_response_never_makes_a_second_issue(
    ticket_log: TicketLog,
    leases: Leases,
    parts,  # type: ignore[no-untyped-def]
) -> None:
    _, tracker, _ = parts
    tracker.lose_response = True
    ticket_id = await new_ticket(ticket_log)
    runner = pipeline(ticket_log, leases, parts)
    ticket = await runner.run(ticket_id)
    assert ticket is not None and ticket.state is TicketState.CLASSIFIED
    ticket = await runner.run(ticket_id)
    assert ticket is not None and ticket.state is TicketState.POSTED
    assert list(tracker.issues) == ["KAN-1"] and tracker.searches == 1


async def test_a_lagging_search_delays_the_retry_instead_of_filing_twice(
    ticket_log: TicketLog,
    leases: Leases,
    parts,  # type: ignore[no-untyped-def]
) -> None:
    _, tracker, _ = parts
    tracker.lose_response, tracker.search_lag_s = True, 0.2
    ticket_id = await new_ticket(ticket_log)
    runner = pipeline(ticket_log, leases, parts, search_lag_s=0.3)
    await runner.run(ticket_id)
    waiting = await runner.run(ticket_id)  # the search does not show KAN-1 yet
    assert waiting is not None and waiting.state is TicketState.CLASSIFIED
    assert "search" in (waiting.last_error or "")
    await asyncio.sleep(0.3)
    ticket = await runner.run(ticket_id)
    assert ticket is not None and ticket.state is TicketState.POSTED
    assert ticket.jira_key == "KAN-1" and list(tracker.issues) == ["KAN-1"]


async def test_nothing_found_after_the_search_lag_creates_the_issue(
    ticket_log: TicketLog,
    leases: Leases,
    parts,  # type: ignore[no-untyped-def]
) -> None:
    _, tracker, _ = parts
    tracker.failures = [TrackerUnavailable("connection reset before Jira stored anything")]
    ticket_id = await new_ticket(ticket_log)
    runner = pipeline(ticket_log, leases, parts, search_lag_s=0.2)
    await runner.run(ticket_id)
    assert (await runner.run(ticket_id)).state is TicketState.CLASSIFIED  # type: ignore[union-attr]
    await asyncio.sleep(0.25)
    ticket = await runner.run(ticket_id)
    assert ticket is not None and ticket.state is TicketState.POSTED
    assert list(tracker.issues) == ["KAN-1"]


async def test_issues_carry_the_installation_label(
    ticket_log: TicketLog,
    leases: Leases,
    parts,  # type: ignore[no-untyped-def]
) -> None:
    _, tracker, _ = parts
    await pipeline(ticket_log, leases, parts).run(await new_ticket(ticket_log))
    [filed] = tracker.issues.values()
    assert (filed.installation, filed.legacy_label) == ("ab12cd34ef", False)


async def test_validation_error_fails_the_ticket_with_jiras_reason(
    ticket_log: TicketLog,
    leases: Leases,
    parts,  # type: ignore[no-untyped-def]
) -> None:
    _, tracker, chat = parts
    tracker.failures = [TrackerValidationError("summary: too long", field_errors={"summary": "x"})]
    ticket = await pipeline(ticket_log, leases, parts).run(await new_ticket(ticket_log))
    assert ticket is not None and ticket.state is TicketState.FAILED
    assert chat.told == [("U1", "Jira rejected the issue: summary: too long")]


async def test_configuration_error_fails_with_an_admin_hint(
    ticket_log: TicketLog, leases: Leases, parts
) -> None:  # type: ignore[no-untyped-def]
    parts[1].failures = [TrackerConfigError("401 Unauthorized", status=401)]
    ticket = await pipeline(ticket_log, leases, parts).run(await new_ticket(ticket_log))
    assert ticket is not None and ticket.state is TicketState.FAILED
    assert "ticketbot doctor" in parts[2].told[0][1]


async def test_a_transient_error_waits_instead_of_failing(
    ticket_log: TicketLog,
    leases: Leases,
    parts,  # type: ignore[no-untyped-def]
) -> None:
    parts[1].failures = [TrackerUnavailable("down") for _ in range(5)]
    runner = pipeline(ticket_log, leases, parts, max_attempts=2)
    ticket_id = await new_ticket(ticket_log)
    for _ in range(5):
        ticket = await runner.run(ticket_id)
        assert ticket is not None and ticket.state is TicketState.CLASSIFIED
    ticket = await runner.run(ticket_id)
    assert ticket is not None and ticket.state is TicketState.POSTED and ticket.attempts == 5


async def test_a_transient_error_fails_the_ticket_after_the_ceiling(
    ticket_log: TicketLog,
    leases: Leases,
    parts,  # type: ignore[no-untyped-def]
) -> None:
    parts[1].failures = [TrackerUnavailable("down") for _ in range(5)]
    classifier, tracker, chat = parts
    runner = TicketPipeline(
        ticket_log,
        leases,
        classifier,
        tracker,
        filing(),
        chat,
        PipelineSettings(retry_base_s=0.01, give_up_after_s=0.2),
    )
    ticket_id = await new_ticket(ticket_log)
    await runner.run(ticket_id)
    await asyncio.sleep(0.25)
    ticket = await runner.run(ticket_id)
    assert ticket is not None and ticket.state is TicketState.FAILED
    assert "ticketbot tickets retry" in chat.told[-1][1]


async def test_gives_up_after_max_attempts_of_unexpected_errors(
    ticket_log: TicketLog,
    leases: Leases,
    parts,  # type: ignore[no-untyped-def]
) -> None:
    parts[1].failures = [RuntimeError("a bug") for _ in range(5)]  # type: ignore[misc]
    runner = pipeline(ticket_log, leases, parts, max_attempts=2)
    ticket_id = await new_ticket(ticket_log)
    await runner.run(ticket_id)
    ticket = await runner.run(ticket_id)
    assert ticket is not None and ticket.state is TicketState.FAILED and ticket.attempts == 2
    assert "ticketbot tickets retry" in parts[2].told[-1][1]
