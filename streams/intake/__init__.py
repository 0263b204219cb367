"""streams/intake."""
