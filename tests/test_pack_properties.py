"""Property-based tests: every policy, arbitrary and unknown-laden property bags.

1. No policy ever raises (an exception in a policy aborts the user's deployment).
2. An unknown value never creates a violation: replacing any part of a bag by an unknown value can
   only remove violations, never add one (the bag before the replacement is one of the values the
   unknown may turn out to be).

Policies run inside the SDK's own analyzer servicer (the code behind the gRPC server), without the
network, so that thousands of examples stay fast. `make fuzz` runs the 10,000-example profile
(HYPOTHESIS_PROFILE=thorough); CI runs the default profile.
"""
from __future__ import annotations

import os

import pytest
from google.protobuf import struct_pb2
from hypothesis import HealthCheck, given, settings, strategies as st
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import EnforcementLevel, ResourceValidationPolicy
from pulumi_policy.policy import _PolicyAnalyzerServicer

from audit_pack import pack as pack_module
from audit_pack.pack import build_policies
from audit_pack.registry import RESOURCE_RULES, stack_types
from audit_pack.rules import s3

# CI's profile is derandomized: the same examples every run, so a red CI always means a change did it.
settings.register_profile("ci", max_examples=120, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("thorough", max_examples=10_000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

SENTINELS = ["04da6b54-80e4-46f7-96ec-b56ff0331ba9", "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
             "3eeb2bf0-c639-47a8-9e75-3b44932eb421", "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
             "dd056dcd-154b-4c76-9bd3-c8f88648b5ff"]
KEYS = ["enableLogFileValidation", "kmsKeyId", "isMultiRegionTrail", "advancedEventSelectors", "eventSelectors",
        "fieldSelectors", "field", "equals", "includeManagementEvents", "readWriteType",
        "excludeManagementEventSources", "bucket", "policy", "acl", "grants", "uri", "permissions",
        "accessControlPolicy", "grantee", "permission", "rule", "objectOwnership", "blockPublicAcls",
        "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets", "Statement", "Effect", "Principal", "AWS",
        "Action", "NotAction", "NotPrincipal", "Condition", "Sid", "ingress", "egress", "protocol", "fromPort",
        "toPort", "cidrBlocks", "ipv6CidrBlocks", "type", "ipProtocol", "cidrIpv4", "cidrIpv6",
        "associatePublicIpAddress", "networkInterfaces", "rootBlockDevice", "ebsBlockDevices", "encrypted",
        "blockDeviceMappings", "ebs", "volumeId", "enabled", "storageEncrypted", "engine", "replicateSourceDb",
        "customerMasterKeySpec", "keyUsage", "enableKeyRotation", "minimumPasswordLength", "tags", "vpcId",
        "launchTemplate", "ami", "id", "StringEquals", "aws:SourceVpce", "Bool", "aws:SecureTransport",
        "mapPublicIpOnLaunch", "subnetId", "snapshotId", "primaryNetworkInterface", "networkInterfaceId",
        "deviceIndex", "instance", "networkInterface", "instanceId", "launchConfiguration", "vpcZoneIdentifiers",
        "engineMode", "enableLogging", "IpAddress", "aws:SourceIp", "NotPrincipal", "Federated"]
TEXT = ["0.0.0.0/0", "::/0", "10.0.0.0/8", "tcp", "udp", "-1", "all", "6", "ingress", "egress", "public-read",
        "public-read-write", "private", "*", "s3:*", "s3:GetObject", "Allow", "Deny", "true", "false", "All",
        "Management", "BucketOwnerEnforced", s3.ALL_USERS, "READ", "WRITE", "FULL_CONTROL", "aurora-mysql",
        "SYMMETRIC_DEFAULT", "22", "3389", "0.0.0.0/1", "::/1", "203.0.113.0/24", "serverless", "provisioned",
        "/dev/xvda", "snap-1"]

scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 70000), st.floats(allow_nan=False, allow_infinity=False, width=32),
                    st.sampled_from(TEXT + SENTINELS), st.text(max_size=8))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)), max_leaves=25)
