"""EC2 and VPC rules: world-open ingress, public instances, EBS encryption, default security groups,
flow logs. Ingress is read from every shape a user can write: a security group's inline ``ingress``,
``aws.ec2.SecurityGroupRule`` and ``aws.vpc.SecurityGroupIngressRule``."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional

from ..props import UNKNOWN, as_dict, as_list, number, truthy
from ..registry import resource_check, stack_check

SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
VPC_INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
INGRESS_SHAPES = (SECURITY_GROUP, SG_RULE, VPC_INGRESS)
INSTANCE = "aws:ec2/instance:Instance"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
VOLUME = "aws:ebs/volume:Volume"
VOLUME_ATTACHMENT = "aws:ec2/volumeAttachment:VolumeAttachment"
EBS_DEFAULT = "aws:ebs/encryptionByDefault:EncryptionByDefault"
DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
VPC = "aws:ec2/vpc:Vpc"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"

WORLD = {"0.0.0.0/0", "::/0"}
ALL_PROTOCOLS = {"-1", "all"}
TCP = {"tcp", "6"}
DEFAULT_BLOCKED_PORTS = (20, 21, 3389, 3306, 4333)


@dataclass(frozen=True)
class Ingress:
    """One ingress permission: protocol, port range and the world-open sources it has."""

    protocol: Any
    from_port: Any
    to_port: Any
    open_to: tuple
    where: str

    def reaches_tcp(self, port: int) -> Any:
        protocol = str(self.protocol).lower() if self.protocol is not UNKNOWN else UNKNOWN
        if protocol is UNKNOWN:
            return UNKNOWN
        protocol = protocol[:-2] if protocol.endswith(".0") else protocol
        if protocol in ALL_PROTOCOLS:
            return True
        if protocol not in TCP:
            return False
        low, high = number(self.from_port), number(self.to_port)
        if UNKNOWN in (low, high):
            return UNKNOWN
        if low is None or high is None:
            return False
        return low <= port <= high


def ingress_of(kind: str, props: Mapping[str, Any]) -> list[Ingress]:
    """World-open ingress permissions declared by one resource (unknown sources count as not open)."""
    out = []
    if kind == SECURITY_GROUP:
        for i, rule in enumerate(as_list(props.get("ingress"))):
            if isinstance(rule, dict):
                sources = [*as_list(rule.get("cidrBlocks")), *as_list(rule.get("ipv6CidrBlocks"))]
                out.append(Ingress(rule.get("protocol"), rule.get("fromPort"), rule.get("toPort"),
                                   tuple(s for s in sources if isinstance(s, str) and s in WORLD), f"ingress[{i}]"))
    elif kind == SG_RULE:
        if props.get("type") == "ingress":
            sources = [*as_list(props.get("cidrBlocks")), *as_list(props.get("ipv6CidrBlocks"))]
            out.append(Ingress(props.get("protocol"), props.get("fromPort"), props.get("toPort"),
                               tuple(s for s in sources if isinstance(s, str) and s in WORLD), "this rule"))
    elif kind == VPC_INGRESS:
        sources = [props.get("cidrIpv4"), props.get("cidrIpv6")]
        out.append(Ingress(props.get("ipProtocol"), props.get("fromPort"), props.get("toPort"),
                           tuple(s for s in sources if isinstance(s, str) and s in WORLD), "this rule"))
    return [i for i in out if i.open_to]


def _open_ports(props, kind: str, ports: Iterable[int]) -> list[str]:
    found = []
    for ingress in ingress_of(kind, props):
        hit = sorted(p for p in ports if ingress.reaches_tcp(p) is True)
        if hit:
            found.append(f"{ingress.where} opens TCP {', '.join(map(str, hit))} to {', '.join(ingress.open_to)}")
    return found


@resource_check("restricted-ssh", INGRESS_SHAPES)
def restricted_ssh(props, _config, kind: str = SECURITY_GROUP):
    found = _open_ports(props, kind, [22])
    return [f"{'; '.join(found)}. Limit SSH to your own networks (or use SSM Session Manager) instead of "
            "0.0.0.0/0 and ::/0."] if found else []


@resource_check("restricted-common-ports", INGRESS_SHAPES)
def restricted_common_ports(props, config, kind: str = SECURITY_GROUP):
    ports = [p for p in (number(p) for p in as_list(config.get("blockedPorts", list(DEFAULT_BLOCKED_PORTS))))
             if isinstance(p, int)]
    found = _open_ports(props, kind, ports)
    return [f"{'; '.join(found)}. Limit these ports to your own networks instead of 0.0.0.0/0 and ::/0."] \
        if found else []


@resource_check("ec2-instance-no-public-ip", (INSTANCE, LAUNCH_TEMPLATE))
def instance_no_public_ip(props, _config, kind: str = INSTANCE):
    if kind == INSTANCE:
        if truthy(props.get("associatePublicIpAddress")) is True:
            return ["associatePublicIpAddress is true: the instance gets a public IPv4 address. Set "
                    "associate_public_ip_address=False and reach it privately."]
        return []
    found = [str(i) for i, nic in enumerate(as_list(props.get("networkInterfaces")))
             if isinstance(nic, dict) and truthy(nic.get("associatePublicIpAddress")) is True]
    if found:
        return [f"networkInterfaces[{', '.join(found)}].associatePublicIpAddress is true: instances launched from "
                "this template get a public IPv4 address. Set it to \"false\"."]
    return []


def _ebs_default(resources, config) -> Any:
    if config.get("ebsEncryptionByDefault"):
        return True
    for r in resources:
        if r["type"] == EBS_DEFAULT:
            return truthy(r["props"].get("enabled", True))
    return False


def _device_verdict(encrypted: Any, kms: Any, default_on: Any, want_kms: str) -> Optional[str]:
    """None when compliant or not knowable; otherwise what is wrong."""
    encrypted = truthy(encrypted) if encrypted is not None else None
    if encrypted is UNKNOWN or (encrypted is None and default_on is UNKNOWN):
        return None
    if encrypted is False or (encrypted is None and default_on is not True):
        return "is not encrypted"
    if want_kms and kms is not UNKNOWN and kms not in (None, want_kms):
        return f"is encrypted with {kms}, not the required key {want_kms}"
    return None


@stack_check("encrypted-volumes")
def encrypted_volumes(resources, config):
    """Attached volumes only, as Config: instance block devices, launch template mappings, and volumes with
    a VolumeAttachment in the stack."""
    default_on = _ebs_default(resources, config)
    want_kms = config.get("kmsId") or ""
    out = []
    attached_ids = set()
    attached_urns = set()
    for r in resources:
        if r["type"] == VOLUME_ATTACHMENT:
            attached_urns.update(r.get("deps", {}).get("volumeId", []))
            if isinstance(r["props"].get("volumeId"), str):
                attached_ids.add(r["props"]["volumeId"])
    fix = ("Set encrypted=True (or turn on EBS encryption by default and say so with the policy's "
           "ebsEncryptionByDefault setting).")
    for r in resources:
        p = r["props"]
        if r["type"] == INSTANCE:
            devices = [("rootBlockDevice", as_dict(p.get("rootBlockDevice")))] if "rootBlockDevice" in p else \
                [("rootBlockDevice", {})]
            devices += [(f"ebsBlockDevices[{i}]", as_dict(d)) for i, d in enumerate(as_list(p.get("ebsBlockDevices")))
                        if d is not UNKNOWN]  # a device not known yet cannot be judged
            if p.get("rootBlockDevice") is UNKNOWN or p.get("ebsBlockDevices") is UNKNOWN:
                continue
            if "rootBlockDevice" not in p and (p.get("launchTemplate") is not None or p.get("ami") is UNKNOWN):
                devices = devices[1:]  # the root device comes from the launch template or the AMI
            problems = [f"{name} {v}" for name, d in devices
                        if (v := _device_verdict(d.get("encrypted"), d.get("kmsKeyId"), default_on, want_kms))]
        elif r["type"] == LAUNCH_TEMPLATE:
            problems = []
            for i, m in enumerate(as_list(p.get("blockDeviceMappings"))):
                if m is UNKNOWN or as_dict(m).get("ebs") is UNKNOWN:
                    continue
                ebs = as_dict(as_dict(m).get("ebs"))
                if ebs:
                    v = _device_verdict(ebs.get("encrypted"), ebs.get("kmsKeyId"), default_on, want_kms)
                    if v:
                        problems.append(f"blockDeviceMappings[{i}].ebs {v}")
        elif r["type"] == VOLUME and (r["urn"] in attached_urns or (isinstance(p.get("id"), str)
                                                                    and p["id"] in attached_ids)):
            v = _device_verdict(p.get("encrypted"), p.get("kmsKeyId"), default_on, want_kms)
            problems = [f"the attached volume {v}"] if v else []
        else:
            continue
        if problems:
            out.append((r["urn"], f"{'; '.join(problems)}. {fix}"))
    return out


@resource_check("vpc-default-security-group-closed", (DEFAULT_SG,))
def default_sg_closed(props, _config, kind: str = DEFAULT_SG):
    rules = [k for k in ("ingress", "egress") if as_list(props.get(k)) and props.get(k) is not UNKNOWN]
    if not rules:
        return []
    return [f"the default security group keeps {' and '.join(rules)} rules: declare it with none, so that "
            "nothing uses it by accident."]


@resource_check("ec2-ebs-encryption-by-default", (EBS_DEFAULT,))
def ebs_encryption_by_default(props, _config, kind: str = EBS_DEFAULT):
    if truthy(props.get("enabled", True)) is False:
        return ["enabled is false: new EBS volumes in this region are not encrypted by default. Set enabled=True."]
    return []


@stack_check("vpc-flow-logs-enabled")
def vpc_flow_logs(resources, _config):
    logged_urns, logged_ids = set(), set()
    for r in resources:
        if r["type"] == FLOW_LOG:
            logged_urns.update(r.get("deps", {}).get("vpcId", []))
            if isinstance(r["props"].get("vpcId"), str):
                logged_ids.add(r["props"]["vpcId"])
    return [(r["urn"], "no aws.ec2.FlowLog in this stack records the VPC's traffic. Add one with vpc_id set to "
                       "this VPC (traffic_type REJECT or ALL).")
            for r in resources if r["type"] == VPC and r["urn"] not in logged_urns
            and not (isinstance(r["props"].get("id"), str) and r["props"]["id"] in logged_ids)]
