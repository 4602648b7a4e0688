"""Every sentence a person reads: Slack replies, CLI output, and how to fix a setting.

Keeping the wording here makes it reviewable in one place and keeps listeners free of prose.
"""

from __future__ import annotations

import math
from typing import Final

from bot.errors import QuotaExceeded
from bot.tickets import Decision

# How to fix each setting; used by ConfigError so the one-line start-up error says what to do.
SETTING_FIXES: Final[dict[str, str]] = {
    "TICKETBOT_CONFIG": "point it at an existing config.yml or unset it to use the shipped one",
    "SLACK_BOT_TOKEN": (
        "install the app from manifest.yml and copy the Bot User OAuth Token (xoxb-…) "
        "into .env (README § Install for real)"
    ),
    "SLACK_APP_TOKEN": (
        "create an app-level token with connections:write (README § Install for real) "
        "and put it in .env"
    ),
    "SLACK_API_URL": "leave it unset for slack.com, or give the Web API base URL ending in /api/",
    "JIRA_BASE_URL": (
        "set it to your site, e.g. https://your-team.atlassian.net (README § Install for real)"
    ),
    "JIRA_EMAIL": (
        "set it to the Atlassian account email that owns JIRA_API_TOKEN "
        "(README § Install for real)"
    ),
    "JIRA_API_TOKEN": (
        "create one at https://id.atlassian.com/manage-profile/security/api-tokens and put it "
        "in .env, or set JIRA_PAT for Jira Server / Data Center (README § Install for real)"
    ),
    "JIRA_PAT": "create a personal access token in your Jira profile and put it in .env",
    "JIRA_PROJECT_KEY": "set it to the key of the project new issues go to, e.g. KAN",
    "DATABASE_URL": (
        "use sqlite+aiosqlite:///tickets.db or postgresql+asyncpg://user:pass@host/db"
    ),
    "LLM_BACKENDS": "a comma-separated order from llama, openai, kobold, e.g. llama,openai",
    "GGUF_MODEL_PATH": "point it at a .gguf file; `make run` downloads the default into models/",
    "OPENAI_API_KEY": "put your key in .env (any value for servers that do not check it)",
    "OPENAI_BASE_URL": "the server's base URL ending in /v1, e.g. http://localhost:8000/v1",
    "OPENAI_MODEL": "the model name the server expects, e.g. gpt-4o-mini",
    "KOBOLDCPP_API_URL": "the KoboldCPP API root, e.g. http://localhost:5001/api",
    "KOBOLDCPP_PASSWORD": "the --password KoboldCPP was started with, in .env",
    "APPROVERS": (
        "comma-separated Slack user ids (profile → ⋮ → Copy member ID), e.g. U012AB,U034CD"
    ),
    "LOG_LEVEL": "one of DEBUG, INFO, WARNING, ERROR",
    "LOG_FORMAT": "text or json",
}

URL_PROBLEMS: Final[dict[str, str]] = {
    "invalid": "is not an https:// URL",
    "insecure": "must use https:// (plain http:// only to this machine: 127.0.0.1, ::1, localhost)",
}
EXAMPLE_JIRA_URL: Final = "still holds the example https://your-team.atlassian.net"
FILES_PRIVATE: Final = "{path}: only its owner can read it"
FILES_OPEN: Final = "other users on this machine can read {files}: run chmod 600 {paths}"
CONFIG_ERROR_PREFIX: Final = "ticketbot: configuration error:"
DATABASE_BEHIND: Final = (
    "the database at {url} is at revision {current} but this version needs {head}; "
    "run `ticketbot db upgrade`"
)
DATABASE_UNREACHABLE: Final = "cannot open the database {url}: {reason}"

