"""Auto-remediation through SSM Automation: one role, and the parameters each runbook takes."""
from __future__ import annotations

from typing import Mapping, Optional, Sequence

import pulumi
import pulumi_aws as aws

from audit_pack import catalog

from . import policy_docs

# Retries and pacing for every remediation: a failing runbook is retried 5 times a minute apart,
# and at most 10% of the targets run at once, stopping when 10% have failed.
ATTEMPTS, RETRY_SECONDS, CONCURRENCY_PERCENT, ERROR_PERCENT = 5, 60, 10, 10


def permissions(rule_names: Sequence[str]) -> list[str]:
    """The union of what the chosen runbooks need, sorted."""
    return sorted({p for n in rule_names for p in catalog.RULES_BY_NAME[n]["remediation"]["permissions"]})


def parameters(rule_name: str, values: Mapping[str, str]) -> dict[str, dict]:
    """Runbook parameters: {name: {"resource_value": "RESOURCE_ID"} | {"static_value": text}}.

    ``values`` fills the catalog's placeholders: automationRoleArn, accountId, auditKeyArn.
    """
    spec = dict(catalog.RULES_BY_NAME[rule_name]["remediation"]["parameters"])
    out: dict[str, dict] = {}
    for name, value in spec.items():
        if value == "RESOURCE_ID":
            out[name] = {"resource_value": "RESOURCE_ID"}
        else:
            out[name] = {"static_value": value.format(**values)}
    out["AutomationAssumeRole"] = {"static_value": values["automationRoleArn"]}
    return out


# What each runbook action may touch, from the Service Authorization Reference ("Actions, resources,
# and condition keys for" Amazon S3, Amazon EC2, AWS CloudTrail, AWS Systems Manager): the statement
# it belongs to, and the resources of this account and partition it is limited to. Actions the
# reference lists without a resource type (account-level and Describe calls) can only take "*".
_BUCKETS, _GROUPS, _TRAILS, _AUTOMATION, _ACCOUNT = (
    "RemediateBuckets", "RemediateSecurityGroups", "RemediateTrails", "FollowAutomation", "AccountLevelActions")
ACTION_SCOPES: dict[str, str] = {
    "s3:GetBucketPublicAccessBlock": _BUCKETS, "s3:PutBucketPublicAccessBlock": _BUCKETS,  # bucket*
    "ec2:RevokeSecurityGroupIngress": _GROUPS,  # security-group*, security-group-rule
    "cloudtrail:GetTrail": _TRAILS, "cloudtrail:UpdateTrail": _TRAILS,  # trail*
    # StartAutomationExecution: automation-definition* (an AWS-owned runbook's ARN has no account:
    # arn:<partition>:ssm:<region>::automation-definition/<runbook>:<version>, the SSM user guide's
    # identity-based policy examples); GetAutomationExecution: automation-execution*.
    "ssm:StartAutomationExecution": _AUTOMATION, "ssm:GetAutomationExecution": _AUTOMATION,
    "ec2:DescribeSecurityGroups": _ACCOUNT, "ec2:EnableEbsEncryptionByDefault": _ACCOUNT,
    "ec2:GetEbsEncryptionByDefault": _ACCOUNT, "s3:GetAccountPublicAccessBlock": _ACCOUNT,
    "s3:PutAccountPublicAccessBlock": _ACCOUNT,
}


