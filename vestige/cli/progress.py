"""How a batch of captures reports itself: a live display on a terminal, one line per URL otherwise.

On a terminal (rich): an overall bar with counts, rate and ETA, a line per capture in flight with its
elapsed time, and failures printed above the bar as they happen. Piped or redirected: one plain line per
finished URL, as before. ``--quiet`` or ``--json``: nothing until the end.
"""

from __future__ import annotations

import sys
import time
from typing import Any, Protocol

import click


class BatchProgress(Protocol):
    def started(self, url: str) -> None: ...
    def finished(self, url: str, row: dict[str, Any]) -> None: ...
    def close(self) -> None: ...


def row_line(row: dict[str, Any]) -> str:
    line = f"{row['id'] or '-'}  {row['state']:<8} {row.get('http_status') or '-'}  {row['url']}"
    return line + (f"\n  reason: {row['reason']}" if row.get("reason") else "")


class Silent:
    def started(self, url: str) -> None:
        pass

    def finished(self, url: str, row: dict[str, Any]) -> None:
        pass

    def close(self) -> None:
        pass


class Lines:
    """One line per finished URL, on stdout (scripts and logs)."""

    def started(self, url: str) -> None:
        pass

    def finished(self, url: str, row: dict[str, Any]) -> None:
        click.echo(row_line(row))

    def close(self) -> None:
        pass


class Live:
    """rich's live display, on stderr, so stdout stays the results."""

    def __init__(self, total: int, skipped: int) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.console = Console(stderr=True)
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
        )
        self.task = self.progress.add_task("capturing", total=total, rate="")
        self.inflight: dict[str, Any] = {}
        self.start = time.monotonic()
        self.done = 0
        self.counts = {"complete": 0, "partial": 0, "failed": 0, "refused": 0}
        if skipped:
            self.console.print(f"{skipped} URL(s) already captured completely in this case: skipped")
        self.progress.start()

    def started(self, url: str) -> None:
        from rich.markup import escape

        self.inflight[url] = self.progress.add_task(f"  {escape(url[:70])}", total=None, rate="")

    def finished(self, url: str, row: dict[str, Any]) -> None:
        from rich.markup import escape

        task = self.inflight.pop(url, None)
        if task is not None:
            self.progress.remove_task(task)
        self.done += 1
        self.counts[row["state"]] = self.counts.get(row["state"], 0) + 1
        per_min = self.done / max(time.monotonic() - self.start, 1e-6) * 60
        summary = " ".join(f"{k} {v}" for k, v in self.counts.items() if v)
        self.progress.update(self.task, advance=1, rate=f"{per_min:.1f}/min  {summary}")
        if row["state"] != "complete":
            style = "yellow" if row["state"] == "partial" else "red"
            self.console.print(
                f"[{style}]{row['state']}[/] {escape(row['url'])}: {escape(str(row.get('reason')))}"
            )

    def close(self) -> None:
        self.progress.stop()


def batch_progress(total: int, skipped: int, *, quiet: bool, as_json: bool) -> BatchProgress:
    if quiet or as_json:
        return Silent()
    if sys.stderr.isatty() and sys.stdout.isatty():
        return Live(total, skipped)
    return Lines()
