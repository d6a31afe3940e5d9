"""Athena engine 3 (Trino) semantics on a DuckDB connection: the local runner answers as Athena would.

Three parts:

- ``parse(sql)``: Athena's grammar, stricter than sqlglot's. One statement per query (Athena's
  StartQueryExecution runs one); adjacent string literals (``'a' 'b'``) are a syntax error in Trino's
  grammar (``string: STRING | UNICODE_STRING ...``, no concatenation rule) although sqlglot reads them as
  ``'a' || 'b'``; tokenizer and parser errors are ``UsageError`` (exit 2), never a traceback.
- ``prepare(con, as_of)``: the session. Time zone UTC whatever the machine's (Athena's sessions run in UTC;
  another zone is reached with AT TIME ZONE / at_timezone:
  https://docs.aws.amazon.com/athena/latest/ug/athena-supported-time-zones.html), the Python functions
  behind ``IPADDRESS`` and decimal division, and the table ``cloudtrail`` becomes a view of the events
  up to ``as_of`` (events after it did not exist yet).
- ``to_duckdb(sql, as_of)``: transpiles with sqlglot, then rewrites each construct whose DuckDB meaning
  differs from Trino's (the list is ``DIFFERENCES``; each entry names Trino's documented rule).

"now" is ``as_of`` in every form: ``current_timestamp``/``now()`` (TIMESTAMP WITH TIME ZONE, UTC),
``current_date`` (DATE), ``current_time`` (TIME WITH TIME ZONE), ``localtimestamp`` (TIMESTAMP),
``localtime`` (TIME), ``current_timezone()`` ('UTC'); an ``as_of`` with an offset is converted to UTC first.
"""
from __future__ import annotations

import ipaddress
import logging
import re
from datetime import datetime, time as dt_time, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import Optional

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.tokens import TokenType

from common import UsageError

TABLE = "cloudtrail"
BASE_TABLE = "cloudtrail_evidence"

# (construct, Trino's rule, DuckDB's default, how it is handled here); docs.trino.io pages named per row.
DIFFERENCES = [
    ("session time zone", "UTC on Athena", "the machine's TZ", "SET TimeZone='UTC'"),
    ("current_date, current_time, localtimestamp, localtime, now()", "the query's start time",
     "the real clock", "replaced by AS_OF constants"),
    ("json_extract_scalar on an object/array", "NULL (functions/json.html: the value must be a scalar)",
     "the JSON text", "trino_json_extract_scalar macro"),
    ("json_extract / json_extract_scalar of text that is not JSON", "NULL (the parser gives up; Presto/Trino "
     "even return values read before the fault: prestodb/presto#20916)", "the query fails: Malformed JSON",
     "NULL unless json_valid; the table's JSON columns are valid by construction and skip the check"),
    ("CAST(json AS VARCHAR)", "a JSON string is unquoted; object/array is an error (functions/json.html, Cast to JSON)",
     "the JSON text with its quotes", "trino_json_to_varchar macro"),
    ("decimal literal", "DECIMAL (language/types.html#decimal)", "DECIMAL", "same"),
    ("decimal division", "DECIMAL, scale max(s1, s2), rounded half up; zero divisor is an error "
     "(functions/decimal.html)", "DOUBLE, x/0 = inf or NULL", "Python function over decimal.Decimal"),
    ("integer division", "truncates, zero divisor is an error (functions/math.html)", "DOUBLE", "DuckDB's //"),
    ("IPADDRESS type, literal, contains(cidr, ip)", "functions/ipaddress.html", "no such type",
     "dotted-quad IPv4 in SQL, everything else through Python's ipaddress module (the reference; both paths "
     "tested to agree); the value is the address's canonical text, compared "
     "(<, <=, >, >=, BETWEEN, ORDER BY the cast) by its 16-byte form; ORDER BY an alias of one orders the text"),
    ("CAST(x AS IPADDRESS) of an IPv4 address with leading zeros ('10.0.0.07')", "an error (Guava's parser)",
     "-", "an error (Python's ipaddress rejects them too)"),
    ("regexp_extract without a match", "NULL (functions/regexp.html)", "''", "trino_regexp_extract macro"),
    ("split_part beyond the last field", "NULL (functions/string.html)", "''", "trino_split_part macro"),
    ("date_diff(unit, a, b)", "whole units elapsed (functions/datetime.html)", "boundaries crossed",
     "DuckDB's date_sub, which counts whole units"),
    ("approx_distinct", "an estimate, standard error 2.3% (functions/aggregate.html)",
     "another estimator, off on small sets", "count(DISTINCT x): the exact count Athena's estimate approximates "
     "(the answers can differ by the estimate's error)"),
    ("date +/- interval of days/months/years", "DATE", "TIMESTAMP", "cast back to DATE"),
    ("unnamed output columns", "_col0, _col1, ... by position", "the expression's text", "aliased _colN"),
    ("json_array_contains", "functions/json.html", "no such function", "trino_json_array_contains macro"),
    ("json_array_length / json_size on a non-array / scalar", "NULL / 0 (functions/json.html)", "0 / no function",
     "trino_json_array_length, trino_json_size macros"),
    ("substr(s, 0, n)", "'' (positions start at 1; functions/string.html)", "the first n - 1 characters",
     "trino_substr macros"),
    ("array[i] outside the array", "an error (language/types.html#array; element_at gives NULL)", "NULL",
     "trino_subscript macro (arrays and split(...)); element_at keeps NULL"),
    ("map[key] of a missing key", "an error (functions/map.html#subscript-operator)", "NULL",
     "trino_map_subscript macro when the map type is known"),
    ("avg(decimal)", "DECIMAL of the argument's scale, rounded half up (functions/aggregate.html)", "DOUBLE",
     "sum / count through the decimal division"),
    ("date/time compared with a string literal", "error: Cannot apply operator (no implicit cast)",
     "the string is cast", "rejected with Athena's message"),
    ("to_iso8601, format_datetime, parse_datetime (Joda patterns), any_match/all_match/none_match",
     "functions/datetime.html, functions/array.html", "no such functions", "macros; Joda patterns translated"),
    ("UNNEST(array of rows) AS t(a, b, c)", "a column per field; alias count must match", "one struct column",
     "LATERAL UNNEST(..., max_depth := 2); a wrong alias count is Athena's error"),
    ("ORDER BY ... NULLS", "NULLS LAST by default, ASC and DESC", "NULLS LAST", "same (checked by the corpus)"),
    ("hour(), date_format() of a timestamp with a non-UTC offset", "in the value's own zone", "in UTC",
     "NOT handled: CloudTrail's eventTime is always UTC ('Z')"),
    ("CAST(timestamp AS VARCHAR)", "'2023-07-10 11:00:00.000 UTC' (timestamp(3) with time zone)",
     "'2023-07-10 11:00:00+00'", "strftime with milliseconds and ' UTC' when the operand is surely a timestamp"),
    ("timestamps in the output (JSON/CSV/text)", "'2023-07-10 11:00:00.000 UTC'", "'2023-07-10 11:00:00+00:00'",
     "run() writes timestamp and time values as Athena does (athena_value)"),
    ("format(fmt, args...)", "Java's String.format (functions/conversion.html#format)",
     "fmt-style {} placeholders: '%s' comes back unchanged", "DuckDB's printf"),
    ("strpos(string, substring, instance)", "position of the instance-th occurrence (functions/string.html)",
     "sqlglot drops the third argument: the first occurrence", "Python function trino_strpos"),
    ("split(s, d, limit)", "at most limit elements, the rest in the last (functions/string.html)",
     "sqlglot drops the limit", "trino_split_limit macro"),
    ("regexp_replace(s, p, '...$1...')",
     "Java replacement: $1 is group 1, every match replaced (functions/regexp.html)",
     "$1 is literal text", "trino_regexp_replace macro ($N -> \\N)"),
    ("from_unixtime(t, zone)", "the instant in that zone", "sqlglot drops the zone", "AT TIME ZONE zone"),
    ("reverse(array)", "the array reversed (functions/array.html)", "the array's text reversed", "list_reverse"),
    ("date_add/date_trunc of a DATE", "DATE", "TIMESTAMP", "cast back to DATE"),
    ("adjacent string literals", "syntax error", "concatenated by sqlglot", "rejected in parse()"),
    ("several statements", "one statement per query", "the last or first one run", "rejected in parse()"),
    ("an output alias in WHERE, GROUP BY, HAVING", "Column 'x' cannot be resolved (ORDER BY only sees aliases)",
     "accepted", "rejected with Athena's message where the FROM is the table alone"),
    ("json_extract(...) = 'text'", "error: Cannot apply operator: json = varchar", "JSON text compared: no match",
     "rejected with Athena's message"),
    ("a string column compared with a number (recipientaccountid = 123456789012, IN (1, 2))",
     "error: Cannot apply operator: varchar = bigint", "the string is cast to a number (leading zeros lost)",
     "rejected with Athena's message where sqlglot's type analysis knows the column is varchar"),
    ("DDL, DML, SHOW, EXPLAIN", "Athena runs them on the catalog", "DuckDB would run them on the evidence",
     "rejected in parse(): the local runner answers queries over read-only evidence"),
]


