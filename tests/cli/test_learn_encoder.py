"""`ticketbot learn --csv` encodes the imported examples in batches and stores their vectors,
once: importing again encodes nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from bot.db.engine import create_engine, session_factory
from bot.db.examples import ExampleStore, StoredExample


def stored(url: str) -> list[StoredExample]:
    async def read() -> list[StoredExample]:
        engine = create_engine(url)
        try:
            return await ExampleStore(session_factory(engine)).since(0)
        finally:
            await engine.dispose()
    return asyncio.run(read())


def test_learn_stores_each_examples_vector_once(runner: CliRunner, tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    history.write_text("text,label\n\"The app crashes on start\",Bug\n"
                       "\"Please add a dark theme\",Feature Request\n"
                       "\"How do I reset my password?\",Question\n", encoding="utf-8")
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    env = {"DATABASE_URL": url}
    first = runner.invoke(main, ["learn", "--csv", str(history)], env=env)
    assert first.exit_code == 0, first.output
    assert "encoder: 3 examples encoded and stored (all-MiniLM-L6-v2-int8-dyn1@" in first.output
    rows = stored(url)
    # the text's vector and the title's (encoder.title, on by default), float32
    assert len(rows) == 3 and all(r.embedding and len(r.embedding) == 4 * 2 * 384 for r in rows)
    assert all((r.encoder or "").endswith("/128+title") for r in rows)
    again = runner.invoke(main, ["learn", "--csv", str(history)], env=env)
    assert again.exit_code == 0 and "encoded" not in again.output


def test_learn_without_the_encoder_stores_no_vectors(runner: CliRunner, tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    history.write_text("text,label\n\"The app crashes on start\",Bug\n", encoding="utf-8")
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    config = tmp_path / "config.yml"
    config.write_text("encoder:\n  enabled: false\n", encoding="utf-8")
    result = runner.invoke(main, ["learn", "--csv", str(history)],
                           env={"DATABASE_URL": url, "TICKETBOT_CONFIG": str(config)})
    assert result.exit_code == 0, result.output
    assert "encoder:" not in result.output and stored(url)[0].embedding is None
