"""What one issue's Jira changes owe Slack (pure): which change ids count, the thread replies,
the living message, and how Jira text is made safe for Slack ``mrkdwn``.

Counted: changelog histories and comments created at or after the poll's lower bound (older
ones were there before this ticket's story in Slack began, or were already shown), not made
by the bot's own Jira account (decisions, thread replies it copied), and comments that are not
internal (JSM internal notes and role/group restricted comments never leave Jira) and do not
carry the Slack copy marker. Status, assignee and resolution changes of one poll become one
reply mentioning the requester; each comment becomes one reply, attributed, and each later
edit of it one more (by its editor and its time, under the same rules). Jira text is
escaped (``&``, ``<``, ``>``: no ``<!channel>``, no ``<url|spoofed label>``) and cut at
``comment_limit`` with a link to the comment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot import messages
from bot.db.models import Ticket
from bot.db.outbox import NewTask
from bot.db.sync import TicketUpdate
from bot.tracker.changes import WATCHED_FIELDS, FieldChange, IssueChange, JiraComment
from bot.tracker.summary import shorten

THREAD_REPLY = "thread_reply"  # the publisher's kinds (bot.triage.publisher)
SHOW_MESSAGE = "show_message"
DIRECT_MESSAGE = "direct_message"
COPY_MARKER = "ref slack."  # the marker on comments copied from Slack (bot.tracker.comment_body)


@dataclass(frozen=True, slots=True)
class PlanContext:
    since: datetime
    bot_account: str | None
    comments: bool
    comment_limit: int
    dm_users: frozenset[str] = frozenset()  # requesters who chose direct messages too


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def change_keys(ticket_id: int, change: IssueChange, ctx: PlanContext) -> list[str]:
    """The ids of the changes that count (see the module docstring), as stored keys."""
    keys = [
        f"{ticket_id}:h:{h.id}"
        for h in change.histories
        if h.created >= ctx.since
        and not _by_bot(h.author, ctx)
        and any(c.field in WATCHED_FIELDS for c in h.changes)
    ]
    if ctx.comments:
        keys += [f"{ticket_id}:c:{c.id}" for c in change.comments if _shown(c, ctx)]
        keys += [_edit_key(ticket_id, c) for c in change.comments if _edit_shown(c, ctx)]
    return keys


def plan(
    ticket: Ticket, change: IssueChange, new: frozenset[str], ctx: PlanContext, browse: Any
) -> TicketUpdate:
    """Ticket values, tasks and events for ``change``; ``new``: the keys not shown before;
    ``browse(key)``: the issue's URL."""
    out, url = TicketUpdate(), browse(change.key)
    if change.key != ticket.jira_key:
        _moved(ticket, change, url, out)
    if (change.status, change.assignee) != (ticket.jira_status, ticket.jira_assignee):
        out.values.update(jira_status=change.status, jira_assignee=change.assignee)
        out.tasks.append(
            NewTask(
                ticket.id, f"ticket:{ticket.id}:jira:{change.updated.isoformat()}", SHOW_MESSAGE
            )
        )
    fields = [
        c
        for h in change.histories
        if f"{ticket.id}:h:{h.id}" in new
        for c in h.changes
        if c.field in WATCHED_FIELDS
    ]
    if fields:
        text = messages.JIRA_CHANGED.format(
            requester=ticket.requester_id, key=change.key, changes="; ".join(_parts(fields))
        )
        first = min(k for k in new if k.startswith(f"{ticket.id}:h:"))
        if ticket.requester_id in ctx.dm_users:
            dm = messages.JIRA_CHANGED_DM.format(
                url=url, key=change.key, changes="; ".join(_parts(fields))
            )
            payload = {"user": ticket.requester_id, "text": dm}
            out.tasks.append(
                NewTask(ticket.id, f"ticket:{ticket.id}:jira-dm-{first}", DIRECT_MESSAGE, payload)
            )
        out.tasks.append(
            NewTask(ticket.id, f"ticket:{ticket.id}:jira-{first}", THREAD_REPLY, {"text": text})
        )
        out.events.append(("jira_changed", {"key": change.key, "fields": len(fields)}))
    for comment in change.comments:
        if f"{ticket.id}:c:{comment.id}" in new:  # as it reads now, edits included
            text = comment_reply(comment, change.key, url, ctx.comment_limit)
            task_key = f"ticket:{ticket.id}:jira-comment:{comment.id}"
        elif comment.edited and _edit_key(ticket.id, comment) in new:  # shown before; edited
            text = comment_reply(comment, change.key, url, ctx.comment_limit, edited=True)
            task_key = f"ticket:{ticket.id}:jira-comment:{comment.id}:{_edited(comment)}"
        else:
            continue
        out.tasks.append(NewTask(ticket.id, task_key, THREAD_REPLY, {"text": text}))
    return out


