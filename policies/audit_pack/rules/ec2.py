"""EC2 and VPC rules: world-open ingress, public instances, EBS encryption, default security groups,
flow logs. Ingress is read from every shape a user can write: a security group's inline ``ingress``,
``aws.ec2.SecurityGroupRule`` and ``aws.vpc.SecurityGroupIngressRule``."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Optional

from ..props import UNKNOWN, as_dict, as_list, number, truthy
from ..registry import ADVISORY, Finding, resource_check, stack_check
from ..stack import EXTERNAL

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


_INGRESS_COVERS = ("ingress from every shape: ec2.SecurityGroup inline `ingress`, ec2.SecurityGroupRule "
                   "(type ingress), vpc.SecurityGroupIngressRule; IPv4 and IPv6 world ranges; protocol -1/all",)
_INGRESS_UNKNOWN = ("CIDRs and ports computed at deployment", "prefix lists and referenced security groups")


@resource_check("restricted-ssh", INGRESS_SHAPES, covers=_INGRESS_COVERS, unknown=_INGRESS_UNKNOWN)
def restricted_ssh(props, _config, kind: str = SECURITY_GROUP):
    found = _open_ports(props, kind, [22])
    return [f"{'; '.join(found)}. Limit SSH to your own networks (or use SSM Session Manager) instead of "
            "0.0.0.0/0 and ::/0."] if found else []


@resource_check("restricted-common-ports", INGRESS_SHAPES, covers=_INGRESS_COVERS, unknown=_INGRESS_UNKNOWN)
def restricted_common_ports(props, config, kind: str = SECURITY_GROUP):
    ports = [p for p in (number(p) for p in as_list(config.get("blockedPorts", list(DEFAULT_BLOCKED_PORTS))))
             if isinstance(p, int)]
    found = _open_ports(props, kind, ports)
    return [f"{'; '.join(found)}. Limit these ports to your own networks instead of 0.0.0.0/0 and ::/0."] \
        if found else []


# ---- ec2-instance-no-public-ip: every way an instance ends up with a public IPv4 ----
#
# Config (EC2_INSTANCE_NO_PUBLIC_IP, "ec2-instance-no-public-ip" in the Config developer guide): NON_COMPLIANT
# when the instance's configuration item has a publicIp. EC2 (User Guide, "Amazon EC2 instance IP addressing",
# public IPv4 addresses and Elastic IP addresses): an instance gets a public IPv4 when its launch says
# AssociatePublicIpAddress=true, or says nothing and its subnet's public IPv4 addressing attribute
# (MapPublicIpOnLaunch) is on (a default subnet has it on); only a new primary network interface (device
# index 0) gets one, never an existing interface attached at launch; an Elastic IP associated with the
# instance or one of its network interfaces is its public IPv4 as well. EC2 Auto Scaling (launch
# configurations, AssociatePublicIpAddress): unset, the subnet's attribute decides for the group's instances.

SUBNET = "aws:ec2/subnet:Subnet"
DEFAULT_SUBNET = "aws:ec2/defaultSubnet:DefaultSubnet"
SUBNETS = (SUBNET, DEFAULT_SUBNET)
EIP = "aws:ec2/eip:Eip"
EIP_ASSOCIATION = "aws:ec2/eipAssociation:EipAssociation"
NETWORK_INTERFACE = "aws:ec2/networkInterface:NetworkInterface"
NIC_ATTACHMENT = "aws:ec2/networkInterfaceAttachment:NetworkInterfaceAttachment"
LAUNCH_CONFIGURATION = "aws:ec2/launchConfiguration:LaunchConfiguration"
AUTOSCALING_GROUP = "aws:autoscaling/group:Group"
SPOT_INSTANCE_REQUEST = "aws:ec2/spotInstanceRequest:SpotInstanceRequest"
"""A spot instance request launches an instance from the same arguments as ec2.Instance."""
INSTANCES = (INSTANCE, SPOT_INSTANCE_REQUEST)
MANDATORY = "mandatory"

PUBLIC_IP_TYPES = (INSTANCE, SPOT_INSTANCE_REQUEST, LAUNCH_TEMPLATE, LAUNCH_CONFIGURATION, AUTOSCALING_GROUP, SUBNET, DEFAULT_SUBNET, EIP,
                   EIP_ASSOCIATION, NETWORK_INTERFACE, NIC_ATTACHMENT)


def _maps_public(subnet: Mapping[str, Any]) -> Any:
    """A subnet's MapPublicIpOnLaunch: off by default for ec2.Subnet, on for ec2.DefaultSubnet."""
    return truthy(subnet["props"].get("mapPublicIpOnLaunch"), absent=subnet["type"] == DEFAULT_SUBNET)


