"""Exports: court-ready evidence bundles (docs/bundle-format.md) and the formats inside them."""
