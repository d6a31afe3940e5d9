"""Answers to the program's data-source lookups (invokes), as the provider would give them in the account
the gate imagines (``preflight.account.Account``), and stack references from a ``STACK_OUTPUTS`` file.

``answer_invoke(token, args, account, region)`` returns an :class:`InvokeAnswer`: the result object with
the provider's wire (camelCase) names, whether it was invented, and the provider's error when the
lookup would fail in that account. Arguments and results use the names of the pulumi-aws 7 schema (the
installed SDK's ``Get*Result`` classes are the reference).

Typed answers (``invented=False``) for the lookups programs use most: caller identity, region,
partition, availability zones, AMIs, the default VPC and its subnets and security group, IAM policy
documents (rendered exactly as the provider renders them), ECR credentials, Route 53 zones, SSM
parameters, KMS keys and aliases, IAM roles (service-linked roles from the account description), the
organization, the billing and ELB service accounts, service principals and ARN parsing. Typed answers
need no SDK at run time (tests check each, field by field, against pulumi_aws's result classes). Any
other data source of a provider SDK installed where the program runs (``sdk_paths``) gets every field of
its result type, read from the SDK's sources (:mod:`preflight.sdk_types`), filled with a plausible value
(``invented=True``: the report says so); a provider whose SDK is not found gets ``{}``, also
``invented=True``.

Sources: the provider's data sources (terraform-provider-aws, which pulumi-aws bridges):
``internal/service/iam/policy_document_data_source.go`` and ``policy_model.go`` (rendering),
``internal/service/organizations/organization_data_source.go`` (what a member account sees),
``internal/service/elb/service_account_data_source.go`` (ELB account per region); AWS's documentation
for the default VPC (a /16, 172.31.0.0/16, with one /20 default subnet per Availability Zone: Amazon EC2
API Reference, CreateDefaultVpc and CreateDefaultSubnet; Amazon VPC User Guide, "Default VPCs") and the
billing account (386209384616: AWS Billing User Guide).
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Sequence

from common import UsageError

from . import sdk_types
from .account import SERVICE_LINKED_ROLES, Account, role_path
from .sdk_types import Shape


@dataclass
class InvokeAnswer:
    """What the engine returns for one invoke.

    ``result``: the data source's outputs by wire name (camelCase). ``invented``: no typed answer exists
    for this data source; every field was filled from its result type (the report says so).
    ``failure``: the provider's error text when the lookup fails in the described account (the engine
    returns it as the invoke's failure; ``result`` is then empty).
    """

    result: dict
    invented: bool = False
    failure: Optional[str] = None


# ---------------------------------------------------------------------------------------------- helpers

def _digest(*parts: Any, length: int = 8) -> str:
    text = "/".join(json.dumps(p, sort_keys=True, default=str) for p in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def _uuid(*parts: Any) -> str:
    h = _digest(*parts, length=32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def _kebab(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", name).lower()


def _request_id(*parts: Any) -> str:
    return _uuid("request", *parts)


def zone_ids(region: str) -> str:
    """The AZ id prefix AWS uses for a region: us-east-1 -> use1, ap-southeast-2 -> apse2."""
    compounds = {"northeast": "ne", "southeast": "se", "northwest": "nw", "southwest": "sw"}
    parts = region.split("-")
    if parts[:2] == ["us", "gov"]:
        prefix, direction = "usg", parts[2]
    else:
        prefix, direction = parts[0], parts[1]
    return prefix + compounds.get(direction, direction[:1]) + parts[-1]


# Availability Zones: three per region (a, b, c), six in us-east-1. A plausible, not an exhaustive, list.
def availability_zones(region: str) -> list[str]:
    letters = "abcdef" if region == "us-east-1" else "abc"
    return [f"{region}{letter}" for letter in letters]


_REGION_NAMES = {
    "us-east-1": "US East (N. Virginia)", "us-east-2": "US East (Ohio)", "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)", "ca-central-1": "Canada (Central)", "eu-west-1": "Europe (Ireland)",
    "eu-west-2": "Europe (London)", "eu-west-3": "Europe (Paris)", "eu-central-1": "Europe (Frankfurt)",
    "eu-north-1": "Europe (Stockholm)", "eu-south-1": "Europe (Milan)", "ap-northeast-1": "Asia Pacific (Tokyo)",
    "ap-northeast-2": "Asia Pacific (Seoul)", "ap-northeast-3": "Asia Pacific (Osaka)",
    "ap-southeast-1": "Asia Pacific (Singapore)", "ap-southeast-2": "Asia Pacific (Sydney)",
    "ap-south-1": "Asia Pacific (Mumbai)", "sa-east-1": "South America (Sao Paulo)",
}

# Elastic Load Balancing's account per region (access-log bucket policies); the provider's table.
ELB_ACCOUNTS = {
    "af-south-1": "098369216593", "ap-east-1": "754344448648", "ap-northeast-1": "582318560864",
    "ap-northeast-2": "600734575887", "ap-northeast-3": "383597477331", "ap-south-1": "718504428378",
    "ap-southeast-1": "114774131450", "ap-southeast-2": "783225319266", "ap-southeast-3": "589379963580",
    "ca-central-1": "985666609251", "cn-north-1": "638102146993", "cn-northwest-1": "037604701340",
    "eu-central-1": "054676820928", "eu-north-1": "897822967062", "eu-south-1": "635631232127",
    "eu-west-1": "156460612806", "eu-west-2": "652711504416", "eu-west-3": "009996457667",
    "me-south-1": "076674570225", "sa-east-1": "507241528517", "us-east-1": "127311923021",
    "us-east-2": "033677994240", "us-gov-east-1": "190560391635", "us-gov-west-1": "048591011584",
    "us-west-1": "027434742980", "us-west-2": "797873946194",
}
BILLING_ACCOUNT = "386209384616"
AMI_OWNER_ALIASES = {"amazon": "137112412989", "aws-marketplace": "679593333241", "microsoft": "801119661308"}
FIXED_TIME = "2026-01-01T00:00:00Z"

# ------------------------------------------------------------------------ result types from the SDKs

def result_shape(token: str, sdk_paths: Optional[Sequence[str]] = None) -> Optional[Shape]:
    """The data source's result type, read from the provider SDK's sources under ``sdk_paths`` (default: this
    interpreter's ``sys.path``); None when no SDK there defines it (see :mod:`preflight.sdk_types`)."""
    return sdk_types.result_shape(token, sdk_paths)


@dataclass
class _Context:
    token: str
    args: dict
    account: Account
    region: str
    sdk_paths: Optional[Sequence[str]] = None

    @property
    def noun(self) -> str:
        """``getSecurityGroup`` -> ``securityGroup``."""
        function = sdk_types.token_parts(self.token)[2]
        noun = function[3:] if function.startswith("get") else function
        return noun[:1].lower() + noun[1:]

    @property
    def service(self) -> str:
        module = sdk_types.token_parts(self.token)[1]
        return {"cloudwatch": "logs", "cfg": "config", "ebs": "ec2", "vpc": "ec2", "index": "aws",
                "lb": "elasticloadbalancing", "alb": "elasticloadbalancing", "elb": "elasticloadbalancing",
                "cognito": "cognito-idp", "ecs": "ecs", "rds": "rds"}.get(module, module)

    def arn(self, resource: str, service: Optional[str] = None, regional: bool = True, account: bool = True) -> str:
        """An ARN of the account; global services (IAM, S3, Route 53, ...) carry no region, S3 no account."""
        service = service or self.service
        regional = regional and service not in _GLOBAL_SERVICES
        account = account and service != "s3"
        return (f"arn:{self.account.partition}:{service}:{self.region if regional else ''}:"
                f"{self.account.account_id if account else ''}:{resource}")


_GLOBAL_SERVICES = frozenset({"iam", "s3", "route53", "cloudfront", "organizations", "globalaccelerator", "shield",
                              "waf"})


_ID_PREFIXES = {"vpc": "vpc-", "subnet": "subnet-", "securityGroup": "sg-", "ami": "ami-", "instance": "i-",
                "internetGateway": "igw-", "routeTable": "rtb-", "natGateway": "nat-", "networkInterface": "eni-",
                "ebsVolume": "vol-", "ebsSnapshot": "snap-", "eip": "eipalloc-", "vpcEndpoint": "vpce-",
                "prefixList": "pl-", "transitGateway": "ec2-transit-gateway-", "keyPair": "key-",
                "networkAcl": "acl-", "vpcPeeringConnection": "pcx-", "launchTemplate": "lt-"}


def _text(name: str, ctx: _Context, path: str) -> str:
    """A plausible text value for a field named ``name`` (wire name) of the data source in ``ctx``."""
    lower = name.lower()
    noun = ctx.noun
    named = [ctx.args.get(k) for k in ("name", noun, f"{noun}Name")] + \
        [v for k, v in sorted(ctx.args.items()) if k.endswith("Name")]
    label = next((v for v in named if isinstance(v, str) and v), f"preflight-{_kebab(noun)}")
    if name == "id" or lower.endswith("resourceid"):
        prefix = _ID_PREFIXES.get(noun)
        return f"{prefix}{_digest(ctx.token, ctx.args, path, length=17)}" if prefix else label
    if lower == "arn" or lower.endswith("arn"):
        if lower.endswith("rolearn"):
            return ctx.arn(f"role/{label}", "iam", regional=False)
        if lower.endswith("keyarn"):
            return ctx.arn(f"key/{_uuid(ctx.token, path)}", "kms")
        return ctx.arn(label if ctx.service == "s3" else f"{_kebab(noun)}/{label}")
    if lower in ("accountid", "ownerid", "awsaccountid", "registryid") or lower.endswith("accountid"):
        return ctx.account.account_id
    if lower == "partition":
        return ctx.account.partition
    if lower == "region" or lower.endswith("region"):
        return ctx.region
    if lower in ("availabilityzone", "zonename"):
        return availability_zones(ctx.region)[0]
    if lower in ("availabilityzoneid", "zoneid"):
        return f"{zone_ids(ctx.region)}-az1"
    if "ipv6cidr" in lower:
        return "2600:1f18:7a1:6f00::/56"
    if "cidr" in lower:
        return "10.0.0.0/16"
    if name.endswith(("Date", "Time", "Timestamp", "At")) or lower in ("date", "time", "timestamp"):
        return FIXED_TIME
    if lower == "name" or lower.endswith("name") and not lower.endswith(("dnsname", "domainname", "hostname")):
        return label
    if lower.endswith(("dnsname", "domainname", "hostname", "endpoint")):
        return f"{_kebab(noun)}.{ctx.region}.{ctx.account.dns_suffix}"
    if lower.endswith(("url", "uri")):
        return f"https://{_kebab(noun)}.{ctx.region}.{ctx.account.dns_suffix}"
    if lower in ("policy", "json") or lower.endswith(("policy", "document", "json")):
        return '{"Version":"2012-10-17","Statement":[]}'
    if lower.endswith("vpcid"):
        return _default_vpc_id(ctx)
    if lower.endswith("subnetid"):
        return _subnet_id(ctx, 0)
    if lower.endswith("securitygroupid"):
        return f"sg-{_digest('sg', ctx.account.account_id, ctx.region, path, length=17)}"
    if lower in ("ami", "imageid") or lower.endswith("imageid"):
        return f"ami-{_digest('ami', ctx.token, path, length=17)}"
    for suffix, prefix in (("snapshotid", "snap-"), ("volumeid", "vol-"), ("instanceid", "i-"),
                           ("internetgatewayid", "igw-"), ("routetableid", "rtb-"), ("natgatewayid", "nat-"),
                           ("networkinterfaceid", "eni-")):
        if lower.endswith(suffix):
            return f"{prefix}{_digest(ctx.token, path, length=17)}"
    if lower.endswith("keyid"):
        return _uuid(ctx.token, path)
    if lower.endswith("email"):
        return "preflight@example.com"
    if lower in ("state", "status") or lower.endswith(("state", "status")):
        return "available"
    if lower in ("ip", "ipaddress", "address") or name.endswith(("Ip", "IpAddress", "Address")):
        return "10.0.0.10"
    if lower == "description":
        return f"{noun} answered offline by preflight"
    return f"preflight-{_kebab(name)}"


def _fill(typ: tuple, name: str, ctx: _Context, path: str, depth: int = 0) -> Any:
    """A plausible value of type ``typ`` (a :mod:`preflight.sdk_types` tuple) for the field ``name``: lists
    hold one item, maps are empty, objects have every field."""
    kind = typ[0]
    if kind == "optional":
        return _fill(typ[1], name, ctx, path, depth)
    if kind == "list":
        return [_fill(typ[1], name, ctx, f"{path}[0]", depth + 1)]
    if kind == "map":
        return {}
    if kind == "str":
        return _text(name, ctx, path)
    if kind == "bool":
        return False
    if kind == "int":
        return 443 if name.lower().endswith("port") else 1
    if kind == "float":
        return 1.0
    if kind in ("ref", "object"):
        if depth > 5:
            return {}
        fields = sdk_types.resolve(typ)[1]
        return {key: _fill(sub, key, ctx, f"{path}.{key}", depth + 1) for key, sub in fields.items()}
    return None


def _complete(ctx: _Context, answer: dict) -> dict:
    """Every field of the result type: the given values, the arguments echoed as the provider does (an
    optional argument not given stays null), and plausible values for the rest."""
    shape = result_shape(ctx.token, ctx.sdk_paths)
    if shape is None:
        return answer
    out = {}
    for key, typ in shape.fields.items():
        if key in answer:
            out[key] = answer[key]
        elif key in ctx.args:
            out[key] = ctx.args[key]
        elif key in shape.arguments and typ[0] == "optional":
            out[key] = None
        else:
            out[key] = _fill(typ, key, ctx, key)
    return out  # only the result type's fields: the wire names of the provider's schema


def invent(token: str, args: dict, account: Account, region: str,
           sdk_paths: Optional[Sequence[str]] = None) -> InvokeAnswer:
    """Every field of the data source's result type filled with a plausible value (``invented=True``);
    ``{}`` when no provider SDK under ``sdk_paths`` defines the token."""
    ctx = _Context(token, dict(args or {}), account, region, sdk_paths)
    return InvokeAnswer(_complete(ctx, {}), invented=True)


# ------------------------------------------------------------------------------------- typed answers

def _caller_identity(ctx: _Context) -> dict:
    acct = ctx.account.account_id
    return {"accountId": acct, "arn": f"arn:{ctx.account.partition}:iam::{acct}:user/preflight",
            "id": acct, "userId": "AIDAPREFLIGHTOFFLINE0"}


def _region(ctx: _Context) -> dict:
    region = ctx.args.get("region") or ctx.args.get("name") or ctx.region
    return {"description": _REGION_NAMES.get(region, region),
            "endpoint": f"ec2.{region}.{ctx.account.dns_suffix}",
            "id": region, "name": region, "region": region}


# Regions enabled by default in every account, those launched before 2019-03-20 (the others are opt-in):
# AWS Account Management Reference Guide, "Enable or disable AWS Regions in your account".
DEFAULT_REGIONS = ("ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-southeast-1",
                   "ap-southeast-2", "ca-central-1", "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2",
                   "eu-west-3", "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2")


def _regions(ctx: _Context) -> dict:
    """The account's enabled regions (the default set: the description names no opt-in region); with
    ``allRegions`` also every opt-in region of the aws partition this model knows."""
    partition_regions = {"aws-cn": ("cn-north-1", "cn-northwest-1"),
                         "aws-us-gov": ("us-gov-east-1", "us-gov-west-1")}
    if ctx.account.partition in partition_regions:
        return {"names": list(partition_regions[ctx.account.partition]), "id": ctx.account.partition}
    names = set(DEFAULT_REGIONS)
    if ctx.args.get("allRegions"):
        names |= set(_REGION_NAMES) | set(ELB_ACCOUNTS) - {"cn-north-1", "cn-northwest-1", "us-gov-east-1",
                                                             "us-gov-west-1"}
    return {"names": sorted(names), "id": ctx.account.partition}


def _partition(ctx: _Context) -> dict:
    partition = ctx.account.partition
    return {"dnsSuffix": ctx.account.dns_suffix, "id": partition, "partition": partition,
            "reverseDnsPrefix": ".".join(reversed(ctx.account.dns_suffix.split(".")))}


def _availability_zones(ctx: _Context) -> dict:
    region = ctx.region
    zones = [(name, f"{zone_ids(region)}-az{i}") for i, name in enumerate(availability_zones(region), 1)]
    excluded_names, excluded_ids = set(ctx.args.get("excludeNames") or ()), set(ctx.args.get("excludeZoneIds") or ())
    zones = [(n, z) for n, z in zones if n not in excluded_names and z not in excluded_ids]
    return {"names": [n for n, _ in zones], "zoneIds": [z for _, z in zones], "groupNames": [region],
            "id": region, "region": region}


def _availability_zone(ctx: _Context) -> dict:
    region = ctx.region
    zones = {name: f"{zone_ids(region)}-az{i}" for i, name in enumerate(availability_zones(region), 1)}
    name = ctx.args.get("name") or next((n for n, z in zones.items() if z == ctx.args.get("zoneId")), None) \
        or next(iter(zones))
    return {"name": name, "zoneId": zones.get(name, f"{zone_ids(region)}-az1"), "groupName": region,
            "groupLongName": _REGION_NAMES.get(region, region), "nameSuffix": name[len(region):], "id": name,
            "networkBorderGroup": region, "optInStatus": "opt-in-not-required", "parentZoneId": "",
            "parentZoneName": "", "region": region, "state": "available", "zoneType": "availability-zone"}


def _ami_name(args: dict) -> str:
    pattern = next(iter(_filters(args).get("name") or []), None) or args.get("nameRegex") or "preflight-image-*"
    if pattern == args.get("nameRegex"):  # a regular expression: its wildcards stand for a version
        pattern = re.sub(r"\.[*+]|\\d[*+]?|\[[^\]]*\][*+]?|\([^)]*\)", "*", pattern)
        pattern = re.sub(r"[\^$\\?]", "", pattern)
    return pattern.replace("*", "2026.0.20260101")


def _ami_owner(args: dict, account: Account) -> str:
    owners = list(args.get("owners") or [])
    owner = owners[0] if owners else "self"
    if owner == "self":
        return account.account_id
    return AMI_OWNER_ALIASES.get(owner, owner if re.fullmatch(r"\d{12}", owner) else AMI_OWNER_ALIASES["amazon"])


def _ami(ctx: _Context) -> dict:
    args = ctx.args
    image = f"ami-{_digest('ami', args, ctx.region, length=17)}"
    name = _ami_name(args)
    arch = next(iter(_filters(args).get("architecture") or []),
                "arm64" if "arm64" in name or "aarch64" in name else "x86_64")
    owner = _ami_owner(args, ctx.account)
    snapshot = f"snap-{_digest('snap', image, length=17)}"
    return {"id": image, "imageId": image, "arn": f"arn:{ctx.account.partition}:ec2:{ctx.region}::image/{image}",
            "name": name, "architecture": arch, "ownerId": owner,
            "imageOwnerAlias": "amazon" if owner == AMI_OWNER_ALIASES["amazon"] else "",
            "imageLocation": f"{'amazon' if owner == AMI_OWNER_ALIASES['amazon'] else owner}/{name}",
            "description": name, "creationDate": "2026-01-01T00:00:00.000Z",
            "deprecationTime": "2028-01-01T00:00:00.000Z",
            "lastLaunchedTime": "", "state": "available", "public": True, "imageType": "machine",
            "hypervisor": "xen", "virtualizationType": "hvm", "rootDeviceType": "ebs", "rootDeviceName": "/dev/xvda",
            "rootSnapshotId": snapshot, "enaSupport": True, "sriovNetSupport": "simple", "bootMode": "uefi-preferred",
            "imdsSupport": "v2.0", "tpmSupport": "", "uefiData": "", "platform": "", "platformDetails": "Linux/UNIX",
            "usageOperation": "RunInstances", "kernelId": "", "ramdiskId": "", "productCodes": [], "tags": {},
            "region": ctx.region,
            "stateReason": {"code": "UNSET", "message": "UNSET"},
            "blockDeviceMappings": [{"deviceName": "/dev/xvda", "noDevice": "", "virtualName": "",
                                     "ebs": {"delete_on_termination": "true", "encrypted": "false", "iops": "3000",
                                             "snapshot_id": snapshot, "throughput": "125", "volume_size": "8",
                                             "volume_type": "gp3"}}]}


def _ami_ids(ctx: _Context) -> dict:
    return {"ids": [f"ami-{_digest('ami', ctx.args, ctx.region, length=17)}"], "id": ctx.region,
            "region": ctx.region}


def _default_vpc_id(ctx: _Context) -> str:
    return f"vpc-{_digest('default-vpc', ctx.account.account_id, ctx.region, length=17)}"


def _subnet_id(ctx: _Context, index: int) -> str:
    return f"subnet-{_digest('default-subnet', ctx.account.account_id, ctx.region, index, length=17)}"


def _filters(args: dict) -> dict[str, list]:
    """``filters`` ([{name, values}]) as name -> values; anything else counts as no filter."""
    filters = args.get("filters")
    if not isinstance(filters, list):
        return {}
    return {f.get("name"): list(f.get("values") or []) for f in filters if isinstance(f, dict)}


def _is_default_vpc_lookup(ctx: _Context) -> bool:
    filters = _filters(ctx.args)
    return bool(ctx.args.get("default")) or filters.get("isDefault") == ["true"] or \
        ctx.args.get("id") == _default_vpc_id(ctx) or filters.get("vpc-id") == [_default_vpc_id(ctx)]


def _vpc(ctx: _Context) -> tuple[dict, bool]:
    default = _is_default_vpc_lookup(ctx)
    vpc = ctx.args.get("id") or (_default_vpc_id(ctx) if default else f"vpc-{_digest('vpc', ctx.args, length=17)}")
    cidr = "172.31.0.0/16" if default else (ctx.args.get("cidrBlock") or "10.0.0.0/16")
    suffix = _digest(vpc, length=17)
    return {"id": vpc, "arn": ctx.arn(f"vpc/{vpc}", "ec2"), "cidrBlock": cidr, "default": default,
            "cidrBlockAssociations": [{"associationId": f"vpc-cidr-assoc-{suffix}", "cidrBlock": cidr,
                                       "state": "associated"}],
            "dhcpOptionsId": f"dopt-{suffix}", "enableDnsHostnames": default, "enableDnsSupport": True,
            "enableNetworkAddressUsageMetrics": False, "instanceTenancy": "default", "ipv6AssociationId": "",
            "ipv6CidrBlock": "", "ipv6CidrBlockAssociations": [], "mainRouteTableId": f"rtb-{suffix}",
            "ownerId": ctx.account.account_id, "region": ctx.region, "state": "available",
            "tags": ctx.args.get("tags") or {}}, not default


def _default_subnet(ctx: _Context, index: int) -> dict:
    zones = availability_zones(ctx.region)
    subnet = _subnet_id(ctx, index)
    return {"id": subnet, "arn": ctx.arn(f"subnet/{subnet}", "ec2"), "availabilityZone": zones[index],
            "availabilityZoneId": f"{zone_ids(ctx.region)}-az{index + 1}", "cidrBlock": f"172.31.{16 * index}.0/20",
            "availableIpAddressCount": 4091, "defaultForAz": True, "mapPublicIpOnLaunch": True,
            "assignIpv6AddressOnCreation": False, "customerOwnedIpv4Pool": "", "enableDns64": False,
            "enableLniAtDeviceIndex": 0, "enableResourceNameDnsARecordOnLaunch": False,
            "enableResourceNameDnsAaaaRecordOnLaunch": False, "ipv6CidrBlock": "", "ipv6CidrBlockAssociationId": "",
            "ipv6Native": False, "mapCustomerOwnedIpOnLaunch": False, "outpostArn": "",
            "ownerId": ctx.account.account_id, "privateDnsHostnameTypeOnLaunch": "ip-name", "region": ctx.region,
            "state": "available", "tags": {}, "vpcId": _default_vpc_id(ctx)}


def _default_subnet_lookup(ctx: _Context) -> bool:
    filters = _filters(ctx.args)
    return not ctx.args.get("tags") and all(
        (name == "vpc-id" and values == [_default_vpc_id(ctx)]) or (name == "default-for-az" and values == ["true"])
        or name in ("availability-zone", "availabilityZone", "availability-zone-id")
        for name, values in filters.items())


def _subnets(ctx: _Context) -> tuple[dict, bool]:
    zones = availability_zones(ctx.region)
    wanted = set(_filters(ctx.args).get("availability-zone") or zones)
    ids = [_subnet_id(ctx, i) for i, zone in enumerate(zones) if zone in wanted]
    return ({"ids": ids, "id": ctx.region, "region": ctx.region, "tags": ctx.args.get("tags") or {}},
            not _default_subnet_lookup(ctx))


def _subnet(ctx: _Context) -> tuple[dict, bool]:
    zones = availability_zones(ctx.region)
    filters = _filters(ctx.args)
    zone = ctx.args.get("availabilityZone") or (filters.get("availability-zone") or [None])[0]
    if ctx.args.get("id") in [_subnet_id(ctx, i) for i in range(len(zones))]:
        index = [_subnet_id(ctx, i) for i in range(len(zones))].index(ctx.args["id"])
    else:
        index = zones.index(zone) if zone in zones else 0
    answer = _default_subnet(ctx, index)
    known = _default_subnet_lookup(ctx) or ctx.args.get("id") == answer["id"]
    if ctx.args.get("id") and not known:
        answer["id"] = ctx.args["id"]
    return answer, not known


def _security_group(ctx: _Context) -> tuple[dict, bool]:
    filters = _filters(ctx.args)
    default = ctx.args.get("name") == "default" or filters.get("group-name") == ["default"]
    group = ctx.args.get("id") or f"sg-{_digest('sg', ctx.account.account_id, ctx.region, ctx.args, length=17)}"
    name = "default" if default else (ctx.args.get("name") or (filters.get("group-name") or ["preflight-group"])[0])
    return {"id": group, "arn": ctx.arn(f"security-group/{group}", "ec2"), "name": name,
            "description": "default VPC security group" if default else f"{name} answered offline by preflight",
            "vpcId": ctx.args.get("vpcId") or _default_vpc_id(ctx), "region": ctx.region,
            "tags": ctx.args.get("tags") or {}}, not default


def _ecr_token(ctx: _Context) -> dict:
    registry = ctx.args.get("registryId") or ctx.account.account_id
    password = "preflight-offline-ecr-password"
    return {"authorizationToken": base64.b64encode(f"AWS:{password}".encode()).decode(), "userName": "AWS",
            "password": password, "expiresAt": "2026-01-01T12:00:00Z", "registryId": registry,
            "proxyEndpoint": f"https://{registry}.dkr.ecr.{ctx.region}.{ctx.account.dns_suffix}",
            "id": ctx.region, "region": ctx.region}


def _ecr_credentials(ctx: _Context) -> dict:
    answer = _ecr_token(ctx)
    del answer["region"]  # getCredentials has no region output
    return answer


def _zone(ctx: _Context) -> dict:
    name = (ctx.args.get("name") or "example.com").rstrip(".")
    zone = ctx.args.get("zoneId") or "Z" + _digest("zone", ctx.account.account_id, name, length=20).upper()
    n = int(_digest("ns", zone, length=4), 16)
    servers = [f"ns-{n % 512}.awsdns-{n % 64:02d}.com", f"ns-{512 + n % 512}.awsdns-{n % 64:02d}.net",
               f"ns-{1024 + n % 512}.awsdns-{n % 64:02d}.org", f"ns-{1536 + n % 512}.awsdns-{n % 64:02d}.co.uk"]
    return {"id": zone, "zoneId": zone, "name": name, "arn": f"arn:{ctx.account.partition}:route53:::hostedzone/{zone}",
            "nameServers": servers, "primaryNameServer": servers[0],
            "privateZone": bool(ctx.args.get("privateZone")), "resourceRecordSetCount": 2,
            "callerReference": _uuid("caller", zone), "comment": "", "linkedServiceDescription": "",
            "linkedServicePrincipal": "", "enableAcceleratedRecovery": False, "tags": ctx.args.get("tags") or {},
            "vpcId": ctx.args.get("vpcId") or ""}


def _parameter(ctx: _Context) -> dict:
    name = ctx.args.get("name") or "/preflight/parameter"
    if "/ami" in name or name.startswith("/aws/service/ami-") or "image_id" in name:
        value = f"ami-{_digest('ami', name, ctx.region, length=17)}"
    else:
        value = "preflight-offline-value"
    path = name if name.startswith("/") else f"/{name}"
    return {"id": name, "name": name, "arn": ctx.arn(f"parameter{path}", "ssm"), "type": "String", "value": value,
            "insecureValue": value, "version": 1, "region": ctx.region,
            "withDecryption": ctx.args.get("withDecryption", True)}


def _key_id_of(ctx: _Context, reference: str) -> str:
    match = re.search(r"key/([0-9a-f-]{36})$", reference)
    if match:
        return match.group(1)
    if re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", reference):
        return reference
    alias = reference.split(":", 5)[-1] if reference.startswith("arn:") else reference
    return _uuid("kms", ctx.account.account_id, ctx.region, alias)


def _kms_key(ctx: _Context) -> dict:
    reference = ctx.args.get("keyId") or "alias/preflight"
    key = _key_id_of(ctx, reference)
    aws_managed = reference.startswith("alias/aws/") or ":alias/aws/" in reference
    return {"id": key, "keyId": key, "arn": ctx.arn(f"key/{key}", "kms"), "awsAccountId": ctx.account.account_id,
            "enabled": True, "keyState": "Enabled", "keyUsage": "ENCRYPT_DECRYPT", "keySpec": "SYMMETRIC_DEFAULT",
            "customerMasterKeySpec": "SYMMETRIC_DEFAULT", "keyManager": "AWS" if aws_managed else "CUSTOMER",
            "origin": "AWS_KMS", "multiRegion": False, "multiRegionConfigurations": [], "xksKeyConfigurations": [],
            "description": "Default key that protects my data when no other key is defined" if aws_managed else "",
            "creationDate": FIXED_TIME, "deletionDate": "", "validTo": "", "expirationModel": "",
            "cloudHsmClusterId": "", "customKeyStoreId": "", "pendingDeletionWindowInDays": 0, "region": ctx.region,
            "grantTokens": ctx.args.get("grantTokens")}


def _kms_alias(ctx: _Context) -> dict:
    name = ctx.args.get("name") or "alias/preflight"
    key = _key_id_of(ctx, name)
    arn = ctx.arn(name, "kms")
    return {"id": arn, "arn": arn, "name": name, "targetKeyId": key, "targetKeyArn": ctx.arn(f"key/{key}", "kms"),
            "region": ctx.region}


def _roles(ctx: _Context) -> InvokeAnswer:
    """Roles the account description knows: its service-linked roles, filtered as ListRoles(PathPrefix) and
    the provider's name regex (Go RE2 search semantics; Python ``re.search`` for the common subset) do."""
    prefix, pattern = ctx.args.get("pathPrefix"), ctx.args.get("nameRegex")
    try:
        matcher = re.compile(pattern) if pattern else None
    except re.error as error:
        return InvokeAnswer({}, failure=f"invalid value for name_regex (must be a valid regular expression): {error}")
    names = [n for n in ctx.account.service_linked_roles
             if (not prefix or role_path(n).startswith(prefix)) and (matcher is None or matcher.search(n))]
    return InvokeAnswer({"names": names, "arns": [ctx.account.service_linked_role_arn(n) for n in names],
                         "id": ctx.region, "nameRegex": pattern, "pathPrefix": prefix})


def _trust_policy(service: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}, separators=(",", ":"))


