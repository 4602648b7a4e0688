"""The services the bot talks to, emulated over real HTTP and WebSocket, faults included.

- ``emulators.slack``: Slack's Web API, Socket Mode and response URLs (`python -m emulators.slack`);
- ``emulators.jira``: Jira Cloud or Server REST (`python -m emulators.jira`);
- ``emulators.openai``: an OpenAI-compatible chat completions server;
- ``emulators.kobold``: KoboldCpp's native API;
- ``emulators.stack``: the one launcher that starts them and `python app.py` against them.

The tests, the benchmark (`bench/`) and the terminal sandbox (`sandbox/`) all use them; the
product (`bot/`) never imports them.
"""
