"""Chain of custody: canonical entries, the Merkle ledger, signed checkpoints, timestamps, verification."""