# --- /ticket -----------------------------------------------------------------------------
FILING: Final = "Filing your ticket…"
FILING_QUEUED: Final = "Filing your ticket… it is queued behind about {ahead} other(s)."
ALREADY_RECEIVED: Final = "Already got this one: ticket #{id} is on its way."
CANNOT_SAVE: Final = (
    "Sorry, I could not save your ticket: the ticket log is unavailable. Nothing was filed; "
    "please try again in a minute."
)
QUOTA_TICKETS: Final = (
    "You have reached the limit of {limit} tickets per {window}, so I did not file this one. "
    "You can file another in about {wait}."
)
QUOTA_UNFINISHED: Final = (
    "You already have {limit} tickets waiting to be filed, so I did not take this one. "
    "Please try again in about {wait}, once some of them are through."
)
QUOTA_BUSY: Final = (
    "ticketbot is busy: {limit} tickets are waiting to be filed, so I did not take this one. "
    "Please try again in about {wait}."
)
JIRA_UNREACHABLE_SAVED: Final = (
    "Jira is unreachable; your ticket is saved and will be filed automatically."
)
JIRA_REJECTED: Final = "Jira rejected the issue: {reason}"
JIRA_MISCONFIGURED: Final = (
    "I could not file ticket #{id}: Jira refused ticketbot's credentials or project settings. "
    "Your ticket is saved; please tell whoever runs ticketbot to run `ticketbot doctor`."
)
TICKET_FAILED: Final = (
    "I could not file ticket #{id} ({reason}). It is saved; whoever runs ticketbot can "
    "retry it with `ticketbot tickets retry {id}`."
)
NOT_IN_CHANNEL: Final = (
    "I filed <{url}|{key}> but cannot post in this channel because I am not a member. "
    "Invite me with `/invite @ticketbot` so the team can see and approve tickets here."
)

# --- the ticket message ------------------------------------------------------------------
TICKET_TEXT: Final = "{label} {key}: {summary} (from {requester})"
TICKET_LABEL_LINE: Final = "*{label}* · {confidence:.0%} confident · decided by {backend}"
TICKET_NEEDS_TRIAGE: Final = (
    ":warning: No classifier was reachable, so this was filed as *{label}*: please check the type."
)
TICKET_REQUESTER: Final = "Requested by <@{user}>"
APPROVE: Final = "Approve"
REJECT: Final = "Reject"
DECIDED_LINE: Final = {
    Decision.APPROVED: ":white_check_mark: Approved by <@{user}> on {when}",
    Decision.REJECTED: ":no_entry_sign: Rejected by <@{user}> on {when}",
}
DECISION_THREAD_REPLY: Final = {
    Decision.APPROVED: "<@{requester}>, your ticket {key} was approved by <@{user}>.",
    Decision.REJECTED: "<@{requester}>, your ticket {key} was rejected by <@{user}>.",
}
TYPE_PLACEHOLDER: Final = "Change type"
POSSIBLE_DUPLICATE: Final = ":mag: Possible duplicate of <{url}|{key}>"
LABEL_CORRECTED_LINE: Final = "Type changed from {old} to *{new}* by <@{user}>"
JIRA_TYPE_COMMENT: Final = (
    "{user} changed the type to {label} in Slack; this project has no issue type {type}."
)
JIRA_LABEL_COMMENT: Final = "{user} changed the type from {old} to {label} in Slack."
REFUSED_CANNOT_CORRECT: Final = "This ticket's type can no longer be changed."
JIRA_DECISION_COMMENT: Final = {
    Decision.APPROVED: "Approved by {user} in Slack.",
    Decision.REJECTED: "Rejected by {user} in Slack.",
}

# --- Approve / Reject refusals -----------------------------------------------------------
REFUSED_NO_APPROVERS: Final = (
    "Nobody can approve or reject tickets yet: ticketbot has no approvers configured. "
    "Whoever runs it can list Slack user ids in APPROVERS."
)
REFUSED_NOT_APPROVER: Final = "Only the configured approvers can approve or reject tickets."
REFUSED_OWN_TICKET: Final = "You cannot approve or reject a ticket you filed yourself."
REFUSED_ALREADY: Final = "Already {decision} by <@{user}> on {when}."
REFUSED_NOT_READY: Final = "This ticket is not ready for a decision yet."
REFUSED_UNKNOWN: Final = "I cannot find the ticket behind this message."

