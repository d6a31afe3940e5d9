"""The pack against what AWS Config sees after deployment: the cases in tests/programs/pack_cases (copied from
programs nobody here wrote, each with its expected verdicts in its comments) and every other shape found of
the same kinds, PASS / FAIL / SKIP, through the real analyzer protocol (Analyze on each resource and
AnalyzeStack on the stack). Fixtures are recorded from pulumi_aws constructors under mocks."""
from __future__ import annotations

import json
import runpy

import pulumi
import pulumi_aws as aws
import pytest

from .conftest import ROOT, configured, record

CASES = ROOT / "tests/programs/pack_cases"
READ, WRITE, TLS = "s3-bucket-public-read-prohibited", "s3-bucket-public-write-prohibited", "s3-bucket-ssl-requests-only"
PUBLIC_IP, VOLUMES, RDS, TRAIL = "ec2-instance-no-public-ip", "encrypted-volumes", "rds-storage-encrypted", \
    "multi-region-cloudtrail-enabled"
UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
UNKNOWN_BOOL = "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7"
AMI = "ami-0123456789abcdef0"


def judged(pack, registrations, *policies) -> list[tuple[str, str, str]]:
    """(policy, level, URN) of every diagnostic of these policies, from Analyze and AnalyzeStack, sorted."""
    from preflight.analyzer import LEVEL_NAMES
    out = [(d.policyName, LEVEL_NAMES[d.enforcementLevel], r.urn)
           for r in registrations for d in pack.analyze(r).diagnostics]
    out += [(d.policyName, LEVEL_NAMES[d.enforcementLevel], d.urn) for d in pack.analyze_stack(registrations).diagnostics]
    return sorted(v for v in out if not policies or v[0] in policies)


def urn(registrations, name: str) -> str:
    (found,) = [r.urn for r in registrations if r.name == name]
    return found


def case(number: str) -> list:
    return record(lambda: runpy.run_path(str(CASES / f"case_{number}.py")))


def expect(registrations, *rows) -> list[tuple[str, str, str]]:
    return sorted((policy, level, urn(registrations, name)) for policy, level, name in rows)


# ---- the six cases ----

def test_case_01_source_ip_ranges(pack):
    regs = case("01")
    assert judged(pack, regs, READ, WRITE) == expect(regs, (READ, "advisory", "half-internet"),
                                                     (READ, "mandatory", "whole-internet"))


def test_case_02_volume_from_snapshot(pack):
    regs = case("02")
    assert judged(pack, regs, VOLUMES) == expect(regs, (VOLUMES, "advisory", "restored"), (VOLUMES, "mandatory", "blank"))


def test_case_03_aurora_clusters_encrypted_by_aws(pack):
    assert judged(pack, case("03"), RDS) == []


def test_case_04_public_ip_from_subnet_or_elastic_ip(pack):
    regs = case("04")
    assert judged(pack, regs, PUBLIC_IP) == expect(regs, (PUBLIC_IP, "mandatory", "a-public-subnet"),
                                                   (PUBLIC_IP, "mandatory", "b-elastic-ip"))
    messages = {d.urn: d.message for d in pack.analyze_stack(regs).diagnostics if d.policyName == PUBLIC_IP}
    assert "The instance gets a public IPv4 address: the Elastic IP b-eip is associated with it." in \
        messages[urn(regs, "b-elastic-ip")]
    assert "The instance gets a public IPv4 address: subnet public has map_public_ip_on_launch on" in \
        messages[urn(regs, "a-public-subnet")]


def test_case_05_template_programs(pack):
    regs = case("05")
    assert judged(pack, regs, PUBLIC_IP) == expect(regs, (PUBLIC_IP, "mandatory", "web"),
                                                   (PUBLIC_IP, "mandatory", "private"))


def test_case_06_one_trail_satisfies_the_account(pack):
    assert judged(pack, case("06"), TRAIL) == []


# ---- ec2-instance-no-public-ip: every way an instance gets a public IPv4 ----

def instance(name, **kwargs):
    return aws.ec2.Instance(name, ami=AMI, instance_type="t3.micro", root_block_device={"encrypted": True}, **kwargs)


