"""EC2 / VPC / EBS / RDS / KMS / IAM rules through the analyzer protocol, per shape."""
from __future__ import annotations

import pulumi_aws as aws
import pytest

from .conftest import all_verdicts, configured, record

SSH, PORTS, PUBLIC_IP, VOLUMES = "restricted-ssh", "restricted-common-ports", "ec2-instance-no-public-ip", \
    "encrypted-volumes"
UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
UNKNOWN_NUMBER = "3eeb2bf0-c639-47a8-9e75-3b44932eb421"


def only(results, *policies):
    return [v for v in results if v[0] in policies]


def ingress(protocol, from_port, to_port, cidrs=(), ipv6=()):
    return aws.ec2.SecurityGroupIngressArgs(protocol=protocol, from_port=from_port, to_port=to_port,
                                            cidr_blocks=list(cidrs) or None, ipv6_cidr_blocks=list(ipv6) or None)


# ---- restricted-ssh and restricted-common-ports, three shapes ----

@pytest.mark.parametrize("rule, expected", [
    (ingress("tcp", 22, 22, ["0.0.0.0/0"]), [(SSH, "mandatory", "sg")]),
    (ingress("tcp", 22, 22, ipv6=["::/0"]), [(SSH, "mandatory", "sg")]),
    (ingress("tcp", 0, 1024, ["0.0.0.0/0"]), [(PORTS, "mandatory", "sg"), (SSH, "mandatory", "sg")]),
    (ingress("-1", 0, 0, ["0.0.0.0/0"]), [(PORTS, "mandatory", "sg"), (SSH, "mandatory", "sg")]),
    (ingress("all", 0, 0, ["0.0.0.0/0"]), [(PORTS, "mandatory", "sg"), (SSH, "mandatory", "sg")]),
    (ingress("6", 3389, 3389, ["0.0.0.0/0"]), [(PORTS, "mandatory", "sg")]),
    (ingress("tcp", 22, 22, ["10.0.0.0/8"]), []),
    (ingress("udp", 22, 22, ["0.0.0.0/0"]), []),
    (ingress("tcp", 443, 443, ["0.0.0.0/0"], ["::/0"]), []),
    (ingress("tcp", 23, 1024, ["0.0.0.0/0"]), []),
])
def test_inline_ingress(pack, rule, expected):
    registrations = record(lambda: aws.ec2.SecurityGroup("sg", ingress=[rule]))
    assert only(all_verdicts(pack, registrations), SSH, PORTS) == expected


def test_security_group_rule_resource(pack):
    def program():
        sg = aws.ec2.SecurityGroup("sg")
        aws.ec2.SecurityGroupRule("ssh-world", type="ingress", protocol="tcp", from_port=22, to_port=22,
                                  cidr_blocks=["0.0.0.0/0"], security_group_id=sg.id)
        aws.ec2.SecurityGroupRule("egress-world", type="egress", protocol="-1", from_port=0, to_port=0,
                                  cidr_blocks=["0.0.0.0/0"], security_group_id=sg.id)
        aws.ec2.SecurityGroupRule("mysql-office", type="ingress", protocol="tcp", from_port=3306, to_port=3306,
                                  cidr_blocks=["203.0.113.0/24"], security_group_id=sg.id)
    assert only(all_verdicts(pack, record(program)), SSH, PORTS) == [(SSH, "mandatory", "ssh-world")]


def test_vpc_ingress_rule_resource(pack):
    def program():
        sg = aws.ec2.SecurityGroup("sg")
        aws.vpc.SecurityGroupIngressRule("rdp-v6", security_group_id=sg.id, ip_protocol="tcp", from_port=3389,
                                         to_port=3389, cidr_ipv6="::/0")
        aws.vpc.SecurityGroupIngressRule("all-v4", security_group_id=sg.id, ip_protocol="-1", cidr_ipv4="0.0.0.0/0")
        aws.vpc.SecurityGroupIngressRule("https", security_group_id=sg.id, ip_protocol="tcp", from_port=443,
                                         to_port=443, cidr_ipv4="0.0.0.0/0")
    assert only(all_verdicts(pack, record(program)), SSH, PORTS) == [
        (PORTS, "mandatory", "all-v4"), (PORTS, "mandatory", "rdp-v6"), (SSH, "mandatory", "all-v4")]