def _primary_nic(nics: list) -> Optional[dict]:
    """A launch template's network interface with device index 0 (or its only / first one)."""
    dicts = [n for n in nics if isinstance(n, dict)]
    for n in dicts:
        if number(n.get("deviceIndex")) == 0:
            return n
    return dicts[0] if dicts and all(n.get("deviceIndex") is None for n in dicts) else None


def _nic_decides(nic: Mapping[str, Any]) -> bool:
    """Whether a launch template's primary network interface settles the public IPv4 itself: it says
    associatePublicIpAddress, or it is an existing interface (never given one)."""
    return nic.get("associatePublicIpAddress") is not None or nic.get("networkInterfaceId") is not None


def _nic_subnet(index, lt: Mapping[str, Any], nic: Mapping[str, Any]) -> Any:
    """The subnet a launch template's network interface names (see ``StackIndex.resolve_value``)."""
    return index.resolve_value(nic["subnetId"], lt["deps"].get("networkInterfaces", ()), SUBNETS)


def _launch_template(index, r: Mapping[str, Any]) -> Optional[dict]:
    """The stack's launch template an instance or Auto Scaling group launches from; None when it names none,
    or one declared elsewhere or not known yet."""
    spec = r["props"].get("launchTemplate")
    lt = index.resolve_value(as_dict(spec).get("id") or as_dict(spec).get("name") or spec,
                             r["deps"].get("launchTemplate", ()), (LAUNCH_TEMPLATE,))
    return lt if isinstance(lt, dict) else None


def _interfaces_of_instances(index) -> dict[str, set]:
    """Network interface URN -> URNs of the instances it is attached to, from every shape that attaches one."""
    out: dict[str, set] = {}
    for r in index.of(INSTANCE):
        for key in ("networkInterfaces", "primaryNetworkInterface"):
            for eni in index.targets(r["deps"].get(key, ()), (NETWORK_INTERFACE,)):
                out.setdefault(eni["urn"], set()).add(r["urn"])
    for eni in index.of(NETWORK_INTERFACE):
        for instance in index.targets(eni["deps"].get("attachments", ()), (INSTANCE,)):
            out.setdefault(eni["urn"], set()).add(instance["urn"])
    for a in index.of(NIC_ATTACHMENT):
        instance = index.resolve(a, "instanceId", (INSTANCE,))
        eni = index.resolve(a, "networkInterfaceId", (NETWORK_INTERFACE,))
        if isinstance(instance, dict) and isinstance(eni, dict):
            out.setdefault(eni["urn"], set()).add(instance["urn"])
    return out


def _elastic_ips(index) -> tuple[dict[str, list], list]:
    """(instance URN -> names of the Elastic IP resources that give it its address, [(urn, message)] for
    Elastic IPs bound to an instance this stack does not declare)."""
    enis = _interfaces_of_instances(index)
    bound: dict[str, list] = {}
    external = []
    shapes = ((EIP, "instance", "networkInterface"), (EIP_ASSOCIATION, "instanceId", "networkInterfaceId"))
    for kind, instance_key, eni_key in shapes:
        for r in index.of(kind):
            instance = index.resolve(r, instance_key, (INSTANCE,))
            if isinstance(instance, dict):
                bound.setdefault(instance["urn"], []).append(r["name"])
            elif instance == EXTERNAL:
                external.append((r["urn"], f"{instance_key} {r['props'][instance_key]} gets this Elastic IP as its "
                                           "public IPv4 address. Reach the instance privately instead."))
            eni = index.resolve(r, eni_key, (NETWORK_INTERFACE,))
            if isinstance(eni, dict):
                for urn in enis.get(eni["urn"], ()):
                    bound.setdefault(urn, []).append(r["name"])
    return bound, external


