"""``ticketbot classify`` and ``ticketbot eval``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from bot.classify.chain import ClassifierChain
from bot.classify.evaluation import evaluate, format_summary, read_labelled_csv
from bot.classify.registry import REGISTRY, build_chain
from bot.classify.types import Classification
from bot.cli.learn import learn_options, run_learning_eval
from bot.errors import ConfigError
from bot.settings import Settings
from bot.settings_loader import load_settings

ChainFactory = Callable[[Settings, list[str] | None], ClassifierChain]


def _default_factory(settings: Settings, backends: list[str] | None) -> ClassifierChain:
    return build_chain(settings.classifier, backends=backends)


chain_factory: ChainFactory = _default_factory
"""How the commands build their chain; tests replace it."""


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(2) from None


def _backends(value: str | None) -> list[str] | None:
    if not value:
        return None
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in REGISTRY]
    if unknown:
        raise click.BadParameter(f"unknown backend {unknown[0]!r}; choose from "
                                 f"{', '.join(REGISTRY)}", param_hint="--backends")
    return names


def _chain(backends: str | None) -> ClassifierChain:
    settings = _settings()
    try:
        return chain_factory(settings, _backends(backends))
    except ConfigError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(2) from None


def _line(result: Classification, text: str) -> str:
    flag = "  needs triage" if result.needs_triage else ""
    preview = " ".join(text.split())[:60]
    return (f"{result.label:<16}{result.confidence:>6.2f}  {result.backend:<8}"
            f"{result.latency_ms:>8.0f} ms  {preview}{flag}")


def _as_dict(result: Classification, text: str) -> dict[str, Any]:
    return {"text": text, "label": result.label, "confidence": result.confidence,
            "backend": result.backend, "latency_ms": result.latency_ms,
            "probabilities": dict(result.probabilities), "needs_triage": result.needs_triage}


async def _classify_all(chain: ClassifierChain, texts: list[str]) -> list[Classification]:
    try:
        return [await chain.classify(text) for text in texts]
    finally:
        await chain.aclose()


@click.command("classify")
@click.argument("text", required=False)
@click.option("--file", "file_", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Classify each non-empty line of this file.")
@click.option("--backends", help="Comma-separated backends, overriding LLM_BACKENDS.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def classify_command(text: str | None, file_: Path | None, backends: str | None,
                     as_json: bool) -> None:
    """Label TEXT (or every line of --file) and print label, confidence, backend, latency."""
    if (text is None) == (file_ is None):
        raise click.UsageError("give either TEXT or --file")
    texts = [text] if text is not None else _lines(file_)
    chain = _chain(backends)
    for result, item in zip(asyncio.run(_classify_all(chain, texts)), texts, strict=True):
        click.echo(json.dumps(_as_dict(result, item)) if as_json else _line(result, item))


def _lines(path: Path | None) -> list[str]:
    assert path is not None
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


async def _evaluate(chain: ClassifierChain, rows: list[Any]) -> dict[str, Any]:
    try:
        return (await evaluate(chain, rows)).summary()
    finally:
        await chain.aclose()


@click.command("eval")
@click.argument("csv_path", metavar="CSV",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--backends", help="Comma-separated backends, overriding LLM_BACKENDS.")
@click.option("--limit", type=click.IntRange(min=1), help="Only the first N rows.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@learn_options
def eval_command(csv_path: Path, backends: str | None, limit: int | None, as_json: bool,
                 **learn: Any) -> None:
    """Score the classifier on a labelled CSV (header text,label); --learn streams it."""
    if learn["learn"]:
        run_learning_eval(csv_path, limit, as_json, lambda: _chain(backends), learn)
        return
    rows = read_labelled_csv(csv_path, limit)
    if not rows:
        raise click.UsageError(f"{csv_path} has no labelled rows")
    summary = asyncio.run(_evaluate(_chain(backends), rows))
    click.echo(json.dumps(summary, indent=2) if as_json else format_summary(summary))
