"""vestige capture: web pages through the recording proxy, several at a time."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .. import errors
from ..archiver.profiles.base import DEFAULT_REPLIES, MAX_REPLIES_OPTION
from .base import EXISTING_FILE, _archive, _warn, cli, json_option, parse_size
from .capture_rules import CAPTURE_JOBS, CAPTURE_SETTLE, CAPTURE_TIMEOUT
from .progress import BatchProgress, batch_progress

if TYPE_CHECKING:
    from ..archive import Archive
    from ..archiver.browser import PlaywrightDriver

DEFAULT_CASE = "inbox"  # created on first use, without asking


@cli.command()
@click.argument("urls", nargs=-1, metavar="[URL]...")
@click.option(
    "--from",
    "url_file",
    type=EXISTING_FILE,
    default=None,
    help="Read URLs from a file: one per line, or a CSV with columns url, note, tags.",
)
@click.option(
    "--case", "case_id", default=None, help="Case the captures belong to [config: case; default: inbox]."
)
@click.option("--create-case", is_flag=True, help="Create the case if it does not exist, without asking.")
@click.option("--note", default=None, help="A note recorded with each capture (a CSV's note column wins).")
@click.option(
    "--proxy",
    default=None,
    help="Send all capture traffic through this upstream proxy (http://, socks5://) [config: proxy].",
)
@click.option(
    "--timeout", type=CAPTURE_TIMEOUT, default=None, help="Total seconds allowed per URL [default: 120]."
)
@click.option(
    "--max-size",
    default=None,
    help="Largest body kept per resource (K/M/G); the capture total may be twice that [default: 2G].",
)
@click.option(
    "--settle",
    type=CAPTURE_SETTLE,
    default=None,
    help="Seconds after the page's load event in which late requests are awaited; each then gets "
    "0.5 s of quiet [default: 1].",
)
@click.option(
    "--profile",
    default=None,
    metavar="NAME",
    help="Platform profile for the post record (default: chosen from the URL; 'generic' for any page).",
)
@click.option(
    "--replies",
    type=click.IntRange(0, MAX_REPLIES_OPTION),
    default=None,
    metavar="N",
    help="Replies a platform profile loads and records per post (0: none) [default: 20].",
)
@click.option(
    "--media-download/--no-media-download",
    default=None,
    help="Fetch the post's video at the best quality with yt-dlp, through the recorder: always, or never "
    "[default: for video platforms, and posts whose video the page did not give whole].",
)
@click.option(
    "--session",
    "use_session",
    is_flag=True,
    help="Opt in: capture logged in, with the stored session of each URL's platform (vestige session add).",
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
    type=CAPTURE_JOBS,
    default=None,
    help="Captures at once, in one shared browser (one context each) [default: 1].",
)
@click.option(
    "--recapture", is_flag=True, help="Capture again URLs already captured completely in this case."
)
@click.option("--quiet", "-q", is_flag=True, help="No progress; only the summary and errors.")
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
    url_file: Path | None,
    case_id: str | None,
    create_case: bool,
    note: str | None,
    proxy: str | None,
    timeout: float | None,
    max_size: str | None,
    settle: float | None,
    profile: str | None,
    replies: int | None,
    media_download: bool | None,
    use_session: bool,
    public_ip_resolver: str | None,
    strict_tls: bool,
    jobs: int | None,
    recapture: bool,
    quiet: bool,
    ca_file: Path | None,
    as_json: bool,
) -> int:
    """Capture web pages with a real browser through a recording proxy into WARC evidence.

    Each URL becomes one exhibit: WARC (every request and response as sent), full-page screenshot,
    PDF print, rendered DOM, visible text, the server's certificates and a provenance record.
    A batch (--from) is resumable: run the same command again and the file's URLs already captured
    completely in the case are skipped (URLs given as arguments are always captured again).
    Ctrl-C stops cleanly: finished captures are kept, those in flight discarded. A case that does
    not exist is created after asking (or with --create-case); "inbox" is created without asking.
    Exit 0 when every capture is complete, 1 when any is partial, failed or refused, 130 interrupted.

    \b
    Example:
      vestige capture https://t.me/s/example_channel --case UKR-2024 --note "channel preview"
      vestige capture --from urls.csv --case UKR-2024 --jobs 2
    """
    with _driver_begun() as (runner, driver):
        from ..archiver.capture import CaptureOptions, check_proxy, check_url
        from ..archiver.profiles import select_profile
        from ..archiver.url_list import UrlRow, read_url_list
        from ..store import catalog
        from ..store.captured import completed_captures
        from .cases import confirm_case, stdin_is_interactive
        from .session import sessions_for_urls
        from .settings import settings

        archive = _archive(ctx)
        conf = settings(archive)  # the archive's defaults; options given here win
        case_id = catalog.check_case_id(case_id or conf.case or DEFAULT_CASE)
        proxy = proxy or conf.proxy
        rows = [UrlRow(check_url(url), 0) for url in urls]
        if url_file is not None:
            listed = read_url_list(url_file)
            for line, first in listed.duplicates:
                _warn(f"{url_file.name} line {line}: the same URL as line {first}; captured once")
            rows += listed.rows
        if not rows:
            raise errors.InputError("no URL to capture", hint="give URLs, or --from FILE")
        rows = list({r.url: r for r in reversed(rows)}.values())[::-1]  # each URL once, first mention wins
        if public_ip_resolver:
            check_url(public_ip_resolver)
        if profile is not None:
            select_profile("https://example.org/", profile)  # an unknown name: exit 2 before any capture
        sessions = sessions_for_urls(archive, [r.url for r in rows], profile) if use_session else {}
        if proxy:
            check_proxy(proxy)
        confirm_case(
            archive,
            case_id,
            create=create_case or case_id == DEFAULT_CASE,
            interactive=stdin_is_interactive(),
        )
        limit = parse_size(max_size) if max_size else conf.capture_max_size
        opts = CaptureOptions(
            timeout=timeout if timeout is not None else conf.capture_timeout,
            max_resource_bytes=limit,
            max_total_bytes=2 * limit,
            proxy=proxy,
            strict_tls=strict_tls,
            extra_ca=ca_file,
            operator=archive.config.operator,
            case=case_id,
            settle=settle if settle is not None else conf.capture_settle,
            public_ip_resolver=public_ip_resolver,
            profile=profile,
            replies=replies if replies is not None else DEFAULT_REPLIES,
            media_download=media_download,
        )
        jobs = jobs if jobs is not None else conf.capture_jobs
        # Resuming is for batches: a URL named on the command line is captured again (pages change).
        listed_urls = [r.url for r in rows if r.line > 0]
        done = {} if recapture or url_file is None else completed_captures(archive, case_id, listed_urls)
        todo = [r for r in rows if r.url not in done]
        progress = batch_progress(len(todo), len(done), quiet=quiet, as_json=as_json)
        results: dict[str, dict[str, Any]] = {
            url: {
                "id": item,
                "url": url,
                "state": "skipped",
                "reason": "already captured completely in this case",
            }
            for url, item in done.items()
        }
        interrupted = False
        try:
            runner.run(
                _capture_batch(archive, todo, opts, case_id, note, jobs, progress, results, sessions, driver)
            )
        except KeyboardInterrupt:
            interrupted = True
        finally:
            progress.close()
        out = [results[r.url] for r in rows if r.url in results]
        if as_json:
            click.echo(json.dumps(out, indent=2, ensure_ascii=False))
        elif len(rows) > 1 or interrupted:
            _summary(out, len(rows), interrupted)
        if interrupted:
            click.echo("vestige: interrupted; run the same command again to capture the rest", err=True)
            return errors.EXIT_INTERRUPTED
        return (
            errors.EXIT_OK if all(r["state"] in ("complete", "skipped") for r in out) else errors.EXIT_PROBLEM
        )


@contextlib.contextmanager
def _driver_begun() -> Iterator[tuple[asyncio.Runner, PlaywrightDriver]]:
    """The event loop the captures will run on, with Playwright's driver begun on it first: its process
    boots while the command imports the archive, opens it and checks its input, rather than after. The
    driver is stopped at the end if the captures did not (they never ran: bad input, a prompt refused,
    Ctrl-C)."""
    from ..archiver.browser import PlaywrightDriver

    runner = asyncio.Runner()
    driver = PlaywrightDriver()
    try:
        runner.run(driver.begin())
        yield runner, driver
    finally:
        try:
            runner.run(driver.close())
        finally:
            runner.close()


def _summary(out: list[dict[str, Any]], total: int, interrupted: bool) -> None:
    counts: dict[str, int] = {}
    for r in out:
        counts[r["state"]] = counts.get(r["state"], 0) + 1
    parts = [
        f"{counts[s]} {s}" for s in ("complete", "partial", "failed", "refused", "skipped") if s in counts
    ]
    missing = total - len(out)
    if missing:
        parts.append(f"{missing} not captured (interrupted)" if interrupted else f"{missing} not captured")
    click.echo(f"\n{total} URLs: " + ", ".join(parts), err=True)
    for r in out:
        if r["state"] in ("partial", "failed", "refused"):
            click.echo(f"  {r['state']:<8} {r['url']}: {r['reason']}", err=True)


async def _capture_batch(
    archive: Archive,
    rows: list[Any],
    opts: Any,
    case_id: str,
    note: str | None,
    jobs: int,
    progress: BatchProgress,
    results: dict[str, dict[str, Any]],
    sessions: dict[str, Any] | None = None,
    driver: PlaywrightDriver | None = None,
) -> None:
    """Capture ``rows`` ``jobs`` at a time in one browser; store each as it finishes, in one thread.
    A URL in ``sessions`` is captured logged in with that stored session (``--session``); ``driver``
    is Playwright's, begun already (else one is started here).

    Storing runs beside the captures: the next results, and the browser's shutdown after the last
    one, do not wait for it. Each capture's scratch directory lives until its exhibit is stored (or
    refused), then goes; on Ctrl-C the captures in flight are cancelled and their scratch removed,
    while the exhibits being stored are finished first and stay."""
    from ..archiver.capture import CaptureJob, capture_all
    from ..store.ingest import add_capture, post_summary

    scratch_dirs: dict[str, contextlib.AbstractContextManager[Path]] = {}
    by_url = {r.url: r for r in rows}

    def make_jobs() -> Iterator[CaptureJob]:
        for r in rows:
            holder = archive.blobs.work_dir("capture-")
            session = (sessions or {}).get(r.url)
            job_opts = dataclasses.replace(opts, session=session) if session else opts
            job = CaptureJob(r.url, job_opts, holder.__enter__(), functools.partial(progress.started, r.url))
            scratch_dirs[r.url] = holder
            yield job

    def store(result: Any, row: Any) -> Any:  # the row's tags commit with the exhibit, atomically
        return add_capture(archive, result, case_id, row.note or note, tags=row.tags).item

    loop = asyncio.get_running_loop()

    async def finish(job: CaptureJob, outcome: Any, ingest: concurrent.futures.Executor) -> None:
        row: dict[str, Any]
        try:
            if isinstance(outcome, errors.VestigeError):  # --strict-tls: nothing is kept
                click.echo(f"vestige: error: {outcome.diagnostics()}", err=True)
                row = {"id": None, "url": job.url, "state": "refused", "reason": str(outcome)}
            else:
                item = await loop.run_in_executor(ingest, store, outcome, by_url[job.url])
                row = {
                    "id": item.id,
                    "url": job.url,
                    "final_url": outcome.final_url,
                    "state": outcome.state,
                    "reason": outcome.reason,
                    "http_status": outcome.http_status,
                    "title": outcome.title,
                    "post": post_summary(outcome.post),
                    "artifacts": [a.to_json(archive.root) for a in item.artifacts],
                }
        finally:
            scratch_dirs.pop(job.url).__exit__(None, None, None)
        results[job.url] = row
        progress.finished(job.url, row)

    storing: set[asyncio.Future[None]] = set()

    def stored() -> None:
        """Drop the exhibits stored; one that could not be (disk full...) stops the batch."""
        for task in [t for t in storing if t.done()]:
            storing.discard(task)
            task.result()

    with (
        archive.blobs.work_dir("session-") as scratch,
        concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="vestige-ingest") as ingest,
    ):
        try:
            async for job, outcome in capture_all(make_jobs(), scratch, concurrency=jobs, driver=driver):
                stored()
                storing.add(asyncio.ensure_future(finish(job, outcome, ingest)))
            await asyncio.gather(*storing)  # the first that could not be stored is raised
            storing.clear()
        finally:
            if storing:  # stopped (Ctrl-C, an error): what is being stored is finished, not cut
                await asyncio.wait(storing)
                for task in storing:  # already stopping: a second error is not raised over the first
                    if not task.cancelled():
                        task.exception()
            for holder in scratch_dirs.values():  # captures cut short: their scratch goes too
                holder.__exit__(None, None, None)
