"""Run a saved query (or ad-hoc SQL) written in Athena's SQL over the local table, through sqlglot."""
from __future__ import annotations

import sys
from datetime import datetime, timezone
from typing import Optional, Sequence

import duckdb
from cloudtrail.query_library import SavedQuery

from . import dialect
from .loader import UsageError


def to_duckdb(sql: str, as_of: datetime) -> str:
    """Transpile Athena (Trino) SQL to DuckDB with Athena's semantics and "now" fixed at ``as_of`` (see dialect)."""
    return dialect.to_duckdb(sql, as_of)


def run(con: duckdb.DuckDBPyConnection, sql: str, as_of: datetime, params: Sequence[str] = ()) -> tuple[list, list]:
    later = dialect.prepare(con, as_of)
    if later:
        print(f"{later} records are later than AS_OF {dialect.utc(as_of).isoformat()} and not in the table",
              file=sys.stderr)
    try:
        cursor = con.execute(to_duckdb(sql, as_of), list(params))
    except duckdb.Error as error:
        raise UsageError(f"the query failed: {dialect.message(error)}") from None
    columns = [d[0] for d in cursor.description]
    return columns, [[dialect.athena_value(v) for v in row] for row in cursor.fetchall()]


def bind(query: SavedQuery, given: dict[str, str]) -> list[str]:
    missing = [p for p in dict.fromkeys(query.params) if p not in given]
    if missing:
        raise UsageError(f"query {query.name} needs PARAMS=\"{' '.join(f'{p}=...' for p in dict.fromkeys(query.params))}\""
                         f" (missing: {', '.join(missing)})")
    unknown = sorted(set(given) - set(query.params))
    if unknown:
        raise UsageError(f"query {query.name} takes no parameter {', '.join(unknown)}"
                         + (f"; it takes {', '.join(dict.fromkeys(query.params))}" if query.params else ""))
    return [given[p] for p in query.params]


def parse_params(text: Optional[str]) -> dict[str, str]:
    out = {}
    for item in (text or "").split():
        if "=" not in item:
            raise UsageError(f"PARAMS: {item!r} is not key=value")
        key, value = item.split("=", 1)
        out[key] = value
    return out


def parse_as_of(text: Optional[str]) -> datetime:
    if not text:
        return datetime.now(timezone.utc)
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"AS_OF: {text!r} is not an ISO-8601 time such as 2023-07-11T00:00:00Z") from None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
