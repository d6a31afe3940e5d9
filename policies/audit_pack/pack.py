"""Builds the CrossGuard policies from the catalog and the registered checks.

Names, descriptions, severities, framework controls, remediation steps and default enforcement
come from the catalog; the check comes from the registry; the remediation from ``remediations``.
Every policy is wrapped so that it never raises: an exception in a policy would abort the user's
whole deployment. Exemptions (by resource name pattern or tag, each with a reason) are applied here.
"""
from __future__ import annotations

import fnmatch
import sys
from typing import Any, Mapping, Optional

from pulumi_policy import (EnforcementLevel, PolicyComplianceFramework, PolicyConfigSchema,
                           ResourceValidationPolicy, Severity, StackValidationPolicy)

from . import catalog
from .props import plain
from .registry import RESOURCE_RULES, STACK_RULES, Finding
from .remediations import REMEDIATIONS, S3_PUBLIC_ACCESS
from .rules import cloudtrail, ec2, iam, kms, rds, s3  # noqa: F401  (each registers its checks)
from .serving import finding_message
from .stack import StackIndex

_LEVELS = {"mandatory": EnforcementLevel.MANDATORY, "advisory": EnforcementLevel.ADVISORY,
           "disabled": EnforcementLevel.DISABLED, "remediate": EnforcementLevel.REMEDIATE}
_SEVERITIES = {"low": Severity.LOW, "medium": Severity.MEDIUM, "high": Severity.HIGH, "critical": Severity.CRITICAL}

EXEMPTIONS_SCHEMA = {
    "type": "array", "default": [],
    "description": "Resources this policy skips: each by `name` (a glob on the Pulumi resource name) or `tag` "
                   "({key, value}), always with the `reason`.",
    "items": {"type": "object", "additionalProperties": False, "required": ["reason"],
              "anyOf": [{"required": ["name"]}, {"required": ["tag"]}],
              "properties": {"name": {"type": "string", "minLength": 1},
                             "tag": {"type": "object", "required": ["key"], "additionalProperties": False,
                                     "properties": {"key": {"type": "string"}, "value": {"type": "string"}}},
                             "reason": {"type": "string", "minLength": 3}}},
}
_ACCOUNT_PAB = {"type": "boolean", "default": False,
                "description": "The account's S3 public access block is on (policies and ACLs restricted)."}


def _blocked_ports_default() -> list[int]:
    params = catalog.RULES_BY_NAME["restricted-common-ports"]["parameters"]
    return [int(params[f"blockedPort{i}"]) for i in range(1, 6)]


# Per-policy configuration beyond exemptions; defaults are the catalog's parameters.
CONFIG_PROPERTIES: dict[str, dict] = {
    "s3-bucket-public-read-prohibited": {"accountBlocksPublicAccess": _ACCOUNT_PAB},
    "s3-bucket-public-write-prohibited": {"accountBlocksPublicAccess": _ACCOUNT_PAB},
    "restricted-common-ports": {"blockedPorts": {
        "type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 65535}, "minItems": 1,
        "default": _blocked_ports_default(), "description": "TCP ports that must not be open to the world."}},
    "encrypted-volumes": {
        "ebsEncryptionByDefault": {"type": "boolean", "default": False,
                                   "description": "The account encrypts new EBS volumes by default."},
        "kmsId": {"type": "string", "default": "", "description": "Require this KMS key (ARN or id)."}},
    "rds-storage-encrypted": {"kmsKeyId": {"type": "string", "default": "",
                                           "description": "Require this KMS key (ARN)."}},
    "iam-password-policy": {"parameters": {
        "type": "object", "default": {}, "additionalProperties": {"type": "string"},
        "description": "Overrides of the rule's Config parameters (MinimumPasswordLength, ...)."}},
}


def config_schema(name: str) -> PolicyConfigSchema:
    return PolicyConfigSchema(properties={"exemptions": EXEMPTIONS_SCHEMA, **CONFIG_PROPERTIES.get(name, {})})


def _with_defaults(name: str, config: Optional[Mapping[str, Any]]) -> dict:
    """The SDK applies no schema defaults (the CLI does); apply them so the checks see complete config."""
    out = {k: v["default"] for k, v in {"exemptions": EXEMPTIONS_SCHEMA, **CONFIG_PROPERTIES.get(name, {})}.items()}
    out.update(config or {})
    return out


def exempt(name: str, props: Mapping[str, Any], exemptions: Any) -> bool:
    tags = props.get("tags") if isinstance(props.get("tags"), dict) else {}
    for e in exemptions if isinstance(exemptions, list) else []:
        if not isinstance(e, dict):
            continue
        if isinstance(e.get("name"), str) and fnmatch.fnmatchcase(name, e["name"]):
            return True
        tag = e.get("tag")
        if isinstance(tag, dict) and tag.get("key") in tags and ("value" not in tag or tags[tag["key"]] == tag["value"]):
            return True
    return False


