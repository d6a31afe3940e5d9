"""Alerting: a CloudWatch Logs metric filter and an alarm per CIS detection, notifying an encrypted topic."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

import pulumi
import pulumi_aws as aws

from cloudtrail.detections import DETECTIONS
from . import naming, policy_docs
from .policy_docs import allow, render, service
from .scope import Scope


def key_statements(account_id: pulumi.Input[str]) -> list[dict]:
    """Alarm actions publish to the encrypted topic as CloudWatch (the AWS-managed aws/sns key cannot serve)."""
    return [allow("CloudWatchAlarmsPublishEncrypted", service("cloudwatch.amazonaws.com"),
                  ["kms:Decrypt", "kms:GenerateDataKey*"], "*",
                  {"StringEquals": {"aws:SourceAccount": account_id}})]


@dataclass
class AlertingArgs:
    scope: Scope
    log_group_name: pulumi.Input[str]
    """The trail's CloudWatch Logs group."""
    kms_key_arn: pulumi.Input[str]
    detections: Optional[Sequence[str]] = None
    """Detection names to deploy (None: all)."""
    emails: Sequence[str] = ()
    https_endpoints: Sequence[str] = ()
    period_seconds: int = 300
    tags: Mapping[str, str] = field(default_factory=dict)
    slug: str = "stack"
    """The stack's name part (``naming.stack_slug``): alarms and metrics are named per stack."""


class Alerting(pulumi.ComponentResource):
    def __init__(self, name: str, args: AlertingArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("audit-baseline:alerting:Alerting", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(args.tags) or None
        chosen = [d for d in DETECTIONS if args.detections is None or d.name in args.detections]
        namespace = naming.metric_namespace(args.slug)
        self.topic = aws.sns.Topic(f"{name}-alarms", name=naming.alarm_topic(args.slug),
                                   kms_master_key_id=args.kms_key_arn, tags=tags, opts=child)
        # Only this stack's alarms publish: their ARNs are known from their names (no wildcard that another
        # stack's alarm names could match). ArnLike on aws:SourceArn with aws:SourceAccount is the form of SNS's
        # developer guide ("Allow any CloudWatch alarm to publish to a topic"), here with exact ARNs.
        alarm_arns = [args.scope.arn("cloudwatch", f"alarm:{naming.alarm(d.name, args.slug)}") for d in chosen]
        self.topic_policy = aws.sns.TopicPolicy(f"{name}-alarms-policy", arn=self.topic.arn, policy=render([
            allow("CloudWatchAlarmsPublish", service("cloudwatch.amazonaws.com"), "SNS:Publish", self.topic.arn,
                  {"ArnLike": {"aws:SourceArn": alarm_arns},
                   "StringEquals": {"aws:SourceAccount": args.scope.account_id}}),
            policy_docs.deny_insecure_publish(self.topic.arn)]), opts=child)
        for i, email in enumerate(args.emails):
            aws.sns.TopicSubscription(f"{name}-email-{i}", topic=self.topic.arn, protocol="email", endpoint=email,
                                      opts=child)
        for i, url in enumerate(args.https_endpoints):
            aws.sns.TopicSubscription(f"{name}-https-{i}", topic=self.topic.arn, protocol="https", endpoint=url,
                                      opts=child)
        self.filters, self.alarms = {}, {}
        for d in chosen:
            metric = "".join(part.capitalize() for part in d.name.split("-"))
            self.filters[d.name] = aws.cloudwatch.LogMetricFilter(
                f"{name}-{d.name}", name=naming.alarm(d.name, args.slug), log_group_name=args.log_group_name,
                pattern=d.pattern, metric_transformation=aws.cloudwatch.LogMetricFilterMetricTransformationArgs(
                    name=metric, namespace=namespace, value="1"), opts=child)
            # One event is enough: each of these should be rare. No data means nothing happened.
            self.alarms[d.name] = aws.cloudwatch.MetricAlarm(
                f"{name}-{d.name}-alarm", name=naming.alarm(d.name, args.slug),
                alarm_description=f"{d.cis}: {d.description}", namespace=namespace, metric_name=metric, statistic="Sum", period=args.period_seconds,
                evaluation_periods=1, threshold=1, comparison_operator="GreaterThanOrEqualToThreshold",
                treat_missing_data="notBreaching", alarm_actions=[self.topic.arn], tags=tags,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.filters[d.name], self.topic_policy]))
        self.register_outputs({"topicArn": self.topic.arn})