def test_subnet_shapes(pack):
    def program():
        vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16")
        public = aws.ec2.Subnet("public", vpc_id=vpc.id, cidr_block="10.0.1.0/24", map_public_ip_on_launch=True)
        private = aws.ec2.Subnet("private", vpc_id=vpc.id, cidr_block="10.0.2.0/24", map_public_ip_on_launch=False)
        default = aws.ec2.DefaultSubnet("default-a", availability_zone="us-east-1a")  # on by default
        closed = aws.ec2.DefaultSubnet("default-b", availability_zone="us-east-1b", map_public_ip_on_launch=False)
        instance("in-public", subnet_id=public.id)
        instance("in-public-opted-out", subnet_id=public.id, associate_public_ip_address=False)
        instance("in-private", subnet_id=private.id)
        instance("in-private-opted-in", subnet_id=private.id, associate_public_ip_address=True)
        instance("in-default-subnet", subnet_id=default.id)
        instance("in-closed-default-subnet", subnet_id=closed.id)
        instance("no-subnet")  # the default VPC: its default subnets assign public IPs unless changed
        eni = aws.ec2.NetworkInterface("existing-eni", subnet_id=public.id)
        instance("existing-nic", primary_network_interface={"network_interface_id": eni.id})  # never auto-assigned
    regs = record(program)
    assert judged(pack, regs, PUBLIC_IP) == expect(
        regs, (PUBLIC_IP, "mandatory", "in-public"), (PUBLIC_IP, "mandatory", "in-private-opted-in"),
        (PUBLIC_IP, "mandatory", "in-default-subnet"), (PUBLIC_IP, "advisory", "no-subnet"))


def test_elastic_ip_shapes(pack):
    def program():
        vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16")
        private = aws.ec2.Subnet("private", vpc_id=vpc.id, cidr_block="10.0.2.0/24")
        a = instance("eip-instance", subnet_id=private.id)
        aws.ec2.Eip("a-eip", domain="vpc", instance=a.id)
        b = instance("eip-association", subnet_id=private.id)
        b_eip = aws.ec2.Eip("b-eip", domain="vpc")  # allocated only: no finding of its own
        aws.ec2.EipAssociation("b-assoc", allocation_id=b_eip.allocation_id, instance_id=b.id)
        c = instance("eip-on-attached-nic", subnet_id=private.id)
        c_eni = aws.ec2.NetworkInterface("c-eni", subnet_id=private.id)
        aws.ec2.NetworkInterfaceAttachment("c-attach", instance_id=c.id, network_interface_id=c_eni.id, device_index=1)
        aws.ec2.Eip("c-eip", domain="vpc", network_interface=c_eni.id)
        d_eni = aws.ec2.NetworkInterface("d-eni", subnet_id=private.id)
        instance("eip-on-primary-nic", primary_network_interface={"network_interface_id": d_eni.id})
        d_eip = aws.ec2.Eip("d-eip", domain="vpc")
        aws.ec2.EipAssociation("d-assoc", allocation_id=d_eip.allocation_id, network_interface_id=d_eni.id)
        e = aws.ec2.NetworkInterface("e-eni", subnet_id=private.id)
        aws.ec2.Eip("e-eip", domain="vpc", network_interface=e.id)  # an interface of no instance of the stack
        aws.ec2.Eip("external-eip", domain="vpc", instance="i-0123456789abcdef0")  # an instance declared elsewhere
        f = instance("eip-on-nic-attachments", subnet_id=private.id)
        f_eni = aws.ec2.NetworkInterface("f-eni", subnet_id=private.id,
                                         attachments=[{"instance": f.id, "device_index": 1}])
        aws.ec2.Eip("f-eip", domain="vpc", network_interface=f_eni.id)
        instance("no-eip", subnet_id=private.id)
    regs = record(program)
    assert judged(pack, regs, PUBLIC_IP) == expect(
        regs, (PUBLIC_IP, "mandatory", "eip-instance"), (PUBLIC_IP, "mandatory", "eip-association"),
        (PUBLIC_IP, "mandatory", "eip-on-attached-nic"), (PUBLIC_IP, "mandatory", "eip-on-primary-nic"),
        (PUBLIC_IP, "mandatory", "eip-on-nic-attachments"), (PUBLIC_IP, "mandatory", "external-eip"))


