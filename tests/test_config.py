"""AWS Config from the program under mocks: recorders, rules, packs, remediation — and parity with the catalog."""
from __future__ import annotations

import json

import pytest
from cfnlint.api import ManualArgs, lint

from audit_pack import catalog
from components import config_plan, remediation
from components.settings import Settings, SettingsError

from .conftest import (DELEGATED_ADMIN, FRESH_ACCOUNT_SETTINGS, MANAGEMENT_ACCOUNT, MANAGEMENT_ID, ORG_ID, Plan,
                       run_baseline)

ACCOUNT = "123456789012"
RULE = "aws:cfg/rule:Rule"
PACK = "aws:cfg/conformancePack:ConformancePack"
REMEDIATION = "aws:cfg/remediationConfiguration:RemediationConfiguration"
RECORDER = "aws:cfg/recorder:Recorder"
CHANNEL = "aws:cfg/deliveryChannel:DeliveryChannel"
SEED = set(catalog.BASELINE_RULES)
CIS_EXTRA = [r for r in catalog.cis_rules() if r not in SEED]
HOME_ONLY = {r["name"] for r in catalog.RULES if r["placement"] == "home-region"}
CLOUDTRAIL_RULES = {"cloudtrail-enabled", "multi-region-cloudtrail-enabled", "cloud-trail-log-file-validation-enabled",
                    "cloud-trail-encryption-enabled"}
ONE_REGION = HOME_ONLY | CLOUDTRAIL_RULES
SUFFIX = "-test"  # the stack's name part of every Config rule (run_baseline's stack is "test")


def catalog_name(physical: str) -> str:
    assert physical.endswith(SUFFIX), physical
    return physical[:-len(SUFFIX)]


@pytest.fixture(scope="module")
def default() -> Plan:
    return run_baseline()


@pytest.fixture(scope="module")
def two_regions() -> Plan:
    return run_baseline({"regions": ["us-east-1", "eu-west-1"]})


def rules_by_region(plan: Plan, home: str = "us-east-1") -> dict[str, set]:
    """Catalog names of the individual rules, by region (no ``region`` input: the provider's, ``home``)."""
    out: dict[str, set] = {}
    for r in plan.of_type(RULE) + plan.of_type("aws:cfg/organizationManagedRule:OrganizationManagedRule"):
        out.setdefault(r.inputs.get("region", home), set()).add(catalog_name(r.inputs["name"]))
    return out


def template(resource) -> dict:
    return json.loads(resource.inputs["templateBody"])


# ---- recorder ----

