"""AWS Config's recorder, delivery channel and notifications in one region."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

import pulumi
import pulumi_aws as aws

from .policy_docs import allow, deny_insecure_publish, render, service

CONFIG = "config.amazonaws.com"
PREFIX = "config"  # the delivery channel's key prefix in the shared log bucket


def _source(account_id, organization_id: Optional[str]) -> dict:
    """Config's requests limited to this account (``aws:SourceAccount``) or, for an organization's log archive,
    to the organization's accounts (``aws:SourceOrgID``)."""
    return {"aws:SourceOrgID": organization_id} if organization_id else {"aws:SourceAccount": account_id}


def bucket_statements(bucket_arn, *, account_id: pulumi.Input[str] = None, prefix: str = PREFIX,
                      organization_id: Optional[str] = None) -> list[dict]:
    """What Config needs in the log bucket's policy, limited to this account by ``aws:SourceAccount``, or with
    ``organization_id`` to every account of the organization by ``aws:SourceOrgID`` (writing under any account's
    ``AWSLogs/``)."""
    source = _source(account_id, organization_id)
    logs = pulumi.Output.concat(bucket_arn, f"/{prefix}/AWSLogs/", *(("*",) if organization_id else
                                                                     (account_id, "/Config/*")))
    return [
        allow("ConfigBucketPermissionsCheck", service(CONFIG), "s3:GetBucketAcl", bucket_arn,
              {"StringEquals": source}),
        allow("ConfigBucketExistenceCheck", service(CONFIG), "s3:ListBucket", bucket_arn,
              {"StringEquals": source}),
        allow("ConfigBucketDelivery", service(CONFIG), "s3:PutObject", logs,
              {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", **source}}),
    ]


def key_statements(account_id: pulumi.Input[str] = None, *, organization_id: Optional[str] = None) -> list[dict]:
    """Config writes through the bucket's default encryption (SSE-KMS with the audit key)."""
    return [allow("ConfigUseOfKey", service(CONFIG), ["kms:Decrypt", "kms:GenerateDataKey*"], "*",
                  {"StringEquals": _source(account_id, organization_id)})]


RECORDER_NAME = "audit-baseline"  # the recorder's and the delivery channel's name


@dataclass(frozen=True)
class RecorderDefinition:
    """What one region's recorder and delivery channel are, independent of how they are deployed: the one
    source of both the Pulumi resources (``RegionalRecorder``) and the CloudFormation template every member
    account gets from the management account's StackSet (``cloudformation_resources``)."""

    name: str
    all_supported: bool
    include_global_resource_types: bool
    recording_frequency: str
    s3_key_prefix: str
    snapshot_frequency: str


def definition(*, home: bool, recording_frequency: str = "CONTINUOUS",
               snapshot_frequency: str = "TwentyFour_Hours") -> RecorderDefinition:
    """Every supported resource type; the global (IAM) types only where ``home``; delivery under ``PREFIX``."""
    return RecorderDefinition(name=RECORDER_NAME, all_supported=True, include_global_resource_types=home,
                              recording_frequency=recording_frequency, s3_key_prefix=PREFIX,
                              snapshot_frequency=snapshot_frequency)


def cloudformation_resources(d: RecorderDefinition, *, role_arn, bucket_name: str, kms_key_arn: Optional[str],
                             role_logical_id: str = "ConfigRole") -> dict:
    """``d`` as the ``Resources`` of a CloudFormation template: ``AWS::Config::ConfigurationRecorder`` and
    ``AWS::Config::DeliveryChannel`` (CloudFormation starts the recorder once the channel exists, so there is
    no status resource; CloudFormation user guide, "AWS::Config::ConfigurationRecorder"). ``role_arn`` may be
    an intrinsic function (``{"Fn::GetAtt": [role, "Arn"]}``)."""
    channel = {"Name": d.name, "S3BucketName": bucket_name, "S3KeyPrefix": d.s3_key_prefix,
               "ConfigSnapshotDeliveryProperties": {"DeliveryFrequency": d.snapshot_frequency}}
    if kms_key_arn:
        channel["S3KmsKeyArn"] = kms_key_arn
    return {
        "ConfigurationRecorder": {"Type": "AWS::Config::ConfigurationRecorder", "Properties": {
            "Name": d.name, "RoleARN": role_arn,
            "RecordingGroup": {"AllSupported": d.all_supported,
                               "IncludeGlobalResourceTypes": d.include_global_resource_types},
            "RecordingMode": {"RecordingFrequency": d.recording_frequency}}},
        "DeliveryChannel": {"Type": "AWS::Config::DeliveryChannel", "DependsOn": "ConfigurationRecorder",
                            "Properties": channel},
    }


@dataclass
class RegionalRecorderArgs:
    region: Optional[str]
    """None for the provider's (home) region, otherwise the region's name."""
    home: bool
    """Records the global resource types (IAM): true in one region only, ``Settings.iam_region``."""
    role_arn: pulumi.Input[str]
    bucket_name: pulumi.Input[str]
    kms_key_arn: Optional[pulumi.Input[str]]
    """Key for delivered objects (the bucket's SSE-KMS key), or None for SSE-S3."""
    account_id: pulumi.Input[str]
    topic_name: Optional[str] = None
    """The notification topic's name (per stack and region: ``naming.config_topic``)."""
    notifications: bool = False
    """An SNS topic for the delivery channel. Not KMS-encrypted: AWS Config does not support encrypted
    topics (AWS Config developer guide, "Permissions for the Amazon SNS Topic")."""
    recording_frequency: str = "CONTINUOUS"
    snapshot_frequency: str = "TwentyFour_Hours"
    role_policies: Sequence[pulumi.Resource] = ()
    """The role's policies (a custom role's attachment and inline policy): the recorder waits for them."""
    tags: Mapping[str, str] = field(default_factory=dict)


class RegionalRecorder(pulumi.ComponentResource):
    """Recorder (all supported types), delivery channel, recorder status and, optionally, the SNS topic of
    one region."""

    def __init__(self, name: str, args: RegionalRecorderArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("audit-baseline:config:RegionalRecorder", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        region = args.region
        self.topic = self.topic_policy = None
        if args.notifications:
            # With the service-linked role Config publishes as its service principal, which the topic policy
            # must allow (AWS Config developer guide, "Permissions for the Amazon SNS Topic");
            # aws:SourceAccount keeps other accounts' Config from using it (IAM user guide, "The confused
            # deputy problem").
            self.topic = aws.sns.Topic(f"{name}-notifications", name=args.topic_name, region=region,
                                       tags=dict(args.tags) or None, opts=child)
            self.topic_policy = aws.sns.TopicPolicy(
                f"{name}-notifications-policy", arn=self.topic.arn, region=region,
                policy=render([
                    allow("ConfigPublish", service(CONFIG), "SNS:Publish", self.topic.arn,
                          {"StringEquals": {"aws:SourceAccount": args.account_id}}),
                    deny_insecure_publish(self.topic.arn)]),
                opts=child)
        d = self.definition = definition(home=args.home, recording_frequency=args.recording_frequency,
                                         snapshot_frequency=args.snapshot_frequency)
        self.recorder = aws.cfg.Recorder(
            f"{name}-recorder", name=d.name, role_arn=args.role_arn, region=region,
            recording_group=aws.cfg.RecorderRecordingGroupArgs(
                all_supported=d.all_supported, include_global_resource_types=d.include_global_resource_types),
            recording_mode=aws.cfg.RecorderRecordingModeArgs(recording_frequency=d.recording_frequency),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.role_policies)))
        self.channel = aws.cfg.DeliveryChannel(
            f"{name}-channel", name=d.name, s3_bucket_name=args.bucket_name, s3_key_prefix=d.s3_key_prefix,
            s3_kms_key_arn=args.kms_key_arn, sns_topic_arn=self.topic.arn if self.topic else None, region=region,
            snapshot_delivery_properties=aws.cfg.DeliveryChannelSnapshotDeliveryPropertiesArgs(
                delivery_frequency=d.snapshot_frequency),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.recorder, *filter(None, [self.topic_policy])]))
        self.status = aws.cfg.RecorderStatus(
            f"{name}-status", name=self.recorder.name, is_enabled=True, region=region,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.channel]))
        self.register_outputs({"topicArn": self.topic.arn if self.topic else None})
