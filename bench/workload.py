"""What the benchmark sends: numbered ticket texts, spread over channels and people."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence

from emulators.slack import Channel, SlackEmulator

TEXTS = (
    "The VPN drops every 10 minutes since this morning",
    "Please add dark mode to the customer portal",
    "How do I reset my password for the HR system?",
    "Production checkout is down for all users",
    "The invoice export crashes with an error 500",
    "New laptop needed for the designer starting Monday",
    "Printer on floor 3 is broken again",
    "Would be nice to have Slack alerts for failed backups",
    "Cannot log in to the wiki after the SSO change",
    "Rotate the TLS certificate on the staging load balancer",
)
USERS = ("U1", "U2", "U3")
_MARKER = re.compile(r"\[b(\d{5})\]")


def channels(count: int = 20) -> list[Channel]:
    """Public channels the bot is in: #bench-01 … #bench-20."""
    return [Channel(f"CB{i:02d}", f"bench-{i:02d}", "public", bot_is_member=True)
            for i in range(1, count + 1)]


def text(number: int) -> str:
    """Ticket ``number``'s text; it starts with a marker that survives into Jira and Slack."""
    return f"[b{number:05d}] {TEXTS[number % len(TEXTS)]}"


def numbers_in(content: str) -> list[int]:
    """Ticket numbers whose marker appears in ``content``."""
    return [int(found) for found in _MARKER.findall(content)]


async def burst(slack: SlackEmulator, numbers: Sequence[int],
                where: Sequence[Channel]) -> dict[int, str]:
    """Send one `/ticket` per number at once, round-robin over channels; number → envelope."""
    envelopes = await asyncio.gather(*(
        slack.slash_command("/ticket", text(n), user=USERS[n % len(USERS)],
                            channel=where[n % len(where)].id)
        for n in numbers))
    return dict(zip(numbers, envelopes, strict=True))
