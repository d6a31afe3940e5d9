"""The plan: the program against the offline engine -> every resource through the pack -> one report document."""
from __future__ import annotations

import os
import queue
import sys
import threading
from pathlib import Path
from typing import Optional

from .files import read_policy_config
from .report import to_json
from .runner import Project

# gRPC and the SDK's protos (preflight.analyzer, preflight.engine) load inside the functions: the program's
# process starts before them.


def plan(program: Path, stack: str, pack_dir: Path, policy_config: Optional[str] = None,
         account_id: str = "123456789012", timeout: float = 300.0, stack_outputs: Optional[str] = None,
         organization: Optional[str] = None, started: Optional[float] = None,
         say=lambda message: print(message, file=sys.stderr)) -> Optional[dict]:
    """Run the program against the offline engine, in its own process and environment, judge every
    registration with the pack (started meanwhile), and return the report document; None after printing
    an error (the program's, its dependencies' or the gate's) to stderr with ``say``. ``timeout`` seconds
    count from ``started`` (a ``time.monotonic()`` value; default: now)."""
    import time
    from . import processes
    from .environment import DependencyError, interpreter_for
    from .launcher import ProgramFailed, send_addresses, start_program, wait_program

    began = started if started is not None else time.monotonic()
    project = Project.load(program)
    config, secret_keys = project.stack_config(stack)
    organization = organization or os.environ.get("PULUMI_ORGANIZATION") or "organization"
    region = config.get("aws:region") or "us-east-1"
    pack = document = None
    try:
        try:
            if project.runtime == "nodejs":
                # TypeScript/JavaScript (preflight.node): the Node runner reads the engine's addresses at
                # start, so the engine starts first; the pack starts while node_modules and Node load.
                from .analyzer import PackClient
                from .engine import OfflineEngine
                from .node import run_node
                pack = PackClient(pack_dir)
                pack.launch()
                user_policy_config = read_policy_config(policy_config)
                judge_stream = StreamingJudge(pack, pack_dir, user_policy_config)
                engine = OfflineEngine(project.name, stack, region=region, on_register=judge_stream.put)
                account = resolve_account(account_id)
                engine.configure(account, load_stack_outputs(stack_outputs, organization, project.name))
                judge_stream.start()
                record = run_node(project.directory, project.entry, project.node, project.name, stack,
                                  organization, config, secret_keys, engine, timeout, deadline=began + timeout)
            else:
                interpreter = interpreter_for(project.directory, project.virtualenv, timeout=timeout)
                # The program's process starts first (its SDK imports are the longest part), then the pack's;
                # the gate loads gRPC and starts the engine meanwhile and sends the program its addresses.
                process, result = start_program(interpreter, project.main, project.directory, project.name, stack,
                                                organization, config, secret_keys)
                engine = None
                try:
                    from .analyzer import PackClient
                    pack = PackClient(pack_dir)
                    pack.launch()
                    from .engine import OfflineEngine
                    user_policy_config = read_policy_config(policy_config)
                    judge_stream = StreamingJudge(pack, pack_dir, user_policy_config)
                    engine = OfflineEngine(project.name, stack, region=region, on_register=judge_stream.put)
                    send_addresses(process, *engine.start())
                    judge_stream.start()
                    account = resolve_account(account_id)
                    engine.configure(account, load_stack_outputs(stack_outputs, organization, project.name),
                                     interpreter=None if interpreter.python == sys.executable else interpreter.python)
                    record = wait_program(process, result, engine, interpreter, began + timeout, timeout)
                finally:
                    if engine is not None:
                        engine.stop()
                    processes.kill(process)
        except DependencyError as error:
            say(f"error: the program's dependencies: {error}")
            return None
        except ProgramFailed as error:
            say(f"error: {error}")
            return None
        judging = judge_stream.finish()
        from .account import recorder_gaps, singleton_conflicts
        conflicts = singleton_conflicts(record.registrations, account, region) + \
            recorder_gaps(record.registrations, account, region)
        if conflicts:
            say(f"error: the plan cannot be applied to the described account ({len(conflicts)} "
                f"problem{'s' if len(conflicts) != 1 else ''}):\n" + "\n".join(f"  - {c}" for c in conflicts))
            return None
        document = judging.document(record.registrations, stack, record.unjudged)
        document["invented"] = [{"token": token, "calls": calls} for token, calls in sorted(record.invented.items())]
        document["stackReferences"] = [{"name": name, "outputs": state}
                                       for name, state in sorted(record.stack_references.items())]
        return document
    except Exception as error:
        from .analyzer import PackError, PolicyConfigError
        if not isinstance(error, (PackError, PolicyConfigError)):
            raise
        say(f"error: {_named(error, policy_config)}")
        return None
    finally:
        if pack is not None:
            pack.stop(graceful=False)  # nothing to flush: the answers are in


def resolve_account(value: Optional[str]):
    """``--account``: an account description file (:mod:`preflight.account`, issue 12's contract) or, as
    before, a bare 12-digit account id (a fresh account with that id); None: a fresh account."""
    import re
    from .account import Account, load_account
    if value is None or value == "":
        return Account.default()
    if re.fullmatch(r"\d{12}", value) and not Path(value).exists():
        return Account.model_validate({"accountId": value})
    return load_account(value)


