"""`python -m preflight`: the offline plan (`make plan`). Exit 0 clean or advisory only, 1 mandatory
violations (or, with --strict, resources the gate could not judge), 2 configuration, usage, program or
gate errors (the program exiting early, a time limit reached, a policy raising)."""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"TIMEOUT: {text!r} is not a number of seconds") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"TIMEOUT: {text!r} must be more than 0 seconds")
    return value


def _say(message: str) -> None:
    """An error message, unless the time limit is ending the run (its own message is the one that counts)."""
    from . import processes
    if processes.stopping.is_set():
        threading.Event().wait(10)  # the watchdog exits the process
    print(message, file=sys.stderr)


def _watchdog(timeout: float) -> threading.Timer:
    """Fail closed at the time limit, whatever is running (the program, a policy, the environment's
    creation): say so, end every process the gate started, exit 2."""
    def expire() -> None:
        from . import processes
        processes.stopping.set()
        print(f"error: the gate run did not finish within {timeout:g} s (TIMEOUT); every process it started "
              "was stopped and nothing was judged", file=sys.stderr, flush=True)
        processes.kill_all()
        os._exit(2)
    timer = threading.Timer(timeout + 2.0, expire)  # the program's own deadline fires first, with its message
    timer.daemon = True
    timer.start()
    return timer


def main(argv=None, prog: str = "preflight") -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("--program", default=None,
                        help="Pulumi project directory (default: this repository's program in a checkout; "
                             "installed, the project holding the current directory)")
    parser.add_argument("--stack", default="dev", help="stack name; reads Pulumi.<stack>.yaml (default: dev)")
    parser.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    parser.add_argument("--policy-config", default=None, help="JSON file as for --policy-pack-config")
    parser.add_argument("--pack", default=None, help="policy pack directory (default: the audit pack)")
    parser.add_argument("--account", default=None,
                        help="account description file (JSON, see README) or a bare 12-digit account id "
                             "(default: a fresh account 123456789012)")
    parser.add_argument("--state", default=None,
                        help="judge a `pulumi stack export` file instead of running a program")
    parser.add_argument("--timeout", type=_positive_seconds, default=300.0,
                        help="seconds the whole run may take; past it the program and the pack are stopped "
                             "and the run fails (default: 300)")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when any resource could not be judged (remote components)")
    parser.add_argument("--stack-outputs", default=None,
                        help='JSON file {"<org>/<project>/<stack>": {"<output>": value}} answering stack references')
    args = parser.parse_args(argv)
    from audit_baseline.locations import default_pack, default_program
    if args.program is None and not args.state and not (default_program() / "Pulumi.yaml").is_file():
        print(f"error: no Pulumi.yaml in {Path.cwd()} or a parent directory; give --program <project directory>",
              file=sys.stderr)
        return 2
    args.program = args.program or str(default_program())
    args.pack = args.pack or str(default_pack())

    from common import UsageError
    from . import processes

    def terminated(signum, _frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, terminated)
    import time
    started = time.monotonic()
    timer = _watchdog(args.timeout)
    try:
        from .plan import plan  # heavy imports after argument parsing
        if args.state:
            from .plan import plan_state
            document = plan_state(args.state, Path(args.pack), args.policy_config)
        else:
            document = plan(Path(args.program).resolve(), args.stack, Path(args.pack), args.policy_config,
                            args.account, timeout=args.timeout, stack_outputs=args.stack_outputs,
                            started=started, say=_say)
    except UsageError as error:
        _say(f"error: {error}")
        return 2
    except KeyboardInterrupt:
        processes.kill_all()
        print("error: interrupted; every process the gate started was stopped", file=sys.stderr, flush=True)
        # At once: an interrupt can land while gRPC or an import is half set up, and the interpreter's
        # own shutdown would then wait for, or re-raise in, what was left behind.
        os._exit(130)
    finally:
        timer.cancel()
        processes.kill_all()
    if document is None:
        return 2
    if args.format == "json":
        print(json.dumps(document, indent=2))
    elif args.format == "sarif":
        from .sarif import to_sarif
        print(json.dumps(to_sarif(document), indent=2))
    else:
        from .report import to_text
        sys.stdout.write(to_text(document, strict=args.strict))
    if document["summary"]["mandatory"]:
        return 1
    return 1 if args.strict and document["summary"].get("unjudged") else 0


if __name__ == "__main__":
    # The gate forks children while gRPC threads run; gRPC's fork handlers are not needed (no child uses
    # the parent's channels) and would print warnings.
    os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    sys.exit(main())
