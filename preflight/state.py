"""Judge what already runs: a stack's exported state (`pulumi stack export`), offline.

Each resource is sent with its recorded outputs laid over its inputs, as Pulumi Cloud's audit mode
sends resources read back from the cloud. Encrypted secrets cannot be read offline: they are sent as
secrets holding a placeholder.
"""
from __future__ import annotations

import json
from typing import Any

from .resources import Registration
from .files import read_state_export

SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d"
SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270"


def _readable(value: Any) -> Any:
    if isinstance(value, dict):
        if value.get(SECRET_SIGNATURE) == SECRET_VALUE:
            inner = value.get("plaintext")
            plain = json.loads(inner) if isinstance(inner, str) else "[secret]"
            return {SECRET_SIGNATURE: SECRET_VALUE, "value": _readable(plain)}
        return {k: _readable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_readable(v) for v in value]
    return value


def load_state(path: str) -> tuple[str, list[Registration]]:
    """The stack's name and its resources (providers left out) from a `pulumi stack export` file."""
    deployment = read_state_export(path)["deployment"]  # shape checked: UsageError naming what is wrong
    registrations, stack = [], "unknown"
    for r in deployment["resources"]:
        if r["type"].startswith("pulumi:providers:"):
            continue
        if r["type"] == "pulumi:pulumi:Stack":
            stack = r["urn"].split("::")[0].rsplit(":", 1)[-1]
        props = {**_readable(r.get("inputs") or {}), **_readable(r.get("outputs") or {})}
        registrations.append(Registration(
            urn=r["urn"], type=r["type"], name=r["urn"].rsplit("::", 1)[-1], custom=bool(r.get("custom")),
            parent=r.get("parent"), inputs=props, protect=bool(r.get("protect")),
            retain_on_delete=bool(r.get("retainOnDelete")), depends_on=list(r.get("dependencies") or []),
            property_dependencies={k: list(v) for k, v in (r.get("propertyDependencies") or {}).items()},
            provider=r.get("provider") or "", id=r.get("id") or ""))
    return stack, registrations
