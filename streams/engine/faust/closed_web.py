"""faust's web driver without faust's own routes: the web port serves only dexwatch's pages.

faust mounts `/router/...` (topics, partitions, member URLs, key-to-partition lookups) and
`/table/...` (table names and value lookups) on every worker, plus `/`, `/graph`, `/stats`
and `/performance` depending on settings. None of that is dexwatch's interface and some of it
reads internal state, so this driver mounts no blueprint at all; dexwatch's pages are
registered with `app.page`.
"""

from __future__ import annotations

from typing import ClassVar

from faust.web.base import _BPList
from faust.web.drivers.aiohttp import Web

__all__ = ["ClosedWeb"]


class ClosedWeb(Web):
    default_blueprints: ClassVar[_BPList] = ()
    production_blueprints: ClassVar[_BPList] = ()
    debug_blueprints: ClassVar[_BPList] = ()
    optional_blueprints: ClassVar[_BPList] = ()
