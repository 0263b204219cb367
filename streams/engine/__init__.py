"""streams/engine."""