def load_stack_outputs(path: Optional[str], organization: Optional[str] = None, project: Optional[str] = None):
    """``STACK_OUTPUTS``: {"<org>/<project>/<stack>": {"<output>": value}} -> a lookup by stack name (None:
    unknown outputs, as in a preview before that stack exists)."""
    from .datasources import stack_outputs_lookup
    return stack_outputs_lookup(path, organization, project)


def plan_state(state: str, pack_dir: Path, policy_config: Optional[str] = None) -> Optional[dict]:
    """Judge an exported state (what already runs) instead of a program."""
    from .state import load_state
    stack, registrations = load_state(state)
    user_policy_config = read_policy_config(policy_config)
    from .analyzer import PackError, PolicyConfigError
    try:
        return judge(registrations, stack, pack_dir, user_policy_config)
    except (PolicyConfigError, PackError) as error:
        print(f"error: {_named(error, policy_config)}", file=sys.stderr)
        return None


def _named(error: Exception, policy_config: Optional[str]) -> str:
    """A policy-config mistake names the file it is in (POLICY_CONFIG), as every other input file's does."""
    from .analyzer import PolicyConfigError
    if isinstance(error, PolicyConfigError) and policy_config:
        return f"POLICY_CONFIG {policy_config}: {error}"
    return str(error)


def judge(registrations, stack: str, pack_dir: Path, user_policy_config: dict,
          client=None, unjudged: Optional[list] = None) -> dict:
    """Send every resource to the pack as the engine does during preview and collect what it says.
    ``client``: a started or launched :class:`preflight.analyzer.PackClient` (default: a new one)."""
    from .analyzer import PackClient
    with (client or PackClient(pack_dir)) as pack:
        judging = Judging(pack, pack_dir, user_policy_config)
        for r in registrations:
            judging.judge(r)
        return judging.document(registrations, stack, unjudged)


class Judging:
    """One pack's judgement, one resource at a time (as registrations arrive), then the stack.

    As the engine does during preview: the pack is configured once (schema defaults, the pack's initial
    config, the user's file); at ``remediate`` level a resource is remediated before it is analyzed;
    AnalyzeStack sees every resource at the end.
    """

    def __init__(self, pack, pack_dir: Path, user_policy_config: dict):
        from .analyzer import effective_config
        self.pack, self.pack_dir = pack, pack_dir
        self.info = pack.info()
        self.config = effective_config(self.info, user_policy_config)
        pack.configure(self.config)
        self.severities = {p.name: _severity(p) for p in self.info.policies}
        self.remediate = any(entry["enforcementLevel"] == "remediate" for entry in self.config.values())
        self.found: list = []
        self.remediations: list = []

    def judge(self, r) -> None:
        from google.protobuf import json_format

        from .analyzer import diagnostics
        if self.remediate:
            for fix in self.pack.remediate(r).remediations:
                if fix.HasField("properties"):
                    r.inputs = json_format.MessageToDict(fix.properties)
                self.remediations.append({"policy": fix.policyName, "urn": r.urn, "diagnostic": fix.diagnostic or None})
        self.found.extend(diagnostics(self.pack.analyze(r), self.severities, r.urn))

    def document(self, registrations, stack: str, unjudged: Optional[list] = None) -> dict:
        from .analyzer import diagnostics
        found = self.found + diagnostics(self.pack.analyze_stack(registrations), self.severities)
        info = self.info
        pack_meta = {"name": info.name, "version": _pack_version(self.pack_dir) or info.version,
                     "policies": len(info.policies)}
        rules = {p.name: {"description": p.description, "severity": self.severities[p.name],
                          "enforcementLevel": self.config[p.name]["enforcementLevel"],
                          "remediationSteps": p.remediation_steps, "url": p.url, "tags": list(p.tags)}
                 for p in info.policies}
        document = to_json(stack, registrations, found, self.remediations, pack_meta, unjudged or [])
        document["rules"] = rules
        return document


class StreamingJudge(threading.Thread):
    """Judges registrations while the program still runs (the pack is idle otherwise): ``put`` each one as
    the engine records it, then ``finish()``, which returns the :class:`Judging` or raises its error."""

    def __init__(self, pack, pack_dir: Path, user_policy_config: dict):
        super().__init__(daemon=True, name="preflight-judge")
        self.pack, self.pack_dir, self.user_policy_config = pack, pack_dir, user_policy_config
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.judging: Optional[Judging] = None
        self.error: Optional[BaseException] = None

    def put(self, registration) -> None:
        self.queue.put(registration)

    def run(self) -> None:
        try:
            self.pack.start()
            self.judging = Judging(self.pack, self.pack_dir, self.user_policy_config)
            while (r := self.queue.get()) is not None:
                self.judging.judge(r)
        except BaseException as error:  # noqa: BLE001 - handed to the caller by finish()
            self.error = error

    def finish(self) -> Judging:
        self.queue.put(None)
        self.join()
        if self.error is not None:
            raise self.error
        return self.judging


def _severity(policy) -> str:
    from .analyzer import SEVERITY_NAMES
    return SEVERITY_NAMES.get(policy.severity) or "low"


def _pack_version(pack_dir: Path) -> Optional[str]:
    """Python packs report 0.0.1 over the protocol; the CLI takes the version from PulumiPolicy.yaml."""
    import yaml
    data = yaml.safe_load((Path(pack_dir) / "PulumiPolicy.yaml").read_text()) or {}
    return str(data["version"]) if "version" in data else None
