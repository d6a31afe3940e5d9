"""Hardening a scan of the plan would flag, asserted on the plan of the dev stack and of an Object Lock
stack (dev's settings with COMPLIANCE Object Lock and a custom Config role)."""
from __future__ import annotations

import pytest

from .conftest import ROOT, Plan, record, run_baseline

ACCOUNT = "123456789012"
BUCKET = "aws:s3/bucket:Bucket"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
LOGGING = "aws:s3/bucketLogging:BucketLogging"
RECORDER = "aws:cfg/recorder:Recorder"
ABORT = {"id": "abort-incomplete-multipart-uploads", "status": "Enabled", "filter": {"prefix": ""},
         "abortIncompleteMultipartUpload": {"daysAfterInitiation": 7}}


def dev_settings() -> dict:
    import yaml
    config = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    return {k.split(":", 1)[1]: v for k, v in config.items() if k.startswith("audit-baseline:")}


@pytest.fixture(scope="module")
def object_lock() -> Plan:
    return run_baseline({**dev_settings(), "objectLockMode": "COMPLIANCE", "objectLockDays": 400,
                         "configRole": "custom"})


@pytest.fixture(params=["dev", "object-lock"])
def plan(request, dev_plan) -> Plan:
    return dev_plan if request.param == "dev" else request.getfixturevalue("object_lock")


def buckets(plan: Plan) -> dict[str, str]:
    """Bucket name (its id) -> resource name."""
    return {b.id: b.name for b in plan.of_type(BUCKET)}


def test_the_object_lock_stack_is_locked(object_lock):
    assert object_lock.one(BUCKET, "audit-logs").inputs["objectLockEnabled"] is True
    assert sorted(buckets(object_lock).values()) == ["audit-access-logs", "audit-config-logs",
                                                    "audit-investigation-results", "audit-logs"]


def test_every_bucket_lifecycle_aborts_incomplete_multipart_uploads(plan):
    by_bucket = {buckets(plan)[r.inputs["bucket"]]: r.inputs["rules"] for r in plan.of_type(LIFECYCLE)}
    assert set(by_bucket) == set(buckets(plan).values())
    for name, rules in by_bucket.items():
        assert rules[-1] == ABORT, name
        assert [r["id"] for r in rules] == ["archive-then-expire", "abort-incomplete-multipart-uploads"], name


def test_every_bucket_but_the_target_has_server_access_logging(plan):
    names = buckets(plan)
    target = plan.one(BUCKET, "audit-access-logs").id
    logged = {names[r.inputs["bucket"]]: (names[r.inputs["targetBucket"]], r.inputs["targetPrefix"])
              for r in plan.of_type(LOGGING)}
    expected = {"audit-logs": ("audit-access-logs", "s3-access/"),
                "audit-investigation-results": ("audit-access-logs", "s3-access-athena-results/")}
    if "audit-config-logs" in names.values():
        expected["audit-config-logs"] = ("audit-access-logs", "s3-access-config/")
    assert logged == expected
    policy = plan.one("aws:s3/bucketPolicy:BucketPolicy", "audit-access-logs-policy")
    sources = Plan.statements(policy)["S3ServerAccessLogsPolicy"]["Condition"]["ArnLike"]["aws:SourceArn"]
    assert sorted(sources) == sorted(f"arn:aws:s3:::{b}" for b, n in names.items() if n in expected)
    for r in plan.of_type(LOGGING):  # the target's policy exists before any delivery is switched on
        assert "audit-access-logs-policy" in {plan.by_urn(u).name for u in r.depends_on}
    assert target not in {r.inputs["bucket"] for r in plan.of_type(LOGGING)}


