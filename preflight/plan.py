"""The plan: program under mocks -> every resource through the pack -> one report document."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

from google.protobuf import json_format

from .analyzer import PackClient, PackError, PolicyConfigError, diagnostics, effective_config
from .report import to_json
from .runner import Project, load_policy_config


def plan(program: Path, stack: str, pack_dir: Path, policy_config: Optional[str] = None,
         account_id: str = "123456789012", timeout: float = 300.0, stack_outputs: Optional[str] = None,
         organization: Optional[str] = None) -> Optional[dict]:
    """Run the program against the offline engine, in its own process and environment, judge every
    registration with the pack (started meanwhile), and return the report document; None after printing
    an error (the program's, its dependencies' or the gate's) to stderr."""
    import time
    from .engine import OfflineEngine
    from .environment import DependencyError, interpreter_for
    from .launcher import ProgramFailed, run_python

    began = time.monotonic()
    project = Project.load(program)
    config, secret_keys = project.stack_config(stack)
    user_policy_config = load_policy_config(policy_config)
    account = resolve_account(account_id)
    organization = organization or os.environ.get("PULUMI_ORGANIZATION") or "organization"
    outputs = load_stack_outputs(stack_outputs, organization, project.name)
    region = config.get("aws:region") or "us-east-1"
    pack = PackClient(pack_dir)
    document = None
    try:
        pack.launch()  # the pack starts while the program runs
        try:
            engine = OfflineEngine(project.name, stack, region=region, account=account, stack_outputs=outputs)
            if project.runtime == "nodejs":
                from .node import run_node
                record = run_node(project.directory, project.entry, project.node, project.name, stack,
                                  organization, config, secret_keys, engine, timeout, deadline=began + timeout)
            else:
                interpreter = interpreter_for(project.directory, project.virtualenv, timeout=timeout)
                record = run_python(interpreter, project.main, project.directory, project.name, stack,
                                    organization, config, secret_keys, engine, timeout, deadline=began + timeout)
        except DependencyError as error:
            print(f"error: the program's dependencies: {error}", file=sys.stderr)
            return None
        except ProgramFailed as error:
            print(f"error: {error}", file=sys.stderr)
            return None
        from .account import singleton_conflicts
        conflicts = singleton_conflicts(record.registrations, account, region)
        if conflicts:
            print(f"error: the plan cannot be applied to the described account ({len(conflicts)} "
                  f"problem{'s' if len(conflicts) != 1 else ''}):", file=sys.stderr)
            for conflict in conflicts:
                print(f"  - {conflict}", file=sys.stderr)
            return None
        document = judge(record.registrations, stack, pack_dir, user_policy_config, pack,
                         unjudged=record.unjudged)
        document["invented"] = [{"token": token, "calls": calls} for token, calls in sorted(record.invented.items())]
        document["stackReferences"] = [{"name": name, "outputs": state}
                                       for name, state in sorted(record.stack_references.items())]
        return document
    except (PolicyConfigError, PackError) as error:
        print(f"error: {error}", file=sys.stderr)
        return None
    finally:
        pack.stop(graceful=document is not None)


def resolve_account(value: Optional[str]):
    """``--account``: an account description file (issue 12's contract) or a bare 12-digit account id."""
    from .account_seam import account_from_option
    return account_from_option(value)


def load_stack_outputs(path: Optional[str], organization: Optional[str] = None, project: Optional[str] = None):
    """``STACK_OUTPUTS``: {"<org>/<project>/<stack>": {"<output>": value}} -> a lookup by stack name."""
    from .account_seam import stack_outputs_from_file
    return stack_outputs_from_file(path, organization, project)


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
          client: Optional[PackClient] = None, unjudged: Optional[list] = None) -> dict:
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
    document = to_json(stack, registrations, found, remediations, pack_meta, unjudged or [])
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
