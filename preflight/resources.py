"""What the engine records and computes, free of the Pulumi SDK (the gate's process does not import it):
registrations as an analyzer sees them, and the outputs a provider would compute."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Optional

STACK_TYPE = "pulumi:pulumi:Stack"


def _digest(*parts: str, length: int = 8) -> str:
    """Stable pseudo-random text: the same program gives the same ids on every run."""
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


def computed_outputs(typ: str, name: str, inputs: dict, region: str, account_id: str = "123456789012",
                     partition: str = "aws") -> dict:
    """What the AWS provider would compute for a new resource: ``id`` and ARNs, names and domain names
    in each service's format (ARN formats: the Service Authorization Reference's resource types). Names are
    auto-generated as the provider does (``<name>-<7 hex>``) unless given."""
    acct, part = account_id, partition
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


def with_autoname(typ: str, inputs: dict, state: dict) -> dict:
    """``inputs`` as analyzers see them: with the auto-named property (``AUTONAMED``) the provider's Check
    fills from ``state`` when the program gave none (and the name honours a given ``<property>Prefix``)."""
    field = AUTONAMED.get(typ)
    if field and field not in inputs and field in state:
        prefix = inputs.get(f"{field}Prefix")
        if prefix is None or str(state[field]).startswith(str(prefix)):
            return {**inputs, field: state[field]}
    return inputs