def test_remediation_role_statements_are_scoped_to_this_account(plan):
    policy = plan.one("aws:iam/rolePolicy:RolePolicy", "audit-config-remediation-runbooks")
    assert Plan.statements(policy) == {
        "RemediateBuckets": {
            "Sid": "RemediateBuckets", "Effect": "Allow",
            "Action": ["s3:GetBucketPublicAccessBlock", "s3:PutBucketPublicAccessBlock"],
            "Resource": ["arn:aws:s3:::*"], "Condition": {"StringEquals": {"s3:ResourceAccount": ACCOUNT}}},
        "RemediateSecurityGroups": {
            "Sid": "RemediateSecurityGroups", "Effect": "Allow", "Action": ["ec2:RevokeSecurityGroupIngress"],
            "Resource": [f"arn:aws:ec2:*:{ACCOUNT}:security-group/*", f"arn:aws:ec2:*:{ACCOUNT}:security-group-rule/*"]},
        "RemediateTrails": {
            "Sid": "RemediateTrails", "Effect": "Allow", "Action": ["cloudtrail:GetTrail", "cloudtrail:UpdateTrail"],
            "Resource": [f"arn:aws:cloudtrail:*:{ACCOUNT}:trail/*"]},
        "FollowAutomation": {
            "Sid": "FollowAutomation", "Effect": "Allow",
            "Action": ["ssm:GetAutomationExecution", "ssm:StartAutomationExecution"],
            "Resource": ["arn:aws:ssm:*::automation-definition/*", f"arn:aws:ssm:*:{ACCOUNT}:automation-execution/*"]},
        "AccountLevelActions": {
            "Sid": "AccountLevelActions", "Effect": "Allow",
            "Action": ["ec2:DescribeSecurityGroups", "ec2:EnableEbsEncryptionByDefault",
                       "ec2:GetEbsEncryptionByDefault", "s3:GetAccountPublicAccessBlock",
                       "s3:PutAccountPublicAccessBlock"], "Resource": "*"},
    }


def test_remediation_scopes_follow_the_partition():
    from components.remediation import RemediationRole
    plan = Plan(record(lambda: RemediationRole("r", account_id=ACCOUNT, partition="aws-cn",
                                               rule_names=["restricted-ssh", "cloud-trail-encryption-enabled",
                                                           "s3-bucket-public-read-prohibited"])))
    statements = Plan.statements(plan.one("aws:iam/rolePolicy:RolePolicy", "r-runbooks"))
    assert sorted(statements) == ["AccountLevelActions", "FollowAutomation", "RemediateBuckets",
                                  "RemediateSecurityGroups", "RemediateTrails"]
    assert statements["RemediateTrails"]["Resource"] == [f"arn:aws-cn:cloudtrail:*:{ACCOUNT}:trail/*"]
    assert statements["RemediateBuckets"]["Resource"] == ["arn:aws-cn:s3:::*"]


def test_every_catalog_runbook_action_has_a_scope():
    import sys
    sys.path.insert(0, str(ROOT / "policies"))
    from audit_pack import catalog
    from components import remediation
    every = {p for r in catalog.RULES if r["remediation"] for p in r["remediation"]["permissions"]}
    assert every == set(remediation.ACTION_SCOPES)


def test_an_action_without_a_scope_is_refused(monkeypatch):
    from components import remediation
    monkeypatch.setattr(remediation, "permissions", lambda names: ["s3:DeleteBucket"])
    with pytest.raises(ValueError, match=r"without a resource scope .*\['s3:DeleteBucket'\]"):
        remediation.statements(["x"], partition="aws", account_id=ACCOUNT)


def test_recorder_waits_for_the_custom_role_policies(object_lock):
    recorder = object_lock.one(RECORDER)
    waits_for = {object_lock.by_urn(u).name for u in recorder.depends_on}
    assert {"audit-config-role-delivery", "audit-config-role-managed"} <= waits_for
    role = object_lock.one("aws:iam/role:Role", "audit-config-role")
    assert recorder.inputs["roleArn"] == f"arn:aws:iam::{ACCOUNT}:role/{role.id}"


def test_dev_recorder_uses_the_service_linked_role(dev_plan):
    recorder = dev_plan.one(RECORDER)
    assert [dev_plan.by_urn(u).name for u in recorder.depends_on] == ["audit-config-service-linked-role"]
    assert recorder.inputs["roleArn"] == \
        f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
