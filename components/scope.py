"""Where the baseline is deployed: account, partition and region, and ARNs built from them.

ARNs of resources whose names we choose are built from their parts rather than read from the
resources, so that policies can name a resource before it exists (no dependency cycles).
"""
from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class Scope:
    account_id: pulumi.Output
    partition: pulumi.Output
    region: str

    @classmethod
    def current(cls, region: str, opts: pulumi.InvokeOptions | None = None) -> "Scope":
        identity = aws.get_caller_identity_output(opts=opts)
        partition = aws.get_partition_output(opts=opts)
        return cls(account_id=identity.account_id, partition=partition.partition, region=region)

    def arn(self, service: str, resource: str, *, regional: bool = True) -> pulumi.Output:
        """``arn:<partition>:<service>:<region>:<account>:<resource>``."""
        return pulumi.Output.concat("arn:", self.partition, ":", service, ":", self.region if regional else "",
                                    ":", self.account_id, ":", resource)

    @property
    def root_arn(self) -> pulumi.Output:
        return self.arn("iam", "root", regional=False)
