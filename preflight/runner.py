"""Run a Pulumi Python program under the SDK's mock engine with a stack's config."""
from __future__ import annotations

import contextlib
import json
import os
import runpy
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from common import UsageError

from .files import read_project_file, read_stack_settings


class ProgramConfigError(Exception):
    """The program refused its configuration (exit status 2). ``str()`` is the program's message;
    ``registrations`` what it had registered before it stopped."""

    def __init__(self, message: str, registrations: list):
        super().__init__(message)
        self.registrations = registrations


@dataclass
class Project:
    directory: Path
    name: str
    main: Path
    virtualenv: Optional[str] = None
    """``runtime.options.virtualenv`` of Pulumi.yaml (relative to the directory), when named."""
    runtime: str = "python"
    """``python`` or ``nodejs`` (TypeScript and JavaScript: :mod:`preflight.node`)."""
    node: Optional[Any] = None
    """The nodejs runtime's options (:class:`preflight.node.NodeRuntime`)."""
    entry: str = "."
    """What the Node runner is given as the program (Pulumi.yaml's ``main``, else ".")."""

    @classmethod
    def load(cls, directory: Path) -> "Project":
        spec = directory / "Pulumi.yaml"
        if not spec.is_file():
            raise UsageError(f"{directory}: no Pulumi.yaml (PROGRAM must be a Pulumi project directory)")
        data = read_project_file(spec)
        runtime = data.get("runtime")
        runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
        if runtime_name == "nodejs":
            return cls._load_node(directory, spec, data, runtime)
        if runtime_name != "python":
            raise UsageError(f"{spec}: runtime is {runtime_name!r}; preflight runs python and nodejs programs")
        main = directory / str(data.get("main", "."))
        if main.is_dir():
            main = main / "__main__.py"
        if not main.is_file():
            raise UsageError(f"{spec}: the program's entry point {main} does not exist")
        options = runtime.get("options") if isinstance(runtime, dict) else None
        virtualenv = options.get("virtualenv") if isinstance(options, dict) else None
        return cls(directory=directory, name=str(data["name"]), main=main,
                   virtualenv=str(virtualenv) if virtualenv else None)

    @classmethod
    def _load_node(cls, directory: Path, spec: Path, data: dict, runtime) -> "Project":
        """A TypeScript/JavaScript program: ``main`` (Pulumi.yaml) is handed to the Node SDK's runner as
        the language host hands it ("." when absent: the runner reads package.json)."""
        from .node import NodeRuntime
        options = runtime.get("options") if isinstance(runtime, dict) else None
        node = NodeRuntime.from_options(options if isinstance(options, dict) else None, spec)
        entry = str(data.get("main", "."))
        if not (directory / entry).exists():
            raise UsageError(f"{spec}: the program's entry point {directory / entry} does not exist")
        return cls(directory=directory, name=str(data["name"]), main=directory / entry, runtime="nodejs",
                   node=node, entry=entry)

    def stack_config(self, stack: str) -> tuple[dict[str, str], list[str]]:
        """The stack's config as the language host hands it to the program: ``namespace:key`` -> text.

        Structured values become JSON text; secure values are decrypted as the CLI does when the stack uses
        the passphrase secrets manager and ``PULUMI_CONFIG_PASSPHRASE`` is set (:mod:`preflight.passphrase`),
        otherwise they become a placeholder; either way they are marked secret.
        """
        from .passphrase import Decrypter
        path = self.directory / f"Pulumi.{stack}.yaml"
        if not path.is_file():
            available = sorted(p.name[len("Pulumi."):-len(".yaml")] for p in self.directory.glob("Pulumi.*.yaml"))
            raise UsageError(f"no stack '{stack}': {path.name} not found in {self.directory}"
                             + (f" (stacks: {', '.join(available)})" if available else ""))
        data = read_stack_settings(path)
        config, secret_keys = {}, []
        decrypter = None
        for key, value in (data.get("config") or {}).items():
            full = key if ":" in key else f"{self.name}:{key}"
            if isinstance(value, dict) and set(value) == {"secure"}:
                decrypter = decrypter or Decrypter.for_stack(path, data)
                config[full] = decrypter.decrypt(value["secure"], full, path)
                secret_keys.append(full)
            elif isinstance(value, (dict, list)):
                config[full] = json.dumps(value)
            elif isinstance(value, bool):
                config[full] = "true" if value else "false"
            elif value is None:  # a YAML null reaches a program as empty text, as the CLI passes it
                config[full] = ""
            else:
                config[full] = str(value)
        return config, secret_keys


def run_program(project: Project, stack: str, config: dict[str, str], secret_keys: list[str],
                account_id: str = "123456789012", preview: bool = False, account: Optional[dict] = None):
    """Run the program once under mocks; return the recorded registrations in order."""
    def program():
        with _program_context(project.directory):
            runpy.run_path(str(project.main), run_name="__main__")
    return run_under_mocks(program, project.name, stack, config, secret_keys, account_id, preview, account)


def run_under_mocks(program, project_name: str = "fixtures", stack: str = "test",
                    config: Optional[dict[str, str]] = None, secret_keys: Optional[list[str]] = None,
                    account_id: str = "123456789012", preview: bool = False, account: Optional[dict] = None):
    """Run ``program()`` (any code that declares resources) under mocks; return its registrations.

    ``account`` describes the account the lookups see (see ``AwsMocks``)."""
    import pulumi
    from pulumi.runtime import settings as runtime_settings

    from .mocks import AwsMocks, RecordingMonitor

    config = dict(config if config is not None else {"aws:region": "us-east-1"})
    mocks = AwsMocks(account_id=account_id, region=config.get("aws:region", "us-east-1"), account=account)
    monitor = RecordingMonitor(mocks)
    runtime_settings.ROOT.set(None)  # a fresh stack resource for every run in this process
    pulumi.runtime.set_all_config(config, secret_keys or [])
    pulumi.runtime.set_mocks(mocks, project=project_name, stack=stack, preview=preview, monitor=monitor)

    try:
        pulumi.runtime.test(program)()
    except pulumi.RunError as error:  # the program's own clean refusal (e.g. bad settings)
        raise ProgramConfigError(str(error), monitor.registrations) from None
    except Exception as error:  # a bug in the program: show where, as `pulumi preview` would, and exit 2
        raise ProgramConfigError("the program failed:\n" + _program_traceback(error), monitor.registrations) from None
    return monitor.registrations


def _program_traceback(error: Exception) -> str:
    """The traceback's frames that belong to the program (not to the SDK, the runner or the interpreter)."""
    import traceback
    here = str(Path(__file__).resolve().parent)
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if "site-packages" not in f.filename and not f.filename.startswith(("<", here))
              and "/lib/python3" not in f.filename]
    lines = traceback.format_list(frames) + traceback.format_exception_only(type(error), error)
    return "".join(lines).rstrip()


@contextlib.contextmanager
def _program_context(directory: Path):
    """The program's directory as working directory and first import path, as the language host sets."""
    previous_cwd, previous_path = os.getcwd(), list(sys.path)
    os.chdir(directory)
    sys.path.insert(0, str(directory))
    try:
        yield
    finally:
        os.chdir(previous_cwd)
        sys.path[:] = previous_path

