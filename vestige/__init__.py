"""Vestige: capture, preserve and prove web evidence."""

__version__ = "0.1.0"
