"""Mocks that answer like AWS, and a monitor that records every registration as the engine sees it."""
from __future__ import annotations

from typing import Any, Optional

import pulumi
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.settings import get_project, get_stack

from .resources import STACK_TYPE, Registration, computed_outputs, with_autoname  # noqa: F401 (re-exported)


_ORGANIZATION_LISTS = ("accounts", "nonMasterAccounts", "roots", "awsServiceAccessPrincipals", "enabledPolicyTypes")


class AwsMocks(pulumi.runtime.Mocks):
    """Answers resource registrations and invokes with values shaped like AWS's.

    Names are auto-generated the way the provider does (``<name>-<7 hex>``) unless given; ARNs follow
    each service's format so that policy documents rendered from them look like real ones.
    """

    def __init__(self, account_id: str = "123456789012", region: str = "us-east-1", partition: str = "aws",
                 account: Optional[dict] = None):
        """``account`` describes the account in the shape of ``make plan ACCOUNT=`` (organization,
        serviceLinkedRoles); None is a fresh account outside any organization."""
        from .account import Account
        self.account = Account.model_validate({"accountId": account_id, "partition": partition, **(account or {})})
        self.account_id = self.account.account_id
        self.partition = self.account.partition
        self.region = region

    # -- invokes --
    def call(self, args: pulumi.runtime.MockCallArgs):
        """The gate's own answer (:func:`preflight.datasources.answer_invoke`); a lookup that fails in the
        described account fails here too. One difference: the organization lists no accounts, roots or
        policies (the tests plan a management account whose root cannot be looked up)."""
        from .datasources import answer_invoke
        found = answer_invoke(args.token, dict(args.args), self.account, self.region)
        if found.failure:
            return found.result, [("", found.failure)]
        if args.token == "aws:organizations/getOrganization:getOrganization":
            return {**found.result, **{key: [] for key in _ORGANIZATION_LISTS}}
        return found.result

    # -- resources --
    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        inputs = dict(args.inputs)
        if not args.custom:
            return f"{args.name}-component", inputs
        region = inputs.get("region") or self.region
        state = dict(inputs)
        state.update(self._computed(args.typ, args.name, inputs, region))
        return state.pop("id"), state

    def _computed(self, typ: str, name: str, inputs: dict, region: str) -> dict:
        return computed_outputs(typ, name, inputs, region, self.account_id, self.partition)


class RecordingMonitor(MockMonitor):
    """A MockMonitor that keeps parent, options and dependencies, which ``Mocks.new_resource`` never sees,
    and builds URNs the way the engine does (the full chain of parent types)."""

    def __init__(self, mocks: pulumi.runtime.Mocks):
        super().__init__(mocks)
        self.registrations: list[Registration] = []
        self._qualified_types: dict[str, str] = {}

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        qualified = type_
        parent_type = self._qualified_types.get(parent)
        if parent_type and parent_type != STACK_TYPE:
            qualified = f"{parent_type}${type_}"
        urn = "urn:pulumi:" + "::".join([get_stack(), get_project(), qualified, name])
        self._qualified_types[urn] = qualified
        return urn

    def RegisterResource(self, request):
        response = super().RegisterResource(request)
        urn = response.urn
        if request.type == STACK_TYPE:
            self.registrations.append(Registration(urn, request.type, request.name, False, None, {}))
            return response
        from pulumi.runtime import rpc
        inputs = rpc.deserialize_properties(request.object)
        inputs = with_autoname(request.type, inputs, self.resources[urn].state if urn in self.resources else {})
        self.registrations.append(Registration(
            urn=urn, type=request.type, name=request.name, custom=bool(request.custom),
            parent=request.parent or None, inputs=_plain(inputs),
            protect=bool(request.protect), retain_on_delete=bool(request.retainOnDelete),
            depends_on=list(request.dependencies),
            property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
            provider=request.provider, id=response.id,
            source={"uri": request.sourcePosition.uri, "line": request.sourcePosition.line}
            if request.HasField("sourcePosition") and request.sourcePosition.uri else None))
        return response


def _plain(value: Any) -> Any:
    """Inputs as JSON-able data (the engine's property bag)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, bool, int, float)) or value is None:
        return value
    return str(value)
