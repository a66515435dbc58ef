"""Secrets generated once into a git-ignored directory, atomically, shared by every process."""

from __future__ import annotations

import os
from pathlib import Path


def read_or_create(path: Path, create: callable) -> str:
    """The file's text; if it does not exist yet, `create()` writes it first. Two processes
    racing here end with the same secret: the first link wins, the other reads it."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.parent / f".{path.name}.{os.getpid()}"
        tmp.write_text(create() + "\n")
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()
