"""Pulumi's gRPC protocol modules (``pulumi.runtime.proto``), loaded without the rest of the SDK.

The gate serves and calls the protocol but runs no Pulumi program itself, so importing the whole
``pulumi`` package (a third of a second, every run) only to reach its generated protobuf modules is
waste. The package ``pulumi.runtime.proto`` holds generated code that imports nothing of the SDK but
its own siblings (relative imports), so it is loaded under its real name with its parents left
unloaded; should anything import ``pulumi`` later, the SDK's own ``from .proto import ...`` finds
these very modules (one copy, one descriptor pool registration).
"""
from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from pathlib import Path


def _load() -> types.ModuleType:
    name = "pulumi.runtime.proto"
    if name in sys.modules or "pulumi" in sys.modules:
        return importlib.import_module(name)
    spec = importlib.util.find_spec("pulumi")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the Pulumi SDK (pulumi) is not installed")
    root = Path(list(spec.submodule_search_locations)[0])
    parents = {}
    for parent, path in (("pulumi", root), ("pulumi.runtime", root / "runtime")):
        stub = types.ModuleType(parent)
        stub.__path__ = [str(path)]
        parents[parent] = sys.modules[parent] = stub
    try:
        package_spec = importlib.util.spec_from_file_location(
            name, root / "runtime" / "proto" / "__init__.py",
            submodule_search_locations=[str(root / "runtime" / "proto")])
        package = importlib.util.module_from_spec(package_spec)
        sys.modules[name] = package
        try:
            package_spec.loader.exec_module(package)
        except BaseException:
            for loaded in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
                del sys.modules[loaded]
            raise
    finally:
        for parent, stub in parents.items():
            if sys.modules.get(parent) is stub:
                del sys.modules[parent]
    sys.meta_path.insert(0, _BindProtoOnLoad(package))
    return package


class _BindProtoOnLoad:
    """When the real ``pulumi.runtime`` is imported later, give it its ``proto`` attribute first (the import
    system binds a submodule to its parent only when it loads the submodule itself)."""

    def __init__(self, package: types.ModuleType):
        self.package = package

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "pulumi.runtime":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        original, package = spec.loader.exec_module, self.package

        def exec_module(module):
            module.proto = package
            original(module)
        spec.loader.exec_module = exec_module
        return spec


proto = _load()
analyzer_pb2 = importlib.import_module("pulumi.runtime.proto.analyzer_pb2")
analyzer_pb2_grpc = importlib.import_module("pulumi.runtime.proto.analyzer_pb2_grpc")
callback_pb2 = importlib.import_module("pulumi.runtime.proto.callback_pb2")
callback_pb2_grpc = importlib.import_module("pulumi.runtime.proto.callback_pb2_grpc")
engine_pb2 = importlib.import_module("pulumi.runtime.proto.engine_pb2")
engine_pb2_grpc = importlib.import_module("pulumi.runtime.proto.engine_pb2_grpc")
provider_pb2 = importlib.import_module("pulumi.runtime.proto.provider_pb2")
resource_pb2 = importlib.import_module("pulumi.runtime.proto.resource_pb2")
resource_pb2_grpc = importlib.import_module("pulumi.runtime.proto.resource_pb2_grpc")
