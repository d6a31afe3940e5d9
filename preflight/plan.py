"""The plan: program under mocks -> every resource through the pack -> one report document."""
from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Optional

from google.protobuf import json_format

from .analyzer import PackClient, PackError, PolicyConfigError, diagnostics, effective_config
from .report import to_json
from .runner import ProgramConfigError, Project, load_policy_config, run_program


def plan(program: Path, stack: str, pack_dir: Path, policy_config: Optional[str] = None,
         account_id: str = "123456789012") -> Optional[dict]:
    """Return the report document, or None after printing a configuration error to stderr."""
    project = Project.load(program)
    config, secret_keys = project.stack_config(stack)
    user_policy_config = load_policy_config(policy_config)
    pack = PackClient(pack_dir)
    try:
        pack.launch()  # the pack starts while the program runs
        try:
            # Whatever the program prints must not reach stdout, which belongs to the report.
            with contextlib.redirect_stdout(sys.stderr):
                registrations = run_program(project, stack, config, secret_keys, account_id=account_id)
        except ProgramConfigError as error:
            print(f"error: {error}", file=sys.stderr)
            return None
        return judge(registrations, stack, pack_dir, user_policy_config, pack)
    except (PolicyConfigError, PackError) as error:
        print(f"error: {error}", file=sys.stderr)
        return None
    finally:
        pack.stop()


def plan_state(state: str, pack_dir: Path, policy_config: Optional[str] = None) -> Optional[dict]:
    """Judge an exported state (what already runs) instead of a program."""
    from .state import load_state
    stack, registrations = load_state(state)
    user_policy_config = load_policy_config(policy_config)
    try:
        return judge(registrations, stack, pack_dir, user_policy_config)
    except (PolicyConfigError, PackError) as error:
        print(f"error: {error}", file=sys.stderr)
        return None


def judge(registrations, stack: str, pack_dir: Path, user_policy_config: dict,
          client: Optional[PackClient] = None) -> dict:
    """Send every resource to the pack as the engine does during preview and collect what it says."""
    with (client or PackClient(pack_dir)) as pack:
        info = pack.info()
        config = effective_config(info, user_policy_config)
        pack.configure(config)
        severities = {p.name: _severity(p) for p in info.policies}

        remediations = []
        if any(entry["enforcementLevel"] == "remediate" for entry in config.values()):
            for r in registrations:
                response = pack.remediate(r)
                for fix in response.remediations:
                    if fix.HasField("properties"):
                        r.inputs = json_format.MessageToDict(fix.properties)
                    remediations.append({"policy": fix.policyName, "urn": r.urn,
                                         "diagnostic": fix.diagnostic or None})

        found = []
        for r in registrations:
            found.extend(diagnostics(pack.analyze(r), severities, r.urn))
        found.extend(diagnostics(pack.analyze_stack(registrations), severities))
        pack_meta = {"name": info.name, "version": _pack_version(pack_dir) or info.version,
                     "policies": len(info.policies)}
        rules = {p.name: {"description": p.description, "severity": severities[p.name],
                          "enforcementLevel": config[p.name]["enforcementLevel"],
                          "remediationSteps": p.remediation_steps, "url": p.url, "tags": list(p.tags)}
                 for p in info.policies}
    document = to_json(stack, registrations, found, remediations, pack_meta)
    document["rules"] = rules
    return document


def _severity(policy) -> str:
    from .analyzer import SEVERITY_NAMES
    return SEVERITY_NAMES.get(policy.severity) or "low"


def _pack_version(pack_dir: Path) -> Optional[str]:
    """Python packs report 0.0.1 over the protocol; the CLI takes the version from PulumiPolicy.yaml."""
    import yaml
    data = yaml.safe_load((Path(pack_dir) / "PulumiPolicy.yaml").read_text()) or {}
    return str(data["version"]) if "version" in data else None
