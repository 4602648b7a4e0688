"""`ticketbot sandbox`: the real bot against emulated Slack and Jira, in a terminal.

The emulators (`bot.sandbox.slack`, `bot.sandbox.jira`) are also what the tests run against.
"""