def test_blocked_ports_from_policy_config(pack):
    registrations = record(lambda: aws.ec2.SecurityGroup("sg", ingress=[ingress("tcp", 8080, 8080, ["0.0.0.0/0"])]))
    assert only(all_verdicts(pack, registrations), PORTS) == []
    with configured(pack, {PORTS: {"blockedPorts": [8080]}}):
        assert only(all_verdicts(pack, registrations), PORTS) == [(PORTS, "mandatory", "sg")]


def test_skip_unknown_ports_and_cidrs(pack):
    registrations = record(lambda: aws.ec2.SecurityGroup("sg", ingress=[ingress("tcp", 22, 22, ["0.0.0.0/0"])]))
    (sg,) = [r for r in registrations if r.name == "sg"]
    sg.inputs["ingress"][0]["fromPort"] = UNKNOWN_NUMBER
    assert only(all_verdicts(pack, registrations), SSH, PORTS) == []
    sg.inputs["ingress"][0]["fromPort"] = 22
    sg.inputs["ingress"][0]["cidrBlocks"] = [UNKNOWN_STRING]
    assert only(all_verdicts(pack, registrations), SSH, PORTS) == []


def test_exemption_by_name_with_reason(pack):
    registrations = record(lambda: aws.ec2.SecurityGroup("bastion", ingress=[ingress("tcp", 22, 22, ["0.0.0.0/0"])]))
    with configured(pack, {SSH: {"exemptions": [{"name": "bastion*", "reason": "break-glass bastion, MFA"}]}}):
        assert only(all_verdicts(pack, registrations), SSH) == []
    assert only(all_verdicts(pack, registrations), SSH) == [(SSH, "mandatory", "bastion")]


def test_exemption_by_tag(pack):
    registrations = record(lambda: aws.ec2.SecurityGroup(
        "tagged", tags={"exposure": "public"}, ingress=[ingress("tcp", 22, 22, ["0.0.0.0/0"])]))
    with configured(pack, {SSH: {"exemptions": [{"tag": {"key": "exposure", "value": "public"},
                                                 "reason": "honeypot"}]}}):
        assert only(all_verdicts(pack, registrations), SSH) == []


# ---- ec2-instance-no-public-ip ----

def test_instances_and_launch_templates(pack):
    def program():
        aws.ec2.Instance("public", ami="ami-123", instance_type="t3.micro", associate_public_ip_address=True,
                         root_block_device={"encrypted": True})
        aws.ec2.Instance("private", ami="ami-123", instance_type="t3.micro", associate_public_ip_address=False,
                         root_block_device={"encrypted": True})
        aws.ec2.LaunchTemplate("lt-public", network_interfaces=[{"associate_public_ip_address": "true"}])
        aws.ec2.LaunchTemplate("lt-private", network_interfaces=[{"associate_public_ip_address": "false"}])
    assert only(all_verdicts(pack, record(program)), PUBLIC_IP) == [(PUBLIC_IP, "mandatory", "lt-public"),
                                                                    (PUBLIC_IP, "mandatory", "public")]


# ---- encrypted-volumes ----