def _role(ctx: _Context) -> InvokeAnswer:
    name = ctx.args.get("name") or ""
    unique = "AROA" + _digest("role", ctx.account.account_id, name, length=17).upper()
    if name in SERVICE_LINKED_ROLES or name.startswith("AWSServiceRoleFor"):
        if name not in ctx.account.service_linked_roles:
            return InvokeAnswer({}, failure=(
                f"reading IAM Role ({name}): operation error IAM: GetRole, https response error StatusCode: 404, "
                f"RequestID: {_request_id(name)}, NoSuchEntity: The role with name {name} cannot be found."))
        service = SERVICE_LINKED_ROLES.get(name) or "preflight.amazonaws.com"  # not tied to a service here
        answer = {"id": name, "name": name, "arn": ctx.account.service_linked_role_arn(name), "path": role_path(name),
                  "assumeRolePolicy": _trust_policy(service), "createDate": FIXED_TIME,
                  "description": "", "maxSessionDuration": 3600, "permissionsBoundary": "", "uniqueId": unique,
                  "roleLastUseds": [], "tags": {}}
        return InvokeAnswer(answer)
    answer = {"id": name, "name": name, "arn": f"arn:{ctx.account.partition}:iam::{ctx.account.account_id}:role/{name}",
              "path": "/", "createDate": FIXED_TIME, "maxSessionDuration": 3600, "uniqueId": unique,
              "assumeRolePolicy": _trust_policy("ec2.amazonaws.com"), "description": "",
              "permissionsBoundary": "", "roleLastUseds": [], "tags": {}}
    return InvokeAnswer(answer, invented=True)  # a customer role the description cannot list