def test_recorder_flags_per_region(two_regions):
    recorders = {r.inputs.get("region", "us-east-1"): r.inputs for r in two_regions.of_type(RECORDER)}
    assert recorders["us-east-1"]["recordingGroup"] == {"allSupported": True, "includeGlobalResourceTypes": True}
    assert recorders["eu-west-1"]["recordingGroup"] == {"allSupported": True, "includeGlobalResourceTypes": False}
    assert {r["recordingMode"]["recordingFrequency"] for r in recorders.values()} == {"CONTINUOUS"}
    slr = two_regions.one("aws:iam/serviceLinkedRole:ServiceLinkedRole").inputs
    assert slr == {"awsServiceName": "config.amazonaws.com"}
    assert {r["roleArn"] for r in recorders.values()} == {
        f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"}


def test_daily_recording():
    plan = run_baseline({"recordingFrequency": "DAILY", "snapshotFrequency": "Six_Hours"})
    assert plan.one(RECORDER).inputs["recordingMode"] == {"recordingFrequency": "DAILY"}
    assert plan.one(CHANNEL).inputs["snapshotDeliveryProperties"] == {"deliveryFrequency": "Six_Hours"}


def test_delivery_channel(default):
    channel = default.one(CHANNEL).inputs
    bucket = default.one("aws:s3/bucketPolicy:BucketPolicy", "audit-logs-policy").inputs["bucket"]
    key_arn = default.one("aws:cloudtrail/trail:Trail").inputs["kmsKeyId"]
    assert channel == {"name": "audit-baseline", "s3BucketName": bucket, "s3KeyPrefix": "config",
                       "s3KmsKeyArn": key_arn, "snapshotDeliveryProperties": {"deliveryFrequency": "TwentyFour_Hours"}}
    assert [t.name for t in default.of_type("aws:sns/topic:Topic")] == []  # notifications are opt-in
    status = default.one("aws:cfg/recorderStatus:RecorderStatus")
    assert status.inputs == {"name": "audit-baseline", "isEnabled": True}
    assert default.one(CHANNEL).urn in status.depends_on


def test_config_notifications_topic_per_region_unencrypted_and_tls_only():
    """AWS Config does not support KMS-encrypted topics (Config developer guide, "Permissions for the Amazon SNS
    Topic"): the opt-in topic is not encrypted with a key, and no key is made per region for it."""
    plan = run_baseline({"configNotifications": True, "regions": ["us-east-1", "eu-west-1"]})
    topics = {t.inputs.get("region", "us-east-1"): t for t in plan.of_type("aws:sns/topic:Topic")}
    assert set(topics) == {"us-east-1", "eu-west-1"}
    assert all("kmsMasterKeyId" not in t.inputs for t in topics.values())
    assert [k.inputs.get("region", "us-east-1") for k in plan.of_type("aws:kms/key:Key")] == ["us-east-1"]
    channels = {c.inputs.get("region", "us-east-1"): c.inputs["snsTopicArn"] for c in plan.of_type(CHANNEL)}
    assert channels == {region: t.id for region, t in topics.items()}
    for region, topic in topics.items():
        policy = next(p for p in plan.of_type("aws:sns/topicPolicy:TopicPolicy")
                      if p.inputs.get("region", "us-east-1") == region)
        assert Plan.statements(policy) == {
            "ConfigPublish": {"Sid": "ConfigPublish", "Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"},
                              "Action": "SNS:Publish", "Resource": topic.id,
                              "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}},
            "DenyInsecureTransport": {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*",
                                      "Action": "SNS:Publish", "Resource": topic.id,
                                      "Condition": {"Bool": {"aws:SecureTransport": "false"}}}}


def test_bucket_policy_statements_for_config(default):
    policy = default.one("aws:s3/bucketPolicy:BucketPolicy", "audit-logs-policy")
    arn = f"arn:aws:s3:::{policy.inputs['bucket']}"
    only_account = {"aws:SourceAccount": ACCOUNT}
    config = {"Service": "config.amazonaws.com"}
    statements = Plan.statements(policy)
    assert {k: statements[k] for k in ("ConfigBucketPermissionsCheck", "ConfigBucketExistenceCheck",
                                       "ConfigBucketDelivery")} == {
        "ConfigBucketPermissionsCheck": {"Sid": "ConfigBucketPermissionsCheck", "Effect": "Allow", "Principal": config,
                                         "Action": "s3:GetBucketAcl", "Resource": arn,
                                         "Condition": {"StringEquals": only_account}},
        "ConfigBucketExistenceCheck": {"Sid": "ConfigBucketExistenceCheck", "Effect": "Allow", "Principal": config,
                                       "Action": "s3:ListBucket", "Resource": arn,
                                       "Condition": {"StringEquals": only_account}},
        "ConfigBucketDelivery": {"Sid": "ConfigBucketDelivery", "Effect": "Allow", "Principal": config,
                                 "Action": "s3:PutObject", "Resource": f"{arn}/config/AWSLogs/{ACCOUNT}/Config/*",
                                 "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                                                                **only_account}}}}
    assert Plan.statements(default.one("aws:kms/key:Key"))["ConfigUseOfKey"] == {
        "Sid": "ConfigUseOfKey", "Effect": "Allow", "Principal": config,
        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
        "Condition": {"StringEquals": only_account}}


def test_object_lock_gives_config_its_own_bucket():
    plan = run_baseline({"objectLockMode": "GOVERNANCE"})
    assert "ConfigBucketDelivery" not in Plan.statements(plan.one("aws:s3/bucketPolicy:BucketPolicy", "audit-logs-policy"))
    config_policy = plan.one("aws:s3/bucketPolicy:BucketPolicy", "audit-config-logs-policy")
    assert plan.one(CHANNEL).inputs["s3BucketName"] == config_policy.inputs["bucket"]
    assert "ConfigBucketDelivery" in Plan.statements(config_policy)
    assert "objectLockEnabled" not in plan.one("aws:s3/bucket:Bucket", "audit-config-logs").inputs
    assert plan.names("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration") == ["audit-logs-object-lock"]


def test_custom_config_role():
    plan = run_baseline({"configRole": "custom"})
    role = next(r for r in plan.of_type("aws:iam/role:Role") if r.name == "audit-config-role")
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"] == [{
        "Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}]
    assert plan.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment").inputs["policyArn"] == \
        "arn:aws:iam::aws:policy/service-role/AWS_ConfigRole"
    delivery = Plan.statements(plan.one("aws:iam/rolePolicy:RolePolicy", "audit-config-role-delivery"))
    assert set(delivery) == {"DeliverToBucket", "CheckBucket", "Notify", "UseAuditKeys"}
    assert delivery["Notify"]["Resource"] == f"arn:aws:sns:*:{ACCOUNT}:audit-baseline-test-config-*"
    assert plan.of_type("aws:iam/serviceLinkedRole:ServiceLinkedRole") == []
    assert plan.one(RECORDER).inputs["roleArn"].startswith(f"arn:aws:iam::{ACCOUNT}:role/audit-config-role-")


def test_existing_service_linked_role():
    plan = run_baseline({"configRole": "existing-service-linked"})
    assert plan.of_type("aws:iam/serviceLinkedRole:ServiceLinkedRole") == []
    assert plan.one(RECORDER).inputs["roleArn"] == \
        f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"


def test_existing_recorder_deploys_only_rules_packs_and_remediation():
    plan = run_baseline({"recorder": "existing"})
    assert plan.of_type(RECORDER) == [] and plan.of_type(CHANNEL) == []
    assert rules_by_region(plan) == {"us-east-1": SEED}
    assert [p.inputs["name"] for p in plan.of_type(PACK)] == ["audit-baseline-test-cis"]
    # with no recorder of ours to wait for, rules depend on nothing of Config's
    assert all(not r.depends_on for r in plan.of_type(RULE))


# ---- rules ----

def test_each_rule_identifier_and_parameters(default):
    rules = {catalog_name(r.inputs["name"]): r.inputs for r in default.of_type(RULE)}
    assert set(rules) == SEED
    for name, inputs in rules.items():
        entry = catalog.RULES_BY_NAME[name]
        assert inputs["source"] == {"owner": "AWS", "sourceIdentifier": entry["identifier"]}
        assert inputs["description"] == entry["description"]
    assert json.loads(rules["restricted-common-ports"]["inputParameters"]) == {
        "blockedPort1": "20", "blockedPort2": "21", "blockedPort3": "3389", "blockedPort4": "3306",
        "blockedPort5": "4333"}
    assert all("inputParameters" not in rules[n] for n in SEED - {"restricted-common-ports"})
    assert rules["cloud-trail-log-file-validation-enabled"]["maximumExecutionFrequency"] == "TwentyFour_Hours"
    assert "maximumExecutionFrequency" not in rules["restricted-ssh"]  # change-triggered as well
    assert rules["restricted-ssh"]["scope"] == {"complianceResourceTypes": ["AWS::EC2::SecurityGroup"]}
    assert "scope" not in rules["root-account-mfa-enabled"]


def test_rules_wait_for_the_recorder(default):
    status = default.one("aws:cfg/recorderStatus:RecorderStatus")
    for rule in default.of_type(RULE) + default.of_type(PACK):
        assert status.urn in rule.depends_on, rule.name


def test_blocked_ports_setting():
    rule = next(r for r in run_baseline({"blockedPorts": [22, 3389]}).of_type(RULE)
                if r.inputs["name"] == "restricted-common-ports-test")
    assert json.loads(rule.inputs["inputParameters"]) == {"blockedPort1": "22", "blockedPort2": "3389"}
    many = config_plan.input_parameters("restricted-common-ports", Settings.from_mapping(
        {**FRESH_ACCOUNT_SETTINGS, "blockedPorts": [20, 21, 22, 23, 25, 3389]}, "us-east-1"))
    assert many == {"blockedPorts": "20,21,22,23,25,3389"}


def test_placement_iam_account_and_cloudtrail_rules_run_once(two_regions):
    by_region = rules_by_region(two_regions)
    assert by_region["us-east-1"] == SEED
    assert by_region["eu-west-1"] == SEED - ONE_REGION
    assert ONE_REGION & SEED == {"root-account-mfa-enabled", "iam-user-mfa-enabled", "cloudtrail-enabled",
                                 "multi-region-cloudtrail-enabled", "cloud-trail-log-file-validation-enabled",
                                 "cloud-trail-encryption-enabled"}
    packs = {(p.inputs.get("region", "us-east-1")): template(p) for p in two_regions.of_type(PACK)}
    eu_rules = {r["Properties"]["ConfigRuleName"] for r in packs["eu-west-1"]["Resources"].values()
                if r["Type"] == "AWS::Config::ConfigRule"}
    assert eu_rules == set(CIS_EXTRA) - ONE_REGION


def test_cloudtrail_rules_and_their_remediation_only_in_the_trails_home_region():
    """A trail is one resource; UpdateTrail (what the runbooks call) works only in its home region."""
    plan = run_baseline({"regions": ["eu-west-1", "us-east-1", "ap-southeast-2"]}, region="eu-west-1")
    by_region = rules_by_region(plan, home="eu-west-1")
    assert {r: names & CLOUDTRAIL_RULES for r, names in by_region.items()} == {
        "eu-west-1": CLOUDTRAIL_RULES, "us-east-1": set(), "ap-southeast-2": set()}
    remediated = {(r.inputs.get("region", "eu-west-1"), r.inputs["configRuleName"]) for r in plan.of_type(REMEDIATION)
                  if "trail" in r.inputs["configRuleName"]}
    assert remediated == {("eu-west-1", "cloud-trail-log-file-validation-enabled-test"),
                          ("eu-west-1", "cloud-trail-encryption-enabled-test")}


def test_disabled_rules_are_nowhere():
    plan = run_baseline({"disabledRules": ["restricted-ssh", "vpc-flow-logs-enabled"]})
    assert rules_by_region(plan)["us-east-1"] == SEED - {"restricted-ssh"}
    assert "VpcFlowLogsEnabled" not in template(plan.one(PACK))["Resources"]
    assert not any(r.inputs["configRuleName"].startswith("restricted-ssh") for r in plan.of_type(REMEDIATION))


# ---- conformance packs ----

def test_cis_pack_leaves_out_what_the_baseline_deploys(default):
    pack = default.one(PACK)
    assert pack.inputs["name"] == "audit-baseline-test-cis"
    resources = template(pack)["Resources"]
    rules = {r["Properties"]["ConfigRuleName"] for r in resources.values() if r["Type"] == "AWS::Config::ConfigRule"}
    assert rules == set(CIS_EXTRA) and not rules & SEED
    # CIS v5.0.0 1.7/1.8: length and reuse only; no expiry unless passwordMaxAgeDays says so
    assert resources["IamPasswordPolicy"]["Properties"]["InputParameters"] == {
        "MinimumPasswordLength": "14", "PasswordReusePrevention": "24"}
    assert resources["S3AccountLevelPublicAccessBlocksPeriodicRemediation"]["Properties"]["Automatic"] is False
    assert resources["Ec2EbsEncryptionByDefaultRemediation"]["Properties"]["Automatic"] is True


def test_seed_pack_replaces_the_individual_rules():
    plan = run_baseline({"baselineRulesAs": "pack"})
    assert plan.of_type(RULE) == [] and plan.of_type(REMEDIATION) == []
    packs = {p.inputs["name"]: template(p) for p in plan.of_type(PACK)}
    assert set(packs) == {"audit-baseline-test-baseline", "audit-baseline-test-cis"}
    seed = packs["audit-baseline-test-baseline"]["Resources"]
    assert {r["Properties"]["ConfigRuleName"] for r in seed.values() if r["Type"] == "AWS::Config::ConfigRule"} == SEED
    role_arn = plan.one("aws:iam/role:Role", "audit-config-remediation").id
    assert seed["S3BucketPublicReadProhibitedRemediation"] == {
        "Type": "AWS::Config::RemediationConfiguration", "DependsOn": "S3BucketPublicReadProhibited",
        "Properties": {"ConfigRuleName": "s3-bucket-public-read-prohibited", "TargetType": "SSM_DOCUMENT",
                       "TargetId": "AWS-DisableS3BucketPublicReadWrite",
                       "Parameters": {"S3BucketName": {"ResourceValue": {"Value": "RESOURCE_ID"}},
                                      "AutomationAssumeRole": {"StaticValue": {"Values": [
                                          f"arn:aws:iam::{ACCOUNT}:role/{role_arn}"]}}},
                       "Automatic": True, "MaximumAutomaticAttempts": 5, "RetryAttemptSeconds": 60,
                       "ExecutionControls": {"SsmControls": {"ConcurrentExecutionRatePercentage": 10,
                                                             "ErrorPercentage": 10}}}}


def test_no_rule_is_evaluated_twice_in_a_region():
    for settings in ({}, {"baselineRulesAs": "pack"}, {"regions": ["us-east-1", "eu-west-1"]}):
        plan = run_baseline(settings)
        seen: dict[str, list] = {}
        for r in plan.of_type(RULE):
            seen.setdefault(r.inputs.get("region", "us-east-1"), []).append(r.inputs["name"])
        for p in plan.of_type(PACK):
            seen.setdefault(p.inputs.get("region", "us-east-1"), []).extend(
                r["Properties"]["ConfigRuleName"] for r in template(p)["Resources"].values()
                if r["Type"] == "AWS::Config::ConfigRule")
        for region, names in seen.items():
            assert len(names) == len(set(names)), (settings, region)


def _all_templates():
    out = []
    for settings in ({}, {"baselineRulesAs": "pack"}, {"regions": ["us-east-1", "eu-west-1"], "baselineRulesAs": "pack"},
                     {"remediation": False, "baselineRulesAs": "pack"}, {"passwordMaxAgeDays": 90}):
        for pack in run_baseline(settings).of_type(PACK):
            out.append((f"{pack.name}:{json.dumps(settings)}", pack.inputs["templateBody"]))
    # organization mode, from the management account and from a delegated administrator
    for account, extra in ((MANAGEMENT_ACCOUNT, {}), (DELEGATED_ADMIN, {"managementAccountId": MANAGEMENT_ID})):
        settings = {"organizationTrail": True, "organizationId": ORG_ID, "organizationConfig": True,
                    "baselineRulesAs": "pack", "regions": ["us-east-1", "eu-west-1"], **extra}
        for pack in run_baseline(settings, account=account).of_type(
                "aws:cfg/organizationConformancePack:OrganizationConformancePack"):
            out.append((f"org:{account['accountId']}:{pack.name}", pack.inputs["templateBody"]))
    return out


@pytest.mark.parametrize("name, body", _all_templates())
def test_cfn_lint_passes_on_every_rendered_template(name, body):
    assert len(body) < 51_200
    assert [str(m) for m in lint(body, config=ManualArgs(regions=["us-east-1"]))] == []
    assert "Fn::" not in body and '"Ref"' not in body  # literal values only


def test_cfn_lint_would_catch_a_broken_template():
    broken = json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"R": {
        "Type": "AWS::Config::ConfigRule", "Properties": {"Source": {"Owner": "AWS"}, "Bogus": 1}}}})
    assert lint(broken, config=ManualArgs(regions=["us-east-1"])) != []


