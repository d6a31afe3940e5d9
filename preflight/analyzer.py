"""A client for a policy pack, started and driven exactly as the Pulumi CLI does.

The pack runs as ``python -u -m pulumi.policy <engine-address> <pack-dir>`` in the pack's
directory, prints its port, and answers the ``pulumirpc.Analyzer`` gRPC service.
"""
from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2

from .protos import analyzer_pb2, analyzer_pb2_grpc
from .wire import _integral

LEVELS = {"advisory": analyzer_pb2.ADVISORY, "mandatory": analyzer_pb2.MANDATORY,
          "disabled": analyzer_pb2.DISABLED, "remediate": analyzer_pb2.REMEDIATE}
LEVEL_NAMES = {v: k for k, v in LEVELS.items()}
SEVERITY_NAMES = {analyzer_pb2.POLICY_SEVERITY_UNSPECIFIED: "", analyzer_pb2.POLICY_SEVERITY_LOW: "low",
                  analyzer_pb2.POLICY_SEVERITY_MEDIUM: "medium", analyzer_pb2.POLICY_SEVERITY_HIGH: "high",
                  analyzer_pb2.POLICY_SEVERITY_CRITICAL: "critical"}


# `python -u -m pulumi.policy <engine> <pack-dir>` as the CLI runs it, with one addition: gRPC's server logs a
# policy's exception (with its traceback) through the "grpc" logger, which has only a NullHandler; a
# stderr handler makes that traceback reach the gate, which shows it.
_LAUNCH_PACK = ("import logging, runpy, sys; logging.basicConfig(level=logging.ERROR, format='%(message)s'); "
                "sys.argv[0] = 'pulumi.policy'; runpy.run_module('pulumi.policy', run_name='__main__', alter_sys=True)")


class PackError(Exception):
    """The pack could not be started, configured or asked."""


class PolicyConfigError(Exception):
    """The policy configuration does not fit the pack's policies or schemas (exit status 2)."""