def parse(sql: str) -> exp.Expression:
    """One Athena (Trino) statement, or ``UsageError`` with the position and the reason."""
    try:
        tokens = sqlglot.tokenize(sql, read="trino")
    except sqlglot.errors.TokenError as error:
        raise UsageError(f"SQL does not tokenize as Athena (Trino) SQL: {str(error).splitlines()[0]}") from None
    strings = (TokenType.STRING, TokenType.NATIONAL_STRING, TokenType.UNICODE_STRING)
    for before, token in zip(tokens, tokens[1:]):
        if before.token_type in strings and token.token_type in strings:
            raise UsageError(f"SQL does not parse as Athena (Trino) SQL: line {token.line}:{token.col}: mismatched "
                             f"input '{token.text}' after the string '{before.text}' (adjacent string literals are "
                             "not concatenated in Athena; a comma is probably missing)")
    logging.getLogger("sqlglot").setLevel(logging.ERROR)  # its "falling back to a Command" note: judged below
    try:
        statements = [s for s in sqlglot.parse(sql, read="trino") if s is not None]
    except sqlglot.errors.ParseError as error:
        raise UsageError(f"SQL does not parse as Athena (Trino) SQL: {str(error).splitlines()[0]}") from None
    except sqlglot.errors.TokenError as error:
        raise UsageError(f"SQL does not tokenize as Athena (Trino) SQL: {str(error).splitlines()[0]}") from None
    if not statements:
        raise UsageError("the SQL holds no statement")
    if len(statements) > 1:
        raise UsageError(f"the SQL holds {len(statements)} statements; Athena runs one statement per query "
                         "(run them one by one)")
    if not isinstance(statements[0], (exp.Query, exp.Values)):
        kind = statements[0].name.upper() if isinstance(statements[0], exp.Command) else statements[0].key.upper()
        raise UsageError(f"the local runner answers queries (SELECT, WITH, VALUES, set operations) only; "
                         f"{kind} is not run (the evidence is read-only)")
    return statements[0]


def message(error: Exception) -> str:
    """DuckDB's error as Athena's user would read it: its first line, without the wrapping of our Python
    functions ("Python exception occurred while executing the UDF: ValueError: Division by zero")."""
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return re.sub(r"Python exception occurred while executing the UDF: \w+: ", "", text)


def athena_value(value):
    """A result value as Athena writes it: timestamps with milliseconds and their zone's name (session UTC),
    ``2023-07-10 11:00:00.000 UTC``; times with milliseconds; everything else unchanged.
    Source: the results shown on https://docs.aws.amazon.com/athena/latest/ug/athena-supported-time-zones.html."""
    if isinstance(value, datetime):
        text = value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d}"
        if value.tzinfo is None:
            return text
        offset = value.utcoffset()
        return text + (" UTC" if not offset else " " + value.strftime("%z")[:3] + ":" + value.strftime("%z")[3:])
    if isinstance(value, dt_time):
        return value.strftime("%H:%M:%S.") + f"{value.microsecond // 1000:03d}"
    return value


def utc(as_of: datetime) -> datetime:
    """``as_of`` in UTC (a naive time is taken as UTC)."""
    return as_of.replace(tzinfo=timezone.utc) if as_of.tzinfo is None else as_of.astimezone(timezone.utc)


# -- session -------------------------------------------------------------------------------------------