def test_launch_template_shapes(pack):
    def program():
        vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16")
        public = aws.ec2.Subnet("public", vpc_id=vpc.id, cidr_block="10.0.1.0/24", map_public_ip_on_launch=True)
        on = aws.ec2.LaunchTemplate("lt-on", image_id=AMI, network_interfaces=[{"associate_public_ip_address": "true"}])
        off = aws.ec2.LaunchTemplate("lt-off", image_id=AMI,
                                     network_interfaces=[{"associate_public_ip_address": "false"}])
        aws.ec2.LaunchTemplate("lt-public-subnet", image_id=AMI, network_interfaces=[{"subnet_id": public.id}])
        plain = aws.ec2.LaunchTemplate("lt-plain", image_id=AMI)
        instance("from-lt-on", launch_template={"id": on.id})
        instance("from-lt-off-in-public", launch_template={"id": off.id}, subnet_id=public.id)
        instance("from-lt-plain-in-public", launch_template={"id": plain.id}, subnet_id=public.id)
        instance("from-external-lt", launch_template={"id": "lt-0123456789abcdef0"})  # the template decides
    regs = record(program)
    assert judged(pack, regs, PUBLIC_IP) == expect(
        regs, (PUBLIC_IP, "mandatory", "lt-on"), (PUBLIC_IP, "mandatory", "from-lt-on"),
        (PUBLIC_IP, "mandatory", "lt-public-subnet"), (PUBLIC_IP, "mandatory", "from-lt-plain-in-public"))


def test_launch_configuration_and_autoscaling_group(pack):
    def program():
        vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16")
        public = aws.ec2.Subnet("public", vpc_id=vpc.id, cidr_block="10.0.1.0/24", map_public_ip_on_launch=True)
        private = aws.ec2.Subnet("private", vpc_id=vpc.id, cidr_block="10.0.2.0/24")
        aws.ec2.LaunchConfiguration("lc-public", image_id=AMI, instance_type="t3.micro",
                                    associate_public_ip_address=True, root_block_device={"encrypted": True})
        unset = aws.ec2.LaunchConfiguration("lc-unset", image_id=AMI, instance_type="t3.micro",
                                            root_block_device={"encrypted": True})
        aws.autoscaling.Group("asg-public", launch_configuration=unset.id, min_size=1, max_size=1,
                              vpc_zone_identifiers=[public.id])
        aws.autoscaling.Group("asg-private", launch_configuration=unset.id, min_size=1, max_size=1,
                              vpc_zone_identifiers=[private.id])
    regs = record(program)
    assert judged(pack, regs, PUBLIC_IP) == expect(regs, (PUBLIC_IP, "mandatory", "lc-public"),
                                                   (PUBLIC_IP, "mandatory", "asg-public"))


def test_autoscaling_group_with_launch_template(pack):
    def program():
        vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16")
        public = aws.ec2.Subnet("public", vpc_id=vpc.id, cidr_block="10.0.1.0/24", map_public_ip_on_launch=True)
        plain = aws.ec2.LaunchTemplate("lt-plain", image_id=AMI, instance_type="t3.micro")
        off = aws.ec2.LaunchTemplate("lt-off", image_id=AMI, instance_type="t3.micro",
                                     network_interfaces=[{"device_index": 0, "associate_public_ip_address": "false"}])
        aws.autoscaling.Group("asg-plain-public", launch_template={"id": plain.id, "version": "$Latest"},
                              min_size=1, max_size=1, vpc_zone_identifiers=[public.id])
        aws.autoscaling.Group("asg-off-public", launch_template={"id": off.id, "version": "$Latest"},
                              min_size=1, max_size=1, vpc_zone_identifiers=[public.id])
        aws.autoscaling.Group("asg-external-template", launch_template={"name": "made-elsewhere"},
                              min_size=1, max_size=1, vpc_zone_identifiers=[public.id])
    regs = record(program)
    assert judged(pack, regs, PUBLIC_IP) == expect(regs, (PUBLIC_IP, "mandatory", "asg-plain-public"))


