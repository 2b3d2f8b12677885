"""Run the benchmarks and print one JSON document on stdout (progress goes to stderr).

.venv/bin/python -m bench.run [--quick] [--only NAME] [--dir DIR] [--keep]
NAME: ingest, ledger, capture, batch, catalog, export or post_video.
"""

from __future__ import annotations

import argparse
import compileall
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from . import batch, capture, catalog, export, ingest, ledger, post_video
from .common import Json, log, machine

BENCHES: dict[str, Any] = {
    "ingest": ingest,
    "ledger": ledger,
    "capture": capture,
    "batch": batch,
    "catalog": catalog,
    "export": export,
    "post_video": post_video,
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smaller sizes for every benchmark (minutes instead of an hour)",
    )
    parser.add_argument("--only", choices=tuple(BENCHES))
    parser.add_argument(
        "--dir",
        type=Path,
        default=None,
        help="parent of the work directory (default: the system temp dir); "
        "source files and archives share this disk",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    if args.dir is not None:
        args.dir.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="vestige-bench-", dir=args.dir))
    # The bytecode of Vestige's own modules, as an installed copy has it (pip compiles a wheel's files; an
    # editable install writes them at its first run): where PYTHONDONTWRITEBYTECODE is set, every command
    # the benchmarks start would otherwise compile them again (0.1-0.2 s each on this machine).
    compileall.compile_dir(Path(__file__).resolve().parent.parent / "vestige", quiet=1)
    out: Json = {"machine": machine(args.quick, workdir)}
    targets: dict[str, Json] = {}
    try:
        for name, bench in BENCHES.items():
            if args.only in (None, name):
                out[name], t = bench.run(args.quick, workdir)
                targets.update(t)
    finally:
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    out["targets"] = targets
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