def test_custom_packs_from_a_file_and_from_s3(tmp_path):
    body = json.dumps({"Resources": {"R": {"Type": "AWS::Config::ConfigRule", "Properties": {
        "Source": {"Owner": "AWS", "SourceIdentifier": "S3_BUCKET_VERSIONING_ENABLED"}}}}})
    path = tmp_path / "pack.json"
    path.write_text(body)
    plan = run_baseline({"customConformancePacks": [{"name": "mine", "templateFile": str(path)},
                                                    {"name": "pci", "templateS3Uri": "s3://packs/pci.yaml"}]})
    packs = {p.inputs["name"]: p.inputs for p in plan.of_type(PACK)}
    assert packs["mine"]["templateBody"] == body
    assert packs["pci"] == {"name": "pci", "templateS3Uri": "s3://packs/pci.yaml"}


# ---- remediation ----

def test_each_remediation_document_parameters_and_role(default):
    role = default.one("aws:iam/role:Role", "audit-config-remediation")
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/{role.id}"
    key_arn = default.one("aws:cloudtrail/trail:Trail").inputs["kmsKeyId"]
    found = {catalog_name(r.inputs["configRuleName"]): r.inputs for r in default.of_type(REMEDIATION)}
    assert set(found) == {"s3-bucket-public-read-prohibited", "s3-bucket-public-write-prohibited", "restricted-ssh",
                          "restricted-common-ports", "cloud-trail-log-file-validation-enabled",
                          "cloud-trail-encryption-enabled"}
    role_param = {"name": "AutomationAssumeRole", "staticValue": role_arn}
    expected = {
        "s3-bucket-public-read-prohibited": ("AWS-DisableS3BucketPublicReadWrite", True,
                                             [{"name": "S3BucketName", "resourceValue": "RESOURCE_ID"}]),
        "s3-bucket-public-write-prohibited": ("AWS-DisableS3BucketPublicReadWrite", True,
                                              [{"name": "S3BucketName", "resourceValue": "RESOURCE_ID"}]),
        "restricted-ssh": ("AWS-DisableIncomingSSHOnPort22", True,
                           [{"name": "SecurityGroupIds", "resourceValue": "RESOURCE_ID"}]),
        "restricted-common-ports": ("AWSConfigRemediation-RemoveUnrestrictedSourceIngressRules", False,
                                    [{"name": "SecurityGroupId", "resourceValue": "RESOURCE_ID"}]),
        "cloud-trail-log-file-validation-enabled": ("AWSConfigRemediation-EnableCloudTrailLogFileValidation", True,
                                                    [{"name": "TrailName", "resourceValue": "RESOURCE_ID"}]),
        "cloud-trail-encryption-enabled": ("AWSConfigRemediation-EnableCloudTrailEncryptionWithKMS", False,
                                           [{"name": "TrailName", "resourceValue": "RESOURCE_ID"},
                                            {"name": "KMSKeyId", "staticValue": key_arn}]),
    }
    for name, (document, automatic, params) in expected.items():
        r = found[name]
        assert (r["targetType"], r["targetId"], r["automatic"], r["parameters"]) == (
            "SSM_DOCUMENT", document, automatic, params + [role_param]), name
        assert (r["maximumAutomaticAttempts"], r["retryAttemptSeconds"]) == (5, 60)
        assert r["executionControls"] == {"ssmControls": {"concurrentExecutionRatePercentage": 10,
                                                          "errorPercentage": 10}}


