"""Duplicate hints: a near copy of an open ticket is found; the vector cache stays bounded."""

from __future__ import annotations

from bot.db.examples import OpenTicket
from bot.learn.duplicates import DuplicateFinder
from bot.learn.memory import Memory


class OpenTickets:
    """The part of ``ExampleStore`` the finder reads: the most recent open tickets."""

    def __init__(self) -> None:
        self.tickets: list[OpenTicket] = []

    async def open_tickets(
        self, channel_id: str, exclude_id: int | None, limit: int = 500
    ) -> list[OpenTicket]:
        return [t for t in self.tickets if t.id != exclude_id][-limit:]


async def test_near_copy_found_and_cache_holds_only_current_candidates() -> None:
    memory = Memory()
    memory.add([("Printer on floor 3 is jammed again", "Incident")])
    store = OpenTickets()
    finder = DuplicateFinder(store, memory)  # type: ignore[arg-type]
    for i in range(1, 31):
        store.tickets = [OpenTicket(n, f"Request number {n} about topic {n * 7}", f"KAN-{n}",
                                    None) for n in range(max(1, i - 9), i + 1)]
        assert await finder.find("A completely unrelated sentence about lunch", None, "C1") is None
        assert len(finder._vectors) <= 10
    store.tickets.append(OpenTicket(99, "VPN drops every ten minutes on office wifi", "KAN-99",
                                    None))
    found = await finder.find("VPN drops every ten minutes on the office wifi", None, "C1")
    assert found is not None and found.jira_key == "KAN-99"
