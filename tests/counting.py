"""Tests that count what they tried (issue 8): a fuzz or fault test records how many inputs
or cases it ran and how long it took; the line goes into its assertion messages, to stdout
and into the summary at the end of the run ("what the tests tried"). And `statement_text`:
what a captured query really ran, when it was a prepared statement's EXECUTE."""

from __future__ import annotations

import time
from collections import Counter

from django.db import connection

TRIED: list[str] = []


class Tally(Counter):
    """Counts by kind (`tally["inputs"] += 1`) and the time since it was made."""

    def __init__(self, name: str):
        super().__init__()
        self.name = name
        self.started = time.monotonic()

    def line(self) -> str:
        counts = ", ".join(f"{count} {kind.replace('_', ' ')}" for kind, count in self.items())
        return f"{self.name}: {counts or 'nothing'} in {time.monotonic() - self.started:.1f} s"

    def report(self) -> str:
        line = self.line()
        TRIED.append(line)
        print(line)
        return line


def statement_text(logged: str) -> str:
    """What was run: the SQL itself, or, for `EXECUTE hc_n(...)`, the statement prepared as hc_n
    on this connection (healthcode/db/postgresql/statements.py)."""
    registry = getattr(connection, "statements", None)
    if registry is not None and logged.startswith("EXECUTE "):
        name = logged.split("(", 1)[0]
        return next(sql for sql, execute in registry.executes.items() if execute and execute.startswith(name + "("))
    return logged
