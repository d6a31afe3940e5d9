"""Every saved query over the real logs in ../shared/data/cloudtrail, compared row for row with an answer
computed independently in plain Python over the same JSON (never with the SQL under test)."""
from __future__ import annotations

import gzip
import json
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlglot

from cloudtrail.query_library import saved_queries

from .conftest import ROOT

DATA = ROOT / "tests/data/cloudtrail"  # a copy of the shared real logs (SOURCES.md beside them)
COLUMNS = ["eventtime", "eventsource", "eventname", "awsregion", "recipientaccountid", "principal",
           "sourceipaddress", "errorcode"]
IAM_POLICY = {"DeleteGroupPolicy", "DeleteRolePolicy", "DeleteUserPolicy", "PutGroupPolicy", "PutRolePolicy",
              "PutUserPolicy", "CreatePolicy", "DeletePolicy", "CreatePolicyVersion", "DeletePolicyVersion",
              "AttachRolePolicy", "DetachRolePolicy", "AttachUserPolicy", "DetachUserPolicy", "AttachGroupPolicy",
              "DetachGroupPolicy"}
S3_POLICY = {"PutBucketAcl", "PutBucketPolicy", "PutBucketCors", "PutBucketLifecycle", "PutBucketReplication",
             "DeleteBucketPolicy", "DeleteBucketCors", "DeleteBucketLifecycle", "DeleteBucketReplication",
             "PutBucketPublicAccessBlock", "DeleteBucketPublicAccessBlock"}
SG = {"AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress",
      "RevokeSecurityGroupEgress", "CreateSecurityGroup", "DeleteSecurityGroup"}
NACL = {"CreateNetworkAcl", "CreateNetworkAclEntry", "DeleteNetworkAcl", "DeleteNetworkAclEntry",
        "ReplaceNetworkAclEntry", "ReplaceNetworkAclAssociation"}
GATEWAY = {"CreateCustomerGateway", "DeleteCustomerGateway", "AttachInternetGateway", "CreateInternetGateway",
           "DeleteInternetGateway", "DetachInternetGateway"}
ROUTE = {"CreateRoute", "CreateRouteTable", "ReplaceRoute", "ReplaceRouteTableAssociation", "DeleteRouteTable",
         "DeleteRoute", "DisassociateRouteTable"}
VPC = {"CreateVpc", "DeleteVpc", "ModifyVpcAttribute", "AcceptVpcPeeringConnection", "CreateVpcPeeringConnection",
       "DeleteVpcPeeringConnection", "RejectVpcPeeringConnection", "AttachClassicLinkVpc", "DetachClassicLinkVpc",
       "DisableVpcClassicLink", "EnableVpcClassicLink"}


def ui(r):
    return r.get("userIdentity") or {}


def named(source, names):
    return lambda r, p: (source is None or r.get("eventSource") == source) and r.get("eventName") in names


def mfa_used(r):
    extra = r.get("additionalEventData")
    return extra.get("MFAUsed") if isinstance(extra, dict) else None


# name -> (window in days, predicate(record, params))
EXPECTED = {
    "deleted_buckets_last_7_days": (7, named("s3.amazonaws.com", {"DeleteBucket"})),
    "console_logins_outside_corporate": (30, lambda r, p: r.get("eventName") == "ConsoleLogin"
                                         and r.get("sourceIPAddress") is not None
                                         and not r["sourceIPAddress"].startswith("10.")),
    "root_account_usage": (30, lambda r, p: ui(r).get("type") == "Root" and ui(r).get("invokedBy") is None
                           and r.get("eventType") != "AwsServiceEvent"),
    "unauthorized_api_calls": (30, lambda r, p: isinstance(r.get("errorCode"), str) and (
        r["errorCode"].endswith("UnauthorizedOperation") or r["errorCode"].startswith("AccessDenied"))),
    "console_login_without_mfa": (30, lambda r, p: r.get("eventName") == "ConsoleLogin"
                                  and mfa_used(r) is not None and mfa_used(r) != "Yes"
                                  and ui(r).get("type") == "IAMUser"
                                  and (r.get("responseElements") or {}).get("ConsoleLogin") == "Success"),
    "console_signin_failures": (30, lambda r, p: r.get("eventName") == "ConsoleLogin"
                                and r.get("errorMessage") == "Failed authentication"),
    "iam_policy_changes": (30, named("iam.amazonaws.com", IAM_POLICY)),
    "cloudtrail_changes": (30, named("cloudtrail.amazonaws.com", {"CreateTrail", "UpdateTrail", "DeleteTrail",
                                                                  "StartLogging", "StopLogging",
                                                                  "PutEventSelectors"})),
    "kms_key_disable_or_deletion": (30, named("kms.amazonaws.com", {"DisableKey", "ScheduleKeyDeletion"})),
    "s3_bucket_policy_changes": (30, named("s3.amazonaws.com", S3_POLICY)),
    "config_changes": (30, named("config.amazonaws.com", {"StopConfigurationRecorder", "DeleteDeliveryChannel",
                                                          "PutDeliveryChannel", "PutConfigurationRecorder",
                                                          "DeleteConfigurationRecorder"})),
    "security_group_changes": (30, named(None, SG)),
    "nacl_changes": (30, named(None, NACL)),
    "network_gateway_changes": (30, named(None, GATEWAY)),
    "route_table_changes": (30, named(None, ROUTE)),
    "vpc_changes": (30, named(None, VPC)),
    "mfa_devices_deactivated": (30, named("iam.amazonaws.com", {"DeactivateMFADevice", "DeleteVirtualMFADevice"})),
    "calls_from_ip": (90, lambda r, p: r.get("sourceIPAddress") == p["ip_address"]),
    "writes_to_resource": (90, lambda r, p: str(r.get("readOnly")).lower() == "false" and (
        any(x.get("ARN") == p["resource"] for x in r.get("resources") or [])
        or (r.get("requestParameters") is not None and p["resource"] in json.dumps(r["requestParameters"],
                                                                                    separators=(",", ":"))))),
}


