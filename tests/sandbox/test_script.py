"""`ticketbot sandbox --script`: a whole session against the real bot, as a transcript."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

from sandbox.commands import run_sandbox
from sandbox.terminal import ScriptTerminal
from tests.conftest import PROJECT_ROOT

SESSION_TIMEOUT_S = 120
SCRIPT = """
# alice files a ticket and looks it up
/ticket The checkout page crashes with an error 500
/ticket_status KAN-1
# alice and carol are not approvers; bob is
approve KAN-1
as @carol
reject KAN-1
as U2
approve KAN-1
approve KAN-1
# someone closes the issue in Jira; Slack sees it
jira KAN-1 done
/ticket_status KAN-1
# the form, field by field
as alice
/ticket
New laptop for Dana
Starts Monday, needs a 16GB MacBook.
task
/ticket_status
hello bot
/giphy cats
help
quit
/ticket never typed: the session has ended
"""
Sections = dict[str, list[list[str]]]


def by_command(transcript: list[str]) -> Sections:
    """Each command typed (`@user> command`) with the lines printed after it, in order."""
    sections: Sections = {}
    current: list[str] = []
    for line in transcript:
        prompt = re.match(r"^@\w+> (.*)$", line)
        if prompt:
            current = []
            sections.setdefault(prompt.group(1), []).append(current)
        else:
            current.append(line)
    return sections


async def run(script: str, env: dict[str, str]) -> tuple[int, list[str]]:
    lines: list[str] = []
    terminal = ScriptTerminal(script.splitlines(), lines.append)
    code = await asyncio.wait_for(run_sandbox(terminal, environ=env), SESSION_TIMEOUT_S)
    return code, lines


async def test_a_scripted_session_files_decides_and_follows_jira(user_env: dict[str, str]) -> None:
    code, lines = await run(SCRIPT, user_env)
    text = "\n".join(lines)
    assert code == 0, text
    assert "Traceback" not in text
    say = by_command(lines)

    [filed] = say["/ticket The checkout page crashes with an error 500"]
    assert filed[0] == "[only you] Filing your ticket…"
    assert "[jira] KAN-1 [Bug] To Do — The checkout page crashes with an error 500" in filed
    link = r"KAN-1 \(http://127\.0\.0\.1:\d+/browse/KAN-1\)  The checkout page crashes"
    assert any(re.fullmatch(rf"    {link}.*", line) for line in filed), filed
    assert "[#general] ticketbot:" in filed
    assert "    [Approve] [Reject]" in filed
    assert any(
        "Requested by @alice  |  Bug · 70% confident · decided by openai" in x for x in filed
    )

    [status, done_status] = say["/ticket_status KAN-1"]
    assert any("Status: To Do   Assignee: Unassigned" in line for line in status)
    assert any("Status: Done" in line for line in done_status)

    refused_alice, approved, again = say["approve KAN-1"]
    assert refused_alice == [
        "[only you] Only the configured approvers can approve or reject tickets."
    ]
    assert say["reject KAN-1"] == [
        ["[only you] Only the configured approvers can approve or reject tickets."]
    ]
    assert "[#general] ticketbot (edited):" in approved
    assert not any("[Approve]" in line for line in approved)
    assert any(re.match(r"^      ✅ Approved by @bob on \d{4}-\d\d-\d\d", x) for x in approved)
    thread = "[#general, in thread] ticketbot: @alice, your ticket KAN-1 was approved by @bob."
    assert thread in approved
    assert approved[-1].startswith("[jira] KAN-1 [Bug] To Do") and approved[-1].endswith(
        "(1 comment)"
    )
    assert again == ["(the message for KAN-1 has no Approve button any more)"]

    assert say["as @carol"][0][0] == "(you are now @carol (U3))"
    assert "  * @bob      U2   Bob Baker  (approver)" in say["as U2"][0]
    assert say["jira KAN-1 done"] == [
        ["[jira] KAN-1 [Bug] Done — The checkout page crashes with an error 500 (1 comment)"]
    ]

    [form] = say["/ticket"]
    assert form[0].startswith("(form: New ticket;")
    assert "[jira] KAN-2 [Task] To Do — New laptop for Dana" in form
    assert "  Summary: New laptop for Dana" in lines and "  Type (optional): task" in lines

    [recent] = say["/ticket_status"]
    assert any("KAN-2 (" in line and "New laptop for Dana — To Do" in line for line in recent)
    assert any("KAN-1 (" in line and "— Done" in line for line in recent)

    assert say["hello bot"] == [
        ["(in Slack that would be a plain message; the bot does not read those. Type `help`.)"]
    ]
    assert "is not one" in say["/giphy cats"][0][0]
    assert any("approve KAN-1 / reject KAN-1" in line for line in say["help"][0])
    assert "/ticket never typed: the session has ended" not in say
    assert say["quit"] == [["(stopping the bot…)"]]


async def test_the_command_line_runs_a_script_file(
    user_env: dict[str, str], tmp_path: Path
) -> None:
    script = tmp_path / "session.txt"
    script.write_text("/ticket Please add dark mode to the portal\nquit\n", encoding="utf-8")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "sandbox",
        "--script",
        str(script),
        env=user_env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), SESSION_TIMEOUT_S)
    transcript = out.decode()
    assert process.returncode == 0, transcript + err.decode()
    assert "@alice> /ticket Please add dark mode to the portal" in transcript
    assert "[jira] KAN-1 [Story] To Do — Please add dark mode to the portal" in transcript
    assert "[Approve] [Reject]" in transcript
    assert str(PROJECT_ROOT) not in err.decode()
