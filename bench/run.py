"""Run the benchmarks and print one JSON document on stdout (progress goes to stderr).

.venv/bin/python -m bench.run [--quick] [--only ingest|ledger|capture|batch] [--dir DIR] [--keep]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from . import batch, capture, ingest, ledger
from .common import Json, log, machine


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="128 MiB file, 100,000 entries, 3 page runs, 128 MiB response, 20-page batch",
    )
    parser.add_argument("--only", choices=("ingest", "ledger", "capture", "batch"))
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
    out: Json = {"machine": machine(args.quick, workdir)}
    targets: dict[str, Json] = {}
    try:
        if args.only in (None, "ingest"):
            out["ingest"], t = ingest.run(args.quick, workdir)
            targets.update(t)
        if args.only in (None, "ledger"):
            out["ledger"], t = ledger.run(args.quick, workdir)
            targets.update(t)
        if args.only in (None, "capture"):
            out["capture"], t = capture.run(args.quick, workdir)
            targets.update(t)
        if args.only in (None, "batch"):
            out["batch"], t = batch.run(args.quick, workdir)
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
