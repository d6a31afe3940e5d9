"""The real program under the mock engine: exact inputs of what the baseline declares."""
from __future__ import annotations

import json

import pytest

from .conftest import Plan, run_baseline

ACCOUNT = "123456789012"
TRAIL_ARN = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/audit-trail"
CT = {"Service": "cloudtrail.amazonaws.com"}

BUCKET = "aws:s3/bucket:Bucket"
POLICY = "aws:s3/bucketPolicy:BucketPolicy"
TRAIL = "aws:cloudtrail/trail:Trail"
KEY = "aws:kms/key:Key"


@pytest.fixture(scope="module")
def default() -> Plan:
    return run_baseline()


def test_trail_flags(default):
    trail = default.one(TRAIL, "audit-trail").inputs
    assert {k: trail.get(k) for k in ("name", "isMultiRegionTrail", "includeGlobalServiceEvents",
                                      "enableLogFileValidation", "enableLogging", "isOrganizationTrail",
                                      "eventSelectors", "s3BucketName")} == {
        "name": "audit-trail", "isMultiRegionTrail": True, "includeGlobalServiceEvents": True,
        "enableLogFileValidation": True, "enableLogging": True, "isOrganizationTrail": False,
        "eventSelectors": [{"includeManagementEvents": True, "readWriteType": "All"}],
        "s3BucketName": default.one(POLICY, "audit-logs-policy").inputs["bucket"]}
    for absent in ("advancedEventSelectors", "insightSelectors", "cloudWatchLogsGroupArn", "snsTopicName",
                   "s3KeyPrefix"):
        assert absent not in trail


def test_trail_uses_the_audit_key(default):
    encryption = default.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                             "audit-logs-encryption").inputs
    key_arn = encryption["rules"][0]["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"]
    assert key_arn.startswith(f"arn:aws:kms:us-east-1:{ACCOUNT}:key/")
    assert encryption["rules"] == [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms",
                                                                           "kmsMasterKeyId": key_arn},
                                    "bucketKeyEnabled": True}]
    assert default.one(TRAIL).inputs["kmsKeyId"] == key_arn


def test_trail_waits_for_bucket_policy_and_key(default):
    trail = default.one(TRAIL)
    waits_for = {default.by_urn(u).name for u in trail.depends_on}
    assert {"audit-logs-policy", "audit-key"} <= waits_for


def test_key_policy_statements(default):
    key = default.one(KEY, "audit-key")
    assert (key.inputs["enableKeyRotation"], key.inputs["deletionWindowInDays"]) == (True, 30)
    assert key.options() == {"protect": True, "retainOnDelete": True, "dependsOn": []}
    statements = Plan.statements(key)
    only_trail = {"aws:SourceArn": TRAIL_ARN}
    assert statements == {
        "EnableAccountRootAccess": {"Sid": "EnableAccountRootAccess", "Effect": "Allow",
                                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*",
                                    "Resource": "*"},
        "CloudTrailEncryptLogs": {
            "Sid": "CloudTrailEncryptLogs", "Effect": "Allow", "Principal": CT, "Action": "kms:GenerateDataKey*",
            "Resource": "*", "Condition": {
                "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": f"arn:aws:cloudtrail:*:{ACCOUNT}:trail/*"},
                "StringEquals": only_trail}},
        "CloudTrailDescribeKey": {"Sid": "CloudTrailDescribeKey", "Effect": "Allow", "Principal": CT,
                                  "Action": "kms:DescribeKey", "Resource": "*",
                                  "Condition": {"StringEquals": only_trail}},
        "CloudTrailBucketKeyDecrypt": {"Sid": "CloudTrailBucketKeyDecrypt", "Effect": "Allow", "Principal": CT,
                                       "Action": "kms:Decrypt", "Resource": "*",
                                       "Condition": {"StringEquals": only_trail}},
        "LogReadersDecrypt": {
            "Sid": "LogReadersDecrypt", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": ["kms:Decrypt", "kms:ReEncryptFrom"], "Resource": "*",
            "Condition": {"StringEquals": {"kms:CallerAccount": ACCOUNT},
                          "Null": {"kms:EncryptionContext:aws:cloudtrail:arn": "false"}}},
        "ConfigUseOfKey": {"Sid": "ConfigUseOfKey", "Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"},
                           "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
                           "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}},
    }