MACROS = [
    # json_extract_scalar: NULL unless the value is a scalar. The extracted JSON text is minified, so its first
    # character tells an object or array (json_type would parse it again: 10x slower).
    "CREATE OR REPLACE TEMP MACRO trino_json_extract_scalar(j, p) AS CASE WHEN "
    "left(CAST(json_extract(j, p) AS VARCHAR), 1) IN ('{', '[') THEN NULL ELSE json_extract_string(j, p) END",
    # CAST(json AS VARCHAR)
    "CREATE OR REPLACE TEMP MACRO trino_json_to_varchar(j) AS CASE left(ltrim(CAST(j AS VARCHAR)), 1) "
    "WHEN '{' THEN error('Cannot cast JSON object to varchar') "
    "WHEN '[' THEN error('Cannot cast JSON array to varchar') "
    "WHEN '\"' THEN json_extract_string(j, '$') "
    "ELSE CASE WHEN trim(CAST(j AS VARCHAR)) = 'null' THEN NULL ELSE trim(CAST(j AS VARCHAR)) END END",
    "CREATE OR REPLACE TEMP MACRO trino_regexp_extract(s, p) AS "
    "CASE WHEN regexp_matches(s, p) THEN regexp_extract(s, p) ELSE NULL END",
    "CREATE OR REPLACE TEMP MACRO trino_regexp_extract_group(s, p, g) AS "
    "CASE WHEN regexp_matches(s, p) THEN regexp_extract(s, p, g) ELSE NULL END",
    "CREATE OR REPLACE TEMP MACRO trino_split_part(s, d, i) AS "
    "CASE WHEN i < 1 THEN error('Index must be greater than zero') "
    "WHEN i > len(string_split(s, d)) THEN NULL ELSE split_part(s, d, i) END",
    # json_array_length / json_size: NULL unless an array (object) is there; a scalar has size 0.
    "CREATE OR REPLACE TEMP MACRO trino_json_array_length(j) AS "
    "CASE WHEN json_type(CAST(j AS JSON)) = 'ARRAY' THEN json_array_length(CAST(j AS JSON)) ELSE NULL END",
    "CREATE OR REPLACE TEMP MACRO trino_json_size(j, p) AS CASE json_type(CAST(j AS JSON), p) "
    "WHEN 'ARRAY' THEN json_array_length(CAST(j AS JSON), p) WHEN 'OBJECT' THEN len(json_keys(CAST(j AS JSON), p)) "
    "WHEN NULL THEN NULL ELSE 0 END",
    # substr: position 0 gives the empty string in Trino (positions start at 1)
    "CREATE OR REPLACE TEMP MACRO trino_substr(s, i) AS CASE WHEN i = 0 THEN '' ELSE substring(s, i) END",
    "CREATE OR REPLACE TEMP MACRO trino_substr_length(s, i, n) AS "
    "CASE WHEN i = 0 THEN '' ELSE substring(s, i, n) END",
    # array[i]: an error outside the array (element_at is the NULL-answering form)
    "CREATE OR REPLACE TEMP MACRO trino_subscript(a, i) AS CASE WHEN a IS NULL OR i IS NULL THEN NULL "
    "WHEN i = 0 THEN error('SQL array indices start at 1') "
    "WHEN i < 0 THEN error('Array subscript is negative: ' || i) "
    "WHEN i > len(a) THEN "
    "error('Array subscript must be less than or equal to array length: ' || i || ' > ' || len(a)) "
    "ELSE a[i] END",
    "CREATE OR REPLACE TEMP MACRO trino_map_subscript(m, k) AS CASE WHEN m IS NULL OR k IS NULL THEN NULL "
    "WHEN NOT map_contains(m, k) THEN error('Key not present in map: ' || k) ELSE m[k] END",
    # to_iso8601: DATE, TIMESTAMP or TIMESTAMP WITH TIME ZONE (milliseconds; UTC written Z)
    "CREATE OR REPLACE TEMP MACRO trino_to_iso8601(t) AS CASE typeof(t) "
    "WHEN 'DATE' THEN strftime(t, '%Y-%m-%d') "
    "WHEN 'TIMESTAMP WITH TIME ZONE' THEN strftime(t, '%Y-%m-%dT%H:%M:%S.%g') || 'Z' "
    "ELSE strftime(t, '%Y-%m-%dT%H:%M:%S.%g') END",
    "CREATE OR REPLACE TEMP MACRO trino_any_match(a, f) AS CASE WHEN a IS NULL THEN NULL "
    "ELSE list_bool_or(list_transform(a, f)) END",
    "CREATE OR REPLACE TEMP MACRO trino_all_match(a, f) AS CASE WHEN a IS NULL THEN NULL "
    "ELSE coalesce(list_bool_and(list_transform(a, f)), true) END",
    "CREATE OR REPLACE TEMP MACRO trino_none_match(a, f) AS CASE WHEN a IS NULL THEN NULL "
    "ELSE NOT coalesce(list_bool_or(list_transform(a, f)), false) END",
    # split(s, d, limit): at most limit elements, the last holding the rest of the string
    "CREATE OR REPLACE TEMP MACRO trino_split_limit(s, d, n) AS CASE WHEN n < 1 THEN "
    "error('Limit must be positive') WHEN len(string_split(s, d)) <= n THEN string_split(s, d) "
    "ELSE list_append(string_split(s, d)[1:n - 1], array_to_string(string_split(s, d)[n:], d)) END",
    # regexp_replace: Java's $1 group references are RE2's \1; every match is replaced
    "CREATE OR REPLACE TEMP MACRO trino_regexp_replace(s, p, r) AS "
    "regexp_replace(s, p, regexp_replace(r, '\\$(\\d)', '\\\\\\1', 'g'), 'g')",
    "CREATE OR REPLACE TEMP MACRO trino_json_array_contains(j, v) AS "
    "CASE WHEN json_type(CAST(j AS JSON)) <> 'ARRAY' THEN NULL ELSE "
    "list_contains(list_transform(CAST(CAST(j AS JSON) AS JSON[]), "
    "lambda e: CASE WHEN json_type(e) IN ('OBJECT', 'ARRAY', 'NULL') THEN NULL "
    "WHEN typeof(v) = 'VARCHAR' AND json_type(e) <> 'VARCHAR' THEN NULL "
    "WHEN typeof(v) <> 'VARCHAR' AND json_type(e) = 'VARCHAR' THEN NULL "
    "ELSE json_extract_string(e, '$') END), CAST(v AS VARCHAR)) END",
]


# IPADDRESS: a dotted-quad IPv4 address (no leading zeros, which Trino refuses) is its own canonical text and
# is handled in SQL; anything else (IPv6, IPv4-mapped, invalid) goes to the Python functions below. The Python
# path is the reference; tests/test_dialect.py checks that both agree.
_OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = f"{_OCTET}\\.{_OCTET}\\.{_OCTET}\\.{_OCTET}"
IP_MACROS = [
    f"CREATE OR REPLACE TEMP MACRO trino_ipv4(x) AS regexp_full_match(x, '{_IPV4}')",
    "CREATE OR REPLACE TEMP MACRO trino_ipv4_int(x) AS (CAST(split_part(x, '.', 1) AS BIGINT) << 24) + "
    "(CAST(split_part(x, '.', 2) AS BIGINT) << 16) + (CAST(split_part(x, '.', 3) AS BIGINT) << 8) + "
    "CAST(split_part(x, '.', 4) AS BIGINT)",
    "CREATE OR REPLACE TEMP MACRO trino_ipaddress(x) AS CASE WHEN trino_ipv4(x) THEN x ELSE trino_ipaddress_py(x) END",
    # without ':' only the dotted quad is an address (Python's parser accepts exactly what the pattern does)
    "CREATE OR REPLACE TEMP MACRO trino_try_ipaddress(x) AS "
    "CASE WHEN trino_ipv4(x) THEN x WHEN strpos(x, ':') = 0 THEN NULL ELSE trino_try_ipaddress_py(x) END",
    "CREATE OR REPLACE TEMP MACRO trino_ip_key(x) AS CASE WHEN trino_ipv4(x) THEN "
    "'00000000000000000000ffff' || lower(lpad(hex(trino_ipv4_int(x)), 8, '0')) ELSE trino_ip_key_py(x) END",
    f"CREATE OR REPLACE TEMP MACRO trino_ip_contains(n, x) AS CASE WHEN trino_ipv4(x) AND "
    f"regexp_full_match(n, '{_IPV4}/(3[0-2]|[12]?[0-9])') THEN "
    "(trino_ipv4_int(x) >> (32 - CAST(split_part(n, '/', 2) AS BIGINT))) = "
    "(trino_ipv4_int(split_part(n, '/', 1)) >> (32 - CAST(split_part(n, '/', 2) AS BIGINT))) "
    "ELSE trino_ip_contains_py(n, x) END",
]


