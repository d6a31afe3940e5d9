"""Run a Pulumi Python program against an engine, as the Python language host's launcher does.

Runs inside the program's own interpreter (its virtualenv), so it imports nothing but the standard
library and the program's ``pulumi``. Usage::

    python launch_python.py --monitor ADDR --engine ADDR --project P --stack S --organization O \
        --pwd DIR PROGRAM

``--monitor -``: the two addresses arrive as one line "MONITOR ENGINE" on standard input once the
engine listens (the program's interpreter starts and imports the SDK meanwhile).

Config arrives in the environment as the SDK reads it (``PULUMI_CONFIG``, ``PULUMI_CONFIG_SECRET_KEYS``).
The outcome is written as JSON to the file named by ``AUDIT_BASELINE_RESULT`` (removed from the
environment before the program runs): ``{"status": "completed"}`` only when the program ran to its end;
otherwise ``exited`` (SystemExit, with its code), ``refused`` (``pulumi.RunError``: the program's own
clean refusal), ``dependency`` (an import failed) or ``failed`` (any other exception, with the
program's own traceback frames). A process that ends without writing ``completed`` did not finish.
"""
import argparse
import asyncio
import json
import os
import runpy
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))


def _own_frames(error: BaseException) -> str:
    """The traceback's frames that belong to the program (not the SDK, this launcher or Python itself)."""
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if "site-packages" not in f.filename and "/lib/python3" not in f.filename
              and not f.filename.startswith("<") and os.path.dirname(os.path.abspath(f.filename)) != HERE]
    lines = traceback.format_list(frames) + traceback.format_exception_only(type(error), error)
    return "".join(lines).rstrip()


class _QuietEngine:
    """The engine stub, less the SDK's debug logs: the SDK sends each one as a synchronous call from the
    program's thread (hundreds per program), and the gate, like the CLI without ``-v``, shows none."""

    def __init__(self, address: str):
        import grpc
        from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
        from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc
        self._stub = engine_pb2_grpc.EngineStub(grpc.insecure_channel(address, options=_GRPC_CHANNEL_OPTIONS))
        self._debug = engine_pb2.DEBUG

    def Log(self, request, *args, **kwargs):
        if request.severity == self._debug:
            return None
        return self._stub.Log(request, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._stub, name)


def main() -> int:
    result_path = os.environ.pop("AUDIT_BASELINE_RESULT", "")
    parser = argparse.ArgumentParser()
    for option in ("--monitor", "--engine", "--project", "--stack", "--organization", "--pwd"):
        parser.add_argument(option, required=option != "--organization")
    parser.add_argument("--parallel", type=int, default=16)
    parser.add_argument("program")
    args = parser.parse_args()

    def outcome(status: str, **details) -> int:
        if result_path:
            with open(result_path, "w", encoding="utf-8") as out:
                json.dump({"status": status, **details}, out)
        return 0 if status == "completed" else 1

    try:
        import pulumi
        from pulumi.runtime import settings as runtime_settings
        from pulumi.runtime.stack import run_in_stack
    except ImportError as error:
        return outcome("dependency", message=f"the program's environment has no Pulumi SDK: {error}")

    if args.monitor == "-":
        line = sys.stdin.readline().split()
        if len(line) != 2:
            return outcome("gate", message="the engine's addresses never arrived on standard input")
        args.monitor, args.engine = line
    os.chdir(args.pwd)
    sys.path.insert(0, args.pwd)
    sys.argv = [args.program]
    runtime_settings.configure(runtime_settings.Settings(
        project=args.project, stack=args.stack, monitor=args.monitor, engine=_QuietEngine(args.engine),
        parallel=args.parallel, dry_run=True, organization=args.organization or "organization",
        root_directory=args.pwd))
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(run_in_stack(lambda: runpy.run_path(args.program, run_name="__main__")))
    except SystemExit as error:
        return outcome("exited", code=error.code if isinstance(error.code, int) or error.code is None
                       else str(error.code))
    except pulumi.RunError as error:
        return outcome("refused", message=str(error))
    except ImportError as error:
        return outcome("dependency", message=f"{type(error).__name__}: {error}", traceback=_own_frames(error))
    except BaseException as error:  # noqa: BLE001 - every other failure is the program's, shown as such
        return outcome("failed", traceback=_own_frames(error))
    return outcome("completed")


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # threads the program left running must not keep the process alive
