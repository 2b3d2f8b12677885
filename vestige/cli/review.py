"""Reviewing evidence: open an artifact, replay a capture."""

from __future__ import annotations

import os
import signal
import sys
import threading
from types import FrameType

import click

from ..review.artifacts import ROLES, copy_for_viewing, pick_artifact
from ..review.replay import ReplayServer, ReplaySite, build_replay_wacz, captures_to_replay, replay_page
from ..review.replaywebpage import find_replaywebpage
from ..review.viewer import OPENER_ENV, NoViewer, launch
from ..store import catalog
from .base import _archive, _emit, _warn, cli, json_option


@cli.command("open")
@click.argument("item_id", metavar="ITEM")
@click.option(
    "--what",
    type=click.Choice(ROLES),
    default=None,
    help="Which artifact [default: the screenshot of a capture, the file of an added file].",
)
@click.option(
    "--index",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Which one, when the exhibit has several of that kind (media).",
)
@click.option("--print-path", is_flag=True, help="Only make the copy and print its path; open nothing.")
@json_option
@click.pass_context
def open_(
    ctx: click.Context, item_id: str, what: str | None, index: int, print_path: bool, as_json: bool
) -> None:
    """Open an exhibit's artifact with the system viewer.

    Stored blobs have no extension, so the artifact is copied, its digests checked on the way, to the
    archive's tmp/open/ as ITEM-NAME.EXT (read-only; copies older than a day are removed) and handed to
    $VESTIGE_OPENER, else xdg-open (Linux) or open (macOS). With no display or no opener the error names
    the copy, to open by hand (exit 3).

    \b
    Example:
      vestige open UKR-2024-0001                  # a capture's screenshot
      vestige open UKR-2024-0001 --what pdf
      vestige open UKR-2024-0003 --print-path     # an added file: only print where the copy is
    """
    archive = _archive(ctx)
    with archive.reading() as conn:
        item = catalog.get_item(conn, item_id)
    art = pick_artifact(item, what, index)
    path = copy_for_viewing(archive, item, art, index)
    command: list[str] | None = None
    if not print_path:
        try:
            command = launch(str(path))
        except NoViewer as exc:
            raise NoViewer(
                f"cannot open the {art.role} of {item.id}: {exc.message}; open it by hand: {path}",
                hint=f"or set {OPENER_ENV} to a viewer command",
            ) from None
    data = {
        "item": item.id,
        "role": art.role,
        "name": art.name,
        "media_type": art.media_type,
        "size": art.size,
        "sha256": art.sha256,
        "path": str(path),
        "opened_with": command,
    }
    _emit(as_json, data, str(path) if print_path else f"opened the {art.role} of {item.id}: {path}")


@cli.command()
@click.argument("names", nargs=-1, required=True, metavar="ITEM|CASE...")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    help="Port to serve on, on 127.0.0.1 [default: any free port].",
)
@click.option("--no-browser", is_flag=True, help="Only print the address; do not open a browser.")
@json_option
@click.pass_context
def replay(ctx: click.Context, names: tuple[str, ...], port: int, no_browser: bool, as_json: bool) -> None:
    """Replay captures from their WARCs in ReplayWeb.page, on 127.0.0.1, until Ctrl-C.

    The captures named (a case: all its captures) are packed as one WACZ under the archive's tmp/, each
    WARC checked against its recorded digest, and served with ReplayWeb.page's offline UI at a private
    address, opened in the browser ($VESTIGE_OPENER, xdg-open or open) unless --no-browser. Nothing is
    fetched from the live web. Ctrl-C (or SIGTERM) stops the server and removes the WACZ: exit 0. With
    --json, {"url", "pid", ...} is printed once the server is ready.

    \b
    Example:
      vestige replay UKR-2024-0001
      vestige replay UKR-2024 --port 8089 --no-browser
    """
    archive = _archive(ctx)
    assets = find_replaywebpage()
    with archive.reading() as conn:
        captures = captures_to_replay(conn, names)
    server = ReplayServer(port)  # listen first: a port in use fails before any packing
    try:
        with archive.blobs.work_dir("replay-") as workdir:
            if not as_json:
                click.echo(f"packing {len(captures)} capture(s) for replay...", err=True)
            label = captures[0].item.id if len(captures) == 1 else names[0] if len(names) == 1 else "replay"
            wacz = build_replay_wacz(archive, captures, workdir / f"{label}.wacz")
            site = ReplaySite(
                ReplaySite.new_token(), replay_page(captures, wacz.path.name), wacz.path, assets
            )
            server.site = site
            url = server.url(site)
            data = {
                "url": url,
                "pid": os.getpid(),
                "port": server.port,
                "captures": [c.to_json() for c in captures],
                "wacz": str(wacz.path),
                "replaywebpage": assets.version,
            }

            def human() -> None:
                click.echo(f"Replaying {len(captures)} capture(s) at {url}")
                for c in captures:
                    click.echo(f"  {c.item.id}  [{c.item.state}]  {c.ts[:19]}  {c.url}")
                click.echo("Press Ctrl-C to stop.")

            _emit(as_json, data, human)
            sys.stdout.flush()
            if not no_browser:
                try:
                    launch(url)
                except NoViewer as exc:
                    _warn(f"no browser opened ({exc.message}): open {url} yourself")
            _serve_until_stopped(server)
    finally:
        server.server_close()


class _Stop(Exception):
    pass


def _serve_until_stopped(server: ReplayServer) -> None:
    """Serve until Ctrl-C or SIGTERM, both a normal end of a replay."""

    def on_term(signum: int, frame: FrameType | None) -> None:
        raise _Stop

    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, on_term) if main else None
    try:
        server.serve_forever()
    except (KeyboardInterrupt, _Stop):
        click.echo("vestige: replay stopped", err=True)
    finally:
        if main:
            signal.signal(signal.SIGTERM, previous)
