"""Platform look-alikes captured under their real host names, through --proxy (tests/support/platforms.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.support.platforms import PlatformWeb, RoutingProxy, make_platform_pki, platform_capture, serve

pytestmark = pytest.mark.slow


def test_a_platform_host_is_captured_under_its_real_name(vestige: Cli, tmp_path: Path) -> None:
    pki = make_platform_pki(tmp_path / "pki")
    page = "<html><head><title>Канал: приклад</title></head><body><p>Допис</p></body></html>".encode()
    routes = {("t.me", "/s/examplechannel"): (200, "text/html; charset=utf-8", page)}
    assert vestige("init", "--operator", "Platform Tester").exit_code == 0
    with PlatformWeb(pki, routes) as web, RoutingProxy(web.port) as proxy:
        res = vestige(
            "capture", "https://t.me/s/examplechannel", "--proxy", proxy.url, "--ca-file", str(pki.ca_pem),
            "--case", "P1", "--create-case", "--json",
            "--profile", "generic",  # the page is no Telegram listing: the telegram profile would say so
        )  # fmt: skip
        assert res.exit_code == 0, res.stdout + res.stderr
    [row] = res.json()
    assert row["state"] == "complete" and row["title"] == "Канал: приклад"
    assert set(proxy.tunnels) == {"t.me:443"} and ("t.me", "/s/examplechannel") in web.requests
    [prov_art] = [a for a in row["artifacts"] if a["role"] == "provenance"]
    tls = json.loads(Path(prov_art["path"]).read_text())["main_origin_tls"]
    assert tls["host"] == "t.me" and tls["validation"]["valid"] is True  # SNI and the chain, as for real


def test_the_recorder_answers_for_no_host_itself(vestige: Cli, tmp_path: Path) -> None:
    # mitmproxy's onboarding app answers for mitm.it in the server's place; the recorder does not load
    # it (nor any other addon that answers or rewrites), so the site's own page is what is captured.
    page = b"<html><head><title>The real mitm.it</title></head><body><p>served by the site</p></body></html>"
    routes = {("mitm.it", "/"): (200, "text/html; charset=utf-8", page)}
    with serve(routes, tmp_path / "pki", ("mitm.it",)) as look_alike:
        code, row = platform_capture(vestige, look_alike, "P1")("https://mitm.it/")
    assert code == 0 and row["title"] == "The real mitm.it" and ("mitm.it", "/") in look_alike.web.requests