def _canonical(text: str) -> str:
    address = ipaddress.ip_address(text.strip())
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped  # Trino stores IPv4 as IPv4-mapped IPv6 and prints it as IPv4
    return str(address)


def _ipaddress(text: str) -> str:
    try:
        return _canonical(text)
    except ValueError:
        raise ValueError(f"Cannot cast value to IPADDRESS: {text}") from None


def _try_ipaddress(text: Optional[str]) -> Optional[str]:
    if text is None:
        return None
    try:
        return _canonical(text)
    except ValueError:
        return None


def _ip_key(address: str) -> str:
    """An IPADDRESS as 32 hex digits of its 16-byte IPv6 form (IPv4 mapped): text order is Trino's address order."""
    ip = ipaddress.ip_address(address)
    if ip.version == 4:
        ip = ipaddress.IPv6Address(f"::ffff:{ip}")
    return ip.packed.hex()


def _ip_contains(network: str, address: str) -> bool:
    """Trino's contains(network VARCHAR, address IPADDRESS): is the address inside the CIDR network."""
    try:
        net = ipaddress.ip_network(network.strip(), strict=False)
    except ValueError:
        raise ValueError(f"Invalid CIDR: {network}") from None
    # Trino holds IPv4 as IPv4-mapped IPv6: compare both in the IPv6 space
    if net.version == 4:
        net = ipaddress.IPv6Network(f"::ffff:{net.network_address}/{96 + net.prefixlen}")
    return ipaddress.IPv6Address(bytes.fromhex(_ip_key(address))) in net


def _strpos(text: str, sub: str, instance: int) -> int:
    """Trino's strpos(string, substring, instance): the 1-based position of the instance-th occurrence (counted
    from the end when negative), 0 when there is none; instance 0 is an error (functions/string.html)."""
    if instance == 0:
        raise ValueError("'instance' must be a positive or negative number")
    positions, start = [], 0
    while (found := text.find(sub, start)) >= 0:
        positions.append(found + 1)
        start = found + 1
    if instance > 0:
        return positions[instance - 1] if instance <= len(positions) else 0
    return positions[instance] if -instance <= len(positions) else 0


def _decimal_divide(a: str, b: str, scale: int) -> str:
    """Trino's decimal division: the exact quotient rounded half up to ``scale`` digits."""
    with localcontext() as ctx:
        ctx.prec = 120
        try:
            divisor = Decimal(b)
            if divisor == 0:
                raise ValueError("Division by zero")
            quotient = Decimal(a) / divisor
        except InvalidOperation:
            raise ValueError(f"cannot divide {a} by {b}") from None
        return str(quotient.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP))


def prepare(con: duckdb.DuckDBPyConnection, as_of: datetime) -> int:
    """Set Athena's session on ``con``: UTC, Trino's functions, and ``cloudtrail`` as of ``as_of``.

    A temp view ``cloudtrail`` shadows the loaded one (see ``_source``): its records with ``eventtime`` <=
    ``as_of`` (records whose time does not parse are kept: they are evidence, and nothing says they are later).
    Idempotent: a second call only moves the cut-off.
    Returns how many records are later than ``as_of`` (left out of the view).
    """
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")  # DuckDB draws it on stdout, which carries the answer
    for macro in MACROS:
        con.execute(macro)
    existing = {f.lower() for (f,) in con.execute(
        "SELECT function_name FROM duckdb_functions() WHERE function_name LIKE 'trino_%'").fetchall()}
    V = duckdb.sqltype("VARCHAR")
    for name, fn, args, ret in (("trino_ipaddress_py", _ipaddress, [V], V),
                                ("trino_try_ipaddress_py", _try_ipaddress, [V], V),
                                ("trino_ip_contains_py", _ip_contains, [V, V], duckdb.sqltype("BOOLEAN")),
                                ("trino_ip_key_py", _ip_key, [V], V),
                                ("trino_strpos", _strpos, [V, V, duckdb.sqltype("BIGINT")], duckdb.sqltype("BIGINT")),
                                ("trino_decimal_divide", _decimal_divide, [V, V, duckdb.sqltype("INTEGER")], V)):
        if name not in existing:  # a function that can answer NULL for a value needs DuckDB's "special" handling
            con.create_function(name, fn, args, ret,
                                null_handling="special" if name == "trino_try_ipaddress_py" else "default")
    for macro in IP_MACROS:  # after the functions they fall back on
        con.execute(macro)
    source = _source(con)
    cut = utc(as_of).strftime("%Y-%m-%d %H:%M:%S.%f+00")
    kept = f"coalesce(TRY_CAST(eventtime AS TIMESTAMPTZ) <= TIMESTAMPTZ '{cut}', true)"
    con.execute(f"CREATE OR REPLACE TEMP VIEW {TABLE} AS SELECT * FROM {source} WHERE {kept}")
    return con.execute(f"SELECT count(*) FROM {source} WHERE NOT {kept}").fetchone()[0]


def _source(con: duckdb.DuckDBPyConnection) -> str:
    """The loaded table or view ``cloudtrail``, fully qualified. Nothing is changed in the loader's database
    (it may be a cache, or read-only): the session's objects are all TEMP, and the temp view ``cloudtrail``
    shadows the loaded one. The source is remembered in the temp table ``trino_session``."""
    if con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = 'trino_session'"
                   ).fetchone()[0]:
        return con.execute("SELECT source FROM temp.trino_session").fetchone()[0]
    found = con.execute(f"""SELECT database_name, schema_name, temporary, 'TABLE' FROM duckdb_tables()
                           WHERE table_name = '{TABLE}' UNION ALL
                           SELECT database_name, schema_name, temporary, 'VIEW' FROM duckdb_views()
                           WHERE view_name = '{TABLE}' AND NOT internal""").fetchall()
    lasting = [f for f in found if not f[2]]
    if lasting:
        source = f'"{lasting[0][0]}"."{lasting[0][1]}"."{TABLE}"'
    elif found:  # the loader made a temp object: rename it (temp, nothing lasting changes)
        con.execute(f"ALTER {found[0][3]} temp.{TABLE} RENAME TO {BASE_TABLE}")
        source = f"temp.{BASE_TABLE}"
    else:
        raise UsageError(f"no table {TABLE} was loaded")
    con.execute("CREATE TEMP TABLE trino_session AS SELECT ? AS source", [source])
    return source


# -- transpiling --------------------------------------------------------------------------------------

