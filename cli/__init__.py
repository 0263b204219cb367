"""The `dexwatch` command line. Each sub-command module exposes `register(commands)`."""
