"""The sandbox user playing the others: Slack users (`as @bob`) and a Jira user (`jira …`)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from emulators.jira import JiraEmulator
from emulators.slack import User
from sandbox import wording
from sandbox.render import jira_line

_MENTION = re.compile(r"^<?@?([A-Za-z0-9._-]+)>?$")


def find_user(people: Iterable[User], ref: str) -> User | None:
    """A user by id or name: `U2`, `bob`, `@bob`, `<@U2>` (case-insensitive)."""
    match = _MENTION.match(ref.strip())
    wanted = match.group(1).lower() if match else ""
    return next((p for p in people if wanted in (p.id.lower(), p.name.lower())), None)


def people_lines(people: Iterable[User], current: str, approvers: Iterable[str]) -> list[str]:
    """Who is who: the current user starred, approvers marked."""
    approving = set(approvers)
    return [
        wording.USER_LINE.format(
            mark="*" if person.id == current else " ",
            name=person.name,
            id=person.id,
            real_name=person.real_name,
            role=wording.USER_ROLE_APPROVER if person.id in approving else "",
        )
        for person in people
    ]


def find_status(statuses: Iterable[str], typed: str) -> str | None:
    """A status by name, ignoring case, spaces and punctuation (`done`, `todo`, `wont do`)."""

    def squash(text: str) -> str:
        return re.sub(r"[^a-z]", "", text.lower())

    return next((s for s in statuses if squash(s) == squash(typed)), None)


def jira_command(jira: JiraEmulator, rest: str) -> list[str]:
    """`jira` (list), `jira KAN-1` (show), `jira KAN-1 done` (move); the lines to print.

    A move prints nothing itself: the watcher shows the changed issue like any other change.
    """
    key, _, status = rest.partition(" ")
    key = key.upper()
    if not key:
        return [jira_line(k, issue) for k, issue in jira.issues.items()]
    if key not in jira.issues:
        return [wording.JIRA_NO_ISSUE.format(key=key)]
    if not status.strip():
        return [jira_line(key, jira.issues[key])]
    target = find_status(jira.statuses, status)
    if target is None:
        return [wording.JIRA_USAGE.format(statuses=", ".join(jira.statuses))]
    jira.set_status(key, target)
    return []
