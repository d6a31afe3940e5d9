"""Run a program in a process of its own against the offline engine, as `pulumi preview` runs it.

The program's standard output is the gate's standard error (so the JSON document on the gate's stdout
is never mixed with what the program or its children print); its outcome comes back through a result
file written by :mod:`preflight.launch_python`. Only a program that ran to its end counts: a process that
exits early, whatever its status, is a failed gate run.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from typing import TYPE_CHECKING

from . import processes
from .environment import Interpreter

if TYPE_CHECKING:  # the engine (gRPC, the SDK's protos) loads while the program starts
    from .engine import EngineRecord, OfflineEngine

LAUNCHER = Path(__file__).resolve().parent / "launch_python.py"


class ProgramFailed(Exception):
    """The program did not run to its end (exit status 2). ``str()`` says what failed and why;
    ``cause`` is "program", "dependencies" or "gate"; ``registrations`` what was registered before."""

    def __init__(self, message: str, cause: str, registrations: list):
        super().__init__(message)
        self.cause, self.registrations = cause, registrations


class ProgramTimeout(ProgramFailed):
    pass


CONFIG_IN_ENVIRONMENT_LIMIT = 64 * 1024  # characters of PULUMI_CONFIG passed in the environment as it is


def start_program(interpreter: Interpreter, program: Path, directory: Path, project: str, stack: str,
                  organization: str, config: dict[str, str], secret_keys: list[str]) -> tuple[subprocess.Popen, Path]:
    """Start the program's process. It starts at once and waits for the engine's addresses on its standard
    input (:func:`send_addresses`), so its interpreter and SDK load while the gate starts the engine."""
    result = Path(tempfile.mkstemp(prefix="preflight-result-", suffix=".json")[1])
    result.unlink()
    env = dict(os.environ, PULUMI_CONFIG=json.dumps(config), PULUMI_CONFIG_SECRET_KEYS=json.dumps(secret_keys),
               AUDIT_BASELINE_RESULT=str(result), PYTHONUNBUFFERED="1")
    if len(env["PULUMI_CONFIG"]) > CONFIG_IN_ENVIRONMENT_LIMIT:
        # Linux refuses to start a process with one environment string over 128 KiB (MAX_ARG_STRLEN); the
        # launcher reads such a config from a file and puts it in its own environment, where the program's
        # SDK reads it, so the program still judges (and refuses) an oversized value itself.
        handle, config_file = tempfile.mkstemp(prefix="preflight-config-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(env.pop("PULUMI_CONFIG"))
        env["AUDIT_BASELINE_CONFIG_FILE"] = config_file
    bin_dir = Path(interpreter.python).parent
    env["PATH"] = str(bin_dir) + os.pathsep + env.get("PATH", "")  # as an activated virtualenv
    if (bin_dir.parent / "pyvenv.cfg").is_file():
        env["VIRTUAL_ENV"] = str(bin_dir.parent)
    env.pop("PYTHONPATH", None)
    env.pop("PYTHONHOME", None)
    command = [interpreter.python, "-W", "ignore::DeprecationWarning", str(LAUNCHER), "--monitor", "-",
               "--engine", "-", "--project", project, "--stack", stack, "--organization", organization,
               "--pwd", str(directory), str(program)]
    process = processes.start(command, cwd=directory, env=env,
                              stdin=subprocess.PIPE,
                              stdout=sys.stderr.fileno())
    return process, result


def send_addresses(process: subprocess.Popen, monitor: str, engine_address: str) -> None:
    """Tell a program started without addresses where the engine listens; its stdin then ends."""
    try:
        process.stdin.write(f"{monitor} {engine_address}\n".encode())
        process.stdin.close()
    except (BrokenPipeError, OSError):
        pass  # the program already ended: wait_program says how


def wait_within(process: subprocess.Popen, deadline: float, timeout: float, record: EngineRecord) -> int:
    """The program's exit status, waiting at most until ``deadline`` (a ``time.monotonic()`` value); past it
    the program and its process group are stopped and ProgramTimeout is raised (any language's program)."""
    try:
        return process.wait(timeout=max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        processes.kill(process)
        raise ProgramTimeout(f"the program did not finish within {timeout:g} s (TIMEOUT); it was stopped "
                             "and nothing was judged", "program", record.registrations) from None


def wait_program(process: subprocess.Popen, result: Path, engine: OfflineEngine, interpreter: Interpreter,
                 deadline: float, timeout: float) -> EngineRecord:
    """Wait for the program (at most until ``deadline``, a ``time.monotonic()`` value) and judge its end."""
    record = engine.record
    try:
        status = wait_within(process, deadline, timeout, record)
    finally:
        processes.kill(process)  # whatever the program left running in its process group
    try:
        outcome = json.loads(result.read_text())
    except (OSError, ValueError):
        outcome = None
    finally:
        result.unlink(missing_ok=True)
    if record.gate_errors:
        raise ProgramFailed("the gate failed (not the program): " + "; ".join(record.gate_errors), "gate",
                            record.registrations)
    kind = (outcome or {}).get("status")
    if kind == "completed" and status == 0:
        return record
    if kind == "refused":
        raise ProgramFailed(outcome["message"], "program", record.registrations)
    if kind == "failed":
        raise ProgramFailed("the program failed:\n" + outcome["traceback"], "program", record.registrations)
    if kind == "gate":
        raise ProgramFailed("the gate failed (not the program): " + outcome["message"], "gate", record.registrations)
    if kind == "dependency":
        detail = outcome.get("traceback") or outcome.get("message")
        raise ProgramFailed(f"the program's dependencies failed ({interpreter.source}):\n{detail}",
                            "dependencies", record.registrations)
    how = f"sys.exit({outcome.get('code')!r})" if kind == "exited" else \
        f"exit status {status}" if status >= 0 else f"killed by signal {-status}"
    raise ProgramFailed(f"the program exited before it finished ({how}); a run that does not complete "
                        "is never judged", "program", record.registrations)