def _now_constants(as_of: datetime) -> dict[type, exp.Expression]:
    t = utc(as_of)
    stamp = t.strftime("%Y-%m-%d %H:%M:%S.%f")
    return {
        exp.CurrentTimestamp: exp.cast(exp.Literal.string(stamp + "+00"), exp.DataType.build("TIMESTAMPTZ")),
        exp.CurrentDate: exp.cast(exp.Literal.string(t.strftime("%Y-%m-%d")), exp.DataType.build("DATE")),
        exp.CurrentTime: exp.cast(exp.Literal.string(t.strftime("%H:%M:%S.%f") + "+00"),
                                  exp.DataType.build("TIMETZ")),
        exp.Localtimestamp: exp.cast(exp.Literal.string(stamp), exp.DataType.build("TIMESTAMP")),
        exp.Localtime: exp.cast(exp.Literal.string(t.strftime("%H:%M:%S.%f")), exp.DataType.build("TIME")),
        exp.CurrentTimezone: exp.Literal.string("UTC"),
    }


INT_TYPES = {exp.DataType.Type.TINYINT: 3, exp.DataType.Type.SMALLINT: 5, exp.DataType.Type.INT: 10,
             exp.DataType.Type.BIGINT: 19}
FLOAT_TYPES = {exp.DataType.Type.DOUBLE, exp.DataType.Type.FLOAT}


def _from_datatype(t: Optional[exp.DataType]):
    """('int', p, 0) / ('dec', p, s) / ('double',) / None from a sqlglot type."""
    if t is None:
        return None
    if t.this in INT_TYPES:
        return ("int", INT_TYPES[t.this], 0)
    if t.this in FLOAT_TYPES:
        return ("double",)
    if t.this == exp.DataType.Type.DECIMAL:
        params = [int(p.name) for p in t.expressions if p.name.isdigit()]
        p, s = (params + [38, 0])[:2] if params else (38, 0)
        return ("dec", p, s if len(params) > 1 else 0)
    return None


class _Types:
    """Trino's numeric type of an expression (for division), resolving columns through CTEs and
    derived tables of the qualified tree; None when unknown."""

    def __init__(self, tree: exp.Expression):
        self.sources: dict[str, exp.Expression] = {}
        for node in tree.find_all(exp.CTE, exp.Subquery):
            if node.alias:
                self.sources.setdefault(node.alias, node.this)

    def of(self, node: exp.Expression, depth: int = 0):
        if depth > 50:
            return None
        n = lambda x: self.of(x, depth + 1)  # noqa: E731
        if isinstance(node, exp.Literal) and not node.is_string:
            text = node.name
            if "e" in text.lower():
                return ("double",)
            if "." in text:
                digits = text.replace(".", "").lstrip("0") or "0"
                return ("dec", max(len(digits), len(text.split(".")[1])), len(text.split(".")[1]))
            return ("int", 10 if abs(int(text)) < 2 ** 31 else 19, 0)
        if isinstance(node, (exp.Paren, exp.Neg)):
            return n(node.this)
        if isinstance(node, (exp.Cast, exp.TryCast)):
            return _from_datatype(node.to)
        if isinstance(node, (exp.Count, exp.ApproxDistinct, exp.CountIf, exp.DateDiff, exp.Length,
                             exp.ArraySize)):
            return ("int", 19, 0)
        if isinstance(node, exp.Sum):
            t = n(node.this)
            return ("int", 19, 0) if t and t[0] == "int" else (("dec", 38, t[2]) if t and t[0] == "dec" else t)
        if isinstance(node, exp.Avg):
            t = n(node.this)
            return t if t and t[0] == "dec" else (("double",) if t else None)
        if isinstance(node, (exp.Min, exp.Max)):
            return n(node.this)
        if isinstance(node, (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod)):
            a, b = n(node.left), n(node.right)
            if a is None or b is None:
                return None
            if "double" in (a[0], b[0]):
                return ("double",)
            if a[0] == b[0] == "int":
                return ("int", max(a[1], b[1]), 0)
            (p1, s1), (p2, s2) = a[1:], b[1:]
            if isinstance(node, exp.Mul):
                return ("dec", min(38, p1 + p2), s1 + s2)
            if isinstance(node, exp.Div):
                return ("dec", min(38, p1 + s2 + max(0, s2 - s1)), max(s1, s2))
            s = max(s1, s2)
            return ("dec", min(38, s + max(p1 - s1, p2 - s2) + 1), s)
        if isinstance(node, exp.Subquery):
            return n(node.this)
        if isinstance(node, exp.Select) and node.expressions:
            return n(node.expressions[0])
        if isinstance(node, exp.Alias):
            return n(node.this)
        if isinstance(node, exp.Column) and node.table in self.sources:
            source = self.sources[node.table]
            if isinstance(source, exp.Select):
                for projection in source.expressions:
                    if projection.alias_or_name == node.name:
                        return n(projection)
            return None
        return _from_datatype(node.type) if node.type and node.type.this != exp.DataType.Type.UNKNOWN else None


def _schema() -> dict:
    from cloudtrail.schema import COLUMNS, PARTITIONS, hive_type
    columns = {name: hive_type(t).replace(":", " ") for name, _key, t in COLUMNS}
    columns.update({name: "varchar" for name, _t in PARTITIONS})
    return {TABLE: columns}


def _typed(tree: exp.Expression) -> exp.Expression:
    """The tree qualified and annotated with types (sqlglot's optimizer), or the tree as it was."""
    from sqlglot.optimizer.annotate_types import annotate_types
    from sqlglot.optimizer.qualify import qualify
    try:
        schema = _schema()
        qualified = qualify(tree.copy(), schema=schema, dialect="trino", validate_qualify_columns=False,
                            identify=False, quote_identifiers=False)
        return annotate_types(qualified, schema=schema, dialect="trino")
    except Exception:  # sqlglot could not resolve the scopes: no types, DuckDB's rules for unknowns
        return tree


def _is_json(node: exp.Expression) -> bool:
    if isinstance(node, exp.If) and node.args.get("true") is not None:  # our guard: JSON or NULL
        return _is_json(node.args["true"])
    return (isinstance(node, (exp.JSONExtract, exp.ParseJSON))
            or (isinstance(node, (exp.Cast, exp.TryCast)) and node.to.this == exp.DataType.Type.JSON))


def _json_columns() -> set[str]:
    from cloudtrail.schema import COLUMNS, J
    return {name for name, _key, t in COLUMNS if t == J}


def _surely_json(node: exp.Expression) -> bool:
    """Valid JSON by construction: a JSON column of the table (the loader wrote it from parsed JSON), or JSON made
    by json_extract / json_parse / CAST(... AS JSON)."""
    return (isinstance(node, exp.Column) and node.name.lower() in _json_columns()) or _is_json(node) or \
        (isinstance(node, exp.Anonymous) and node.name.lower().startswith("trino_json"))


def _if_valid_json(text: exp.Expression, value: exp.Expression) -> exp.Expression:
    """Trino's JSON functions answer NULL for text that is not JSON (DuckDB fails the query)."""
    return exp.If(this=_call("json_valid", text.copy()), true=value)


def _is_ip(node: exp.Expression) -> bool:
    return isinstance(node, (exp.Cast, exp.TryCast)) and node.to.this == exp.DataType.Type.IPADDRESS


