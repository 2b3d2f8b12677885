"""The command line: one place turns errors into messages and exit codes (``base.VestigeGroup``).

Commands live in modules by subject, imported when their command runs (``VestigeGroup.lazy``)."""

from .base import cli, main

cli.lazy = {
    "add": "evidence",
    "capture": "capture",
    "case": "cases",
    "config": "settings",
    "doctor": "settings",
    "export": "bundles",
    "import": "bundles",
    "init": "evidence",
    "ledger": "custody",
    "list": "finding",
    "note": "evidence",
    "open": "review",
    "replay": "review",
    "search": "finding",
    "session": "session",
    "show": "finding",
    "tag": "finding",
    "timestamp": "custody",
    "transfer": "evidence",
    "tsa": "custody",
    "verify": "custody",
    "verify-bundle": "bundles",
}

__all__ = ["cli", "main"]
