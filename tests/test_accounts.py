"""The program in the accounts people have: lookups answered from an account description, the organization
trail of a delegated administrator, existing recorders and service-linked roles, global resource types,
and names that let two stacks share an account."""
from __future__ import annotations

import json

import pytest

from components import config_plan
from components.naming import stack_slug
from components.settings import IAM_RECORDING_REGIONS, REGIONS, Settings, SettingsError

from .conftest import (DELEGATED_ADMIN, DELEGATED_ID, FRESH_ACCOUNT_SETTINGS, MANAGEMENT_ACCOUNT, MANAGEMENT_ID,
                       ORG_ID, ROOT, Plan, run_baseline)

NS = "audit-baseline"
SLR = "aws:iam/serviceLinkedRole:ServiceLinkedRole"
RECORDER = "aws:cfg/recorder:Recorder"
RULE = "aws:cfg/rule:Rule"
CONFIG_SLR_ARN = "arn:aws:iam::{}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
CT = {"Service": "cloudtrail.amazonaws.com"}
CONSOLE_ACCOUNT = {"accountId": "444455556666", "organization": None, "serviceLinkedRoles": ["AWSServiceRoleForConfig"]}


# ---- Config's service-linked role: looked up, created only when missing, kept on delete ----

def test_service_linked_role_is_created_when_missing_and_never_deleted():
    plan = run_baseline(account={"accountId": "123456789012", "serviceLinkedRoles": []})
    slr = plan.one(SLR)
    assert slr.inputs == {"awsServiceName": "config.amazonaws.com"}
    assert (slr.retain_on_delete, slr.protect) == (True, False)
    assert plan.one(RECORDER).inputs["roleArn"] == CONFIG_SLR_ARN.format("123456789012")


def test_existing_service_linked_role_is_used_not_created():
    plan = run_baseline(account=CONSOLE_ACCOUNT)
    assert plan.of_type(SLR) == []
    assert plan.one(RECORDER).inputs["roleArn"] == CONFIG_SLR_ARN.format("444455556666")


def test_existing_recorder_needs_no_role_and_looks_nothing_up():
    plan = run_baseline({"recorder": "existing"}, account={"accountId": "123456789012", "serviceLinkedRoles": []})
    assert plan.of_type(SLR) == [] and plan.of_type(RECORDER) == []
    assert [r.name for r in plan.of_type("aws:iam/role:Role") if "config-role" in r.name] == []


# ---- recorder: no default, one clear error ----

def test_recorder_is_required_with_a_way_to_check_the_account():
    with pytest.raises(SettingsError) as caught:
        Settings.from_mapping({}, "us-east-1")
    assert caught.value.problems == [
        f"{NS}:recorder: required with AWS Config (config: true); expected 'create' (this stack creates a "
        "configuration recorder and delivery channel in every region of regions; the account must have none "
        "there: Config allows one of each per account and region) or 'existing' (keep the recorder the account "
        "already has, e.g. from the console, Security Hub or Control Tower, and deploy only rules, conformance "
        "packs and remediation). Check each region with `aws configservice describe-configuration-recorders "
        "--region <region>`: an empty ConfigurationRecorders list means 'create'. Or set config: false"]
    assert Settings.from_mapping({"config": False}, "us-east-1").recorder is None


def test_recorder_value_is_checked():
    with pytest.raises(SettingsError) as caught:
        Settings.from_mapping({"recorder": "reuse"}, "us-east-1")
    assert caught.value.problems == [f"{NS}:recorder: 'reuse' is not valid; expected one of create, existing"]


def test_with_create_every_region_gets_a_recorder():
    plan = run_baseline({"regions": ["us-east-1", "eu-west-1", "ap-southeast-2"]})
    assert sorted(r.inputs.get("region", "us-east-1") for r in plan.of_type(RECORDER)) == [
        "ap-southeast-2", "eu-west-1", "us-east-1"]
    assert sorted(r.inputs.get("region", "us-east-1") for r in plan.of_type("aws:cfg/deliveryChannel:DeliveryChannel")) \
        == ["ap-southeast-2", "eu-west-1", "us-east-1"]