def test_instance_block_devices(pack):
    """A blank EBS device without encryption is unencrypted (mandatory); a root volume is created from the
    AMI's snapshot, whose encryption the stack cannot see (advisory)."""
    def program():
        aws.ec2.Instance("plain-root", ami="ami-1", instance_type="t3.micro")
        aws.ec2.Instance("root-false", ami="ami-1", instance_type="t3.micro", root_block_device={"encrypted": False})
        aws.ec2.Instance("encrypted", ami="ami-1", instance_type="t3.micro", root_block_device={"encrypted": True},
                         ebs_block_devices=[{"device_name": "/dev/sdf", "encrypted": True}])
        aws.ec2.Instance("data-plain", ami="ami-1", instance_type="t3.micro", root_block_device={"encrypted": True},
                         ebs_block_devices=[{"device_name": "/dev/sdf", "encrypted": False}])
        aws.ec2.Instance("data-unset", ami="ami-1", instance_type="t3.micro", root_block_device={"encrypted": True},
                         ebs_block_devices=[{"device_name": "/dev/sdf", "volume_size": 8}])
        aws.ec2.Instance("data-from-snapshot", ami="ami-1", instance_type="t3.micro",
                         root_block_device={"encrypted": True},
                         ebs_block_devices=[{"device_name": "/dev/sdf", "snapshot_id": "snap-0123456789abcdef0"}])
        aws.ec2.Instance("from-template", instance_type="t3.micro", launch_template={"id": "lt-0123456789abcdef0"})
    assert only(all_verdicts(pack, record(program)), VOLUMES) == [
        (VOLUMES, "advisory", "data-from-snapshot"), (VOLUMES, "advisory", "plain-root"),
        (VOLUMES, "advisory", "root-false"), (VOLUMES, "mandatory", "data-plain"),
        (VOLUMES, "mandatory", "data-unset")]


def test_volumes_only_when_attached(pack):
    def program():
        instance = aws.ec2.Instance("host", ami="ami-1", instance_type="t3.micro", root_block_device={"encrypted": True})
        attached = aws.ebs.Volume("attached", availability_zone="us-east-1a", size=10)
        aws.ebs.Volume("spare", availability_zone="us-east-1a", size=10)
        aws.ebs.Volume("good", availability_zone="us-east-1a", size=10, encrypted=True)
        aws.ec2.VolumeAttachment("attach", device_name="/dev/sdh", volume_id=attached.id, instance_id=instance.id)
    assert only(all_verdicts(pack, record(program)), VOLUMES) == [(VOLUMES, "mandatory", "attached")]


def test_launch_template_block_devices(pack):
    """A mapping on the AMI's root device name overrides the root volume (from the AMI's snapshot: advisory);
    another device without a snapshot is a blank volume (mandatory); one with a snapshot is advisory."""
    def program():
        aws.ec2.LaunchTemplate("lt-root", block_device_mappings=[
            {"device_name": "/dev/xvda", "ebs": {"volume_size": 20, "encrypted": "false"}}])
        aws.ec2.LaunchTemplate("lt-data", block_device_mappings=[
            {"device_name": "/dev/sdf", "ebs": {"volume_size": 20, "encrypted": "false"}}])
        aws.ec2.LaunchTemplate("lt-snapshot", block_device_mappings=[
            {"device_name": "/dev/sdg", "ebs": {"snapshot_id": "snap-0123456789abcdef0"}}])
        aws.ec2.LaunchTemplate("lt-encrypted", block_device_mappings=[
            {"device_name": "/dev/sdf", "ebs": {"volume_size": 20, "encrypted": "true"}}])
    assert only(all_verdicts(pack, record(program)), VOLUMES) == [
        (VOLUMES, "advisory", "lt-root"), (VOLUMES, "advisory", "lt-snapshot"), (VOLUMES, "mandatory", "lt-data")]


def test_ebs_encryption_by_default_makes_unset_devices_compliant(pack):
    def program():
        aws.ebs.EncryptionByDefault("default", enabled=True)
        aws.ec2.Instance("plain-root", ami="ami-1", instance_type="t3.micro")
    assert only(all_verdicts(pack, record(program)), VOLUMES, "ec2-ebs-encryption-by-default") == []
    registrations = record(lambda: aws.ec2.Instance("plain-root", ami="ami-1", instance_type="t3.micro"))
    with configured(pack, {VOLUMES: {"ebsEncryptionByDefault": True}}):
        assert only(all_verdicts(pack, registrations), VOLUMES) == []


def test_required_kms_key(pack):
    registrations = record(lambda: aws.ec2.Instance("other-key", ami="ami-1", instance_type="t3.micro",
                                                    root_block_device={"encrypted": True, "kms_key_id": "arn:k/other"}))
    with configured(pack, {VOLUMES: {"kmsId": "arn:k/mine"}}):
        assert only(all_verdicts(pack, registrations), VOLUMES) == [(VOLUMES, "mandatory", "other-key")]


