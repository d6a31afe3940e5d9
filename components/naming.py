"""Physical names of what AWS allows several of per account and region, made unique per stack.

Athena workgroups, Glue databases, KMS aliases, SNS topics, CloudWatch alarms, Config rules,
conformance packs and aggregators are named after the stack, so that two stacks of the baseline in
one account and region never claim the same name. Resources that are kept in AWS when they leave
the program (``retainOnDelete``: the trail's log group) also get a random part from the provider's
auto-naming (``name_prefix``), so that a redeploy after a destroy never collides with what was kept.

What exists once per account and region (the configuration recorder and delivery channel, Config's
service-linked role, the account's S3 public access block and EBS encryption default) is not named
here: it cannot coexist, and README.md ("What exists once per account") says so.
"""
from __future__ import annotations

import hashlib
import re
from typing import Optional

import pulumi

SLUG_MAX = 24


def stack_slug(stack: Optional[str] = None) -> str:
    """The stack name as ``[a-z0-9-]`` (1-24 characters), safe in every name below.

    A name that had to be changed (other characters, or too long) gets 6 hex digits of its digest, so
    that stacks such as ``a.b`` and ``a_b`` still differ.
    """
    stack = stack if stack is not None else pulumi.get_stack()
    slug = re.sub(r"[^a-z0-9]+", "-", stack.lower()).strip("-") or "stack"
    if slug != stack or len(slug) > SLUG_MAX:
        digest = hashlib.sha256(stack.encode()).hexdigest()[:6]
        slug = f"{slug[:SLUG_MAX - 7].rstrip('-')}-{digest}"
    return slug


def workgroup(slug: str) -> str:
    return f"audit-baseline-{slug}"


def glue_database(slug: str) -> str:
    """Glue database names are lower case; Athena reads ``-`` badly in them, so ``_``."""
    return f"audit_baseline_{slug.replace('-', '_')}"


def key_alias(trail_name: str, slug: str) -> str:
    """Settings refuse a trail name KMS aliases refuse ('.': ``limits.trail_name``), so it is used as it is."""
    return f"alias/{trail_name}-{slug}"


def log_group_prefix(trail_name: str, slug: str) -> str:
    """The trail's log group is ``<this prefix><provider's unique suffix>``."""
    return f"/aws/cloudtrail/{trail_name}/{slug}/"


def delivery_topic(trail_name: str, slug: str) -> str:
    return f"{trail_name}-{slug}-log-delivery"


def alarm_topic(slug: str) -> str:
    return f"audit-baseline-{slug}-alarms"


def config_topic(slug: str, region: str) -> str:
    return f"audit-baseline-{slug}-config-{region}"


def config_rule(rule_name: str, slug: str) -> str:
    return f"{rule_name}-{slug}"


def conformance_pack(pack: str, slug: str) -> str:
    return f"audit-baseline-{slug}-{pack}"


def aggregator(slug: str) -> str:
    return f"audit-baseline-{slug}"


def alarm(detection: str, slug: str) -> str:
    return f"audit-baseline-{slug}-{detection}"


def metric_namespace(slug: str) -> str:
    return f"AuditBaseline/CIS/{slug}"
