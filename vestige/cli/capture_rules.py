"""The rules of capture's options, shared by ``vestige capture`` and the archive's settings (``vestige
config``); tests/test_settings.py checks that they agree with the capture engine's own. A module of their
own: capture reads them before it imports the archive (it starts the browser first), and settings are
read by add and export too, which should not load the capture engine (mitmproxy)."""

from __future__ import annotations

import click

PROXY_SCHEMES = ("http://", "https://", "socks5://", "socks5h://")
CAPTURE_TIMEOUT = click.FloatRange(min=5)
CAPTURE_SETTLE = click.FloatRange(min=0.2, max=30)
CAPTURE_JOBS = click.IntRange(1, 16)