def _subnet_verdict(subnet: Any, via: str) -> Optional[tuple]:
    if subnet is None:
        return (ADVISORY, f"{via}no subnet is given, so EC2 uses a default subnet of the default VPC, which assigns "
                          "public IPv4 addresses unless that setting was turned off (not visible from this stack)")
    if isinstance(subnet, dict) and _maps_public(subnet) is True:
        return (MANDATORY, f"{via}subnet {subnet['name']} has map_public_ip_on_launch on and nothing turns "
                           "associate_public_ip_address off")
    return None  # a private subnet, or one declared elsewhere / not known yet


def _template_verdict(index, lt: Mapping[str, Any]) -> Optional[tuple]:
    """What a launch template alone decides about the public IPv4 of instances launched from it."""
    nics = as_list(lt["props"].get("networkInterfaces"))
    if UNKNOWN in nics:
        return None
    public = [str(i) for i, nic in enumerate(nics) if isinstance(nic, dict)
              and truthy(nic.get("associatePublicIpAddress")) is True]
    if public:
        return (MANDATORY, f"networkInterfaces[{', '.join(public)}].associatePublicIpAddress is true")
    nic = _primary_nic(nics)
    if nic is None or _nic_decides(nic):
        return None
    if nic.get("subnetId") is None:
        return None  # the instance or group that uses the template names the subnet
    subnet = _nic_subnet(index, lt, nic)
    return _subnet_verdict(subnet, "the primary network interface's ") if isinstance(subnet, dict) else None


def _instance_verdict(index, r: Mapping[str, Any], eips: Mapping[str, list]) -> Optional[tuple]:
    p = r["props"]
    associate = truthy(p.get("associatePublicIpAddress"), absent=None)
    if associate is True:
        return (MANDATORY, "associatePublicIpAddress is true")
    if r["urn"] in eips:
        return (MANDATORY, f"the Elastic IP {', '.join(sorted(eips[r['urn']]))} is associated with it")
    if associate is not None:
        return None  # false, or not known yet
    if p.get("primaryNetworkInterface") is not None or p.get("networkInterfaces") is not None:
        return None  # launched with an existing network interface: EC2 never auto-assigns to one
    lt_nic_subnet = None
    if p.get("launchTemplate") is not None:
        lt = _launch_template(index, r)
        if lt is None:
            return None  # a template declared elsewhere decides
        nics = as_list(lt["props"].get("networkInterfaces"))
        nic = _primary_nic(nics)
        if UNKNOWN in nics or (nic is not None and _nic_decides(nic)):
            verdict = _template_verdict(index, lt)
            return (verdict[0], f"its launch template {lt['name']}: {verdict[1]}") if verdict else None
        if nic is not None and nic.get("subnetId") is not None:
            lt_nic_subnet = _nic_subnet(index, lt, nic)
    if p.get("subnetId") is not None or r["deps"].get("subnetId"):
        return _subnet_verdict(index.resolve(r, "subnetId", SUBNETS), "")
    if lt_nic_subnet is not None:
        return _subnet_verdict(lt_nic_subnet, "its launch template's ") if isinstance(lt_nic_subnet, dict) else None
    return _subnet_verdict(None, "")