def statements(rule_names: Sequence[str], *, partition: pulumi.Input[str], account_id: pulumi.Input[str]) -> list[dict]:
    """The automation role's statements: each runbook action limited to this account's buckets, security
    groups, trails or automation executions where IAM can limit it, ``"*"`` only where it cannot.

    Bucket ARNs carry no account, so bucket actions are held to this account by ``s3:ResourceAccount``.
    Raises ``ValueError`` for an action without a known scope (a catalog runbook this table misses).
    """
    def arn(service: str, resource: str, account: pulumi.Input[str] = account_id) -> pulumi.Output:
        return pulumi.Output.concat("arn:", partition, f":{service}:*:", account, f":{resource}")

    scopes = {
        _BUCKETS: ([pulumi.Output.concat("arn:", partition, ":s3:::*")],
                   {"StringEquals": {"s3:ResourceAccount": account_id}}),
        _GROUPS: ([arn("ec2", "security-group/*"), arn("ec2", "security-group-rule/*")], None),
        _TRAILS: ([arn("cloudtrail", "trail/*")], None),
        _AUTOMATION: ([arn("ssm", "automation-definition/*", account=""), arn("ssm", "automation-execution/*")],
                      None),
        _ACCOUNT: ("*", None),
    }
    actions = permissions(rule_names)
    unknown = [a for a in actions if a not in ACTION_SCOPES]
    if unknown:
        raise ValueError(f"runbook actions without a resource scope in remediation.ACTION_SCOPES: {unknown}")
    out = []
    for sid, (resources, condition) in scopes.items():
        chosen = [a for a in actions if ACTION_SCOPES[a] == sid]
        if chosen:
            out.append(policy_docs.statement(sid, chosen, resources, condition))
    return out


class RemediationRole(pulumi.ComponentResource):
    """The role SSM Automation assumes to remediate: only the actions the chosen runbooks need, each on
    this account's resources where IAM allows (see ``statements``)."""

    def __init__(self, name: str, *, account_id: pulumi.Input[str], rule_names: Sequence[str],
                 partition: pulumi.Input[str] = "aws", tags: Optional[Mapping[str, str]] = None,
                 opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("audit-baseline:config:RemediationRole", name, None, opts)
        self.actions = permissions(rule_names)
        self.role = aws.iam.Role(
            name, description="Assumed by SSM Automation to remediate AWS Config findings",
            assume_role_policy=policy_docs.assume_role_policy(
                "ssm.amazonaws.com", {"StringEquals": {"aws:SourceAccount": account_id}}),
            tags=dict(tags or {}) or None, opts=pulumi.ResourceOptions(parent=self))
        self.policy = aws.iam.RolePolicy(
            f"{name}-runbooks", role=self.role.id,
            policy=policy_docs.render(statements(rule_names, partition=partition, account_id=account_id)),
            opts=pulumi.ResourceOptions(parent=self))
        self.arn = self.role.arn
        self.register_outputs({"arn": self.arn})


def configuration(name: str, rule_name: str, *, region: Optional[str], values: Mapping[str, pulumi.Input[str]],
                  automatic: bool, opts: pulumi.ResourceOptions,
                  config_rule_name: Optional[pulumi.Input[str]] = None) -> aws.cfg.RemediationConfiguration:
    """A RemediationConfiguration for an individually deployed rule (``rule_name``: its catalog name;
    ``config_rule_name``: its physical name in Config, default the catalog name)."""
    remediation = catalog.RULES_BY_NAME[rule_name]["remediation"]
    spec = dict(remediation["parameters"])
    params = []
    for pname, value in spec.items():
        if value == "RESOURCE_ID":
            params.append(aws.cfg.RemediationConfigurationParameterArgs(name=pname, resource_value="RESOURCE_ID"))
        else:
            params.append(aws.cfg.RemediationConfigurationParameterArgs(
                name=pname, static_value=values[value.strip("{}")]))
    params.append(aws.cfg.RemediationConfigurationParameterArgs(
        name="AutomationAssumeRole", static_value=values["automationRoleArn"]))
    return aws.cfg.RemediationConfiguration(
        name, config_rule_name=config_rule_name or rule_name, target_type="SSM_DOCUMENT", target_id=remediation["document"],
        parameters=params, automatic=automatic, maximum_automatic_attempts=ATTEMPTS,
        retry_attempt_seconds=RETRY_SECONDS, region=region,
        execution_controls=aws.cfg.RemediationConfigurationExecutionControlsArgs(
            ssm_controls=aws.cfg.RemediationConfigurationExecutionControlsSsmControlsArgs(
                concurrent_execution_rate_percentage=CONCURRENCY_PERCENT, error_percentage=ERROR_PERCENT)),
        opts=opts)
