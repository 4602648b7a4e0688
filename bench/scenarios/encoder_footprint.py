"""What the encoder costs the bot: RSS per component, and the memory path's latency per ticket.

    .venv/bin/python -m bench.scenarios.encoder_footprint --data DIR [--examples 2000] \
        [--tickets 200] [--no-encoder] [--as-shipped] [--scikit-learn] \
        [--cache build/encoder-cache]

In one process, as the bot composes them (``bot.services``): the default local model
(``LLM_BACKENDS=llama``) loaded and asked once, then the memory with ``--examples`` confirmed
examples (github_issues then apache_jira rows, read in place from ``--data DIR`` or
``$TICKETBOT_BENCH_DATA``), with the sentence encoder unless ``--no-encoder``. The examples'
vectors come from ``bench.scenarios.encoder_views``'s cache when it has them (as the bot reads
them from the database: stored at import), else they are encoded here. RSS (VmRSS) is read
after each step and again after a few idle seconds; then ``--tickets`` further rows are
classified by the memory alone (no model: the memory path), timing each.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import gc
import json
import time
from pathlib import Path

import numpy as np

from bench.paths import DataMissing, data_dir
from bot.classify.chain import ClassifierChain
from bot.classify.registry import build_chain
from bot.learn.classifier import MemoryClassifier
from bot.learn.memory import Memory
from bot.learn.views import ENCODER_VIEW, encoder_view
from bot.settings import Settings

FILES = ("github_issues.dev.csv", "apache_jira.dev.csv")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def rows(data: Path) -> list[tuple[str, str, str, int]]:
    out = []
    for name in FILES:
        with (data / name).open(newline="", encoding="utf-8") as handle:
            out += [(r["text"], r["label"], name, i) for i, r in enumerate(csv.DictReader(handle))]
    order = np.random.default_rng(0).permutation(len(out))
    return [out[i] for i in order]


def cached(cache: Path, picked: list[tuple[str, str, str, int]], tokens: int) -> np.ndarray | None:
    tables = {}
    for name in FILES:
        file = cache / f"{name}.{tokens}.npy"
        if not file.exists():
            return None
        tables[name] = np.load(file)
    return np.vstack([tables[name][i] for _, _, name, i in picked]).astype(np.float32)


async def measure(args: argparse.Namespace) -> dict[str, object]:
    settings = Settings()
    settings = settings.model_copy(update={
        "encoder": settings.encoder.model_copy(update={"requantize": not args.as_shipped}),
        "classifier": settings.classifier.model_copy(
            update={"memory_lean": not args.scikit_learn})})
    steps: dict[str, float] = {"python + bot imported": rss_mb()}
    chain = build_chain(settings.classifier)
    chain.start()
    await chain.classify("The app crashes when I open settings")
    steps["+ local model loaded, one ticket"] = rss_mb()
    view = None if args.no_encoder else encoder_view(settings.encoder)
    if view is not None:
        view.warm_up()
        steps["+ encoder loaded"] = rss_mb()
    data = rows(data_dir(args.data, list(FILES)))
    warm, stream = data[:args.examples], data[args.examples:args.examples + args.tickets]
    dense = None
    if view is not None:
        dense = cached(args.cache, warm, settings.encoder.max_tokens)
        dense = dense if dense is not None else view.encode([t for t, _, _, _ in warm])
    memory = Memory(views=[view] if view else [], lean=settings.classifier.memory_lean)
    memory.add([(t, label) for t, label, _, _ in warm],  # type: ignore[misc]
               dense={ENCODER_VIEW: dense} if dense is not None else None)
    del dense
    gc.collect()
    steps[f"+ memory of {args.examples} examples"] = rss_mb()
    bare = ClassifierChain([], default_label="Task", timeout_s=1.0)
    classifier = MemoryClassifier(bare, memory=memory)
    latencies = []
    for text, _, _, _ in stream:
        started = time.perf_counter()
        await classifier.classify(text)
        latencies.append((time.perf_counter() - started) * 1000)
    await asyncio.sleep(args.idle_s)
    gc.collect()
    steps["idle after the tickets"] = rss_mb()
    await chain.aclose()
    return {"encoder": None if view is None else view.encoder_id, "rss_mb": steps,
            "memory_path_ms": {"p50": float(np.percentile(latencies, 50)),
                               "p95": float(np.percentile(latencies, 95)),
                               "tickets": len(latencies)}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path)
    parser.add_argument("--examples", type=int, default=2000)
    parser.add_argument("--tickets", type=int, default=200)
    parser.add_argument("--no-encoder", action="store_true")
    parser.add_argument("--as-shipped", action="store_true",
                        help="the packaged encoder as shipped (encoder.requantize: false)")
    parser.add_argument("--scikit-learn", action="store_true",
                        help="scikit-learn's hashing and head (classifier.memory_lean: false)")
    parser.add_argument("--idle-s", type=float, default=5.0)
    parser.add_argument("--cache", type=Path, default=Path("build/encoder-cache"))
    args = parser.parse_args()
    try:
        report = asyncio.run(measure(args))
    except DataMissing as exc:
        raise SystemExit(str(exc)) from exc
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
