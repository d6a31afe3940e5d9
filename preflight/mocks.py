"""Mocks that answer like AWS, and a monitor that records every registration as the engine sees it."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.settings import get_project, get_stack

STACK_TYPE = "pulumi:pulumi:Stack"


def _digest(*parts: str, length: int = 8) -> str:
    """Stable pseudo-random text: the same program gives the same ids on every run."""
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


class AwsMocks(pulumi.runtime.Mocks):
    """Answers resource registrations and invokes with values shaped like AWS's.

    Names are auto-generated the way the provider does (``<name>-<7 hex>``) unless given; ARNs follow
    each service's format so that policy documents rendered from them look like real ones.
    """

    def __init__(self, account_id: str = "123456789012", region: str = "us-east-1", partition: str = "aws",
                 account: Optional[dict] = None):
        """``account`` describes the account in the shape of ``make plan ACCOUNT=`` (organization,
        serviceLinkedRoles); None is a fresh account outside any organization."""
        self.account = dict(account or {})
        self.account_id = self.account.get("accountId", account_id)
        self.partition = self.account.get("partition", partition)
        self.region = region

    # -- invokes --
    def call(self, args: pulumi.runtime.MockCallArgs):
        token = args.token
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": self.account_id, "arn": f"arn:{self.partition}:iam::{self.account_id}:user/preflight",
                    "userId": "AIDAPREFLIGHT", "id": self.account_id}
        if token == "aws:index/getPartition:getPartition":
            suffix = "amazonaws.com.cn" if self.partition == "aws-cn" else "amazonaws.com"
            return {"partition": self.partition, "dnsSuffix": suffix, "id": self.partition,
                    "reverseDnsPrefix": "com.amazonaws"}
        if token == "aws:index/getRegion:getRegion":
            region = args.args.get("region") or args.args.get("name") or self.region
            return {"name": region, "region": region, "id": region,
                    "endpoint": f"ec2.{region}.amazonaws.com", "description": region}
        if token == "aws:iam/getRoles:getRoles":
            return self._roles(args.args.get("pathPrefix") or "/")
        if token == "aws:organizations/getOrganization:getOrganization":
            org = self.account.get("organization")
            if not org:  # what AWS answers outside an organization: the invoke fails
                return {}, [("", "AWSOrganizationsNotInUseException: Your account is not a member of an "
                                 "organization.")]
            master = org["managementAccountId"]
            return {"id": org["id"], "arn": f"arn:{self.partition}:organizations::{master}:organization/{org['id']}",
                    "masterAccountId": master, "masterAccountArn":
                        f"arn:{self.partition}:organizations::{master}:account/{org['id']}/{master}",
                    "featureSet": "ALL", "accounts": [], "roots": [], "awsServiceAccessPrincipals": [],
                    "enabledPolicyTypes": [], "masterAccountEmail": "", "masterAccountName": "",
                    "nonMasterAccounts": []}
        return {}

    def _roles(self, path_prefix: str) -> dict:
        """Service-linked roles of the description under ``path_prefix`` (only Config's path is known)."""
        paths = {"AWSServiceRoleForConfig": "/aws-service-role/config.amazonaws.com/"}
        names = sorted(n for n in self.account.get("serviceLinkedRoles", []) if paths.get(n, "/").startswith(path_prefix))
        return {"id": self.partition, "names": names,
                "arns": [f"arn:{self.partition}:iam::{self.account_id}:role{paths[n]}{n}" for n in names]}

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
        acct, part = self.account_id, self.partition
        auto = f"{name}-{_digest(typ, name, length=7)}"

        def arn(service: str, resource: str, regional: bool = True) -> str:
            return f"arn:{part}:{service}:{region if regional else ''}:{acct if service != 's3' else ''}:{resource}"

        module, kind = _token_parts(typ)
        if module == "s3" and kind in ("Bucket", "BucketV2"):
            bucket = inputs.get("bucket") or auto
            return {"id": bucket, "bucket": bucket, "arn": f"arn:{part}:s3:::{bucket}",
                    "bucketDomainName": f"{bucket}.s3.amazonaws.com",
                    "bucketRegionalDomainName": f"{bucket}.s3.{region}.amazonaws.com", "region": region}
        if module == "kms" and kind == "Key":
            key_id = _uuid(typ, name)
            return {"id": key_id, "keyId": key_id, "arn": arn("kms", f"key/{key_id}")}
        if module == "kms" and kind == "Alias":
            alias = inputs.get("name") or f"alias/{auto}"
            return {"id": alias, "arn": arn("kms", alias), "targetKeyArn": arn("kms", f"key/{inputs.get('targetKeyId')}")}
        if module == "cloudtrail" and kind == "Trail":
            trail = inputs.get("name") or auto
            return {"id": trail, "arn": arn("cloudtrail", f"trail/{trail}"), "homeRegion": region}
        if module == "sns" and kind == "Topic":
            topic = inputs.get("name") or auto
            return {"id": arn("sns", topic), "name": topic, "arn": arn("sns", topic)}
        if module == "cloudwatch" and kind == "LogGroup":
            group = inputs.get("name") or (inputs["namePrefix"] + _digest(typ, name, length=26)
                                           if inputs.get("namePrefix") else auto)
            return {"id": group, "name": group, "arn": arn("logs", f"log-group:{group}")}
        if module == "iam" and kind == "Role":
            role, path = inputs.get("name") or auto, inputs.get("path") or "/"
            return {"id": role, "name": role, "arn": arn("iam", f"role{path}{role}", regional=False),
                    "uniqueId": "AROA" + _digest(typ, name, length=16).upper()}
        if module == "iam" and kind == "Policy":
            policy = inputs.get("name") or auto
            return {"id": arn("iam", f"policy/{policy}", regional=False), "name": policy,
                    "arn": arn("iam", f"policy/{policy}", regional=False)}
        if module == "iam" and kind == "ServiceLinkedRole":
            service = inputs.get("awsServiceName", "service.amazonaws.com")
            role = "AWSServiceRoleFor" + service.split(".")[0].capitalize()
            return {"id": arn("iam", f"role/aws-service-role/{service}/{role}", regional=False), "name": role,
                    "arn": arn("iam", f"role/aws-service-role/{service}/{role}", regional=False)}
        if module in ("s3",) and "bucket" in inputs:
            return {"id": str(inputs["bucket"])}
        generic = inputs.get("name") or auto
        return {"id": generic, "arn": arn(_service_of(module), f"{_kebab(kind)}/{generic}")}


def _token_parts(typ: str) -> tuple[str, str]:
    """``aws:s3/bucket:Bucket`` -> (``s3``, ``Bucket``)."""
    parts = typ.split(":")
    module = parts[1].split("/")[0] if len(parts) == 3 else ""
    return module, parts[-1]


_SERVICES = {"cloudwatch": "logs", "cfg": "config", "ebs": "ec2", "vpc": "ec2"}


def _service_of(module: str) -> str:
    return _SERVICES.get(module, module)


def _kebab(kind: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", kind).lower()


def _uuid(*parts: str) -> str:
    h = hashlib.sha256("/".join(parts).encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


@dataclass
class Registration:
    """One resource as the engine would send it to an analyzer."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: Optional[str]
    inputs: dict
    protect: bool = False
    retain_on_delete: bool = False
    depends_on: list = field(default_factory=list)
    property_dependencies: dict = field(default_factory=dict)
    provider: str = ""
    id: str = ""
    source: Optional[dict] = None
    """Where the program declared the resource: {"uri": file URI, "line": n}, as the SDK reports it."""

    def options(self) -> dict:
        return {"protect": self.protect, "retainOnDelete": self.retain_on_delete, "dependsOn": sorted(self.depends_on)}


# Properties the AWS provider's Check fills by auto-naming before the engine sends inputs to analyzers.
AUTONAMED = {"aws:s3/bucket:Bucket": "bucket", "aws:s3/bucketV2:BucketV2": "bucket", "aws:sns/topic:Topic": "name",
             "aws:iam/role:Role": "name", "aws:ec2/securityGroup:SecurityGroup": "name",
             "aws:cloudwatch/logGroup:LogGroup": "name", "aws:iam/policy:Policy": "name"}


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
        field = AUTONAMED.get(request.type)
        state = self.resources[urn].state if urn in self.resources else {}
        prefix = inputs.get(f"{field}Prefix") if field else None
        if field and field not in inputs and field in state and (prefix is None or str(state[field]).startswith(prefix)):
            inputs[field] = state[field]
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
