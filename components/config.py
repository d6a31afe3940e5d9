"""AuditConfig: AWS Config across regions — recorders, managed rules, conformance packs, remediation,
aggregator — all read from the rule catalog through ``config_plan``."""
from __future__ import annotations

from typing import Optional

import pulumi
import pulumi_aws as aws

from . import config_plan, conformance, naming, recorder as recorder_mod, remediation
from .environment import CONFIG_SLR_NAME, CONFIG_SLR_PATH_PREFIX, Environment
from .policy_docs import assume_role_policy, render
from .scope import Scope
from .settings import Settings

SLR_PATH = f"role{CONFIG_SLR_PATH_PREFIX}{CONFIG_SLR_NAME}"


def service_linked_role(parent: pulumi.Resource, name: str, scope: Scope, exists: bool) -> pulumi.Input[str]:
    """The ARN of Config's service-linked role: the one that ``exists``, or one created and never deleted with the
    stack (``retain_on_delete``): other Config users in the account (Security Hub, Control Tower, organization
    packs) depend on it, and IAM refuses to delete it while a recorder uses it."""
    if exists:
        return scope.arn("iam", SLR_PATH, regional=False)
    return aws.iam.ServiceLinkedRole(f"{name}-service-linked-role", aws_service_name="config.amazonaws.com",
                                     opts=pulumi.ResourceOptions(parent=parent, retain_on_delete=True)).arn


