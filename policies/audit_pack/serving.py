"""Serving the pack: how the SDK answers Analyze and AnalyzeStack, changed for speed and for
per-finding enforcement levels. Verdicts are the same as the SDK's own servicer would give.

Analyze: the SDK deserializes a resource's properties once per policy before it asks the policy whether
the resource's type concerns it at all. Here Analyze first keeps only the policies that read the
resource's type, then lets the SDK do the rest exactly as before.

AnalyzeStack: the SDK deserializes every resource of the stack once per stack policy (with seven stack
policies, seven copies of the stack). Here one ``StackIndex`` per request deserializes only the resources
some stack check reads, once, and every stack check runs over it; joins several checks need are built
once (``StackIndex.memo``).

Per-finding levels: a finding that AWS's documentation does not settle is reported at most as advisory,
whatever the policy's level (a message that starts with ``Advisory: `` from a resource check, a
``Finding`` with ``level="advisory"`` from a stack check). Disabled policies report nothing, as before.
"""
from __future__ import annotations

import copy

from pulumi.runtime.proto import analyzer_pb2 as proto
from pulumi_policy import EnforcementLevel
from pulumi_policy import policy as sdk_policy

from .registry import ADVISORY, ADVISORY_PREFIX, RESOURCE_RULES, STACK_RULES, Finding, stack_types
from .remediations import REMEDIATIONS
from .stack import StackIndex

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


def cap_advisory(response) -> None:
    """Lower to advisory every diagnostic whose reported message starts with ``Advisory: ``."""
    for d in response.diagnostics:
        if d.enforcementLevel in (proto.MANDATORY, proto.REMEDIATE) and f"\n{ADVISORY_PREFIX}" in d.message:
            d.enforcementLevel = proto.ADVISORY


def finding_message(finding: Finding) -> str:
    if finding.level == ADVISORY and not finding.message.startswith(ADVISORY_PREFIX):
        return ADVISORY_PREFIX + finding.message
    return finding.message


class TypeFilteringServicer(_Servicer):
    def Analyze(self, request, context):
        policies = getattr(self, _POLICIES)
        wanted = [p for p in policies if not isinstance(p, sdk_policy.ResourceValidationPolicy)
                  or (_types_of(p) is None or request.type in _types_of(p))]
        if len(wanted) == len(policies):
            response = super().Analyze(request, context)
        else:
            view = copy.copy(self)  # a per-call view: concurrent calls and Configure never see each other's list
            setattr(view, _POLICIES, wanted)
            response = _Servicer.Analyze(view, request, context)
        cap_advisory(response)
        return response

    def AnalyzeStack(self, request, context):
        from .pack import run_stack_check  # the pack module imports this one

        policies = [p for p in getattr(self, _POLICIES) if isinstance(p, sdk_policy.StackValidationPolicy)]
        if any(p.name not in STACK_RULES for p in policies):
            response = super().AnalyzeStack(request, context)  # a policy this module does not know: the SDK's way
            cap_advisory(response)
            return response
        self._configure_runtime_settings()
        response = proto.AnalyzeResponse()
        index = None
        for policy in policies:
            level = self._get_enforcement_level(policy)
            if level == EnforcementLevel.DISABLED:
                continue
            if level == EnforcementLevel.REMEDIATE:
                level = EnforcementLevel.MANDATORY  # stack policies cannot remediate (as the SDK does)
            if index is None:
                index = StackIndex.from_request(request, stack_types())
            report = self._create_report_violation(response, policy.name, policy.description, level, policy.severity)
            advisory = self._create_report_violation(response, policy.name, policy.description,
                                                     EnforcementLevel.ADVISORY, policy.severity)
            config = self._get_policy_config(policy.name)
            for finding in run_stack_check(policy.name, index, config):
                (advisory if finding.level == ADVISORY else report)(finding_message(finding), finding.urn or None)
        return response


def install() -> None:
    """Make PolicyPack serve with this servicer (call before constructing PolicyPack)."""
    sdk_policy._PolicyAnalyzerServicer = TypeFilteringServicer
