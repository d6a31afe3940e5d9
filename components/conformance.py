"""Conformance pack templates rendered from the rule catalog.

Templates carry literal values only (no intrinsic functions: Config refuses them) and stay under
51,200 bytes (UTF-8), the limit for an inline template body.
"""
from __future__ import annotations

import json
from typing import Mapping, Optional, Sequence

from audit_pack import catalog

from . import config_plan, remediation
from .settings import TEMPLATE_BODY_LIMIT, Settings

DESCRIPTIONS = {
    config_plan.SEED_PACK: "The AWS audit baseline's thirteen Config rules, with their remediation.",
    "cis": "CIS AWS Foundations Benchmark v5.0.0 rules that the audit baseline does not deploy on its own.",
}


def logical_id(rule_name: str, suffix: str = "") -> str:
    return "".join(part.capitalize() for part in rule_name.split("-")) + suffix


def render(rule_names: Sequence[str], settings: Settings, values: Optional[Mapping[str, str]] = None,
           description: str = "") -> str:
    """A CloudFormation template (JSON) with one ConfigRule per rule and, when ``values`` are given
    (automationRoleArn, accountId, auditKeyArn as plain text), the remediation of each rule that has one."""
    resources: dict[str, dict] = {}
    remediate = set(config_plan.remediated_rules(settings)) if values is not None else set()
    for name in rule_names:
        rule = catalog.RULES_BY_NAME[name]
        props: dict = {"ConfigRuleName": name, "Description": rule["description"],
                       "Source": {"Owner": "AWS", "SourceIdentifier": rule["identifier"]}}
        params = config_plan.input_parameters(name, settings)
        if params:
            props["InputParameters"] = params
        frequency = config_plan.execution_frequency(name)
        if frequency:
            props["MaximumExecutionFrequency"] = frequency
        scope = config_plan.scope_types(name)
        if scope:
            props["Scope"] = {"ComplianceResourceTypes": scope}
        resources[logical_id(name)] = {"Type": "AWS::Config::ConfigRule", "Properties": props}
        if name in remediate:
            resources[logical_id(name, "Remediation")] = _remediation(name, settings, values)
    body = json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Description": description,
                       "Resources": resources}, indent=1, sort_keys=False)
    size = len(body.encode("utf-8"))
    if size > TEMPLATE_BODY_LIMIT:
        raise ValueError(f"conformance pack template of {size:,} bytes is over the "
                         f"{TEMPLATE_BODY_LIMIT:,}-byte limit for an inline body")
    return body


def _remediation(name: str, settings: Settings, values: Mapping[str, str]) -> dict:
    doc = catalog.RULES_BY_NAME[name]["remediation"]
    params = {}
    for pname, spec in remediation.parameters(name, values).items():
        if "resource_value" in spec:
            params[pname] = {"ResourceValue": {"Value": "RESOURCE_ID"}}
        else:
            params[pname] = {"StaticValue": {"Values": [spec["static_value"]]}}
    return {"Type": "AWS::Config::RemediationConfiguration", "DependsOn": logical_id(name),
            "Properties": {
                "ConfigRuleName": name, "TargetType": "SSM_DOCUMENT", "TargetId": doc["document"],
                "Parameters": params, "Automatic": config_plan.automatic(name, settings),
                "MaximumAutomaticAttempts": remediation.ATTEMPTS, "RetryAttemptSeconds": remediation.RETRY_SECONDS,
                "ExecutionControls": {"SsmControls": {
                    "ConcurrentExecutionRatePercentage": remediation.CONCURRENCY_PERCENT,
                    "ErrorPercentage": remediation.ERROR_PERCENT}}}}
