"""A corpus of CloudTrail queries of our own, each using the features of a query published by others (the source
of the pattern is named beside it; no published query is copied), run by the local runner over the real logs in
tests/data/cloudtrail and compared row for row with an answer computed independently in plain Python.

Sources of the patterns:
  SAB  https://github.com/awslabs/aws-security-analytics-bootstrap/blob/main/AWSSecurityAnalyticsBootstrap/sql/dml/analytics/cloudtrail/cloudtrail_demo_queries.sql
  ETIR https://github.com/easttimor/aws-incident-response (README.md, Athena queries)
  S3CT https://docs.aws.amazon.com/AmazonS3/latest/userguide/cloudtrail-request-identification.html
  GIST https://gist.github.com/andresriancho/2a85070593d70f48430ea132e08c1ad9
  QSPS https://github.com/aws-samples/amazon-quicksight-sdk-proserve (Admin_Console/DDL_getdashboard.sql)
  YZIR https://github.com/yanzhoushow/aws_incident_responder
  TLSB https://aws.amazon.com/blogs/mt/using-aws-cloudtrail-lake-to-identify-older-tls-connections-to-aws-service-endpoints/
  ATHD https://docs.aws.amazon.com/athena/latest/ug/create-cloudtrail-table.html (the documented table and its fields)
"""
from __future__ import annotations

import gzip
import ipaddress
import json
import re
from collections import Counter, defaultdict
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal

import duckdb
import pytest

from investigate.loader import load
from investigate.run import run

from .conftest import ROOT

DATA = ROOT / "tests/data/cloudtrail"
AS_OF = datetime(2024, 12, 1, tzinfo=timezone.utc)  # after every record: the whole set is in the table


def _records() -> list[dict]:
    out = []
    for path in sorted(DATA.rglob("*.json*")):
        raw = path.read_bytes()
        out.extend(json.loads(gzip.decompress(raw) if path.suffix == ".gz" else raw)["Records"])
    return out


R = _records()


def ui(r, *path):
    value = r.get("userIdentity") or {}
    for key in path:
        value = (value or {}).get(key) if isinstance(value, dict) else None
    return value


def jget(value, *path):
    """A JSON path into an already parsed object (None when absent)."""
    for key in path:
        if isinstance(value, dict):
            value = value.get(key)
        else:
            return None
    return value


def scalar(value):
    """Trino's json_extract_scalar of an already parsed value: text of a scalar, None for objects/arrays/null."""
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def top(counter: Counter, *keys) -> list:
    return sorted(([*k, n] if isinstance(k, tuple) else [k, n] for k, n in counter.items()),
                  key=lambda row: (-row[-1], *[(v is None, "" if v is None else str(v)) for v in row[:-1]]))  # NULLS LAST


def ip_or_none(text):
    try:
        return ipaddress.ip_address(text)
    except (ValueError, TypeError):
        return None


def half_up(value: Decimal, scale: int) -> str:
    return str(value.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP))


KEY = "AKIATFQR7NSC8Q4X20BJ"
PRIVATE = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]
READS = ("Get", "List", "Describe")