def test_example_stacks_set_the_recorder():
    import yaml
    stacks = sorted(ROOT.glob("Pulumi.*.yaml"))
    assert [p.name for p in stacks] == ["Pulumi.audit.yaml", "Pulumi.delegated-admin.yaml", "Pulumi.dev.yaml",
                                        "Pulumi.log-archive.yaml", "Pulumi.management.yaml", "Pulumi.member.yaml"]
    # the organization's log-archive and audit stacks record through the management account's StackSet
    assert {p.name: yaml.safe_load(p.read_text())["config"].get(f"{NS}:recorder") for p in stacks} == {
        "Pulumi.audit.yaml": None, "Pulumi.delegated-admin.yaml": "existing", "Pulumi.dev.yaml": "create",
        "Pulumi.log-archive.yaml": None, "Pulumi.management.yaml": "create", "Pulumi.member.yaml": "existing"}


@pytest.mark.parametrize("stack, account", [("member", CONSOLE_ACCOUNT), ("delegated-admin", DELEGATED_ADMIN)])
def test_example_stacks_plan_into_their_accounts(stack, account):
    from preflight.runner import Project, run_program
    project = Project.load(ROOT)
    config, secrets = project.stack_config(stack)
    plan = Plan(run_program(project, stack, config, secrets, account=account))
    assert plan.of_type(RECORDER) == [] and plan.of_type(SLR) == []
    assert plan.of_type("aws:cfg/deliveryChannel:DeliveryChannel") == []
    assert len(plan.of_type(RULE)) == 13


# ---- an organization trail from a delegated administrator names the management account ----

DELEGATED_SETTINGS = {"organizationTrail": True, "organizationId": ORG_ID, "managementAccountId": MANAGEMENT_ID,
                      "cloudWatchLogs": True, "deliveryNotifications": True, "recorder": "existing"}
MGMT_TRAIL = f"arn:aws:cloudtrail:us-east-1:{MANAGEMENT_ID}:trail/audit-trail"


@pytest.fixture(scope="module")
def delegated() -> Plan:
    return run_baseline(DELEGATED_SETTINGS, account=DELEGATED_ADMIN)


def _conditions(document: dict) -> list:
    """Every (Sid, condition key, value) in a policy document."""
    return [(st["Sid"], key, value) for st in document["Statement"]
            for op in st.get("Condition", {}).values() for key, value in op.items()]


def test_every_source_arn_in_bucket_key_and_topic_policies_is_the_management_accounts_trail(delegated):
    policies = {
        "bucket": json.loads(delegated.one("aws:s3/bucketPolicy:BucketPolicy", "audit-logs-policy").inputs["policy"]),
        "key": json.loads(delegated.one("aws:kms/key:Key").inputs["policy"]),
        "topic": json.loads(delegated.one("aws:sns/topicPolicy:TopicPolicy", "audit-trail-delivery-policy").inputs[
            "policy"])}
    source_arns = {(where, sid): value for where, doc in policies.items()
                   for sid, key, value in _conditions(doc) if key == "aws:SourceArn"}
    assert source_arns == {
        ("bucket", "CloudTrailAclCheck"): MGMT_TRAIL, ("bucket", "CloudTrailWrite"): MGMT_TRAIL,
        ("bucket", "CloudTrailOrganizationWrite"): MGMT_TRAIL,
        ("key", "CloudTrailEncryptLogs"): MGMT_TRAIL, ("key", "CloudTrailDescribeKey"): MGMT_TRAIL,
        ("key", "CloudTrailBucketKeyDecrypt"): MGMT_TRAIL, ("key", "CloudTrailPublishEncrypted"): MGMT_TRAIL,
        ("topic", "CloudTrailPublish"): MGMT_TRAIL}
    contexts = [(sid, value) for sid, key, value in _conditions(policies["key"])
                if key == "kms:EncryptionContext:aws:cloudtrail:arn"]
    assert contexts == [("CloudTrailEncryptLogs", f"arn:aws:cloudtrail:*:{MANAGEMENT_ID}:trail/*"),
                        ("LogReadersDecrypt", "false")]  # the readers' statement: Null check only
    # the delegated administrator's own id appears only where the key's caller is meant (readers, Config, alarms)
    for where, doc in policies.items():
        assert f"{DELEGATED_ID}:trail" not in json.dumps(doc), where