def _organization(ctx: _Context) -> InvokeAnswer:
    org, acct, part = ctx.account.organization, ctx.account.account_id, ctx.account.partition
    if org is None:
        return InvokeAnswer({}, failure=(
            "reading Organizations Organization: operation error Organizations: DescribeOrganization, https "
            f"response error StatusCode: 400, RequestID: {_request_id('org', acct)}, "
            "AWSOrganizationsNotInUseException: Your account is not a member of an organization."))
    mgmt = org.management_account_id
    answer: dict[str, Any] = {
        "id": org.id, "arn": f"arn:{part}:organizations::{mgmt}:organization/{org.id}", "featureSet": "ALL",
        "masterAccountArn": f"arn:{part}:organizations::{mgmt}:account/{org.id}/{mgmt}",
        "masterAccountEmail": f"management+{mgmt}@example.com", "masterAccountId": mgmt,
        "masterAccountName": None, "accounts": [], "nonMasterAccounts": [], "roots": [],
        "awsServiceAccessPrincipals": [], "enabledPolicyTypes": [],
        "returnOrganizationOnly": ctx.args.get("returnOrganizationOnly")}
    # Only the management account and delegated administrators may list accounts (ListAccounts); the
    # provider leaves the lists empty for any other member.
    if not ctx.args.get("returnOrganizationOnly") and (ctx.account.is_management_account
                                                        or org.delegated_administrator_for):
        def entry(account_id: str, name: str) -> dict:
            return {"arn": f"arn:{part}:organizations::{mgmt}:account/{org.id}/{account_id}",
                    "email": f"aws+{account_id}@example.com", "id": account_id, "name": name,
                    "joinedMethod": "INVITED" if account_id == mgmt else "CREATED", "joinedTimestamp": FIXED_TIME,
                    "state": "ACTIVE", "status": "ACTIVE"}
        members = [entry(mgmt, "management")] + ([entry(acct, "this account")] if acct != mgmt else [])
        root = "r-" + _digest("root", org.id, length=4)
        services = sorted(org.delegated_administrator_for)  # trusted access a delegated administrator needs
        answer.update(masterAccountName="management", accounts=members, nonMasterAccounts=members[1:],
                      roots=[{"id": root, "name": "Root",
                              "arn": f"arn:{part}:organizations::{mgmt}:root/{org.id}/{root}",
                              "policyTypes": [{"status": "ENABLED", "type": "SERVICE_CONTROL_POLICY"}]}],
                      awsServiceAccessPrincipals=services, enabledPolicyTypes=["SERVICE_CONTROL_POLICY"])
    return InvokeAnswer(answer)


