"""`as @bob` and `jira KAN-1 done`: finding people and statuses, moving issues."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from emulators.jira import JiraEmulator
from emulators.slack import default_users
from sandbox.roles import find_status, find_user, jira_command, people_lines

PEOPLE = [u for u in default_users() if not u.is_bot]


@pytest.mark.parametrize("ref", ["U2", "u2", "bob", "@Bob", "<@U2>"])
def test_users_are_found_by_id_or_name(ref: str) -> None:
    user = find_user(PEOPLE, ref)
    assert user is not None and user.id == "U2"


def test_unknown_users_are_none() -> None:
    assert find_user(PEOPLE, "@dave") is None
    assert find_user(PEOPLE, "") is None


def test_people_lines_star_the_current_user_and_mark_approvers() -> None:
    lines = people_lines(PEOPLE, "U3", ["U2"])
    assert lines == [
        "    @alice    U1   Alice Able",
        "    @bob      U2   Bob Baker  (approver)",
        "  * @carol    U3   Carol Clark",
    ]


def test_statuses_match_loosely() -> None:
    statuses = ["To Do", "In Progress", "Done", "Won't Do"]
    assert find_status(statuses, "done") == "Done"
    assert find_status(statuses, "todo") == "To Do"
    assert find_status(statuses, "wont do") == "Won't Do"
    assert find_status(statuses, "closed") is None


@pytest.fixture
async def jira() -> AsyncIterator[JiraEmulator]:
    async with JiraEmulator() as emulator:
        emulator.issues["KAN-1"] = {
            "id": "10001",
            "summary": "VPN drops",
            "issuetype": "Bug",
            "status": "To Do",
            "comments": [],
        }
        yield emulator


async def test_jira_command_moves_shows_and_complains(jira: JiraEmulator) -> None:
    assert jira_command(jira, "kan-1 in progress") == []
    assert jira.issues["KAN-1"]["status"] == "In Progress"
    assert jira_command(jira, "KAN-1") == ["[jira] KAN-1 [Bug] In Progress — VPN drops"]
    assert jira_command(jira, "") == ["[jira] KAN-1 [Bug] In Progress — VPN drops"]
    assert jira_command(jira, "KAN-9 done") == ["(Jira has no issue KAN-9)"]
    assert jira_command(jira, "KAN-1 closed")[0].startswith("usage: jira KAN-1 <status>")
