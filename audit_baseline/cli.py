"""The `audit-baseline` command: one entry point for the three tools behind `make plan`, `make query`
and `make verify`, with the same options (``audit-baseline <command> --help``) and the same exit
statuses (0 clean, 1 findings, 2 usage or configuration errors)."""
from __future__ import annotations

import difflib
import importlib
import os
import sys
import warnings
from typing import Callable, Optional, Sequence

PROG = "audit-baseline"

# command -> (module whose main() it runs, what it does, the make target that runs the same code)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "plan": ("preflight.__main__", "offline plan of a Pulumi program (or an exported state), judged by the "
             "policy pack", "make plan"),
    "query": ("investigate.__main__", "saved investigations or ad-hoc SQL over local CloudTrail logs",
              "make query"),
    "verify": ("integrity.__main__", "offline CloudTrail log-integrity validation of a bucket copy",
               "make verify"),
}


def usage() -> str:
    width = max(map(len, COMMANDS))
    lines = [f"usage: {PROG} <command> [options]   ({PROG} <command> --help for its options)", "",
             "commands:"]
    lines += [f"  {name:<{width}}  {what} (as `{target}`)" for name, (_, what, target) in COMMANDS.items()]
    lines += ["", "exit status: 0 clean, 1 findings (mandatory violations, integrity problems), 2 usage errors"]
    return "\n".join(lines) + "\n"


def version() -> str:
    from importlib.metadata import PackageNotFoundError, version as dist_version
    try:
        return dist_version("aws-audit-baseline")
    except PackageNotFoundError:  # a checkout that was never installed
        return "0+checkout"


def command_main(name: str) -> Callable[..., int]:
    return importlib.import_module(COMMANDS[name][0]).main


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        sys.stderr.write(usage())
        return 2
    if args[0] in ("-h", "--help", "help"):
        sys.stdout.write(usage())
        return 0
    if args[0] == "--version":
        print(f"{PROG} {version()}")
        return 0
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        close = difflib.get_close_matches(name, COMMANDS, n=1)
        print(f"{PROG}: error: unknown command {name!r}" + (f"; did you mean {close[0]!r}?" if close else "")
              + f" (commands: {', '.join(COMMANDS)})", file=sys.stderr)
        return 2
    # As `python -m preflight` starts: the SDKs' deprecation warnings are not the report, and the gate
    # forks children while gRPC threads run (gRPC's fork handlers are not needed and would warn).
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")
    try:
        status = command_main(name)(rest, prog=f"{PROG} {name}")
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        # The reader of the output went away (`| head`): stop without a traceback, as Python's documentation
        # advises (signal module, "Note on SIGPIPE"): further writes go to /dev/null, and the status is 1.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
