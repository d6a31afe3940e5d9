"""Serving the pack: one change to how the SDK answers Analyze, for speed only.

The SDK deserializes a resource's properties once per policy before it asks the policy whether the
resource's type concerns it at all. With twenty-odd policies that is twenty-odd deserializations per
resource. Here Analyze first keeps only the policies that read the resource's type, then lets the
SDK do the rest exactly as before: the verdicts are the same, because a policy that does not read a
type reports nothing on it.
"""
from __future__ import annotations

import copy

from pulumi_policy import policy as sdk_policy

from .registry import RESOURCE_RULES
from .remediations import REMEDIATIONS

_Servicer = sdk_policy._PolicyAnalyzerServicer
_POLICIES = "_PolicyAnalyzerServicer__policies"  # the SDK's (name-mangled) list of policies


_TYPES: dict[str, frozenset | None] = {}


def _types_of(policy) -> frozenset | None:
    """The type tokens a resource policy reads; None when unknown (then it always runs)."""
    if policy.name in _TYPES:
        return _TYPES[policy.name]
    types = set()
    if policy.name in RESOURCE_RULES:
        types |= RESOURCE_RULES[policy.name].types
    if policy.name in REMEDIATIONS:
        types |= REMEDIATIONS[policy.name][0]
    _TYPES[policy.name] = frozenset(types) if types else None
    return _TYPES[policy.name]


class TypeFilteringServicer(_Servicer):
    def Analyze(self, request, context):
        policies = getattr(self, _POLICIES)
        wanted = [p for p in policies if not isinstance(p, sdk_policy.ResourceValidationPolicy)
                  or (_types_of(p) is None or request.type in _types_of(p))]
        if len(wanted) == len(policies):
            return super().Analyze(request, context)
        view = copy.copy(self)  # a per-call view: concurrent calls and Configure never see each other's list
        setattr(view, _POLICIES, wanted)
        return _Servicer.Analyze(view, request, context)


def install() -> None:
    """Make PolicyPack serve with the type-filtering servicer (call before constructing PolicyPack)."""
    sdk_policy._PolicyAnalyzerServicer = TypeFilteringServicer
