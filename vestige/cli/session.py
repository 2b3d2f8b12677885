"""vestige session: stored logins for platforms that show posts only to logged-in users."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
import time
from pathlib import Path
from typing import Any

import click

from .. import errors
from ..archive import Archive
from ..archiver.browser_state import MAX_FILE_BYTES, BrowserState, parse_cookies_txt, parse_storage_state
from ..archiver.session_store import SessionStore
from ..archiver.sessions import (
    SessionScope,
    StoredSession,
    check_label,
    scope_for,
    session_for,
    session_platforms,
)
from ..clock import utc_now
from .base import EXISTING_FILE, _archive, _emit, _warn, cli, json_option


@cli.group()
def session() -> None:
    """Stored login sessions, for posts a platform shows only to logged-in users.

    A session is kept in the archive (sessions/PLATFORM.json, mode 0600), never in the evidence.
    A capture uses it only when asked: vestige capture URL --session.
    """


@session.command("add")
@click.argument("platform")
@click.option(
    "--label", required=True, help="Your name for the account, recorded in each capture's provenance."
)
@click.option(
    "--cookies", "cookies_file", type=EXISTING_FILE, default=None, help="Import a Netscape cookies.txt."
)
@click.option(
    "--storage-state",
    "state_file",
    type=EXISTING_FILE,
    default=None,
    help="Import a Playwright storage-state JSON.",
)
@click.option("--login", is_flag=True, help="Log in in a browser window; press Enter here when logged in.")
@click.option("--host", default=None, help="The instance's host name (Mastodon), e.g. mastodon.social.")
@click.option(
    "--proxy", default=None, help="With --login: the proxy the login window uses (http://, socks5://)."
)
@click.option(
    "--ca-file",
    type=EXISTING_FILE,
    default=None,
    help="With --login: certificates (PEM) the window accepts in a server's chain (private PKI).",
)
@json_option
@click.pass_context
def session_add(
    ctx: click.Context,
    platform: str,
    label: str,
    cookies_file: Path | None,
    state_file: Path | None,
    login: bool,
    host: str | None,
    proxy: str | None,
    ca_file: Path | None,
    as_json: bool,
) -> None:
    """Store the login session of an account on PLATFORM (one per platform; a new one replaces it).

    The cookies and localStorage come from a cookies.txt (as browser export extensions and yt-dlp
    write it), a Playwright storage state, or a login in a browser window. Only those of the
    platform's own domains are kept. Use an account made for investigations: the platform sees it.

    \b
    Example:
      vestige session add x --label "osint-x-2" --cookies x-cookies.txt
      vestige session add mastodon --host mastodon.social --label "research" --login
    """
    from ..archiver.capture import check_proxy

    if [cookies_file is not None, state_file is not None, login].count(True) != 1:
        raise errors.InputError("give exactly one of --cookies FILE, --storage-state FILE or --login")
    if (proxy or ca_file) and not login:
        raise errors.InputError("--proxy and --ca-file are for --login")
    if proxy:
        check_proxy(proxy)
    scope = scope_for(platform, host)
    label = check_label(label)
    archive = _archive(ctx)
    store = SessionStore(archive.root)
    if cookies_file is not None:
        state, source = parse_cookies_txt(_read_bounded(cookies_file)), "cookies.txt"
    elif state_file is not None:
        state, source = parse_storage_state(_read_bounded(state_file)), "storage-state"
    else:
        state, source = _login(scope, proxy, ca_file), "login"
    kept, left_out = state.restricted(scope.domains, time.time())
    if not kept.cookies and not kept.origins:
        raise errors.InputError(
            f"nothing for {', '.join(scope.domains)} in what was given (no cookie that has not expired)",
            hint="log in to the platform in the browser you export from, then export again",
        )
    try:
        earlier = store.load(scope.platform)
    except errors.ArchiveError:  # a damaged or exposed earlier session: the new one replaces it
        earlier = None
    stored = StoredSession(scope.platform, label, scope.domains, source, utc_now(), kept)
    path = store.save(stored)
    data: dict[str, Any] = {**stored.summary(), "left_out": left_out, "path": str(path)}
    data["replaced"] = earlier.summary() if earlier else None
    counts = _count(len(kept.cookies), "cookie") + (
        f", localStorage of {_count(len(kept.origins), 'origin')}" if kept.origins else ""
    )
    text = f"stored the {scope.platform} session {label!r}: {counts} for {', '.join(scope.domains)} in {path}"
    if left_out:
        text += f"\n{left_out} cookies or origins of other sites, or expired, were left out"
    if earlier is not None:
        text += f"\nreplaced the earlier session {earlier.label!r} (added {earlier.created})"
    _emit(as_json, data, text)


@session.command("list")
@json_option
@click.pass_context
def session_list(ctx: click.Context, as_json: bool) -> None:
    """List stored sessions: platform, account label, cookies, domains, when added (never a value).

    \b
    Example:
      vestige session list
    """
    found = SessionStore(_archive(ctx).root).all()

    def human() -> None:
        if not found:
            click.echo(f"no stored sessions (platforms: {', '.join(session_platforms())})")
            return
        click.echo(f"{'PLATFORM':<12} {'LABEL':<24} {'COOKIES':>7}  {'ADDED':<19}  DOMAINS")
        for s in found:
            added, domains = s.created[:19].replace("T", " "), ", ".join(s.domains)
            click.echo(f"{s.platform:<12} {s.label:<24} {len(s.state.cookies):>7}  {added:<19}  {domains}")

    _emit(as_json, [s.summary() for s in found], human)


@session.command("remove")
@click.argument("platform")
@json_option
@click.pass_context
def session_remove(ctx: click.Context, platform: str, as_json: bool) -> None:
    """Delete PLATFORM's stored session. Log out of the account too, to end the session itself.

    \b
    Example:
      vestige session remove x
    """
    store = SessionStore(_archive(ctx).root)
    removed = store.remove(platform.strip().lower())
    if removed is None:
        raise errors.InputError(f"no stored session for {platform[:60]!r}", hint="see: vestige session list")
    _emit(as_json, removed.summary(), f"removed the {removed.platform} session {removed.label!r}")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _read_bounded(path: Path) -> bytes:
    with open(path, "rb") as fp:
        data = fp.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise errors.InputError(f"{path}: larger than {MAX_FILE_BYTES >> 20} MiB: not a cookies file")
    return data


def _login(scope: SessionScope, proxy: str | None, ca_file: Path | None) -> BrowserState:
    from ..archiver.login import LoginCancelled, interactive_login, require_display

    require_display()

    async def enter_pressed() -> None:
        """Wait for a line on stdin in a daemon thread (a blocked read must not hold up the exit)."""
        loop = asyncio.get_running_loop()
        line: asyncio.Future[str] = loop.create_future()

        def answer(text: str) -> None:
            if not line.done():
                line.set_result(text)

        def read() -> None:
            text = sys.stdin.readline() if sys.stdin is not None else ""
            with contextlib.suppress(RuntimeError):  # the loop is gone: the login ended another way
                loop.call_soon_threadsafe(answer, text)

        threading.Thread(target=read, name="vestige-enter", daemon=True).start()
        if not await line:
            raise LoginCancelled("no Enter on standard input (it was closed); nothing was saved")

    click.echo(
        f"A browser window opens at {scope.login_url}. Log in to the account there, then press Enter "
        "here to save the session (Ctrl-C cancels).",
        err=True,
    )
    state = asyncio.run(interactive_login(scope.login_url, enter_pressed, proxy=proxy, extra_ca=ca_file))
    if not state.cookies:
        _warn("the browser has no cookies: was the login finished?")
    return state


def sessions_for_urls(archive: Archive, urls: list[str], profile: str | None) -> dict[str, StoredSession]:
    """``capture --session``: the stored session each URL is captured with. A URL that no stored session
    covers stops the run before anything is captured: the user asked for logged-in captures."""
    from ..archiver.profiles import select_profile

    stored = SessionStore(archive.root).all()
    chosen: dict[str, StoredSession] = {}
    missing: list[str] = []
    for url in urls:
        found = session_for(url, stored, select_profile(url, profile).name)
        if found is None:
            missing.append(url)
        else:
            chosen[url] = found
    if missing:
        more = f" (and {len(missing) - 1} more URLs)" if len(missing) > 1 else ""
        raise errors.InputError(
            f"--session: no stored session covers {missing[0][:200]}{more}",
            hint="add one with: vestige session add PLATFORM --label NAME ...; see: vestige session list",
        )
    return chosen