def test_spot_instance_request(pack):
    def program():
        vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16")
        public = aws.ec2.Subnet("public", vpc_id=vpc.id, cidr_block="10.0.1.0/24", map_public_ip_on_launch=True)
        aws.ec2.SpotInstanceRequest("spot-public", ami=AMI, instance_type="t3.micro", subnet_id=public.id,
                                    root_block_device={"encrypted": True},
                                    ebs_block_devices=[{"device_name": "/dev/sdf", "volume_size": 10}])
        aws.ec2.SpotInstanceRequest("spot-private", ami=AMI, instance_type="t3.micro", subnet_id=public.id,
                                    associate_public_ip_address=False, root_block_device={"encrypted": True})
    regs = record(program)
    assert judged(pack, regs, PUBLIC_IP, VOLUMES) == expect(regs, (PUBLIC_IP, "mandatory", "spot-public"),
                                                            (VOLUMES, "mandatory", "spot-public"))


def test_skip_what_the_stack_cannot_know(pack):
    def program():
        vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16")
        later = aws.ec2.Subnet("later", vpc_id=vpc.id, cidr_block="10.0.3.0/24", map_public_ip_on_launch=True)
        instance("external-subnet", subnet_id="subnet-0123456789abcdef0")
        instance("unknown-flag", subnet_id=later.id)
        instance("unknown-subnet", subnet_id="subnet-placeholder")
    regs = record(program)
    for r in regs:
        if r.name == "later":
            r.inputs["mapPublicIpOnLaunch"] = UNKNOWN_BOOL
        if r.name == "unknown-subnet":
            r.inputs["subnetId"] = UNKNOWN_STRING
    assert judged(pack, regs, PUBLIC_IP) == []


# ---- encrypted-volumes: launch configurations, snapshots, encryption by default ----

def test_launch_configuration_volumes(pack):
    def program():
        aws.ec2.LaunchConfiguration("lc-blank-data", image_id=AMI, instance_type="t3.micro",
                                    root_block_device={"encrypted": True},
                                    ebs_block_devices=[{"device_name": "/dev/sdf", "volume_size": 10}])
        aws.ec2.LaunchConfiguration("lc-snapshot-data", image_id=AMI, instance_type="t3.micro",
                                    root_block_device={"encrypted": True},
                                    ebs_block_devices=[{"device_name": "/dev/sdf", "snapshot_id": "snap-0123"}])
        aws.ec2.LaunchConfiguration("lc-root-from-ami", image_id=AMI, instance_type="t3.micro")
        aws.ec2.LaunchConfiguration("lc-encrypted", image_id=AMI, instance_type="t3.micro",
                                    root_block_device={"encrypted": True},
                                    ebs_block_devices=[{"device_name": "/dev/sdf", "encrypted": True}])
    regs = record(program)
    assert judged(pack, regs, VOLUMES) == expect(regs, (VOLUMES, "mandatory", "lc-blank-data"),
                                                 (VOLUMES, "advisory", "lc-snapshot-data"),
                                                 (VOLUMES, "advisory", "lc-root-from-ami"))


def test_snapshot_volumes_with_encryption_by_default_pass(pack):
    def program():
        aws.ebs.EncryptionByDefault("default", enabled=True)
        host = instance("host")
        restored = aws.ebs.Volume("restored", availability_zone="us-east-1a", snapshot_id="snap-0123")
        aws.ec2.VolumeAttachment("restored-attach", device_name="/dev/sdf", volume_id=restored.id, instance_id=host.id)
        encrypted = aws.ebs.Volume("restored-encrypted", availability_zone="us-east-1a", snapshot_id="snap-0123",
                                   encrypted=True)
        aws.ec2.VolumeAttachment("encrypted-attach", device_name="/dev/sdg", volume_id=encrypted.id,
                                 instance_id=host.id)
    assert judged(pack, record(program), VOLUMES) == []


def test_snapshot_volume_without_default_and_with_known_encryption(pack):
    def program():
        host = instance("host", subnet_id="subnet-0123456789abcdef0")
        restored = aws.ebs.Volume("restored-encrypted", availability_zone="us-east-1a", snapshot_id="snap-0123",
                                  encrypted=True)
        aws.ec2.VolumeAttachment("attach", device_name="/dev/sdf", volume_id=restored.id, instance_id=host.id)
        spare = aws.ebs.Volume("restored-spare", availability_zone="us-east-1a", snapshot_id="snap-0123")
        del spare  # not attached: Config judges attached volumes only
    assert judged(pack, record(program), VOLUMES) == []