def _billing(ctx: _Context) -> dict:
    return {"id": BILLING_ACCOUNT, "arn": f"arn:{ctx.account.partition}:iam::{BILLING_ACCOUNT}:root"}


def _elb_account(ctx: _Context) -> InvokeAnswer:
    region = ctx.args.get("region") or ctx.region
    if region not in ELB_ACCOUNTS:
        return InvokeAnswer({}, failure=f"unsupported AWS Region: {region}")
    account = ELB_ACCOUNTS[region]
    return InvokeAnswer({"id": account, "arn": f"arn:{ctx.account.partition}:iam::{account}:root", "region": region})


def _service_principal(ctx: _Context) -> dict:
    service = ctx.args.get("serviceName") or "preflight"
    region = ctx.args.get("region") or ctx.region
    suffix = ctx.account.dns_suffix
    return {"id": f"{service}.{region}.{suffix}", "name": f"{service}.{suffix}", "region": region,
            "serviceName": service, "suffix": suffix}


def _arn(ctx: _Context) -> InvokeAnswer:
    value = ctx.args.get("arn") or ""
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return InvokeAnswer({}, failure=f"parsing ARN ({value}): arn: invalid prefix")
    _, partition, service, region, account, resource = parts
    return InvokeAnswer({"arn": value, "id": value, "partition": partition, "service": service, "region": region,
                         "account": account, "resource": resource})


