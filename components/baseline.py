"""AuditBaseline: the whole audit setup, composed from validated settings."""
from __future__ import annotations

from typing import Optional

import pulumi
import pulumi_aws as aws

from . import naming, recorder as recorder_mod, trail as trail_mod
from .audit_key import AuditKey, AuditKeyArgs
from . import alerting as alerting_mod
from .alerting import Alerting, AlertingArgs
from .config import AuditConfig
from .environment import Environment, discover
from .investigation import Investigation, InvestigationArgs
from .guardrails import AccountGuardrails
from .log_bucket import LogBucket, LogBucketArgs
from .policy_docs import allow, service
from .scope import Scope
from .settings import Settings
from .trail import AuditTrail, AuditTrailArgs


def access_log_statements(source_bucket_arns, account_id):
    """Server access logs are written by the S3 logging service for these source buckets only."""
    sources = list(source_bucket_arns)

    def statements(target_arn):
        return [allow("S3ServerAccessLogsPolicy", service("logging.s3.amazonaws.com"), "s3:PutObject",
                      pulumi.Output.concat(target_arn, "/*"),
                      {"ArnLike": {"aws:SourceArn": sources[0] if len(sources) == 1 else sources},
                       "StringEquals": {"aws:SourceAccount": account_id}})]
    return statements


def access_logs(parent: pulumi.Resource, name: str, logged, account_id, **bucket_args) -> tuple[LogBucket, dict]:
    """One access-log bucket for ``logged`` (``(name, LogBucket, target prefix)`` each): SSE-S3 and no Object Lock,
    as the logging service needs; and each source's ``BucketLogging`` into it, by source name."""
    target = LogBucket(f"{name}-access-logs", LogBucketArgs(
        kms_key_arn=None, policy_statements=[access_log_statements([b.arn for _, b, _ in logged], account_id)],
        **bucket_args), opts=pulumi.ResourceOptions(parent=parent))
    after_policy = pulumi.ResourceOptions(parent=parent, depends_on=[target.policy])
    return target, {source: aws.s3.BucketLogging(
        f"{source}-access-logging", bucket=bucket.bucket.id, target_bucket=target.bucket.id, target_prefix=prefix,
        opts=after_policy) for source, bucket, prefix in logged}