def test_automation_role_actions_are_the_union_of_the_runbooks(default):
    role = default.one("aws:iam/role:Role", "audit-config-remediation")
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"] == [{
        "Effect": "Allow", "Principal": {"Service": "ssm.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}]
    actions = sorted(a for s in Plan.statements(default.one("aws:iam/rolePolicy:RolePolicy",
                                                            "audit-config-remediation-runbooks")).values()
                     for a in s["Action"])
    deployed = {catalog_name(r.inputs["configRuleName"]) for r in default.of_type(REMEDIATION)} | {
        r["Properties"]["ConfigRuleName"] for r in template(default.one(PACK))["Resources"].values()
        if r["Type"] == "AWS::Config::RemediationConfiguration"}
    assert actions == sorted({p for n in deployed for p in catalog.RULES_BY_NAME[n]["remediation"]["permissions"]})
    assert actions == ["cloudtrail:GetTrail", "cloudtrail:UpdateTrail", "ec2:DescribeSecurityGroups",
                       "ec2:EnableEbsEncryptionByDefault", "ec2:GetEbsEncryptionByDefault",
                       "ec2:RevokeSecurityGroupIngress", "s3:GetAccountPublicAccessBlock",
                       "s3:GetBucketPublicAccessBlock", "s3:PutAccountPublicAccessBlock",
                       "s3:PutBucketPublicAccessBlock", "ssm:GetAutomationExecution", "ssm:StartAutomationExecution"]


def test_remediation_off_and_manual_only():
    assert run_baseline({"remediation": False}).of_type(REMEDIATION) == []
    manual = run_baseline({"automaticRemediation": False})
    assert {r.inputs["automatic"] for r in manual.of_type(REMEDIATION)} == {False}


def test_parity_deployed_rules_packs_and_remediations_equal_the_catalog(default):
    s = Settings.from_mapping(dict(FRESH_ACCOUNT_SETTINGS), "us-east-1")
    (home,) = config_plan.plan(s)
    assert rules_by_region(default)["us-east-1"] == set(home.rules) == SEED
    assert {k: set(v) for k, v in home.packs.items()} == {"cis": set(CIS_EXTRA)}
    with_remediation = {r["name"] for r in catalog.RULES if r["remediation"]}
    in_pack = {r["Properties"]["ConfigRuleName"] for r in template(default.one(PACK))["Resources"].values()
               if r["Type"] == "AWS::Config::RemediationConfiguration"}
    individual = {catalog_name(r.inputs["configRuleName"]) for r in default.of_type(REMEDIATION)}
    assert individual | in_pack == with_remediation and not individual & in_pack
    assert remediation.permissions(sorted(with_remediation))[0] == "cloudtrail:GetTrail"


# ---- organization mode and aggregators ----

ORG_MODE = {"organizationTrail": True, "organizationId": ORG_ID, "organizationConfig": True}
ORG_PACK = "aws:cfg/organizationConformancePack:OrganizationConformancePack"


def test_organization_mode():
    plan = run_baseline(ORG_MODE, account=MANAGEMENT_ACCOUNT)
    assert plan.of_type(RULE) == [] and plan.of_type(PACK) == [] and plan.of_type(REMEDIATION) == []
    org_rules = {catalog_name(r.inputs["name"]): r.inputs for r in
                 plan.of_type("aws:cfg/organizationManagedRule:OrganizationManagedRule")}
    assert set(org_rules) == SEED
    assert org_rules["restricted-ssh"]["ruleIdentifier"] == "INCOMING_SSH_DISABLED"
    assert org_rules["restricted-ssh"]["resourceTypesScopes"] == ["AWS::EC2::SecurityGroup"]
    (org_pack,) = plan.of_type(ORG_PACK)
    assert org_pack.inputs["name"] == "audit-baseline-test-cis"
    aggregator = plan.one("aws:cfg/configurationAggregator:ConfigurationAggregator").inputs
    assert aggregator["name"] == "audit-baseline-test"
    role = plan.one("aws:iam/role:Role", "audit-config-aggregator-role")
    assert aggregator["organizationAggregationSource"] == {"roleArn": f"arn:aws:iam::{MANAGEMENT_ID}:role/{role.id}",
                                                           "allRegions": True}
    # no automation role: nothing in organization mode could use it (see the next test)
    assert "audit-config-remediation" not in plan.names("aws:iam/role:Role")


@pytest.mark.parametrize("account", [MANAGEMENT_ACCOUNT, DELEGATED_ADMIN], ids=["management", "delegated-admin"])
def test_organization_packs_carry_no_remediation(account):
    """An organization pack deploys its template into every member account, where the deploying account's
    automation role does not exist: the org-mode templates have rules only, and name no account."""
    plan = run_baseline({**ORG_MODE, "baselineRulesAs": "pack", "regions": ["us-east-1", "eu-west-1"],
                         **({"managementAccountId": MANAGEMENT_ID} if account is DELEGATED_ADMIN else {})},
                        account=account)
    packs = plan.of_type(ORG_PACK)
    assert sorted((p.inputs.get("region", "us-east-1"), p.inputs["name"]) for p in packs) == [
        ("eu-west-1", "audit-baseline-test-baseline"), ("eu-west-1", "audit-baseline-test-cis"),
        ("us-east-1", "audit-baseline-test-baseline"), ("us-east-1", "audit-baseline-test-cis")]
    for pack in packs:
        body = pack.inputs["templateBody"]
        assert {r["Type"] for r in template(pack)["Resources"].values()} == {"AWS::Config::ConfigRule"}
        assert MANAGEMENT_ID not in body and account["accountId"] not in body and "arn:" not in body
    assert plan.of_type(REMEDIATION) == []


def test_account_aggregator(two_regions):
    plan = run_baseline({"regions": ["us-east-1", "eu-west-1"], "aggregator": "account"})
    assert plan.one("aws:cfg/configurationAggregator:ConfigurationAggregator").inputs[
        "accountAggregationSource"] == {"accountIds": [ACCOUNT], "regions": ["us-east-1", "eu-west-1"]}
    assert two_regions.of_type("aws:cfg/configurationAggregator:ConfigurationAggregator") == []


def test_config_off():
    plan = run_baseline({"config": False})
    assert [r.type for r in plan.registrations if r.type.startswith("aws:cfg/")] == []
    assert "ConfigUseOfKey" not in Plan.statements(plan.one("aws:kms/key:Key"))


# ---- settings for Config ----

@pytest.mark.parametrize("settings, problem", [
    ({"regions": ["us-east-1", "eu-west-9"]},
     "audit-baseline:regions: [\"us-east-1\", \"eu-west-9\"] is not valid; expected a list of AWS region names "
     "(\"eu-west-9\" is not: did you mean eu-west-3?)"),
    ({"disabledRules": ["restricted-sshh"]},
     "audit-baseline:disabledRules: [\"restricted-sshh\"] is not valid; expected a list of rule names from the "
     "catalog (\"restricted-sshh\" is not: did you mean restricted-ssh?)"),
    ({"blockedPorts": [22, 70000]},
     "audit-baseline:blockedPorts: [22, 70000] is not valid; expected a list of TCP ports (1-65535) "
     "(70000 is not)"),
    ({"organizationConfig": True},
     "audit-baseline:organizationConfig: true needs audit-baseline:organizationId (and an organization trail); "
     "expected organizationId such as o-a1b2c3d4e5"),
    ({"customConformancePacks": [{"name": "x", "templateFile": "/nope.yaml"}]},
     "audit-baseline:customConformancePacks: [{\"name\": \"x\", \"templateFile\": \"/nope.yaml\"}] is not "
     "valid; expected a list of conformance pack objects ({\"name\": \"x\", \"templateFile\": \"/nope.yaml\"} is not: "
     "templateFile /nope.yaml was not found)"),
    ({"config": False, "regions": ["eu-west-1"]},
     "audit-baseline:config: false, but regions configure AWS Config; expected config: true or remove them"),
    ({"aggregator": "organization"},
     "audit-baseline:aggregator: 'organization' needs audit-baseline:organizationId; expected 'account' or "
     "'none', or set organizationId"),
])
def test_config_setting_mistakes(settings, problem):
    with pytest.raises(SettingsError) as caught:
        Settings.from_mapping({**FRESH_ACCOUNT_SETTINGS, **settings}, "us-east-1")
    assert caught.value.problems == [problem]


def test_oversized_template_is_refused_with_a_hint(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("#" * 51_201)
    with pytest.raises(SettingsError) as caught:
        Settings.from_mapping({**FRESH_ACCOUNT_SETTINGS, "customConformancePacks": [
            {"name": "big", "templateFile": str(path)}]}, "us-east-1")
    (problem,) = caught.value.problems
    assert problem.endswith(f"is not: {path} has 51,201 bytes, over the 51,200 bytes allowed in a template body; "
                            "upload it to S3 and name it with templateS3Uri instead)")