def test_ebs_default_disabled_is_advisory(pack):
    assert only(all_verdicts(pack, record(lambda: aws.ebs.EncryptionByDefault("off", enabled=False))),
                "ec2-ebs-encryption-by-default") == [("ec2-ebs-encryption-by-default", "advisory", "off")]


# ---- RDS ----

def test_rds_instances_and_clusters(pack):
    def program():
        aws.rds.Instance("plain-db", instance_class="db.t3.micro", engine="postgres", allocated_storage=20)
        aws.rds.Instance("encrypted-db", instance_class="db.t3.micro", engine="postgres", allocated_storage=20,
                         storage_encrypted=True)
        aws.rds.Instance("replica", instance_class="db.t3.micro", replicate_source_db="arn:aws:rds:db:source")
        aws.rds.ClusterInstance("aurora-member", instance_class="db.r6g.large", engine="aurora-postgresql",
                                cluster_identifier="c1")  # judged through its cluster
        aws.rds.Cluster("plain-cluster", engine="mysql", db_cluster_instance_class="db.m6gd.large",
                        allocated_storage=100, iops=1000, storage_type="io1", master_username="u",
                        master_password="p1234567")  # a Multi-AZ DB cluster: RDS, not Aurora
        aws.rds.Cluster("encrypted-cluster", engine="aurora-postgresql", storage_encrypted=True,
                        master_username="u", master_password="p1234567")
    assert only(all_verdicts(pack, record(program)), "rds-storage-encrypted") == [
        ("rds-storage-encrypted", "mandatory", "plain-cluster"), ("rds-storage-encrypted", "mandatory", "plain-db")]


# ---- KMS, IAM, default SG, flow logs (advisory) ----

def test_key_rotation(pack):
    def program():
        aws.kms.Key("no-rotation")
        aws.kms.Key("rotating", enable_key_rotation=True)
        aws.kms.Key("signing", customer_master_key_spec="RSA_2048", key_usage="SIGN_VERIFY")
    assert only(all_verdicts(pack, record(program)), "cmk-backing-key-rotation-enabled") == [
        ("cmk-backing-key-rotation-enabled", "advisory", "no-rotation")]


def test_password_policy(pack):
    def program():
        aws.iam.AccountPasswordPolicy("weak", minimum_password_length=8, require_symbols=True,
                                      require_numbers=True, require_uppercase_characters=True,
                                      require_lowercase_characters=True, password_reuse_prevention=24,
                                      max_password_age=90)
    results = record(program)
    assert only(all_verdicts(pack, results), "iam-password-policy") == [("iam-password-policy", "advisory", "weak")]
    (weak,) = [r for r in results if r.name == "weak"]
    message = {d.policyName: d.message for d in pack.analyze(weak).diagnostics}["iam-password-policy"]
    assert message.endswith("minimumPasswordLength is 8 (expected at least 14).")


def test_default_security_group_and_flow_logs(pack):
    def program():
        logged = aws.ec2.Vpc("logged", cidr_block="10.0.0.0/16")
        aws.ec2.FlowLog("logged-flow", vpc_id=logged.id, traffic_type="REJECT", log_destination_type="s3",
                        log_destination="arn:aws:s3:::flow-logs")
        dark = aws.ec2.Vpc("dark", cidr_block="10.1.0.0/16")
        aws.ec2.DefaultSecurityGroup("dark-default", vpc_id=dark.id,
                                     ingress=[{"protocol": "-1", "self": True, "from_port": 0, "to_port": 0}])
        aws.ec2.DefaultSecurityGroup("logged-default", vpc_id=logged.id)
    assert only(all_verdicts(pack, record(program)), "vpc-flow-logs-enabled", "vpc-default-security-group-closed") == [
        ("vpc-default-security-group-closed", "advisory", "dark-default"), ("vpc-flow-logs-enabled", "advisory", "dark")]
