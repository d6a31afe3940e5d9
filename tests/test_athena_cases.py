"""The cases where the local runner once answered differently from Athena (tests/athena_cases/<n>.sql, each with
its source and Athena's answer in its comments), run as users run them: `make -s query SQL_FILE=...`, under three
machine time zones (Athena's session zone is UTC whatever the laptop's)."""
from __future__ import annotations

import gzip
import json
import os
import subprocess

import pytest

from .conftest import ROOT

CASES = ROOT / "tests/athena_cases"
DATA = ROOT / "tests/data/cloudtrail"
ZONES = ("UTC", "America/Los_Angeles", "Asia/Tokyo")

# case -> (columns, rows as a sorted list), or the error Athena answers with (exit 2).
EXPECTED = {
    "1": (["hour", "n"], [["2023-07-10 11", 798], ["2023-07-10 12", 2102]]),
    "2": (["n"], [[2900]]),
    "3": (["n"], [[0]]),
    "4": (["sv", "n"], [["SigV4", 267], [None, 4]]),
    "5": (["failed_share"], [["10.3"]]),
    "6": "mismatched input 'CreateSecurityGroup'",
    "7": (["same"], [[True]]),
    "8": (["n"], [[2295]]),
    "10": (["event name"], None),  # LIMIT 1 without ORDER BY: any one event's name
}


def records() -> list[dict]:
    out = []
    for path in sorted(DATA.rglob("*.json*")):
        raw = path.read_bytes()
        out.extend(json.loads(gzip.decompress(raw) if path.suffix == ".gz" else raw)["Records"])
    return out


def make_query(zone: str, as_of: str = "2023-07-11T00:00:00Z", **variables) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL")}
    env["TZ"] = zone
    args = ["make", "-s", "--no-print-directory", "-C", str(ROOT), "query", f"LOGS={DATA}", f"AS_OF={as_of}",
            "FORMAT=json"] + [f"{k}={v}" for k, v in variables.items()]
    return subprocess.run(args, capture_output=True, text=True, timeout=300, env=env)


def test_every_case_is_covered():
    assert sorted(p.stem for p in CASES.glob("*.sql")) == sorted(EXPECTED)


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("case", sorted(EXPECTED, key=int))
def test_case_answers_as_athena(case, zone):
    result = make_query(zone, SQL_FILE=CASES / f"{case}.sql")
    expected = EXPECTED[case]
    if isinstance(expected, str):
        assert (result.returncode, result.stdout) == (2, ""), result.stdout
        assert expected in result.stderr and "Traceback" not in result.stderr
        return
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["columns"] == expected[0]
    if expected[1] is None:
        names = {r["eventName"] for r in records() if r["eventTime"] <= "2023-07-11T00:00:00Z"}
        assert len(answer["rows"]) == 1 and answer["rows"][0][0] in names
        return
    assert sorted(answer["rows"], key=json.dumps) == sorted(expected[1], key=json.dumps)
    assert "310 records are later than AS_OF 2023-07-11T00:00:00+00:00 and not in the table" in result.stderr


NOW_SQL = """SELECT
  count_if(from_iso8601_timestamp(eventtime) >= localtimestamp - INTERVAL '1' DAY) AS since_localtimestamp,
  count_if(date_parse(eventtime, '%Y-%m-%dT%H:%i:%sZ') >= current_timestamp - INTERVAL '12' HOUR) AS since_current,
  count_if(from_iso8601_timestamp(eventtime) >= now() - INTERVAL '12' HOUR) AS since_now,
  count_if(date = date_format(current_date - INTERVAL '1' DAY, '%Y/%m/%d')) AS yesterday,
  CAST(current_date AS VARCHAR) AS d, CAST(localtimestamp AS VARCHAR) AS lts,
  hour(current_time) * 60 + minute(current_time) AS t, hour(localtime) * 60 + minute(localtime) AS lt,
  current_timezone() AS z, date_format(current_timestamp - INTERVAL '7' DAY, '%Y/%m/%d %H') AS cut
FROM cloudtrail"""


