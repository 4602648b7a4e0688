"""The sandbox's messages (issue 17): `say`, `shortcut m1`, `react :ticket: m1`, against the
real bot."""

from __future__ import annotations

from tests.sandbox.test_script import by_command, run

SCRIPT = """
say the printer on floor 3 is on fire
shortcut m1
as @bob
say the wifi in room 2 keeps dropping
react :ticket: m2
as @carol
react :ticket: m2
react :eyes: m1
shortcut m9
say
quit
"""


async def test_messages_are_filed_by_shortcut_and_by_emoji(user_env: dict[str, str]) -> None:
    code, lines = await run(SCRIPT, user_env)
    text = "\n".join(lines)
    assert code == 0, text
    assert "Traceback" not in text
    say = by_command(lines)
    [posted] = say["say the printer on floor 3 is on fire"]
    assert posted == ["(posted as m1)", "[#general] alice: the printer on floor 3 is on fire"]
    [shortcut] = say["shortcut m1"]
    assert shortcut[0] == "(form: filled in from the message, submitted as is: " \
        "the printer on floor 3 is on fire)"
    assert any(line.startswith("[#general, in thread] ticketbot:") for line in shortcut)
    assert any("Filed as KAN-1" in line for line in shortcut), shortcut
    [emoji, again] = say["react :ticket: m2"]
    assert any("Filed as KAN-2" in line for line in emoji), emoji
    assert any("already filed as KAN-2" in line for line in again), again
    assert say["react :eyes: m1"] == [[]]  # not the bot's emoji: nothing happens
    assert say["shortcut m9"] == [["(no message m9: `say` one first; they are m1, m2, …)"]]
    assert say["say"][0][0].startswith("usage: say")
