"""Jira integration (named ``tracker`` so it never shadows the ``jira`` package).

Use ``Tracker`` for every call; ``check_tracker`` (in ``health``) for ``ticketbot doctor``.
"""

from bot.tracker.client import Tracker
from bot.tracker.keys import normalize_issue_key
from bot.tracker.models import IssueDetails, IssueRef, NewIssue
from bot.tracker.retry import JiraRetry
from bot.tracker.summary import make_summary

__all__ = [
    "IssueDetails",
    "IssueRef",
    "JiraRetry",
    "NewIssue",
    "Tracker",
    "make_summary",
    "normalize_issue_key",
]