def test_log_bucket_policy_statements(default):
    name = default.one(POLICY, "audit-logs-policy").inputs["bucket"]
    arn = f"arn:aws:s3:::{name}"
    statements = Plan.statements(default.one(POLICY, "audit-logs-policy"))
    # Config's three statements are asserted in test_config.py.
    assert set(statements) == {"DenyInsecureTransport", "CloudTrailAclCheck", "CloudTrailWrite",
                               "ConfigBucketPermissionsCheck", "ConfigBucketExistenceCheck", "ConfigBucketDelivery"}
    assert {k: statements[k] for k in ("DenyInsecureTransport", "CloudTrailAclCheck", "CloudTrailWrite")} == {
        "DenyInsecureTransport": {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*",
                                  "Action": "s3:*", "Resource": [arn, f"{arn}/*"],
                                  "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        "CloudTrailAclCheck": {"Sid": "CloudTrailAclCheck", "Effect": "Allow", "Principal": CT,
                               "Action": "s3:GetBucketAcl", "Resource": arn,
                               "Condition": {"StringEquals": {"aws:SourceArn": TRAIL_ARN}}},
        "CloudTrailWrite": {"Sid": "CloudTrailWrite", "Effect": "Allow", "Principal": CT, "Action": "s3:PutObject",
                            "Resource": f"{arn}/AWSLogs/{ACCOUNT}/*",
                            "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                                                           "aws:SourceArn": TRAIL_ARN}}},
    }


def test_access_log_bucket_policy(default):
    source = default.one(POLICY, "audit-logs-policy").inputs["bucket"]
    results = default.one(POLICY, "audit-investigation-results-policy").inputs["bucket"]
    target = default.one(POLICY, "audit-access-logs-policy").inputs["bucket"]
    statements = Plan.statements(default.one(POLICY, "audit-access-logs-policy"))
    assert statements["S3ServerAccessLogsPolicy"] == {
        "Sid": "S3ServerAccessLogsPolicy", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
        "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{target}/*",
        "Condition": {"ArnLike": {"aws:SourceArn": [f"arn:aws:s3:::{source}", f"arn:aws:s3:::{results}"]},
                      "StringEquals": {"aws:SourceAccount": ACCOUNT}}}
    assert set(statements) == {"DenyInsecureTransport", "S3ServerAccessLogsPolicy"}
    logging = default.one("aws:s3/bucketLogging:BucketLogging", "audit-logs-access-logging").inputs
    assert (logging["bucket"], logging["targetBucket"], logging["targetPrefix"]) == (source, target, "s3-access/")
    assert default.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                       "audit-access-logs-encryption").inputs["rules"] == [
        {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]
    assert "objectLockEnabled" not in default.one(BUCKET, "audit-access-logs").inputs


@pytest.mark.parametrize("bucket", ["audit-logs", "audit-access-logs"])
def test_bucket_hardening(default, bucket):
    assert {k: v for k, v in default.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
                                         f"{bucket}-public-access-block").inputs.items() if k != "bucket"} == {
        "blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True, "restrictPublicBuckets": True}
    assert default.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls",
                       f"{bucket}-ownership").inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    assert default.one("aws:s3/bucketVersioning:BucketVersioning",
                       f"{bucket}-versioning").inputs["versioningConfiguration"] == {"status": "Enabled"}
    assert default.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                       f"{bucket}-lifecycle").inputs["rules"] == [{
        "id": "archive-then-expire", "status": "Enabled", "filter": {"prefix": ""},
        "transitions": [{"days": 90, "storageClass": "GLACIER_IR"}], "expiration": {"days": 2557},
        "noncurrentVersionExpiration": {"noncurrentDays": 2557}}, {
        "id": "abort-incomplete-multipart-uploads", "status": "Enabled", "filter": {"prefix": ""},
        "abortIncompleteMultipartUpload": {"daysAfterInitiation": 7}}]
    b = default.one(BUCKET, bucket)
    assert (b.options()["protect"], b.options()["retainOnDelete"], b.inputs["forceDestroy"]) == (True, True, False)