# ------------------------------------------------------------------------------------- IAM documents

def _set(values: Any) -> list[str]:
    """A Terraform set of strings: duplicates dropped (order is fixed by the reverse sort that follows)."""
    return list(dict.fromkeys(str(v) for v in values or []))


def _decode_strings(values: list[str]) -> Any:
    """policyDecodeConfigStrings: one value -> that string; several -> sorted in reverse."""
    return values[0] if len(values) == 1 else sorted(values, reverse=True)


def _replace_vars(value: Any) -> Any:
    """``&{aws:username}`` -> ``${aws:username}`` (the provider's escape for policy variables)."""
    if isinstance(value, list):
        return [v.replace("&{", "${") for v in value]
    return value.replace("&{", "${")


def _principals_json(principals: list[tuple[str, Any]]) -> Any:
    """iamPolicyStatementPrincipalSet.MarshalJSON: only a lone ``{"*": "*"}`` becomes ``"*"``; one type's
    identifiers become one list, lists sorted in reverse; map keys in Go's sorted order."""
    if len(principals) == 1 and principals[0][0] == "*" and principals[0][1] in ("*", ["*"]):
        return "*"
    raw: dict[str, Any] = {}
    for kind, identifiers in principals:
        current = raw.get(kind)
        if isinstance(identifiers, list):
            merged = [] if current is None else ([current] if isinstance(current, str) else current)
            raw[kind] = merged + sorted(identifiers, reverse=True)
        elif current is None:
            raw[kind] = identifiers
        else:
            raw[kind] = ([current] if isinstance(current, str) else current) + [identifiers]
    return dict(sorted(raw.items()))


