"""`python -m bench`: run the scenarios, print one table, write the results outside the tree.

    python -m bench                      # everything (about 10 minutes on 2 cores)
    python -m bench --quick              # a short smoke run (figures not for publishing)
    python -m bench --only ack,footprint # some scenarios: ack, throughput, classify, footprint
    python -m bench --data DIR           # the classification data (or $TICKETBOT_BENCH_DATA)

A full run writes results.json to $TICKETBOT_BENCH_OUT, else to ticketbot-bench/ in the system
temp dir; --out FILE writes it elsewhere (a quick run writes it only then).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bench.machine import describe
from bench.options import Options, progress
from bench.paths import DATA_ENV, results_dir
from bench.report import Section, table, write_json
from bench.scenarios import ack_burst, classification, footprint, throughput

Scenario = Callable[[Options], Awaitable[Section]]
SCENARIOS: dict[str, Scenario] = {
    "ack": ack_burst.run,
    "throughput": throughput.run,
    "classify": classification.run,
    "footprint": footprint.run,
}
RESULTS_NAME = "results.json"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(SCENARIOS),
                        help=f"comma-separated scenarios from {', '.join(SCENARIOS)}")
    parser.add_argument("--quick", action="store_true", help="short smoke run")
    parser.add_argument("--fresh-classify", action="store_true",
                        help="re-run the classification benchmark even if its JSON exists")
    parser.add_argument("--data", type=Path, default=None,
                        help=f"folder with the labelled CSVs (default: ${DATA_ENV})")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"JSON output (default {RESULTS_NAME} in $TICKETBOT_BENCH_OUT or "
                             "the temp dir; quick runs: none)")
    args = parser.parse_args(argv)
    unknown = set(args.only.split(",")) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    return args


async def run_all(names: list[str], options: Options) -> list[Section]:
    sections = []
    for name in names:
        started = time.monotonic()
        section = await SCENARIOS[name](options)
        section.seconds = time.monotonic() - started
        progress(f"{name} done in {section.seconds:.0f} s")
        sections.append(section)
    return sections


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    names = [name for name in SCENARIOS if name in args.only.split(",")]
    machine = describe()
    results = results_dir()
    scratch = Path(tempfile.mkdtemp(prefix="ticketbot-bench-"))
    started = time.monotonic()
    try:
        options = Options(quick=args.quick, scratch=scratch, results=results,
                          fresh_classify=args.fresh_classify, data=args.data)
        sections = asyncio.run(run_all(names, options))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    seconds = time.monotonic() - started
    print(table(sections, machine))
    print(f"total {seconds:.0f} s" + ("  (quick run: smoke figures only)" if args.quick else ""))
    out = args.out or (None if args.quick else results / RESULTS_NAME)
    if out is not None:
        write_json(out, sections, machine, argv, seconds)
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
