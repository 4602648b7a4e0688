"""The evaluation progress line: throttled, with accuracy so far and time left."""

from __future__ import annotations

import io

from bot.classify.progress import Progress


def test_progress_line_reports_count_accuracy_and_time_left() -> None:
    stream = io.StringIO()
    progress = Progress(4, "eval", stream=stream, interval_s=0.0)
    for correct in (True, False, True, True):
        progress.tick(correct)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3  # none after the last ticket: the report follows
    assert lines[-1].startswith("eval: 3/4 tickets, accuracy so far 0.667, ")
    assert lines[-1].endswith(" left")


def test_progress_is_quiet_between_intervals() -> None:
    stream = io.StringIO()
    progress = Progress(100, stream=stream, interval_s=3600.0)
    for _ in range(50):
        progress.tick(True)
    assert stream.getvalue() == ""
    assert progress.line().startswith("eval: 50/100 tickets, accuracy so far 1.000")
