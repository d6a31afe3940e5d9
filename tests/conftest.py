"""Shared fixtures: the real program under the mock engine, and the real pack over its protocol."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Iterable, Optional

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "policies"))

from preflight.analyzer import PackClient  # noqa: E402
from preflight.runner import Project, run_program  # noqa: E402

NS = "audit-baseline"


class Plan:
    """What one run of a program registered, with helpers to find resources and read their policies."""

    def __init__(self, registrations):
        self.registrations = registrations

    def of_type(self, type_: str) -> list:
        return [r for r in self.registrations if r.type == type_]

    def one(self, type_: str, name: Optional[str] = None):
        found = [r for r in self.of_type(type_) if name is None or r.name == name]
        assert len(found) == 1, f"expected one {type_} {name or ''}, found {[r.name for r in found]}"
        return found[0]

    def names(self, type_: str) -> list[str]:
        return sorted(r.name for r in self.of_type(type_))

    def by_urn(self, urn: str):
        return next(r for r in self.registrations if r.urn == urn)

    @staticmethod
    def statements(resource, key: str = "policy") -> dict[str, dict]:
        """The resource's policy document, statements by Sid."""
        document = json.loads(resource.inputs[key])
        assert document["Version"] == "2012-10-17"
        return {s.get("Sid", f"#{i}"): s for i, s in enumerate(document["Statement"])}


# `recorder` has no default (the account decides); the tests plan into a fresh account, where `create` is right.
FRESH_ACCOUNT_SETTINGS = {"recorder": "create"}

# Account descriptions (the shape of `make plan ACCOUNT=`) the mocks answer lookups from.
ORG_ID, MANAGEMENT_ID, DELEGATED_ID = "o-a1b2c3d4e5", "999988887777", "111122223333"
MANAGEMENT_ACCOUNT = {"accountId": MANAGEMENT_ID, "organization": {"id": ORG_ID, "managementAccountId": MANAGEMENT_ID},
                      "serviceLinkedRoles": []}
DELEGATED_ADMIN = {"accountId": DELEGATED_ID, "organization": {"id": ORG_ID, "managementAccountId": MANAGEMENT_ID},
                   "serviceLinkedRoles": ["AWSServiceRoleForConfig"]}


def run_baseline(settings: Optional[dict[str, Any]] = None, region: str = "us-east-1", stack: str = "test",
                 account: Optional[dict] = None, defaults: Optional[dict[str, Any]] = None) -> Plan:
    """Run the real program with these settings (keys without namespace) on top of ``defaults``
    (``FRESH_ACCOUNT_SETTINGS`` unless given), in the account ``account`` describes (None: a fresh one)."""
    project = Project.load(ROOT)
    config = {"aws:region": region} if region else {}
    merged = {**(FRESH_ACCOUNT_SETTINGS if defaults is None else defaults), **(settings or {})}
    for key, value in merged.items():
        config[f"{NS}:{key}"] = value if isinstance(value, str) else json.dumps(value)
    return Plan(run_program(project, stack, config, [], account=account))


@pytest.fixture(scope="session")
def dev_plan() -> Plan:
    project = Project.load(ROOT)
    config, secrets = project.stack_config("dev")
    return Plan(run_program(project, "dev", config, secrets))


@pytest.fixture(scope="session")
def pack() -> Iterable[PackClient]:
    with PackClient(ROOT / "policies") as client:
        yield client


def record(program) -> list:
    """Registrations of resources declared by ``program()`` with the real pulumi_aws classes."""
    from preflight.runner import run_under_mocks
    return run_under_mocks(program)


def verdicts(pack: PackClient, registrations) -> list[tuple[str, str, str]]:
    """(policy, enforcement level, resource name) for every diagnostic Analyze reports, sorted."""
    from preflight.analyzer import LEVEL_NAMES
    out = []
    for r in registrations:
        for d in pack.analyze(r).diagnostics:
            out.append((d.policyName, LEVEL_NAMES[d.enforcementLevel], r.name))
    return sorted(out)


def messages(pack: PackClient, registration) -> dict[str, str]:
    return {d.policyName: d.message for d in pack.analyze(registration).diagnostics}


def all_verdicts(pack: PackClient, registrations) -> list[tuple[str, str, str]]:
    """(policy, level, resource name) from Analyze on each resource and AnalyzeStack on all, sorted —
    what the engine reports for a preview."""
    from preflight.analyzer import LEVEL_NAMES
    names = {r.urn: r.name for r in registrations}
    out = verdicts(pack, registrations)
    for d in pack.analyze_stack(registrations).diagnostics:
        out.append((d.policyName, LEVEL_NAMES[d.enforcementLevel], names.get(d.urn, d.urn)))
    return sorted(out)


class configured:
    """Configure the pack as the CLI would with a user policy config, and restore the defaults after."""

    def __init__(self, pack: PackClient, user_config: dict):
        self.pack, self.user_config = pack, user_config

    def __enter__(self):
        from preflight.analyzer import effective_config
        self.pack.configure(effective_config(self.pack.info(), self.user_config))
        return self.pack

    def __exit__(self, *_exc):
        from preflight.analyzer import effective_config
        self.pack.configure(effective_config(self.pack.info(), {}))