def _group_verdict(index, g: Mapping[str, Any]) -> Optional[tuple]:
    """An Auto Scaling group whose launch configuration or template leaves the public IP to the subnets."""
    p = g["props"]
    source = index.resolve(g, "launchConfiguration", (LAUNCH_CONFIGURATION,))
    if isinstance(source, dict):
        if source["props"].get("associatePublicIpAddress") is not None:
            return None  # the launch configuration decides (and is judged itself)
    else:
        lt = _launch_template(index, g)
        if lt is None:
            return None
        nics = as_list(lt["props"].get("networkInterfaces"))
        nic = _primary_nic(nics)
        if UNKNOWN in nics or (nic is not None and (_nic_decides(nic) or nic.get("subnetId") is not None)):
            return None
    identifiers = p.get("vpcZoneIdentifiers")
    if identifiers is UNKNOWN:
        return None
    public = sorted(s["name"] for s in index.targets(g["deps"].get("vpcZoneIdentifiers", ()), SUBNETS)
                    if _maps_public(s) is True)
    if public:
        return (MANDATORY, f"its instances launch into subnet(s) {', '.join(public)} with map_public_ip_on_launch "
                           "on and the launch configuration or template does not turn associate_public_ip_address off")
    return None


_FIX_PUBLIC_IP = ("Set associate_public_ip_address=False (on the instance, the launch template's network interfaces "
                  "or the launch configuration), use subnets without map_public_ip_on_launch, bind no Elastic IP, "
                  "and reach the instances through a load balancer, SSM Session Manager or a VPN.")


@stack_check("ec2-instance-no-public-ip", PUBLIC_IP_TYPES, covers=(
    "ec2.Instance and ec2.SpotInstanceRequest: `associatePublicIpAddress`; else its subnet's `mapPublicIpOnLaunch` (ec2.Subnet off by "
    "default, ec2.DefaultSubnet on by default), or its launch template's primary network interface",
    "Elastic IPs: ec2.Eip(instance=...), ec2.Eip(network_interface=...), ec2.EipAssociation(instance_id= / "
    "network_interface_id=), through ec2.NetworkInterface attachments, ec2.NetworkInterfaceAttachment and the "
    "instance's own network interfaces",
    "ec2.LaunchTemplate network interfaces (`associatePublicIpAddress`, or the subnet they name)",
    "ec2.LaunchConfiguration `associatePublicIpAddress`; autoscaling.Group joined with its launch configuration "
    "or template and the subnets of `vpcZoneIdentifiers`",
    "an instance without any subnet (the default VPC's default subnet assigns public IPs): advisory",
), unknown=(
    "subnets, templates and network interfaces declared outside the stack",
    "whether the default VPC's default subnets still assign public IPs",
    "values computed at deployment",
))
def instance_no_public_ip(index, _config):
    """Every resource that gives an instance a public IPv4, joined across the stack (sources in the comment
    above: Config's EC2_INSTANCE_NO_PUBLIC_IP page, EC2's IP addressing and Elastic IP pages, EC2 Auto
    Scaling's launch configuration reference). A finding that depends on the default VPC is advisory."""
    eips, out = _elastic_ips(index)
    out = [Finding(urn, message) for urn, message in out]
    for r in index.of(INSTANCE, SPOT_INSTANCE_REQUEST, LAUNCH_TEMPLATE, LAUNCH_CONFIGURATION, AUTOSCALING_GROUP):
        if r["type"] in INSTANCES:
            verdict, what = _instance_verdict(index, r, eips), "The instance gets"
        elif r["type"] == LAUNCH_TEMPLATE:
            verdict, what = _template_verdict(index, r), "Instances launched from this template get"
        elif r["type"] == LAUNCH_CONFIGURATION:
            verdict = (MANDATORY, "associatePublicIpAddress is true") \
                if truthy(r["props"].get("associatePublicIpAddress")) is True else None
            what = "Instances launched from this configuration get"
        else:
            verdict, what = _group_verdict(index, r), "The group's instances get"
        if verdict:
            level, why = verdict
            out.append(Finding(r["urn"], f"{what} a public IPv4 address: {why}. {_FIX_PUBLIC_IP}",
                               ADVISORY if level == ADVISORY else None))
    return out


# ---- encrypted-volumes ----
#
# EBS (User Guide, "Amazon EBS encryption"): a volume created from a snapshot is encrypted when the snapshot
# is, whatever the request says (an encrypted snapshot never gives an unencrypted volume); a root volume is
# created from the AMI's snapshot; with encryption by default on, every new volume is encrypted.