class AuditConfig(pulumi.ComponentResource):
    """Everything AWS Config of the baseline, in each region of ``settings.config_regions``."""

    def __init__(self, name: str, settings: Settings, *, scope: Scope, bucket_name: pulumi.Input[str],
                 bucket_arn: pulumi.Input[str], bucket_kms_key_arn: Optional[pulumi.Input[str]],
                 audit_key_arn: pulumi.Input[str], tags: dict, environment: Optional[Environment] = None,
                 slug: str = "stack", opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("audit-baseline:config:AuditConfig", name, None, opts)
        s = settings
        self.slug = slug
        self.environment = environment
        child = pulumi.ResourceOptions(parent=self)
        plans = config_plan.plan(s)
        org = s.organization_config

        # --- the role Config records with: only for a recorder of ours (`existing` keeps the account's own);
        # for a custom role, also the policies the recorder waits for ---
        self.role_policies: list[pulumi.Resource] = []
        self.role_arn = self._config_role(name, s, scope, bucket_arn, tags) if s.recorder == "create" else None

        # --- recorders, one per region ---
        self.recorders: dict[str, recorder_mod.RegionalRecorder] = {}
        if s.recorder == "create":
            for p in plans:
                region_arg = None if p.home else p.region
                self.recorders[p.region] = recorder_mod.RegionalRecorder(
                    f"{name}-{p.region}", recorder_mod.RegionalRecorderArgs(
                        region=region_arg, home=p.region == s.iam_region, role_arn=self.role_arn,
                        bucket_name=bucket_name, kms_key_arn=bucket_kms_key_arn, account_id=scope.account_id,
                        notifications=s.config_notifications, topic_name=naming.config_topic(slug, p.region),
                        recording_frequency=s.recording_frequency, snapshot_frequency=s.snapshot_frequency,
                        role_policies=self.role_policies, tags=tags), opts=child)

        # --- remediation role (only the actions of the runbooks actually deployed) ---
        remediated = config_plan.remediated_rules(s)
        self.remediation_role = remediation.RemediationRole(
            f"{name}-remediation", account_id=scope.account_id, partition=scope.partition, rule_names=remediated,
            tags=tags, opts=child) if remediated else None
        values = {"automationRoleArn": self.remediation_role.arn if self.remediation_role else "",
                  "accountId": scope.account_id, "auditKeyArn": audit_key_arn}

        # --- rules, packs and remediation per region ---
        self.rules: dict[tuple[str, str], pulumi.CustomResource] = {}
        self.packs: dict[tuple[str, str], pulumi.CustomResource] = {}
        self.remediations: dict[tuple[str, str], aws.cfg.RemediationConfiguration] = {}
        for p in plans:
            region_arg = None if p.home else p.region
            after = [self.recorders[p.region].status] if p.region in self.recorders else []
            waits = pulumi.ResourceOptions(parent=self, depends_on=after)
            for rule_name in p.rules:
                rule = self._rule(f"{name}-{rule_name}-{p.region}", rule_name, s, region_arg, org, tags, waits)
                self.rules[(p.region, rule_name)] = rule
                if rule_name in remediated and not org:  # AWS attaches no remediation to organization rules
                    self.remediations[(p.region, rule_name)] = remediation.configuration(
                        f"{name}-{rule_name}-{p.region}-remediation", rule_name, region=region_arg, values=values,
                    config_rule_name=rule.name,
                        automatic=config_plan.automatic(rule_name, s),
                        opts=pulumi.ResourceOptions(parent=self, depends_on=[rule]))
            for pack_name, members in p.packs.items():
                body = pulumi.Output.all(**{k: v for k, v in values.items()}).apply(
                    lambda v, members=members, pack_name=pack_name: conformance.render(
                        members, s, v if remediated else None, conformance.DESCRIPTIONS[pack_name]))
                self.packs[(p.region, pack_name)] = self._pack(
                    f"{name}-pack-{pack_name}-{p.region}", naming.conformance_pack(pack_name, slug), region_arg, org,
                    waits, template_body=body)
            for custom in s.custom_conformance_packs:
                self.packs[(p.region, custom["name"])] = self._pack(
                    f"{name}-pack-{custom['name']}-{p.region}", custom["name"], region_arg, org, waits,
                    template_body=custom.get("templateBody"), template_s3_uri=custom.get("templateS3Uri"))

        self.aggregator = self._aggregator(name, s, scope, tags)
        self.register_outputs({"roleArn": self.role_arn})

    # -- parts --
    def _config_role(self, name: str, s: Settings, scope: Scope, bucket_arn, tags) -> pulumi.Input[str]:
        """Config's service-linked role exists once per account, wherever Config was ever on: it is looked up
        (``environment.discover``) and created only when missing (``service_linked_role``)."""
        found = self.environment.config_role_exists if self.environment else False
        if s.config_role != "custom":
            return service_linked_role(self, name, scope, s.config_role == "existing-service-linked" or found)
        role = aws.iam.Role(
            f"{name}-role", description="AWS Config records and delivers with this role",
            assume_role_policy=assume_role_policy("config.amazonaws.com",
                                                  {"StringEquals": {"aws:SourceAccount": scope.account_id}}),
            tags=tags, opts=pulumi.ResourceOptions(parent=self))
        managed = aws.iam.RolePolicyAttachment(
            f"{name}-role-managed", role=role.name,
            policy_arn=pulumi.Output.concat("arn:", scope.partition, ":iam::aws:policy/service-role/AWS_ConfigRole"),
            opts=pulumi.ResourceOptions(parent=self))
        delivery = aws.iam.RolePolicy(f"{name}-role-delivery", role=role.id, policy=render([
            {"Sid": "DeliverToBucket", "Effect": "Allow", "Action": "s3:PutObject",
             "Resource": pulumi.Output.concat(bucket_arn, f"/{recorder_mod.PREFIX}/AWSLogs/", scope.account_id,
                                              "/Config/*"),
             "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}},
            {"Sid": "CheckBucket", "Effect": "Allow", "Action": "s3:GetBucketAcl", "Resource": bucket_arn},
            {"Sid": "Notify", "Effect": "Allow", "Action": "sns:Publish",
             "Resource": pulumi.Output.concat("arn:", scope.partition, ":sns:*:", scope.account_id, ":",
                                              naming.config_topic(self.slug, "*"))},
            {"Sid": "UseAuditKeys", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
             "Resource": pulumi.Output.concat("arn:", scope.partition, ":kms:*:", scope.account_id, ":key/*"),
             "Condition": {"StringLike": {"kms:ViaService": ["s3.*.amazonaws.com", "sns.*.amazonaws.com"]}}},
        ]), opts=pulumi.ResourceOptions(parent=self))
        # A recorder started before its role may write finds no permissions and fails to deliver.
        self.role_policies.extend([managed, delivery])
        return role.arn

    def _rule(self, resource_name: str, rule_name: str, s: Settings, region, org: bool, tags,
              opts: pulumi.ResourceOptions):
        from audit_pack import catalog
        rule = catalog.RULES_BY_NAME[rule_name]
        params = config_plan.input_parameters_json(rule_name, s)
        frequency = config_plan.execution_frequency(rule_name)
        scope = config_plan.scope_types(rule_name)
        physical = naming.config_rule(rule_name, self.slug)
        if org:
            return aws.cfg.OrganizationManagedRule(
                resource_name, name=physical, rule_identifier=rule["identifier"], description=rule["description"],
                input_parameters=params, maximum_execution_frequency=frequency,
                resource_types_scopes=scope or None, region=region, opts=opts)
        return aws.cfg.Rule(
            resource_name, name=physical, description=rule["description"],
            source=aws.cfg.RuleSourceArgs(owner="AWS", source_identifier=rule["identifier"]),
            input_parameters=params, maximum_execution_frequency=frequency,
            scope=aws.cfg.RuleScopeArgs(compliance_resource_types=scope) if scope else None,
            region=region, tags=tags, opts=opts)

    def _pack(self, resource_name: str, pack_name: str, region, org: bool, opts, **template):
        cls = aws.cfg.OrganizationConformancePack if org else aws.cfg.ConformancePack
        return cls(resource_name, name=pack_name, region=region, opts=opts,
                   **{k: v for k, v in template.items() if v is not None})

    def _aggregator(self, name: str, s: Settings, scope: Scope, tags):
        kind = s.effective_aggregator
        if kind == "none":
            return None
        if kind == "account":
            return aws.cfg.ConfigurationAggregator(
                f"{name}-aggregator", name=naming.aggregator(self.slug), tags=tags,
                account_aggregation_source=aws.cfg.ConfigurationAggregatorAccountAggregationSourceArgs(
                    account_ids=[scope.account_id], regions=list(s.config_regions)),
                opts=pulumi.ResourceOptions(parent=self))
        role = aws.iam.Role(
            f"{name}-aggregator-role", description="Lets AWS Config aggregate the organization",
            assume_role_policy=assume_role_policy("config.amazonaws.com",
                                                  {"StringEquals": {"aws:SourceAccount": scope.account_id}}),
            tags=tags, opts=pulumi.ResourceOptions(parent=self))
        attachment = aws.iam.RolePolicyAttachment(
            f"{name}-aggregator-role-managed", role=role.name,
            policy_arn=pulumi.Output.concat("arn:", scope.partition,
                                            ":iam::aws:policy/service-role/AWSConfigRoleForOrganizations"),
            opts=pulumi.ResourceOptions(parent=self))
        return aws.cfg.ConfigurationAggregator(
            f"{name}-aggregator", name=naming.aggregator(self.slug), tags=tags,
            organization_aggregation_source=aws.cfg.ConfigurationAggregatorOrganizationAggregationSourceArgs(
                role_arn=role.arn, all_regions=True),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[attachment]))
