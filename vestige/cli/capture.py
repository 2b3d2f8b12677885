"""vestige capture: web pages through the recording proxy, several at a time."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from .. import errors
from ..archive import Archive
from ..store import catalog
from .base import EXISTING_FILE, _archive, cli, json_option, parse_size


@cli.command()
@click.argument("urls", nargs=-1, required=True, metavar="URL...")
@click.option("--case", "case_id", default="inbox", show_default=True, help="Case the captures belong to.")
@click.option("--note", default=None, help="A note recorded with each capture.")
@click.option(
    "--proxy", default=None, help="Send all capture traffic through this upstream proxy (http://, socks5://)."
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=5),
    default=120,
    show_default=True,
    help="Total seconds allowed per URL.",
)
@click.option(
    "--max-size",
    default="2G",
    show_default=True,
    help="Largest body kept per resource (K/M/G); the capture total may be twice that.",
)
@click.option(
    "--settle",
    type=click.FloatRange(min=0.2, max=30),
    default=1.0,
    show_default=True,
    help="Seconds of network quiet that count as 'the page has finished' (late requests).",
)
@click.option(
    "--public-ip-resolver",
    default=None,
    metavar="URL",
    help="Opt in: record the capture's public IP, as this URL (answering with a bare IP) sees it.",
)
@click.option("--strict-tls", is_flag=True, help="Refuse a page whose certificate does not validate.")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 16),
    default=1,
    show_default=True,
    help="Captures at once, in one shared browser (one context each).",
)
@click.option(
    "--ca-file",
    type=EXISTING_FILE,
    default=None,
    help="Extra trust anchors (PEM) for validating servers' certificates.",
)
@json_option
@click.pass_context
def capture(
    ctx: click.Context,
    urls: tuple[str, ...],
    case_id: str,
    note: str | None,
    proxy: str | None,
    timeout: float,
    max_size: str,
    settle: float,
    public_ip_resolver: str | None,
    strict_tls: bool,
    ca_file: Path | None,
    jobs: int,
    as_json: bool,
) -> int:
    """Capture web pages with a real browser through a recording proxy into WARC evidence.

    Each URL becomes one exhibit: WARC (every request and response as sent), full-page screenshot,
    PDF print, rendered DOM, visible text, the server's certificates and a provenance record.
    Exit 0 when every capture is complete, 1 when any is partial or failed.

    \b
    Example:
      vestige capture https://t.me/s/example_channel --case UKR-2024 --note "channel preview"
    """
    from ..archiver.capture import PROXY_SCHEMES, CaptureOptions, check_url

    archive = _archive(ctx)
    catalog.check_case_id(case_id)
    for url in urls:
        check_url(url)
    if public_ip_resolver:
        check_url(public_ip_resolver)
    if proxy and not proxy.startswith(PROXY_SCHEMES):
        raise errors.InputError(f"--proxy {proxy!r}: use http://, https://, socks5:// or socks5h://")
    limit = parse_size(max_size)
    opts = CaptureOptions(
        timeout=timeout,
        max_resource_bytes=limit,
        max_total_bytes=2 * limit,
        proxy=proxy,
        strict_tls=strict_tls,
        extra_ca=ca_file,
        operator=archive.config.operator,
        case=case_id,
        settle=settle,
        public_ip_resolver=public_ip_resolver,
    )
    rows = asyncio.run(_capture_batch(archive, urls, opts, case_id, note, jobs, as_json))
    out = [rows[i] for i in range(len(urls))]
    if as_json:
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
    return errors.EXIT_OK if all(r["state"] == "complete" for r in out) else errors.EXIT_PROBLEM


async def _capture_batch(
    archive: Archive,
    urls: tuple[str, ...],
    opts: Any,
    case_id: str,
    note: str | None,
    jobs: int,
    as_json: bool,
) -> dict[int, dict[str, Any]]:
    """Capture ``urls`` ``jobs`` at a time in one browser; store each as it finishes, in one thread.

    Each capture's scratch directory lives until its exhibit is stored (or refused), then goes."""
    from ..archiver.capture import CaptureJob, capture_all
    from ..store.ingest import add_capture

    rows: dict[int, dict[str, Any]] = {}
    scratch_dirs: dict[int, contextlib.AbstractContextManager[Path]] = {}
    position: dict[int, int] = {}  # id(job) -> index in urls

    def make_jobs() -> Iterator[CaptureJob]:
        for i, url in enumerate(urls):
            holder = archive.blobs.work_dir("capture-")
            job = CaptureJob(url, opts, holder.__enter__())
            scratch_dirs[i] = holder
            position[id(job)] = i
            yield job

    loop = asyncio.get_running_loop()
    with (
        archive.blobs.work_dir("session-") as scratch,
        concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="vestige-ingest") as ingest,
    ):
        try:
            async for job, outcome in capture_all(make_jobs(), scratch, concurrency=jobs):
                i = position[id(job)]
                try:
                    if isinstance(outcome, errors.VestigeError):  # --strict-tls: nothing is kept
                        click.echo(f"vestige: error: {outcome.diagnostics()}", err=True)
                        rows[i] = {"id": None, "url": job.url, "state": "refused", "reason": str(outcome)}
                    else:
                        item = (
                            await loop.run_in_executor(ingest, add_capture, archive, outcome, case_id, note)
                        ).item
                        rows[i] = {
                            "id": item.id,
                            "url": job.url,
                            "final_url": outcome.final_url,
                            "state": outcome.state,
                            "reason": outcome.reason,
                            "http_status": outcome.http_status,
                            "title": outcome.title,
                            "artifacts": [a.to_json(archive.root) for a in item.artifacts],
                        }
                finally:
                    scratch_dirs.pop(i).__exit__(None, None, None)
                if not as_json:
                    r = rows[i]
                    click.echo(
                        f"{r['id'] or '-'}  {r['state']:<8} {r.get('http_status') or '-'}  {job.url}"
                        + (f"\n  reason: {r['reason']}" if r["reason"] else "")
                    )
        finally:
            for holder in scratch_dirs.values():  # captures cut short: their scratch goes too
                holder.__exit__(None, None, None)
    return rows