def test_the_trails_log_role_trusts_cloudtrail_for_the_trail_owner(delegated):
    role = delegated.one("aws:iam/role:Role", "audit-trail-logs-role")
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"] == [{
        "Effect": "Allow", "Principal": CT, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": MANAGEMENT_ID}}}]


def test_log_paths_name_the_management_account_and_the_organization(delegated):
    bucket = delegated.one("aws:s3/bucketPolicy:BucketPolicy", "audit-logs-policy")
    statements = Plan.statements(bucket)
    arn = f"arn:aws:s3:::{bucket.inputs['bucket']}"
    writes = {sid: (st["Resource"], st["Principal"]) for sid, st in statements.items() if st["Action"] == "s3:PutObject"
              and st["Principal"] == CT}
    assert writes == {"CloudTrailWrite": (f"{arn}/AWSLogs/{MANAGEMENT_ID}/*", CT),
                      "CloudTrailOrganizationWrite": (f"{arn}/AWSLogs/{ORG_ID}/*", CT)}
    assert delegated.one("aws:cloudtrail/trail:Trail").inputs["isOrganizationTrail"] is True


def test_management_account_deploys_without_managementAccountId():
    plan = run_baseline({"organizationTrail": True, "organizationId": ORG_ID}, account=MANAGEMENT_ACCOUNT)
    write = Plan.statements(plan.one("aws:s3/bucketPolicy:BucketPolicy", "audit-logs-policy"))["CloudTrailWrite"]
    assert write["Resource"].endswith(f"/AWSLogs/{MANAGEMENT_ID}/*")
    assert write["Condition"]["StringEquals"]["aws:SourceArn"] == MGMT_TRAIL


@pytest.mark.parametrize("settings, account, problem", [
    ({"organizationTrail": True, "organizationId": ORG_ID}, DELEGATED_ADMIN,
     f"{NS}:managementAccountId: required with organizationTrail when deploying from account {DELEGATED_ID}, which "
     "is not the organization's management account (a delegated administrator creates organization trails that "
     "the management account owns); expected the management account's id ('999988887777' according to the "
     "organization)"),
    ({"organizationTrail": True, "organizationId": ORG_ID, "managementAccountId": "222233334444"}, DELEGATED_ADMIN,
     f"{NS}:managementAccountId: '222233334444' is not the management account of {ORG_ID}; expected "
     f"'{MANAGEMENT_ID}'"),
    ({"organizationTrail": True, "organizationId": ORG_ID, "managementAccountId": "222233334444"}, MANAGEMENT_ACCOUNT,
     f"{NS}:managementAccountId: '222233334444' but this is the management account {MANAGEMENT_ID}; expected "
     f"'{MANAGEMENT_ID}' or remove the setting"),
    ({"organizationTrail": True, "organizationId": "o-zzzzzzzzzz", "managementAccountId": MANAGEMENT_ID},
     DELEGATED_ADMIN, f"{NS}:organizationId: 'o-zzzzzzzzzz' is not this account's organization; expected '{ORG_ID}'"),
    ({"organizationTrail": True, "organizationId": ORG_ID}, CONSOLE_ACCOUNT,
     f"{NS}:organizationTrail: true, but the organization could not be looked up from account 444455556666 "
     "(AWSOrganizationsNotInUseException); expected an account of an AWS Organization (its management account "
     "or the CloudTrail delegated administrator), or organizationTrail: false"),
])
def test_organization_mismatches_are_one_error_before_any_resource(settings, account, problem):
    from preflight.runner import ProgramConfigError
    with pytest.raises(ProgramConfigError) as caught:
        run_baseline(settings, account=account)
    assert str(caught.value) == f"invalid stack configuration (1 problem):\n  - {problem}"
    assert [r.type for r in caught.value.registrations] == ["pulumi:pulumi:Stack"]


def test_management_account_id_needs_an_organization_trail():
    with pytest.raises(SettingsError) as caught:
        Settings.from_mapping({**FRESH_ACCOUNT_SETTINGS, "managementAccountId": MANAGEMENT_ID}, "us-east-1")
    assert caught.value.problems == [f"{NS}:managementAccountId: set but {NS}:organizationTrail is false; expected "
                                     "organizationTrail: true or remove managementAccountId"]


# ---- global resource types: only where Config records IAM ----

