"""Where the baseline is deployed: account, partition and region, and ARNs built from them.

ARNs of resources whose names we choose are built from their parts rather than read from the
resources, so that policies can name a resource before it exists (no dependency cycles).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class Scope:
    account_id: pulumi.Input[str]
    """The account the stack deploys into (the caller's)."""
    partition: pulumi.Input[str]
    region: str
    trail_account_id: Optional[pulumi.Input[str]] = None
    """The account that owns the trail: the organization's management account for an organization trail
    created from a delegated administrator account, otherwise ``account_id`` (None means the same)."""

    @classmethod
    def current(cls, region: str, opts: pulumi.InvokeOptions | None = None) -> "Scope":
        identity = aws.get_caller_identity_output(opts=opts)
        partition = aws.get_partition_output(opts=opts)
        return cls(account_id=identity.account_id, partition=partition.partition, region=region)

    @property
    def trail_owner(self) -> pulumi.Input[str]:
        return self.trail_account_id if self.trail_account_id is not None else self.account_id

    def arn(self, service: str, resource: str, *, regional: bool = True,
            account: Optional[pulumi.Input[str]] = None) -> pulumi.Output:
        """``arn:<partition>:<service>:<region>:<account>:<resource>`` (``account`` defaults to this account)."""
        return pulumi.Output.concat("arn:", self.partition, ":", service, ":", self.region if regional else "",
                                    ":", self.account_id if account is None else account, ":", resource)

    @property
    def root_arn(self) -> pulumi.Output:
        return self.arn("iam", "root", regional=False)