# ---- S3: every way a policy grants to everyone, and what restricts it ----

def bucket_with(condition=None, principal="*", actions="s3:GetObject"):
    def program():
        b = aws.s3.Bucket("site")
        statement = {"Sid": "Read", "Effect": "Allow", "Principal": principal, "Action": actions,
                     "Resource": pulumi.Output.concat(b.arn, "/*")}
        if condition is not None:
            statement["Condition"] = condition
        aws.s3.BucketPolicy("site-policy", bucket=b.id, policy=pulumi.Output.json_dumps(
            {"Version": "2012-10-17", "Statement": [statement]}))
    return record(program)


@pytest.mark.parametrize("condition, principal, level", [
    # aws:SourceIp: the whole internet is public; a range wider than IPv4 /8 or IPv6 /32 is advisory
    ({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}, "*", "mandatory"),
    ({"IpAddress": {"aws:SourceIp": "::/0"}}, "*", "mandatory"),
    ({"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "0.0.0.0/0"]}}, "*", "mandatory"),
    ({"IpAddress": {"aws:SourceIp": "0.0.0.0/1"}}, "*", "advisory"),
    ({"IpAddress": {"aws:SourceIp": "128.0.0.0/2"}}, "*", "advisory"),
    ({"IpAddress": {"aws:SourceIp": "::/1"}}, "*", "advisory"),
    ({"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2000::/3"]}}, "*", "advisory"),
    ({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, "*", None),
    ({"IpAddress": {"aws:SourceIp": "2001:db8::/32"}}, "*", None),
    ({"IpAddress": {"aws:SourceIp": "203.0.113.7"}}, "*", None),
    ({"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, "*", "mandatory"),
    ({"IpAddressIfExists": {"aws:SourceIp": "203.0.113.0/24"}}, "*", "mandatory"),
    # a broad range ANDed with a fixed key is restricted by the fixed key
    ({"IpAddress": {"aws:SourceIp": "0.0.0.0/1"}, "StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}, "*", None),
    # operators: only positive matching ones with fixed values restrict
    ({"Null": {"aws:SourceVpce": "false"}}, "*", "mandatory"),
    ({"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1a2b3c4d"}}, "*", "mandatory"),
    ({"ForAllValues:StringEquals": {"aws:PrincipalOrgID": "o-abc1234567"}}, "*", "mandatory"),
    ({"ForAnyValue:StringEquals": {"aws:PrincipalOrgID": "o-abc1234567"}}, "*", None),
    ({"StringLike": {"aws:SourceVpc": "vpc-91237329"}}, "*", None),
    ({"StringLike": {"aws:SourceVpc": "vpc-*"}}, "*", "mandatory"),
    ({"ArnEquals": {"aws:SourceArn": "arn:aws:cloudfront::123456789012:distribution/E1"}}, "*", None),
    ({"StringEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "arn:aws:kms:us-east-1:1:key/k"}}, "*", None),
    ({"StringEquals": {"aws:userid": "AROAEXAMPLEID:*"}}, "*", "mandatory"),
    ({"StringEquals": {"aws:userid": "AIDAEXAMPLEID"}}, "*", None),
    ({"StringLike": {"s3:DataAccessPointArn": "arn:aws:s3:us-east-1:123456789012:accesspoint/*"}}, "*", None),
    ({"StringLike": {"s3:DataAccessPointArn": "arn:aws:s3:us-east-1:*:accesspoint/*"}}, "*", "mandatory"),
    ({"Bool": {"aws:SecureTransport": "true"}}, "*", "mandatory"),
    # principals: anything but fixed ones is public
    (None, {"AWS": "arn:aws:iam::*:root"}, "mandatory"),
    (None, {"Federated": "graph.facebook.com"}, "mandatory"),
    (None, {"AWS": ["arn:aws:iam::210987654321:root", "*"]}, "mandatory"),
    (None, {"Service": "cloudfront.amazonaws.com"}, None),
    (None, {"AWS": "210987654321"}, None),
])
def test_statement_publicness(pack, condition, principal, level):
    regs = bucket_with(condition, principal)
    expected = [(READ, level, urn(regs, "site"))] if level else []
    assert judged(pack, regs, READ, WRITE) == expected


def test_not_principal_allow_is_public(pack):
    def program():
        b = aws.s3.Bucket("site")
        aws.s3.BucketPolicy("site-policy", bucket=b.id, policy=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::210987654321:root"}, "Action": "s3:PutObject",
             "Resource": "arn:aws:s3:::site/*"}]}))
    regs = record(program)
    assert judged(pack, regs, READ, WRITE) == [(WRITE, "mandatory", urn(regs, "site"))]


def test_broad_range_advisory_is_lifted_by_a_public_access_block(pack):
    def program():
        b = aws.s3.Bucket("half")
        aws.s3.BucketPolicy("half-policy", bucket=b.id, policy=pulumi.Output.json_dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                                                    "Resource": pulumi.Output.concat(b.arn, "/*"),
                                                    "Condition": {"IpAddress": {"aws:SourceIp": "0.0.0.0/1"}}}]}))
        aws.s3.BucketPublicAccessBlock("half-pab", bucket=b.id, block_public_policy=True, restrict_public_buckets=True)
    assert judged(pack, record(program), READ, WRITE) == []