ROOT_DEVICE_NAMES = {"/dev/xvda", "/dev/sda1"}
"""The root device names of Amazon's Linux and Windows AMIs: a launch template mapping on one of these
overrides the AMI's root volume (created from the AMI's snapshot) rather than adding a blank volume."""


def _ebs_default(index, config) -> Any:
    if config.get("ebsEncryptionByDefault"):
        return True
    for r in index.of(EBS_DEFAULT):
        return truthy(r["props"].get("enabled", True))
    return False


def _device_verdict(device: Mapping[str, Any], default_on: Any, want_kms: str,
                    from_snapshot: Any = None) -> Optional[tuple]:
    """None when compliant or not knowable; otherwise (level, what is wrong). ``from_snapshot`` names the
    snapshot (or AMI) the volume is created from, when it is."""
    encrypted = truthy(device.get("encrypted"), absent=None)
    if encrypted is UNKNOWN:
        return None
    if encrypted is True:
        kms = device.get("kmsKeyId")
        if want_kms and kms is not UNKNOWN and kms not in (None, want_kms):
            return (MANDATORY, f"is encrypted with {kms}, not the required key {want_kms}")
        return None
    if default_on is True or default_on is UNKNOWN:
        return None
    if from_snapshot is not None:
        return (ADVISORY, f"is created from {from_snapshot} without encrypted=True: it is as encrypted as that "
                          "snapshot, which this stack does not show")
    return (MANDATORY, "is not encrypted")


def _snapshot(device: Mapping[str, Any]) -> Any:
    snapshot = device.get("snapshotId")
    if snapshot in (None, ""):
        return None
    return "snapshot " + (snapshot if isinstance(snapshot, str) else "(known at deployment)")


def _referenced(index, kind: str, key: str) -> Callable[[Mapping[str, Any]], bool]:
    """Whether a resource is the one property ``key`` of some ``kind`` resource names, by reference (URN)
    or by literal id."""
    urns, ids = set(), set()
    for r in index.of(kind):
        urns.update(r["deps"].get(key, []))
        if isinstance(r["props"].get(key), str):
            ids.add(r["props"][key])
    return lambda r: r["urn"] in urns or (isinstance(r["props"].get("id"), str) and r["props"]["id"] in ids)


def _block_devices(r: Mapping[str, Any]) -> Optional[list]:
    """[(name, device props, what it is created from or None)] of an instance or launch configuration;
    None when its devices are not known yet."""
    p = r["props"]
    if p.get("rootBlockDevice") is UNKNOWN or p.get("ebsBlockDevices") is UNKNOWN:
        return None
    devices = []
    if "rootBlockDevice" in p:
        devices.append(("rootBlockDevice", as_dict(p.get("rootBlockDevice")), "the AMI's snapshot"))
    elif p.get("launchTemplate") is None and p.get("ami") is not UNKNOWN and p.get("imageId") is not UNKNOWN:
        devices.append(("the root volume", {}, "the AMI's snapshot"))
    for i, d in enumerate(as_list(p.get("ebsBlockDevices"))):
        if d is not UNKNOWN:  # a device not known yet cannot be judged
            devices.append((f"ebsBlockDevices[{i}]", as_dict(d), _snapshot(as_dict(d))))
    return devices


