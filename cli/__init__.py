"""The `dexwatch` command line. `main.COMMANDS` lists the commands; each command's module
exposes `register(parser)`, imported only when its command is chosen."""
