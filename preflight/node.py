"""TypeScript and JavaScript programs (``runtime: nodejs``): run through the Node SDK's own program runner
against the offline engine, as ``pulumi preview`` runs them.

The Pulumi CLI's Node language host (pulumi/pulumi sdk/nodejs/cmd/pulumi-language-nodejs) starts
``node [nodeargs] <program>/node_modules/@pulumi/pulumi/cmd/run --monitor=ADDR --engine=ADDR
--project=P --stack=S --organization=O --pwd=DIR --dry-run --parallel=N <entry>`` with the stack's
config in ``PULUMI_CONFIG`` / ``PULUMI_CONFIG_SECRET_KEYS`` and ``PULUMI_NODEJS_TYPESCRIPT=true`` unless
Pulumi.yaml says ``typescript: false``. The runner (``@pulumi/pulumi/cmd/run/run.js``, read in 3.248)
then loads TypeScript through ts-node (the program's own ``ts-node`` and ``typescript`` when installed,
else the SDK's vendored ts-node 7.0.1), type-checking unless ``PULUMI_NODEJS_TRANSPILE_ONLY=true`` or
the tsconfig's ``noCheck``, and reads the entry point from Pulumi.yaml's ``main``, else package.json's
``exports`` / ``main``, else ``index.js``. This module starts exactly that, in the program's own
``@pulumi/pulumi``; the gate adds nothing to the program's process.

A run counts only when it completed: the runner signals the engine (``SignalAndWaitForShutdown``) once
the program's event loop drained without an uncaught error, then exits 0. A ``process.exit()`` in the
program, a crash or a non-zero status, is a failed run and nothing is judged (fail closed).

``node_modules``: the program's own when present. When missing, it is installed from the lockfile with
``npm ci --ignore-scripts`` (``npm install`` without a lockfile, with a warning: versions are then not
pinned), into a cache keyed by the lockfile's dependency tree (``$AUDIT_BASELINE_CACHE/node/<hash>``,
default ``~/.cache/audit-baseline``), and linked as ``<program>/node_modules``; programs with the same
dependency tree share one install. Install scripts are not run: the offline gate needs no provider
plugin (``@pulumi/aws`` 7 has none), and a dependency's script is code the gate need not trust.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from . import processes
from .engine import EngineRecord, OfflineEngine
from .environment import DependencyError, cache_root, run_step

RUNNER = Path("@pulumi/pulumi/cmd/run")
LOCKFILE = "package-lock.json"
MINIMUM_NODE = 18


@dataclass
class NodeRuntime:
    """What Pulumi.yaml's ``runtime: {name: nodejs, options: {...}}`` says (the options the CLI reads)."""

    typescript: bool = True
    nodeargs: tuple[str, ...] = ()
    packagemanager: str = "npm"

    @classmethod
    def from_options(cls, options: Optional[dict], spec: Path) -> "NodeRuntime":
        from common import UsageError
        options = options or {}
        typescript = options.get("typescript", True)
        if not isinstance(typescript, bool):
            raise UsageError(f"{spec}: runtime.options.typescript must be true or false, not {typescript!r}")
        nodeargs = options.get("nodeargs", "")
        if not isinstance(nodeargs, str):
            raise UsageError(f"{spec}: runtime.options.nodeargs must be a string of node options")
        manager = options.get("packagemanager", "npm")
        if manager not in ("npm", "yarn", "pnpm", "bun"):
            raise UsageError(f"{spec}: runtime.options.packagemanager {manager!r} is not one of npm, yarn, pnpm, bun")
        return cls(typescript=typescript, nodeargs=tuple(nodeargs.split()), packagemanager=manager)


def node_executable() -> str:
    """``node`` on PATH, at least version 18 (what the Node SDK supports); DependencyError otherwise."""
    node = shutil.which("node")
    if not node:
        raise DependencyError("node is not on PATH: TypeScript and JavaScript programs need Node.js "
                              f"{MINIMUM_NODE} or later")
    version = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    try:
        major = int(version.lstrip("v").split(".")[0])
    except ValueError:
        major = 0
    if major < MINIMUM_NODE:
        raise DependencyError(f"node {version or '(unknown version)'} at {node} is too old: the Node SDK needs "
                              f"Node.js {MINIMUM_NODE} or later")
    return node


DEPENDENCY_FIELDS = ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies")


