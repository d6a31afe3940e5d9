"""Deploy-time mirrors of Config's safe auto-remediations (enforcement level ``remediate``).

Each function takes a resource's plain properties and returns the fixed properties, or None when it
has nothing to fix (or cannot see enough: a value unknown at preview is never rewritten).
"""
from __future__ import annotations

import copy
from typing import Any, Callable, Mapping, Optional

from .props import has_unknown
from .rules import ec2, s3

Remediation = Callable[[str, Mapping[str, Any]], Optional[dict]]

# Name of the remediation-only policy that mirrors AWS-DisableS3BucketPublicReadWrite. The S3 verdicts are
# stack policies (they join the bucket's resources), and the engine never remediates through a stack policy.
S3_PUBLIC_ACCESS = "disable-s3-bucket-public-read-write"


def _safe(props: Mapping[str, Any]) -> bool:
    return not has_unknown(props) and all(_plain_json(v) for v in props.values())


def _plain_json(value: Any) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain_json(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain_json(v) for v in value)
    return value is None or isinstance(value, (str, int, float, bool))


def close_world_ssh(kind: str, props: Mapping[str, Any]) -> Optional[dict]:
    """Like AWS-DisableIncomingSSHOnPort22: drop 0.0.0.0/0 and ::/0 from inline ingress that reaches TCP 22.
    Standalone rule resources cannot be removed by a remediation; they stay reported."""
    if kind != ec2.SECURITY_GROUP or not _safe(props):
        return None
    fixed = copy.deepcopy(dict(props))
    changed = False
    kept = []
    for rule in fixed.get("ingress") or []:
        if isinstance(rule, dict):
            probe = ec2.Ingress(rule.get("protocol"), rule.get("fromPort"), rule.get("toPort"), ("x",), "")
            if probe.reaches_tcp(22) is True:
                for key in ("cidrBlocks", "ipv6CidrBlocks"):
                    if isinstance(rule.get(key), list) and any(isinstance(c, str) and c in ec2.WORLD
                                                               for c in rule[key]):
                        rule[key] = [c for c in rule[key] if not (isinstance(c, str) and c in ec2.WORLD)]
                        changed = True
                if not any(rule.get(k) for k in ("cidrBlocks", "ipv6CidrBlocks", "prefixListIds", "securityGroups",
                                                 "self")):
                    continue
        kept.append(rule)
    if not changed:
        return None
    fixed["ingress"] = kept
    return fixed


def enable_log_file_validation(kind: str, props: Mapping[str, Any]) -> Optional[dict]:
    if props.get("enableLogFileValidation") is True or not _safe(props):
        return None
    return {**props, "enableLogFileValidation": True}


def enable_ebs_encryption_by_default(kind: str, props: Mapping[str, Any]) -> Optional[dict]:
    if props.get("enabled", True) is True or not _safe(props):
        return None
    return {**props, "enabled": True}


PUBLIC_CANNED = {"public-read", "public-read-write", "authenticated-read"}
PAB_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def disable_s3_public_read_write(kind: str, props: Mapping[str, Any]) -> Optional[dict]:
    """Like AWS-DisableS3BucketPublicReadWrite: public access block flags on, public ACLs made private."""
    if not _safe(props):
        return None
    if kind in s3.PAB:
        if all(props.get(flag) is True for flag in PAB_FLAGS):
            return None
        return {**props, **{flag: True for flag in PAB_FLAGS}}
    if kind in s3.ACL | s3.BUCKETS:
        fixed = copy.deepcopy(dict(props))
        changed = False
        if isinstance(fixed.get("acl"), str) and fixed["acl"] in PUBLIC_CANNED:
            fixed["acl"] = "private"
            changed = True
        policy = fixed.get("accessControlPolicy")
        if isinstance(policy, dict) and isinstance(policy.get("grants"), list):
            grants = [g for g in policy["grants"]
                      if not (isinstance(g, dict) and isinstance(g.get("grantee"), dict)
                              and isinstance(g["grantee"].get("uri"), str) and g["grantee"]["uri"] in s3.PUBLIC_GROUPS)]
            changed |= len(grants) != len(policy["grants"])
            policy["grants"] = grants
        if isinstance(fixed.get("grants"), list):  # pulumi-aws 6 inline grants
            grants = [g for g in fixed["grants"] if not (isinstance(g, dict) and isinstance(g.get("uri"), str)
                                                         and g["uri"] in s3.PUBLIC_GROUPS)]
            changed |= len(grants) != len(fixed["grants"])
            fixed["grants"] = grants
        return fixed if changed else None
    return None


# rule (or remediation-only policy) name -> (resource types, function)
REMEDIATIONS: dict[str, tuple[frozenset, Remediation]] = {
    "restricted-ssh": (frozenset({ec2.SECURITY_GROUP}), close_world_ssh),
    "cloud-trail-log-file-validation-enabled": (frozenset({"aws:cloudtrail/trail:Trail"}), enable_log_file_validation),
    "ec2-ebs-encryption-by-default": (frozenset({ec2.EBS_DEFAULT}), enable_ebs_encryption_by_default),
    S3_PUBLIC_ACCESS: (frozenset(s3.PAB | s3.ACL | s3.BUCKETS), disable_s3_public_read_write),
}
