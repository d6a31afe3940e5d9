"""The engine side of Pulumi's protocol, served offline: what `pulumi preview` serves a language runtime.

A program (any language whose SDK is installed) connects to two gRPC services on 127.0.0.1:

- ``pulumirpc.ResourceMonitor``: RegisterResource, RegisterResourceOutputs, ReadResource, Invoke, Call,
  SupportsFeature / GetDeploymentInfo, RegisterPackage, SignalAndWaitForShutdown;
- ``pulumirpc.Engine``: Log, GetRootResource, SetRootResource.

Every registration is recorded as the engine would send it to an analyzer (type, name, inputs with
resource references resolved to the referenced id or URN, parent, options, dependencies, provider,
source position). What a provider would compute is answered with plausible AWS-shaped values
(:func:`preflight.resources.computed_outputs`, as the mocks answer), so policies judge what ``pulumi up``
would judge; data sources are answered by :mod:`preflight.datasources`; stack references from a ``STACK_OUTPUTS`` file. A remote
component (``remote: true``: awsx, eks, ...), which only its provider plugin can build, is recorded as
*unjudged*. Features served as the CLI serves them (sdk/proto/resource.proto): secrets, resource
references, output values, alias specs, deletedWith, resource transforms (the program's own
``transforms=`` and ``register_resource_transform``, called back as the engine does, in that order; their
properties, ``protect`` and ``retainOnDelete`` are used).
"""
from __future__ import annotations

import hashlib
import sys
import threading
import uuid
from concurrent import futures
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional

import grpc
from google.protobuf import empty_pb2

from . import wire
from .protos import (callback_pb2, callback_pb2_grpc, engine_pb2, engine_pb2_grpc, provider_pb2, resource_pb2,
                     resource_pb2_grpc)
from .resources import STACK_TYPE, Registration, computed_outputs, with_autoname

if TYPE_CHECKING:
    from .datasources import InvokeAnswer

STACK_REFERENCE = "pulumi:pulumi:StackReference"
FEATURES = {"secrets", "resourceReferences", "outputValues", "aliasSpecs", "deletedWith", "transforms"}
FEATURE_ENUMS = [resource_pb2.RESOURCE_MONITOR_FEATURE_SECRETS,
                 resource_pb2.RESOURCE_MONITOR_FEATURE_RESOURCE_REFERENCES,
                 resource_pb2.RESOURCE_MONITOR_FEATURE_OUTPUT_VALUES,
                 resource_pb2.RESOURCE_MONITOR_FEATURE_ALIAS_SPECS,
                 resource_pb2.RESOURCE_MONITOR_FEATURE_DELETED_WITH,
                 resource_pb2.RESOURCE_MONITOR_FEATURE_TRANSFORMS]


def _datasource_answerer(account, region: str, interpreter: Optional[str] = None) -> Callable[[str, dict], InvokeAnswer]:
    """Data sources answered by :mod:`preflight.datasources` for ``account`` in the stack's ``region``; an
    invented answer reads the result type from the provider SDK in the program's own environment
    (``interpreter``; default: the gate's)."""
    from .datasources import answer_invoke
    paths: list = [None]
    finding = None
    if interpreter:  # where the program's SDKs are: asked of its interpreter meanwhile (a few ms)
        def find() -> None:
            from .sdk_types import sdk_paths_for
            paths[0] = sdk_paths_for(interpreter) or None
        finding = threading.Thread(target=find, daemon=True)
        finding.start()

    def sdk_paths():
        if finding is not None:
            finding.join()
        return paths[0]

    def answer(token: str, args: dict) -> InvokeAnswer:
        return answer_invoke(token, args, account, region, sdk_paths=sdk_paths())
    return answer


@dataclass
class EngineRecord:
    """What one program run told the engine."""

    registrations: list = field(default_factory=list)
    unjudged: list = field(default_factory=list)
    invented: dict = field(default_factory=dict)        # token -> number of calls answered by invention
    stack_references: dict = field(default_factory=dict)  # name -> "known" | "unknown"
    errors: list = field(default_factory=list)          # the program's error logs (engine.Log ERROR)
    gate_errors: list = field(default_factory=list)     # failures of this engine itself
    shutdown_signalled: bool = False
    root_urn: str = ""


