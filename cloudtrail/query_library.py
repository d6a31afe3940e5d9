"""The saved investigation queries: one Athena (Trino) SQL file each in ``cloudtrail/queries/``.

Each file starts with a header: the first comment line says what it finds, then ``-- cis: <control or
->``, then ``-- params: none`` or the name of each ``?`` placeholder in order. The Athena component
saves them as named queries (prepared statements when they take parameters); the local runner runs the
same text through DuckDB.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

QUERIES = Path(__file__).resolve().parent / "queries"


@dataclass(frozen=True)
class SavedQuery:
    name: str
    description: str
    cis: str
    params: tuple
    sql: str

    @property
    def body(self) -> str:
        """The SQL without its header comments."""
        return "\n".join(line for line in self.sql.splitlines() if not line.startswith("--")).strip()


def _parse(path: Path) -> SavedQuery:
    sql = path.read_text()
    lines = sql.splitlines()
    if len(lines) < 4 or not lines[0].startswith("-- ") or not lines[1].startswith("-- cis: ") \
            or not lines[2].startswith("-- params: "):
        raise ValueError(f"{path.name}: expected a header of three comment lines (description, cis, params)")
    params_text = lines[2][len("-- params: "):].strip()
    params = () if params_text == "none" else tuple(p.strip() for p in params_text.split(","))
    placeholders = len(re.findall(r"\?", "\n".join(lines[3:])))
    if placeholders != len(params):
        raise ValueError(f"{path.name}: {placeholders} placeholders but {len(params)} parameters in the header")
    return SavedQuery(path.stem, lines[0][3:].strip(), lines[1][len("-- cis: "):].strip(), params, sql)


@lru_cache(maxsize=1)
def saved_queries() -> dict[str, SavedQuery]:
    return {q.name: q for q in (_parse(p) for p in sorted(QUERIES.glob("*.sql")))}
