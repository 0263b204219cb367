"""The SDL of the subgraph subset we serve: Uniswap v3-style and v2-style schemas.

Field names, types and nullability follow the public subgraphs (BigDecimal and BigInt are
strings, some `amountUSD` and `logIndex` are nullable); each collection gets graph-node's
arguments (`first`, `skip`, `where`, `orderBy`, `orderDirection`, `block`, `subgraphError`),
with the filter fields and orders a connector of ours may use.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["V2_SDL", "V3_SDL"]

_COMMON = """
scalar BigDecimal
scalar BigInt
scalar Bytes

enum OrderDirection { asc desc }
enum _SubgraphErrorPolicy_ { allow deny }

input Block_height { hash: Bytes number: Int number_gte: Int }

type _Block_ { hash: Bytes number: Int! timestamp: Int parentHash: Bytes }
type _Meta_ { block: _Block_! deployment: String! hasIndexingErrors: Boolean! }

type Token { id: ID! symbol: String! name: String! decimals: BigInt! }
type Transaction { id: ID! blockNumber: BigInt! timestamp: BigInt! }
"""


@dataclass(frozen=True)
class _Collection:
    entity: str
    plural: str
    singular: str
    filters: Mapping[str, str]
    orders: Sequence[str]


_TRANSACTION_FILTERS = {
    "timestamp_gt": "BigInt",
    "timestamp_gte": "BigInt",
    "timestamp_lt": "BigInt",
    "timestamp_lte": "BigInt",
}


def _collections(
    pool: str, pools: str, hour: str, hours: str, start: str, tvl: str
) -> list[_Collection]:
    reference = pool[0].lower() + pool[1:]
    by_pool = {reference: "String", f"{reference}_in": "[String!]"}
    return [
        _Collection(pool, pools, reference, {"id_in": "[ID!]", f"{tvl}_gt": "BigDecimal"}, [tvl]),
        _Collection(
            hour,
            hours,
            hour[0].lower() + hour[1:],
            by_pool | {f"{start}_gte": "Int", f"{start}_lt": "Int"},
            [start],
        ),
        *(
            _Collection(
                kind,
                f"{kind.lower()}s",
                kind.lower(),
                by_pool | _TRANSACTION_FILTERS,
                ["timestamp"],
            )
            for kind in ("Swap", "Mint", "Burn")
        ),
    ]


def _query_type(collections: Sequence[_Collection]) -> str:
    parts = []
    fields = []
    policy = "subgraphError: _SubgraphErrorPolicy_! = deny"
    for item in collections:
        filters = {"id": "ID", "id_gt": "ID", "id_lt": "ID", **item.filters}
        parts.append(
            f"input {item.entity}_filter {{ "
            + " ".join(f"{name}: {kind}" for name, kind in filters.items())
            + " }"
        )
        parts.append(f"enum {item.entity}_orderBy {{ id {' '.join(item.orders)} }}")
        fields.append(f"{item.singular}(id: ID!, block: Block_height, {policy}): {item.entity}")
        fields.append(
            f"{item.plural}(skip: Int = 0, first: Int = 100, orderBy: {item.entity}_orderBy, "
            f"orderDirection: OrderDirection, where: {item.entity}_filter, block: Block_height, "
            f"{policy}): [{item.entity}!]!"
        )
    fields.append("_meta(block: Block_height): _Meta_")
    return "\n".join(parts) + "\ntype Query {\n  " + "\n  ".join(fields) + "\n}\n"


V3_SDL = (
    _COMMON
    + """
type Pool {
  id: ID! createdAtTimestamp: BigInt! token0: Token! token1: Token! feeTier: BigInt!
  liquidity: BigInt! sqrtPrice: BigInt! token0Price: BigDecimal! token1Price: BigDecimal!
  tick: BigInt volumeUSD: BigDecimal! feesUSD: BigDecimal! txCount: BigInt!
  totalValueLockedUSD: BigDecimal!
}
type PoolHourData {
  id: ID! periodStartUnix: Int! pool: Pool! liquidity: BigInt! sqrtPrice: BigInt!
  token0Price: BigDecimal! token1Price: BigDecimal! tick: BigInt tvlUSD: BigDecimal!
  volumeUSD: BigDecimal! feesUSD: BigDecimal! txCount: BigInt!
}
type Swap {
  id: ID! transaction: Transaction! timestamp: BigInt! pool: Pool! sender: Bytes!
  recipient: Bytes! origin: Bytes! amountUSD: BigDecimal! sqrtPriceX96: BigInt! tick: BigInt!
  logIndex: BigInt
}
type Mint {
  id: ID! transaction: Transaction! timestamp: BigInt! pool: Pool! owner: Bytes! sender: Bytes
  origin: Bytes! amount: BigInt! amountUSD: BigDecimal logIndex: BigInt
}
type Burn {
  id: ID! transaction: Transaction! timestamp: BigInt! pool: Pool! owner: Bytes origin: Bytes!
  amount: BigInt! amountUSD: BigDecimal logIndex: BigInt
}
"""
    + _query_type(
        _collections(
            "Pool",
            "pools",
            "PoolHourData",
            "poolHourDatas",
            "periodStartUnix",
            "totalValueLockedUSD",
        )
    )
)

V2_SDL = (
    _COMMON
    + """
type Pair {
  id: ID! createdAtTimestamp: BigInt! token0: Token! token1: Token! reserve0: BigDecimal!
  reserve1: BigDecimal! totalSupply: BigDecimal! reserveUSD: BigDecimal!
  token0Price: BigDecimal! token1Price: BigDecimal! volumeUSD: BigDecimal! txCount: BigInt!
}
type PairHourData {
  id: ID! hourStartUnix: Int! pair: Pair! reserve0: BigDecimal! reserve1: BigDecimal!
  totalSupply: BigDecimal reserveUSD: BigDecimal! hourlyVolumeUSD: BigDecimal!
  hourlyTxns: BigInt!
}
type Swap {
  id: ID! transaction: Transaction! timestamp: BigInt! pair: Pair! sender: Bytes! from: Bytes!
  to: Bytes! amountUSD: BigDecimal! logIndex: BigInt
}
type Mint {
  id: ID! transaction: Transaction! timestamp: BigInt! pair: Pair! to: Bytes! sender: Bytes
  liquidity: BigDecimal! amountUSD: BigDecimal logIndex: BigInt
}
type Burn {
  id: ID! transaction: Transaction! timestamp: BigInt! pair: Pair! sender: Bytes to: Bytes
  liquidity: BigDecimal! amountUSD: BigDecimal logIndex: BigInt
}
"""
    + _query_type(
        _collections(
            "Pair", "pairs", "PairHourData", "pairHourDatas", "hourStartUnix", "reserveUSD"
        )
    )
)
