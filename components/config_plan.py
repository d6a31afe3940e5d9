"""Which Config rule runs where and how: pure functions of the settings and the rule catalog.

Rules the catalog places in one region (account-level and IAM rules) would bill, and judge the same
thing, in every region; they run once:

- CloudTrail rules in the trail's home region (the stack's region): a trail is one resource, and the
  remediation runbooks can update a trail only from its home region (CloudTrail API reference, UpdateTrail).
- IAM rules where Config records the global IAM resource types (``Settings.iam_region``): those types are
  recorded only in regions available before February 2022 (AWS Config developer guide, "Recording AWS
  Resources | Global Resources").
- other account-level rules in the home region.

No rule is evaluated twice in one account and region: the baseline's thirteen run either as individual
rules or in the seed pack, and the CIS pack leaves them out.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Mapping

from audit_pack import catalog

from .settings import Settings

SEED_PACK = "baseline"
PACK_RULES = {"cis": lambda: [r for r in catalog.cis_rules() if r not in catalog.BASELINE_RULES]}


@dataclass(frozen=True)
class RegionPlan:
    region: str
    home: bool
    rules: tuple = ()
    """Rules deployed one by one (aws.cfg.Rule or OrganizationManagedRule)."""
    packs: Mapping[str, tuple] = field(default_factory=dict)
    """Conformance packs rendered from the catalog: pack name -> its rules."""


def is_cloudtrail_rule(rule_name: str) -> bool:
    rule = catalog.RULES_BY_NAME[rule_name]
    return "CLOUD_TRAIL" in rule["identifier"] or "AWS::CloudTrail::Trail" in rule["resource_types"]


def is_iam_rule(rule_name: str) -> bool:
    """Rules that judge IAM users, the root user, access keys or the password policy."""
    rule = catalog.RULES_BY_NAME[rule_name]
    return ("IAM" in rule["identifier"] or rule["identifier"] in ("ROOT_ACCOUNT_MFA_ENABLED", "ACCESS_KEYS_ROTATED")
            or any(t.startswith("AWS::IAM::") for t in rule["resource_types"]))


def placement(rule_name: str) -> str:
    """Where a rule runs: ``trail`` (the trail's home region), ``every`` (every Config region), ``iam``
    (``Settings.iam_region``) or ``home`` (the home region)."""
    if is_cloudtrail_rule(rule_name):
        return "trail"
    if catalog.RULES_BY_NAME[rule_name]["placement"] == "every-region":
        return "every"
    return "iam" if is_iam_rule(rule_name) else "home"


def rule_region(rule_name: str, settings: Settings) -> str | None:
    """The one region a rule runs in, or None for every Config region."""
    return {"every": None, "iam": settings.iam_region}.get(placement(rule_name), settings.region)


def plan(settings: Settings) -> list[RegionPlan]:
    enabled = [r["name"] for r in catalog.RULES if r["name"] not in settings.disabled_rules]
    out = []
    for region in settings.config_regions:
        home = region == settings.region

        def here(names) -> tuple:
            return tuple(n for n in enabled if n in names and rule_region(n, settings) in (None, region))

        baseline = here(catalog.BASELINE_RULES)
        packs = {}
        if settings.baseline_rules_as == "pack" and baseline:
            packs[SEED_PACK] = baseline
        for name in settings.conformance_packs:
            members = here(PACK_RULES[name]())
            if members:
                packs[name] = members
        out.append(RegionPlan(region, home, baseline if settings.baseline_rules_as == "rules" else (), packs))
    return out


def input_parameters(rule_name: str, settings: Settings) -> dict[str, str]:
    """A rule's input parameters as Config takes them (strings), with the settings applied."""
    if rule_name == "restricted-common-ports":
        ports = settings.blocked_ports
        if len(ports) <= 5:
            return {f"blockedPort{i}": str(p) for i, p in enumerate(ports, 1)}
        return {"blockedPorts": ",".join(str(p) for p in ports)}
    params = dict(catalog.RULES_BY_NAME[rule_name]["parameters"])
    if rule_name == "iam-password-policy" and settings.password_max_age_days:
        params["MaxPasswordAge"] = str(settings.password_max_age_days)
    return params


def input_parameters_json(rule_name: str, settings: Settings) -> str | None:
    params = input_parameters(rule_name, settings)
    return json.dumps(params, sort_keys=True) if params else None


def execution_frequency(rule_name: str) -> str | None:
    """Only purely periodic rules take a frequency; Config refuses it on change-triggered rules."""
    trigger = catalog.RULES_BY_NAME[rule_name]["trigger"]
    return trigger["periodic"] if trigger["periodic"] and not trigger["changes"] else None


def scope_types(rule_name: str) -> list[str]:
    """Change-triggered rules are scoped to their resource types."""
    rule = catalog.RULES_BY_NAME[rule_name]
    return list(rule["resource_types"]) if rule["trigger"]["changes"] else []


def remediated_rules(settings: Settings) -> list[str]:
    """Rules whose remediation is deployed somewhere (individually or inside a pack).

    None in organization mode: AWS attaches no remediation to organization rules, and an organization
    conformance pack would deploy its remediation into every member account, where this account's
    automation role does not exist (see README, "Organization mode")."""
    if not settings.remediation or settings.organization_config:
        return []
    deployed = {n for p in plan(settings) for n in (*p.rules, *[m for ms in p.packs.values() for m in ms])}
    return [r["name"] for r in catalog.RULES if r["name"] in deployed and r["remediation"]]


def automatic(rule_name: str, settings: Settings) -> bool:
    return settings.automatic_remediation and catalog.RULES_BY_NAME[rule_name]["remediation"]["automatic"]