# name -> (source, SQL, expected rows as a function of the records, whether the row order is the query's)
CORPUS = {
    "events_by_region": ("SAB", """
        SELECT awsregion, count(*) AS eventcount FROM cloudtrail
        WHERE eventtime >= '2023-07-01' GROUP BY awsregion ORDER BY eventcount DESC, awsregion""",
        lambda: top(Counter(r["awsRegion"] for r in R if r["eventTime"] >= "2023-07-01")), True),
    "events_by_region_and_name": ("SAB", """
        SELECT awsregion, eventname, count(*) AS n FROM cloudtrail WHERE awsregion LIKE 'us-%'
        GROUP BY awsregion, eventname ORDER BY awsregion, n DESC, eventname""",
        lambda: sorted(([k[0], k[1], n] for k, n in Counter((r["awsRegion"], r["eventName"]) for r in R
                                                           if r["awsRegion"].startswith("us-")).items()),
                       key=lambda x: (x[0], -x[2], x[1])), True),
    "logins_with_their_sources": ("SAB", """
        SELECT useridentity.arn AS arn, eventname, array_agg(DISTINCT sourceipaddress ORDER BY sourceipaddress) AS ips
        FROM cloudtrail WHERE useridentity.arn IS NOT NULL AND eventname IN ('AssumeRole', 'ConsoleLogin')
        GROUP BY useridentity.arn, eventname ORDER BY eventname, arn""",
        lambda: sorted(([a, e, sorted(ips)] for (a, e), ips in _group(
            lambda r: (ui(r, "arn"), r["eventName"]), lambda r: r.get("sourceIPAddress"),
            lambda r: ui(r, "arn") is not None and r["eventName"] in ("AssumeRole", "ConsoleLogin")).items()),
            key=lambda x: (x[1], x[0])), True),
    "write_activity_per_principal": ("SAB", """
        SELECT useridentity.arn AS arn, array_agg(DISTINCT eventname ORDER BY eventname) AS names
        FROM cloudtrail WHERE eventname <> 'AssumeRole' AND eventname NOT LIKE 'Get%' AND eventname NOT LIKE 'List%'
          AND eventname NOT LIKE 'Describe%' AND useridentity.arn IS NOT NULL
        GROUP BY useridentity.arn ORDER BY arn""",
        lambda: sorted([a, sorted(n)] for a, n in _group(
            lambda r: ui(r, "arn"), lambda r: r["eventName"],
            lambda r: ui(r, "arn") is not None and r["eventName"] != "AssumeRole"
            and not r["eventName"].startswith(READS)).items()), True),
    "iam_changes_that_succeeded": ("SAB", """
        SELECT eventtime, useridentity.username AS actor, eventname FROM cloudtrail
        WHERE eventsource = 'iam.amazonaws.com' AND errorcode IS NULL AND eventname NOT LIKE 'Get%'
          AND eventname NOT LIKE 'List%' ORDER BY eventtime, eventid""",
        lambda: [[r["eventTime"], ui(r, "userName"), r["eventName"]] for r in sorted(
            (r for r in R if r["eventSource"] == "iam.amazonaws.com" and r.get("errorCode") is None
             and not r["eventName"].startswith(("Get", "List"))), key=lambda r: (r["eventTime"], r["eventID"]))], True),
    "created_access_keys": ("SAB", """
        SELECT json_extract_scalar(json_extract(responseelements, '$.accessKey'), '$.userName') AS owner,
               json_extract_scalar(responseelements, '$.accessKey.accessKeyId') AS key_id
        FROM cloudtrail WHERE eventname = 'CreateAccessKey' AND errorcode IS NULL ORDER BY key_id""",
        lambda: sorted(([scalar(jget(r["responseElements"], "accessKey", "userName")),
                         scalar(jget(r["responseElements"], "accessKey", "accessKeyId"))]
                        for r in R if r["eventName"] == "CreateAccessKey" and r.get("errorCode") is None),
                       key=lambda x: x[1]), True),
    "login_profile_changes": ("SAB", """
        SELECT eventname, json_extract_scalar(requestparameters, '$.userName') AS "user whose password changed"
        FROM cloudtrail WHERE eventname IN ('UpdateLoginProfile', 'CreateLoginProfile') ORDER BY 2, 1""",
        lambda: sorted(([r["eventName"], scalar(jget(r["requestParameters"], "userName"))] for r in R
                    if r["eventName"] in ("UpdateLoginProfile", "CreateLoginProfile")), key=lambda x: (x[1], x[0])),
        True),
    "calls_from_public_addresses": ("SAB", """
        SELECT sourceipaddress, count(*) AS n FROM cloudtrail
        WHERE regexp_like(sourceipaddress, '^\\d')
          AND NOT (TRY_CAST(sourceipaddress AS IPADDRESS) BETWEEN IPADDRESS '10.0.0.0' AND IPADDRESS '10.255.255.255'
               OR TRY_CAST(sourceipaddress AS IPADDRESS) BETWEEN IPADDRESS '172.16.0.0' AND IPADDRESS '172.31.255.255'
               OR TRY_CAST(sourceipaddress AS IPADDRESS) BETWEEN IPADDRESS '192.168.0.0' AND IPADDRESS '192.168.255.255')
        GROUP BY sourceipaddress ORDER BY n DESC, sourceipaddress""",
        lambda: top(Counter(r["sourceIPAddress"] for r in R if re.match(r"\d", r.get("sourceIPAddress") or "")
                            and ip_or_none(r["sourceIPAddress"]) is not None
                            and not any(ip_or_none(r["sourceIPAddress"]) in n for n in PRIVATE))), True),
    "addresses_inside_a_network": ("SAB", """
        SELECT count_if(contains('192.168.0.0/16', TRY_CAST(sourceipaddress AS IPADDRESS))) AS inside,
               count_if(TRY_CAST(sourceipaddress AS IPADDRESS) IS NULL) AS not_an_address FROM cloudtrail""",
        lambda: [[sum(1 for r in R if (ip := ip_or_none(r.get("sourceIPAddress"))) is not None
                      and ip in PRIVATE[2]),
                  sum(1 for r in R if ip_or_none(r.get("sourceIPAddress")) is None)]], True),
    "recent_api_errors": ("ETIR", """
        SELECT eventtime, eventname, errorcode FROM cloudtrail
        WHERE errorcode IN ('Client.UnauthorizedOperation', 'AccessDenied', 'Client.OperationNotPermitted')
        ORDER BY eventtime DESC, eventid LIMIT 25""",
        lambda: [[r["eventTime"], r["eventName"], r["errorCode"]] for r in sorted(
            sorted((r for r in R if r.get("errorCode") in ("Client.UnauthorizedOperation", "AccessDenied",
                                                             "Client.OperationNotPermitted")),
                   key=lambda r: r["eventID"]), key=lambda r: r["eventTime"], reverse=True)[:25]], True),
    "principal_of_an_access_key": ("ETIR", f"""
        SELECT useridentity.principalid AS principal, useridentity.arn AS arn, min(eventtime) AS first_seen
        FROM cloudtrail WHERE useridentity.accesskeyid = '{KEY}' GROUP BY 1, 2""",
        lambda: [[p, a, min(t)] for (p, a), t in _group(lambda r: (ui(r, "principalId"), ui(r, "arn")),
                                                        lambda r: r["eventTime"],
                                                        lambda r: ui(r, "accessKeyId") == KEY).items()], False),
    "user_agents_of_a_key": ("ETIR", f"""
        SELECT useragent, count(*) AS total FROM cloudtrail WHERE useridentity.accesskeyid = '{KEY}'
        GROUP BY useragent ORDER BY total DESC, useragent""",
        lambda: top(Counter(r.get("userAgent") for r in R if ui(r, "accessKeyId") == KEY)), True),
    "resource_named_in_request_or_response": ("ETIR", """
        SELECT eventname, count(*) AS n FROM cloudtrail
        WHERE (requestparameters LIKE '%i-0dbc91f429e48eeed%' OR responseelements LIKE '%i-0dbc91f429e48eeed%')
          AND eventname NOT LIKE 'Describe%' GROUP BY eventname ORDER BY n DESC, eventname""",
        lambda: top(Counter(r["eventName"] for r in R if not r["eventName"].startswith("Describe") and any(
            "i-0dbc91f429e48eeed" in json.dumps(r.get(k)) for k in ("requestParameters", "responseElements")
            if r.get(k) is not None))), True),
    "instance_profile_activity": ("ETIR", """
        SELECT useridentity.principalid AS principal, eventsource, count(*) AS total FROM cloudtrail
        WHERE useridentity.principalid LIKE '%:i-%' GROUP BY 1, 2 ORDER BY total DESC, principal, eventsource""",
        lambda: top(Counter((ui(r, "principalId"), r["eventSource"]) for r in R
                            if ":i-" in (ui(r, "principalId") or ""))), True),
    "error_code_counts": ("ETIR", """
        SELECT errorcode, count(errorcode) AS total FROM cloudtrail GROUP BY errorcode ORDER BY total DESC, errorcode""",
        lambda: sorted(([k, (n if k is not None else 0)] for k, n in Counter(r.get("errorCode") for r in R).items()),
                       key=lambda x: (-x[1], x[0] is None, x[0] or "")), True),
    "most_denied_principals": ("ETIR", """
        SELECT useridentity.principalid AS principal, count(*) AS denied FROM cloudtrail
        WHERE errorcode = 'AccessDenied' GROUP BY useridentity.principalid ORDER BY denied DESC, principal""",
        lambda: top(Counter(ui(r, "principalId") for r in R if r.get("errorCode") == "AccessDenied")), True),
    "s3_signature_versions": ("S3CT", """
        SELECT json_extract_scalar(additionaleventdata, '$.SignatureVersion') AS sig,
               CAST(json_extract(additionaleventdata, '$.CipherSuite') AS VARCHAR) AS suite, count(*) AS n
        FROM cloudtrail WHERE eventsource = 's3.amazonaws.com' GROUP BY 1, 2""",
        lambda: [[a, b, n] for (a, b), n in Counter(
            (scalar(jget(r.get("additionalEventData"), "SignatureVersion")),
             scalar(jget(r.get("additionalEventData"), "CipherSuite")))
            for r in R if r["eventSource"] == "s3.amazonaws.com").items()], False),
    "s3_calls_beyond_reads": ("GIST", """
        SELECT eventname, count(*) AS n FROM cloudtrail WHERE eventsource = 's3.amazonaws.com'
          AND eventname NOT IN ('ListBuckets', 'GetBucketLocation', 'GetBucketAcl', 'GetBucketPolicy',
                                'GetBucketPublicAccessBlock')
        GROUP BY eventname ORDER BY n DESC, eventname""",
        lambda: top(Counter(r["eventName"] for r in R if r["eventSource"] == "s3.amazonaws.com" and r["eventName"]
                            not in ("ListBuckets", "GetBucketLocation", "GetBucketAcl", "GetBucketPolicy",
                                    "GetBucketPublicAccessBlock"))), True),
    "last_three_months_by_calendar": ("QSPS", """
        SELECT count(*) AS n FROM cloudtrail
        WHERE CAST(from_iso8601_timestamp(eventtime) AS DATE) >= CAST(current_date - INTERVAL '3' MONTH AS DATE)""",
        lambda: [[sum(1 for r in R if r["eventTime"][:10] >= "2024-09-01")]], True),
    "failure_share_per_service": ("YZIR", """
        SELECT eventsource, 100.0 * count_if(errorcode IS NOT NULL) / count(*) AS failed_pct FROM cloudtrail
        GROUP BY eventsource HAVING count(*) >= 50 ORDER BY eventsource""",
        lambda: [[s, half_up(Decimal(100) * sum(1 for r in g if r.get("errorCode") is not None) / len(g), 1)]
                 for s, g in sorted(_by(lambda r: r["eventSource"]).items()) if len(g) >= 50], True),
    "busiest_session_length": ("YZIR", """
        SELECT useridentity.arn AS arn, date_diff('second', min(from_iso8601_timestamp(eventtime)),
               max(from_iso8601_timestamp(eventtime))) AS seconds, count(*) AS n
        FROM cloudtrail WHERE useridentity.arn IS NOT NULL GROUP BY 1 HAVING count(*) >= 20 ORDER BY n DESC, arn""",
        lambda: sorted(([a, int((max(_t(r) for r in g) - min(_t(r) for r in g)).total_seconds()), len(g)]
                        for a, g in _by(lambda r: ui(r, "arn")).items() if a is not None and len(g) >= 20),
                       key=lambda x: (-x[2], x[0])), True),
    "tls_versions": ("TLSB", """
        SELECT tlsdetails.tlsversion AS version, count(*) AS n,
               count(DISTINCT tlsdetails.clientprovidedhostheader) AS hosts
        FROM cloudtrail GROUP BY 1 ORDER BY n DESC""",
        lambda: sorted(([v, len(g), len({jget(r.get("tlsDetails"), "clientProvidedHostHeader") for r in g} - {None})]
                        for v, g in _by(lambda r: jget(r.get("tlsDetails"), "tlsVersion")).items()),
                       key=lambda x: -x[1]), True),
    "resources_touched": ("ATHD", """
        SELECT t.arn, count(*) AS n FROM cloudtrail CROSS JOIN UNNEST(resources) AS t(arn, accountid, type)
        GROUP BY t.arn ORDER BY n DESC, t.arn LIMIT 10""",
        lambda: top(Counter(x.get("ARN") for r in R for x in (r.get("resources") or [])))[:10], True),
    "role_session_names": ("ETIR", """
        SELECT split_part(useridentity.arn, '/', 3) AS session, count(*) AS n FROM cloudtrail
        WHERE useridentity.type = 'AssumedRole' GROUP BY 1 ORDER BY n DESC, session LIMIT 10""",
        lambda: top(Counter((ui(r, "arn").split("/") + [None, None, None])[2] for r in R
                            if ui(r, "type") == "AssumedRole"))[:10], True),
    "user_agent_families": ("ETIR", """
        SELECT regexp_extract(useragent, '^([A-Za-z-]+)/', 1) AS family, count(*) AS n FROM cloudtrail
        GROUP BY 1 ORDER BY n DESC, family LIMIT 8""",
        lambda: top(Counter((m.group(1) if (m := re.match(r"^([A-Za-z-]+)/", r.get("userAgent") or "")) else None)
                            for r in R))[:8], True),
    "distinct_sources_per_service": ("SAB", """
        SELECT eventsource, approx_distinct(sourceipaddress) AS sources FROM cloudtrail
        GROUP BY eventsource ORDER BY sources DESC, eventsource LIMIT 10""",
        lambda: top(Counter({s: len({r.get("sourceIPAddress") for r in g} - {None})
                             for s, g in _by(lambda r: r["eventSource"]).items()}))[:10], True),
    "console_logins_and_mfa": ("ATHD", """
        SELECT json_extract_scalar(additionaleventdata, '$.MFAUsed') AS mfa,
               json_extract_scalar(responseelements, '$.ConsoleLogin') AS outcome, count(*) AS n
        FROM cloudtrail WHERE eventname = 'ConsoleLogin' GROUP BY 1, 2""",
        lambda: [[a, b, n] for (a, b), n in Counter(
            (scalar(jget(r.get("additionalEventData"), "MFAUsed")), scalar(jget(r.get("responseElements"),
                                                                               "ConsoleLogin")))
            for r in R if r["eventName"] == "ConsoleLogin").items()], False),
    "actor_name_either_form": ("ETIR", """
        SELECT coalesce(useridentity.username, useridentity.sessioncontext.sessionissuer.username, 'unknown') AS actor,
               count(*) AS n FROM cloudtrail GROUP BY 1 ORDER BY n DESC, actor LIMIT 10""",
        lambda: top(Counter(ui(r, "userName") or ui(r, "sessionContext", "sessionIssuer", "userName") or "unknown"
                            for r in R))[:10], True),
    "instances_in_run_requests": ("ETIR", """
        SELECT eventname, json_array_length(json_extract(requestparameters, '$.instancesSet.items')) AS items,
               count(*) AS n
        FROM cloudtrail WHERE json_extract(requestparameters, '$.instancesSet.items') IS NOT NULL GROUP BY 1, 2""",
        lambda: [[e, k, n] for (e, k), n in Counter(
            (r["eventName"], len(jget(r.get("requestParameters"), "instancesSet", "items")))
            for r in R if isinstance(jget(r.get("requestParameters"), "instancesSet", "items"), list)).items()],
        False),
    "hourly_timeline": ("ETIR", """
        SELECT to_iso8601(date_trunc('hour', from_iso8601_timestamp(eventtime))) AS hour, count(*) AS n
        FROM cloudtrail WHERE eventtime < '2023-07-11' GROUP BY 1 ORDER BY 1""",
        lambda: sorted([h + ":00:00.000Z", n] for h, n in Counter(r["eventTime"][:13] for r in R
                                                                  if r["eventTime"] < "2023-07-11").items()), True),
    "accounts_named_in_arns": ("ETIR", """
        SELECT split_part(useridentity.arn, ':', 5) AS account, count(*) AS n FROM cloudtrail
        WHERE useridentity.arn IS NOT NULL GROUP BY 1 ORDER BY n DESC, account LIMIT 10""",
        lambda: top(Counter((ui(r, "arn").split(":") + [None] * 5)[4] for r in R
                            if ui(r, "arn") is not None))[:10], True),
    "issuing_roles": ("SAB", """
        SELECT element_at(split(useridentity.sessioncontext.sessionissuer.arn, '/'), -1) AS role, count(*) AS n
        FROM cloudtrail WHERE useridentity.sessioncontext.sessionissuer.arn IS NOT NULL
        GROUP BY 1 ORDER BY n DESC, role LIMIT 10""",
        lambda: top(Counter(ui(r, "sessionContext", "sessionIssuer", "arn").split("/")[-1] for r in R
                            if ui(r, "sessionContext", "sessionIssuer", "arn") is not None))[:10], True),
    "sigv4_requests_by_filter": ("S3CT", """
        SELECT count(*) AS n FROM cloudtrail
        WHERE CAST(json_extract(additionaleventdata, '$.SignatureVersion') AS VARCHAR) = 'SigV4'""",
        lambda: [[sum(1 for r in R if jget(r.get("additionalEventData"), "SignatureVersion") == "SigV4")]], True),
}


def _by(key, where=lambda r: True) -> dict:
    groups = defaultdict(list)
    for r in R:
        if where(r):
            groups[key(r)].append(r)
    return groups


def _group(key, value, where) -> dict:
    out = defaultdict(set)
    for r in R:
        if where(r):
            out[key(r)].add(value(r))
    return out


def _t(r) -> datetime:
    return datetime.strptime(r["eventTime"], "%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def con():
    connection = duckdb.connect()
    load(connection, DATA)
    return connection


def test_corpus_is_large_enough_and_sourced():
    assert len(CORPUS) >= 25
    assert {source for source, *_ in CORPUS.values()} == {"SAB", "ETIR", "S3CT", "GIST", "QSPS", "YZIR", "TLSB",
                                                          "ATHD"}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_query_agrees_with_python(name, con):
    _source, sql, expected, ordered = CORPUS[name]
    columns, rows = run(con, sql, AS_OF)
    rows = [[str(v) if isinstance(v, Decimal) else v for v in row] for row in rows]
    want = expected()
    assert want, f"{name}: the records hold nothing this query finds; it proves nothing"
    if not ordered:
        rows, want = sorted(rows, key=json.dumps), sorted(want, key=json.dumps)
    assert rows == want, name
