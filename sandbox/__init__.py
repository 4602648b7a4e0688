"""`ticketbot sandbox`: the real bot against emulated Slack and Jira, in a terminal.

`make run` lands here when no Slack token is configured (`python -m sandbox.launch`). The bot is
started with the launcher the tests and the benchmark use (`emulators.stack`).
"""
