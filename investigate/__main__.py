"""`make query`: list the saved investigations, or run one (or ad-hoc SQL) over local CloudTrail logs.
Exit 0 with results (even none), 2 on a usage error."""
from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv=None, prog: str = "investigate") -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("--query", default=None, help="a saved query's name")
    parser.add_argument("--sql", default=None, help="ad-hoc SQL (Athena dialect) over the table cloudtrail")
    parser.add_argument("--sql-file", default=None, help="a file holding the ad-hoc SQL (any quoting, comments)")
    parser.add_argument("--logs", default=None, help="folder of CloudTrail .json / .json.gz files (any tree)")
    parser.add_argument("--as-of", default=None, help="ISO-8601 time that 'now' means (default: the current time)")
    parser.add_argument("--params", default=None, help='"key=value ..." for a parameterized query')
    parser.add_argument("--format", choices=("text", "json", "csv"), default="text")
    parser.add_argument("--no-cache", action="store_true", help="read the evidence without the .evidence-cache/")
    args = parser.parse_args(argv)

    from cloudtrail.query_library import saved_queries
    queries = saved_queries()
    if args.sql_file is not None:
        from .loader import UsageError
        try:
            if args.sql is not None:
                raise UsageError("give SQL or SQL_FILE, not both")
            try:
                args.sql = Path(args.sql_file).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                raise UsageError(f"SQL_FILE: cannot read {args.sql_file}: {getattr(error, 'strerror', None) or error}")
        except UsageError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    if not args.query and not args.sql:
        width = max(len(n) for n in queries)
        for name, q in queries.items():
            print(f"{name:<{width}}  {q.description}")
        return 0

    from .loader import UsageError, open_evidence
    from .run import bind, parse_as_of, parse_params, run
    try:
        if args.query and args.sql:
            raise UsageError("give Q or SQL, not both")
        if args.query and args.query not in queries:
            import difflib
            close = difflib.get_close_matches(args.query, queries, n=1)
            raise UsageError(f"no saved query {args.query!r}" + (f"; did you mean {close[0]}?" if close else "")
                             + " (`make -s query` lists them)")
        if not args.logs:
            raise UsageError("LOGS=<folder of CloudTrail files> is required")
        given = parse_params(args.params)
        if args.query:
            query = queries[args.query]
            sql, params = query.body, bind(query, given)
        else:
            sql, params = args.sql, list(given.values())
        as_of = parse_as_of(args.as_of)

        evidence = open_evidence(Path(args.logs), cache=not args.no_cache)
        evidence.report.write(sys.stderr)
        try:
            columns, rows = run(evidence.connection, sql, as_of, params)
        finally:
            evidence.close()
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps({"columns": columns, "rows": rows}, default=str))
    elif args.format == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    else:
        widths = [max([len(c)] + [len(str(r[i])) for r in rows]) for i, c in enumerate(columns)]
        print("  ".join(c.ljust(w) for c, w in zip(columns, widths)))
        for r in rows:
            print("  ".join(("" if v is None else str(v)).ljust(w) for v, w in zip(r, widths)))
        print(f"({len(rows)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
