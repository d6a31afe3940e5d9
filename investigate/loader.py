"""Load CloudTrail log files (any tree of `.json` / `.json.gz` in the `{"Records": [...]}` layout) into a
DuckDB table with the Athena table's columns and the projected partitions (account, region, date)."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

import duckdb

from cloudtrail.schema import COLUMNS, duckdb_read_type, duckdb_select


from common import UsageError


def log_files(root: Path) -> list[Path]:
    """CloudTrail log files under ``root``; digest and Insights files (another schema) are left out."""
    if not root.is_dir():
        raise UsageError(f"LOGS: {root} is not a directory")
    files = [p for p in sorted(root.rglob("*")) if p.is_file() and p.name.endswith((".json", ".json.gz"))
             and "CloudTrail-Digest" not in p.as_posix() and "CloudTrail-Insight" not in p.as_posix()]
    if not files:
        raise UsageError(f"LOGS: no .json or .json.gz files under {root}")
    return files


def _record_type() -> str:
    return "STRUCT(" + ", ".join(f'"{key}" {duckdb_read_type(t)}' for _n, key, t in COLUMNS) + ")"


def _select() -> str:
    columns = [duckdb_select('r."' + key + '"', t) + f" AS {name}" for name, key, t in COLUMNS]
    columns += ['r."recipientAccountId" AS account', 'r."awsRegion" AS region',
                "replace(substr(r.\"eventTime\", 1, 10), '-', '/') AS date"]
    return ",\n  ".join(columns)


def _source(files: list[Path]) -> str:
    paths = "[" + ", ".join("'" + str(f).replace("'", "''") + "'" for f in files) + "]"
    record = _record_type().replace("'", "''")
    return (f"(SELECT unnest(Records) AS r FROM read_json({paths}, columns={{'Records': '{record}[]'}}, "
            "format='auto', maximum_object_size=1073741824))")


def load(con: duckdb.DuckDBPyConnection, root: Path, chunk: int = 200,
         progress: Optional[Callable[[int, int], None]] = None) -> tuple[int, list[tuple[str, str]]]:
    """Create table ``cloudtrail``; return (files loaded, [(file, why it could not be read)])."""
    files = log_files(root)
    select = _select()
    # The table's shape comes from the declared types, not from a file (the first file may be the bad one).
    con.execute(f"CREATE OR REPLACE TABLE cloudtrail AS SELECT {select} FROM (SELECT CAST(NULL AS {_record_type()}) "
                "AS r) LIMIT 0")
    loaded, failed = 0, []
    for start in range(0, len(files), chunk):
        batch = files[start:start + chunk]
        try:
            con.execute(f"INSERT INTO cloudtrail SELECT {select} FROM {_source(batch)}")
            loaded += len(batch)
        except duckdb.Error:
            for f in batch:  # find the unreadable ones without losing the rest
                try:
                    con.execute(f"INSERT INTO cloudtrail SELECT {select} FROM {_source([f])}")
                    loaded += 1
                except duckdb.Error as error:
                    failed.append((str(f), str(error).splitlines()[0][:200]))
        if progress:
            progress(min(start + chunk, len(files)), len(files))
    return loaded, failed
