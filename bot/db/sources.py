"""What a ticket filed from a Slack message still owes once its Jira issue exists: the files
copied to the issue, and "Filed as KAN-12" in the message's thread.

``mark_filed`` enqueues them (``bot.db.outbox``) in the transaction that records the key, so
a crash at any point after the create loses neither and, their keys being unique, a retried
step never enqueues them twice. ``bot.triage.sources`` carries them out.
"""

from __future__ import annotations

from bot.db.models import Ticket
from bot.db.outbox import NewTask

COPY_FILES = "copy_files"
CONFIRM_IN_SOURCE = "confirm_in_source"


def source_tasks(ticket: Ticket) -> list[NewTask]:
    """The confirmation first: copying large files must not hold it back."""
    tasks: list[NewTask] = []
    if ticket.source_ts is not None:
        tasks.append(NewTask(ticket.id, f"ticket:{ticket.id}:source:reply", CONFIRM_IN_SOURCE))
    if ticket.source_files:
        tasks.append(NewTask(ticket.id, f"ticket:{ticket.id}:source:files", COPY_FILES))
    return tasks
