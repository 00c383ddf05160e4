"""Writing result files so that a reader (or a rerun after a kill) sees the old file or the whole new one."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from signalprio.errors import UserError


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Call `write` on a temporary sibling of `path`, then rename it over `path` in one step."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except OSError as error:  # a full disk fails at write or close, where Python names no file: name it
        if error.filename is None:
            raise OSError(error.errno, error.strerror, str(path)) from error
        raise
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    atomic_write(path, lambda tmp: tmp.write_bytes(data))


def claim_folder(folder: Path, force: bool) -> None:
    """A command writes into a folder that is new or empty, or with --force: an existing one holds someone's work."""
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{folder}: exists and is not a folder")
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise UserError(f"{folder}: folder exists and is not empty; name a new one, or add --force to write over it")