def test_each_bucket_key_and_topic_has_exactly_one_policy():
    plan = run_baseline({"cloudWatchLogs": True, "deliveryNotifications": True, "configNotifications": True})
    buckets = {r.id: r.name for r in plan.of_type(BUCKET)}
    policies_by_bucket = {}
    for p in plan.of_type(POLICY):
        policies_by_bucket.setdefault(buckets[p.inputs["bucket"]], []).append(p.name)
    assert policies_by_bucket == {"audit-logs": ["audit-logs-policy"], "audit-access-logs": ["audit-access-logs-policy"],
                                  "audit-investigation-results": ["audit-investigation-results-policy"]}
    # Keys carry their policy inline (no separate KeyPolicy resource); topics get one TopicPolicy each.
    assert plan.of_type("aws:kms/keyPolicy:KeyPolicy") == [] and len(plan.of_type(KEY)) == 1
    assert "policy" in plan.one(KEY).inputs
    topics = plan.of_type("aws:sns/topic:Topic")
    assert plan.names("aws:sns/topic:Topic") == ["audit-alerting-alarms", "audit-config-us-east-1-notifications",
                                                  "audit-trail-delivery"]
    assert all("policy" not in t.inputs for t in topics)
    assert plan.names("aws:sns/topicPolicy:TopicPolicy") == ["audit-alerting-alarms-policy",
                                                              "audit-config-us-east-1-notifications-policy",
                                                              "audit-trail-delivery-policy"]


def test_children_have_component_parents_and_derived_names(default):
    components = {r.urn: r for r in default.registrations if not r.custom and r.type != "pulumi:pulumi:Stack"}
    root = next(r for r in components.values() if r.type == "audit-baseline:index:AuditBaseline")
    for r in default.registrations:
        if r.custom:
            assert r.parent in components, f"{r.type} {r.name} has no component parent"
            assert r.name.startswith(root.name + "-"), r.name


def test_account_guardrails(default):
    assert {k: v for k, v in default.one("aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock").inputs.items()} == {
        "accountId": ACCOUNT, "blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True,
        "restrictPublicBuckets": True}
    assert default.one("aws:ebs/encryptionByDefault:EncryptionByDefault").inputs == {"enabled": True}


# ---- each option on and off ----

MANAGEMENT_ACCOUNT = {"accountId": ACCOUNT, "organization": {"id": "o-abc1234567", "managementAccountId": ACCOUNT}}


def test_organization_trail():
    plan = run_baseline({"organizationTrail": True, "organizationId": "o-abc1234567"}, account=MANAGEMENT_ACCOUNT)
    assert plan.one(TRAIL).inputs["isOrganizationTrail"] is True
    arn = f"arn:aws:s3:::{plan.one(POLICY, 'audit-logs-policy').inputs['bucket']}"
    assert Plan.statements(plan.one(POLICY, "audit-logs-policy"))["CloudTrailOrganizationWrite"] == {
        "Sid": "CloudTrailOrganizationWrite", "Effect": "Allow", "Principal": CT, "Action": "s3:PutObject",
        "Resource": f"{arn}/AWSLogs/o-abc1234567/*",
        "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": TRAIL_ARN}}}


def test_log_prefix_reaches_trail_and_policy():
    plan = run_baseline({"logPrefix": "audit/trail"})
    assert plan.one(TRAIL).inputs["s3KeyPrefix"] == "audit/trail"
    write = Plan.statements(plan.one(POLICY, "audit-logs-policy"))["CloudTrailWrite"]
    assert write["Resource"].endswith(f"/audit/trail/AWSLogs/{ACCOUNT}/*")


def test_data_events_use_advanced_selectors_with_management_events():
    plan = run_baseline({"dataEventBuckets": ["payments", "hr-data"], "dataEventsLambda": True})
    trail = plan.one(TRAIL).inputs
    assert "eventSelectors" not in trail
    assert trail["advancedEventSelectors"] == [
        {"name": "Management events, read and write",
         "fieldSelectors": [{"field": "eventCategory", "equals": ["Management"]}]},
        {"name": "S3 object data events", "fieldSelectors": [
            {"field": "eventCategory", "equals": ["Data"]},
            {"field": "resources.type", "equals": ["AWS::S3::Object"]},
            {"field": "resources.ARN", "startsWiths": ["arn:aws:s3:::payments/", "arn:aws:s3:::hr-data/"]}]},
        {"name": "Lambda invocations", "fieldSelectors": [
            {"field": "eventCategory", "equals": ["Data"]},
            {"field": "resources.type", "equals": ["AWS::Lambda::Function"]}]}]


