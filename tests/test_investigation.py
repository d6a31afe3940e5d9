"""The Athena side from the program under mocks, and its agreement with the local runner."""
from __future__ import annotations

import duckdb
import pytest

from cloudtrail.schema import COLUMNS, PARTITIONS
from cloudtrail.query_library import saved_queries
from components.settings import Settings, SettingsError
from investigate.loader import load

from .conftest import FRESH_ACCOUNT_SETTINGS, ROOT, run_baseline

ACCOUNT = "123456789012"
# The commercial partition's regions, opt-in ones included, as a multi-region trail writes them (written out here,
# not derived from the code under test; the provider's list may grow, then this list grows with it).
AWS_REGIONS = ["af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
               "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
               "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1",
               "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3",
               "il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1", "us-east-1", "us-east-2",
               "us-west-1", "us-west-2"]
TABLE = "aws:glue/catalogTable:CatalogTable"


@pytest.fixture(scope="module")
def default():
    return run_baseline()


def test_glue_table_columns_equal_the_local_runner(default, tmp_path):
    table = default.one(TABLE).inputs
    glue = [(c["name"], c["type"]) for c in table["storageDescriptor"]["columns"]]
    glue += [(p["name"], p["type"]) for p in table["partitionKeys"]]
    con = duckdb.connect()
    (tmp_path / "a.json").write_text((ROOT / "tests/data/cloudtrail/stratus-red-team/"
                                      "aws.defense-evasion.cloudtrail-stop.json").read_text())
    load(con, tmp_path)
    local = [(row[0], row[1]) for row in con.execute("DESCRIBE cloudtrail").fetchall()]
    assert [n for n, _ in glue] == [n for n, _ in local] == [n for n, _, _ in COLUMNS] + [n for n, _ in PARTITIONS]

    def shape(hive: str) -> str:  # both type systems reduced to their structure and field names
        return hive.lower().replace("string", "s").replace("varchar", "s").replace("json", "s").replace(" ", "")
    for (name, hive), (_, duck) in zip(glue, local):
        h, d = shape(hive), shape(duck)
        d = d.replace("struct(", "struct<").replace(")", ">").replace("[]", "")
        assert h.count("struct<") == d.count("struct<"), name
        for field in [part.split(":")[0].split("<")[-1] for part in h.split(",") if ":" in part]:
            assert field in d, f"{name}: field {field} missing locally"


def test_table_definition(default):
    table = default.one(TABLE).inputs
    bucket = default.one("aws:s3/bucketPolicy:BucketPolicy", "audit-logs-policy").inputs["bucket"]
    assert (table["name"], table["databaseName"], table["tableType"]) == ("cloudtrail", "audit_baseline_test",
                                                                          "EXTERNAL_TABLE")
    assert table["storageDescriptor"]["serDeInfo"] == {"serializationLibrary": "org.apache.hive.hcatalog.data.JsonSerDe"}
    assert table["storageDescriptor"]["inputFormat"] == "com.amazon.emr.cloudtrail.CloudTrailInputFormat"
    assert table["storageDescriptor"]["outputFormat"] == "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
    assert table["storageDescriptor"]["location"] == f"s3://{bucket}/AWSLogs/"
    assert table["parameters"] == {
        "EXTERNAL": "TRUE", "classification": "cloudtrail", "projection.enabled": "true",
        "projection.account.type": "enum", "projection.account.values": ACCOUNT,
        "projection.region.type": "enum", "projection.region.values": ",".join(AWS_REGIONS),
        "projection.date.type": "date", "projection.date.format": "yyyy/MM/dd",
        "projection.date.range": "2020/01/01,NOW", "projection.date.interval": "1",
        "projection.date.interval.unit": "DAYS",
        "storage.location.template": f"s3://{bucket}/AWSLogs/${{account}}/CloudTrail/${{region}}/${{date}}"}
    useridentity = dict((c["name"], c["type"]) for c in table["storageDescriptor"]["columns"])["useridentity"]
    assert useridentity.startswith("struct<type:string,principalid:string,arn:string,") and " " not in useridentity


def test_organization_trail_with_prefix_and_regions():
    plan = run_baseline({"organizationTrail": True, "organizationId": "o-abc1234567", "logPrefix": "audit",
                         "regions": ["eu-west-1"], "investigationAccounts": ["111111111111", "222222222222"]},
                        account={"accountId": "123456789012", "organization": {
                            "id": "o-abc1234567", "managementAccountId": "123456789012"}})
    params = plan.one(TABLE).inputs["parameters"]
    bucket = plan.one("aws:s3/bucketPolicy:BucketPolicy", "audit-logs-policy").inputs["bucket"]
    assert params["storage.location.template"] == (f"s3://{bucket}/audit/AWSLogs/o-abc1234567/${{account}}/"
                                                   "CloudTrail/${region}/${date}")
    assert params["projection.region.values"] == ",".join(AWS_REGIONS)
    assert params["projection.account.values"] == "111111111111,222222222222"


def test_organization_trail_without_member_list_projects_accounts_injected():
    """No silent subset: without investigationAccounts an organization trail's table makes each query name the
    account (Athena rejects a query without `account = '...'`), instead of projecting the management account only."""
    plan = run_baseline({"organizationTrail": True, "organizationId": "o-abc1234567"},
                        account={"accountId": "123456789012", "organization": {
                            "id": "o-abc1234567", "managementAccountId": "123456789012"}})
    params = plan.one(TABLE).inputs["parameters"]
    assert params["projection.account.type"] == "injected"
    assert "projection.account.values" not in params
    assert params["projection.region.values"] == ",".join(AWS_REGIONS)


