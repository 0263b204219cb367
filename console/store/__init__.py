"""The console's embedded SQLite store."""
