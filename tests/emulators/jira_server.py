"""Jira emulator entry point for the tests; the emulator lives in `bot.sandbox.jira`.

    from tests.emulators.jira_server import JiraEmulator

Standalone: `python -m tests.emulators.jira_server --port 8089 [--server]`.
"""

from __future__ import annotations

from bot.sandbox.jira import (
    ADF_NODES,
    CATEGORY,
    DEFAULT_EMAIL,
    DEFAULT_PAT,
    DEFAULT_STATUSES,
    DEFAULT_TOKEN,
    MAX_LABEL,
    MAX_SUMMARY,
    MAX_TEXT,
    SERVICE_ACCOUNT_ID,
    Clause,
    Fault,
    JiraEmulator,
    JiraHTTPError,
    JqlParser,
    RecordedRequest,
    adf_from_text,
    adf_problem,
    adf_to_text,
    jira_time,
    tokenize,
    utf16_len,
)
from bot.sandbox.jira.standalone import main

__all__ = [
    "ADF_NODES",
    "CATEGORY",
    "DEFAULT_EMAIL",
    "DEFAULT_PAT",
    "DEFAULT_STATUSES",
    "DEFAULT_TOKEN",
    "MAX_LABEL",
    "MAX_SUMMARY",
    "MAX_TEXT",
    "SERVICE_ACCOUNT_ID",
    "Clause",
    "Fault",
    "JiraEmulator",
    "JiraHTTPError",
    "JqlParser",
    "RecordedRequest",
    "adf_from_text",
    "adf_problem",
    "adf_to_text",
    "jira_time",
    "main",
    "tokenize",
    "utf16_len",
]

if __name__ == "__main__":
    main()