# ---- rds-storage-encrypted: what AWS encrypts by itself ----

def test_aurora_defaults(pack):
    def program():
        common = dict(master_username="dbadmin", master_password="not-a-real-password-0", skip_final_snapshot=True)
        aws.rds.Cluster("aurora-unset", engine="aurora-mysql", **common)
        aws.rds.Cluster("aurora-false", engine="aurora-postgresql", storage_encrypted=False, **common)
        aws.rds.Cluster("sls-v1-false", engine="aurora-postgresql", engine_mode="serverless", storage_encrypted=False,
                        **common)
        aws.rds.Cluster("multi-az-unset", engine="postgres", db_cluster_instance_class="db.m6gd.large",
                        allocated_storage=100, iops=1000, storage_type="io1", **common)
        aws.rds.Instance("db-unset", instance_class="db.t3.micro", engine="postgres", allocated_storage=20,
                         username="dbadmin", password="not-a-real-password-0")
        aws.rds.Instance("db-from-snapshot", instance_class="db.t3.micro", snapshot_identifier="snap-db")
    regs = record(program)
    assert judged(pack, regs, RDS) == expect(regs, (RDS, "advisory", "aurora-false"),
                                             (RDS, "mandatory", "multi-az-unset"), (RDS, "mandatory", "db-unset"))


def test_aurora_default_key_is_not_the_required_key(pack):
    regs = record(lambda: aws.rds.Cluster("aurora-unset", engine="aurora-mysql", master_username="dbadmin",
                                          master_password="not-a-real-password-0"))
    with configured(pack, {RDS: {"kmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/mine"}}):
        assert judged(pack, regs, RDS) == [(RDS, "mandatory", urn(regs, "aurora-unset"))]


def test_aurora_or_not_unknown_is_skipped(pack):
    regs = record(lambda: aws.rds.Cluster("later", engine="aurora-mysql", master_username="dbadmin",
                                          master_password="not-a-real-password-0"))
    (cluster,) = [r for r in regs if r.name == "later"]
    cluster.inputs["engine"] = UNKNOWN_STRING
    assert judged(pack, regs, RDS) == []


# ---- multi-region-cloudtrail-enabled: the account, not each trail ----

COMMON_TRAIL = dict(s3_bucket_name="example-trail-bucket", enable_log_file_validation=True,
                    kms_key_id="arn:aws:kms:us-east-1:111122223333:key/k")


