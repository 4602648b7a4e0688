"""Moved to `bot.sandbox.slack`; kept so `tests.emulators.slack.model` stays importable."""
