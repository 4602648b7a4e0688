"""`ticketbot doctor` against the emulators: one table row per check, exit 1 on any failure."""

from __future__ import annotations

from pathlib import Path

from emulators.jira import JiraEmulator
from emulators.openai import OpenAIEmulator
from emulators.slack import SlackEmulator
from tests.e2e.harness import run_cli


async def doctor(env: dict[str, str], cwd: Path) -> tuple[int, str]:
    return await run_cli(env, cwd, "doctor")


def rows(output: str) -> dict[str, str]:
    found = {}
    for line in output.splitlines():
        status, _, rest = line.partition("  ")
        if status.strip() in ("ok", "WARN", "FAIL"):
            found[rest.strip()] = status.strip()
    return found


async def test_all_green_against_the_emulators(
    bot_env: dict[str, str],
    slack: SlackEmulator,
    jira: JiraEmulator,
    llm: OpenAIEmulator,
    tmp_path: Path,
) -> None:
    code, output = await doctor({**bot_env, "LOG_LEVEL": "ERROR"}, tmp_path)
    assert "FAIL" not in output, output
    assert code == 0
    for name in ("settings", "slack bot token", "slack app token", "openai", "sentence encoder"):
        assert any(name in row for row in rows(output)), output
    assert "Incident" in output  # the mapped type the project lacks is reported
    assert "xoxb-test" not in output and jira.api_token not in output


async def test_wrong_tokens_fail_with_what_to_fix(
    bot_env: dict[str, str],
    slack: SlackEmulator,
    jira: JiraEmulator,
    llm: OpenAIEmulator,
    tmp_path: Path,
) -> None:
    env = {
        **bot_env,
        "SLACK_BOT_TOKEN": "xoxb-wrong",
        "JIRA_API_TOKEN": "wrong-token",
        "OPENAI_API_KEY": "sk-wrong",
        "LOG_LEVEL": "ERROR",
    }
    code, output = await doctor(env, tmp_path)
    assert code == 1
    failed = [name for name, status in rows(output).items() if status == "FAIL"]
    assert any("slack bot token" in name for name in failed), output
    assert any("jira" in name.lower() for name in failed), output
    assert "invalid_auth" in output
    assert "xoxb-wrong" not in output and "wrong-token" not in output


async def test_a_world_readable_dotenv_is_a_warning(
    bot_env: dict[str, str],
    slack: SlackEmulator,
    jira: JiraEmulator,
    llm: OpenAIEmulator,
    tmp_path: Path,
) -> None:
    dotenv = tmp_path / ".env"  # the data directory's (TICKETBOT_HOME)
    env = {**bot_env, "LOG_LEVEL": "ERROR"}
    dotenv.write_text(f"JIRA_API_TOKEN={env.pop('JIRA_API_TOKEN')}\n", encoding="utf-8")
    dotenv.chmod(0o644)
    code, output = await doctor(env, tmp_path)
    [status] = [s for name, s in rows(output).items() if name.startswith(".env file mode")]
    assert status == "WARN", output
    assert f"{dotenv} (mode 0644)" in output and f"chmod 600 {dotenv}" in output
    assert code == 0, output  # a warning, not a failure: the token in it still works
    assert jira.api_token not in output
