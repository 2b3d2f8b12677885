"""Benchmarks for Vestige: ``python -m bench.run [--quick] [--only ingest|ledger]``."""
