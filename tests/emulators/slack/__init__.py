"""A Slack emulator (Web API, Socket Mode, response_url) for end-to-end tests.

Import it as `from tests.emulators.slack_server import SlackEmulator`.
"""
