"""Capture: a real browser behind a recording proxy, written to WARC with attachments and provenance."""