def test_iam_recording_regions_cover_every_provider_region_launched_before_february_2022():
    """Every region the provider knows is either in the allow-list or one AWS lists as unable to record IAM."""
    later = {"ap-south-2", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ap-east-2",
             "ca-west-1", "eu-central-2", "eu-south-2", "il-central-1", "me-central-1", "mx-central-1"}
    assert set(IAM_RECORDING_REGIONS) <= set(REGIONS)
    assert not later & set(IAM_RECORDING_REGIONS)
    # the rest: isolated and sovereign partitions, which the pages do not cover (treated as not recording IAM)
    assert set(REGIONS) - set(IAM_RECORDING_REGIONS) - later == {
        "eu-isoe-west-1", "eusc-de-east-1", "us-iso-east-1", "us-iso-west-1", "us-isob-east-1", "us-isob-west-1",
        "us-isof-east-1", "us-isof-south-1"}


def test_a_later_home_region_needs_a_global_resources_region():
    with pytest.raises(SettingsError) as caught:
        Settings.from_mapping(dict(FRESH_ACCOUNT_SETTINGS), "eu-central-2")
    assert caught.value.problems == [
        f"{NS}:globalResourcesRegion: required because the home region eu-central-2 cannot record IAM users, groups, "
        "roles and policies (AWS Config records them only in regions available before February 2022); expected the "
        "region where the IAM rules will run and global resource types will be recorded, one of "
        + ", ".join(IAM_RECORDING_REGIONS)]
    with pytest.raises(SettingsError) as caught:
        Settings.from_mapping({**FRESH_ACCOUNT_SETTINGS, "globalResourcesRegion": "eu-south-2"}, "eu-central-2")
    (problem,) = caught.value.problems
    assert problem.startswith(f"{NS}:globalResourcesRegion: 'eu-south-2' is not valid; expected a region where AWS "
                              "Config records IAM resources (available before February 2022): af-south-1, ")


def test_global_types_and_iam_rules_go_to_the_global_resources_region():
    plan = run_baseline({"globalResourcesRegion": "eu-central-1"}, region="eu-central-2")
    recorders = {r.inputs.get("region", "eu-central-2"): r.inputs["recordingGroup"] for r in plan.of_type(RECORDER)}
    assert recorders == {"eu-central-2": {"allSupported": True, "includeGlobalResourceTypes": False},
                         "eu-central-1": {"allSupported": True, "includeGlobalResourceTypes": True}}
    where = {}
    for r in plan.of_type(RULE):
        where.setdefault(r.inputs.get("region", "eu-central-2"), set()).add(r.inputs["name"].removesuffix("-test"))
    assert where["eu-central-1"] - where["eu-central-2"] == {"root-account-mfa-enabled", "iam-user-mfa-enabled"}
    assert {"cloudtrail-enabled", "multi-region-cloudtrail-enabled", "cloud-trail-log-file-validation-enabled",
            "cloud-trail-encryption-enabled"} <= where["eu-central-2"] - where["eu-central-1"]
    s = Settings.from_mapping({**FRESH_ACCOUNT_SETTINGS, "globalResourcesRegion": "eu-central-1"}, "eu-central-2")
    placed = {n: config_plan.rule_region(n, s) for n in ("iam-password-policy", "access-keys-rotated",
                                                          "mfa-enabled-for-iam-console-access",
                                                          "iam-root-access-key-check",
                                                          "s3-account-level-public-access-blocks-periodic",
                                                          "restricted-ssh")}
    assert placed == {"iam-password-policy": "eu-central-1", "access-keys-rotated": "eu-central-1",
                      "mfa-enabled-for-iam-console-access": "eu-central-1", "iam-root-access-key-check": "eu-central-1",
                      "s3-account-level-public-access-blocks-periodic": "eu-central-2", "restricted-ssh": None}


# ---- CIS v5.0.0 password policy parameters ----

def test_password_expiry_only_when_configured():
    plan = run_baseline({"passwordMaxAgeDays": 90})
    resources = json.loads(plan.one("aws:cfg/conformancePack:ConformancePack").inputs["templateBody"])["Resources"]
    assert resources["IamPasswordPolicy"]["Properties"]["InputParameters"] == {
        "MinimumPasswordLength": "14", "PasswordReusePrevention": "24", "MaxPasswordAge": "90"}


# ---- names: two stacks in one account ----

