"""`python -m emulators.jira`: the Jira emulator alone, for manual runs."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from .server import JiraEmulator


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the Jira emulator until interrupted.")
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--server", action="store_true", help="Server flavour instead of Cloud")
    parser.add_argument(
        "--projects", type=Path, help="a JSON file of projects, their types and required fields "
        "(see JiraEmulator.configure_projects)",
    )
    args = parser.parse_args()

    async def serve() -> None:
        async with JiraEmulator(
            port=args.port, flavour="server" if args.server else "cloud"
        ) as emu:
            if args.projects is not None:
                emu.configure_projects(json.loads(args.projects.read_text(encoding="utf-8")))
            print(json.dumps(emu.env()), flush=True)
            await asyncio.Event().wait()

    asyncio.run(serve())
