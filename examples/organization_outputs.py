"""Write the ``STACK_OUTPUTS`` file of the organization's example stacks from their planned outputs.

Each example stack (``Pulumi.log-archive.yaml``, ``Pulumi.management.yaml``, ``Pulumi.audit.yaml``) is run
under the mock engine in the account its description gives (``examples/accounts/``), in the order of the
walkthrough; its exported outputs are what a ``pulumi.StackReference`` to it reads in the stacks after it.
Prints ``{"<org>/audit-baseline/<stack>": {output: value}}`` (JSON) on stdout; progress on stderr.

Usage (``make organization-outputs`` writes ``examples/organization-outputs.json``)::

    python examples/organization_outputs.py [--organization organization]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# stack -> its account description, in the order an organization deploys them
STACKS = (("log-archive", "log-archive-account.json"), ("management", "management-account.json"),
          ("audit", "audit-account.json"))


def planned_outputs(stack: str, account: dict, known: dict[str, dict]) -> dict:
    """The stack's exported outputs as the mock engine plans them; references resolve from ``known``."""
    return plan_example(stack, account, known)[1]


def plan_example(stack: str, account: dict, known: dict[str, dict]) -> tuple[list, dict]:
    """(registrations, exported outputs) of the example stack in the described account."""
    import pulumi
    from pulumi.runtime import settings as runtime_settings

    from preflight.mocks import AwsMocks, RecordingMonitor
    from preflight.runner import Project, _program_context
    import runpy

    from preflight.account import Account
    from preflight.datasources import answer_invoke
    described = Account.model_validate(account)

    class Mocks(AwsMocks):
        def call(self, args):  # the gate's own answers (the organization's root, ...), in the described account
            found = answer_invoke(args.token, dict(args.args), described, self.region)
            return (found.result, [("", found.failure)]) if found.failure else found.result

        def new_resource(self, args):
            if args.typ == "pulumi:pulumi:StackReference":
                name = args.inputs.get("name") or args.name
                return name, {"name": name, "outputs": known.get(name, {}), "secretOutputNames": []}
            return super().new_resource(args)

    project = Project.load(ROOT)
    config, secrets = project.stack_config(stack)
    mocks = Mocks(region=config.get("aws:region", "us-east-1"), account=account)
    monitor = RecordingMonitor(mocks)
    runtime_settings.ROOT.set(None)
    pulumi.runtime.set_all_config(config, secrets)
    pulumi.runtime.set_mocks(mocks, project=project.name, stack=stack, preview=False, monitor=monitor)

    captured: dict = {}

    def program():  # the mock engine never finishes the stack, so its exports are read from it here
        with _program_context(project.directory):
            runpy.run_path(str(project.main), run_name="__main__")
        root = runtime_settings.get_root_resource()
        return pulumi.Output.from_input(dict(root.outputs)).apply(captured.update)
    pulumi.runtime.test(program)()
    return monitor.registrations, captured


def all_outputs(organization: str = "organization") -> dict[str, dict]:
    """Every example stack's planned outputs, by fully qualified stack name (the ``STACK_OUTPUTS`` shape)."""
    known: dict[str, dict] = {}
    for stack, account_file in STACKS:
        print(f"planning the outputs of stack {stack} ...", file=sys.stderr)
        known[f"{organization}/audit-baseline/{stack}"] = planned_outputs(stack, account_of(account_file), known)
    return known


def account_of(account_file: str) -> dict:
    return json.loads((ROOT / "examples" / "accounts" / account_file).read_text())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organization", default="organization",
                        help="the Pulumi organization in the stack names (default: organization, as the gate uses)")
    args = parser.parse_args(argv)
    json.dump(all_outputs(args.organization), sys.stdout, indent=1, sort_keys=True)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
