"""One pass over a stack's resources, shared by every stack check of one AnalyzeStack request.

A ``StackIndex`` holds the resources the stack checks read (and only those: a type no check reads is
never deserialized), indexed by type and by URN, plus a memo where checks keep joins that several of
them need (the S3 bucket views serve the public-read, public-write and TLS checks alike).

Each resource is a dict ``{"type", "urn", "name", "props", "parent", "deps", "pos"}``: ``props`` are plain
data with ``UNKNOWN`` for values not known yet (see ``props.plain``), ``deps`` maps a property name to the
URNs its value came from (the engine's property dependencies), ``pos`` is the resource's position in the
stack (checks report in stack order).
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Callable, Iterable, Mapping

from .props import UNKNOWN, plain

EXTERNAL = "external"
"""``StackIndex.resolve``'s answer for a reference to something declared outside the stack."""


def struct_to_dict(message) -> dict:
    """A ``google.protobuf.Struct`` as Python data, as ``json_format.MessageToDict`` gives it (numbers as
    floats), without its per-field descriptor lookups."""
    return {key: _value(value) for key, value in message.fields.items()}


def _value(value) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return value.string_value
    if kind == "struct_value":
        return struct_to_dict(value.struct_value)
    if kind == "list_value":
        return [_value(v) for v in value.list_value.values]
    if kind == "bool_value":
        return value.bool_value
    if kind == "number_value":
        return value.number_value
    return None  # null_value, or not set


class StackIndex:
    def __init__(self, resources: Iterable[dict]):
        """``resources``: the entries described above, in stack order (as the ``from_*`` builders make them)."""
        self.by_type: dict[str, list[dict]] = defaultdict(list)
        self.by_urn: dict[str, dict] = {}
        for entry in resources:
            self.by_type[entry["type"]].append(entry)
            self.by_urn[entry["urn"]] = entry
        self._memo: dict[str, Any] = {}

    # ---- building ----

    @classmethod
    def from_request(cls, request, types: frozenset) -> "StackIndex":
        """From an ``AnalyzeStackRequest``, deserializing only the resources whose type is in ``types``
        (secrets unwrapped as the SDK's own AnalyzeStack does)."""
        from pulumi_policy.deserialize import deserialize_properties

        def entries():
            for pos, r in enumerate(request.resources):
                if r.type not in types:
                    continue
                props = plain(deserialize_properties(struct_to_dict(r.properties)))
                yield {"type": r.type, "urn": r.urn, "name": r.name, "props": props, "parent": r.parent or None,
                       "deps": {k: list(v.urns) for k, v in r.propertyDependencies.items()}, "pos": pos}
        return cls(entries())

    @classmethod
    def from_policy_resources(cls, resources, types: frozenset) -> "StackIndex":
        """From the SDK's ``StackValidationArgs.resources`` (used when the pack is served without
        ``serving.install()``, e.g. by the SDK's own servicer in property tests)."""
        def entries():
            for pos, r in enumerate(resources):
                if r.resource_type not in types:
                    continue
                yield {"type": r.resource_type, "urn": r.urn, "name": r.name, "props": plain(r.props),
                       "parent": r.parent.urn if r.parent else None,
                       "deps": {k: [d.urn for d in v] for k, v in (r.property_dependencies or {}).items()},
                       "pos": pos}
        return cls(entries())

    # ---- reading ----

    def of(self, *types: str) -> list[dict]:
        """The resources of these types, in stack order."""
        if len(types) == 1:
            return self.by_type.get(types[0], [])
        found = [r for t in types for r in self.by_type.get(t, [])]
        found.sort(key=lambda r: r["pos"])
        return found

    def memo(self, key: str, build: Callable[[], Any]) -> Any:
        """``build()`` once per index; later calls with the same key get the same value."""
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]

    def resolve(self, resource: Mapping[str, Any], key: str, types: Iterable[str]) -> Any:
        """What the reference property ``key`` of ``resource`` points at, among resources of ``types``:
        that resource (by property dependency), ``None`` when the property is absent or empty, ``UNKNOWN``
        when it cannot be told before deployment, or ``EXTERNAL`` for a literal id of something the stack
        does not declare."""
        return self.resolve_value(resource["props"].get(key), resource["deps"].get(key, ()), types)

    def targets(self, deps: Iterable[str], types: Iterable[str]) -> list[dict]:
        """The resources of ``types`` among the URNs ``deps`` (a property's dependencies)."""
        types = set(types)
        return [self.by_urn[u] for u in deps if u in self.by_urn and self.by_urn[u]["type"] in types]

    def resolve_value(self, value: Any, deps: Iterable[str], types: Iterable[str]) -> Any:
        targets = self.targets(deps, types)
        if len(targets) == 1:
            return targets[0]
        if len(targets) > 1:
            return UNKNOWN  # built from several resources: which one it names is not known yet
        if value is None or value == "" or value == []:
            return None
        if value is UNKNOWN or not isinstance(value, str) or deps:
            return UNKNOWN  # computed from something else of the stack (or not a plain id)
        return EXTERNAL
