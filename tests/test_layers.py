"""The package's plan: every import arrow inside ``bot`` points down, and nothing loops.

A module may import the modules of its own layer and of the layers listed before it, never
one listed after it; ``bot`` never imports the tools built beside it (emulators, sandbox,
bench, tests), except the CLI's lazy hand-over to the sandbox. Imports inside functions count
too: a lazy import is still an arrow.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"

LAYERS: tuple[tuple[str, ...], ...] = (
    ("bot", "bot.tickets", "bot.labels", "bot.shipped"),
    ("bot.errors", "bot.messages"),
    ("bot.settings", "bot.settings_loader"),
    ("bot.logs", "bot.health", "bot.retry", "bot.loops", "bot.model_fetch", "bot.metrics",
     "bot.metrics_http"),
    ("bot.db",),
    ("bot.classify",),
    ("bot.tracker",),
    ("bot.learn",),
    ("bot.triage",),
    ("bot.slack",),
    ("bot.services",),
    ("bot.runner",),
    ("bot.cli",),
)
RANK = {part: rank for rank, parts in enumerate(LAYERS) for part in parts}
OUTSIDE = ("tests", "emulators", "sandbox", "bench")
ALLOWED_OUTSIDE = {("bot.cli", "sandbox")}  # `ticketbot sandbox`, imported when it runs


def module_name(path: Path) -> str:
    parts = path.relative_to(BOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def part_of(module: str) -> str:
    """The layer entry a module belongs to: ``bot.db.tickets`` → ``bot.db``."""
    pieces = module.split(".")
    candidate = ".".join(pieces[:2])
    if candidate.startswith("bot.settings_"):  # settings sections split out of bot.settings
        return "bot.settings"
    return candidate if candidate in RANK else "bot"


def is_module(name: str) -> bool:
    relative = Path(*name.split(".")[1:])
    return (BOT / relative).with_suffix(".py").is_file() or (BOT / relative).is_dir()


def imported(tree: ast.AST, *, top_level_only: bool = False) -> Iterator[str]:
    nodes = tree.body if top_level_only and isinstance(tree, ast.Module) else ast.walk(tree)
    for node in nodes:
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            submodules = [f"{node.module}.{alias.name}" for alias in node.names]
            submodules = [name for name in submodules if is_module(name)]
            # `from bot import messages` imports bot.messages, not (only) bot's __init__
            yield from submodules if len(submodules) == len(node.names) else [node.module]


def modules() -> dict[str, ast.Module]:
    return {module_name(path): ast.parse(path.read_text()) for path in sorted(BOT.rglob("*.py"))}


def test_every_part_of_bot_has_a_layer() -> None:
    unplaced = {part_of(name) for name in modules()} - set(RANK)
    assert not unplaced


def test_imports_point_down() -> None:
    upward = []
    for name, tree in modules().items():
        here = part_of(name)
        for target in imported(tree):
            root = target.split(".")[0]
            if root in OUTSIDE and (here, root) not in ALLOWED_OUTSIDE:
                upward.append(f"{name} imports {target} (outside the product)")
            elif root == "bot" and RANK[part_of(target)] > RANK[here]:
                upward.append(f"{name} imports {target}")
    assert not upward, "\n".join(upward)


def test_no_import_cycles_at_module_level() -> None:
    trees = modules()
    graph = {
        name: {t for t in imported(tree, top_level_only=True) if t in trees and t != name}
        for name, tree in trees.items()
    }
    cycle = find_cycle(graph)
    assert cycle is None, " -> ".join(cycle or [])


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        path.append(node)
        for following in sorted(graph.get(node, ())):
            found = visit(following)
            if found:
                return found
        path.pop()
        done.add(node)
        return None

    for start in sorted(graph):
        found = visit(start)
        if found:
            return found
    return None


@pytest.mark.parametrize("graph", [{"a": {"b"}, "b": {"a"}}, {"a": {"b"}, "b": {"c"}, "c": {"a"}}])
def test_the_cycle_finder_finds_cycles(graph: dict[str, set[str]]) -> None:
    assert find_cycle(graph) is not None


def test_no_module_in_bot_is_over_300_lines() -> None:
    long = {
        module_name(path): lines
        for path in BOT.rglob("*.py")
        if (lines := len(path.read_text().splitlines())) > 300
    }
    assert not long
