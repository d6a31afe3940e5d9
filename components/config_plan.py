"""Which Config rule runs where and how: pure functions of the settings and the rule catalog.

Account-level and IAM rules run in the home region only (they would bill, and judge the same
thing, in every region). No rule is evaluated twice in one account and region: the baseline's
thirteen run either as individual rules or in the seed pack, and the CIS pack leaves them out.
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


def plan(settings: Settings) -> list[RegionPlan]:
    enabled = [r["name"] for r in catalog.RULES if r["name"] not in settings.disabled_rules]
    out = []
    for region in settings.config_regions:
        home = region == settings.region

        def here(names) -> tuple:
            return tuple(n for n in enabled if n in names and
                         (home or catalog.RULES_BY_NAME[n]["placement"] == "every-region"))

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
    return dict(catalog.RULES_BY_NAME[rule_name]["parameters"])


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
    """Rules whose remediation is deployed somewhere (individually or inside a pack)."""
    if not settings.remediation:
        return []
    deployed = {n for p in plan(settings) for n in (*p.rules, *[m for ms in p.packs.values() for m in ms])}
    return [r["name"] for r in catalog.RULES if r["name"] in deployed and r["remediation"]]


def automatic(rule_name: str, settings: Settings) -> bool:
    return settings.automatic_remediation and catalog.RULES_BY_NAME[rule_name]["remediation"]["automatic"]
