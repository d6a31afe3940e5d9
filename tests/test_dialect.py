"""Trino (Athena engine 3) semantics of the local runner, one expression at a time, in memory. Each expected value is
Trino's documented answer (docs.trino.io/docs/current/functions/<page>.html, named per group), never DuckDB's."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from decimal import Decimal

import duckdb
import pytest

from common import UsageError
from investigate import dialect

AS_OF = datetime(2023, 7, 11, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def con():
    connection = duckdb.connect()
    connection.execute("CREATE TABLE cloudtrail AS SELECT * FROM (VALUES ('2023-07-10T11:00:00Z', '10.0.0.1'), "
                       "('2023-07-11T00:00:00Z', 'AWS Internal'), ('2023-07-11T00:00:01Z', '192.168.1.1'), "
                       "('not a time', NULL)) t(eventtime, sourceipaddress)")
    assert dialect.prepare(connection, AS_OF) == 1
    return connection


def value(con, expression: str):
    return con.execute(dialect.to_duckdb("SELECT " + expression, AS_OF)).fetchall()[0][0]


@pytest.mark.parametrize("expression, expected", [
    # json.html: json_extract_scalar needs a scalar; CAST(JSON AS VARCHAR) unquotes a string
    ("""json_extract_scalar('{"a": {"b": 1}}', '$.a')""", None),
    ("""json_extract_scalar('{"a": [1]}', '$.a')""", None),
    ("""json_extract_scalar('{"a": "x"}', '$.a')""", "x"),
    ("""json_extract_scalar('{"a": true}', '$.a')""", "true"),
    ("""json_extract_scalar('{"x-amz-id-2": "v"}', '$["x-amz-id-2"]')""", "v"),
    ("""CAST(json_extract('{"a": "SigV4"}', '$.a') AS VARCHAR)""", "SigV4"),
    ("""CAST(json_extract('{"a": 12}', '$.a') AS VARCHAR)""", "12"),
    ("""CAST(json_extract('{"a": null}', '$.a') AS VARCHAR)""", None),
    ("""json_array_length('{"a": 1}')""", None),
    ("json_extract_scalar('not json', '$.a')", None),
    ("json_extract('2023-07-10T11:00:00Z', '$.a')", None),
    ("""json_array_length('[1, 2, 3]')""", 3),
    ("""json_size('{"a": {"b": 1, "c": 2}}', '$.a')""", 2),
    ("""json_size('{"a": 5}', '$.a')""", 0),
    ("""json_array_contains('["a", 1]', 'a')""", True),
    ("""json_array_contains('["a", 1]', 'b')""", False),
    # decimal.html / math.html: decimal literals, scale max(s1, s2) rounded half up; integer division truncates
    ("100.0 * 300 / 2900", Decimal("10.3")),
    ("10 / 4", 2),
    ("-7 / 2", -3),
    ("10 / 4.0", Decimal("2.5")),
    ("CAST(10 AS DECIMAL(5, 2)) / 3", Decimal("3.33")),
    ("CAST(2 AS DECIMAL(5, 2)) / 3", Decimal("0.67")),
    ("1e0 / 4", 0.25),
    ("avg(x) FROM (SELECT CAST(x AS DECIMAL(5, 2)) AS x FROM (VALUES 1.5, 2.25) v(x))", Decimal("1.88")),
    # ipaddress.html
    ("CAST('192.168.10.20' AS IPADDRESS) = IPADDRESS '192.168.10.20'", True),
    ("CAST('::ffff:10.0.0.1' AS IPADDRESS) = IPADDRESS '10.0.0.1'", True),
    ("contains('10.0.0.0/8', IPADDRESS '10.200.1.1')", True),
    ("contains('10.0.0.0/8', IPADDRESS '11.0.0.1')", False),
    ("contains('2001:db8::/32', IPADDRESS '2001:db8::1')", True),
    ("contains('::ffff:0:0/96', IPADDRESS '10.0.0.1')", True),
    ("contains('10.0.0.0/8', IPADDRESS '::ffff:10.1.2.3')", True),
    ("contains('2001:db8::/32', IPADDRESS '10.0.0.1')", False),
    ("IPADDRESS '10.100.0.1' > IPADDRESS '10.20.0.1'", True),  # address order, not text order
    ("IPADDRESS '10.20.0.1' BETWEEN IPADDRESS '10.3.0.0' AND IPADDRESS '10.100.0.0'", True),
    ("TRY_CAST('AWS Internal' AS IPADDRESS)", None),
    ("CAST(IPADDRESS '10.0.0.1' AS VARCHAR)", "10.0.0.1"),
    # regexp.html, string.html
    ("regexp_extract('abc', 'x')", None),
    ("regexp_extract('abc1', '([a-z]+)(\\d)', 2)", "1"),
    ("split_part('a:b', ':', 5)", None),
    ("split_part('a:b', ':', 2)", "b"),
    ("substr('hello', 0, 2)", ""),
    ("substr('hello', -2)", "lo"),
    ("concat('a', NULL)", None),
    ("split('a,b,c', ',', 2)", ["a", "b,c"]),
    ("split('a,b', ',', 5)", ["a", "b"]),
    ("regexp_replace('abcb', '(b)', '<$1>')", "a<b>c<b>"),
    ("reverse(ARRAY[1, 2])", [2, 1]),
    ("reverse('ab')", "ba"),
    ("hour(from_unixtime(1688986800, 'Asia/Tokyo'))", 20),
    ("date_add('month', 1, DATE '2023-01-31')", date(2023, 2, 28)),
    ("date_trunc('week', DATE '2023-07-12')", date(2023, 7, 10)),
    ("format('%s-%03d', 'a', 7)", "a-007"),
    ("strpos('abcabc', 'c', 2)", 6),
    ("strpos('abcabc', 'c', -1)", 6),
    ("strpos('abcabc', 'c', 3)", 0),
    ("element_at(split('a/b', '/'), 3)", None),
    ("split('a/b', '/')[2]", "b"),
    # datetime.html: date_diff counts whole units; date +/- interval stays a DATE
    ("date_diff('hour', from_iso8601_timestamp('2023-01-01T10:59:00Z'), from_iso8601_timestamp('2023-01-01T11:01:00Z'))", 0),
    ("date_diff('day', DATE '2023-07-01', DATE '2023-07-10')", 9),
    ("DATE '2023-07-10' + INTERVAL '1' MONTH", date(2023, 8, 10)),
    ("current_date - INTERVAL '1' DAY", date(2023, 7, 10)),
    ("to_iso8601(from_iso8601_timestamp('2023-07-10T11:00:00Z'))", "2023-07-10T11:00:00.000Z"),
    ("format_datetime(from_iso8601_timestamp('2023-07-10T11:05:00Z'), 'yyyy-MM-dd''T''HH:mm')", "2023-07-10T11:05"),
    ("date_format(from_iso8601_timestamp('2023-07-10T11:05:09Z'), '%Y-%m-%d %H:%i:%s')", "2023-07-10 11:05:09"),
    ("current_timezone()", "UTC"),
    ("CAST(from_iso8601_timestamp('2023-07-10T11:00:00Z') AS VARCHAR)", "2023-07-10 11:00:00.000 UTC"),
    ("CAST(date_parse('2023-07-10 11:00', '%Y-%m-%d %H:%i') AS VARCHAR)", "2023-07-10 11:00:00.000"),
    ("to_iso8601(current_timestamp)", "2023-07-11T00:00:00.000Z"),
    ("CAST(localtimestamp AS VARCHAR)", "2023-07-11 00:00:00.000"),
    # array.html, aggregate.html
    ("any_match(ARRAY[1, 2], x -> x > 1)", True),
    ("none_match(ARRAY[1, 2], x -> x > 1)", False),
    ("approx_distinct(x) FROM (VALUES 'a', 'b', 'a', NULL) v(x)", 2),
])
def test_expression_answers_as_trino(con, expression, expected):
    assert value(con, expression) == expected


@pytest.mark.parametrize("expression, error", [
    ("100.0 / 0", "Division by zero"),
    ("1 / 0", "Division by zero"),
    ("CAST('AWS Internal' AS IPADDRESS)", "Cannot cast value to IPADDRESS: AWS Internal"),
    ("CAST('10.0.0.07' AS IPADDRESS)", "Cannot cast value to IPADDRESS: 10.0.0.07"),
    ("""CAST(json_extract('{"a": [1]}', '$.a') AS VARCHAR)""", "Cannot cast JSON array to varchar"),
    ("ARRAY[1, 2][3]", "Array subscript must be less than or equal to array length: 3 > 2"),
    ("ARRAY[1, 2][0]", "SQL array indices start at 1"),
    ("split_part('a:b', ':', 0)", "Index must be greater than zero"),
])
def test_runtime_errors_are_athenas(con, expression, error):
    with pytest.raises(duckdb.Error, match=error):
        value(con, expression)


@pytest.mark.parametrize("sql, error", [
    ("SELECT count(*) FROM cloudtrail WHERE eventname IN ('A' 'B')", "mismatched input 'B'"),
    ("SELECT 1; SELECT 2", "the SQL holds 2 statements"),
    ("SELECT 'open", "SQL does not tokenize"),
    ("SELECT FROM WHERE", "SQL does not parse"),
    ("   ;  ", "the SQL holds no statement"),
    ("DROP TABLE cloudtrail", "DROP is not run (the evidence is read-only)"),
    ("SELECT count(*) FROM cloudtrail WHERE recipientaccountid = 123456789012",
     "Cannot apply operator: varchar = bigint"),
    ("SELECT count(*) FROM cloudtrail WHERE useridentity.accountid = 12345", "Cannot apply operator: varchar = integer"),
    ("SELECT count(*) FROM cloudtrail WHERE eventversion IN (1, 2)", "IN value and list items must be the same type"),
    ("SELECT count(*) FROM cloudtrail WHERE json_extract(requestparameters, '$.bucketName') = 'b'",
     "Cannot apply operator: json = varchar(1)"),
    ("SELECT lower(eventname) AS e, count(*) FROM cloudtrail GROUP BY e", "Column 'e' cannot be resolved"),
    ("SELECT lower(eventname) AS e FROM cloudtrail WHERE e = 'x'", "Column 'e' cannot be resolved"),
    ("SELECT eventname AS e, count(*) AS n FROM cloudtrail GROUP BY 1 HAVING n > 1", "Column 'n' cannot be resolved"),
    ("CREATE TABLE x AS SELECT 1", "CREATE is not run"),
    ("SHOW TABLES", "SHOW is not run"),
    ("INSERT INTO cloudtrail SELECT * FROM cloudtrail", "INSERT is not run"),
    ("SELECT 1 FROM cloudtrail WHERE from_iso8601_timestamp(eventtime) > '2023-07-01'",
     "Cannot apply operator: timestamp(3) with time zone > varchar(10)"),
    ("SELECT 1 FROM cloudtrail WHERE current_date >= '2023-07-01'", "Cannot apply operator: date >= varchar(10)"),
    ("SELECT format_datetime(current_timestamp, 'yyyy QQ') FROM cloudtrail", "the letter 'Q' is not supported"),
])
def test_sql_athena_rejects(sql, error):
    with pytest.raises(UsageError, match=re.escape(error)):
        dialect.to_duckdb(sql, AS_OF)


@pytest.mark.parametrize("sql", [
    "SELECT lower(eventname) AS e, count(*) AS n FROM cloudtrail GROUP BY 1 ORDER BY n DESC, e",  # ORDER BY sees them
    "SELECT eventname AS eventname FROM cloudtrail WHERE eventname = 'x' GROUP BY eventname",  # also a column
    "SELECT e FROM (SELECT lower(eventname) AS e FROM cloudtrail) t WHERE e = 'x'",  # the subquery's column
    "SELECT n FROM (SELECT count(*) AS n FROM cloudtrail) t WHERE n = 3",  # a number compared with a number
    "SELECT count(*) FROM cloudtrail WHERE length(eventname) > 3 AND recipientaccountid = '012345678901'",
])
def test_alias_references_athena_accepts(sql):
    dialect.to_duckdb(sql, AS_OF)


def test_as_of_cuts_the_table_and_fixes_now_in_every_form(con):
    """1 record after AS_OF is out; the one whose time does not parse is kept (evidence is not dropped)."""
    rows = con.execute(dialect.to_duckdb("SELECT eventtime FROM cloudtrail ORDER BY 1", AS_OF)).fetchall()
    assert rows == [("2023-07-10T11:00:00Z",), ("2023-07-11T00:00:00Z",), ("not a time",)]
    names = "current_date, current_time, localtimestamp, localtime, now(), current_timestamp"
    got = con.execute(dialect.to_duckdb(f"SELECT {names}", AS_OF)).fetchall()[0]
    assert [str(v) for v in got] == ["2023-07-11", "00:00:00+00:00", "2023-07-11 00:00:00", "00:00:00",
                                     "2023-07-11 00:00:00+00:00", "2023-07-11 00:00:00+00:00"]
    offset = datetime.fromisoformat("2023-07-11T05:00:00+05:00")
    assert dialect.to_duckdb("SELECT now()", offset) == dialect.to_duckdb("SELECT now()", AS_OF)


def test_prepare_moves_the_cut_without_changing_the_loaded_table(con):
    try:
        assert dialect.prepare(con, datetime(2023, 7, 10, 12, tzinfo=timezone.utc)) == 2
        assert con.execute("SELECT count(*) FROM cloudtrail").fetchone()[0] == 2
    finally:
        dialect.prepare(con, AS_OF)
    database = con.execute("SELECT current_database()").fetchone()[0]
    assert con.execute(f'SELECT count(*) FROM "{database}".main.cloudtrail').fetchone()[0] == 4  # untouched


def test_unnamed_columns_are_named_as_trino_names_them(con):
    cursor = con.execute(dialect.to_duckdb("SELECT count(*), eventtime, 1 + 1 AS two, lower(eventtime) "
                                           "FROM cloudtrail GROUP BY eventtime", AS_OF))
    assert [d[0] for d in cursor.description] == ["_col0", "eventtime", "two", "_col3"]
    cursor = con.execute(dialect.to_duckdb("SELECT 1 UNION ALL SELECT 2 AS b", AS_OF))
    assert [d[0] for d in cursor.description] == ["_col0"]


def test_unnest_of_rows_yields_a_column_per_field():
    con = duckdb.connect()
    con.execute("CREATE TABLE cloudtrail AS SELECT '2023-07-10T11:00:00Z' AS eventtime, "
                "[{'arn': 'a', 'accountid': '1', 'type': 'x'}, {'arn': 'b', 'accountid': '2', 'type': 'y'}] AS resources")
    dialect.prepare(con, AS_OF)
    sql = "SELECT t.arn, t.type FROM cloudtrail CROSS JOIN UNNEST(resources) AS t(arn, accountid, type) ORDER BY 1"
    assert con.execute(dialect.to_duckdb(sql, AS_OF)).fetchall() == [("a", "x"), ("b", "y")]
    ordinal = ("SELECT t.arn, t.n FROM cloudtrail CROSS JOIN UNNEST(resources) WITH ORDINALITY AS t(arn, accountid, type, n) "
               "ORDER BY 2")
    assert con.execute(dialect.to_duckdb(ordinal, AS_OF)).fetchall() == [("a", 1), ("b", 2)]
    with pytest.raises(UsageError, match="Column alias list has 1 entries but 't' has 3 columns available"):
        dialect.to_duckdb("SELECT r.arn FROM cloudtrail CROSS JOIN UNNEST(resources) AS t(r)", AS_OF)


@pytest.mark.parametrize("text", ["10.0.0.1", "0.0.0.0", "255.255.255.255", "192.168.10.20", "8.8.8.8",
                                  "::ffff:10.0.0.1", "2001:db8::1", "10.0.0.07", "AWS Internal", "1.2.3"])
def test_ipaddress_sql_path_agrees_with_python(con, text):
    """Dotted-quad IPv4 is handled in SQL for speed; Python's ipaddress module is the reference for every value."""
    sql = con.execute("SELECT trino_try_ipaddress(?), trino_ip_key(trino_try_ipaddress(?)), "
                      "trino_ip_contains('10.0.0.0/8', trino_try_ipaddress(?)), "
                      "trino_ip_contains('0.0.0.0/0', trino_try_ipaddress(?)), "
                      "trino_ip_contains('192.168.10.20/32', trino_try_ipaddress(?))", [text] * 5).fetchone()
    canonical = dialect._try_ipaddress(text)
    python = (canonical, None, None, None, None) if canonical is None else (
        canonical, dialect._ip_key(canonical), dialect._ip_contains("10.0.0.0/8", canonical),
        dialect._ip_contains("0.0.0.0/0", canonical), dialect._ip_contains("192.168.10.20/32", canonical))
    assert sql == python


