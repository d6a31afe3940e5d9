"""AWS partitions and their regions, from one list: the AWS provider's own region enum (``REGIONS``),
split by the region-name patterns AWS's SDK endpoint data gives each partition (botocore ``endpoints.json``,
``regionRegex``; partitions: https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html).

A multi-region trail writes every region of its partition, opt-in regions included, so the CloudTrail table
projects all of them (``regions_of_partition``)."""
from __future__ import annotations

import re

from pulumi_aws._enums import Region  # the provider's own list of regions; no resources imported

REGIONS: tuple[str, ...] = tuple(sorted(r.value for r in Region))

# partition -> the pattern its region names follow (most specific first: us-gov/us-iso before us).
PARTITION_REGIONS: tuple[tuple[str, re.Pattern], ...] = (
    ("aws-us-gov", re.compile(r"^us-gov-\w+-\d+$")),
    ("aws-iso-b", re.compile(r"^us-isob-\w+-\d+$")),
    ("aws-iso-f", re.compile(r"^us-isof-\w+-\d+$")),
    ("aws-iso", re.compile(r"^us-iso-\w+-\d+$")),
    ("aws-iso-e", re.compile(r"^eu-isoe-\w+-\d+$")),
    ("aws-eusc", re.compile(r"^eusc-(de)-\w+-\d+$")),
    ("aws-cn", re.compile(r"^cn-\w+-\d+$")),
    ("aws", re.compile(r"^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$")),
)


def partition_of(region: str) -> str:
    """The partition (``aws``, ``aws-cn``, ``aws-us-gov``, ...) of a region name; ValueError if none matches."""
    for partition, pattern in PARTITION_REGIONS:
        if pattern.match(region):
            return partition
    raise ValueError(f"{region!r} is not a region name of any AWS partition")


def regions_of_partition(partition: str) -> tuple[str, ...]:
    """Every region of ``partition`` the AWS provider knows, sorted."""
    return tuple(r for r in REGIONS if partition_of(r) == partition)
