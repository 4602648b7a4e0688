"""Import a team's history as confirmed examples: a labelled CSV, or Jira issues by JQL.

Idempotent: each row's ``source_key`` is ``csv:<sha256 of label and text>`` or
``jira:<issue key>``, so importing the same history twice adds nothing.
Jira issue types map back to labels through the inverse of ``jira.issue_types``; a type that
several labels map to (Task ← Task, Question) goes to the label of the same name, and types
with no label are skipped and counted.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from bot.classify.evaluation import read_labelled_csv
from bot.db.examples import ExampleStore, NewExample
from bot.labels import Label
from bot.tracker.models import IssueDetails

log = logging.getLogger(__name__)

BATCH = 500


@dataclass
class ImportReport:
    read: int = 0
    added: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    @property
    def already_known(self) -> int:
        return self.read - self.added - sum(self.skipped.values())


class IssueSource(Protocol):
    async def search_keys(self, jql: str, *, limit: int = 50) -> list[str]: ...

    async def get_issue(self, key_or_url: str) -> IssueDetails: ...


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


async def import_jira(store: ExampleStore, source: IssueSource, jql: str,
                      issue_types: Mapping[Label, str], limit: int = 1000) -> ImportReport:
    inverse = labels_by_type(issue_types)
    keys = await source.search_keys(jql, limit=limit)
    report = ImportReport(read=len(keys))
    examples: list[NewExample] = []
    for key in keys:
        issue = await source.get_issue(key)
        label = inverse.get((issue.issue_type or "").casefold())
        if label is None or not issue.summary.strip():
            report.skipped[issue.issue_type or "no type"] += 1
            continue
        examples.append(NewExample(issue.summary, label, "jira", f"jira:{issue.key}"))
    report.added = await store.add_many(examples)
    log.info("jira import: %d issues, %d added, skipped %s", len(keys), report.added,
             dict(report.skipped))
    return report


def describe(report: ImportReport, what: str) -> Sequence[str]:
    lines = [f"{what}: {report.read} read, {report.added} added, "
             f"{report.already_known} already known"]
    if report.skipped:
        kinds = ", ".join(f"{name} {count}" for name, count in report.skipped.most_common())
        lines.append(f"skipped (no label for the issue type): {sum(report.skipped.values())} "
                     f"({kinds})")
    return lines
