"""The management and audit accounts' parts of an organization's baseline, and the dispatch by ``accountRole``.

- ``log-archive`` (``components.log_archive``): the bucket and key everything delivers to.
- ``management``: the organization trail, delivering cross-account into the log archive with its key; the
  delegated administrators (CloudTrail's own ``OrganizationDelegatedAdminAccount``; AWS Config's
  ``config.amazonaws.com`` and ``config-multiaccountsetup.amazonaws.com`` through Organizations); the
  management account's own recorder (service-managed StackSets never deploy to the management account:
  CloudFormation API reference, "DeploymentTargets"); and the member-recording
  StackSet (``member_recording_template``), service-managed with automatic deployment, on the organization's
  root or the OUs given, in every Config region.
- ``audit``: the organization aggregator, organization rules and conformance packs (``AuditConfig`` in
  organization mode, as ``organizationConfig`` deploys them), the investigation role that alone reads the
  archive, and Athena over the archive's organization-trail logs.

Values one stack needs from another come from the log-archive stack's outputs (``pulumi.StackReference``
named by ``logArchiveStack``) unless a setting overrides them.
"""
from __future__ import annotations

import json
from typing import Optional

import pulumi
import pulumi_aws as aws

from . import alerting as alerting_mod, naming, recorder as recorder_mod, trail as trail_mod
from .alerting import Alerting, AlertingArgs
from .audit_key import AuditKey, AuditKeyArgs
from .config import AuditConfig, service_linked_role
from .environment import Environment, discover
from .investigation import Investigation, InvestigationArgs
from .log_archive import READ_ACTIONS, from_settings as log_archive_from_settings, organization_trail_arn, role_arn
from .policy_docs import render
from .scope import Scope
from .settings import NAMESPACE, Settings, SettingsError
from .trail import AuditTrail, AuditTrailArgs

CONFIG_PRINCIPALS = ("config.amazonaws.com", "config-multiaccountsetup.amazonaws.com")
STACK_SET_NAME = "audit-baseline-member-recording"


def organization_part(name: str, settings: Settings) -> pulumi.ComponentResource:
    """The component of the stack's ``accountRole`` (not ``standalone``); it has ``outputs``."""
    env = discover(settings)
    org = _organization(settings, env)
    if settings.account_role == "log-archive":
        return log_archive_from_settings(name, settings, env)
    if settings.account_role == "management":
        return OrganizationManagement(name, settings, env, org)
    return OrganizationAudit(name, settings, env)


def _organization(s: Settings, env: Environment):
    """The caller's organization, checked against ``organizationId`` and ``managementAccountId``."""
    try:
        org = aws.organizations.get_organization()
    except Exception as error:  # AWSOrganizationsNotInUseException, AccessDenied, ...
        raise SettingsError([f"{NAMESPACE}:accountRole: '{s.account_role}' needs an account of an AWS Organization, "
                             f"but account {env.account_id} could not look it up ({str(error).splitlines()[0]})"]
                            ) from None
    problems = []
    if org.id != s.organization_id:
        problems.append(f"{NAMESPACE}:organizationId: '{s.organization_id}' is not this account's organization; "
                        f"expected '{org.id}'")
    if org.master_account_id != s.management_account_id:
        problems.append(f"{NAMESPACE}:managementAccountId: '{s.management_account_id}' is not the management "
                        f"account of {org.id}; expected '{org.master_account_id}'")
    expected = {"management": s.management_account_id, "log-archive": None, "audit": s.audit_account_id}
    if expected.get(s.account_role) and env.account_id != expected[s.account_role]:
        problems.append(f"{NAMESPACE}:accountRole: '{s.account_role}' deploys into account "
                        f"{expected[s.account_role]}, but the stack's credentials are account {env.account_id}")
    if problems:
        raise SettingsError(problems)
    return org