def comment_reply(
    comment: JiraComment, key: str, url: str, limit: int, *, edited: bool = False
) -> str:
    who = (comment.editor or comment.author) if edited else comment.author
    author = escape(who.name if who else "Someone")
    link = f"{url}?focusedCommentId={comment.id}"
    if not comment.text:
        return messages.JIRA_COMMENT_FILES.format(
            author=author, count=max(1, comment.attachments), url=link, key=key
        )
    text = comment.text
    if len(escape(text)) > limit:
        text = shorten(text, max(1, limit - (len(escape(text)) - len(text))))
        body = escape(text) + "\n" + messages.JIRA_COMMENT_CUT.format(url=link, key=key)
    else:
        body = escape(text)
    template = messages.JIRA_COMMENT_EDITED if edited else messages.JIRA_COMMENT
    return template.format(author=author, text=body)


def _parts(fields: list[FieldChange]) -> list[str]:
    parts: list[str] = []
    for name in WATCHED_FIELDS:
        mine = [c for c in fields if c.field == name]
        if not mine:
            continue
        old, new = mine[0].old, mine[-1].new
        if name == "status":
            parts.append(messages.JIRA_CHANGE_STATUS.format(old=_v(old), new=_v(new)))
        elif name == "assignee":
            parts.append(
                messages.JIRA_CHANGE_ASSIGNEE.format(new=_v(new))
                if new
                else messages.JIRA_CHANGE_UNASSIGNED
            )
        elif new:
            parts.append(messages.JIRA_CHANGE_RESOLUTION.format(new=_v(new)))
    return parts


def _v(value: str | None) -> str:
    return escape(" ".join((value or "-").split())[:100])


def _moved(ticket: Ticket, change: IssueChange, url: str, out: TicketUpdate) -> None:
    out.values.update(jira_key=change.key, jira_url=url)
    out.events.append(("jira_issue_moved", {"from": ticket.jira_key, "to": change.key}))
    text = messages.JIRA_MOVED.format(url=url, key=change.key)
    out.tasks.append(
        NewTask(ticket.id, f"ticket:{ticket.id}:moved:{change.key}", THREAD_REPLY, {"text": text})
    )


def _shown(comment: JiraComment, ctx: PlanContext) -> bool:
    return comment.created >= ctx.since and _copied(comment, ctx)


def _edit_shown(comment: JiraComment, ctx: PlanContext) -> bool:
    """An edit counts as a comment does, by its editor and its time."""
    return (
        comment.edited is not None
        and comment.edited >= ctx.since
        and not _by_bot(comment.editor, ctx)
        and _copied(comment, ctx)
    )


def _copied(comment: JiraComment, ctx: PlanContext) -> bool:
    """Whether a comment is one Slack hears of: not internal, not the bot's, not from Slack."""
    return (
        not comment.internal
        and not _by_bot(comment.author, ctx)
        and COPY_MARKER not in comment.text
    )


def _edited(comment: JiraComment) -> str:
    return f"edit:{comment.edited.isoformat() if comment.edited else ''}"


def _edit_key(ticket_id: int, comment: JiraComment) -> str:
    return f"{ticket_id}:c:{comment.id}:{_edited(comment)}"


def _by_bot(author: Any, ctx: PlanContext) -> bool:
    return author is not None and ctx.bot_account is not None and author.id == ctx.bot_account