def dependency_key(directory: Path) -> tuple[str, bool]:
    """(hash of the dependency tree, whether a lockfile pins it): the lockfile's packages and package.json's
    dependency ranges (so a package.json that drifted from its lockfile is installed, and refused by
    ``npm ci``, as it would be in the program's own directory). The root package's own name and version
    are left out, so programs that pin the same packages share one install."""
    lockfile = directory / LOCKFILE
    try:
        manifest = json.loads((directory / "package.json").read_text())
    except ValueError as error:
        raise DependencyError(f"{directory / 'package.json'} is not JSON: {error}") from None
    ranges = {k: manifest.get(k) for k in DEPENDENCY_FIELDS}
    if lockfile.is_file():
        try:
            lock = json.loads(lockfile.read_text())
        except ValueError as error:
            raise DependencyError(f"{lockfile} is not JSON: {error}") from None
        packages = dict(lock.get("packages") or {})
        root = dict(packages.pop("", {}))
        root.pop("name", None)
        root.pop("version", None)
        basis = {"lockfileVersion": lock.get("lockfileVersion"), "root": root, "packages": packages,
                 "ranges": ranges}
        return hashlib.sha256(json.dumps(basis, sort_keys=True).encode()).hexdigest()[:16], True
    return "unpinned-" + hashlib.sha256(json.dumps(ranges, sort_keys=True).encode()).hexdigest()[:16], False


def ensure_node_modules(directory: Path, runtime: NodeRuntime, timeout: Optional[float] = None) -> Path:
    """The program's ``node_modules`` (installed and linked when missing); its ``@pulumi/pulumi`` runner
    must be there. Progress on stderr."""
    modules = directory / "node_modules"
    if modules.is_symlink() and not modules.exists():  # a link to an install that was removed: link anew
        modules.unlink()
    if not modules.exists():
        if not (directory / "package.json").is_file():
            raise DependencyError(f"{directory} has neither node_modules nor package.json: a Node program "
                                  "names its dependencies (at least @pulumi/pulumi) in package.json")
        if runtime.packagemanager != "npm" and not (directory / LOCKFILE).is_file():
            raise DependencyError(f"{directory}: node_modules is missing and the program uses "
                                  f"{runtime.packagemanager}; run `{runtime.packagemanager} install` there first "
                                  "(the gate installs with npm, from package-lock.json)")
        installed = _cached_install(directory, timeout)
        try:
            modules.symlink_to(installed, target_is_directory=True)
        except FileExistsError:  # another run linked it meanwhile
            pass
        print(f"preflight: linked {modules} to the installed dependencies in {installed}", file=sys.stderr,
              flush=True)
    if not (modules / RUNNER).is_dir():
        raise DependencyError(f"{modules} has no @pulumi/pulumi (its program runner {RUNNER} is missing): add "
                              "@pulumi/pulumi to the program's dependencies and install them")
    return modules


def _cached_install(directory: Path, timeout: Optional[float]) -> Path:
    key, pinned = dependency_key(directory)
    root = cache_root() / "node"
    root.mkdir(parents=True, exist_ok=True)
    target = root / key
    if (target / ".complete").exists():
        return target / "node_modules"
    npm = shutil.which("npm")
    if not npm:
        raise DependencyError("npm is not on PATH: it installs the program's node_modules (or install them "
                              "yourself before running the gate)")
    with open(root / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / ".complete").exists():
            return target / "node_modules"
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        shutil.copy2(directory / "package.json", target / "package.json")
        if pinned:
            shutil.copy2(directory / LOCKFILE, target / LOCKFILE)
            command = [npm, "ci"]
        else:
            print(f"preflight: warning: {directory} has no {LOCKFILE}; installing with `npm install`, so the "
                  "versions judged are whatever the ranges in package.json resolve to today", file=sys.stderr)
            command = [npm, "install"]
        command += ["--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"]
        print(f"preflight: installing the program's node_modules (npm {command[1]}) into {target} "
              "(first run only) ...", file=sys.stderr, flush=True)
        began = time.monotonic()
        try:  # npm's progress on the gate's stderr
            result = run_step(command, timeout, cwd=target, check=False, stdout=sys.stderr.fileno())
        except subprocess.TimeoutExpired:
            shutil.rmtree(target, ignore_errors=True)
            raise DependencyError(f"installing the node_modules of {directory} did not finish in time") from None
        if result.returncode != 0:
            shutil.rmtree(target, ignore_errors=True)
            raise DependencyError(f"`npm {command[1]}` failed for {directory}:\n{_npm_error(result.stderr)}")
        (target / ".complete").write_text(str(directory) + "\n")
        print(f"preflight: node_modules ready in {time.monotonic() - began:.0f} s", file=sys.stderr, flush=True)
    return target / "node_modules"


def _npm_error(stderr: str) -> str:
    """npm's own explanation: its first error lines (before the usage text it appends) and its log's path."""
    lines = [line for line in stderr.strip().splitlines() if line.strip() not in ("", "npm error")]
    head = []
    for line in lines:
        if line.startswith("npm error code "):
            continue
        if line.startswith("npm error Clean install") or line.startswith("npm error Usage"):
            break
        head.append(line)
        if len(head) == 6:
            break
    log = [line for line in lines if "A complete log of this run" in line]
    return "\n".join(head + [l for l in log if l not in head])