@pytest.mark.parametrize("zone, as_of", list(zip(ZONES, ["2023-07-11T05:00:00+05:00", "2023-07-10T17:00:00-07:00",
                                                         "2023-07-11T00:00:00Z"])))
def test_now_is_as_of_with_its_offset_honoured(as_of, zone):
    """2,900 events on 2023-07-10 (11:42-12:37 UTC), 2,102 of them from 12:00; the 310 later ones are out."""
    result = make_query(zone, as_of=as_of, SQL=NOW_SQL)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["rows"] == [[2900, 2102, 2102, 2900, "2023-07-11", "2023-07-11 00:00:00.000", 0,
                                                  0, "UTC", "2023/07/04 00"]]


def test_division_by_zero_is_athenas_error():
    """Second form of case 5: an average gap over accounts with a single event divides by n - 1 = 0."""
    sql = ("SELECT recipientaccountid, date_diff('second', min(from_iso8601_timestamp(eventtime)), "
           "max(from_iso8601_timestamp(eventtime))) * 1.0 / (count(*) - 1) AS gap FROM cloudtrail GROUP BY 1")
    result = make_query("UTC", as_of="2024-12-01T00:00:00Z", SQL=sql)
    assert (result.returncode, result.stdout) == (2, "")
    assert "Division by zero" in result.stderr and "Traceback" not in result.stderr


def test_sql_variable_carries_double_quotes_dollars_and_backslashes():
    sql = ('SELECT eventname AS "event name", json_extract_scalar(requestparameters, \'$.bucketName\') AS "b", '
           '\'$["x-amz-id-2"] \\ `x` $(shell echo no)\' AS c FROM cloudtrail '
           'WHERE json_extract_scalar(requestparameters, \'$["bucketName"]\') = \'baker221b-bucketssecuritylogsbef08b3e-13nrzhi7fcs7w\' '
           'ORDER BY eventtime, eventid LIMIT 1')
    result = make_query("UTC", SQL=sql)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"columns": ["event name", "b", "c"], "rows": [[
        "GetBucketLocation", "baker221b-bucketssecuritylogsbef08b3e-13nrzhi7fcs7w",
        '$["x-amz-id-2"] \\ `x` $(shell echo no)']]}


@pytest.mark.parametrize("variables, message", [
    ({"SQL": "SELECT 1; SELECT 2"}, "the SQL holds 2 statements; Athena runs one statement per query"),
    ({"SQL": "SELECT 'unterminated FROM cloudtrail"}, "SQL does not tokenize as Athena (Trino) SQL"),
    ({"SQL": "SELECT \"unterminated FROM cloudtrail"}, "SQL does not tokenize as Athena (Trino) SQL"),
    ({"SQL_FILE": "/nonexistent/q.sql"}, "SQL_FILE: cannot read /nonexistent/q.sql"),
    ({"SQL": "SELECT 1", "SQL_FILE": str(CASES / "1.sql")}, "give SQL or SQL_FILE, not both"),
    ({"SQL": "SELECT CAST(sourceipaddress AS IPADDRESS) FROM cloudtrail"},
     "error: the query failed: Invalid Input Error: Cannot cast value to IPADDRESS: "),
])
def test_sql_athena_rejects_is_a_usage_error(variables, message):
    result = make_query("UTC", **variables)
    assert (result.returncode, result.stdout) == (2, "")
    assert message in result.stderr and "Traceback" not in result.stderr


def test_saved_query_window_is_drawn_in_utc_at_the_date_line():
    """Case 1's saved-query form: the 7-day cut-off rendered with date_format is UTC's date, not Kiritimati's."""
    result = make_query("Pacific/Kiritimati", as_of="2023-07-17T12:00:00Z", Q="deleted_buckets_last_7_days")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)["rows"]
    expected = sorted((r for r in records() if r["eventName"] == "DeleteBucket"
                       and "2023-07-10T12:00:00Z" <= r["eventTime"] <= "2023-07-17T12:00:00Z"),
                      key=lambda r: (r["eventTime"], r["eventID"]))
    assert len(expected) == 8
    assert sorted(row[0] for row in rows) == [r["eventTime"] for r in expected]
