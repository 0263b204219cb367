"""streams/engine/faust."""