# --- /ticket_status ----------------------------------------------------------------------
STATUS_USAGE: Final = (
    "Usage: `/ticket_status KAN-123` (an issue key, or paste the issue's link). "
    "With nothing after it I list your five most recent tickets."
)
STATUS_NOT_FOUND: Final = "I could not find {key} in Jira (it does not exist or I may not see it)."
STATUS_UNAVAILABLE: Final = "Jira is not answering right now; please try again in a minute."
STATUS_FAILED: Final = "Jira refused the lookup: {reason}"
QUOTA_STATUS: Final = (
    "You have reached the limit of {limit} status lookups per {window}. "
    "Please try again in about {wait}."
)
STATUS_LINE: Final = "*Status:* {status}   *Assignee:* {assignee}   *Priority:* {priority}"
STATUS_UPDATED: Final = "Last updated {updated}"
UNASSIGNED: Final = "Unassigned"
NO_RECENT: Final = "You have not filed any tickets yet. Try `/ticket` followed by what you need."
RECENT_HEADER: Final = "Your recent tickets:"
RECENT_NOT_FILED: Final = "not filed yet ({state})"

# --- the modal ---------------------------------------------------------------------------
MODAL_TITLE: Final = "New ticket"
MODAL_SUBMIT: Final = "File ticket"
MODAL_CLOSE: Final = "Cancel"
MODAL_SUMMARY: Final = "Summary"
MODAL_SUMMARY_HINT: Final = "One line: what do you need?"
MODAL_DETAILS: Final = "Details"
MODAL_TYPE: Final = "Type"
MODAL_TYPE_HINT: Final = "Leave empty and ticketbot picks one"
MODAL_SUMMARY_REQUIRED: Final = "Please write a one-line summary."
MODAL_SUMMARY_TOO_LONG: Final = (
    "Keep the summary under {limit} characters; put the rest in Details."
)
MODAL_OPEN_FAILED: Final = (
    "I could not open the form. Type your request after the command instead: "
    "`/ticket the VPN drops every 10 minutes`"
)
UNEXPECTED: Final = "Something went wrong on my side; it has been logged. Please try again."

# Thread replies copied to Jira, and App Home (issue 18, bot.triage.thread_sync / home).
THREAD_UNKNOWN_AUTHOR: Final = "A former Slack user"
THREAD_ISSUE_GONE: Final = (
    "Your reply was not copied to Jira: {key} no longer exists (deleted or moved)."
)
THREAD_COPY_REFUSED: Final = (
    "Jira refused your reply as a comment on {key}; it stays only in Slack."
)
HOME_MINE: Final = "Your tickets"
HOME_WAITING: Final = "Waiting for your decision"
HOME_NO_TICKETS: Final = "You have not filed any tickets yet. Type `/ticket` and what you need."
HOME_NOTHING_WAITING: Final = "Nothing is waiting for your decision."
HOME_TICKET_LINE: Final = "{status} · filed {age} ago"
HOME_WAITING_LINE: Final = "From <@{requester}> · {label} · filed {age} ago"
HOME_NOT_FILED: Final = "not in Jira yet ({state})"
HOME_DECIDED: Final = "Done: {key} is {decision}."


def duration(seconds: float, *, per: bool = False) -> str:
    """``45 seconds``, ``1 minute``, ``10 minutes``, ``2 hours`` (rounded up); with ``per``,
    one unit is the bare unit: "10 tickets per ``minute``"."""
    units = (("hour", 3600), ("minute", 60))
    unit, size = next(((u, s) for u, s in units if seconds >= s), ("second", 1))
    count = max(1, math.ceil(seconds / size - 1e-9))
    if count == 1:
        return unit if per else f"1 {unit}"
    return f"{count} {unit}s"


def over_quota(refusal: QuotaExceeded) -> str:
    """The private answer to a request refused by a quota (nothing was recorded)."""
    template = {
        "tickets": QUOTA_TICKETS,
        "status": QUOTA_STATUS,
        "unfinished": QUOTA_UNFINISHED,
    }.get(refusal.kind, QUOTA_BUSY)
    window = duration(refusal.window_s or 0, per=True)
    return template.format(limit=refusal.limit, window=window, wait=duration(refusal.wait_s))

