"""The long steps of a first install say what they are doing (issue 16, item 5)."""

from __future__ import annotations

import re

from bot.settings import PROJECT_ROOT


def _recipe(target: str) -> list[str]:
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(rf"^{re.escape(target)}:.*\n((?:\t.*\n)+)", makefile, re.M)
    assert match, f"no rule for {target}"
    return [line.strip() for line in match[1].splitlines()]


def test_the_llama_cpp_build_is_announced_and_not_quiet() -> None:
    recipe = _recipe("$(STAMPS)/llama")
    announced = [line for line in recipe if line.startswith("@echo")]
    assert announced and "Compiling llama.cpp" in announced[0]
    assert "4-7 minutes on 2 cores" in announced[0]
    install = " ".join(line for line in recipe if "pip install" in line or "--require" in line)
    assert "pip install" in install and " -q" not in install


def test_the_model_download_is_not_quiet() -> None:
    assert _recipe("$(MODEL)") == ["$(BIN)/python -m bot.model_fetch"]
    source = (PROJECT_ROOT / "bot" / "model_fetch.py").read_text(encoding="utf-8")
    assert '"-q"' not in source and "--progress-bar" in source
