from __future__ import annotations

from pathlib import Path

import pytest

from bot.classify.gguf import check_model_file
from bot.errors import BackendRejected


def test_accepts_gguf_magic(tmp_path: Path) -> None:
    path = tmp_path / "m.gguf"
    path.write_bytes(b"GGUF\x03\x00\x00\x00" + b"\x00" * 32)
    check_model_file(path)


@pytest.mark.parametrize(("content", "message"), [
    (b"<!doctype html><html>", "web page"),
    (b"  <html><head>", "web page"),
    (b'{"error": "not found"}', "web page or JSON"),
    (b"\x00\x01\x02\x03binary", "not a GGUF"),
    (b"", "not a GGUF"),
])
def test_rejects_other_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "m.gguf"
    path.write_bytes(content)
    with pytest.raises(BackendRejected, match=message):
        check_model_file(path)


def test_rejects_missing_and_directory(tmp_path: Path) -> None:
    with pytest.raises(BackendRejected, match="does not exist"):
        check_model_file(tmp_path / "nope.gguf")
    with pytest.raises(BackendRejected, match="directory"):
        check_model_file(tmp_path)