def _conditions_json(conditions: list[tuple[str, str, Any]]) -> dict:
    """iamPolicyStatementConditionSet.MarshalJSON: values of one test and variable concatenated in order,
    a single value flattened to a string, keys sorted."""
    raw: dict[str, dict[str, list]] = {}
    for test, variable, values in conditions:
        raw.setdefault(test, {}).setdefault(variable, []).extend(values if isinstance(values, list) else [values])
    return {test: {variable: (values[0] if len(values) == 1 else values)
                   for variable, values in sorted(variables.items())}
            for test, variables in sorted(raw.items())}


def _statement_from_args(statement: dict) -> dict:
    """One ``statements`` entry (wire names) as the provider's statement struct, in its field order."""
    out: dict[str, Any] = {}
    if statement.get("sid"):
        out["Sid"] = statement["sid"]
    out["Effect"] = statement.get("effect") or "Allow"
    for key, name in (("actions", "Action"), ("notActions", "NotAction")):
        values = _set(statement.get(key))
        if values:
            out[name] = _decode_strings(values)
    for key, name in (("resources", "Resource"), ("notResources", "NotResource")):
        values = _set(statement.get(key))
        if values:
            out[name] = _replace_vars(_decode_strings(values))
    for key, name in (("principals", "Principal"), ("notPrincipals", "NotPrincipal")):
        blocks = []
        for block in statement.get(key) or []:
            entry = (block.get("type"), _replace_vars(_decode_strings(_set(block.get("identifiers")))))
            if entry not in blocks:
                blocks.append(entry)
        if blocks:
            out[name] = _principals_json(blocks)
    conditions = []
    for block in statement.get("conditions") or []:
        values = _replace_vars([str(v) for v in block.get("values") or []])
        entry = (block.get("test"), block.get("variable"), values[0] if len(values) == 1 else values)
        if entry not in conditions:
            conditions.append(entry)
    if conditions:
        out["Condition"] = _conditions_json(conditions)
    return out


_STATEMENT_ORDER = ("Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal",
                    "Condition")


def _statement_from_json(statement: Any) -> dict:
    """A statement of a source or override document, after the provider's unmarshal/marshal round trip:
    principal lists sorted in reverse, condition booleans as text, unknown keys dropped."""
    if not isinstance(statement, dict):
        return {}
    out: dict[str, Any] = {}
    for key in _STATEMENT_ORDER:
        value = statement.get(key)
        if value in (None, "", [], {}):
            continue
        if key in ("Principal", "NotPrincipal"):
            if isinstance(value, str):
                value = "*"
            elif isinstance(value, dict):
                value = _principals_json([(k, sorted(v) if isinstance(v, list) else v) for k, v in value.items()])
        elif key == "Condition" and isinstance(value, dict):
            conditions = []
            for test, variables in value.items():
                for variable, values in (variables or {}).items():
                    if isinstance(values, bool):
                        values = "true" if values else "false"
                    if isinstance(values, (str, list)):
                        conditions.append((test, variable, values))
            value = _conditions_json(conditions)
        out[key] = value
    return out


