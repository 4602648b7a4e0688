"""Import a team's history as confirmed examples: a labelled CSV, or Jira issues by JQL.

Idempotent: each row's ``source_key`` is ``csv:<sha256 of label and text>`` or
``jira:<issue key>``, so importing the same history twice adds nothing.
A Jira issue's example text is shaped like a ticket: the summary, a newline, then the
description as plain text (ADF on API v3 converted), cut at ``MAX_TEXT`` characters. Issues
come page by page from one search that returns those fields (no request per issue), and each
page is stored as it arrives.
Jira issue types map back to labels through the inverse of ``jira.issue_types``; a type that
several labels map to (Task ← Task, Question) goes to the label of the same name, and types
with no label are skipped and counted.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from bot.classify.evaluation import read_labelled_csv
from bot.db.examples import ExampleStore, NewExample
from bot.labels import Label
from bot.tracker.keys import TICKET_LABEL_PREFIX
from bot.tracker.models import FoundIssue

log = logging.getLogger(__name__)
FILED_BY_THE_BOT = "filed by ticketbot"

BATCH = 500
MAX_TEXT = 2000


@dataclass
class ImportReport:
    read: int = 0
    added: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    @property
    def already_known(self) -> int:
        return self.read - self.added - sum(self.skipped.values())


class IssueSource(Protocol):
    def iter_issues(self, jql: str, *, limit: int) -> AsyncIterator[list[FoundIssue]]: ...


def csv_key(text: str, label: Label) -> str:
    return "csv:" + hashlib.sha256(f"{label}\n{text}".encode()).hexdigest()


async def import_csv(store: ExampleStore, path: Path) -> ImportReport:
    rows = read_labelled_csv(path)
    report = ImportReport(read=len(rows))
    examples = [NewExample(text, label, "csv", csv_key(text, label)) for text, label in rows]
    for start in range(0, len(examples), BATCH):
        report.added += await store.add_many(examples[start:start + BATCH])
    return report


def labels_by_type(issue_types: Mapping[Label, str]) -> dict[str, Label]:
    """The inverse map; an ambiguous type keeps only the label named like it (else dropped)."""
    by_type: dict[str, list[Label]] = {}
    for label, type_name in issue_types.items():
        by_type.setdefault(type_name.casefold(), []).append(label)
    inverse: dict[str, Label] = {}
    for type_name, labels in by_type.items():
        same = [label for label in labels if label.casefold() == type_name]
        if len(labels) == 1 or same:
            inverse[type_name] = same[0] if same else labels[0]
    return inverse


def issue_text(issue: FoundIssue) -> str:
    """Summary, then the description (if any) on the next lines, at most ``MAX_TEXT`` chars."""
    text = f"{issue.summary}\n{issue.description}" if issue.description else issue.summary
    return text[:MAX_TEXT].rstrip()


async def import_jira(store: ExampleStore, source: IssueSource, jql: str,
                      issue_types: Mapping[Label, str], limit: int = 1000,
                      progress: Callable[[ImportReport], None] | None = None) -> ImportReport:
    """Import the issues page by page; ``progress`` is told the running totals after each."""
    inverse = labels_by_type(issue_types)
    report = ImportReport()
    seen: set[str] = set()
    async for page in source.iter_issues(jql, limit=limit):
        fresh = [issue for issue in page if issue.key not in seen]
        seen.update(issue.key for issue in fresh)
        report.read += len(fresh)
        report.added += await store.add_many(_examples(fresh, inverse, report.skipped))
        if progress is not None:
            progress(report)
    log.info("jira import: %d issues, %d added, skipped %s", report.read, report.added,
             dict(report.skipped))
    return report


def _examples(issues: list[FoundIssue], inverse: Mapping[str, Label],
              skipped: Counter[str]) -> list[NewExample]:
    """Examples for the issues whose type maps to a label; the others are counted by type."""
    examples: list[NewExample] = []
    for issue in issues:
        label = inverse.get((issue.issue_type or "").casefold())
        if any(name.startswith(TICKET_LABEL_PREFIX) for name in issue.labels):
            # filed by a ticketbot: an approved one is an example already (its approval made it
            # one); a rejected or undecided one was never confirmed by a person
            skipped[FILED_BY_THE_BOT] += 1
        elif label is None or not issue.summary.strip():
            skipped[issue.issue_type or "no type"] += 1
        else:
            examples.append(NewExample(issue_text(issue), label, "jira", f"jira:{issue.key}"))
    return examples


def describe(report: ImportReport, what: str) -> Sequence[str]:
    lines = [f"{what}: {report.read} read, {report.added} added, "
             f"{report.already_known} already known"]
    if report.skipped:
        kinds = ", ".join(f"{name} {count}" for name, count in report.skipped.most_common())
        lines.append(f"skipped (filed by the bot, or no label for the issue type): "
                     f"{sum(report.skipped.values())} ({kinds})")
    return lines
