"""Chromium for the tests of what a profile does in a real page: every request is answered from the test's
own HTML under the platforms' real URLs, refused, or left unanswered; nothing reaches the network."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from playwright.async_api import Page, Route, ViewportSize

T = TypeVar("T")


class Hang(enum.Enum):
    """What ``serve`` returns for a request that must never be answered (a server that does not reply)."""

    HANG = "hang"


HANG = Hang.HANG

Serve = Callable[[str], "str | Hang | None"]


async def in_chromium(
    serve: Serve,
    run: Callable[[Page], Awaitable[T]],
    *,
    goto: str | None = None,
    viewport: ViewportSize | None = None,
) -> T:
    """``run(page)`` in headless Chromium, every request answered by ``serve(url)``: HTML to fulfil it with
    (text/html; charset=utf-8), None to refuse it, or ``HANG`` to leave it unanswered. The page first opens
    ``goto`` when given; the browser is closed after, whatever ``run`` did."""
    from playwright.async_api import async_playwright

    from vestige.archiver.browser import find_chromium, launch_args

    async def answer(route: Route) -> None:
        body = serve(route.request.url)
        if isinstance(body, str):
            await route.fulfill(body=body, content_type="text/html; charset=utf-8")
        elif body is None:
            await route.abort()
        # HANG: the request stays unanswered

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=find_chromium(pw), headless=True, args=launch_args([])
        )
        try:
            context = await browser.new_context(viewport=viewport)
            await context.route("**/*", answer)
            page = await context.new_page()
            if goto is not None:
                await page.goto(goto)
            return await run(page)
        finally:
            await browser.close()
