"""``ticketbot eval CSV --learn``: the stream, its windows, warm-up, and the unmarked subset."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.classify.chain import ClassifierChain
from bot.cli import classify as commands
from bot.settings import Settings
from tests.classify.conftest import ScriptedBackend
from tests.learn.test_classifier import separable_history


def write(tmp_path: Path, rows: list[tuple[str, str]]) -> tuple[Path, Path]:
    data, meta = tmp_path / "data.csv", tmp_path / "data.meta.csv"
    with data.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([("text", "label"), *rows])
    with meta.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(
            [("row", "title_type_marker", "body_template_marker")]
            + [(i, int(i % 4 == 0), 0) for i in range(len(rows))])
    return data, meta


def run(*args: str) -> dict:  # type: ignore[type-arg]
    result = CliRunner().invoke(commands.eval_command, [*args, "--json"],
                                env={"TICKETBOT_CONFIG": ""}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.fixture
def always_task(monkeypatch: pytest.MonkeyPatch) -> None:
    def factory(settings: Settings, backends: list[str] | None) -> ClassifierChain:
        return ClassifierChain([ScriptedBackend("llama", ["Task"] * 1000)],
                               default_label="Task", timeout_s=5)
    monkeypatch.setattr(commands, "chain_factory", factory)


def test_memory_alone_learns_as_the_stream_goes(tmp_path: Path) -> None:
    history = separable_history()
    data, meta = write(tmp_path, history)
    report = run(str(data), "--learn", "--no-model", "--span", "20:72", "--unmarked", str(meta))
    assert report["overall"]["tickets"] == len(history) == 72
    assert list(report["windows"]) == ["0-72"]
    assert report["span"]["20-72"]["macro_f1"] > report["overall"]["macro_f1"] * 0.99
    assert report["span"]["20-72"]["macro_f1"] >= 0.9
    assert report["unmarked"]["all"]["tickets"] == 72 - 18  # every fourth row is marked
    assert report["unmarked"]["20-72"]["tickets"] == 52 - 13
    assert report["model_calls"] == 0
    low, high = report["macro_f1_ci"]
    assert low <= report["overall"]["macro_f1"] <= high
    assert report["without_model"] == report["overall"]["from_memory"]
    assert 0.9 < report["coverage"][0]["coverage"] < 1.0  # the first tickets: nothing to ask
    assert sum(report["confusion"]["Bug"].values()) == report["per_label"]["Bug"]["support"]


def test_warm_memory_answers_first_and_the_model_weighs_in(tmp_path: Path,
                                                           always_task: None) -> None:
    history = separable_history()
    data, _ = write(tmp_path, history)
    report = run(str(data), "--learn", "--warm", str(data), "--warm-limit", "60",
                 "--skip", "60", "--calibrate", "30")
    assert report["warm"] == 60 and report["overall"]["tickets"] == 12
    assert report["calibration_pairs"] == 30
    assert report["overall"]["from_memory"] > 0  # near-copies and sure answers skip the model
    assert report["model_calls"] == 30 + round(12 * (1 - report["overall"]["from_memory"]))
    assert report["weights"]["pairs"] == report["model_calls"]  # calibration + stream pairs


def test_unmarked_needs_marker_columns(tmp_path: Path) -> None:
    data, _ = write(tmp_path, separable_history())
    result = CliRunner().invoke(commands.eval_command,
                                [str(data), "--learn", "--no-model", "--unmarked", str(data)],
                                env={"TICKETBOT_CONFIG": ""})
    assert result.exit_code == 2 and "no *_marker columns" in result.output


def test_the_stream_uses_the_configured_memory(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.cli import learn

    made: list[bool] = []

    class Recording(learn.MemoryClassifier):
        def __init__(self, *args, lean: bool = False, **kwargs) -> None:  # type: ignore[no-untyped-def]
            made.append(lean)
            super().__init__(*args, lean=lean, **kwargs)

    monkeypatch.setattr(learn, "MemoryClassifier", Recording)
    config = tmp_path / "config.yml"
    config.write_text("classifier:\n  memory_lean: true\n")
    data, _ = write(tmp_path, separable_history())
    result = CliRunner().invoke(commands.eval_command,
                                [str(data), "--learn", "--no-model", "--no-encoder", "--json"],
                                env={"TICKETBOT_CONFIG": str(config)}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert made == [True]
    assert json.loads(result.stdout)["overall"]["macro_f1"] >= 0.9