class PolicyDocumentError(ValueError):
    """The provider would refuse these arguments (duplicate Sid, a document that is not JSON)."""


def _merge(merged: dict, document: dict) -> None:
    """iamPolicyDoc.Merge: adopt Id, raise Version, replace statements with the same Sid, append the rest."""
    if document.get("Id"):
        merged["Id"] = document["Id"]
    if str(document.get("Version") or "") > str(merged.get("Version") or ""):
        merged["Version"] = document["Version"]
    statements = merged.setdefault("Statement", [])
    for statement in document.get("Statement") or []:
        sid = statement.get("Sid")
        index = next((i for i, s in enumerate(statements) if sid and s.get("Sid") == sid), None)
        if index is None:
            statements.append(statement)
        else:
            statements[index] = statement


def _parse_document(text: Any, kind: str, index: int) -> dict:
    try:
        data = json.loads(text)
    except (TypeError, ValueError) as error:
        raise PolicyDocumentError(f"writing IAM Policy Document: merging {kind} document {index}: {error}") from None
    if not isinstance(data, dict):
        raise PolicyDocumentError(f"writing IAM Policy Document: merging {kind} document {index}: not a JSON object")
    statements = data.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    return {"Version": data.get("Version") or "", "Id": data.get("Id") or "",
            "Statement": [_statement_from_json(s) for s in statements or []]}


def go_json(value: Any, indent: Optional[int] = None) -> str:
    """JSON as Go's encoding/json writes it (MarshalIndent with two spaces, or Marshal): ``<``, ``>``, ``&``,
    U+2028 and U+2029 escaped, other characters as UTF-8."""
    text = json.dumps(value, ensure_ascii=False, indent=indent, separators=(",", ": ") if indent else (",", ":"))
    for char, escape in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"),
                         ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return text


def render_policy_document(args: dict) -> dict:
    """The ``aws:iam/getPolicyDocument:getPolicyDocument`` outputs for ``args`` (wire names): ``json`` (two-space
    indent), ``minifiedJson`` and ``id`` (CRC-32 of ``json``), as the provider renders them.

    An empty Sid is left out (terraform-provider-aws 5.0, pull request 28539; pulumi-aws 6 and 7 bridge
    provider 5 and 6), so the provider's older documentation examples that show ``"Sid": ""`` no longer hold.

    Order of work as the provider's read: source documents merged in order (a Sid repeated across them is an
    error), then this document's statements (a Sid repeated among them is an error; a Sid overrides the
    sources' statement with that Sid), then override documents (their Sids replace earlier statements). Sets
    (actions, resources, principals' identifiers) lose duplicates and render sorted in reverse, a single
    value as a string; condition values keep their order. Raises :class:`PolicyDocumentError` where the
    provider fails.
    """
    merged: dict[str, Any] = {"Version": "", "Id": ""}
    seen: set = set()
    for index, text in enumerate(args.get("sourcePolicyDocuments") or []):
        if text is None:
            continue
        document = _parse_document(text, "source", index)
        for position, statement in enumerate(document["Statement"]):
            sid = statement.get("Sid")
            if sid:
                if sid in seen:
                    raise PolicyDocumentError(
                        f"writing IAM Policy Document: merging source document {index}: duplicate Sid ({sid}) in "
                        f"source_policy_documents (statement {position}). Remove the Sid or ensure Sids are unique.")
                seen.add(sid)
        _merge(merged, document)
    version = args.get("version") or "2012-10-17"
    if version not in ("2008-10-17", "2012-10-17"):
        raise PolicyDocumentError(f'expected version to be one of ["2008-10-17" "2012-10-17"], got {version}')
    current: dict[str, Any] = {"Version": version, "Id": args.get("policyId") or "", "Statement": []}
    sids: set = set()
    for position, statement in enumerate(args.get("statements") or []):
        effect = (statement or {}).get("effect")
        if effect not in (None, "", "Allow", "Deny"):
            raise PolicyDocumentError(f'expected statement.{position}.effect to be one of ["Allow" "Deny"], '
                                      f'got {effect}')
        sid = (statement or {}).get("sid")
        if sid:
            if sid in sids:
                raise PolicyDocumentError(f"writing IAM Policy Document: duplicate Sid ({sid}). Remove the Sid or "
                                          f"ensure the Sid is unique.")
            if not re.fullmatch(r"[a-zA-Z0-9]*", sid):
                raise PolicyDocumentError(f"sid: must only include alphanumeric characters, got {sid!r}")
            sids.add(sid)
        rendered = _statement_from_args(statement or {})
        if version == "2008-10-17" and "&{" in json.dumps(statement):
            raise PolicyDocumentError("found &{ sequence, which is not supported in document version 2008-10-17")
        current["Statement"].append(rendered)
    _merge(merged, current)
    for index, text in enumerate(args.get("overridePolicyDocuments") or []):
        if text is None:
            continue
        _merge(merged, _parse_document(text, "override", index))
    document = {key: merged[key] for key in ("Version", "Id", "Statement") if merged.get(key)}
    pretty = go_json(document, indent=2)
    return {"json": pretty, "minifiedJson": go_json(document), "id": str(zlib.crc32(pretty.encode()))}


def _policy_document(ctx: _Context) -> InvokeAnswer:
    try:
        rendered = render_policy_document(ctx.args)
    except PolicyDocumentError as error:
        return InvokeAnswer({}, failure=str(error))
    for name in _DOCUMENT_ARGUMENTS:
        rendered[name] = ctx.args.get(name)
    return InvokeAnswer(rendered)


# --------------------------------------------------------------------------------------------- table

def _typed(function, echo: tuple = ()):
    """A handler returning a dict (typed) or (dict, invented) -> an InvokeAnswer; ``echo``: the arguments the
    provider returns as given (null when not given). Typed answers never read the SDK at run time (its
    modules load slowly); a test checks each against the SDK's result type, field by field."""
    def handler(ctx: _Context) -> InvokeAnswer:
        value = function(ctx)
        answer, invented = value if isinstance(value, tuple) else (value, False)
        for name in echo:
            answer.setdefault(name, ctx.args.get(name))
        return InvokeAnswer(answer, invented=invented)
    return handler


_AMI_ARGUMENTS = ("executableUsers", "owners", "includeDeprecated", "filters", "nameRegex")


_ZONES_ARGUMENTS = ("allAvailabilityZones", "excludeNames", "excludeZoneIds", "filters", "state")
_DOCUMENT_ARGUMENTS = ("overrideJson", "overridePolicyDocuments", "policyId", "sourceJson", "sourcePolicyDocuments",
                       "statements", "version")

