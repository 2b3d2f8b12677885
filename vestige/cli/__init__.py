"""The command line: one place turns errors into messages and exit codes (``base.VestigeGroup``).

Commands live in modules by subject; importing them registers them on ``cli``."""

from . import bundles, capture, cases, custody, evidence, finding, review, session, settings  # noqa: F401  (registers commands)
from .base import cli, main

__all__ = ["cli", "main"]
