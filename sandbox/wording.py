"""Every sentence the sandbox prints, in one place."""

from __future__ import annotations

from typing import Final

BANNER: Final = """\
ticketbot sandbox: the real bot (python app.py, Socket Mode) against an emulated Slack
workspace and an emulated Jira project, with a throw-away database; classifier: {backends}.
To connect a real workspace instead, follow README § Install for real, put the tokens in
.env and run `make run` again. Type `help` for the commands, `quit` to leave."""

NO_TOKENS_BANNER: Final = """\
No Slack tokens are configured (SLACK_BOT_TOKEN / SLACK_APP_TOKEN in .env or the
environment), so `make run` starts the sandbox: try the bot here, in your terminal."""

HELP: Final = """\
Type what you would type in Slack:
  /ticket the VPN drops every 10 minutes   file a ticket
  /ticket                                  open the form (asked field by field)
  /ticket_status KAN-1                     look an issue up; with no key: your recent tickets
  approve KAN-1 / reject KAN-1             click the button on that ticket's message
  say the printer is on fire               post a plain message (named m1, m2, …)
  shortcut m1                              "File as ticket" on it (the form, as filled in)
  react :ticket: m1                        add the filing emoji to it
And, playing the other people and systems:
  as @bob  (or: as U2)                     act as another user; `as` alone lists them
  jira KAN-1 done                          move the issue in Jira, as a Jira user would
  help, quit"""

STARTING: Final = "(starting the emulators and the bot…)"
READY: Final = "(connected: you are {user} in #{channel}; approvers: {approvers})"
BOT_LOG: Final = "(the bot's log: {path})"
WAITING_FOR_MODEL: Final = "(waiting for the classifier; the first ticket loads the model…)"
NOTHING_SEEN: Final = "(no answer from the bot after {seconds:.0f} s)"
BOT_DIED: Final = "The bot stopped (exit code {code}). The end of its log:\n{log}"
BOT_NEVER_CONNECTED: Final = "The bot never connected to the emulated Slack. Its log:\n{log}"

USER_SWITCHED: Final = "(you are now {user})"
USER_LINE: Final = "  {mark} @{name:<8} {id:<4} {real_name}{role}"
USER_ROLE_APPROVER: Final = "  (approver)"
UNKNOWN_USER: Final = "(no user {ref} here; `as` alone lists them)"

FORM_OPENED: Final = "(form: {title}; answer each field, empty to skip an optional one)"
FORM_OPTIONS: Final = "   choose one of: {options}"
FORM_ERRORS: Final = "(the form says: {errors})"
FORM_GAVE_UP: Final = "(form cancelled)"
FORM_NOT_OPENED: Final = "(no form opened)"

NO_MESSAGE_FOR: Final = "(no ticket message for {key} in the channel)"
NO_BUTTON: Final = "(the message for {key} has no {button} button any more)"
JIRA_USAGE: Final = "usage: jira KAN-1 <status>; statuses: {statuses}"
JIRA_NO_ISSUE: Final = "(Jira has no issue {key})"
UNKNOWN_COMMAND: Final = "(the bot only answers /ticket and /ticket_status; {command} is not one)"
NOT_A_COMMAND: Final = (
    "(in Slack that would be a plain message; the bot does not read those. Type `help`.)"
)
SAY_USAGE: Final = "usage: say <text>: a plain message in the channel, to file later"
SAID: Final = "(posted as {ref})"
NO_SUCH_MESSAGE: Final = "(no message {ref}: `say` one first; they are m1, m2, …)"
REACT_USAGE: Final = "usage: react :ticket: m1 (an emoji, then a message said with `say`)"
ALREADY_REACTED: Final = "(you already reacted with that emoji there)"
SHORTCUT_FORM: Final = "(form: filled in from the message, submitted as is: {summary})"
SCRIPT_ENDED_IN_FORM: Final = "(the script ended while the form was open)"
BYE: Final = "(stopping the bot…)"
