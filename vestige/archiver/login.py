"""Interactive login: a visible Chromium at the platform's login page; the user logs in, Vestige keeps
the browser state.

The window is the same Chromium, launched with the same arguments as a capture's (no calls home to
Google), in a fresh profile. It does not go through the recorder: logging in is not evidence. The caller
decides when the user is done (``vestige session add --login`` waits for Enter in the terminal).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from cryptography import x509

from ..errors import InputError, VestigeError
from .browser import find_chromium, launch_args
from .browser_state import BrowserState
from .recorder_ca import spki_hash


class DisplayMissing(VestigeError):
    exit_code = 3
    kind = "display-missing"


class LoginCancelled(VestigeError):
    kind = "login-cancelled"


def require_display() -> None:
    """The login window needs a desktop (X11 or Wayland)."""
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise DisplayMissing(
            "no display for the login window (DISPLAY is not set)",
            hint="log in on a desktop session, or export cookies.txt from your browser and use --cookies",
        )


def spki_hashes(pem_file: Path) -> list[str]:
    """base64 SHA-256 of each certificate's key in ``pem_file``, for --ignore-certificate-errors-spki-list.

    Chromium accepts a server whose presented chain holds one of these keys; a root CA that the server
    does not send is not matched, so for a private PKI give the server's or its intermediate's certificate.
    (Captures need no such flag: their browser talks only to the recorder, which validates with --ca-file.)"""
    try:
        certs = x509.load_pem_x509_certificates(pem_file.read_bytes())
    except ValueError:
        raise InputError(f"{pem_file}: no PEM certificate in it") from None
    return [spki_hash(c) for c in certs]


def browser_proxy(proxy: str | None) -> dict[str, str] | None:
    """Playwright's proxy setting for ``--proxy``. Chromium's socks5 resolves names at the proxy already,
    which is what socks5h asks for."""
    if proxy is None:
        return None
    return {
        "server": "socks5://" + proxy.removeprefix("socks5h://") if proxy.startswith("socks5h://") else proxy
    }


async def interactive_login(
    login_url: str,
    done: Callable[[], Awaitable[None]],
    *,
    proxy: str | None = None,
    extra_ca: Path | None = None,
) -> BrowserState:
    """Open ``login_url`` in a visible browser; when ``done()`` returns, the browser's cookies and
    localStorage. Closing the window first cancels (``LoginCancelled``)."""
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import async_playwright

    require_display()
    extra = [f"--ignore-certificate-errors-spki-list={','.join(spki_hashes(extra_ca))}"] if extra_ca else []
    async with async_playwright() as pw:
        try:
            browser = await pw.chromium.launch(
                executable_path=find_chromium(pw),
                headless=False,
                args=launch_args(extra),
                proxy=browser_proxy(proxy),  # type: ignore[arg-type]
            )
        except PlaywrightError as exc:
            raise DisplayMissing(f"the login window could not open: {str(exc).splitlines()[0]}") from None
        try:
            context = await browser.new_context(no_viewport=True)
            page = await context.new_page()
            closed = asyncio.get_running_loop().create_future()

            def on_close(*_: Any) -> None:
                if not closed.done():
                    closed.set_result(None)

            page.on("close", on_close)
            browser.on("disconnected", on_close)
            with contextlib.suppress(PlaywrightError):  # a page that fails to load: the user sees it
                await page.goto(login_url, wait_until="commit")
            finished = asyncio.ensure_future(done())
            await asyncio.wait([finished, closed], return_when=asyncio.FIRST_COMPLETED)
            if not finished.done():
                finished.cancel()
                raise LoginCancelled(
                    "the login window was closed before Enter was pressed; nothing was saved"
                )
            finished.result()  # done()'s own error (e.g. no terminal input) stops here
            try:
                raw = await context.storage_state()
            except PlaywrightError:
                raise LoginCancelled("the login window was closed; nothing was saved") from None
        finally:
            with contextlib.suppress(PlaywrightError):
                await browser.close()
    return BrowserState.from_playwright(raw)