def struct(value: Mapping[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(dict(value))
    return message


def resource_options(options: Mapping[str, Any]) -> analyzer_pb2.AnalyzerResourceOptions:
    return analyzer_pb2.AnalyzerResourceOptions(
        protect=bool(options.get("protect")), parent=options.get("parent") or "",
        ignoreChanges=list(options.get("ignoreChanges", [])),
        aliases=list(options.get("aliases", [])),
        additionalSecretOutputs=list(options.get("additionalSecretOutputs", [])))


class PackClient:
    """Start a pack, talk to it, stop it. Use as a context manager."""

    def __init__(self, pack_dir: Path, python: str = sys.executable, start_timeout: float = 60.0):
        self.pack_dir = Path(pack_dir).resolve()
        self.python, self.start_timeout = python, start_timeout
        self.process: Optional[subprocess.Popen] = None
        self.channel: Optional[grpc.Channel] = None
        self.stub: Optional[analyzer_pb2_grpc.AnalyzerStub] = None
        self.port: Optional[int] = None

    def __enter__(self) -> "PackClient":
        self.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stop(graceful=False)  # a pack keeps no state: ending it at once saves the SDK's shutdown

    def launch(self) -> None:
        """Start the pack's process without waiting for it (it starts while the caller does other work)."""
        if self.process is not None:
            return
        if not (self.pack_dir / "PulumiPolicy.yaml").is_file():
            raise PackError(f"{self.pack_dir}: no PulumiPolicy.yaml (not a policy pack)")
        from . import processes
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.process = processes.start(
            [self.python, "-u", "-c", _LAUNCH_PACK, "127.0.0.1:0", str(self.pack_dir)],
            cwd=self.pack_dir, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self._stderr: list[bytes] = []
        self._drain = threading.Thread(target=self._read_stderr, args=(self.process.stderr,), daemon=True)
        self._drain.start()

    def _read_stderr(self, stream) -> None:
        """Drain the pack's stderr all along (a full pipe would block the pack), keeping it to show."""
        for chunk in iter(lambda: stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536), b""):
            self._stderr.append(chunk)

    def stderr_text(self, settle: float = 0.3, limit: float = 2.0) -> str:
        """What the pack wrote to stderr (its tracebacks, a policy's prints), once it has stopped writing for
        ``settle`` seconds (a failing call's traceback is logged just after the call fails), at most ``limit``."""
        chunks = getattr(self, "_stderr", [])
        deadline, seen, quiet_since = time.monotonic() + limit, -1, time.monotonic()
        while time.monotonic() < deadline:
            if len(chunks) != seen:
                seen, quiet_since = len(chunks), time.monotonic()
            elif time.monotonic() - quiet_since >= settle:
                break
            time.sleep(0.05)
        return b"".join(chunks).decode(errors="replace").strip()

    def start(self) -> None:
        if self.stub is not None:
            return
        self.launch()
        self.port = self._read_port()
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}",
                                             options=[("grpc.max_receive_message_length", 400 * 1024 * 1024)])
        grpc.channel_ready_future(self.channel).result(timeout=self.start_timeout)
        self.stub = analyzer_pb2_grpc.AnalyzerStub(self.channel)

    def _read_port(self) -> int:
        assert self.process and self.process.stdout
        deadline = time.monotonic() + self.start_timeout
        line = b""
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.process.stdout], [], [], 0.05)
            if ready:
                chunk = os.read(self.process.stdout.fileno(), 64)
                if not chunk:
                    break
                line += chunk
                if b"\n" in line:
                    text = line.split(b"\n", 1)[0].strip()
                    if text.isdigit():
                        return int(text)
                    break
            elif self.process.poll() is not None:
                break
        self.stop()
        stderr = self.stderr_text()
        raise PackError(f"the policy pack in {self.pack_dir} did not start (no port on stdout"
                        f"{'; exit status ' + str(self.process.returncode) if self.process.returncode is not None else ''})"
                        + (f":\n{stderr.strip()}" if stderr.strip() else ""))

    def stop(self, graceful: bool = True) -> None:
        """Stop the pack: SIGINT (the SDK stops its server cleanly), or at once when ``graceful`` is False."""
        if self.channel is not None:
            self.channel.close()
            self.channel = None
            self.stub = None
        if graceful and self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # the SDK stops its server cleanly on SIGINT
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if self.process is not None:
            from . import processes
            processes.kill(self.process)  # and anything a policy started

    def _ask(self, what: str, call, request):
        """One RPC; a failure (a policy raising, the pack dying) is a PackError showing the pack's stderr."""
        try:
            return call(request)
        except grpc.RpcError as error:
            details = error.details() if hasattr(error, "details") else str(error)
            stderr = self.stderr_text()
            raise PackError(f"the policy pack failed while {what}: {details}"
                            + (f"\n{stderr}" if stderr else "")) from None

    # -- the protocol --
    def info(self) -> analyzer_pb2.AnalyzerInfo:
        return self._ask("describing its policies", self.stub.GetAnalyzerInfo, empty_pb2.Empty())

    def plugin_version(self) -> str:
        return self.stub.GetPluginInfo(empty_pb2.Empty()).version

    def configure(self, config: Mapping[str, Mapping[str, Any]]) -> None:
        """Send one Configure covering every policy: {policy: {"enforcementLevel": name, **properties}}."""
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, entry in config.items():
            properties = {k: v for k, v in entry.items() if k != "enforcementLevel"}
            request.policyConfig[name].CopyFrom(analyzer_pb2.PolicyConfig(
                enforcementLevel=LEVELS[entry["enforcementLevel"]], properties=struct(properties)))
        self._ask("being configured", self.stub.Configure, request)

    def analyze(self, resource) -> analyzer_pb2.AnalyzeResponse:
        return self._ask(f"judging {resource.urn}", self.stub.Analyze, analyzer_pb2.AnalyzeRequest(
            type=resource.type, properties=struct(resource.inputs), urn=resource.urn, name=resource.name,
            options=resource_options({**resource.options(), "parent": resource.parent})))

    def analyze_stack(self, resources: Iterable) -> analyzer_pb2.AnalyzeResponse:
        return self._ask("judging the stack", self.stub.AnalyzeStack, analyzer_pb2.AnalyzeStackRequest(resources=[
            analyzer_pb2.AnalyzerResource(
                type=r.type, properties=struct(r.inputs), urn=r.urn, name=r.name,
                options=resource_options({**r.options(), "parent": r.parent}), parent=r.parent or "",
                dependencies=list(r.depends_on),
                propertyDependencies={k: analyzer_pb2.AnalyzerPropertyDependencies(urns=v)
                                      for k, v in r.property_dependencies.items()})
            for r in resources]))

    def remediate(self, resource) -> analyzer_pb2.RemediateResponse:
        return self._ask(f"remediating {resource.urn}", self.stub.Remediate, analyzer_pb2.AnalyzeRequest(
            type=resource.type, properties=struct(resource.inputs), urn=resource.urn, name=resource.name,
            options=resource_options({**resource.options(), "parent": resource.parent})))