def records_of(folder: Path) -> list[dict]:
    out = []
    for path in sorted(folder.rglob("*.json*")):
        raw = path.read_bytes()
        out.extend(json.loads(gzip.decompress(raw) if path.suffix == ".gz" else raw)["Records"])
    return out


def expected_rows(records, name, as_of, params):
    days, predicate = EXPECTED[name]
    since = (as_of - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    until = as_of.strftime("%Y-%m-%dT%H:%M:%SZ")  # events after AS_OF did not exist yet
    hits = [r for r in records if since <= r["eventTime"] <= until and predicate(r, params)]
    hits.sort(key=lambda r: r["eventID"])
    hits.sort(key=lambda r: r["eventTime"], reverse=True)
    return [[r["eventTime"], r.get("eventSource"), r.get("eventName"), r.get("awsRegion"),
             r.get("recipientAccountId"), ui(r).get("arn"), r.get("sourceIPAddress"), r.get("errorCode")]
            for r in hits]


def query(name, logs, as_of, params=""):
    args = [str(ROOT / ".venv/bin/python"), "-m", "investigate", "--query", name, "--logs", str(logs), "--as-of",
            as_of.strftime("%Y-%m-%dT%H:%M:%SZ"), "--format", "json"]
    if params:
        args += ["--params", params]
    result = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def synthetic_set(folder: Path) -> Path:
    """Clearly labelled synthetic records, each a real record with its event renamed, for the event
    classes the real logs never show (userAgent says so)."""
    real = records_of(DATA / "invictus-aws_dataset")
    base = next(r for r in real if r["eventName"] == "PutBucketPolicy")
    made = []
    for i, (source, name) in enumerate([("ec2.amazonaws.com", "CreateNetworkAclEntry"),
                                        ("ec2.amazonaws.com", "AttachInternetGateway"),
                                        ("ec2.amazonaws.com", "CreateRoute"), ("ec2.amazonaws.com", "CreateVpc"),
                                        ("kms.amazonaws.com", "ScheduleKeyDeletion"),
                                        ("config.amazonaws.com", "StopConfigurationRecorder"),
                                        ("cloudtrail.amazonaws.com", "StopLogging"),
                                        ("iam.amazonaws.com", "DeactivateMFADevice"),
                                        ("iam.amazonaws.com", "PutUserPolicy"), ("signin.amazonaws.com", "ConsoleLogin"),
                                        ("signin.amazonaws.com", "ConsoleLogin")]):
        r = json.loads(json.dumps(base))
        r.update(eventSource=source, eventName=name, eventID=f"synthetic-{i:04d}", userAgent="synthetic-from-real")
        if name == "ConsoleLogin" and i == 9:  # the root user's failed sign-in
            r.update(errorMessage="Failed authentication", additionalEventData={"MFAUsed": "No"},
                     userIdentity={"type": "Root", "arn": "arn:aws:iam::123837392027:root",
                                   "accountId": "123837392027"}, eventType="AwsConsoleSignIn")
        elif name == "ConsoleLogin":  # a federated (role) sign-in: MFA happened at the identity provider
            r.update(additionalEventData={"MFAUsed": "No"}, responseElements={"ConsoleLogin": "Success"},
                     userIdentity={"type": "AssumedRole", "arn": "arn:aws:sts::123837392027:assumed-role/sso/alice",
                                   "accountId": "123837392027"}, eventType="AwsConsoleSignIn")
        made.append(r)
    out = folder / "synthetic"
    out.mkdir()
    (out / "synthetic.json").write_text(json.dumps({"Records": made}))
    return out


INVICTUS_AS_OF = datetime(2023, 7, 11, tzinfo=timezone.utc)
STRATUS_AS_OF = datetime(2024, 12, 1, tzinfo=timezone.utc)
PARAMS = {"calls_from_ip": {"ip_address": "192.168.10.20"},
          "writes_to_resource": {"resource": "arn:aws:ec2:us-east-1:123837392027:instance/i-0dbc91f429e48eeed"}}


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    return synthetic_set(tmp_path_factory.mktemp("queries"))


@pytest.mark.parametrize("name", sorted(saved_queries()))
def test_every_query_matches_an_independent_answer(name, synthetic):
    params = PARAMS.get(name, {})
    text = " ".join(f"{k}={v}" for k, v in params.items())
    rows_found = 0
    for folder, as_of in ((DATA / "invictus-aws_dataset", INVICTUS_AS_OF), (DATA / "stratus-red-team", STRATUS_AS_OF),
                          (synthetic, INVICTUS_AS_OF)):
        result = query(name, folder, as_of, text)
        assert result["columns"] == COLUMNS
        expected = expected_rows(records_of(folder), name, as_of, params)
        assert result["rows"] == expected, f"{name} over {folder.name}"
        rows_found += len(expected)
    assert rows_found >= 1, f"{name} returns no row on any record set"


def test_queries_parse_as_athena_sql_and_carry_their_headers():
    queries = saved_queries()
    assert len(queries) >= 19
    for q in queries.values():
        sqlglot.parse_one(q.body, read="trino")
        assert q.description and q.cis and "FROM cloudtrail" in q.body
        assert "date >=" in q.body, f"{q.name} has no partition predicate"
    assert {q.cis for q in queries.values() if q.cis != "-"} == {f"CIS AWS Foundations v1.4.0 4.{i}"
                                                                  for i in range(1, 15)}


def test_listing_contract():
    result = subprocess.run(["make", "-s", "--no-print-directory", "-C", str(ROOT), "query"], capture_output=True,
                            text=True, timeout=300, env={k: v for k, v in __import__("os").environ.items()
                                                         if k not in ("MAKEFLAGS", "MAKELEVEL")})
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == sorted(saved_queries())
    assert lines[0].split(None, 1)[1] == saved_queries()["calls_from_ip"].description


@pytest.mark.parametrize("args, message", [
    (["--query", "no_such_query", "--logs", "."], "no saved query 'no_such_query'"),
    (["--query", "calls_from_ip", "--logs", str(DATA)], "query calls_from_ip needs PARAMS=\"ip_address=...\""),
    (["--sql", "SELEC nonsense FROM", "--logs", str(DATA)], "SQL does not parse as Athena (Trino) SQL"),
    (["--sql", "SELECT nope FROM cloudtrail", "--logs", str(DATA)], "the query failed"),
    (["--query", "vpc_changes", "--logs", "/nonexistent"], "LOGS: /nonexistent is not a directory"),
])
def test_usage_errors_exit_2_without_traceback(args, message):
    result = subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "investigate", *args], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert (result.returncode, result.stdout) == (2, "")
    assert message in result.stderr and "Traceback" not in result.stderr


def test_empty_directory_and_malformed_file(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "investigate", "--query", "vpc_changes",
                             "--logs", str(empty)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 2 and f"LOGS: no files under {empty}" in result.stderr
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    (mixed / "broken.json").write_text('{"Records": [ {"eventTime": ')
    (mixed / "good.json").write_text((DATA / "stratus-red-team/aws.defense-evasion.cloudtrail-stop.json").read_text())
    result = subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "investigate", "--sql",
                             "SELECT count(*) AS n FROM cloudtrail", "--logs", str(mixed), "--format", "json"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    good = len(json.loads((mixed / "good.json").read_text())["Records"])
    assert json.loads(result.stdout) == {"columns": ["n"], "rows": [[good]]}
    assert f"warning: not loaded: {mixed / 'broken.json'}: could not read it" in result.stderr
    assert "records from 1 files (1 unreadable, 0 not CloudTrail events, 0 records skipped)" in result.stderr