class OfflineEngine:
    """Serve the monitor and engine services; ``start()`` returns (monitor address, engine address)."""

    def __init__(self, project: str, stack: str, region: str = "us-east-1", account=None,
                 stack_outputs: Optional[Callable[[str], Optional[dict]]] = None,
                 log: Callable[[str], None] = lambda text: print(text, file=sys.stderr),
                 on_register: Optional[Callable[[Registration], None]] = None):
        """``on_register``: called with each registration as it is recorded (the gate judges it at once)."""
        self.project, self.stack, self.region = project, stack, region
        self.on_register = on_register
        self.log = log
        self.record = EngineRecord()
        self._lock = threading.Lock()
        self._qualified: dict[str, str] = {}
        self._states: dict[str, tuple[str, dict]] = {}
        self._server: Optional[grpc.Server] = None
        self._ready = threading.Event()
        self._stack_transforms: list = []
        self._callback_stubs: dict = {}
        if account is not None:
            self.configure(account, stack_outputs)

    def configure(self, account, stack_outputs: Optional[Callable[[str], Optional[dict]]] = None,
                  interpreter: Optional[str] = None) -> None:
        """The account the program is deployed into, the stack references' outputs and (``interpreter``) the
        program's interpreter, whose provider SDKs describe invented answers. The engine may be started
        (and the program launched) first: answers wait until this is called."""
        self.account = account
        self.account_id = getattr(account, "account_id", None) or "123456789012"
        self.partition = getattr(account, "partition", None) or "aws"
        self.answer = _datasource_answerer(account, self.region, interpreter)
        self.stack_outputs = stack_outputs or (lambda name: None)
        self._ready.set()

    def _wait_ready(self) -> None:
        if not self._ready.wait(timeout=600):
            raise RuntimeError("the engine was never given its account")

    # -- lifecycle --
    def start(self) -> tuple[str, str]:
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=8),
                             options=[("grpc.max_receive_message_length", 400 * 1024 * 1024),
                                      ("grpc.max_send_message_length", 400 * 1024 * 1024)])
        resource_pb2_grpc.add_ResourceMonitorServicer_to_server(_Monitor(self), server)
        engine_pb2_grpc.add_EngineServicer_to_server(_Engine(self), server)
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        self._server = server
        address = f"127.0.0.1:{port}"
        return address, address

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop(grace=None)
            self._server = None

    # -- URNs --
    def urn(self, parent: str, type_: str, name: str) -> str:
        qualified = type_
        parent_type = self._qualified.get(parent)
        if parent_type and parent_type != STACK_TYPE:
            qualified = f"{parent_type}${type_}"
        urn = f"urn:pulumi:{self.stack}::{self.project}::{qualified}::{name}"
        self._qualified[urn] = qualified
        return urn

    # -- answers --
    def register(self, request) -> resource_pb2.RegisterResourceResponse:
        self._wait_ready()
        with self._lock:
            urn = self.urn(request.parent, request.type, request.name)
        if request.type == STACK_TYPE:
            registration = Registration(urn, request.type, request.name, False, None, {})
            with self._lock:
                self.record.registrations.append(registration)
            if self.on_register:
                self.on_register(registration)
            return resource_pb2.RegisterResourceResponse(urn=urn)
        protect, retain = bool(request.protect), bool(request.retainOnDelete)
        properties = request.object
        for callback in list(request.transforms) + list(self._stack_transforms):
            properties, protect, retain = self._transform(callback, request, properties, protect, retain)
        raw = wire.from_struct(properties)
        inputs = wire.resolve(raw)
        dependencies = set(request.dependencies) | wire.dependencies_of(raw)
        region = _plain_text(inputs.get("region")) or self.region
        if request.custom:
            if request.type.startswith("pulumi:providers:"):
                state, id_ = dict(inputs), str(uuid.UUID(hashlib.sha256(urn.encode()).hexdigest()[:32]))
            else:
                computed = computed_outputs(request.type, request.name, _unwrapped(inputs), region,
                                            self.account_id, self.partition)
                state = {**inputs, **computed}
                id_ = str(state.pop("id"))
                if request.importId:
                    id_ = request.importId
        else:
            state, id_ = {}, ""
        recorded = with_autoname(request.type, inputs, state)
        registration = Registration(
            urn=urn, type=request.type, name=request.name, custom=bool(request.custom),
            parent=request.parent or None, inputs=_without_nulls(recorded),
            protect=protect, retain_on_delete=retain,
            depends_on=sorted(dependencies),
            property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
            provider=request.provider, id=id_,
            source={"uri": request.sourcePosition.uri, "line": request.sourcePosition.line}
            if request.HasField("sourcePosition") and request.sourcePosition.uri else None)
        with self._lock:
            self.record.registrations.append(registration)
            self._states[urn] = (id_, state)
            if request.remote:
                package = request.type.split(":", 1)[0]
                self.record.unjudged.append({
                    "urn": urn, "type": request.type,
                    "why": f"a remote component: the {package} provider plugin builds its children "
                           f"(construct), which the offline gate does not run, so they were not judged"})
        if self.on_register:
            self.on_register(registration)
        return resource_pb2.RegisterResourceResponse(urn=urn, id=id_, object=wire.to_struct(state))

    def register_stack_transform(self, callback) -> None:
        with self._lock:
            self._stack_transforms.append(callback)

    def _transform(self, callback, request, properties, protect: bool, retain: bool):
        """Call one of the program's transforms back, as the engine does, on its callbacks server."""
        with self._lock:
            stub = self._callback_stubs.get(callback.target)
            if stub is None:
                stub = self._callback_stubs[callback.target] = callback_pb2_grpc.CallbacksStub(
                    grpc.insecure_channel(callback.target))
        transform_request = resource_pb2.TransformRequest(
            type=request.type, name=request.name, custom=request.custom, parent=request.parent,
            properties=properties,
            options=resource_pb2.TransformResourceOptions(protect=protect, retain_on_delete=retain,
                                                          depends_on=list(request.dependencies)))
        try:
            answer = stub.Invoke(callback_pb2.CallbackInvokeRequest(
                token=callback.token, request=transform_request.SerializeToString()))
        except grpc.RpcError as error:  # the transform raised: the program's failure, not the gate's
            raise ProgramFault(error.details() if hasattr(error, "details") else str(error)) from None
        response = resource_pb2.TransformResponse.FromString(answer.response)
        if response.HasField("options"):
            protect = response.options.protect if response.options.HasField("protect") else protect
            retain = response.options.retain_on_delete if response.options.HasField("retain_on_delete") else retain
        return (response.properties if response.HasField("properties") else properties), protect, retain

    def read(self, request) -> resource_pb2.ReadResourceResponse:
        self._wait_ready()
        with self._lock:
            urn = self.urn(request.parent, request.type, request.name)
        props = wire.resolve(wire.from_struct(request.properties))
        if request.type == STACK_REFERENCE:
            name = str(props.get("name") or request.id)
            outputs = self.stack_outputs(name)
            with self._lock:
                self.record.stack_references[name] = "known" if outputs is not None else "unknown"
            state = {"name": name, "outputs": outputs if outputs is not None else wire.UNKNOWN,
                     "secretOutputNames": []}
        else:
            region = _plain_text(props.get("region")) or self.region
            computed = computed_outputs(request.type, request.name, _unwrapped(props), region,
                                        self.account_id, self.partition)
            computed.pop("id", None)
            state = {**props, **computed}
        with self._lock:
            self._states[urn] = (request.id, state)
        return resource_pb2.ReadResourceResponse(urn=urn, properties=wire.to_struct(state))

    def invoke(self, request) -> resource_pb2.ResourceInvokeResponse:
        self._wait_ready()
        args = wire.resolve(wire.from_struct(request.args), keep_secrets=False)
        if request.tok == "pulumi:pulumi:getResource":
            urn = args.get("urn", "")
            with self._lock:
                known = self._states.get(urn)
            if known is None:
                return resource_pb2.ResourceInvokeResponse(failures=[provider_pb2.CheckFailure(
                    property="urn", reason=f"unknown resource {urn}")])
            return resource_pb2.ResourceInvokeResponse(**{"return": wire.to_struct(
                {"urn": urn, "id": known[0], "state": known[1]})})
        answer = self.answer(request.tok, args)
        if answer.invented:
            with self._lock:
                self.record.invented[request.tok] = self.record.invented.get(request.tok, 0) + 1
        if answer.failure:
            return resource_pb2.ResourceInvokeResponse(failures=[provider_pb2.CheckFailure(
                property="", reason=answer.failure)])
        return resource_pb2.ResourceInvokeResponse(**{"return": wire.to_struct(_jsonable(answer.result))})

    def call(self, request) -> resource_pb2.CallResponse:
        with self._lock:
            self.record.invented[request.tok] = self.record.invented.get(request.tok, 0) + 1
        return resource_pb2.CallResponse(**{"return": wire.to_struct({})})