def effective_config(info: analyzer_pb2.AnalyzerInfo, user: Mapping[str, Any]) -> dict[str, dict]:
    """The configuration the CLI would send: schema defaults, then the pack's initial config, then the
    user's ``--policy-pack-config`` file (its ``all`` key sets every level), validated against the schemas."""
    policies = {p.name: p for p in info.policies}
    unknown = sorted(set(user) - set(policies) - {"all"})
    if unknown:
        raise PolicyConfigError(f"policy config names unknown policies: {', '.join(unknown)}; "
                                f"the pack has: {', '.join(sorted(policies))}")
    out: dict[str, dict] = {}
    for name, policy in policies.items():
        entry: dict[str, Any] = {"enforcementLevel": LEVEL_NAMES[policy.enforcementLevel]}
        schema = _integral(json_format.MessageToDict(policy.configSchema.properties)) \
            if policy.HasField("configSchema") else {}
        for prop, spec in schema.items():
            if isinstance(spec, dict) and "default" in spec:
                entry[prop] = spec["default"]
        initial = info.initialConfig.get(name) if name in info.initialConfig else None
        if initial is not None:
            entry.update(json_format.MessageToDict(initial.properties))
            entry["enforcementLevel"] = LEVEL_NAMES[initial.enforcementLevel]
        if "all" in user:
            entry["enforcementLevel"] = _level(user["all"], "all")
        if name in user:
            given = user[name]
            if isinstance(given, str):
                entry["enforcementLevel"] = _level(given, name)
            elif isinstance(given, dict):
                if "enforcementLevel" in given:
                    entry["enforcementLevel"] = _level(given["enforcementLevel"], name)
                for prop, value in given.items():
                    if prop == "enforcementLevel":
                        continue
                    if prop not in schema:
                        raise PolicyConfigError(f"policy config {name}.{prop}: the policy has no such property"
                                                + (f"; it has: {', '.join(sorted(schema))}" if schema else ""))
                    entry[prop] = value
            else:
                raise PolicyConfigError(f"policy config {name}: expected an enforcement level or an object")
        _validate(name, entry, schema, list(policy.configSchema.required))
        out[name] = entry
    return out


def _level(value: Any, where: str) -> str:
    if value not in LEVELS:
        raise PolicyConfigError(f"policy config {where}: enforcement level {value!r} is not one of "
                                + ", ".join(LEVELS))
    return value


def _validate(name: str, entry: Mapping[str, Any], schema: Mapping[str, Any], required: list) -> None:
    missing = [r for r in required if r not in entry]
    if missing:
        raise PolicyConfigError(f"policy config {name}: missing required {', '.join(missing)}")
    if not schema:
        return
    try:
        import jsonschema
    except ImportError:  # pragma: no cover - jsonschema is in the dev requirements
        return
    document = {"type": "object", "properties": dict(schema), "required": required}
    values = {k: v for k, v in entry.items() if k != "enforcementLevel"}
    errors = sorted(jsonschema.Draft7Validator(document).iter_errors(values), key=lambda e: list(e.path))
    if errors:
        where = ".".join(str(p) for p in errors[0].path)
        raise PolicyConfigError(f"policy config {name}{'.' + where if where else ''}: {errors[0].message}")


def diagnostics(response: analyzer_pb2.AnalyzeResponse, severities: Mapping[str, str],
                urn: str = "") -> list[dict]:
    out = []
    for d in response.diagnostics:
        out.append({"policy": d.policyName, "enforcementLevel": LEVEL_NAMES.get(d.enforcementLevel, "advisory"),
                    "severity": SEVERITY_NAMES.get(d.severity) or severities.get(d.policyName, "medium"),
                    "urn": d.urn or urn, "message": d.message})
    return out