@stack_check("encrypted-volumes", (INSTANCE, SPOT_INSTANCE_REQUEST, LAUNCH_TEMPLATE, LAUNCH_CONFIGURATION, VOLUME,
                                   VOLUME_ATTACHMENT, EBS_DEFAULT), covers=(
    "attached volumes only, as Config: ec2.Instance and ec2.SpotInstanceRequest root and EBS block devices, "
    "ec2.LaunchTemplate block device "
    "mappings, ec2.LaunchConfiguration root and EBS block devices, ebs.Volume with an ec2.VolumeAttachment in "
    "the stack",
    "ebs.EncryptionByDefault in the stack (or the `ebsEncryptionByDefault` setting) makes unset devices "
    "compliant; `kmsId` requires one key",
    "volumes created from a snapshot (`snapshotId`, and root volumes from the AMI) without encrypted=True: "
    "advisory, since the snapshot decides",
), unknown=(
    "the encryption of snapshots and AMIs", "the account's EBS encryption by default when no stack declares it",
    "volumes attached by another stack",
))
def encrypted_volumes(index, config):
    """Attached volumes only, as Config: instance and launch configuration block devices, launch template
    mappings, and volumes with a VolumeAttachment in the stack."""
    default_on = _ebs_default(index, config)
    want_kms = config.get("kmsId") or ""
    attached = _referenced(index, VOLUME_ATTACHMENT, "volumeId")
    fix = ("Set encrypted=True (or turn on EBS encryption by default and say so with the policy's "
           "ebsEncryptionByDefault setting).")
    out = []
    for r in index.of(INSTANCE, SPOT_INSTANCE_REQUEST, LAUNCH_TEMPLATE, LAUNCH_CONFIGURATION, VOLUME):
        p = r["props"]
        problems = []
        if r["type"] in (INSTANCE, SPOT_INSTANCE_REQUEST, LAUNCH_CONFIGURATION):
            for name, device, source in _block_devices(r) or []:
                if (v := _device_verdict(device, default_on, want_kms, source)):
                    problems.append((v[0], f"{name} {v[1]}"))
        elif r["type"] == LAUNCH_TEMPLATE:
            for i, m in enumerate(as_list(p.get("blockDeviceMappings"))):
                if m is UNKNOWN or as_dict(m).get("ebs") is UNKNOWN or not as_dict(as_dict(m).get("ebs")):
                    continue
                ebs = as_dict(as_dict(m).get("ebs"))
                source = _snapshot(ebs)
                if source is None and as_dict(m).get("deviceName") in ROOT_DEVICE_NAMES:
                    source = "the AMI's snapshot (the root device)"
                if (v := _device_verdict(ebs, default_on, want_kms, source)):
                    problems.append((v[0], f"blockDeviceMappings[{i}].ebs {v[1]}"))
        elif attached(r):
            if (v := _device_verdict(p, default_on, want_kms, _snapshot(p))):
                problems.append((v[0], f"the attached volume {v[1]}"))
        mandatory = [text for level, text in problems if level == MANDATORY]
        advisory = [text for level, text in problems if level == ADVISORY]
        if mandatory:
            out.append(Finding(r["urn"], f"{'; '.join(mandatory)}. {fix}"))
        if advisory:
            out.append(Finding(r["urn"], f"{'; '.join(advisory)}. {fix}", ADVISORY))
    return out


@resource_check("vpc-default-security-group-closed", (DEFAULT_SG,),
                covers=("ec2.DefaultSecurityGroup inline `ingress` / `egress`",),
                unknown=("default security groups the stack does not adopt",
                         "rules added by ec2.SecurityGroupRule to a default group"))
def default_sg_closed(props, _config, kind: str = DEFAULT_SG):
    rules = [k for k in ("ingress", "egress") if as_list(props.get(k)) and props.get(k) is not UNKNOWN]
    if not rules:
        return []
    return [f"the default security group keeps {' and '.join(rules)} rules: declare it with none, so that "
            "nothing uses it by accident."]


@resource_check("ec2-ebs-encryption-by-default", (EBS_DEFAULT,),
                covers=("ebs.EncryptionByDefault `enabled`",),
                unknown=("the region's setting when no stack declares it",))
def ebs_encryption_by_default(props, _config, kind: str = EBS_DEFAULT):
    if truthy(props.get("enabled", True)) is False:
        return ["enabled is false: new EBS volumes in this region are not encrypted by default. Set enabled=True."]
    return []


@stack_check("vpc-flow-logs-enabled", (VPC, FLOW_LOG),
             covers=("ec2.Vpc joined with ec2.FlowLog by `vpcId` (reference or literal id)",),
             unknown=("flow logs declared in another stack",))
def vpc_flow_logs(index, _config):
    logged = _referenced(index, FLOW_LOG, "vpcId")
    return [(r["urn"], "no aws.ec2.FlowLog in this stack records the VPC's traffic. Add one with vpc_id set to "
                       "this VPC (traffic_type REJECT or ALL).")
            for r in index.of(VPC) if not logged(r)]