HANDLERS = {
    "aws:index/getCallerIdentity:getCallerIdentity": _typed(_caller_identity),
    "aws:index/getRegion:getRegion": _typed(_region),
    "aws:index/getPartition:getPartition": _typed(_partition),
    "aws:index/getRegions:getRegions": _typed(_regions, ("allRegions", "filters")),
    "aws:index/getAvailabilityZones:getAvailabilityZones": _typed(_availability_zones, _ZONES_ARGUMENTS),
    "aws:ec2/getAvailabilityZones:getAvailabilityZones": _typed(_availability_zones, _ZONES_ARGUMENTS),  # older SDKs' token
    "aws:index/getAvailabilityZone:getAvailabilityZone": _typed(_availability_zone, ("allAvailabilityZones", "filters")),
    "aws:ec2/getAmi:getAmi": _typed(_ami, _AMI_ARGUMENTS + ("allowUnsafeFilter", "mostRecent")),
    "aws:ec2/getAmiIds:getAmiIds": _typed(_ami_ids, _AMI_ARGUMENTS + ("sortAscending",)),
    "aws:ec2/getVpc:getVpc": _typed(_vpc, ("filters",)),
    "aws:ec2/getSubnets:getSubnets": _typed(_subnets, ("filters",)),
    "aws:ec2/getSubnetIds:getSubnetIds": _typed(_subnets, ("filters",)),  # older SDKs' name
    "aws:ec2/getSubnet:getSubnet": _typed(_subnet, ("filters",)),
    "aws:ec2/getSecurityGroup:getSecurityGroup": _typed(_security_group, ("filters",)),
    "aws:iam/getPolicyDocument:getPolicyDocument": _policy_document,
    "aws:ecr/getCredentials:getCredentials": _typed(_ecr_credentials),
    "aws:ecr/getAuthorizationToken:getAuthorizationToken": _typed(_ecr_token),
    "aws:route53/getZone:getZone": _typed(_zone),
    "aws:ssm/getParameter:getParameter": _typed(_parameter),
    "aws:kms/getKey:getKey": _typed(_kms_key),
    "aws:kms/getAlias:getAlias": _typed(_kms_alias),
    "aws:iam/getRoles:getRoles": _roles,
    "aws:iam/getRole:getRole": _role,
    "aws:organizations/getOrganization:getOrganization": _organization,
    "aws:index/getBillingServiceAccount:getBillingServiceAccount": _typed(_billing),
    "aws:elb/getServiceAccount:getServiceAccount": _elb_account,
    "aws:index/getServicePrincipal:getServicePrincipal": _typed(_service_principal),
    "aws:index/getArn:getArn": _arn,
}


def answer_invoke(token: str, args: Optional[dict], account: Account, region: Optional[str] = None,
                  sdk_paths: Optional[Sequence[str]] = None) -> InvokeAnswer:
    """The answer to one invoke of ``token`` with ``args`` (wire names) in ``account``.

    ``region``: the provider's region (the stack's ``aws:region`` or an explicit provider's); an explicit
    ``region`` argument, as pulumi-aws 7 data sources take, wins; without either, us-east-1.
    ``sdk_paths``: where the program's provider SDKs are installed (its site-packages), read for the result
    types of invented answers; default: this interpreter's ``sys.path``.
    """
    args = dict(args or {})
    if isinstance(args.get("region"), str) and args["region"]:
        region = args["region"]
    region = region or "us-east-1"
    ctx = _Context(token, args, account, region, sdk_paths)
    handler = HANDLERS.get(token)
    if handler is not None:
        return handler(ctx)
    return invent(token, args, account, region, sdk_paths)


# -------------------------------------------------------------------------------------- stack outputs

STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference"
_STACK_PART = re.compile(r"^[A-Za-z0-9_.-]+$")


def load_stack_outputs(path: Optional[str | Path]) -> dict[str, dict]:
    """The ``STACK_OUTPUTS`` file (``--stack-outputs``): ``{"<org>/<project>/<stack>": {"<output>": value}}``.

    None or "" -> ``{}`` (every stack reference unknown). Raises ``common.UsageError`` naming the file and
    the key when the file is not JSON, not an object, a key is not ``org/project/stack`` or a stack's
    outputs are not an object.
    """
    if not path:
        return {}
    from .files import read_json_file
    data = read_json_file(path, "STACK_OUTPUTS")
    if not isinstance(data, dict):
        raise UsageError(f"STACK_OUTPUTS: {path} must hold a JSON object of \"<org>/<project>/<stack>\" -> "
                         f"{{output name: value}}, found {type(data).__name__ if data is not None else 'null'}")
    for name, outputs in data.items():
        parts = name.split("/")
        if len(parts) != 3 or not all(_STACK_PART.match(p) for p in parts):
            raise UsageError(f"STACK_OUTPUTS: {path}: key {name!r} must be a fully qualified stack name "
                             f"\"<org>/<project>/<stack>\" (letters, digits, '-', '_', '.')")
        if not isinstance(outputs, dict):
            raise UsageError(f"STACK_OUTPUTS: {path}: {name}: the outputs must be an object of output name -> "
                             f"value, found {type(outputs).__name__ if outputs is not None else 'null'}")
    return data


def stack_outputs_lookup(path: Optional[str | Path], organization: Optional[str] = None,
                         project: Optional[str] = None):
    """``load_stack_outputs(path)`` as a function of a stack name -> its outputs or None (unknown)."""
    outputs = load_stack_outputs(path)
    return lambda name: stack_reference_outputs(name, outputs, organization, project)


def stack_reference_outputs(name: str, stack_outputs: dict[str, dict], organization: Optional[str] = None,
                            project: Optional[str] = None) -> Optional[dict]:
    """The outputs of the referenced stack, or None when unknown (not in the file, or ambiguous).

    ``name`` as a program writes it: ``org/project/stack``, ``project/stack`` (the current organization) or
    ``stack`` (the current organization and project); without the current names, a shorter name matches the
    one file entry that ends with it.
    """
    if name in stack_outputs:
        return stack_outputs[name]
    parts = name.split("/")
    if len(parts) == 2 and organization:
        return stack_outputs.get(f"{organization}/{name}")
    if len(parts) == 1 and organization and project:
        return stack_outputs.get(f"{organization}/{project}/{name}")
    if len(parts) in (1, 2):
        matches = [key for key in stack_outputs if key.endswith("/" + name)]
        return stack_outputs[matches[0]] if len(matches) == 1 else None
    return None


def read_stack_reference(name: str, stack_outputs: dict[str, dict], organization: Optional[str] = None,
                         project: Optional[str] = None) -> Optional[dict]:
    """The state a ``pulumi:pulumi:StackReference`` read returns (``name``, ``outputs``, ``secretOutputNames``),
    as the engine's built-in provider gives it; None when the stack's outputs are unknown."""
    outputs = stack_reference_outputs(name, stack_outputs, organization, project)
    if outputs is None:
        return None
    return {"name": name, "outputs": dict(outputs), "secretOutputNames": []}
