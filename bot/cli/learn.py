"""``ticketbot learn`` (import history) and the ``--learn`` options of ``ticketbot eval``."""

from __future__ import annotations

import asyncio
import csv
import json
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.classify.chain import ClassifierChain
from bot.classify.evaluation import read_labelled_csv
from bot.cli.support import T, fail, run_async, settings_or_exit, with_engine
from bot.db import migrate
from bot.db.engine import session_factory
from bot.db.examples import ExampleStore
from bot.errors import TicketbotError
from bot.labels import LABELS
from bot.learn.classifier import MemoryClassifier
from bot.learn.embeddings import embed_missing
from bot.learn.importer import ImportReport, describe, import_csv, import_jira
from bot.learn.stream import format_stream, run_stream, unmarked_rows
from bot.learn.views import EncoderView, encoder_view
from bot.tracker.client import Tracker

F = TypeVar("F", bound=Callable[..., Any])


def learn_options(command: F) -> F:
    options = [
        click.option("--learn", is_flag=True,
                     help="Stream the file: classify each ticket, then confirm its label."),
        click.option("--warm", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="With --learn: import this labelled CSV into the memory first."),
        click.option("--warm-limit", type=click.IntRange(min=1),
                     help="Only the first N rows of --warm."),
        click.option("--skip", type=click.IntRange(min=0), default=0,
                     help="Start the stream after the first N rows of CSV."),
        click.option("--calibrate", type=click.IntRange(min=0), default=100, show_default=True,
                     help="Held-out memory examples the model scores to weigh model vs memory."),
        click.option("--few-shot", type=click.IntRange(min=0), default=2, show_default=True,
                     help="Similar confirmed tickets given to the model as examples."),
        click.option("--no-model", is_flag=True,
                     help="Memory alone (no backend): what the memory contributes by itself."),
        click.option("--no-encoder", is_flag=True,
                     help="Memory without the sentence encoder (TF-IDF alone)."),
        click.option("--span", help="Also score tickets A:B of the stream, e.g. 300:1000."),
        click.option("--unmarked", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="A *.meta.csv beside CSV: also score only rows with no give-away "
                          "marker (all *_marker columns 0)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def run_learning_eval(csv_path: Path, limit: int | None, as_json: bool,
                      chain: Callable[[], ClassifierChain], opts: dict[str, Any]) -> None:
    rows = read_labelled_csv(csv_path)[opts["skip"]:]
    rows = rows[:limit] if limit else rows
    if not rows:
        raise click.UsageError(f"{csv_path} has no labelled rows to stream")
    warm = read_labelled_csv(opts["warm"], opts["warm_limit"]) if opts["warm"] else []
    settings = settings_or_exit()
    encoder = None if opts["no_encoder"] else encoder_view(settings.encoder)
    classifier = MemoryClassifier(_no_model() if opts["no_model"] else chain(),
                                  few_shot=opts["few_shot"], encoder=encoder,
                                  lean=settings.classifier.memory_lean)
    calibrate_on = 0 if opts["no_model"] else opts["calibrate"]
    keep = _keep(opts["unmarked"], opts["skip"], len(rows))
    report = asyncio.run(_stream(classifier, rows, warm, calibrate_on, _span(opts["span"]), keep))
    report["command"] = {k: str(v) for k, v in opts.items() if v not in (None, False)}
    click.echo(json.dumps(report, indent=2) if as_json else format_stream(report))


async def _stream(classifier: MemoryClassifier, *args: Any) -> dict[str, Any]:
    try:
        return await run_stream(classifier, *args)
    finally:
        await classifier.aclose()


def _keep(meta: Path | None, skip: int, count: int) -> list[bool] | None:
    if meta is None:
        return None
    try:
        flags = unmarked_rows(meta)
    except (ValueError, OSError, csv.Error) as exc:
        raise click.BadParameter(str(exc), param_hint="--unmarked") from None
    return flags[skip:skip + count]


def _no_model() -> ClassifierChain:
    return ClassifierChain([], default_label=LABELS[0], timeout_s=1.0)


def _span(value: str | None) -> tuple[int, int] | None:
    if not value:
        return None
    try:
        start, end = (int(part) for part in value.split(":"))
    except ValueError:
        raise click.BadParameter("expected A:B, e.g. 300:1000", param_hint="--span") from None
    return start, end


@click.command("learn")
@click.option("--csv", "csv_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Import a labelled CSV (header text,label).")
@click.option("--jql", help='Import Jira issues, e.g. "project = KAN AND created >= -365d".')
@click.option("--max-issues", type=click.IntRange(min=1), default=1000, show_default=True,
              help="At most this many issues from --jql.")
def learn_command(csv_path: Path | None, jql: str | None, max_issues: int) -> None:
    """Import history as confirmed examples for the memory (idempotent)."""
    if (csv_path is None) == (jql is None):
        raise click.UsageError("give either --csv FILE or --jql QUERY")
    settings = settings_or_exit()

    async def work(engine: AsyncEngine) -> Sequence[str]:
        store = ExampleStore(session_factory(engine))
        lines = await imported(store)
        return [*lines, *await _embed(store, encoder_view(settings.encoder))]

    async def imported(store: ExampleStore) -> Sequence[str]:
        if csv_path is not None:
            return describe(await import_csv(store, csv_path), str(csv_path))
        assert jql is not None
        tracker = Tracker(settings.jira)
        try:
            report = await import_jira(store, tracker, jql, settings.jira.issue_types,
                                       max_issues, progress=_progress(max_issues))
        finally:
            await tracker.aclose()
        return describe(report, f"jira {jql!r}")

    try:
        lines = run_async(lambda: with_engine(settings, _migrated(work)))
    except TicketbotError as exc:
        fail(f"ticketbot: {exc}")
    for line in lines:
        click.echo(line)


async def _embed(store: ExampleStore, view: EncoderView | None) -> Sequence[str]:
    """The encoder's vector for every example lacking one, stored now so that the bot's memory
    never encodes at start-up (progress on stderr)."""
    if view is None:
        return []
    encoded = await embed_missing(store, view, progress=lambda done, total: click.echo(
        f"encoder: {done} of {total} examples encoded", err=True))
    view_id = view.encoder_id
    if view_id is None:
        return [f"encoder: not used ({view.problem}); the memory uses TF-IDF alone"]
    return [f"encoder: {encoded} examples encoded and stored ({view_id})"] if encoded else []


def _progress(max_issues: int) -> Callable[[ImportReport], None]:
    """After each page of issues, one line on stderr (stdout keeps the final report)."""
    def show(report: ImportReport) -> None:
        click.echo(f"jira: {report.read} issues read (at most {max_issues}), "
                   f"{report.added} new examples so far", err=True)
    return show


def _migrated(work: Callable[[AsyncEngine], Awaitable[T]]) -> Callable[[AsyncEngine], Awaitable[T]]:
    async def run(engine: AsyncEngine) -> T:
        await migrate.upgrade(engine)
        return await work(engine)
    return run