ANONYMOUS = {"json_array_length": "trino_json_array_length", "json_size": "trino_json_size",
             "to_iso8601": "trino_to_iso8601", "any_match": "trino_any_match", "all_match": "trino_all_match",
             "none_match": "trino_none_match", "json_array_contains": "trino_json_array_contains"}

JODA = [("yyyy", "%Y"), ("yy", "%y"), ("MMMM", "%B"), ("MMM", "%b"), ("MM", "%m"), ("M", "%-m"), ("dd", "%d"),
        ("d", "%-d"), ("HH", "%H"), ("H", "%-H"), ("hh", "%I"), ("h", "%-I"), ("mm", "%M"), ("ss", "%S"),
        ("SSSSSS", "%f"), ("SSS", "%g"), ("a", "%p"), ("EEEE", "%A"), ("EEE", "%a"), ("ZZ", "%z"), ("Z", "%z"),
        ("DDD", "%j"), ("z", "%Z")]


def joda_to_strftime(pattern: str) -> str:
    """A Joda-Time pattern (format_datetime, parse_datetime) as a strftime format; ``UsageError`` for letters
    this translation does not know (https://www.joda.org/joda-time/apidocs/org/joda/time/format/DateTimeFormat.html)."""
    out, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if char == "'":  # quoted literal text; '' is a quote
            end = pattern.find("'", i + 1)
            if end == i + 1:
                out.append("'")
                i += 2
                continue
            if end < 0:
                raise UsageError(f"Joda pattern {pattern!r}: unterminated quote")
            out.append(pattern[i + 1:end].replace("%", "%%"))
            i = end + 1
            continue
        if char.isalpha():
            for joda, strf in JODA:
                if pattern.startswith(joda, i) and not pattern.startswith(joda + joda[0], i):
                    out.append(strf)
                    i += len(joda)
                    break
            else:
                raise UsageError(f"Joda pattern {pattern!r}: the letter {char!r} is not supported locally")
            continue
        out.append("%%" if char == "%" else char)
        i += 1
    return "".join(out)


TEMPORAL = {exp.DataType.Type.DATE: "date", exp.DataType.Type.TIMESTAMP: "timestamp(3)",
            exp.DataType.Type.TIMESTAMPTZ: "timestamp(3) with time zone", exp.DataType.Type.TIME: "time(3)",
            exp.DataType.Type.TIMETZ: "time(3) with time zone"}


def _temporal(node: exp.Expression) -> Optional[str]:
    """Trino's type name of an expression that is surely a date/time value (already rewritten), else None."""
    if isinstance(node, (exp.Cast, exp.TryCast)) and node.to.this in TEMPORAL:
        return TEMPORAL[node.to.this]
    if isinstance(node, (exp.FromISO8601Timestamp, exp.UnixToTime, exp.TimestampTrunc)):
        return "timestamp(3) with time zone"
    if isinstance(node, exp.StrToTime):
        return "timestamp(3)"
    if isinstance(node, (exp.Date, exp.FromISO8601Date, exp.CurrentDate)):
        return "date"
    return None


COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)
_OPS = {exp.EQ: "=", exp.NEQ: "<>", exp.GT: ">", exp.GTE: ">=", exp.LT: "<", exp.LTE: "<="}


def _is_text_column(node: exp.Expression) -> bool:
    """A column the table (or a query over it) surely holds as varchar, as sqlglot's type analysis found it."""
    return isinstance(node, (exp.Column, exp.Dot)) and node.type is not None and \
        node.type.this in (exp.DataType.Type.VARCHAR, exp.DataType.Type.TEXT)


def _check_comparable(node: exp.Expression) -> None:
    """Trino compares a date/time only with a date/time: ``from_iso8601_timestamp(eventtime) > '2023-07-01'`` is
    Athena's error "Cannot apply operator" (DuckDB would cast the string). Literal strings only: a column's type
    is not known here. Trino's message, as its maintainers describe it: https://github.com/trinodb/trino/issues/7334."""
    for text, other in ((node.left, node.right), (node.right, node.left)):
        if _is_text_column(text) and isinstance(other, exp.Literal) and not other.is_string:
            number = "integer" if other.name.isdigit() and int(other.name) < 2 ** 31 else (
                "bigint" if other.name.isdigit() else "decimal")
            raise UsageError(f"the query failed: Cannot apply operator: varchar {_OPS[type(node)]} {number} "
                             f"({text.sql(dialect='trino')} is a string column: quote the value, e.g. account ids "
                             "keep their leading zeros only as strings)")
    for json, other in ((node.left, node.right), (node.right, node.left)):
        if _is_json(json) and isinstance(other, exp.Literal) and other.is_string:
            raise UsageError(f"the query failed: Cannot apply operator: json {_OPS[type(node)]} "
                             f"varchar({len(other.name)}) (json_extract gives JSON: compare json_extract_scalar(...), "
                             "or CAST(... AS VARCHAR))")
    for temporal, other in ((node.left, node.right), (node.right, node.left)):
        kind = _temporal(temporal)
        if kind and isinstance(other, exp.Literal) and other.is_string:
            op = _OPS[type(node)]
            left, right = (kind, f"varchar({len(other.name)})") if temporal is node.left else \
                (f"varchar({len(other.name)})", kind)
            raise UsageError(f"the query failed: Cannot apply operator: {left} {op} {right} (Athena does not cast a "
                             "string to a date/time here: write TIMESTAMP '...' or DATE '...', or compare strings)")


def _is_array(node: exp.Expression) -> bool:
    kind = node.type
    return isinstance(node, (exp.Split, exp.Array, exp.RegexpSplit, exp.ArrayAgg)) or (
        kind is not None and kind.this == exp.DataType.Type.ARRAY)


def _is_ip_value(node: exp.Expression) -> bool:
    """An IPADDRESS already rewritten to its canonical text (children are rewritten before parents)."""
    return isinstance(node, exp.Anonymous) and node.name.lower() in ("trino_ipaddress", "trino_try_ipaddress")


DATE_UNITS = {"DAY", "MONTH", "YEAR", "WEEK", "QUARTER"}


def _is_date(node: exp.Expression) -> bool:
    return (isinstance(node, exp.CurrentDate) or (isinstance(node, exp.Cast) and node.to.this == exp.DataType.Type.DATE)
            or isinstance(node, (exp.Date, exp.DateStrToDate, exp.TsOrDsToDate)))