class ProgramFault(Exception):
    """Something the program did failed while the engine answered it (a transform raising)."""


def _guarded(method):
    """A failure inside the engine is the gate's, never blamed on the program: record it, answer INTERNAL."""
    def handler(self, request, context):
        try:
            return method(self, request, context)
        except ProgramFault as fault:
            context.abort(grpc.StatusCode.UNKNOWN, str(fault))
        except Exception as error:  # noqa: BLE001 - reported as the gate's own failure
            import traceback
            detail = "".join(traceback.format_exception_only(type(error), error)).strip()
            self.engine.record.gate_errors.append(f"{method.__name__}: {detail}")
            context.abort(grpc.StatusCode.INTERNAL, f"offline engine: {detail}")
    handler.__name__ = method.__name__
    return handler


class _Monitor(resource_pb2_grpc.ResourceMonitorServicer):
    def __init__(self, engine: OfflineEngine):
        self.engine = engine

    @_guarded
    def SupportsFeature(self, request, context):
        return resource_pb2.SupportsFeatureResponse(hasSupport=request.id in FEATURES)

    @_guarded
    def GetDeploymentInfo(self, request, context):
        return resource_pb2.DeploymentInfo(supportedFeatures=FEATURE_ENUMS)

    @_guarded
    def RegisterResource(self, request, context):
        return self.engine.register(request)

    @_guarded
    def RegisterResourceOutputs(self, request, context):
        return empty_pb2.Empty()

    @_guarded
    def ReadResource(self, request, context):
        return self.engine.read(request)

    @_guarded
    def Invoke(self, request, context):
        return self.engine.invoke(request)

    @_guarded
    def Call(self, request, context):
        return self.engine.call(request)

    @_guarded
    def RegisterPackage(self, request, context):
        return resource_pb2.RegisterPackageResponse(ref=f"{request.name}@{request.version}")

    @_guarded
    def RegisterStackTransform(self, request, context):
        self.engine.register_stack_transform(request)
        return empty_pb2.Empty()

    @_guarded
    def SignalAndWaitForShutdown(self, request, context):
        self.engine.record.shutdown_signalled = True
        return empty_pb2.Empty()


class _Engine(engine_pb2_grpc.EngineServicer):
    def __init__(self, engine: OfflineEngine):
        self.engine = engine

    @_guarded
    def Log(self, request, context):
        if request.severity == engine_pb2.ERROR:
            self.engine.record.errors.append(request.message)
            self.engine.log(f"program error: {request.message.rstrip()}")
        elif request.severity == engine_pb2.WARNING:
            self.engine.log(f"program warning: {request.message.rstrip()}")
        return empty_pb2.Empty()

    @_guarded
    def GetRootResource(self, request, context):
        return engine_pb2.GetRootResourceResponse(urn=self.engine.record.root_urn)

    @_guarded
    def SetRootResource(self, request, context):
        self.engine.record.root_urn = request.urn
        return engine_pb2.SetRootResourceResponse()


def _without_nulls(value: Any) -> Any:
    """Inputs as JSON-able data (the engine's property bag; null inputs are absent)."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _unwrapped(value: Any) -> Any:
    return wire.resolve(value, keep_secrets=False)


def _plain_text(value: Any) -> Optional[str]:
    value = _unwrapped(value)
    return value if isinstance(value, str) and value != wire.UNKNOWN else None


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    return str(value)
