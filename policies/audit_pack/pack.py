"""Builds the CrossGuard policies from the catalog and the registered checks.

Names, descriptions, severities, framework controls, remediation steps and default enforcement
come from the catalog; the check comes from the registry. Every policy is wrapped so that it
never raises: an exception in a policy would abort the user's whole deployment.
"""
from __future__ import annotations

import sys
from typing import Any, Mapping

from pulumi_policy import (EnforcementLevel, PolicyComplianceFramework, ResourceValidationPolicy, Severity,
                           StackValidationPolicy)

from . import catalog
from .props import plain
from .registry import RESOURCE_RULES, STACK_RULES
from .rules import cloudtrail  # noqa: F401  (registers its checks)

_LEVELS = {"mandatory": EnforcementLevel.MANDATORY, "advisory": EnforcementLevel.ADVISORY}
_SEVERITIES = {"low": Severity.LOW, "medium": Severity.MEDIUM, "high": Severity.HIGH, "critical": Severity.CRITICAL}


def _metadata(rule: Mapping[str, Any]) -> dict:
    controls = rule["controls"]
    framework = None
    if controls:
        # "CIS AWS Foundations v3.0.0 3.1" -> name, version, reference
        words = controls[0].split(" ")
        version_at = next(i for i, w in enumerate(words) if w.startswith("v") and w[1:2].isdigit())
        framework = PolicyComplianceFramework(name=" ".join(words[:version_at]), version=words[version_at][1:],
                                              reference=" ".join(words[version_at + 1:]))
    return dict(
        description=rule["description"],
        enforcement_level=_LEVELS[rule["mirror"]["enforcement"]],
        severity=_SEVERITIES[rule["severity"]],
        framework=framework,
        tags=list(controls) or None,
        remediation_steps=rule["remediation_steps"],
        url=rule["url"],
    )


def _report_internal_error(name: str, error: Exception) -> None:
    # The CLI shows the pack's stderr in its logs; the deployment goes on without this verdict.
    print(f"policy {name}: internal error, no verdict: {error!r}", file=sys.stderr)


def _resource_policy(rule: Mapping[str, Any]) -> ResourceValidationPolicy:
    registered = RESOURCE_RULES[rule["name"]]

    def validate(args, report_violation) -> None:
        if args.resource_type not in registered.types:
            return
        try:
            for message in registered.check(plain(args.props), args.get_config() or {}):
                report_violation(message)
        except Exception as error:  # a policy must never raise
            _report_internal_error(rule["name"], error)

    return ResourceValidationPolicy(name=rule["name"], validate=validate, **_metadata(rule))


def _stack_policy(rule: Mapping[str, Any]) -> StackValidationPolicy:
    registered = STACK_RULES[rule["name"]]

    def validate(args, report_violation) -> None:
        try:
            resources = [{"type": r.resource_type, "urn": r.urn, "name": r.name, "props": plain(r.props),
                          "parent": r.parent.urn if r.parent else None} for r in args.resources]
            for urn, message in registered.check(resources, args.get_config() or {}):
                report_violation(message, urn)
        except Exception as error:  # a policy must never raise
            _report_internal_error(rule["name"], error)

    return StackValidationPolicy(name=rule["name"], validate=validate, **_metadata(rule))


def build_policies() -> list:
    """One policy per catalog rule that can be checked before deployment, in catalog order."""
    policies = []
    for rule in catalog.RULES:
        kind = rule["mirror"]["kind"]
        if rule["name"] not in RESOURCE_RULES and rule["name"] not in STACK_RULES:
            continue  # not yet mirrored
        if kind == "resource":
            policies.append(_resource_policy(rule))
        elif kind == "stack":
            policies.append(_stack_policy(rule))
    return policies
