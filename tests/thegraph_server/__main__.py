"""`python -m tests.thegraph_server --port 8000`: serve the test subgraphs by hand.

The data ends at the current hour and the head follows the wall clock, so a connector pointed
at it sees a live-looking chain. Change its behaviour with `POST /admin` (see app.py).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from aiohttp import web

from tests.thegraph_server.app import SUBGRAPHS, TheGraphTestServer
from tests.thegraph_server.control import ServerControl

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.thegraph_server",
        description="A local GraphQL server speaking The Graph's subgraph subset and errors.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8000, help="port (default: %(default)s)")
    parser.add_argument("--hours", type=int, default=48, help="hours of history (default: 48)")
    parser.add_argument("--pools", type=int, default=36, help="pools per subgraph (default: 36)")
    parser.add_argument("--api-key", default=None, help="require this key (default: none)")
    parser.add_argument("--lag", type=float, default=0.0, help="indexing lag in seconds")
    args = parser.parse_args(argv)
    now = time.time()
    server = TheGraphTestServer(
        start=int(now // 3600 * 3600) - (args.hours - 1) * 3600,
        hours=args.hours,
        pools=args.pools,
        api_key=args.api_key,
        control=ServerControl(now=None, lag_s=args.lag),
    )
    base = f"http://{args.host}:{args.port}"
    for subgraph_id, (name, schema, _seed) in SUBGRAPHS.items():
        print(f"{name:>13} ({schema}): {base}/subgraphs/id/{subgraph_id}", file=sys.stderr)
    print(f"        admin: {base}/admin", file=sys.stderr)
    web.run_app(server.app(), host=args.host, port=args.port, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