# The Jira change feed (issue 18): the ticket's thread and its living message.
JIRA_CHANGED: Final = "<@{requester}> *{key}* changed in Jira: {changes}."
JIRA_CHANGED_DM: Final = "*<{url}|{key}>* changed in Jira: {changes}."
JIRA_CHANGE_STATUS: Final = "status *{old}* → *{new}*"
JIRA_CHANGE_ASSIGNEE: Final = "assigned to *{new}*"
JIRA_CHANGE_UNASSIGNED: Final = "unassigned"
JIRA_CHANGE_RESOLUTION: Final = "resolution *{new}*"
JIRA_COMMENT: Final = "*{author}* commented in Jira:\n{text}"
JIRA_COMMENT_EDITED: Final = "*{author}* edited a comment in Jira:\n{text}"
JIRA_COMMENT_FILES: Final = "*{author}* added {count} attachment(s) in Jira: <{url}|see {key}>."
JIRA_COMMENT_CUT: Final = "… <{url}|the whole comment is in {key}>"
JIRA_MOVED: Final = "This ticket's Jira issue moved to <{url}|{key}>."
JIRA_LIVING: Final = "Jira: *{status}*"
JIRA_LIVING_ASSIGNEE: Final = " · assigned to *{assignee}*"
REMINDER: Final = "{approvers} this ticket has been waiting for a decision for {waited}."
DIGEST: Final = "*Waiting for a decision ({count}):*\n{lines}"
DIGEST_LINE: Final = "• <{url}|{key}> {summary}"
DIGEST_MORE: Final = "… and more"
NOTIFY_USAGE: Final = (
    "Use `/ticket_status notify dm` to also get your tickets' Jira changes by direct message, "
    "or `/ticket_status notify thread` for the ticket's thread only (the default)."
)
NOTIFY_SET: Final = {
    "dm": "Done: Jira changes to your tickets also come to you by direct message.",
    "thread": "Done: Jira changes to your tickets are told in their threads only.",
}
JIRA_GONE_STATUS: Final = "deleted or moved away"
JIRA_GONE: Final = "This ticket's Jira issue {key} was deleted or moved to a project I do not poll."

# Tickets from an existing message: the "File as ticket" shortcut and the emoji (issue 17).
SOURCE_FILED: Final = "Filed as <{url}|{key}>."
SOURCE_FILED_DM: Final = (
    "Filed as <{url}|{key}>, from the message in <#{channel}> (I cannot post there)."
)
SOURCE_UNREADABLE: Final = (
    "I could not read that message, so it is not filed (Slack answered `{code}`). "
    "If I am not in this channel, invite me with `/invite @ticketbot`, then react again."
)
SOURCE_ALREADY_FILED: Final = "This message is already filed as {ticket}."
SOURCE_BEING_FILED: Final = "ticket #{id} (Jira issue on its way)"
SOURCE_FROM_BOT: Final = (
    "Messages from bots and apps cannot be filed. Use `/ticket` and say what is needed."
)
SOURCE_EMPTY: Final = (
    "That message has no text to file (only files, images or mentions). "
    "Use `/ticket` and describe the request."
)
SOURCE_FORM_CUT: Final = "… (cut here: the ticket links to the whole message)"
SOURCE_FORM_CONTEXT: Final = "From <{permalink}|a message> by <@{author}> in <#{channel}>."
MODAL_REQUESTER: Final = "Requester"
MODAL_REQUESTER_HINT: Final = "Who needs this: the message's author unless you change it"
MODAL_FILES: Final = "Files"
FILES_SKIPPED: Final = "Files from Slack that were not attached:\n{lines}"
FILE_TOO_BIG: Final = "{size} is over the {limit} limit"
FILE_TOO_MANY: Final = "more than {limit} files on one ticket"
FILE_GONE: Final = "deleted in Slack, or ticketbot may not read it"

# Routing and required Jira fields (issue 17): notes at the top of an issue's footer.
NOTE_NO_SUCH_TYPE: Final = "Filed as {used}: project {project} has no issue type {wanted}."
NOTE_FIELDS_UNFILLED: Final = (
    "Filed as {used}, not {wanted}: Jira requires fields ticketbot could not fill ({missing})."
)
FILED_OTHERWISE: Final = "{key}: {note}"
