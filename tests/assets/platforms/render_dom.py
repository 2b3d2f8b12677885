"""Renders a platform look-alike's live pages in Chromium and saves their DOM, as a capture saves dom.html.

    .venv/bin/python tests/assets/platforms/render_dom.py bluesky
    .venv/bin/python tests/assets/platforms/render_dom.py mastodon

The platform's ``site.py`` says what every host answers; the pages are served over HTTPS under the real host
names (tests/support/platforms.py) and reached through the same routing proxy as the capture tests. Before
saving, the platform profile's own ``prepare`` runs (so replies are loaded and texts opened as in a capture).
A page listed with the profile "none" is saved as it renders by
itself. The saved files are the fixtures of tests/archiver/test_profile_<platform>.py."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from playwright.async_api import async_playwright  # noqa: E402

from tests.support.platforms import load_site, serve  # noqa: E402
from tests.support.web import CLIP  # noqa: E402
from vestige.archiver.browser import find_chromium, launch_args  # noqa: E402
from vestige.archiver.profiles.base import Profile  # noqa: E402
from vestige.archiver.profiles.bluesky import BlueskyProfile  # noqa: E402
from vestige.archiver.profiles.generic import GenericProfile  # noqa: E402
from vestige.archiver.profiles.mastodon import MastodonProfile  # noqa: E402

HERE = Path(__file__).parent
PROFILES: dict[str, type[Profile]] = {
    "bluesky": BlueskyProfile,
    "mastodon": MastodonProfile,
    "generic": GenericProfile,
}


async def render(platform: str) -> None:
    site = load_site(platform)
    with (
        tempfile.TemporaryDirectory() as tmp,
        serve(site.routes(site.jpeg_bytes(), CLIP), Path(tmp)) as look_alike,
    ):
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=find_chromium(pw), args=launch_args([]))
            for url, name, replies, profile in site.RENDERED:
                # In UTC and English, so that the times the apps show are the same on every machine.
                context = await browser.new_context(
                    proxy={"server": look_alike.proxy.url},
                    ignore_https_errors=True,
                    timezone_id="UTC",
                    locale="en-US",
                )
                page = await context.new_page()
                await page.goto(url, wait_until="load")
                notes = []
                if profile in PROFILES:
                    notes = await PROFILES[profile]().prepare(page, 20, replies=replies)
                    await page.wait_for_timeout(500)
                else:  # "none": as the page renders by itself, nothing opened or loaded
                    await page.wait_for_timeout(2000)
                (HERE / platform / name).write_text(await page.content(), encoding="utf-8")
                print(f"{name}: {url} ({'; '.join(notes)})")
                await context.close()
            await browser.close()


if __name__ == "__main__":
    asyncio.run(render(sys.argv[1] if len(sys.argv) > 1 else "bluesky"))
