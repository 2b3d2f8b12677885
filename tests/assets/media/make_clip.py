"""Build ``clip.webm``: a short, playable WebM that Chromium records from a canvas animation.

Usage: .venv/bin/python tests/assets/media/make_clip.py [output]

Chromium (Debian's, found as captures find it) draws a moving square on a 160x90 canvas for 1.5 s and
records it with MediaRecorder (VP8 in WebM). Nothing is downloaded and no other encoder is used. The file is
then played back in a fresh page to check that Chromium can play it: it must reach HAVE_CURRENT_DATA and its
clock must advance. MediaRecorder writes no duration and no cues, so the clip is not seekable; the tests
only need it to play.

The output differs byte for byte from run to run (encoder timing); commit the new file after a rebuild.
"""

from __future__ import annotations

import base64
import sys
from pathlib import Path
from typing import Any

from playwright.sync_api import Route, sync_playwright

from vestige.archiver.browser import find_chromium, launch_args

OUT = Path(__file__).with_name("clip.webm")
ORIGIN = "http://clip.test"  # served by page.route below, never looked up
MAX_BYTES = 100_000

RECORD = """async () => {
  const canvas = document.createElement('canvas');
  canvas.width = 160; canvas.height = 90;
  document.body.append(canvas);
  const ctx = canvas.getContext('2d');
  let frame = 0;
  const draw = () => {
    ctx.fillStyle = '#203040'; ctx.fillRect(0, 0, 160, 90);
    ctx.fillStyle = '#e04020'; ctx.fillRect(10 + (frame * 3) % 120, 30, 30, 30);
    ctx.fillStyle = '#ffffff'; ctx.font = '12px sans-serif'; ctx.fillText('Vestige ' + frame, 8, 84);
    frame += 1;
  };
  draw();
  const timer = setInterval(draw, 40);
  const recorder = new MediaRecorder(canvas.captureStream(25),
    {mimeType: 'video/webm;codecs=vp8', videoBitsPerSecond: 200000});
  const chunks = [];
  recorder.ondataavailable = e => { if (e.data.size) chunks.push(e.data); };
  const stopped = new Promise(resolve => { recorder.onstop = resolve; });
  recorder.start(250);
  await new Promise(resolve => setTimeout(resolve, 1500));
  recorder.stop();
  await stopped;
  clearInterval(timer);
  const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}"""

PLAY = """async () => {
  const video = document.querySelector('video');
  await video.play();
  await new Promise(resolve => setTimeout(resolve, 700));
  return {readyState: video.readyState, currentTime: video.currentTime,
          error: video.error && video.error.code, width: video.videoWidth, height: video.videoHeight};
}"""


def record(browser: Any) -> bytes:
    page = browser.new_page()
    page.route(f"{ORIGIN}/", lambda route: route.fulfill(content_type="text/html", body="<body></body>"))
    page.goto(f"{ORIGIN}/")
    clip = base64.b64decode(page.evaluate(RECORD))
    page.close()
    return clip


def check_plays(browser: Any, clip: bytes) -> dict[str, Any]:
    """Play ``clip`` muted in a fresh page, served over HTTP as the test web serves it."""

    def serve(route: Route) -> None:
        if route.request.url.endswith("/clip.webm"):
            route.fulfill(content_type="video/webm", body=clip)
        else:
            route.fulfill(content_type="text/html", body='<video src="/clip.webm" muted></video>')

    page = browser.new_page()
    page.route(f"{ORIGIN}/**", serve)
    page.goto(f"{ORIGIN}/")
    result: dict[str, Any] = page.evaluate(PLAY)
    page.close()
    return result


def main(out: Path) -> None:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_chromium(pw), headless=True, args=launch_args([]))
        try:
            clip = record(browser)
            played = check_plays(browser, clip)
        finally:
            browser.close()
    if not clip.startswith(b"\x1a\x45\xdf\xa3") or not 1000 < len(clip) <= MAX_BYTES:
        sys.exit(f"not a small WebM file: {len(clip)} bytes starting {clip[:4].hex()}")
    if played["error"] or played["readyState"] < 2 or played["currentTime"] <= 0 or not played["width"]:
        sys.exit(f"Chromium does not play the clip: {played}")
    out.write_bytes(clip)
    print(f"{out}: {len(clip)} bytes; played in Chromium: {played}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