def _call(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


def _unnest(node: exp.Unnest) -> exp.Expression:
    """Trino's UNNEST of an array of rows yields one column per field of the row (docs.trino.io, SELECT, UNNEST):
    ``CROSS JOIN UNNEST(resources) AS t(arn, accountid, type)``; DuckDB yields one struct column. An alias list
    whose length is not the row's field count is Athena's error."""
    alias = node.args.get("alias")
    columns = alias.columns if alias else []
    if len(node.expressions) != 1 or not columns:
        return node
    kind = node.expressions[0].type
    fields = None
    if kind is not None and kind.this == exp.DataType.Type.ARRAY and kind.expressions and \
            kind.expressions[0].this == exp.DataType.Type.STRUCT:
        fields = len(kind.expressions[0].expressions)
    if fields is None and len(columns) == 1:
        return node
    if fields is not None and fields != len(columns):
        raise UsageError(f"the query failed: Column alias list has {len(columns)} entries but '{alias.name}' has "
                         f"{fields} columns available (Athena's UNNEST yields a column per field of the row)")
    ordinality = node.args.get("offset")  # WITH ORDINALITY: sqlglot keeps that column apart
    names = [c.sql(dialect="duckdb") for c in columns] + ([ordinality.sql(dialect="duckdb")] if ordinality else [])
    numbered = ", UNNEST(range(1, len(__a) + 1))" if ordinality else ""  # unnested in step with the rows
    lateral = sqlglot.parse_one(f"SELECT * FROM x CROSS JOIN LATERAL (SELECT UNNEST(__a, max_depth := 2){numbered}) "
                                f"AS {alias.name}({', '.join(names)})", read="duckdb").args["joins"][0].this
    for placeholder in [c for c in lateral.find_all(exp.Column) if c.name == "__a"]:
        placeholder.replace(node.expressions[0].copy())
    return lateral


def _outer_select(tree: exp.Expression) -> Optional[exp.Select]:
    select = tree
    while isinstance(select, (exp.Subquery, exp.SetOperation)):  # a UNION's names are its first SELECT's
        select = select.this
    return select if isinstance(select, exp.Select) else None


def _unnamed(tree: exp.Expression) -> Optional[list[int]]:
    """Positions of the outer SELECT's computed columns that have no name (Trino calls them _col<position>);
    None when a * makes positions unknown before expansion."""
    select = _outer_select(tree)
    if select is None or any(isinstance(p, exp.Star) or (isinstance(p, exp.Column) and p.is_star)
                             for p in select.expressions):
        return None
    return [i for i, p in enumerate(select.expressions)
            if not isinstance(p, (exp.Alias, exp.Column, exp.Dot))]


def _output_names(tree: exp.Expression, unnamed: Optional[list[int]]) -> None:
    """Trino names an unaliased computed output column _col<position>; sqlglot's qualify named them otherwise."""
    select = _outer_select(tree)
    if select is None or unnamed is None:
        return
    for i in unnamed:
        projection = select.expressions[i]
        inner = projection.this if isinstance(projection, exp.Alias) else projection
        projection.replace(exp.alias_(inner.copy(), f"_col{i}", quoted=True))


def _check_alias_references(tree: exp.Expression) -> None:
    """Trino resolves WHERE, GROUP BY and HAVING against the FROM clause's columns only; an output alias there is
    "Column 'x' cannot be resolved" (only ORDER BY sees aliases), where DuckDB would accept it. Checked where the
    columns are surely known: a SELECT that reads the table ``cloudtrail`` alone. Trino's maintainers keep this on
    purpose: https://github.com/trinodb/trino/issues/8582 (HAVING), https://github.com/prestodb/presto/issues/5582."""
    known = set(_schema()[TABLE])
    for select in tree.find_all(exp.Select):
        sources = [select.args.get("from_") or select.args.get("from")]
        if select.args.get("joins") or not sources[0] or not isinstance(sources[0].this, exp.Table) or \
                sources[0].this.name.lower() != TABLE:
            continue
        aliases = {p.alias.lower() for p in select.expressions if isinstance(p, exp.Alias)} - known
        for clause in ("where", "group", "having"):
            part = select.args.get(clause)
            if part is None:
                continue
            for column in part.find_all(exp.Column):
                if column.parent_select is select and not column.table and column.name.lower() in aliases:
                    raise UsageError(f"the query failed: Column '{column.name}' cannot be resolved (Athena does not "
                                     f"see the output alias '{column.name}' in {clause.upper()}: repeat the "
                                     "expression, or use the column's position in GROUP BY)")


def to_duckdb(sql: str, as_of: datetime) -> str:
    """DuckDB SQL that answers as Athena engine 3 would answer ``sql`` at ``as_of``.
    Raises ``UsageError`` for SQL Athena rejects."""
    original = parse(sql)
    _check_alias_references(original)
    unnamed = _unnamed(original)
    # sqlglot's scope and type analysis (~15 ms) only where a rule needs a type
    needs_types = original.find(exp.Div, exp.Avg, exp.Bracket, exp.Unnest, exp.Reverse) or any(
        isinstance(n.parent, (*COMPARISONS, exp.In)) for n in original.find_all(exp.Literal) if not n.is_string)
    tree = _typed(original) if needs_types else original
    types = _Types(tree)
    # typed before any rewrite: a rewritten operand (a function of ours) has no sqlglot type any more
    operands = {id(d): (types.of(d.left), types.of(d.right)) for d in tree.find_all(exp.Div)}
    avg_types = {id(a): t for a in tree.find_all(exp.Avg) if (t := types.of(a.this)) and t[0] == "dec"}
    now = _now_constants(as_of)

    def rewrite(node: exp.Expression) -> exp.Expression:
        kind = type(node)
        if kind in now:
            return now[kind].copy()
        if isinstance(node, exp.Anonymous) and node.name.lower() == "now" and not node.expressions:
            return now[exp.CurrentTimestamp].copy()
        if isinstance(node, exp.JSONExtractScalar):
            extracted = _call("trino_json_extract_scalar", node.this, node.expression)
            return extracted if _surely_json(node.this) else _if_valid_json(node.this, extracted)
        if isinstance(node, exp.JSONExtract) and not _surely_json(node.this):
            return _if_valid_json(node.this, node.copy())
        if isinstance(node, exp.Cast) and node.to.is_type(*exp.DataType.TEXT_TYPES) and _is_json(node.this):
            return _call("trino_json_to_varchar", node.this)
        if isinstance(node, exp.Cast) and node.to.is_type(*exp.DataType.TEXT_TYPES) and \
                _temporal(node.this) in ("timestamp(3)", "timestamp(3) with time zone"):
            # Trino's text of a timestamp(3): milliseconds, and the zone's name (UTC here) when it has one
            text = _call("strftime", node.this, exp.Literal.string("%Y-%m-%d %H:%M:%S.%g"))
            return exp.DPipe(this=text, expression=exp.Literal.string(" UTC")) \
                if _temporal(node.this).endswith("zone") else text
        if isinstance(node, exp.ArrayContains) and (_is_ip(node.expression) or (
                isinstance(node.this, exp.Literal) and node.this.is_string)):
            return _call("trino_ip_contains", node.this, node.expression)
        if _is_ip(node):
            return _call("trino_try_ipaddress" if isinstance(node, exp.TryCast) else "trino_ipaddress", node.this)
        if isinstance(node, (exp.GT, exp.GTE, exp.LT, exp.LTE)) and (_is_ip_value(node.left) or
                                                                     _is_ip_value(node.right)):
            return node.__class__(this=_call("trino_ip_key", node.left), expression=_call("trino_ip_key", node.right))
        if isinstance(node, exp.Ordered) and _is_ip_value(node.this):  # ORDER BY CAST(x AS IPADDRESS)
            ordered = node.copy()
            ordered.set("this", _call("trino_ip_key", node.this.copy()))
            return ordered
        if isinstance(node, exp.Between) and _is_ip_value(node.this):
            return exp.Between(this=_call("trino_ip_key", node.this), low=_call("trino_ip_key", node.args["low"]),
                               high=_call("trino_ip_key", node.args["high"]))
        if isinstance(node, exp.Unnest):
            return _unnest(node)
        if isinstance(node, COMPARISONS):
            _check_comparable(node)
        if isinstance(node, exp.In) and _is_text_column(node.this) and any(
                isinstance(v, exp.Literal) and not v.is_string for v in node.expressions):
            raise UsageError(f"the query failed: IN value and list items must be the same type: varchar "
                             f"({node.this.sql(dialect='trino')} is a string column: quote the values)")
        name = node.name.lower() if isinstance(node, exp.Anonymous) else None
        if name in ANONYMOUS:
            return _call(ANONYMOUS[name], *node.expressions)
        if name in ("format_datetime", "parse_datetime") and len(node.expressions) == 2:
            value, pattern = node.expressions
            if not (isinstance(pattern, exp.Literal) and pattern.is_string):
                raise UsageError(f"{name}: only a literal Joda pattern is supported locally")
            if name == "format_datetime":
                return _call("strftime", value, exp.Literal.string(joda_to_strftime(pattern.name)))
            return exp.cast(_call("strptime", value, exp.Literal.string(joda_to_strftime(pattern.name))),
                            exp.DataType.build("TIMESTAMPTZ"))
        if isinstance(node, exp.ParseDatetime):
            pattern = node.args.get("format") or node.expression
            if isinstance(pattern, exp.Literal) and pattern.is_string:
                return exp.cast(_call("strptime", node.this, exp.Literal.string(joda_to_strftime(pattern.name))),
                                exp.DataType.build("TIMESTAMPTZ"))
        if isinstance(node, exp.Substring):
            length = node.args.get("length")
            return (_call("trino_substr_length", node.this, node.args["start"], length) if length is not None
                    else _call("trino_substr", node.this, node.args["start"]))
        if isinstance(node, exp.Split) and node.args.get("limit") is not None:
            return _call("trino_split_limit", node.this, node.expression, node.args["limit"])
        if isinstance(node, exp.RegexpReplace) and node.args.get("replacement") is not None \
                and not isinstance(node.args["replacement"], exp.Lambda):
            return _call("trino_regexp_replace", node.this, node.expression, node.args["replacement"])
        if isinstance(node, exp.UnixToTime) and node.args.get("zone") is not None:
            instant = node.copy()
            instant.set("zone", None)
            return exp.AtTimeZone(this=instant, zone=node.args["zone"].copy())
        if isinstance(node, exp.Reverse) and _is_array(node.this):
            return _call("list_reverse", node.this)
        if isinstance(node, (exp.DateAdd, exp.DateTrunc, exp.TimestampTrunc)) and _is_date(node.this) and (
                node.text("unit") or "DAY").upper().strip("'") in DATE_UNITS:
            return exp.cast(node.copy(), "DATE")
        if isinstance(node, exp.StrPosition) and node.args.get("occurrence") is not None:
            return _call("trino_strpos", node.this, node.args["substr"], node.args["occurrence"])
        if isinstance(node, exp.Format):  # Java's String.format: DuckDB's printf, not its fmt-style format
            return _call("printf", node.this, *node.expressions)
        if isinstance(node, exp.JSONArrayContains):
            return _call("trino_json_array_contains", node.this, node.expression)
        if isinstance(node, exp.Bracket) and not node.args.get("safe") and len(node.expressions) == 1:
            kind = node.this.type
            index = node.expressions[0]
            number = index.this if isinstance(index, exp.Neg) else index
            if isinstance(number, exp.Literal) and not number.is_string and number.name.isdigit():
                value = -int(number.name) if isinstance(index, exp.Neg) else int(number.name)
                index = exp.Literal.number(value + 1)  # sqlglot keeps integer literals 0-based
            if _is_array(node.this):
                return _call("trino_subscript", node.this, index)
            if kind is not None and kind.this == exp.DataType.Type.MAP:
                return _call("trino_map_subscript", node.this, node.expressions[0])
        if isinstance(node, exp.Avg) and not isinstance(node.this, exp.Distinct) and avg_types.get(id(node)):
            scale = avg_types[id(node)][2]
            divided = _call("trino_decimal_divide", exp.cast(exp.Sum(this=node.this.copy()), "VARCHAR"),
                            exp.cast(exp.Count(this=node.this.copy()), "VARCHAR"), exp.Literal.number(scale))
            return exp.cast(divided, exp.DataType.build(f"DECIMAL(38, {scale})"))
        if isinstance(node, exp.Div):
            a, b = operands.get(id(node), (None, None))
            if a and b and "double" not in (a[0], b[0]):
                if a[0] == b[0] == "int":
                    return exp.IntDiv(this=node.left, expression=node.right)
                scale = max(a[2], b[2])
                divided = _call("trino_decimal_divide", exp.cast(node.left, "VARCHAR"), exp.cast(node.right, "VARCHAR"),
                                exp.Literal.number(scale))
                return exp.cast(divided, exp.DataType.build(f"DECIMAL(38, {scale})"))
            return node
        if isinstance(node, exp.RegexpExtract):
            group = node.args.get("group")
            if group is not None:
                return _call("trino_regexp_extract_group", node.this, node.expression, group)
            return _call("trino_regexp_extract", node.this, node.expression)
        if isinstance(node, exp.SplitPart):
            return _call("trino_split_part", node.this, node.args["delimiter"], node.args["part_index"])
        if isinstance(node, exp.DateDiff):
            unit = node.text("unit") or "day"
            return _call("date_sub", exp.Literal.string(unit.lower()), node.expression, node.this)
        if isinstance(node, exp.ApproxDistinct):
            return exp.Count(this=exp.Distinct(expressions=[node.this]))
        if isinstance(node, (exp.Add, exp.Sub)) and _is_date(node.left) and isinstance(node.right, exp.Interval) \
                and (node.right.text("unit") or "").upper() in DATE_UNITS:
            return exp.cast(node.copy(), "DATE")
        return node

    for node in reversed(list(tree.dfs())):  # children before their parents, each node once
        new = rewrite(node)
        if new is not node:
            if node is tree:
                tree = new
            else:
                node.replace(new)
    _output_names(tree, unnamed)
    try:  # sqlglot knows some constructs it cannot carry over faithfully: an error, never a silent change
        return tree.sql(dialect="duckdb", unsupported_level=sqlglot.ErrorLevel.RAISE)
    except sqlglot.errors.UnsupportedError as error:
        raise UsageError(f"the query cannot be run locally with Athena's meaning: {error}") from None
