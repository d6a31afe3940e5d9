"""An organization's baseline (issue 18): account roles, the log archive's policies, member recording."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from preflight.runner import ProgramConfigError, Project, run_program
from tests.conftest import MANAGEMENT_ACCOUNT, ORG_ID, Plan, run_baseline

FIXTURE = Path(__file__).parent / "fixtures" / "standalone" / "resources.json"
MANAGEMENT, LOG_ARCHIVE, AUDIT = "999988887777", "222233334444", "555566667777"


def _resources(plan: Plan) -> list:
    return sorted([r.type, r.name] for r in plan.registrations)


@pytest.mark.parametrize("case", ["dev", "defaults", "organization"])
def test_standalone_plans_exactly_as_before_account_roles(case):
    """The lists were recorded (tests/fixtures/standalone/record.py) from the code before accountRole existed."""
    recorded = json.loads(FIXTURE.read_text())[case]
    if case == "dev":
        project = Project.load(Path(__file__).parent.parent)
        config, secrets = project.stack_config("dev")
        plan = Plan(run_program(project, "dev", config, secrets))
    elif case == "defaults":
        plan = run_baseline({"accountRole": "standalone"})
    else:
        plan = run_baseline({"organizationTrail": True, "organizationId": ORG_ID, "organizationConfig": True,
                             "cloudWatchLogs": True, "regions": ["us-east-1", "eu-west-1"]}, account=MANAGEMENT_ACCOUNT)
    assert _resources(plan) == recorded


def _problems(settings, **kw):
    with pytest.raises(ProgramConfigError) as error:
        run_baseline(settings, **kw)
    return str(error.value)


def test_account_role_names_what_is_allowed():
    message = _problems({"accountRole": "member"})
    assert ("audit-baseline:accountRole: 'member' is not valid; expected one of standalone, log-archive, "
            "management, audit") in message


def test_organization_role_needs_its_accounts():
    message = _problems({"accountRole": "log-archive"})
    assert "audit-baseline:organizationId: required with accountRole 'log-archive'; expected o-[a-z0-9]{10,32}" in message
    assert "audit-baseline:managementAccountId: required with accountRole 'log-archive'" in message
    assert "audit-baseline:auditAccountId: required with accountRole 'log-archive'" in message


def test_standalone_refuses_organization_keys():
    message = _problems({"auditAccountId": AUDIT})
    assert ("audit-baseline:auditAccountId: set but audit-baseline:accountRole is 'standalone'; expected "
            "accountRole log-archive, management or audit, or remove auditAccountId") in message


def test_management_needs_the_log_archive():
    message = _problems({"accountRole": "management", "organizationId": ORG_ID, "managementAccountId": MANAGEMENT,
                         "logArchiveAccountId": LOG_ARCHIVE}, account=MANAGEMENT_ACCOUNT)
    assert ("audit-baseline:logArchiveStack: required with accountRole 'management' unless both logArchiveBucketName "
            "and logArchiveKeyArn are set") in message


ORG_ACCOUNT = {"organization": {"id": ORG_ID, "managementAccountId": MANAGEMENT}, "serviceLinkedRoles": []}
ROLE_SETTINGS = {"organizationId": ORG_ID, "managementAccountId": MANAGEMENT, "auditAccountId": AUDIT}


def _log_archive_plan(**extra) -> Plan:
    return run_baseline({"accountRole": "log-archive", **ROLE_SETTINGS, **extra},
                        account={"accountId": LOG_ARCHIVE, **ORG_ACCOUNT}, defaults={})


TRAIL = f"arn:aws:cloudtrail:us-east-1:{MANAGEMENT}:trail/audit-trail"
READER = f"arn:aws:iam::{AUDIT}:role/audit-baseline-investigator"
IN_ORG_READER = {"ArnEquals": {"aws:PrincipalArn": READER}, "StringEquals": {"aws:PrincipalOrgID": ORG_ID}}


def test_log_archive_bucket_admits_exactly_the_trail_config_of_the_org_and_the_audit_role():
    plan = _log_archive_plan()
    bucket = plan.one("aws:s3/bucket:Bucket", "audit-logs")
    arn = f"arn:aws:s3:::{bucket.inputs['bucket']}"
    policy = plan.statements(plan.one("aws:s3/bucketPolicy:BucketPolicy", "audit-logs-policy"))
    cfg, ct = {"Service": "config.amazonaws.com"}, {"Service": "cloudtrail.amazonaws.com"}
    org = {"aws:SourceOrgID": ORG_ID}
    assert policy == {
        "DenyInsecureTransport": {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*",
                                  "Action": "s3:*", "Resource": [arn, f"{arn}/*"],
                                  "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        "CloudTrailAclCheck": {"Sid": "CloudTrailAclCheck", "Effect": "Allow", "Principal": ct,
                               "Action": "s3:GetBucketAcl", "Resource": arn,
                               "Condition": {"StringEquals": {"aws:SourceArn": TRAIL}}},
        "CloudTrailWrite": {"Sid": "CloudTrailWrite", "Effect": "Allow", "Principal": ct, "Action": "s3:PutObject",
                            "Resource": f"{arn}/AWSLogs/{MANAGEMENT}/*", "Condition": {"StringEquals": {
                                "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": TRAIL}}},
        "CloudTrailOrganizationWrite": {"Sid": "CloudTrailOrganizationWrite", "Effect": "Allow", "Principal": ct,
                                        "Action": "s3:PutObject", "Resource": f"{arn}/AWSLogs/{ORG_ID}/*",
                                        "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                                                                       "aws:SourceArn": TRAIL}}},
        "ConfigBucketPermissionsCheck": {"Sid": "ConfigBucketPermissionsCheck", "Effect": "Allow", "Principal": cfg,
                                         "Action": "s3:GetBucketAcl", "Resource": arn,
                                         "Condition": {"StringEquals": org}},
        "ConfigBucketExistenceCheck": {"Sid": "ConfigBucketExistenceCheck", "Effect": "Allow", "Principal": cfg,
                                       "Action": "s3:ListBucket", "Resource": arn, "Condition": {"StringEquals": org}},
        "ConfigBucketDelivery": {"Sid": "ConfigBucketDelivery", "Effect": "Allow", "Principal": cfg,
                                 "Action": "s3:PutObject", "Resource": f"{arn}/config/AWSLogs/*",
                                 "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", **org}}},
        "InvestigationRead": {"Sid": "InvestigationRead", "Effect": "Allow", "Principal": {
            "AWS": f"arn:aws:iam::{AUDIT}:root"}, "Action": ["s3:GetObject", "s3:GetBucketLocation", "s3:ListBucket"],
            "Resource": [arn, f"{arn}/*"], "Condition": IN_ORG_READER},
    }


def test_log_archive_key_admits_the_trail_config_of_the_org_and_the_audit_role():
    plan = _log_archive_plan()
    key = plan.statements(plan.one("aws:kms/key:Key", "audit-key"))
    ct, only_trail = {"Service": "cloudtrail.amazonaws.com"}, {"aws:SourceArn": TRAIL}
    assert key == {
        "EnableAccountRootAccess": {"Sid": "EnableAccountRootAccess", "Effect": "Allow",
                                    "Principal": {"AWS": f"arn:aws:iam::{LOG_ARCHIVE}:root"}, "Action": "kms:*",
                                    "Resource": "*"},
        "CloudTrailEncryptLogs": {"Sid": "CloudTrailEncryptLogs", "Effect": "Allow", "Principal": ct,
                                  "Action": "kms:GenerateDataKey*", "Resource": "*", "Condition": {
                                      "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn":
                                                     f"arn:aws:cloudtrail:*:{MANAGEMENT}:trail/*"},
                                      "StringEquals": only_trail}},
        "CloudTrailDescribeKey": {"Sid": "CloudTrailDescribeKey", "Effect": "Allow", "Principal": ct,
                                  "Action": "kms:DescribeKey", "Resource": "*",
                                  "Condition": {"StringEquals": only_trail}},
        "CloudTrailBucketKeyDecrypt": {"Sid": "CloudTrailBucketKeyDecrypt", "Effect": "Allow", "Principal": ct,
                                       "Action": "kms:Decrypt", "Resource": "*",
                                       "Condition": {"StringEquals": only_trail}},
        "ConfigUseOfKey": {"Sid": "ConfigUseOfKey", "Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"},
                           "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
                           "Condition": {"StringEquals": {"aws:SourceOrgID": ORG_ID}}},
        "InvestigationDecrypt": {"Sid": "InvestigationDecrypt", "Effect": "Allow",
                                 "Principal": {"AWS": f"arn:aws:iam::{AUDIT}:root"}, "Action": "kms:Decrypt",
                                 "Resource": "*", "Condition": IN_ORG_READER},
    }


def _admits_only_the_organization(statement) -> bool:
    """An Allow names a service tied to the trail or the organization, or an account tied to the organization."""
    condition = statement.get("Condition", {})
    principal = statement["Principal"]
    if "Service" in principal:
        return condition.get("StringEquals", {}).get("aws:SourceArn") == TRAIL or \
            condition.get("StringEquals", {}).get("aws:SourceOrgID") == ORG_ID
    return principal["AWS"] == f"arn:aws:iam::{LOG_ARCHIVE}:root" or \
        condition.get("StringEquals", {}).get("aws:PrincipalOrgID") == ORG_ID


def test_no_log_archive_statement_admits_a_principal_outside_the_organization():
    plan = _log_archive_plan(objectLockMode="COMPLIANCE")
    documents = [*plan.of_type("aws:s3/bucketPolicy:BucketPolicy"), *plan.of_type("aws:kms/key:Key")]
    allows = [s for d in documents for s in plan.statements(d).values() if s["Effect"] == "Allow"]
    access_logs = [s for s in allows if s["Sid"] == "S3ServerAccessLogsPolicy"]
    assert [s["Condition"]["StringEquals"] for s in access_logs] == [{"aws:SourceAccount": LOG_ARCHIVE}]
    assert [s["Sid"] for s in allows if s not in access_logs and not _admits_only_the_organization(s)] == []
    # with Object Lock, Config delivers to a bucket of its own, and the locked bucket admits no Config
    locked = plan.statements(plan.one("aws:s3/bucketPolicy:BucketPolicy", "audit-logs-policy"))
    config = plan.statements(plan.one("aws:s3/bucketPolicy:BucketPolicy", "audit-config-logs-policy"))
    assert not {"ConfigBucketDelivery"} & set(locked)
    assert set(config) == {"DenyInsecureTransport", "ConfigBucketPermissionsCheck", "ConfigBucketExistenceCheck",
                           "ConfigBucketDelivery", "InvestigationRead"}


def test_the_check_would_catch_a_statement_for_another_account():
    outside = {"Sid": "X", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
               "Action": "s3:GetObject", "Resource": "*"}
    assert not _admits_only_the_organization(outside)


ARCHIVE_BUCKET, ARCHIVE_KEY = "org-archive-bucket", f"arn:aws:kms:us-east-1:{LOG_ARCHIVE}:key/11111111-2222-3333-4444-555555555555"
MANAGEMENT_SETTINGS = {"accountRole": "management", **ROLE_SETTINGS, "logArchiveAccountId": LOG_ARCHIVE,
                       "recorder": "create", "logArchiveBucketName": ARCHIVE_BUCKET, "logArchiveKeyArn": ARCHIVE_KEY,
                       "regions": ["us-east-1", "eu-west-1"]}


def _management_plan(**extra) -> Plan:
    return run_baseline({**MANAGEMENT_SETTINGS, **extra}, account={"accountId": MANAGEMENT, **ORG_ACCOUNT},
                        defaults={})


def test_management_organization_trail_delivers_to_the_archive_with_its_key():
    plan = _management_plan(stackSetTargets=["r-ab12"])
    trail = plan.one("aws:cloudtrail/trail:Trail").inputs
    assert (trail["name"], trail["isOrganizationTrail"], trail["s3BucketName"], trail["kmsKeyId"]) == (
        "audit-trail", True, ARCHIVE_BUCKET, ARCHIVE_KEY)
    assert trail["enableLogFileValidation"] is True and trail["isMultiRegionTrail"] is True
    # no bucket or key of its own: everything is in the log archive
    assert plan.of_type("aws:s3/bucket:Bucket") == [] and plan.of_type("aws:kms/key:Key") == []
    admins = sorted((r.inputs["accountId"], r.inputs.get("servicePrincipal", "cloudtrail")) for r in [
        *plan.of_type("aws:organizations/delegatedAdministrator:DelegatedAdministrator"),
        *plan.of_type("aws:cloudtrail/organizationDelegatedAdminAccount:OrganizationDelegatedAdminAccount")])
    assert admins == [(AUDIT, "cloudtrail"), (AUDIT, "config-multiaccountsetup.amazonaws.com"),
                      (AUDIT, "config.amazonaws.com")]
    channels = {r.name: (r.inputs["s3BucketName"], r.inputs["s3KmsKeyArn"])
                for r in plan.of_type("aws:cfg/deliveryChannel:DeliveryChannel")}
    assert channels == {"audit-config-us-east-1-channel": (ARCHIVE_BUCKET, ARCHIVE_KEY),
                        "audit-config-eu-west-1-channel": (ARCHIVE_BUCKET, ARCHIVE_KEY)}


@pytest.mark.parametrize("targets", [["r-ab12"], ["ou-ab12-11111111", "ou-ab12-22222222"]])
def test_member_recording_stack_set_is_service_managed_and_targets_the_root_or_ous(targets):
    plan = _management_plan(stackSetTargets=targets)
    stack_set = plan.one("aws:cloudformation/stackSet:StackSet").inputs
    assert (stack_set["permissionModel"], stack_set["autoDeployment"], stack_set["capabilities"]) == (
        "SERVICE_MANAGED", {"enabled": True, "retainStacksOnAccountRemoval": False}, ["CAPABILITY_IAM"])
    instances = {r.inputs["stackSetInstanceRegion"]: r.inputs["deploymentTargets"]
                 for r in plan.of_type("aws:cloudformation/stackSetInstance:StackSetInstance")}
    assert instances == {"us-east-1": {"organizationalUnitIds": targets},
                         "eu-west-1": {"organizationalUnitIds": targets}}


def test_stack_set_without_targets_and_without_a_root_to_look_up_is_a_clear_error():
    message = _problems(MANAGEMENT_SETTINGS, account={"accountId": MANAGEMENT, **ORG_ACCOUNT}, defaults={})
    assert ("audit-baseline:stackSetTargets: the organization's root could not be looked up; expected the root's "
            "id (r-...) or OU ids (ou-...)") in message


def _pulumi_recorder_as_cloudformation(plan: Plan, region_name: str) -> tuple[dict, dict]:
    recorder = plan.one("aws:cfg/recorder:Recorder", f"audit-config-{region_name}-recorder").inputs
    channel = plan.one("aws:cfg/deliveryChannel:DeliveryChannel", f"audit-config-{region_name}-channel").inputs
    return ({"Name": recorder["name"],
             "RecordingGroup": {"AllSupported": recorder["recordingGroup"]["allSupported"],
                                "IncludeGlobalResourceTypes": recorder["recordingGroup"]["includeGlobalResourceTypes"]},
             "RecordingMode": {"RecordingFrequency": recorder["recordingMode"]["recordingFrequency"]}},
            {"Name": channel["name"], "S3BucketName": channel["s3BucketName"], "S3KeyPrefix": channel["s3KeyPrefix"],
             "S3KmsKeyArn": channel["s3KmsKeyArn"], "ConfigSnapshotDeliveryProperties": {
                 "DeliveryFrequency": channel["snapshotDeliveryProperties"]["deliveryFrequency"]}})


@pytest.mark.parametrize("settings", [{}, {"recordingFrequency": "DAILY", "snapshotFrequency": "Six_Hours"}])
def test_stack_set_template_is_the_regional_recorder_rendered_as_cloudformation(settings):
    plan = _management_plan(stackSetTargets=["r-ab12"], **settings)
    template = json.loads(plan.one("aws:cloudformation/stackSet:StackSet").inputs["templateBody"])
    resources = template["Resources"]
    assert sorted(resources) == ["ConfigRole", "ConfigurationRecorder", "DeliveryChannel"]
    for region_name, home in (("us-east-1", True), ("eu-west-1", False)):
        recorder, channel = _pulumi_recorder_as_cloudformation(plan, region_name)
        rendered = json.loads(json.dumps(resources["ConfigurationRecorder"]["Properties"]))
        assert rendered.pop("RoleARN") == {"Fn::GetAtt": ["ConfigRole", "Arn"]}
        # the one template serves every region: the condition gives each region what its Pulumi recorder has
        condition = rendered["RecordingGroup"]["IncludeGlobalResourceTypes"]
        assert condition == {"Fn::If": ["RecordsGlobalTypes", True, False]}
        assert template["Conditions"]["RecordsGlobalTypes"] == {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}
        rendered["RecordingGroup"]["IncludeGlobalResourceTypes"] = home
        assert rendered == recorder
        assert resources["DeliveryChannel"]["Properties"] == channel
    assert resources["ConfigRole"]["Properties"]["ManagedPolicyArns"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AWS_ConfigRole"}]


def test_stack_set_template_passes_cfn_lint():
    from cfnlint.api import ManualArgs, lint
    plan = _management_plan(stackSetTargets=["r-ab12"])
    body = plan.one("aws:cloudformation/stackSet:StackSet").inputs["templateBody"]
    assert [str(m) for m in lint(body, config=ManualArgs(regions=["us-east-1", "eu-west-1"]))] == []
    broken = json.loads(body)
    broken["Resources"]["DeliveryChannel"]["Properties"]["S3Bucket"] = "typo"
    assert lint(json.dumps(broken), config=ManualArgs(regions=["us-east-1"])) != []


AUDIT_SETTINGS = {"accountRole": "audit", **ROLE_SETTINGS, "logArchiveAccountId": LOG_ARCHIVE,
                  "logArchiveBucketName": ARCHIVE_BUCKET, "logArchiveKeyArn": ARCHIVE_KEY}


def _audit_plan(**extra) -> Plan:
    return run_baseline({**AUDIT_SETTINGS, **extra}, account={"accountId": AUDIT, **ORG_ACCOUNT}, defaults={})


def test_audit_aggregates_the_organization_and_deploys_organization_rules():
    plan = _audit_plan()
    aggregator = plan.one("aws:cfg/configurationAggregator:ConfigurationAggregator").inputs
    assert aggregator["organizationAggregationSource"]["allRegions"] is True
    assert plan.of_type("aws:cfg/rule:Rule") == [] and plan.of_type("aws:cfg/recorder:Recorder") == []
    # the same organization rules and packs organizationConfig deploys from a standalone stack
    standalone_org = run_baseline({"organizationTrail": True, "organizationId": ORG_ID, "organizationConfig": True},
                                  account=MANAGEMENT_ACCOUNT)
    for kind in ("aws:cfg/organizationManagedRule:OrganizationManagedRule",
                 "aws:cfg/organizationConformancePack:OrganizationConformancePack"):
        ours = sorted(json.dumps({k: v for k, v in r.inputs.items() if k != "name"}, sort_keys=True)
                      for r in plan.of_type(kind))
        theirs = sorted(json.dumps({k: v for k, v in r.inputs.items() if k != "name"}, sort_keys=True)
                        for r in standalone_org.of_type(kind))
        assert ours == theirs and ours


def test_audit_investigates_the_archive_with_the_role_the_archive_admits():
    plan = _audit_plan()
    role = plan.one("aws:iam/role:Role", "audit-investigator").inputs
    assert f"arn:aws:iam::{AUDIT}:role/{role['name']}" == READER
    read = plan.statements(plan.one("aws:iam/rolePolicy:RolePolicy", "audit-investigator-read"))
    assert read["ReadArchive"]["Resource"] == [f"arn:aws:s3:::{ARCHIVE_BUCKET}", f"arn:aws:s3:::{ARCHIVE_BUCKET}/*"]
    assert read["DecryptArchive"]["Resource"] == ARCHIVE_KEY
    table = plan.one("aws:glue/catalogTable:CatalogTable").inputs
    assert table["storageDescriptor"]["location"] == f"s3://{ARCHIVE_BUCKET}/AWSLogs/{ORG_ID}/"
    # without the account list, every query names its account: never a silent subset
    assert table["parameters"]["projection.account.type"] == "injected"
    listed = _audit_plan(investigationAccounts=[MANAGEMENT, LOG_ARCHIVE, AUDIT])
    parameters = listed.one("aws:glue/catalogTable:CatalogTable").inputs["parameters"]
    assert (parameters["projection.account.type"], parameters["projection.account.values"]) == (
        "enum", f"{MANAGEMENT},{LOG_ARCHIVE},{AUDIT}")


def _example_tool():
    import importlib.util
    path = Path(__file__).parent.parent / "examples" / "organization_outputs.py"
    spec = importlib.util.spec_from_file_location("organization_outputs", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_stack_outputs_are_the_example_stacks_planned_outputs():
    tool = _example_tool()
    committed = json.loads((Path(__file__).parent.parent / "examples" / "organization-outputs.json").read_text())
    assert tool.all_outputs() == committed
    archive = committed["organization/audit-baseline/log-archive"]
    assert archive["logArchiveKeyArn"].startswith("arn:aws:kms:us-east-1:222233334444:key/")
    assert committed["organization/audit-baseline/management"]["trailArn"] == TRAIL


@pytest.mark.parametrize("stack, account_file", [("log-archive", "log-archive-account.json"),
                                                 ("management", "management-account.json"),
                                                 ("audit", "audit-account.json")])
def test_each_example_role_plans_with_no_mandatory_finding(pack, stack, account_file):
    from tests.conftest import all_verdicts
    tool = _example_tool()
    committed = json.loads((Path(__file__).parent.parent / "examples" / "organization-outputs.json").read_text())
    registrations, _ = tool.plan_example(stack, tool.account_of(account_file), committed)
    found = all_verdicts(pack, [r for r in registrations if r.custom])
    assert [v for v in found if v[1] == "mandatory"] == []
    # the references were resolved: the archive's bucket and key reach the management trail and audit table
    archive = committed["organization/audit-baseline/log-archive"]
    if stack == "management":
        trail = next(r for r in registrations if r.type == "aws:cloudtrail/trail:Trail").inputs
        assert (trail["s3BucketName"], trail["kmsKeyId"]) == (archive["logArchiveBucketName"],
                                                              archive["logArchiveKeyArn"])
        instances = [r.inputs["deploymentTargets"] for r in registrations
                     if r.type == "aws:cloudformation/stackSetInstance:StackSetInstance"]
        assert len(instances) == 2 and all(t["organizationalUnitIds"][0].startswith("r-") for t in instances)
    if stack == "audit":
        table = next(r for r in registrations if r.type == "aws:glue/catalogTable:CatalogTable").inputs
        assert table["storageDescriptor"]["location"] == f"s3://{archive['logArchiveBucketName']}/AWSLogs/{ORG_ID}/"


def test_a_setting_the_role_does_not_use_is_refused_not_ignored():
    message = _problems({**AUDIT_SETTINGS, "cloudWatchLogs": True, "objectLockMode": "COMPLIANCE"},
                        account={"accountId": AUDIT, **ORG_ACCOUNT}, defaults={})
    assert ("audit-baseline:cloudWatchLogs: has no effect with accountRole 'audit'; remove cloudWatchLogs, "
            "objectLockMode") in message


def test_management_alarms_on_the_organization_trail_log_group_under_a_key_of_its_own():
    plan = _management_plan(stackSetTargets=["r-ab12"], cloudWatchLogs=True, alertEmails=["sec@example.com"])
    group = plan.one("aws:cloudwatch/logGroup:LogGroup").inputs
    key = plan.one("aws:kms/key:Key", "audit-logs-key")
    assert group["kmsKeyId"] == f"arn:aws:kms:us-east-1:{MANAGEMENT}:key/{key.id}"
    statements = plan.statements(key)
    assert sorted(statements) == ["CloudWatchAlarmsPublishEncrypted", "CloudWatchLogsEncrypt", "EnableAccountRootAccess"]
    assert statements["CloudWatchLogsEncrypt"]["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    assert statements["CloudWatchLogsEncrypt"]["Condition"] == {"ArnLike": {
        "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:us-east-1:{MANAGEMENT}:log-group:"
                                              "/aws/cloudtrail/audit-trail/test/*"}}
    trail = plan.one("aws:cloudtrail/trail:Trail").inputs
    assert trail["kmsKeyId"] == ARCHIVE_KEY and trail["cloudWatchLogsGroupArn"].endswith(":*")
    alarms = plan.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    from cloudtrail.detections import DETECTIONS
    assert len(alarms) == len(DETECTIONS)
    topic = plan.one("aws:sns/topic:Topic").inputs
    assert topic["kmsMasterKeyId"] == group["kmsKeyId"]


def test_management_stops_when_the_archive_admits_another_trail():
    tool = _example_tool()
    outputs = json.loads((Path(__file__).parent.parent / "examples" / "organization-outputs.json").read_text())
    archive = dict(outputs["organization/audit-baseline/log-archive"])
    assert archive["organizationTrailArn"] == TRAIL
    registrations, _ = tool.plan_example("management", tool.account_of("management-account.json"), outputs)
    assert [r.inputs["s3BucketName"] for r in registrations if r.type == "aws:cloudtrail/trail:Trail"] == [
        archive["logArchiveBucketName"]]
    archive["organizationTrailArn"] = f"arn:aws:cloudtrail:eu-west-1:{MANAGEMENT}:trail/audit-trail"
    with pytest.raises(Exception) as error:
        tool.plan_example("management", tool.account_of("management-account.json"),
                          {"organization/audit-baseline/log-archive": archive})
    assert (f"audit-baseline:trailName: the log archive (organization/audit-baseline/log-archive) admits the "
            f"organization trail arn:aws:cloudtrail:eu-west-1:{MANAGEMENT}:trail/audit-trail, but this stack creates "
            f"{TRAIL}; expected the same trailName and aws:region in both stacks") in str(error.value)


def test_a_role_in_the_wrong_account_or_organization_is_a_clear_error():
    wrong_account = _problems(AUDIT_SETTINGS, account={"accountId": LOG_ARCHIVE, **ORG_ACCOUNT}, defaults={})
    assert (f"audit-baseline:accountRole: 'audit' deploys into account {AUDIT}, but the stack's credentials are "
            f"account {LOG_ARCHIVE}") in wrong_account
    other_org = {"organization": {"id": "o-zzzzzzzzzz", "managementAccountId": "123412341234"}}
    message = _problems({"accountRole": "log-archive", **ROLE_SETTINGS}, account={"accountId": LOG_ARCHIVE, **other_org},
                        defaults={})
    assert "audit-baseline:organizationId: 'o-a1b2c3d4e5' is not this account's organization; expected 'o-zzzzzzzzzz'" \
        in message
    assert (f"audit-baseline:managementAccountId: '{MANAGEMENT}' is not the management account of o-zzzzzzzzzz; "
            "expected '123412341234'") in message
    outside = _problems({"accountRole": "log-archive", **ROLE_SETTINGS}, account={"accountId": LOG_ARCHIVE},
                        defaults={})
    assert (f"audit-baseline:accountRole: 'log-archive' needs an account of an AWS Organization, but account "
            f"{LOG_ARCHIVE} could not look it up") in outside


def test_with_object_lock_members_deliver_config_to_the_archive_s_config_bucket():
    tool = _example_tool()
    outputs = json.loads((Path(__file__).parent.parent / "examples" / "organization-outputs.json").read_text())
    archive = dict(outputs["organization/audit-baseline/log-archive"], logArchiveConfigBucketName="archive-config-1")
    registrations, _ = tool.plan_example("management", tool.account_of("management-account.json"),
                                         {"organization/audit-baseline/log-archive": archive})
    channels = sorted(r.inputs["s3BucketName"] for r in registrations
                      if r.type == "aws:cfg/deliveryChannel:DeliveryChannel")
    assert channels == ["archive-config-1", "archive-config-1"]
    template = json.loads(next(r for r in registrations if r.type == "aws:cloudformation/stackSet:StackSet")
                          .inputs["templateBody"])
    assert template["Resources"]["DeliveryChannel"]["Properties"]["S3BucketName"] == "archive-config-1"
    trail = next(r for r in registrations if r.type == "aws:cloudtrail/trail:Trail").inputs
    assert trail["s3BucketName"] == archive["logArchiveBucketName"]
    # overridden by the setting, without a stack reference
    plan = _management_plan(stackSetTargets=["r-ab12"], logArchiveConfigBucketName="archive-config-2")
    assert sorted(r.inputs["s3BucketName"] for r in plan.of_type("aws:cfg/deliveryChannel:DeliveryChannel")) == [
        "archive-config-2", "archive-config-2"]
