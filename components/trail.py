"""The CloudTrail trail and everything it needs: bucket and key statements, CloudWatch Logs, SNS."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

import pulumi
import pulumi_aws as aws

from . import policy_docs
from .policy_docs import allow, service
from .scope import Scope

CLOUDTRAIL = "cloudtrail.amazonaws.com"


def trail_arn(scope: Scope, name: str) -> pulumi.Output:
    """The trail's ARN names the account that owns it: for an organization trail created from a delegated
    administrator account, the management account (CloudTrail user guide, "Add a CloudTrail delegated
    administrator": the management account remains the owner of organization trails)."""
    return scope.arn("cloudtrail", f"trail/{name}", account=scope.trail_owner)


def _key_prefix(prefix: str) -> str:
    return f"{prefix}/" if prefix else ""


def bucket_statements(bucket_arn, *, trail: pulumi.Input[str], account_id: pulumi.Input[str], prefix: str = "",
                      organization_id: Optional[str] = None) -> list[dict]:
    """What CloudTrail needs in the log bucket's policy, tied to this one trail by ``aws:SourceArn``.

    ``account_id`` is the trail's owner (``Scope.trail_owner``): CloudTrail writes the owner's own logs
    under ``AWSLogs/<owner>/`` and, for an organization trail, every account's under ``AWSLogs/<org-id>/``
    (CloudTrail user guide, "Amazon S3 bucket policy for CloudTrail", organization trail example)."""
    only_this_trail = {"aws:SourceArn": trail}
    owner_control = {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trail}
    logs = pulumi.Output.concat(bucket_arn, "/", _key_prefix(prefix), "AWSLogs/")
    statements = [
        allow("CloudTrailAclCheck", service(CLOUDTRAIL), "s3:GetBucketAcl", bucket_arn,
              {"StringEquals": only_this_trail}),
        allow("CloudTrailWrite", service(CLOUDTRAIL), "s3:PutObject",
              pulumi.Output.concat(logs, account_id, "/*"), {"StringEquals": owner_control}),
    ]
    if organization_id:
        statements.append(allow("CloudTrailOrganizationWrite", service(CLOUDTRAIL), "s3:PutObject",
                                pulumi.Output.concat(logs, organization_id, "/*"), {"StringEquals": owner_control}))
    return statements


def key_statements(scope: Scope, *, trail: pulumi.Input[str], readers: Sequence[str] = (),
                   cloud_watch_logs: bool = False, log_group_prefix: str = "",
                   notifications: bool = False) -> list[dict]:
    """What CloudTrail, its readers, CloudWatch Logs and SNS need in the audit key's policy.

    The encryption context and ``aws:SourceArn`` name the trail's owner (the management account for an
    organization trail; CloudTrail user guide, "Configure AWS KMS key policies for CloudTrail"). An SNS topic
    encrypted with a customer key needs its publisher allowed ``kms:GenerateDataKey*`` and ``kms:Decrypt``
    (CloudTrail user guide, "Amazon SNS topic policy for CloudTrail"), here tied to this trail by
    ``aws:SourceArn``."""
    any_trail_of_account = pulumi.Output.concat("arn:", scope.partition, ":cloudtrail:*:", scope.trail_owner,
                                                ":trail/*")
    only_this_trail = {"aws:SourceArn": trail}
    statements = [
        allow("CloudTrailEncryptLogs", service(CLOUDTRAIL), "kms:GenerateDataKey*", "*",
              {"StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": any_trail_of_account},
               "StringEquals": only_this_trail}),
        # DescribeKey carries no encryption context, so it gets a statement of its own.
        allow("CloudTrailDescribeKey", service(CLOUDTRAIL), "kms:DescribeKey", "*",
              {"StringEquals": only_this_trail}),
        # With S3 Bucket Keys on the log bucket, CloudTrail must also decrypt to create or update the trail.
        allow("CloudTrailBucketKeyDecrypt", service(CLOUDTRAIL), "kms:Decrypt", "*",
              {"StringEquals": only_this_trail}),
        allow("LogReadersDecrypt", {"AWS": list(readers) if readers else scope.root_arn},
              ["kms:Decrypt", "kms:ReEncryptFrom"], "*",
              {"StringEquals": {"kms:CallerAccount": scope.account_id},
               "Null": {"kms:EncryptionContext:aws:cloudtrail:arn": "false"}}),
    ]
    if cloud_watch_logs:
        # The group's name ends in the provider's unique suffix, unknown until it exists: ArnLike on its prefix
        # (CloudWatch Logs user guide, "Encrypt log data in CloudWatch Logs using AWS KMS": ArnLike/ArnEquals).
        group_arns = scope.arn("logs", f"log-group:{log_group_prefix}*")
        statements.append(allow(
            "CloudWatchLogsEncrypt", service(f"logs.{scope.region}.amazonaws.com"),
            ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"], "*",
            {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": group_arns}}))
    if notifications:
        statements.append(allow("CloudTrailPublishEncrypted", service(CLOUDTRAIL),
                                ["kms:GenerateDataKey*", "kms:Decrypt"], "*", {"StringEquals": only_this_trail}))
    return statements


@dataclass
class AuditTrailArgs:
    """The trail's destination and options. Defaults are the hardened ones."""

    scope: Scope
    """Account, partition and region the trail lives in."""

    name: str
    """Trail name; the ARN ``arn:<partition>:cloudtrail:<region>:<account>:trail/<name>`` is built from it."""

    bucket_name: pulumi.Input[str]
    """The log bucket (its policy must already hold ``bucket_statements``)."""

    kms_key_arn: pulumi.Input[str]
    """The audit key (its policy must already hold ``key_statements``)."""

    depends_on: Sequence[pulumi.Resource] = ()
    """Resources that must exist before the trail: the bucket policy, the key."""

    log_prefix: str = ""
    organization_trail: bool = False
    data_event_buckets: Sequence[str] = ()
    """Bucket names for S3 object data events; ``["*"]`` for every bucket."""
    data_events_lambda: bool = False
    insights: Sequence[str] = ()
    cloud_watch_logs: bool = False
    log_retention_days: int = 365
    delivery_notifications: bool = False
    log_group_kms_key_arn: Optional[pulumi.Input[str]] = None
    """The log group's key when not ``kms_key_arn`` (CloudWatch Logs needs a key of the group's account: an
    organization trail of the management account into another account's archive key)."""
    log_group_prefix: str = "/aws/cloudtrail/"
    """The log group's name prefix; the provider adds a unique suffix (no collision with a retained group)."""
    topic_name: str = ""
    """The delivery topic's name (one per stack); empty: auto-named."""
    protect: bool = True
    retain_on_delete: bool = True
    tags: Mapping[str, str] = field(default_factory=dict)


class AuditTrail(pulumi.ComponentResource):
    """A multi-region trail of all management events with log file validation and SSE-KMS."""

    trail: aws.cloudtrail.Trail

    def __init__(self, name: str, args: AuditTrailArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("audit-baseline:trail:AuditTrail", name, None, opts)
        scope, arn = args.scope, trail_arn(args.scope, args.name)
        tags = dict(args.tags) or None
        prerequisites = list(args.depends_on)
        self.log_group = self.log_role = self.topic = None

        if args.cloud_watch_logs:
            self.log_group = aws.cloudwatch.LogGroup(
                f"{name}-logs", name_prefix=args.log_group_prefix, retention_in_days=args.log_retention_days,
                kms_key_id=args.log_group_kms_key_arn or args.kms_key_arn, tags=tags,
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.retain_on_delete))
            self.log_role = aws.iam.Role(
                f"{name}-logs-role", description="Lets CloudTrail deliver to its CloudWatch Logs group",
                assume_role_policy=policy_docs.assume_role_policy(
                    # CloudTrail assumes the role for the trail, which the trail's owner owns (the management
                    # account for an organization trail made by a delegated administrator).
                    CLOUDTRAIL, {"StringEquals": {"aws:SourceAccount": scope.trail_owner}}),
                tags=tags, opts=pulumi.ResourceOptions(parent=self))
            role_policy = aws.iam.RolePolicy(
                f"{name}-logs-delivery", role=self.log_role.id,
                policy=policy_docs.render([{
                    "Sid": "DeliverToTrailLogGroup", "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": pulumi.Output.concat(self.log_group.arn, ":log-stream:*")}]),
                opts=pulumi.ResourceOptions(parent=self))
            prerequisites.append(role_policy)

        if args.delivery_notifications:
            self.topic = aws.sns.Topic(f"{name}-delivery", name=args.topic_name or None,
                                       kms_master_key_id=args.kms_key_arn, tags=tags,
                                       opts=pulumi.ResourceOptions(parent=self))
            topic_policy = aws.sns.TopicPolicy(
                f"{name}-delivery-policy", arn=self.topic.arn,
                policy=policy_docs.render([
                    allow("CloudTrailPublish", service(CLOUDTRAIL), "SNS:Publish", self.topic.arn,
                          {"StringEquals": {"aws:SourceArn": arn}}),
                    policy_docs.deny_insecure_publish(self.topic.arn),
                ]),
                opts=pulumi.ResourceOptions(parent=self))
            prerequisites.append(topic_policy)

        self.trail = aws.cloudtrail.Trail(
            name, name=args.name, s3_bucket_name=args.bucket_name, s3_key_prefix=args.log_prefix or None,
            is_multi_region_trail=True, include_global_service_events=True, enable_log_file_validation=True,
            enable_logging=True, kms_key_id=args.kms_key_arn, is_organization_trail=args.organization_trail,
            cloud_watch_logs_group_arn=pulumi.Output.concat(self.log_group.arn, ":*") if self.log_group else None,
            cloud_watch_logs_role_arn=self.log_role.arn if self.log_role else None,
            sns_topic_name=self.topic.name if self.topic else None,
            **_event_selectors(scope, args.data_event_buckets, args.data_events_lambda),
            insight_selectors=[aws.cloudtrail.TrailInsightSelectorArgs(insight_type=t) for t in args.insights] or None,
            tags=tags, opts=pulumi.ResourceOptions(parent=self, depends_on=prerequisites))

        self.arn = self.trail.arn
        self.register_outputs({"trailArn": self.arn})


def _event_selectors(scope: Scope, buckets: Sequence[str], lambdas: bool) -> dict:
    """Management events read and write; data events (advanced selectors) only where asked for.

    Without data events the classic selector is used, which every Config rule reads the same way.
    """
    if not buckets and not lambdas:
        return {"event_selectors": [aws.cloudtrail.TrailEventSelectorArgs(
            read_write_type="All", include_management_events=True)]}
    field_ = aws.cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs
    selectors = [aws.cloudtrail.TrailAdvancedEventSelectorArgs(
        name="Management events, read and write",
        field_selectors=[field_(field="eventCategory", equals=["Management"])])]
    if buckets:
        object_fields = [field_(field="eventCategory", equals=["Data"]),
                         field_(field="resources.type", equals=["AWS::S3::Object"])]
        if "*" not in buckets:
            object_fields.append(field_(field="resources.ARN", starts_withs=[
                pulumi.Output.concat("arn:", scope.partition, ":s3:::", b, "/") for b in buckets]))
        selectors.append(aws.cloudtrail.TrailAdvancedEventSelectorArgs(
            name="S3 object data events", field_selectors=object_fields))
    if lambdas:
        selectors.append(aws.cloudtrail.TrailAdvancedEventSelectorArgs(
            name="Lambda invocations", field_selectors=[
                field_(field="eventCategory", equals=["Data"]),
                field_(field="resources.type", equals=["AWS::Lambda::Function"])]))
    return {"advanced_event_selectors": selectors}