@pytest.mark.parametrize("home, regions", [
    ("cn-north-1", ["cn-north-1", "cn-northwest-1"]),
    ("us-gov-west-1", ["us-gov-east-1", "us-gov-west-1"]),
    ("ap-southeast-7", AWS_REGIONS),
])
def test_region_projection_is_every_region_of_the_home_partition(home, regions):
    # a home region launched after February 2022 records IAM in another region (globalResourcesRegion)
    settings = {} if home != "ap-southeast-7" else {"globalResourcesRegion": "ap-southeast-1"}
    params = run_baseline(settings, region=home).one(TABLE).inputs["parameters"]
    assert (params["projection.region.type"], params["projection.region.values"]) == ("enum", ",".join(regions))


def test_tls_host_header_column_has_awss_documented_name(default):
    """AWS's CloudTrail table names the struct field clientprovidedhostheader (the JSON key clientProvidedHostHeader;
    the JsonSerDe matches names case-insensitively): https://docs.aws.amazon.com/athena/latest/ug/create-cloudtrail-table.html"""
    columns = {c["name"]: c["type"] for c in default.one(TABLE).inputs["storageDescriptor"]["columns"]}
    assert columns["tlsdetails"] == "struct<tlsversion:string,ciphersuite:string,clientprovidedhostheader:string>"


def test_log_buckets_archive_to_a_class_athena_reads(default):
    """Logs move to Glacier Instant Retrieval, which Athena reads, so the 90-day window of calls_from_ip (and every
    saved query's) reaches every log the bucket keeps; Glacier Flexible Retrieval would be skipped silently."""
    rules = {r.name: r.inputs["rules"] for r in default.of_type("aws:s3/bucketLifecycleConfiguration:"
                                                                "BucketLifecycleConfiguration")}
    assert rules["audit-logs-lifecycle"][0]["transitions"] == [{"days": 90, "storageClass": "GLACIER_IR"}]
    assert all(t["storageClass"] == "GLACIER_IR" for rs in rules.values() for r in rs for t in r.get("transitions", []))
    longest = max(int(q.body.split("INTERVAL '")[1].split("'")[0]) for q in saved_queries().values())
    assert longest == 90  # calls_from_ip and writes_to_resource: within the 2557 days the bucket keeps logs


def test_workgroup_enforces_encrypted_results_and_a_scan_cutoff(default):
    workgroup = default.one("aws:athena/workgroup:Workgroup").inputs
    results = default.one("aws:s3/bucketPolicy:BucketPolicy", "audit-investigation-results-policy")
    key_arn = default.one("aws:cloudtrail/trail:Trail").inputs["kmsKeyId"]
    assert workgroup["configuration"] == {
        "enforceWorkgroupConfiguration": True, "publishCloudwatchMetricsEnabled": True,
        "bytesScannedCutoffPerQuery": 10737418240,
        "engineVersion": {"selectedEngineVersion": "Athena engine version 3"},
        "resultConfiguration": {"outputLocation": f"s3://{results.inputs['bucket']}/results/",
                                "encryptionConfiguration": {"encryptionOption": "SSE_KMS", "kmsKeyArn": key_arn}}}
    statements = {s["Sid"] for s in __import__("json").loads(results.inputs["policy"])["Statement"]}
    assert statements == {"DenyInsecureTransport", "DenyUnencryptedResults"}


def test_every_saved_query_is_saved_in_athena(default):
    named = {r.inputs["name"]: r.inputs for r in default.of_type("aws:athena/namedQuery:NamedQuery")}
    prepared = {r.inputs["name"]: r.inputs for r in default.of_type("aws:athena/preparedStatement:PreparedStatement")}
    queries = saved_queries()
    assert set(named) == {n for n, q in queries.items() if not q.params}
    assert set(prepared) == {"calls_from_ip", "writes_to_resource"}
    assert named["root_account_usage"]["query"] == queries["root_account_usage"].sql
    assert named["root_account_usage"]["database"] == "audit_baseline_test"
    assert prepared["calls_from_ip"]["queryStatement"] == queries["calls_from_ip"].body
    assert {q["workgroup"] for q in [*named.values(), *prepared.values()]} == {"audit-baseline-test"}


def test_investigation_off():
    plan = run_baseline({"investigation": False})
    assert [r.type for r in plan.registrations if r.type.startswith(("aws:athena", "aws:glue"))] == []


@pytest.mark.parametrize("settings, problem", [
    ({"bytesScannedCutoff": 1000}, "audit-baseline:bytesScannedCutoff: 1000 is not valid; expected a whole number "
                                   "from 10485760 to 1000000000000000"),
    ({"investigationAccounts": ["12345"]}, "audit-baseline:investigationAccounts: [\"12345\"] is not valid; expected "
                                           "a list of 12-digit account ids (\"12345\" is not)"),
])
def test_investigation_setting_mistakes(settings, problem):
    with pytest.raises(SettingsError) as caught:
        Settings.from_mapping({**FRESH_ACCOUNT_SETTINGS, **settings}, "us-east-1")
    assert caught.value.problems == [problem]


def test_every_region_the_provider_knows_belongs_to_one_partition():
    from components.partitions import PARTITION_REGIONS, partition_of, regions_of_partition
    from components.settings import REGIONS
    assert sorted(r for p, _ in PARTITION_REGIONS for r in regions_of_partition(p)) == sorted(REGIONS)
    assert [partition_of(r) for r in ("us-east-1", "cn-north-1", "us-gov-west-1", "us-iso-east-1", "eusc-de-east-1")] \
        == ["aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-eusc"]
    with pytest.raises(ValueError, match="'moon-base-1' is not a region name of any AWS partition"):
        partition_of("moon-base-1")
