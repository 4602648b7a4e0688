"""Check a model file before handing it to llama.cpp, so failures read as one clear line."""

from __future__ import annotations

from pathlib import Path

from bot.errors import BackendRejected

GGUF_MAGIC = b"GGUF"
_HTML_STARTS = (b"<!doctype", b"<html", b"<?xml", b"<head", b"{")


def check_model_file(path: Path) -> None:
    """Raise BackendRejected naming the problem: missing, a directory, HTML, or not a GGUF."""
    if not path.exists():
        raise BackendRejected(f"model file {path} does not exist; set GGUF_MODEL_PATH",
                              backend="llama")
    if path.is_dir():
        raise BackendRejected(f"model path {path} is a directory, not a .gguf file",
                              backend="llama")
    with path.open("rb") as handle:
        head = handle.read(512)
    if head[:4] == GGUF_MAGIC:
        return
    lowered = head.lstrip().lower()
    if lowered.startswith(_HTML_STARTS):
        raise BackendRejected(
            f"model file {path} is a web page or JSON error, not a GGUF (the download saved "
            "an HTML/JSON response; download the file itself)", backend="llama")
    raise BackendRejected(
        f"model file {path} is not a GGUF (first bytes {head[:4]!r}, expected b'GGUF')",
        backend="llama")
