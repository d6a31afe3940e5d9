"""The log-archive account's part of an organization's baseline: the bucket and key every account delivers to.

The bucket and key are today's ``LogBucket`` and ``AuditKey`` (Object Lock, access logging, lifecycle and
protection as for a standalone stack); only their policies differ. They admit exactly:

- the organization trail of the management account, by ``aws:SourceArn`` (the trail's ARN names the
  management account even when a delegated administrator creates it), writing under
  ``[prefix/]AWSLogs/<org-id>/*`` (the members' logs) and ``[prefix/]AWSLogs/<management-account>/*``
  (its own). CloudTrail user guide, "Amazon S3 bucket policy for CloudTrail" (organization trail example)
  and "Configure AWS KMS key policies for CloudTrail".
- AWS Config delivery from the organization's accounts only: the service principal ``config.amazonaws.com``
  with ``aws:SourceOrgID`` = the organization, as AWS Control Tower's log-archive bucket does (Control Tower
  user guide, "Amazon S3 bucket policy in the audit account": "An aws:SourceOrgID condition must be met for
  any write permissions"); Config delivers cross-account as its service principal when the bucket does not
  admit the recorder's role (AWS Config developer guide, "Permissions for the Amazon S3 Bucket for the AWS
  Config Delivery Channel"). ``aws:SourceOrgID`` is a global condition key set for requests a service makes
  on behalf of an account of an organization (IAM user guide, "AWS global condition context keys").
- reads by the audit account's investigation role only: principal the audit account, narrowed by
  ``aws:PrincipalArn`` to the role (the role may not exist yet when the policy is written: naming it as
  the principal would make S3 and KMS refuse the policy), and ``aws:PrincipalOrgID``.

No statement admits a principal outside the organization: every ``Allow`` is to a service principal with
``aws:SourceArn`` (a trail of the management account) or ``aws:SourceOrgID``, or to an account of the
organization with ``aws:PrincipalOrgID``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional

import pulumi

from . import naming, recorder, trail as trail_mod
from .audit_key import AuditKey, AuditKeyArgs
from .log_bucket import LogBucket, LogBucketArgs
from .policy_docs import allow
from .scope import Scope

READ_ACTIONS = ("s3:GetObject", "s3:GetBucketLocation", "s3:ListBucket")
CONFIG_SIDS = ("ConfigBucketPermissionsCheck", "ConfigBucketExistenceCheck", "ConfigBucketDelivery")


def organization_trail_arn(partition: str, region: str, management_account_id: str, trail_name: str) -> str:
    """``arn:<partition>:cloudtrail:<home region>:<management account>:trail/<name>``: the organization trail."""
    return f"arn:{partition}:cloudtrail:{region}:{management_account_id}:trail/{trail_name}"


def role_arn(partition: str, account_id: str, role_name: str) -> str:
    return f"arn:{partition}:iam::{account_id}:role/{role_name}"


@dataclass
class LogArchiveArgs:
    """Who delivers to the archive and who reads it (plain values: the stack's settings)."""

    partition: str
    account_id: str
    """The log-archive account (the caller's)."""
    organization_id: str
    management_account_id: str
    audit_account_id: str
    trail_arn: str
    """The organization trail (``organization_trail_arn``)."""
    reader_role_arn: str
    """The audit account's investigation role (``role_arn``)."""
    log_prefix: str = ""
    object_lock_mode: Optional[str] = None
    object_lock_days: int = 365
    glacier_after_days: int = 90
    expire_after_days: int = 2557
    access_logging: bool = True
    key_alias: Optional[str] = None
    protect: bool = True
    retain_on_delete: bool = True
    tags: Mapping[str, str] = field(default_factory=dict)


def _investigator(a: LogArchiveArgs, actions, resources) -> tuple:
    """Principal, actions, resources and condition of a statement for the audit account's investigation role only."""
    return ({"AWS": f"arn:{a.partition}:iam::{a.audit_account_id}:root"}, actions, resources,
            {"ArnEquals": {"aws:PrincipalArn": a.reader_role_arn},
             "StringEquals": {"aws:PrincipalOrgID": a.organization_id}})


def bucket_statements(bucket_arn, a: LogArchiveArgs) -> list[dict]:
    """The log-archive bucket's statements besides ``DenyInsecureTransport`` (which ``LogBucket`` adds)."""
    return [
        *trail_mod.bucket_statements(bucket_arn, trail=a.trail_arn, account_id=a.management_account_id,
                                     prefix=a.log_prefix, organization_id=a.organization_id),
        *recorder.bucket_statements(bucket_arn, organization_id=a.organization_id),
        allow("InvestigationRead", *_investigator(a, list(READ_ACTIONS),
                                                  [bucket_arn, pulumi.Output.concat(bucket_arn, "/*")])),
    ]


def key_statements(a: LogArchiveArgs) -> list[dict]:
    """The log-archive key's statements besides the account root's (which ``AuditKey`` adds)."""
    scope = Scope(account_id=a.account_id, partition=a.partition, region="", trail_account_id=a.management_account_id)
    trail = [s for s in trail_mod.key_statements(scope, trail=a.trail_arn) if s["Sid"] != "LogReadersDecrypt"]
    return [
        *trail,
        *recorder.key_statements(organization_id=a.organization_id),
        allow("InvestigationDecrypt", *_investigator(a, "kms:Decrypt", "*")),
    ]


class LogArchive(pulumi.ComponentResource):
    """The organization's log bucket (with its access-log bucket) and key in the log-archive account."""

    def __init__(self, name: str, args: LogArchiveArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("audit-baseline:organization:LogArchive", name, None, opts)
        from .baseline import access_logs
        child = pulumi.ResourceOptions(parent=self)
        tags = {"audit-baseline": "true", **args.tags}
        kept = dict(protect=args.protect, retain_on_delete=args.retain_on_delete, tags=tags)
        self.key = AuditKey(f"{name}-key", AuditKeyArgs(
            account_id=args.account_id, partition=args.partition, alias=args.key_alias,
            statements=key_statements(args), description="Encrypts the organization's audit logs (log archive)",
            **kept), opts=child)
        # AWS Config cannot deliver to a bucket with Object Lock: with a lock, Config gets a bucket of its own.
        locked = args.object_lock_mode is not None

        def trail_part(arn):
            return [s for s in bucket_statements(arn, args) if not (locked and s["Sid"] in CONFIG_SIDS)]

        def config_part(arn):
            return [s for s in bucket_statements(arn, args) if s["Sid"] in CONFIG_SIDS or s["Sid"] == "InvestigationRead"]

        lifecycle = dict(glacier_after_days=args.glacier_after_days, expire_after_days=args.expire_after_days)
        self.bucket = LogBucket(f"{name}-logs", LogBucketArgs(
            kms_key_arn=self.key.arn, object_lock_mode=args.object_lock_mode, object_lock_days=args.object_lock_days,
            policy_statements=[trail_part], **lifecycle, **kept), opts=child)
        self.config_bucket = LogBucket(f"{name}-config-logs", LogBucketArgs(
            kms_key_arn=self.key.arn, policy_statements=[config_part], **lifecycle, **kept),
            opts=child) if locked else self.bucket
        self.access_log_bucket = None
        if args.access_logging:
            logged = [(f"{name}-logs", self.bucket, "s3-access/")]
            if self.config_bucket is not self.bucket:
                logged.append((f"{name}-config-logs", self.config_bucket, "s3-access-config/"))
            self.access_log_bucket, self.bucket_logging = access_logs(self, name, logged, args.account_id,
                                                                      **lifecycle, **kept)
        self.outputs = {
            "logArchiveBucketName": self.bucket.bucket_name,
            "logArchiveBucketArn": self.bucket.arn,
            "logArchiveConfigBucketName": self.config_bucket.bucket_name,
            "logArchiveKeyArn": self.key.arn,
            "logArchiveAccountId": args.account_id,
            "organizationTrailArn": args.trail_arn,
            "investigationRoleArn": args.reader_role_arn,
            "organizationId": args.organization_id,
            "accessLogBucketName": self.access_log_bucket.bucket_name if self.access_log_bucket else None,
        }
        self.register_outputs(self.outputs)


def from_settings(name: str, s, env) -> LogArchive:
    """The ``log-archive`` role's component from validated settings and the looked-up account."""
    slug = naming.stack_slug()
    return LogArchive(name, LogArchiveArgs(
        partition=env.partition, account_id=env.account_id, organization_id=s.organization_id,
        management_account_id=s.management_account_id, audit_account_id=s.audit_account_id,
        trail_arn=organization_trail_arn(env.partition, s.region, s.management_account_id, s.trail_name),
        reader_role_arn=role_arn(env.partition, s.audit_account_id, s.investigation_role_name),
        log_prefix=s.log_prefix, object_lock_mode=s.object_lock_mode if s.object_lock else None,
        object_lock_days=s.object_lock_days, glacier_after_days=s.glacier_after_days,
        expire_after_days=s.expire_after_days, access_logging=s.access_logging,
        key_alias=naming.key_alias(f"log-archive-{s.trail_name}", slug), protect=s.protect_audit_data,
        retain_on_delete=s.retain_on_delete, tags=s.tags))