def test_data_events_on_every_bucket():
    trail = run_baseline({"dataEventBuckets": ["*"]}).one(TRAIL).inputs
    assert trail["advancedEventSelectors"][1]["fieldSelectors"] == [
        {"field": "eventCategory", "equals": ["Data"]}, {"field": "resources.type", "equals": ["AWS::S3::Object"]}]


def test_insights():
    trail = run_baseline({"insights": ["ApiErrorRateInsight"]}).one(TRAIL).inputs
    assert trail["insightSelectors"] == [{"insightType": "ApiErrorRateInsight"}]


def test_cloud_watch_logs_delivery():
    plan = run_baseline({"cloudWatchLogs": True, "logRetentionDays": 90})
    group = plan.one("aws:cloudwatch/logGroup:LogGroup")
    # Per stack, and unique (the provider's suffix): a retained group of an earlier deployment never collides.
    assert (group.inputs["namePrefix"], group.inputs["retentionInDays"]) == ("/aws/cloudtrail/audit-trail/test/", 90)
    assert group.inputs["name"].startswith("/aws/cloudtrail/audit-trail/test/")
    assert group.inputs["kmsKeyId"] == plan.one(TRAIL).inputs["kmsKeyId"]
    assert group.options()["protect"] is True
    group_arn = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{group.inputs['name']}"
    trail = plan.one(TRAIL).inputs
    assert trail["cloudWatchLogsGroupArn"] == group_arn + ":*"
    role = plan.one("aws:iam/role:Role", "audit-trail-logs-role")
    assert trail["cloudWatchLogsRoleArn"].startswith(f"arn:aws:iam::{ACCOUNT}:role/{role.name}-")
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"] == [{
        "Effect": "Allow", "Principal": CT, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}]
    assert json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", "audit-trail-logs-delivery").inputs["policy"])["Statement"] == [{
        "Sid": "DeliverToTrailLogGroup", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": f"{group_arn}:log-stream:*"}]
    assert Plan.statements(plan.one(KEY))["CloudWatchLogsEncrypt"]["Condition"] == {
        "ArnLike": {"kms:EncryptionContext:aws:logs:arn":
                    f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/cloudtrail/audit-trail/test/*"}}
    assert Plan.statements(plan.one(KEY))["CloudWatchLogsEncrypt"]["Principal"] == {
        "Service": "logs.us-east-1.amazonaws.com"}


def test_no_cloud_watch_logs_by_default(default):
    assert default.of_type("aws:cloudwatch/logGroup:LogGroup") == []
    assert "audit-trail-logs-role" not in default.names("aws:iam/role:Role")
    assert "CloudWatchLogsEncrypt" not in Plan.statements(default.one(KEY))


def test_delivery_notifications():
    plan = run_baseline({"deliveryNotifications": True})
    topic = plan.one("aws:sns/topic:Topic", "audit-trail-delivery").inputs
    assert topic["name"] == "audit-trail-test-log-delivery"
    assert topic["kmsMasterKeyId"] == plan.one(TRAIL).inputs["kmsKeyId"]
    assert plan.one(TRAIL).inputs["snsTopicName"] == "audit-trail-test-log-delivery"
    topic_arn = f"arn:aws:sns:us-east-1:{ACCOUNT}:audit-trail-test-log-delivery"
    assert Plan.statements(plan.one("aws:sns/topicPolicy:TopicPolicy", "audit-trail-delivery-policy")) == {
        "CloudTrailPublish": {"Sid": "CloudTrailPublish", "Effect": "Allow", "Principal": CT, "Action": "SNS:Publish",
                              "Resource": topic_arn, "Condition": {"StringEquals": {"aws:SourceArn": TRAIL_ARN}}},
        "DenyInsecureTransport": {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*",
                                  "Action": "SNS:Publish", "Resource": topic_arn,
                                  "Condition": {"Bool": {"aws:SecureTransport": "false"}}}}
    assert Plan.statements(plan.one(KEY))["CloudTrailPublishEncrypted"] == {
        "Sid": "CloudTrailPublishEncrypted", "Effect": "Allow", "Principal": CT,
        "Action": ["kms:GenerateDataKey*", "kms:Decrypt"], "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceArn": TRAIL_ARN}}}


def test_sse_s3_bucket_encryption():
    plan = run_baseline({"bucketEncryption": "SSE-S3"})
    assert plan.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                    "audit-logs-encryption").inputs["rules"] == [
        {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]
    assert plan.one(TRAIL).inputs["kmsKeyId"].startswith("arn:aws:kms:")  # the trail still encrypts with the key


def test_object_lock():
    plan = run_baseline({"objectLockMode": "COMPLIANCE", "objectLockDays": 400})
    assert plan.one(BUCKET, "audit-logs").inputs["objectLockEnabled"] is True
    assert plan.one("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration").inputs["rule"] == {
        "defaultRetention": {"mode": "COMPLIANCE", "days": 400}}
    assert plan.names("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration") == ["audit-logs-object-lock"]


def test_no_object_lock_by_default(default):
    assert default.of_type("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration") == []
    assert "objectLockEnabled" not in default.one(BUCKET, "audit-logs").inputs


def test_lifecycle_settings():
    plan = run_baseline({"glacierAfterDays": 0, "expireAfterDays": 0})
    # Logs are kept forever; only the Athena results bucket (transient query output) still expires,
    # and every bucket still aborts incomplete multipart uploads.
    rules = {r.name: [rule["id"] for rule in r.inputs["rules"]]
             for r in plan.of_type("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")}
    assert rules == {"audit-logs-lifecycle": ["abort-incomplete-multipart-uploads"],
                     "audit-access-logs-lifecycle": ["abort-incomplete-multipart-uploads"],
                     "audit-investigation-results-lifecycle": ["archive-then-expire",
                                                               "abort-incomplete-multipart-uploads"]}
    plan = run_baseline({"glacierAfterDays": 30, "expireAfterDays": 400})
    assert plan.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "audit-logs-lifecycle"
                    ).inputs["rules"][0]["transitions"] == [{"days": 30, "storageClass": "GLACIER_IR"}]


def test_log_readers():
    reader = f"arn:aws:iam::{ACCOUNT}:role/incident-response"
    plan = run_baseline({"logReaders": [reader]})
    assert Plan.statements(plan.one(KEY))["LogReadersDecrypt"]["Principal"] == {"AWS": [reader]}


def test_access_logging_off():
    plan = run_baseline({"accessLogging": False})
    assert plan.names(BUCKET) == ["audit-investigation-results", "audit-logs"]
    assert plan.of_type("aws:s3/bucketLogging:BucketLogging") == []


def test_guardrails_off():
    plan = run_baseline({"accountPublicAccessBlock": False, "ebsEncryptionByDefault": False})
    assert plan.of_type("aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock") == []
    assert plan.of_type("aws:ebs/encryptionByDefault:EncryptionByDefault") == []


def test_protection_off():
    plan = run_baseline({"protectAuditData": False, "retainOnDelete": False})
    for r in plan.of_type(BUCKET) + plan.of_type(KEY):
        assert (r.protect, r.retain_on_delete) == (False, False)


def test_tags_reach_taggable_resources():
    plan = run_baseline({"tags": {"team": "security"}})
    for r in plan.of_type(BUCKET) + plan.of_type(KEY) + plan.of_type(TRAIL):
        assert r.inputs["tags"] == {"audit-baseline": "true", "team": "security"}


def test_other_region_and_partition_shapes():
    plan = run_baseline(region="eu-west-1")
    assert Plan.statements(plan.one(POLICY, "audit-logs-policy"))["CloudTrailWrite"]["Condition"]["StringEquals"][
        "aws:SourceArn"] == f"arn:aws:cloudtrail:eu-west-1:{ACCOUNT}:trail/audit-trail"
