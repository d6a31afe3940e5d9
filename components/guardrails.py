"""Account-level guardrails that make the policy pack's assumptions true for the whole account."""
from __future__ import annotations

from typing import Optional

import pulumi
import pulumi_aws as aws


class AccountGuardrails(pulumi.ComponentResource):
    """The account's S3 public access block and EBS encryption by default (both CIS controls)."""

    def __init__(self, name: str, *, account_id: pulumi.Input[str], block_public_access: bool = True,
                 ebs_encryption_by_default: bool = True, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("audit-baseline:security:AccountGuardrails", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.public_access_block = aws.s3.AccountPublicAccessBlock(
            f"{name}-s3-public-access-block", account_id=account_id, block_public_acls=True,
            block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True,
            opts=child) if block_public_access else None
        self.ebs_encryption = aws.ebs.EncryptionByDefault(
            f"{name}-ebs-encryption-by-default", enabled=True, opts=child) if ebs_encryption_by_default else None
        self.register_outputs({})