bags = st.dictionaries(st.sampled_from(KEYS), values, max_size=10)

def _recorded_fixtures() -> dict[str, list[dict]]:
    """Real property bags per type, recorded from pulumi_aws constructors: compliant and not."""
    import pulumi
    import pulumi_aws as aws

    from .conftest import record

    def program():
        aws.cloudtrail.Trail("t1", name="t1", s3_bucket_name="b", is_multi_region_trail=True,
                             enable_log_file_validation=True, kms_key_id="arn:k", event_selectors=[
                                 {"read_write_type": "All", "include_management_events": True}])
        aws.cloudtrail.Trail("t2", name="t2", s3_bucket_name="b", advanced_event_selectors=[{"field_selectors": [
            {"field": "eventCategory", "equals": ["Management"]}]}])
        sg = aws.ec2.SecurityGroup("sg", ingress=[
            {"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ["10.0.0.0/8"]},
            {"protocol": "-1", "from_port": 0, "to_port": 0, "ipv6_cidr_blocks": ["::/0"]}])
        aws.ec2.SecurityGroupRule("r", type="ingress", protocol="tcp", from_port=3389, to_port=3389,
                                  cidr_blocks=["0.0.0.0/0"], security_group_id=sg.id)
        aws.vpc.SecurityGroupIngressRule("v", security_group_id=sg.id, ip_protocol="tcp", from_port=20, to_port=22,
                                         cidr_ipv4="192.0.2.0/24")
        aws.ec2.Instance("i", ami="ami-1", instance_type="t3.micro", associate_public_ip_address=False,
                         root_block_device={"encrypted": True}, ebs_block_devices=[{"device_name": "/dev/sdf",
                                                                                    "encrypted": True}])
        aws.ec2.LaunchTemplate("lt", network_interfaces=[{"associate_public_ip_address": "false"}],
                               block_device_mappings=[{"device_name": "/dev/xvda", "ebs": {"encrypted": "true"}}])
        volume = aws.ebs.Volume("vol", availability_zone="a", size=1, encrypted=True)
        aws.ec2.VolumeAttachment("att", device_name="/dev/sdh", volume_id=volume.id, instance_id="i-1")
        aws.ebs.EncryptionByDefault("d", enabled=True)
        aws.rds.Instance("db", instance_class="db.t3.micro", engine="postgres", storage_encrypted=True)
        aws.rds.Cluster("c", engine="aurora-postgresql", storage_encrypted=True, master_username="u",
                        master_password="p1234567")
        aws.rds.Cluster("c-default", engine="aurora-mysql", master_username="u", master_password="p1234567")
        aws.rds.Cluster("c-sls", engine="aurora-mysql", engine_mode="serverless", storage_encrypted=False,
                        master_username="u", master_password="p1234567")
        net = aws.ec2.Vpc("net", cidr_block="10.1.0.0/16")
        public = aws.ec2.Subnet("public", vpc_id=net.id, cidr_block="10.1.1.0/24", map_public_ip_on_launch=True)
        aws.ec2.DefaultSubnet("default-a", availability_zone="us-east-1a")
        web = aws.ec2.Instance("web", ami="ami-1", instance_type="t3.micro", subnet_id=public.id,
                               root_block_device={"encrypted": True})
        eni = aws.ec2.NetworkInterface("eni", subnet_id=public.id)
        aws.ec2.NetworkInterfaceAttachment("eni-attach", instance_id=web.id, network_interface_id=eni.id,
                                           device_index=1)
        aws.ec2.Eip("eip", domain="vpc", instance=web.id)
        aws.ec2.EipAssociation("eip-assoc", allocation_id="eipalloc-1", network_interface_id=eni.id)
        lc = aws.ec2.LaunchConfiguration("lc", image_id="ami-1", instance_type="t3.micro",
                                         root_block_device={"encrypted": True},
                                         ebs_block_devices=[{"device_name": "/dev/sdf", "snapshot_id": "snap-1"}])
        aws.autoscaling.Group("asg", launch_configuration=lc.id, min_size=1, max_size=1,
                              vpc_zone_identifiers=[public.id])
        aws.ec2.SpotInstanceRequest("spot", ami="ami-1", instance_type="t3.micro", subnet_id=public.id,
                                    associate_public_ip_address=False, root_block_device={"encrypted": True})
        aws.ebs.Volume("restored", availability_zone="a", snapshot_id="snap-1")
        aws.kms.Key("k", enable_key_rotation=True)
        aws.iam.AccountPasswordPolicy("pp", minimum_password_length=14, password_reuse_prevention=24,
                                      max_password_age=90, require_symbols=True, require_numbers=True,
                                      require_uppercase_characters=True, require_lowercase_characters=True)
        vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16")
        aws.ec2.DefaultSecurityGroup("dsg", vpc_id=vpc.id)
        aws.ec2.FlowLog("fl", vpc_id=vpc.id, traffic_type="ALL")
        aws.s3.AccountPublicAccessBlock("apab", block_public_acls=True, block_public_policy=True,
                                        ignore_public_acls=True, restrict_public_buckets=True)
        bucket = aws.s3.Bucket("bk")
        aws.s3.BucketAcl("bk-acl", bucket=bucket.id, acl="private")
        aws.s3.BucketPublicAccessBlock("bk-pab", bucket=bucket.id, block_public_acls=True, block_public_policy=True,
                                       ignore_public_acls=True, restrict_public_buckets=True)
        aws.s3.BucketOwnershipControls("bk-own", bucket=bucket.id, rule={"object_ownership": "BucketOwnerEnforced"})
        aws.s3.BucketPolicy("bk-policy", bucket=bucket.id, policy=pulumi.Output.json_dumps({
            "Version": "2012-10-17", "Statement": [
                {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
                 "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
                {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*",
                 "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}}}]}))

    out: dict[str, list[dict]] = {}
    for r in record(program):
        if r.custom:
            bag = dict(r.inputs)
            if isinstance(bag.get("policy"), str) and bag["policy"].startswith("{"):
                import json
                bag["policy"] = json.loads(bag["policy"])
            out.setdefault(r.type, []).append(bag)
    return out


FIXTURES = _recorded_fixtures()


def mutated(base: dict):
    """A recorded bag with some of its parts replaced by arbitrary values."""
    def mutate(bag, draws):
        for path, value in draws:
            existing = [p for p in paths(bag)][1:]
            if existing:
                bag = replaced(bag, existing[path % len(existing)], value)
        return bag
    return st.lists(st.tuples(st.integers(0, 1000), values), max_size=3).map(lambda d: mutate(base, d))


def bags_for(type_: str):
    fixtures = FIXTURES.get(type_, [])
    if not fixtures:
        return bags
    return st.one_of(st.sampled_from(fixtures), *[mutated(b) for b in fixtures], bags)


ALL_TYPES = sorted({t for rule in RESOURCE_RULES.values() for t in rule.types} | stack_types())
POLICIES = {p.name: p for p in build_policies()}


def _fail_on_internal_error(name, error):
    raise AssertionError(f"policy {name} hit an internal error (its wrapper would hide the verdict): {error!r}")


@pytest.fixture(scope="module", autouse=True)
def loud_internal_errors():
    """The wrapper that keeps a failing check from aborting a deployment must never be needed: here it fails."""
    quiet = pack_module._report_internal_error
    pack_module._report_internal_error = _fail_on_internal_error
    yield
    pack_module._report_internal_error = quiet


def servicer(policy) -> _PolicyAnalyzerServicer:
    return _PolicyAnalyzerServicer("aws-audit-baseline", "0.1.0", [policy], EnforcementLevel.ADVISORY)


def struct(bag) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(bag)
    return message


def analyze(policy, type_: str, bag) -> set[str]:
    request = analyzer_pb2.AnalyzeRequest(type=type_, properties=struct(bag), urn=f"urn:pulumi:s::p::{type_}::r",
                                          name="r", options=analyzer_pb2.AnalyzerResourceOptions())
    response = servicer(policy).Analyze(request, None)
    return {d.policyName for d in response.diagnostics if "can't run policy" not in d.message}


def analyze_stack(policy, resources) -> set[tuple[str, str]]:
    request = analyzer_pb2.AnalyzeStackRequest(resources=[analyzer_pb2.AnalyzerResource(
        type=t, properties=struct(bag), urn=f"urn:pulumi:s::p::{t}::r{i}", name=f"r{i}",
        options=analyzer_pb2.AnalyzerResourceOptions(),
        propertyDependencies={k: analyzer_pb2.AnalyzerPropertyDependencies(urns=[f"urn:pulumi:s::p::{tt}::r{j}"])
                              for k, (tt, j) in deps.items()})
        for i, (t, bag, deps) in enumerate(resources)])
    return {(d.policyName, d.urn) for d in servicer(policy).AnalyzeStack(request, None).diagnostics}


SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d"


def paths(value, prefix=()):
    """Every path into a bag, except into the engine's secret envelopes (the SDK unwraps them first)."""
    yield prefix
    if isinstance(value, dict):
        if SECRET_SIGNATURE in value:
            return
        for k, v in value.items():
            yield from paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from paths(v, prefix + (i,))


def replaced(value, path, new):
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: replaced(value[head], rest, new)}
    copy = list(value)
    copy[head] = replaced(copy[head], rest, new)
    return copy


RESOURCE_POLICIES = sorted(n for n, p in POLICIES.items() if isinstance(p, ResourceValidationPolicy)
                           and n in RESOURCE_RULES)
STACK_POLICIES = sorted(n for n, p in POLICIES.items() if not isinstance(p, ResourceValidationPolicy))


@pytest.mark.parametrize("name", RESOURCE_POLICIES)
@given(data=st.data())
def test_resource_policy_never_raises_and_unknowns_add_no_violation(name, data):
    policy = POLICIES[name]
    type_ = data.draw(st.sampled_from(sorted(RESOURCE_RULES[name].types)))
    bag = data.draw(bags_for(type_))
    before = analyze(policy, type_, bag)
    path = data.draw(st.sampled_from(list(paths(bag))[1:] or [()]))
    if path:
        after = analyze(policy, type_, replaced(bag, path, data.draw(st.sampled_from(SENTINELS))))
        assert after <= before, f"an unknown at {path} created a violation"


resources = st.lists(st.sampled_from(ALL_TYPES).flatmap(lambda t: st.tuples(st.just(t), bags_for(t),
                               st.dictionaries(st.sampled_from(["bucket", "volumeId", "vpcId", "subnetId", "instance",
                                                                "instanceId", "networkInterface", "networkInterfaceId",
                                                                "launchTemplate", "launchConfiguration",
                                                                "vpcZoneIdentifiers", "primaryNetworkInterface",
                                                                "attachments"]),
                                               st.tuples(st.sampled_from(ALL_TYPES), st.integers(0, 3)),
                                               max_size=1))), min_size=1, max_size=4)


@pytest.mark.parametrize("name", STACK_POLICIES)
@given(data=st.data(), stack=resources)
def test_stack_policy_never_raises_and_unknowns_add_no_violation(name, data, stack):
    policy = POLICIES[name]
    before = analyze_stack(policy, stack)
    index = data.draw(st.integers(0, len(stack) - 1))
    type_, bag, deps = stack[index]
    path = data.draw(st.sampled_from(list(paths(bag))[1:] or [()]))
    if path:
        changed = list(stack)
        changed[index] = (type_, replaced(bag, path, data.draw(st.sampled_from(SENTINELS))), deps)
        assert analyze_stack(policy, changed) <= before, f"an unknown at {path} of resource {index} created a violation"
