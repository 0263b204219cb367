"""`python -m bench.quality`."""

import sys

from bench.quality.cli import main

__all__: list[str] = []

if __name__ == "__main__":
    sys.exit(main())