def log_archive_values(s: Settings, trail_arn: Optional[str] = None) -> tuple[pulumi.Input[str], pulumi.Input[str],
                                                                            pulumi.Input[str]]:
    """The archive's bucket name, key ARN and Config bucket name (``logArchiveConfigBucketName``: a bucket of its
    own when the archive has Object Lock, which Config cannot deliver to): the settings, else the log-archive
    stack's outputs.

    With ``trail_arn`` (the management stack's organization trail) and a log-archive stack that exports
    ``organizationTrailArn``, the bucket name carries a check that the archive admits this very trail: a
    different trail name, prefix or region would make CloudTrail's delivery fail ("Incorrect S3 bucket policy
    is detected") long after ``pulumi up``; the mismatch stops the update before the trail is created."""
    reference = pulumi.StackReference(s.log_archive_stack) if s.log_archive_stack and not (
        s.log_archive_bucket_name and s.log_archive_key_arn) else None
    bucket = s.log_archive_bucket_name or reference.require_output("logArchiveBucketName")
    key = s.log_archive_key_arn or reference.require_output("logArchiveKeyArn")
    config_bucket = s.log_archive_config_bucket_name or (pulumi.Output.all(
        reference.get_output("logArchiveConfigBucketName"), bucket).apply(lambda v: v[0] or v[1])
        if reference is not None else bucket)
    if reference is not None and trail_arn is not None:
        def checked(values):
            name, admitted = values
            if admitted is not None and admitted != trail_arn:
                raise SettingsError([f"{NAMESPACE}:trailName: the log archive ({s.log_archive_stack}) admits the "
                                     f"organization trail {admitted}, but this stack creates {trail_arn}; expected "
                                     "the same trailName and aws:region in both stacks"])
            return name
        bucket = pulumi.Output.all(bucket, reference.get_output("organizationTrailArn")).apply(checked)
    return bucket, key, config_bucket


