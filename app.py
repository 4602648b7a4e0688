"""Run ticketbot: load settings, configure logging, open the ticket log, connect to Slack.

`ticketbot run` does the same. Exit codes: 0 after a clean shutdown (SIGINT/SIGTERM),
2 when a setting is missing or malformed (one line says which and how to fix it),
1 when a service cannot be reached at start-up or the shutdown overran its deadline,
128 + the signal number when a second SIGINT/SIGTERM cut the shutdown short.
"""

import sys

from bot.runner import main

if __name__ == "__main__":
    sys.exit(main())
