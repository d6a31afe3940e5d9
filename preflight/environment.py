"""Where a Python program's dependencies come from: the interpreter the gate runs it with.

In order, as the Python language host chooses (pulumi/pulumi sdk/python/toolchain: ``virtualenv``
runtime option):

1. this project's own program: the interpreter running the gate (``.venv``);
2. the virtualenv named by ``Pulumi.yaml`` (``runtime: {name: python, options: {virtualenv: venv}}``),
   relative to the program's directory, when it exists;
3. otherwise, when the program has a ``requirements.txt``: a virtualenv the gate creates from it, cached
   by the file's SHA-256 (and the Python version) under ``$AUDIT_BASELINE_CACHE/venvs/<hash>`` (default
   ``~/.cache/audit-baseline``), progress on stderr. The created environment sees the gate's own
   packages as a base layer (a ``.pth`` file), so requirements the gate already satisfies (``pulumi``,
   ``pulumi-aws``) are not downloaded again; anything else, or another version, is installed into the
   program's environment, which comes first on its import path;
4. otherwise (no virtualenv, no requirements.txt): the gate's interpreter, as the CLI falls back to the
   ``python3`` on PATH.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parent.parent


class DependencyError(Exception):
    """The program's dependencies could not be provided (exit status 2, "dependencies" named as the cause)."""


@dataclass
class Interpreter:
    python: str
    source: str
    """How it was chosen, for messages: "the gate's own .venv", "virtualenv venv (Pulumi.yaml)", ..."""


def cache_root() -> Path:
    configured = os.environ.get("AUDIT_BASELINE_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "audit-baseline"


def interpreter_for(directory: Path, virtualenv: Optional[str], timeout: Optional[float] = None) -> Interpreter:
    directory = directory.resolve()
    if directory == ROOT:
        return Interpreter(sys.executable, "the gate's own environment (.venv)")
    if virtualenv:
        venv = (directory / virtualenv).resolve()
        python = venv / "bin" / "python"
        if python.exists():
            return Interpreter(str(python), f"virtualenv {virtualenv} (Pulumi.yaml)")
        print(f"preflight: the virtualenv {virtualenv} named by Pulumi.yaml does not exist; "
              "using the program's requirements.txt", file=sys.stderr)
    requirements = directory / "requirements.txt"
    if requirements.is_file():
        return Interpreter(str(created_environment(requirements, timeout) / "bin" / "python"),
                           f"an environment created from {requirements}")
    return Interpreter(sys.executable, "the gate's own environment (the program has no requirements.txt)")


def created_environment(requirements: Path, timeout: Optional[float] = None) -> Path:
    """The cached virtualenv for ``requirements`` (created on first use, once, under a lock)."""
    digest = hashlib.sha256(requirements.read_bytes()
                            + f"\n#python {sys.version_info[:2]} base {_base_site()}".encode()).hexdigest()[:16]
    venvs = cache_root() / "venvs"
    venvs.mkdir(parents=True, exist_ok=True)
    target = venvs / digest
    if (target / ".complete").exists():
        return target
    with open(venvs / f"{digest}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / ".complete").exists():
            return target
        shutil.rmtree(target, ignore_errors=True)
        print(f"preflight: creating the program's environment from {requirements} in {target} "
              "(first run only) ...", file=sys.stderr, flush=True)
        try:
            run_step([sys.executable, "-m", "venv", "--without-pip", str(target)], timeout)
            site = run_step([str(target / "bin" / "python"), "-c",
                         "import sysconfig; print(sysconfig.get_paths()['purelib'])"], timeout).stdout.strip()
            (Path(site) / "_audit_baseline_base.pth").write_text(_base_site() + "\n")
            result = run_step([sys.executable, "-m", "pip", "--python", str(target / "bin" / "python"), "install",
                           "--quiet", "--disable-pip-version-check", "--progress-bar", "off", "-r", str(requirements)],
                          timeout, cwd=requirements.parent, check=False)
        except subprocess.TimeoutExpired:
            shutil.rmtree(target, ignore_errors=True)
            raise DependencyError(f"installing {requirements} did not finish in time") from None
        except (subprocess.CalledProcessError, OSError) as error:
            shutil.rmtree(target, ignore_errors=True)
            raise DependencyError(f"could not create a virtualenv for {requirements}: {error}") from None
        if result.returncode != 0:
            shutil.rmtree(target, ignore_errors=True)
            tail = "\n".join(result.stderr.strip().splitlines()[-6:])
            raise DependencyError(f"could not install the program's requirements ({requirements}):\n{tail}")
        (target / ".complete").write_text(str(requirements) + "\n")
        print(f"preflight: the program's environment is ready ({target})", file=sys.stderr, flush=True)
    return target


def run_step(command: list[str], timeout: Optional[float], cwd: Optional[Path] = None,
             check: bool = True, stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    """A step of an environment's creation, in a process group the gate ends with itself (time limit,
    Ctrl-C); its output (``stdout``: kept unless sent elsewhere) is kept for the error message."""
    from . import processes
    process = processes.start(command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=stdout,
                              stderr=subprocess.PIPE, text=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        processes.kill(process)
        raise
    result = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
    if check and process.returncode != 0:
        raise subprocess.CalledProcessError(process.returncode, command, stdout, stderr)
    return result


def _base_site() -> str:
    return sysconfig.get_paths()["purelib"]
