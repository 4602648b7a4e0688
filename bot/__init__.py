"""ticketbot: turns requests typed in Slack into triaged Jira issues."""

__version__ = "0.1.0"