def _metadata(rule: Mapping[str, Any]) -> dict:
    controls = rule["controls"]
    framework = None
    cis = [c for c in controls if c.startswith(catalog.CIS)]
    if cis:
        framework = PolicyComplianceFramework(name="CIS AWS Foundations Benchmark", version="5.0.0",
                                              reference=", ".join(c[len(catalog.CIS) + 1:] for c in cis))
    return dict(description=rule["description"], enforcement_level=_LEVELS[rule["mirror"]["enforcement"]],
                severity=_SEVERITIES[rule["severity"]], framework=framework, tags=list(controls) or None,
                remediation_steps=rule["remediation_steps"], url=rule["url"], config_schema=config_schema(rule["name"]))


def _report_internal_error(name: str, error: Exception) -> None:
    # The CLI shows the pack's stderr in its logs; the deployment goes on without this verdict.
    print(f"policy {name}: internal error, no verdict: {error!r}", file=sys.stderr)


def _remediate_fn(name: str):
    if name not in REMEDIATIONS:
        return None
    types, fix = REMEDIATIONS[name]

    def remediate(args) -> Optional[dict]:
        if args.resource_type not in types:
            return None
        try:
            props = plain(args.props)
            if exempt(args.name, props, _with_defaults(name, args.get_config())["exemptions"]):
                return None
            return fix(args.resource_type, props)
        except Exception as error:  # a policy must never raise
            _report_internal_error(name, error)
            return None

    return remediate


def _resource_policy(rule: Mapping[str, Any]) -> ResourceValidationPolicy:
    registered = RESOURCE_RULES[rule["name"]]

    def validate(args, report_violation) -> None:
        if args.resource_type not in registered.types:
            return
        try:
            props = plain(args.props)
            config = _with_defaults(rule["name"], args.get_config())
            if exempt(args.name, props, config["exemptions"]):
                return
            for message in registered.check(props, config, kind=args.resource_type):
                report_violation(message)
        except Exception as error:  # a policy must never raise
            _report_internal_error(rule["name"], error)

    return ResourceValidationPolicy(name=rule["name"], validate=validate, remediate=_remediate_fn(rule["name"]),
                                    **_metadata(rule))


def run_stack_check(name: str, index, config: Optional[Mapping[str, Any]]) -> list[Finding]:
    """The findings of stack rule ``name`` over a ``StackIndex``, exemptions applied; never raises."""
    try:
        config = _with_defaults(name, config)
        out = []
        for found in STACK_RULES[name].check(index, config):
            finding = found if isinstance(found, Finding) else Finding(*found)
            target = index.by_urn.get(finding.urn)
            if target and exempt(target["name"], target["props"], config["exemptions"]):
                continue
            out.append(finding)
        return out
    except Exception as error:  # a policy must never raise
        _report_internal_error(name, error)
        return []


def _stack_policy(rule: Mapping[str, Any]) -> StackValidationPolicy:
    """The SDK-facing policy. ``serving.TypeFilteringServicer`` calls ``run_stack_check`` itself with one
    index shared by all stack policies; this ``validate`` serves the SDK's own servicer (one index each)."""
    name = rule["name"]

    def validate(args, report_violation) -> None:
        try:
            index = StackIndex.from_policy_resources(args.resources, STACK_RULES[name].types)
            for finding in run_stack_check(name, index, args.get_config()):
                report_violation(finding_message(finding), finding.urn or None)
        except Exception as error:  # a policy must never raise
            _report_internal_error(name, error)

    return StackValidationPolicy(name=name, validate=validate, **_metadata(rule))


def _s3_remediation_policy() -> ResourceValidationPolicy:
    return ResourceValidationPolicy(
        name=S3_PUBLIC_ACCESS, remediate=_remediate_fn(S3_PUBLIC_ACCESS),
        description="Deploy-time mirror of AWS-DisableS3BucketPublicReadWrite, the remediation of "
                    "s3-bucket-public-read-prohibited and s3-bucket-public-write-prohibited: turns on every flag "
                    "of bucket public access blocks and makes public bucket ACLs private.",
        enforcement_level=EnforcementLevel.DISABLED, severity=Severity.CRITICAL,
        config_schema=config_schema(S3_PUBLIC_ACCESS),
        remediation_steps="Set this policy's enforcement level to `remediate` to apply the fix at deployment.")


def build_policies() -> list:
    """One policy per catalog rule that can be checked before deployment (catalog order), then the
    remediation-only policies."""
    policies = []
    for rule in catalog.RULES:
        kind = rule["mirror"]["kind"]
        if kind == "resource":
            policies.append(_resource_policy(rule))
        elif kind == "stack":
            policies.append(_stack_policy(rule))
    policies.append(_s3_remediation_policy())
    return policies
