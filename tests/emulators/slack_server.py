"""Slack emulator entry point for the tests; the emulator lives in `bot.sandbox.slack`.

    from tests.emulators.slack_server import SlackEmulator

Standalone: `python -m tests.emulators.slack_server --port 8765` (or `python -m bot.sandbox.slack`).
"""

from __future__ import annotations

from bot.sandbox.slack import *  # noqa: F403 - the package's __all__ is this module's API
from bot.sandbox.slack.standalone import main

if __name__ == "__main__":
    main()
