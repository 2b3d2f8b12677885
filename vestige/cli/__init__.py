"""The command line: one place turns errors into messages and exit codes (``base.VestigeGroup``).

Commands live in modules by subject; importing them registers them on ``cli``."""

from . import bundles, capture, custody, evidence  # noqa: F401  (registers the commands)
from .base import cli, main

__all__ = ["cli", "main"]
