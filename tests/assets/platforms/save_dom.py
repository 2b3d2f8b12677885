"""Save the DOM Vestige captures from a live look-alike page, as a static fixture for the unit tests.

    .venv/bin/python tests/assets/platforms/save_dom.py test_youtube_capture \\
        "https://www.youtube.com/watch?v=Vx7kQ2mZp9A" tests/assets/platforms/youtube/watch.html --replies 3

Serves the routes of ``tests/archiver/<module>.py`` (its ``routes()``) under the platforms' real host names,
as the capture test does, runs ``vestige capture URL ...`` through them with a fresh archive, and copies
the capture's ``dom`` artifact (``page.content()`` after the profile's ``prepare``, the scrolling and the
quiet wait) to the output file. The saved DOM keeps what ``prepare`` wrote on it (``data-vestige-replies``,
``data-vestige-clicked``), as every captured DOM does.
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "module", help="the capture test module whose routes() to serve, e.g. test_tiktok_capture"
    )
    parser.add_argument("url")
    parser.add_argument("out", type=Path)
    parser.add_argument(
        "more", nargs=argparse.REMAINDER, help="more `vestige capture` options, e.g. --replies 3"
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.conftest import Cli
    from tests.support.platforms import PlatformCapture, artifact_path, serve

    routes = importlib.import_module(f"tests.archiver.{args.module}").routes()
    with tempfile.TemporaryDirectory() as scratch:
        vestige = Cli(Path(scratch) / "archive")
        if vestige("init", "--operator", "Fixture Maker").exit_code != 0:
            print("save_dom: vestige init failed", file=sys.stderr)
            return 1
        with serve(routes, Path(scratch) / "pki") as look_alike:
            capture = PlatformCapture(vestige, look_alike, "FIXTURES", "--create-case", "--no-media-download")
            res = capture.result(args.url, *args.more)
        row = res.json()[0]
        if row["state"] != "complete":
            print(f"save_dom: the capture is {row['state']}: {row.get('reason')}", file=sys.stderr)
            return 1
        shutil.copyfile(artifact_path(row, "dom"), args.out)
    print(f"saved {args.out} ({args.out.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