def member_recording_template(s: Settings, bucket_name: str, kms_key_arn: str) -> dict:
    """The StackSet's template: per region, a Config role and ``recorder.definition`` rendered by
    ``recorder.cloudformation_resources``; the global (IAM) types only in ``Settings.iam_region``.

    The role is unnamed (CloudFormation names it per stack instance, so the regions never collide), trusts
    ``config.amazonaws.com`` for this account only (``aws:SourceAccount``) and has AWS_ConfigRole; delivery
    to the archive goes through Config's service principal, which the archive admits by ``aws:SourceOrgID``."""
    d = recorder_mod.definition(home=True, recording_frequency=s.recording_frequency,
                                snapshot_frequency=s.snapshot_frequency)
    resources = recorder_mod.cloudformation_resources(d, role_arn={"Fn::GetAtt": ["ConfigRole", "Arn"]},
                                                      bucket_name=bucket_name, kms_key_arn=kms_key_arn)
    group = resources["ConfigurationRecorder"]["Properties"]["RecordingGroup"]
    group["IncludeGlobalResourceTypes"] = {"Fn::If": ["RecordsGlobalTypes", True, False]}
    role = {"Type": "AWS::IAM::Role", "Properties": {
        "Description": "AWS Config records with this role (audit baseline, member account)",
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}}]},
        "ManagedPolicyArns": [{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AWS_ConfigRole"}]}}
    return {"AWSTemplateFormatVersion": "2010-09-09",
            "Description": "AWS Config recorder and delivery channel to the organization's log archive",
            "Conditions": {"RecordsGlobalTypes": {"Fn::Equals": [{"Ref": "AWS::Region"}, s.iam_region]}},
            "Resources": {"ConfigRole": role, **resources}}


class OrganizationManagement(pulumi.ComponentResource):
    """The management account's part: organization trail, delegated administrators, own recorder, StackSet."""

    def __init__(self, name: str, s: Settings, env: Environment, org, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("audit-baseline:organization:Management", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = {"audit-baseline": "true", **s.tags}
        scope = Scope(account_id=env.account_id, partition=env.partition, region=s.region)
        bucket, key, config_bucket = log_archive_values(s, trail_arn=organization_trail_arn(
            env.partition, s.region, env.account_id, s.trail_name))
        slug = naming.stack_slug()

        # CloudTrail's delegated administrator is the audit account; Config's too (both principals).
        self.trail_admin = aws.cloudtrail.OrganizationDelegatedAdminAccount(
            f"{name}-cloudtrail-admin", account_id=s.audit_account_id, opts=child)
        self.config_admins = [aws.organizations.DelegatedAdministrator(
            f"{name}-{principal.split('.')[0]}-admin", account_id=s.audit_account_id, service_principal=principal,
            opts=child) for principal in CONFIG_PRINCIPALS]

        # With cloudWatchLogs the trail also delivers to a log group of this account (the trail's owner), under
        # a key of this account: CloudWatch Logs and the alarm topic use it, the archive's key stays for S3.
        log_group_prefix = naming.log_group_prefix(s.trail_name, slug)
        self.logs_key = AuditKey(f"{name}-logs-key", AuditKeyArgs(
            account_id=env.account_id, partition=env.partition, alias=naming.key_alias(f"{s.trail_name}-logs", slug),
            statements=[*(st for st in trail_mod.key_statements(
                scope, trail=trail_mod.trail_arn(scope, s.trail_name), cloud_watch_logs=True,
                log_group_prefix=log_group_prefix) if st["Sid"] == "CloudWatchLogsEncrypt"),
                *(alerting_mod.key_statements(env.account_id) if s.alerting_on else [])],
            description="Encrypts the organization trail's CloudWatch Logs group and alarm topic",
            protect=s.protect_audit_data, retain_on_delete=s.retain_on_delete, tags=tags),
            opts=child) if s.cloud_watch_logs else None
        self.trail = AuditTrail(f"{name}-trail", AuditTrailArgs(
            scope=scope, name=s.trail_name, bucket_name=bucket, kms_key_arn=key, log_prefix=s.log_prefix,
            organization_trail=True, data_event_buckets=s.data_event_buckets, data_events_lambda=s.data_events_lambda,
            insights=s.insights, cloud_watch_logs=s.cloud_watch_logs, log_retention_days=s.log_retention_days,
            log_group_kms_key_arn=self.logs_key.arn if self.logs_key else None, log_group_prefix=log_group_prefix,
            protect=s.protect_audit_data, retain_on_delete=s.retain_on_delete, tags=tags), opts=child)
        from cloudtrail.detections import DETECTIONS
        self.alerting = Alerting(f"{name}-alerting", AlertingArgs(
            scope=scope, log_group_name=self.trail.log_group.name, kms_key_arn=self.logs_key.arn,
            detections=[d.name for d in DETECTIONS if d.name not in s.disabled_detections],
            emails=s.alert_emails, https_endpoints=s.alert_https_endpoints, tags=tags, slug=slug),
            opts=child) if s.alerting_on else None

        # The management account's own recorder (no StackSet reaches it), delivering to the archive.
        self.recorders = {}
        if s.config and s.recorder == "create":
            role = service_linked_role(self, f"{name}-config", scope, env.config_role_exists)
            for region in s.config_regions:
                self.recorders[region] = recorder_mod.RegionalRecorder(
                    f"{name}-config-{region}", recorder_mod.RegionalRecorderArgs(
                        region=None if region == s.region else region, home=region == s.iam_region, role_arn=role,
                        bucket_name=config_bucket, kms_key_arn=key, account_id=env.account_id,
                        recording_frequency=s.recording_frequency, snapshot_frequency=s.snapshot_frequency,
                        tags=tags), opts=child)

        # Every member, present and future: a service-managed StackSet with automatic deployment.
        targets = list(s.stack_set_targets) or [r.id for r in (org.roots or [])]
        if not targets:
            raise SettingsError([f"{NAMESPACE}:stackSetTargets: the organization's root could not be looked up; "
                                 "expected the root's id (r-...) or OU ids (ou-...)"])
        template = pulumi.Output.all(config_bucket, key).apply(
            lambda v: json.dumps(member_recording_template(s, v[0], v[1]), indent=1, sort_keys=True))
        self.stack_set = aws.cloudformation.StackSet(
            f"{name}-member-recording", name=f"{STACK_SET_NAME}-{slug}", permission_model="SERVICE_MANAGED",
            auto_deployment=aws.cloudformation.StackSetAutoDeploymentArgs(
                enabled=True, retain_stacks_on_account_removal=False),
            capabilities=["CAPABILITY_IAM"], template_body=template,
            managed_execution=aws.cloudformation.StackSetManagedExecutionArgs(active=True),
            description="AWS Config in every member account, delivering to the organization's log archive",
            tags=tags, opts=child)
        self.stack_set_instances = [aws.cloudformation.StackSetInstance(
            f"{name}-member-recording-{region}", stack_set_name=self.stack_set.name, stack_set_instance_region=region,
            deployment_targets=aws.cloudformation.StackSetInstanceDeploymentTargetsArgs(
                organizational_unit_ids=targets), opts=child) for region in s.config_regions]
        self.outputs = {"trailArn": self.trail.arn, "organizationId": s.organization_id,
                        "logGroupName": self.trail.log_group.name if self.trail.log_group else None,
                        "alarmTopicArn": self.alerting.topic.arn if self.alerting else None,
                        "memberRecordingStackSet": self.stack_set.name}
        self.register_outputs(self.outputs)


class OrganizationAudit(pulumi.ComponentResource):
    """The audit account's part: organization aggregator, rules and packs; the investigation role and Athena."""

    def __init__(self, name: str, s: Settings, env: Environment, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("audit-baseline:organization:Audit", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = {"audit-baseline": "true", **s.tags}
        scope = Scope(account_id=env.account_id, partition=env.partition, region=s.region)
        bucket, archive_key, _ = log_archive_values(s)
        slug = naming.stack_slug()
        bucket_arn = pulumi.Output.concat("arn:", env.partition, ":s3:::", bucket)
        # Query results stay in this account, under a key of its own.
        self.key = AuditKey(f"{name}-key", AuditKeyArgs(
            account_id=env.account_id, partition=env.partition, alias=naming.key_alias("investigation", slug),
            description="Encrypts the audit account's investigation results", protect=s.protect_audit_data,
            retain_on_delete=s.retain_on_delete, tags=tags), opts=child)
        # Organization rules, packs and aggregator exactly as organizationConfig deploys them; the members'
        # recorders come from the management account's StackSet, so this stack keeps the recorder it finds.
        org_settings = s.model_copy(update={"organization_config": True, "recorder": "existing",
                                            "aggregator": "organization"})
        self.config = AuditConfig(
            f"{name}-config", org_settings, scope=scope, environment=env, slug=slug, bucket_name=bucket,
            bucket_arn=bucket_arn, bucket_kms_key_arn=archive_key, audit_key_arn=self.key.arn, tags=tags,
            opts=child) if s.config else None
        reader = role_arn(env.partition, env.account_id, s.investigation_role_name)
        self.role = aws.iam.Role(
            f"{name}-investigator", name=s.investigation_role_name,
            description="Reads the organization's log archive (the only role the archive admits)",
            assume_role_policy=render([{"Effect": "Allow", "Principal": {"AWS": scope.root_arn},
                                        "Action": "sts:AssumeRole"}]), tags=tags, opts=child)
        self.role_policy = aws.iam.RolePolicy(f"{name}-investigator-read", role=self.role.id, policy=render([
            {"Sid": "ReadArchive", "Effect": "Allow", "Action": list(READ_ACTIONS),
             "Resource": [bucket_arn, pulumi.Output.concat(bucket_arn, "/*")]},
            {"Sid": "DecryptArchive", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": archive_key}]),
            opts=child)
        self.investigation = Investigation(f"{name}-investigation", InvestigationArgs(
            logs_bucket=bucket, account_id=env.account_id, regions=s.config_regions, kms_key_arn=self.key.arn,
            log_prefix=s.log_prefix, organization_id=s.organization_id, accounts=s.investigation_accounts,
            bytes_scanned_cutoff=s.bytes_scanned_cutoff, tags=tags, workgroup_name=naming.workgroup(slug),
            database_name=naming.glue_database(slug)), opts=child) if s.investigation else None
        if self.investigation is not None:
            inv = self.investigation
            region_account = pulumi.Output.concat(":", s.region, ":", env.account_id, ":")
            glue = lambda resource: pulumi.Output.concat("arn:", env.partition, ":glue", region_account, resource)
            self.query_policy = aws.iam.RolePolicy(f"{name}-investigator-query", role=self.role.id, policy=render([
                {"Sid": "RunQueries", "Effect": "Allow", "Resource": inv.workgroup.arn, "Action": [
                    "athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults",
                    "athena:StopQueryExecution", "athena:GetWorkGroup", "athena:GetNamedQuery",
                    "athena:ListNamedQueries", "athena:GetPreparedStatement", "athena:ListPreparedStatements"]},
                {"Sid": "ReadTable", "Effect": "Allow", "Action": ["glue:GetDatabase", "glue:GetTable",
                                                                    "glue:GetPartitions"],
                 "Resource": [glue("catalog"), pulumi.Output.concat(glue("database/"), inv.database.name),
                              pulumi.Output.concat(glue("table/"), inv.database.name, "/", inv.table.name)]},
                {"Sid": "WriteResults", "Effect": "Allow", "Action": [
                    "s3:GetObject", "s3:PutObject", "s3:GetBucketLocation", "s3:ListBucket"],
                 "Resource": [inv.results.arn, pulumi.Output.concat(inv.results.arn, "/*")]},
                {"Sid": "EncryptResults", "Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                 "Resource": self.key.arn}]), opts=child)
        self.outputs = {"investigationRoleArn": reader,
                        "athenaWorkgroup": self.investigation.workgroup.name if self.investigation else None}
        self.register_outputs(self.outputs)