def test_order_by_an_ipaddress_is_address_order(con):
    sql = ("SELECT x FROM (VALUES '10.100.0.1', '10.20.0.1', '9.0.0.1', '::1') v(x) "
           "ORDER BY CAST(x AS IPADDRESS) DESC")
    assert [r[0] for r in con.execute(dialect.to_duckdb(sql, AS_OF)).fetchall()] == \
        ["10.100.0.1", "10.20.0.1", "9.0.0.1", "::1"]


def test_every_difference_names_trinos_rule_and_its_handling():
    assert len(dialect.DIFFERENCES) >= 20
    assert all(len(row) == 4 and all(row) for row in dialect.DIFFERENCES)


def test_values_are_written_as_athena_writes_them():
    from datetime import time
    utc_time = datetime(2023, 7, 10, 11, 0, 5, 123456, tzinfo=timezone.utc)
    assert dialect.athena_value(utc_time) == "2023-07-10 11:00:05.123 UTC"
    assert dialect.athena_value(utc_time.replace(tzinfo=None)) == "2023-07-10 11:00:05.123"
    assert dialect.athena_value(time(0, 0)) == "00:00:00.000"
    assert dialect.athena_value(date(2023, 7, 10)) == date(2023, 7, 10)  # written 2023-07-10 by str()
    assert dialect.athena_value(Decimal("10.3")) == Decimal("10.3")


def test_joda_patterns():
    assert dialect.joda_to_strftime("yyyy-MM-dd'T'HH:mm:ss.SSS") == "%Y-%m-%dT%H:%M:%S.%g"
    assert dialect.joda_to_strftime("EEE, d MMM yyyy 'at' h a") == "%a, %-d %b %Y at %-I %p"
    assert dialect.joda_to_strftime("''yy%") == "'%y%%"
