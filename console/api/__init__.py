"""The console's HTTP API under /api/v1."""
