"""``ticketbot classify`` and ``ticketbot eval`` through click's CliRunner."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.classify.chain import ClassifierChain
from bot.cli import classify as commands
from bot.errors import BackendUnavailable
from bot.settings import Settings
from tests.classify.conftest import MODEL_PATH, ScriptedBackend

ENV = {"TICKETBOT_CONFIG": "", "LLM_BACKENDS": "llama", "GGUF_MODEL_PATH": str(MODEL_PATH)}


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[list[str] | None]]:
    """Replace the chain with a scripted backend that always says Bug; record --backends."""
    asked: list[list[str] | None] = []

    def factory(settings: Settings, backends: list[str] | None) -> ClassifierChain:
        asked.append(backends)
        return ClassifierChain([ScriptedBackend("llama", ["Bug"])], default_label="Task",
                               timeout_s=5)

    monkeypatch.setattr(commands, "chain_factory", factory)
    yield asked


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(
        commands.eval_command if args[0] == "eval" else commands.classify_command,
        list(args[1:]), env={**ENV, **(env or {})}, catch_exceptions=False)
    return result.exit_code, result.output


def test_classify_text(scripted: list[list[str] | None]) -> None:
    code, out = _run("classify", "the app crashes")
    assert code == 0
    assert out.split()[:3] == ["Bug", "0.90", "llama"] and "ms" in out


def test_classify_file_json(scripted: list[list[str] | None], tmp_path: Path) -> None:
    path = tmp_path / "tickets.txt"
    path.write_text("one\n\ntwo\n")
    code, out = _run("classify", "--file", str(path), "--json", "--backends", "llama,openai")
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [x["text"] for x in lines] == ["one", "two"]
    assert lines[0]["label"] == "Bug" and scripted == [["llama", "openai"]]


def test_classify_needs_text_or_file() -> None:
    code, out = _run("classify")
    assert code == 2 and "TEXT or --file" in out


def test_bad_setting_is_one_line_exit_2() -> None:
    code, out = _run("classify", "x", env={"LLM_BACKENDS": "gpt9"})
    assert code == 2
    assert out.strip().count("\n") == 0 and "LLM_BACKENDS" in out


def test_unknown_backend_option() -> None:
    code, out = _run("classify", "x", "--backends", "nope")
    assert code == 2 and "unknown backend" in out


def _csv(tmp_path: Path) -> Path:
    path = tmp_path / "data.csv"
    path.write_text('text,label\n"crash\non save",Bug\nhow do I log in,Question\n'
                    "x,NotALabel\nadd export,Feature Request\n")
    return path


def test_eval_report(scripted: list[list[str] | None], tmp_path: Path) -> None:
    code, out = _run("eval", str(_csv(tmp_path)))
    assert code == 0
    assert "tickets 3  accuracy 0.333" in out
    assert "model calls 3" in out and "confusion" in out
    assert "p50" in out and "p95" in out
    assert "macro-F1 95 % interval" in out and "abstain threshold" in out


def test_eval_json_and_limit(scripted: list[list[str] | None], tmp_path: Path) -> None:
    code, out = _run("eval", str(_csv(tmp_path)), "--limit", "2", "--json")
    summary = json.loads(out)
    assert code == 0 and summary["tickets"] == 2
    assert summary["labels_present"] == ["Bug", "Question"]
    assert summary["confusion"]["Question"]["Bug"] == 1
    assert set(summary["confusion"]) == {"Task", "Bug", "Incident", "Feature Request", "Question"}


def test_eval_counts_fallbacks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def factory(settings: Settings, backends: list[str] | None) -> ClassifierChain:
        down = ScriptedBackend("openai", [BackendUnavailable("down")])
        return ClassifierChain([down], default_label="Task", timeout_s=5,
                               sleep=_no_sleep)

    monkeypatch.setattr(commands, "chain_factory", factory)
    code, out = _run("eval", str(_csv(tmp_path)), "--json")
    summary = json.loads(out)
    assert code == 0
    assert summary["fallbacks"] == 3 and summary["model_calls"] == 9


async def _no_sleep(seconds: float) -> None:
    return None


def test_classify_with_the_real_model() -> None:
    if not MODEL_PATH.exists():
        pytest.skip("model not present")
    code, out = _run("classify", "The VPN is down for everyone", "--json")
    result = json.loads(out)
    assert code == 0 and result["backend"] == "llama"
    assert abs(sum(result["probabilities"].values()) - 1) < 1e-6