def start_program(node: str, modules: Path, runtime: NodeRuntime, entry: str, directory: Path, project: str,
                  stack: str, organization: str, config: dict[str, str], secret_keys: list[str],
                  monitor: str, engine_address: str, parallel: int = 16) -> subprocess.Popen:
    """Start the program's runner as the Node language host does; its stdout goes to the gate's stderr."""
    env = dict(os.environ, PULUMI_CONFIG=json.dumps(config), PULUMI_CONFIG_SECRET_KEYS=json.dumps(secret_keys),
               PULUMI_NODEJS_MONITOR=monitor, PULUMI_NODEJS_ENGINE=engine_address,
               PULUMI_NODEJS_PROJECT=project, PULUMI_NODEJS_STACK=stack,
               PULUMI_NODEJS_ORGANIZATION=organization, PULUMI_NODEJS_DRY_RUN="true",
               PULUMI_NODEJS_PARALLEL=str(parallel), PULUMI_NODEJS_ROOT_DIRECTORY=str(directory))
    if runtime.typescript:
        env["PULUMI_NODEJS_TYPESCRIPT"] = "true"
    else:
        env.pop("PULUMI_NODEJS_TYPESCRIPT", None)
    command = [node, *runtime.nodeargs, str(modules / RUNNER), f"--monitor={monitor}", f"--engine={engine_address}",
               f"--project={project}", f"--stack={stack}", f"--organization={organization}", f"--pwd={directory}",
               "--dry-run", f"--parallel={parallel}", entry]
    return processes.start(command, cwd=directory, env=env, stdin=subprocess.DEVNULL, stdout=sys.stderr.fileno(),
                           stderr=subprocess.PIPE)


def run_node(directory: Path, entry: str, runtime: NodeRuntime, project: str, stack: str, organization: str,
             config: dict[str, str], secret_keys: list[str], engine: OfflineEngine, timeout: float,
             deadline: Optional[float] = None) -> EngineRecord:
    """Install what is missing, run the program once against ``engine``, return what it registered.
    Raises DependencyError (node, npm, node_modules) or launcher.ProgramFailed / ProgramTimeout."""
    import threading

    from .launcher import ProgramFailed, wait_within

    deadline = deadline if deadline is not None else time.monotonic() + timeout
    node = node_executable()
    modules = ensure_node_modules(directory, runtime, timeout=max(1.0, deadline - time.monotonic()))
    monitor, engine_address = engine.start()
    record = engine.record
    # The SDK logs the program's uncaught error to the engine; it is reported once, in the gate's error.
    shown = engine.log
    engine.log = lambda text: None if text.startswith("program error: ") else shown(text)
    try:
        process = start_program(node, modules, runtime, entry, directory, project, stack, organization, config,
                                secret_keys, monitor, engine_address)
        errors: list[str] = []
        # The runner's stderr is relayed line by line (progress stays visible) and kept for the verdict.
        relay = threading.Thread(target=_relay, args=(process.stderr, errors), daemon=True)
        relay.start()
        try:
            status = wait_within(process, deadline, timeout, record)
        finally:
            processes.kill(process)
            relay.join(timeout=5)
        if record.gate_errors:
            raise ProgramFailed("the gate failed (not the program): " + "; ".join(record.gate_errors), "gate",
                                record.registrations)
        if status == 0 and record.shutdown_signalled and not record.errors:
            return record
        raise ProgramFailed(_failure(status, record, errors, modules), "program", record.registrations)
    finally:
        engine.stop()


def _relay(stream, kept: list[str]) -> None:
    for line in iter(stream.readline, b""):
        text = line.decode(errors="replace")
        kept.append(text)
        sys.stderr.write(text)
    sys.stderr.flush()


def _failure(status: int, record: EngineRecord, stderr_lines: list[str], modules: Path) -> str:
    """Why a run did not count, in the program's own words where it gave any."""
    if record.errors:
        detail = "\n".join(own_lines(e) for e in record.errors)
        missing = "Cannot find module" in detail or "ERR_MODULE_NOT_FOUND" in detail
        return (f"the program's dependencies failed (node_modules {modules}):\n" if missing
                else "the program failed:\n") + detail
    if status == 0:
        return ("the program exited before it finished (process.exit() before the Pulumi runtime signalled "
                "completion); a run that does not complete is never judged")
    how = f"exit status {status}" if status >= 0 else f"killed by signal {-status}"
    return (f"the program exited before it finished ({how}); a run that does not complete is never judged"
            + ("; its output is above" if any(line.strip() for line in stderr_lines) else ""))


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def own_lines(message: str) -> str:
    """An error as the program's author needs it: no terminal colours, no stack frames of Node itself or
    of node_modules (the SDK, ts-node), as the Python side keeps the program's own frames only."""
    lines = ANSI.sub("", message).rstrip().splitlines()
    return "\n".join(line for line in lines
                     if not (line.lstrip().startswith("at ") and ("node:internal" in line or "node_modules" in line
                                                                  or "(node:" in line)))