class AuditBaseline(pulumi.ComponentResource):
    """CloudTrail with its hardened bucket and key, access logging, AWS Config and account guardrails."""

    def __init__(self, name: str, settings: Settings, opts: Optional[pulumi.ResourceOptions] = None,
                 environment: Optional[Environment] = None):
        # The account is looked up first: a mismatch is a SettingsError before anything is registered.
        env = environment or discover(settings)
        super().__init__("audit-baseline:index:AuditBaseline", name, None, opts)
        s = settings
        slug = naming.stack_slug()
        scope = Scope(account_id=env.account_id, partition=env.partition, region=s.region,
                      trail_account_id=env.trail_account_id)
        trail_arn = trail_mod.trail_arn(scope, s.trail_name)
        tags = {"audit-baseline": "true", **s.tags}
        kept = dict(protect=s.protect_audit_data, retain_on_delete=s.retain_on_delete, tags=tags)
        child = pulumi.ResourceOptions(parent=self)

        # AWS Config cannot deliver to a bucket with Object Lock: then it gets a bucket of its own.
        config_shares_bucket = s.config and not s.object_lock
        self.key = AuditKey(f"{name}-key", AuditKeyArgs(
            account_id=scope.account_id, partition=scope.partition, alias=naming.key_alias(s.trail_name, slug),
            statements=[*trail_mod.key_statements(
                scope, trail=trail_arn, readers=s.log_readers, cloud_watch_logs=s.cloud_watch_logs,
                log_group_prefix=naming.log_group_prefix(s.trail_name, slug),
                notifications=s.delivery_notifications),
                *(recorder_mod.key_statements(scope.account_id) if s.config else []),
                *(alerting_mod.key_statements(scope.account_id) if s.alerting_on else [])],
            **kept), opts=child)
        bucket_key = self.key.arn if s.bucket_encryption == "SSE-KMS" else None
        config_statements = (lambda arn: recorder_mod.bucket_statements(arn, account_id=scope.account_id))

        self.log_bucket = LogBucket(f"{name}-logs", LogBucketArgs(
            kms_key_arn=bucket_key,
            glacier_after_days=s.glacier_after_days, expire_after_days=s.expire_after_days,
            object_lock_mode=s.object_lock_mode if s.object_lock else None, object_lock_days=s.object_lock_days,
            policy_statements=[lambda arn: trail_mod.bucket_statements(
                arn, trail=trail_arn, account_id=scope.trail_owner, prefix=s.log_prefix,
                organization_id=s.organization_id if s.organization_trail else None),
                *([config_statements] if config_shares_bucket else [])],
            **kept), opts=child)
        self.config_bucket = self.log_bucket if config_shares_bucket else None
        if s.config and not config_shares_bucket:
            self.config_bucket = LogBucket(f"{name}-config-logs", LogBucketArgs(
                kms_key_arn=bucket_key, glacier_after_days=s.glacier_after_days,
                expire_after_days=s.expire_after_days, policy_statements=[config_statements], **kept), opts=child)

        self.trail = AuditTrail(f"{name}-trail", AuditTrailArgs(
            scope=scope, name=s.trail_name, bucket_name=self.log_bucket.bucket_name, kms_key_arn=self.key.arn,
            depends_on=[self.log_bucket.policy, self.key], log_prefix=s.log_prefix,
            organization_trail=s.organization_trail, data_event_buckets=s.data_event_buckets,
            data_events_lambda=s.data_events_lambda, insights=s.insights, cloud_watch_logs=s.cloud_watch_logs,
            log_retention_days=s.log_retention_days, delivery_notifications=s.delivery_notifications,
            log_group_prefix=naming.log_group_prefix(s.trail_name, slug),
            topic_name=naming.delivery_topic(s.trail_name, slug),
            protect=s.protect_audit_data, retain_on_delete=s.retain_on_delete, tags=tags), opts=child)

        self.config = AuditConfig(
            f"{name}-config", s, scope=scope, environment=env, slug=slug, bucket_name=self.config_bucket.bucket_name,
            bucket_arn=self.config_bucket.arn, bucket_kms_key_arn=bucket_key, audit_key_arn=self.key.arn,
            tags=tags, opts=pulumi.ResourceOptions(parent=self, depends_on=[self.config_bucket.policy])
        ) if s.config else None

        self.investigation = Investigation(f"{name}-investigation", InvestigationArgs(
            logs_bucket=self.log_bucket.bucket_name, account_id=scope.account_id, regions=s.config_regions,
            kms_key_arn=self.key.arn, log_prefix=s.log_prefix,
            organization_id=s.organization_id if s.organization_trail else None,
            accounts=s.investigation_accounts, bytes_scanned_cutoff=s.bytes_scanned_cutoff, tags=tags,
            workgroup_name=naming.workgroup(slug), database_name=naming.glue_database(slug)),
            opts=child) if s.investigation else None

        # Server access logs of every bucket the baseline writes to (the log bucket, Config's own bucket,
        # Athena's results) go to one target: SSE-S3 and no Object Lock, as the logging service needs.
        self.access_log_bucket = None
        if s.access_logging:
            logged = [(f"{name}-logs", self.log_bucket, "s3-access/")]
            if self.config_bucket is not None and self.config_bucket is not self.log_bucket:
                logged.append((f"{name}-config-logs", self.config_bucket, "s3-access-config/"))
            if self.investigation is not None:
                logged.append((f"{name}-investigation-results", self.investigation.results,
                               "s3-access-athena-results/"))
            self.access_log_bucket, self.bucket_logging = access_logs(
                self, name, logged, scope.account_id, glacier_after_days=s.glacier_after_days,
                expire_after_days=s.expire_after_days, **kept)
            self.access_logging = self.bucket_logging[f"{name}-logs"]

        from cloudtrail.detections import DETECTIONS
        self.alerting = Alerting(f"{name}-alerting", AlertingArgs(
            scope=scope, log_group_name=self.trail.log_group.name, kms_key_arn=self.key.arn,
            detections=[d.name for d in DETECTIONS if d.name not in s.disabled_detections],
            emails=s.alert_emails, https_endpoints=s.alert_https_endpoints, tags=tags, slug=slug),
            opts=child) if s.alerting_on else None

        self.guardrails = AccountGuardrails(
            f"{name}-guardrails", account_id=scope.account_id, block_public_access=s.account_public_access_block,
            ebs_encryption_by_default=s.ebs_encryption_by_default, opts=child)

        self.outputs = {
            "trailArn": self.trail.arn,
            "logBucketName": self.log_bucket.bucket_name,
            "accessLogBucketName": self.access_log_bucket.bucket_name if self.access_log_bucket else None,
            "keyArn": self.key.arn,
            "configBucketName": self.config_bucket.bucket_name if self.config_bucket else None,
            "logGroupName": self.trail.log_group.name if self.trail.log_group else None,
            "deliveryTopicArn": self.trail.topic.arn if self.trail.topic else None,
            "alarmTopicArn": self.alerting.topic.arn if self.alerting else None,
            "athenaWorkgroup": self.investigation.workgroup.name if self.investigation else None,
            "cloudtrailTable": pulumi.Output.concat(self.investigation.database.name, ".",
                                                    self.investigation.table.name) if self.investigation else None,
        }
        self.register_outputs(self.outputs)
