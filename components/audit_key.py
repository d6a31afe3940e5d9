"""The customer-managed KMS key that encrypts the audit data."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

import pulumi
import pulumi_aws as aws

from . import policy_docs
from .policy_docs import Statement


@dataclass
class AuditKeyArgs:
    """Who may use the audit key, and how it is kept."""

    account_id: pulumi.Input[str]
    """The account that owns the key; its root keeps full control so the key can never be orphaned."""

    partition: pulumi.Input[str] = "aws"
    """The AWS partition (``aws``, ``aws-us-gov``, ``aws-cn``)."""

    statements: Sequence[Statement] = ()
    """Statements the services that use the key need (CloudTrail, CloudWatch Logs, SNS, Config ...)."""

    alias: Optional[str] = None
    """An alias such as ``alias/audit-trail`` (without it, none)."""

    protect: bool = True
    """Refuse deletion through Pulumi."""

    retain_on_delete: bool = True
    """Leave the key in AWS when it leaves the program."""

    tags: Mapping[str, str] = field(default_factory=dict)

    region: Optional[str] = None
    """Region of the key when it is not the provider's (KMS keys are regional)."""

    description: str = "Encrypts the audit baseline's logs, digests and notifications"


class AuditKey(pulumi.ComponentResource):
    """A symmetric KMS key with yearly rotation, the longest deletion window and one key policy."""

    key: aws.kms.Key

    def __init__(self, name: str, args: AuditKeyArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("audit-baseline:security:AuditKey", name, None, opts)
        root = pulumi.Output.concat("arn:", args.partition, ":iam::", args.account_id, ":root")
        statements = [policy_docs.allow("EnableAccountRootAccess", {"AWS": root}, "kms:*", "*"),
                      *args.statements]
        self.key = aws.kms.Key(
            name, description=args.description, region=args.region,
            enable_key_rotation=True, deletion_window_in_days=30, policy=policy_docs.render(statements),
            tags=dict(args.tags) or None,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.retain_on_delete))
        self.alias = aws.kms.Alias(f"{name}-alias", name=args.alias, target_key_id=self.key.key_id, region=args.region,
                                   opts=pulumi.ResourceOptions(parent=self)) if args.alias else None
        self.arn = self.key.arn
        self.register_outputs({"arn": self.arn})
