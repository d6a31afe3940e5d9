"""Pulumi's property wire format, read and written by the engine side (no SDK runtime involved).

Property values travel as ``google.protobuf.Struct``. Special values are objects carrying the signature
key ``4dabf18193072939515e22adb298388d`` (sdk/go/common/resource/properties.go, sdk/python
pulumi/runtime/rpc.py): secrets (``1b47061264138c4ac30d75fd1eb44270``, ``value``), resource references
(``5cf8f73096256a8f31e491e813e4eb8e``, ``urn``, ``id``, ``packageVersion``), output values
(``d0e6a833031e9bbcd3f4e8bde6ca49a4``, optional ``value``, ``secret``, ``dependencies``), assets and
archives. A value not known during a preview is the string ``04da6b54-80e4-46f7-96ec-b56ff0331ba9``.
"""
from __future__ import annotations

from typing import Any

from google.protobuf import json_format, struct_pb2

SIG = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def from_struct(message: struct_pb2.Struct) -> dict:
    """A Struct as plain Python data (special values still in their wire form)."""
    return _integral(json_format.MessageToDict(message)) if message is not None else {}


def to_struct(value: dict) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(value)
    return message


def secret(value: Any) -> dict:
    return {SIG: SECRET_SIG, "value": value}


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SIG) == SECRET_SIG


def resolve(value: Any, keep_secrets: bool = True) -> Any:
    """What a provider that accepts no resources, and an analyzer, see: resource references become the
    referenced resource's id (a custom resource) or URN (a component), as the engine's MarshalProperties does
    without KeepResources; output values become their value, or unknown; secrets stay wrapped (or, with
    ``keep_secrets=False``, become their plain value)."""
    if isinstance(value, dict):
        sig = value.get(SIG)
        if sig == RESOURCE_SIG:
            return value.get("id") or value.get("urn", UNKNOWN)
        if sig == OUTPUT_SIG:
            inner = resolve(value["value"], keep_secrets) if "value" in value else UNKNOWN
            return secret(inner) if value.get("secret") and keep_secrets and not is_secret(inner) else inner
        if sig == SECRET_SIG:
            inner = resolve(value.get("value"), keep_secrets)
            return secret(inner) if keep_secrets and not is_secret(inner) else inner
        if sig in (ASSET_SIG, ARCHIVE_SIG):
            return value
        return {k: resolve(v, keep_secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, keep_secrets) for v in value]
    return value


def dependencies_of(value: Any) -> set[str]:
    """URNs named by resource references and output values inside ``value``."""
    found: set[str] = set()
    if isinstance(value, dict):
        sig = value.get(SIG)
        if sig == RESOURCE_SIG and value.get("urn"):
            found.add(value["urn"])
        if sig == OUTPUT_SIG:
            found.update(value.get("dependencies") or [])
        for v in value.values():
            found |= dependencies_of(v)
    elif isinstance(value, list):
        for v in value:
            found |= dependencies_of(v)
    return found


def redact(value: Any, placeholder: str = "[secret]") -> Any:
    """Secrets replaced by ``placeholder``: what a report may print."""
    if is_secret(value):
        return placeholder
    if isinstance(value, dict):
        return {k: redact(v, placeholder) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, placeholder) for v in value]
    return value


def _integral(value: Any) -> Any:
    """Structs carry numbers as doubles; whole numbers get their integer form back (ports, counts)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53:
        return int(value)
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral(v) for v in value]
    return value
