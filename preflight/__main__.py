"""`python -m preflight`: the offline plan (`make plan`). Exit 0 clean or advisory only, 1 mandatory
violations, 2 configuration or usage errors."""
from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv=None, prog: str = "preflight") -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("--program", default=None,
                        help="Pulumi project directory (default: this repository's program in a checkout; "
                             "installed, the project holding the current directory)")
    parser.add_argument("--stack", default="dev", help="stack name; reads Pulumi.<stack>.yaml (default: dev)")
    parser.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    parser.add_argument("--policy-config", default=None, help="JSON file as for --policy-pack-config")
    parser.add_argument("--pack", default=None, help="policy pack directory (default: the audit pack)")
    parser.add_argument("--account", default="123456789012", help="account id the mocks answer with")
    parser.add_argument("--state", default=None,
                        help="judge a `pulumi stack export` file instead of running a program")
    args = parser.parse_args(argv)
    from audit_baseline.locations import default_pack, default_program
    if args.program is None and not args.state and not (default_program() / "Pulumi.yaml").is_file():
        print(f"error: no Pulumi.yaml in {Path.cwd()} or a parent directory; give --program <project directory>",
              file=sys.stderr)
        return 2
    args.program = args.program or str(default_program())
    args.pack = args.pack or str(default_pack())

    from .plan import plan  # heavy imports after argument parsing
    from .runner import UsageError

    try:
        if args.state:
            from .plan import plan_state
            document = plan_state(args.state, Path(args.pack), args.policy_config)
        else:
            document = plan(Path(args.program).resolve(), args.stack, Path(args.pack), args.policy_config,
                            args.account)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if document is None:
        return 2
    if args.format == "json":
        print(json.dumps(document, indent=2))
    elif args.format == "sarif":
        from .sarif import to_sarif
        print(json.dumps(to_sarif(document), indent=2))
    else:
        from .report import to_text
        sys.stdout.write(to_text(document))
    return 1 if document["summary"]["mandatory"] else 0


if __name__ == "__main__":
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    sys.exit(main())