def test_no_trail_satisfies_gives_one_advisory_finding(pack):
    def program():
        aws.cloudtrail.Trail("a-one-region", is_multi_region_trail=False, **COMMON_TRAIL)
        aws.cloudtrail.Trail("b-write-only", is_multi_region_trail=True, event_selectors=[
            {"read_write_type": "WriteOnly", "include_management_events": True}], **COMMON_TRAIL)
        aws.cloudtrail.Trail("c-not-logging", is_multi_region_trail=True, enable_logging=False, **COMMON_TRAIL)
    regs = record(program)
    assert judged(pack, regs, TRAIL) == [(TRAIL, "advisory", urn(regs, "a-one-region"))]
    (diagnostic,) = [d for d in pack.analyze_stack(regs).diagnostics if d.policyName == TRAIL]
    for gap in ("a-one-region: isMultiRegionTrail is not true", "b-write-only: eventSelectors",
                "c-not-logging: enableLogging is false"):
        assert gap in diagnostic.message


def test_a_trail_whose_selectors_are_unknown_may_satisfy(pack):
    def program():
        aws.cloudtrail.Trail("one-region", is_multi_region_trail=False, **COMMON_TRAIL)
        aws.cloudtrail.Trail("later", is_multi_region_trail=True, **COMMON_TRAIL)
    regs = record(program)
    for r in regs:
        if r.name == "later":
            r.inputs["eventSelectors"] = "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2"
    assert judged(pack, regs, TRAIL) == []


def test_no_trail_in_the_stack_says_nothing(pack):
    assert judged(pack, record(lambda: aws.s3.Bucket("b")), TRAIL) == []


# ---- the shared index gives what the SDK's own servicer gives ----

def test_shared_index_agrees_with_the_sdk_servicer():
    """AnalyzeStack through ``serving.TypeFilteringServicer`` (one index for all stack policies) and through
    the SDK's plain servicer (each policy deserializes the stack itself) report the same findings."""
    from google.protobuf import struct_pb2
    from pulumi.runtime.proto import analyzer_pb2
    from pulumi_policy import EnforcementLevel
    from pulumi_policy.policy import _PolicyAnalyzerServicer

    from audit_pack.pack import build_policies
    from audit_pack.serving import TypeFilteringServicer

    regs = [r for n in ("01", "02", "04", "05", "06") for r in case(n)]

    def struct(bag):
        message = struct_pb2.Struct()
        message.update(bag)
        return message

    request = analyzer_pb2.AnalyzeStackRequest(resources=[analyzer_pb2.AnalyzerResource(
        type=r.type, properties=struct(r.inputs), urn=r.urn, name=r.name, parent=r.parent or "",
        options=analyzer_pb2.AnalyzerResourceOptions(),
        propertyDependencies={k: analyzer_pb2.AnalyzerPropertyDependencies(urns=v)
                              for k, v in r.property_dependencies.items()}) for r in regs])
    policies = build_policies()
    ours = TypeFilteringServicer("p", "0.1.0", policies, EnforcementLevel.ADVISORY).AnalyzeStack(request, None)
    sdk = _PolicyAnalyzerServicer("p", "0.1.0", policies, EnforcementLevel.ADVISORY).AnalyzeStack(request, None)
    assert sorted((d.policyName, d.urn, d.message) for d in ours.diagnostics) == \
        sorted((d.policyName, d.urn, d.message) for d in sdk.diagnostics)
    assert {d.policyName for d in ours.diagnostics} == {READ, TLS, VOLUMES, PUBLIC_IP}


def test_gate_report_shows_a_policy_with_mixed_levels_under_its_strongest():
    """Case 01 gives one policy a mandatory and an advisory finding: the gate's text report heads the policy
    with the strongest level, lists the mandatory finding first, and the advisory one says it is advisory."""
    from preflight.plan import judge
    from preflight.report import to_text

    document = judge(case("01"), "test", ROOT / "policies", {})
    lines = to_text(document).splitlines()
    at = lines.index("[mandatory, critical] s3-bucket-public-read-prohibited: S3 buckets do not allow public read "
                     "access through their policy or ACL.")
    assert lines[at + 1].startswith("  - aws:s3/bucket:Bucket whole-internet: bucket policy statement(s) ReadFromRange "
                                    "allow public read access")
    assert lines[at + 2].startswith("  - aws:s3/bucket:Bucket half-internet: Advisory: bucket policy statement(s) "
                                    "ReadFromRange allow read access to everyone within a very wide aws:SourceIp range")
    assert document["summary"]["mandatory"] == 1
