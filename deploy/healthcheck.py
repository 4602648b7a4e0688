"""The container's health check (the Dockerfile's HEALTHCHECK): standard library only.

Healthy (exit status 0) means:

- with ``TICKETBOT_HEALTH_URL`` set, for the bot's opt-in health endpoint on 127.0.0.1
  inside the container: that URL answers 2xx within ``TIMEOUT_S``;
- without it: the container's main process (PID 1, ``TICKETBOT_HEALTH_PID`` in tests) is
  ``ticketbot run``, neither a zombie nor stopped. That only says the bot process is there
  (during ``ticketbot init`` and ``db upgrade`` it is not yet); set the URL for a check that
  the bot itself answers.

Anything else is unhealthy (exit status 1), with one line saying why.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

TIMEOUT_S = 5.0


def endpoint_problem(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:  # noqa: S310
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (urllib.error.URLError, OSError) as exc:
        return f"{url}: {exc}"
    return None if 200 <= status < 300 else f"{url}: HTTP {status}"


def process_problem(pid: int) -> str | None:
    proc = Path("/proc", str(pid))
    try:
        argv = proc.joinpath("cmdline").read_bytes().split(b"\0")
        stat = proc.joinpath("stat").read_text()
    except OSError as exc:
        return f"process {pid}: {exc}"
    state = stat.rsplit(")", 1)[-1].split()[0]
    if state in {"Z", "T", "t", "X"}:
        return f"process {pid}: state {state}"
    words = [Path(part.decode(errors="replace")).name for part in argv if part]
    if "ticketbot" not in words or words[-1] != "run":
        return f"process {pid} is not `ticketbot run`: {' '.join(words)}"
    return None


def main() -> int:
    url = os.environ.get("TICKETBOT_HEALTH_URL", "").strip()
    if url:
        problem = endpoint_problem(url)
    else:
        problem = process_problem(int(os.environ.get("TICKETBOT_HEALTH_PID", "1")))
    if problem:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
