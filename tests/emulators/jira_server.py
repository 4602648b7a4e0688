"""Jira emulator entry point for the tests; the emulator lives in `bot.sandbox.jira`.

    from tests.emulators.jira_server import JiraEmulator

Standalone: `python -m tests.emulators.jira_server --port 8089 [--server]`.
"""

from __future__ import annotations

from bot.sandbox.jira import *  # noqa: F403 - the package's __all__ is this module's API
from bot.sandbox.jira.standalone import main

if __name__ == "__main__":
    main()
