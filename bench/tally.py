"""After a burst: which requests reached Jira, the channel and the ticket log, and how often."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from bench import workload
from bench.ticketlog import LoggedTicket
from emulators.jira import JiraEmulator
from emulators.slack import Channel, SlackEmulator


def jira_counts(jira: JiraEmulator) -> Counter[int]:
    return _count(str(issue.get("summary", "")) for issue in jira.issues.values())


def message_counts(slack: SlackEmulator, channels: Sequence[Channel]) -> Counter[int]:
    """The bot's ticket messages (top-level, posted with chat.postMessage, counted still when
    updated since: decisions, the Jira status line) per request."""
    return _count(str(m.blocks) + m.text for c in channels
                  for m in slack.messages(c.id, include_replies=False)
                  if m.posted_with == "chat.postMessage")


def log_counts(rows: Iterable[LoggedTicket]) -> Counter[int]:
    return _count(row.text for row in rows)


def _count(contents: Iterable[str]) -> Counter[int]:
    counts: Counter[int] = Counter()
    for content in contents:
        counts.update(set(workload.numbers_in(content)))
    return counts


@dataclass(frozen=True)
class Tally:
    sent: int
    acked: int
    jira_issues: int
    messages: int | None
    log_rows: int | None
    #: Acked, but missing from Jira, the channel or the log at the end.
    lost: int
    #: More than one Jira issue, message or log row for one request.
    duplicates: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def tally(sent: Sequence[int], acked: Iterable[int], jira: Counter[int],
          messages: Counter[int] | None, log: Counter[int] | None) -> Tally:
    """Count outcomes; ``messages`` / ``log`` are None for an app that keeps neither."""
    places = [c for c in (jira, messages, log) if c is not None]
    acked_set = set(acked)
    lost = sum(1 for n in acked_set if any(place[n] == 0 for place in places))
    duplicates = sum(1 for n in sent if any(place[n] > 1 for place in places))
    return Tally(len(sent), len(acked_set), sum(jira.values()),
                 None if messages is None else sum(messages.values()),
                 None if log is None else sum(log.values()), lost, duplicates)