# (type, input) of every resource whose physical name AWS keeps unique per account and region (or per account)
NAMED = [("aws:athena/workgroup:Workgroup", "name"), ("aws:glue/catalogDatabase:CatalogDatabase", "name"),
         ("aws:cloudwatch/logGroup:LogGroup", "name"), ("aws:kms/alias:Alias", "name"), ("aws:sns/topic:Topic", "name"),
         ("aws:cfg/rule:Rule", "name"), ("aws:cfg/conformancePack:ConformancePack", "name"),
         ("aws:cfg/configurationAggregator:ConfigurationAggregator", "name"),
         ("aws:cloudwatch/metricAlarm:MetricAlarm", "name"), ("aws:cloudwatch/logMetricFilter:LogMetricFilter", "name"),
         ("aws:athena/preparedStatement:PreparedStatement", "workgroup")]
EVERYTHING = {"cloudWatchLogs": True, "deliveryNotifications": True, "configNotifications": True,
              "aggregator": "account", "baselineRulesAs": "rules", "regions": ["us-east-1", "eu-west-1"]}


def _names(plan: Plan) -> dict:
    out = {}
    for type_, key in NAMED:
        for r in plan.of_type(type_):
            out[(type_, r.inputs.get("region", "us-east-1"), r.inputs[key])] = r.name
    return out


def test_two_stacks_in_one_account_share_no_name():
    first, second = (_names(run_baseline(EVERYTHING, stack=stack)) for stack in ("prod", "staging"))
    assert {t for t, _r, _n in first} == {t for t, _k in NAMED}  # every kind is there to compare
    assert set(first) & set(second) == set()
    assert first[("aws:athena/workgroup:Workgroup", "us-east-1", "audit-baseline-prod")] == "audit-investigation-workgroup"
    assert ("aws:glue/catalogDatabase:CatalogDatabase", "us-east-1", "audit_baseline_staging") in second
    assert ("aws:kms/alias:Alias", "us-east-1", "alias/audit-trail-prod") in first


def test_a_retained_log_group_never_collides_with_a_redeploy():
    """Same stack, same settings: the log group is named by the provider's unique suffix under a stack prefix."""
    group = run_baseline({"cloudWatchLogs": True}, stack="prod").one("aws:cloudwatch/logGroup:LogGroup").inputs
    assert group["namePrefix"] == "/aws/cloudtrail/audit-trail/prod/" and "name" in group


def test_recorder_and_channel_names_are_fixed_once_per_region():
    plan = run_baseline(stack="prod")
    assert plan.one(RECORDER).inputs["name"] == "audit-baseline"
    assert plan.one("aws:cfg/deliveryChannel:DeliveryChannel").inputs["name"] == "audit-baseline"


@pytest.mark.parametrize("stack, slug", [
    ("dev", "dev"), ("prod-eu", "prod-eu"),
    ("Prod.EU", "prod-eu-2f2363"),  # changed: 6 hex digits of the name's SHA-256 keep it apart from "prod-eu"
    ("a" * 40, "a" * 17 + "-e33cdf"), ("---", "stack-cb3f91")])
def test_stack_slug(stack, slug):
    import hashlib
    assert stack_slug(stack) == slug
    if slug != stack:
        assert slug.endswith(hashlib.sha256(stack.encode()).hexdigest()[:6])


@pytest.mark.parametrize("settings, problem", [
    ({"config": False, "configNotifications": True},
     f"{NS}:configNotifications: set but {NS}:config is false; expected config: true or remove it"),
    ({"config": False, "globalResourcesRegion": "us-east-1"},
     f"{NS}:globalResourcesRegion: set but {NS}:config is false; expected config: true or remove it"),
    ({**FRESH_ACCOUNT_SETTINGS, "passwordMaxAgeDays": 2000},
     f"{NS}:passwordMaxAgeDays: 2000 is not valid; expected a whole number from 0 to 1095"),
    ({**FRESH_ACCOUNT_SETTINGS, "managementAccountId": "9999"},
     f"{NS}:managementAccountId: '9999' is not valid; expected a 12-digit AWS account id"),
])
def test_new_setting_mistakes(settings, problem):
    with pytest.raises(SettingsError) as caught:
        Settings.from_mapping(settings, "us-east-1")
    assert caught.value.problems == [problem]
