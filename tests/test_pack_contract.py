"""The pack as a product: parity with the catalog, metadata over the protocol, its configuration,
deploy-time remediation through Remediate, the gate on the lab stack, and its generated README."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Literal, Optional

import pulumi_aws as aws
import pytest
from pydantic import BaseModel, ConfigDict, Field, field_validator

from audit_pack import catalog
from audit_pack.remediations import S3_PUBLIC_ACCESS
from preflight.analyzer import LEVEL_NAMES, SEVERITY_NAMES, effective_config
from preflight.plan import judge
from preflight.runner import Project, run_program

from .conftest import ROOT, configured, record

# ---- the catalog, checked by a model ----

CONTROL = re.compile(r"^(CIS AWS Foundations v5\.0\.0 \d+(\.\d+)*|NIST 800-53 rev5 [A-Z]{2}-\d+(\(\d+\))?)$")


class Remediation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    document: str = Field(pattern=r"^AWS(ConfigRemediation)?-[A-Za-z0-9]+$")
    parameters: dict[str, str]
    automatic: bool
    permissions: list[str] = Field(min_length=1)
    deploy_time: Optional[str] = None

    @field_validator("permissions")
    @classmethod
    def iam_actions(cls, value):
        assert all(re.fullmatch(r"[a-z0-9]+:[A-Za-z]+", a) for a in value), value
        return value


class Mirror(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["resource", "stack", "none"]
    enforcement: Optional[Literal["mandatory", "advisory"]] = None
    reason: Optional[str] = Field(default=None, min_length=20)


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    identifier: str = Field(pattern=r"^[A-Z0-9]+(_[A-Z0-9]+)*$")
    description: str = Field(min_length=10)
    resource_types: list[str]
    parameters: dict[str, str]
    trigger: dict
    placement: Literal["every-region", "home-region"]
    severity: Literal["low", "medium", "high", "critical"]
    controls: list[str]
    baseline: bool
    remediation: Optional[Remediation]
    mirror: Mirror
    remediation_steps: str = Field(min_length=10)
    url: str = Field(pattern=r"^https://docs\.aws\.amazon\.com/config/latest/developerguide/[a-z0-9-]+\.html$")


@pytest.mark.parametrize("entry", catalog.RULES, ids=[r["name"] for r in catalog.RULES])
def test_catalog_entry_is_valid(entry):
    rule = Rule(**entry)
    assert all(CONTROL.match(c) for c in rule.controls), rule.controls
    assert all(re.fullmatch(r"AWS::[A-Za-z0-9]+::[A-Za-z0-9]+", t) for t in rule.resource_types)
    assert set(rule.trigger) == {"changes", "periodic"} and (rule.trigger["changes"] or rule.trigger["periodic"])
    assert rule.url.endswith(f"/{rule.name}.html")
    if rule.mirror.kind == "none":
        assert rule.mirror.reason and rule.mirror.enforcement is None
    else:
        assert rule.mirror.enforcement and rule.mirror.reason is None
    if rule.remediation and rule.remediation.deploy_time:
        assert rule.remediation.automatic, "deploy-time remediation only where automatic remediation is safe"


def test_catalog_holds_the_thirteen_and_the_mandatory_list():
    assert set(catalog.BASELINE_RULES) == {
        "s3-bucket-public-read-prohibited", "s3-bucket-public-write-prohibited", "ec2-instance-no-public-ip",
        "restricted-ssh", "restricted-common-ports", "root-account-mfa-enabled", "iam-user-mfa-enabled",
        "cloudtrail-enabled", "encrypted-volumes", "rds-storage-encrypted", "multi-region-cloudtrail-enabled",
        "cloud-trail-log-file-validation-enabled", "cloud-trail-encryption-enabled"}
    mandatory = {r["name"] for r in catalog.RULES if r["mirror"].get("enforcement") == "mandatory"}
    assert mandatory == {"s3-bucket-public-read-prohibited", "s3-bucket-public-write-prohibited",
                         "ec2-instance-no-public-ip", "restricted-ssh", "restricted-common-ports", "encrypted-volumes",
                         "rds-storage-encrypted", "cloud-trail-log-file-validation-enabled",
                         "cloud-trail-encryption-enabled"}
    account_level = {"root-account-mfa-enabled", "cloudtrail-enabled", "multi-region-cloudtrail-enabled",
                     "iam-user-mfa-enabled"}
    assert all(catalog.RULES_BY_NAME[n]["mirror"].get("enforcement") in (None, "advisory") for n in account_level)


def test_importing_the_catalog_is_cheap():
    code = ("import sys; sys.path.insert(0, 'policies'); import audit_pack.catalog; "
            "bad = [m for m in sys.modules if m.startswith(('pulumi', 'audit_pack.rules', 'audit_pack.pack'))]; "
            "print(bad)")
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True).stdout.strip() == "[]"


def test_the_pack_never_imports_pulumi_aws():
    code = ("import sys; sys.path.insert(0, 'policies'); import audit_pack.pack; "
            "print([m for m in sys.modules if m.startswith('pulumi_aws')])")
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True).stdout.strip() == "[]"


# ---- parity: the catalog and the running pack agree ----

def test_every_mirror_is_a_policy_with_the_catalog_metadata(pack):
    info = pack.info()
    policies = {p.name: p for p in info.policies}
    for rule in catalog.RULES:
        if rule["mirror"]["kind"] == "none":
            assert rule["name"] not in policies
            continue
        p = policies[rule["name"]]
        assert (LEVEL_NAMES[p.enforcementLevel], SEVERITY_NAMES[p.severity], p.description, p.remediation_steps,
                p.url, list(p.tags)) == (rule["mirror"]["enforcement"], rule["severity"], rule["description"],
                                         rule["remediation_steps"], rule["url"], rule["controls"]), rule["name"]
        kind = "POLICY_TYPE_STACK" if rule["mirror"]["kind"] == "stack" else "POLICY_TYPE_RESOURCE"
        assert p.policy_type == getattr(__import__("pulumi.runtime.proto.analyzer_pb2", fromlist=["x"]), kind)
        cis = [c.split(" ")[-1] for c in rule["controls"] if c.startswith("CIS")]
        assert (p.framework.name, p.framework.version, p.framework.reference) == (
            ("CIS AWS Foundations Benchmark", "5.0.0", ", ".join(cis)) if cis else ("", "", ""))
    mirrored = {r["name"] for r in catalog.RULES if r["mirror"]["kind"] != "none"}
    assert set(policies) == mirrored | {S3_PUBLIC_ACCESS}
    assert LEVEL_NAMES[policies[S3_PUBLIC_ACCESS].enforcementLevel] == "disabled"


def test_deploy_time_remediations_exist(pack):
    from audit_pack.remediations import REMEDIATIONS
    named = {r["remediation"]["deploy_time"] for r in catalog.RULES
             if r["remediation"] and r["remediation"].get("deploy_time")}
    assert named == set(REMEDIATIONS) == {"restricted-ssh", "cloud-trail-log-file-validation-enabled",
                                          "ec2-ebs-encryption-by-default", S3_PUBLIC_ACCESS}


def test_config_schemas_carry_exemptions_and_rule_settings(pack):
    from google.protobuf import json_format
    schemas = {p.name: json_format.MessageToDict(p.configSchema.properties) for p in pack.info().policies}
    assert all(schema["exemptions"]["items"]["required"] == ["reason"] for schema in schemas.values())
    assert schemas["restricted-common-ports"]["blockedPorts"]["default"] == [20, 21, 3389, 3306, 4333]
    assert schemas["encrypted-volumes"]["ebsEncryptionByDefault"]["default"] is False


def test_example_configuration_is_valid(pack):
    user = json.loads((ROOT / "policies/config.example.json").read_text())
    config = effective_config(pack.info(), user)
    assert config["restricted-ssh"]["enforcementLevel"] == "remediate"
    assert config["cloud-trail-encryption-enabled"] == {"enforcementLevel": "mandatory", "exemptions": []}
    assert config["restricted-common-ports"]["blockedPorts"][:3] == [20, 21, 22]


@pytest.mark.parametrize("user, problem", [
    ({"restricted-ssh": {"exemptions": [{"name": "x"}]}}, "policy config restricted-ssh.exemptions.0: 'reason' is a "
                                                          "required property"),
    ({"restricted-common-ports": {"blockedPorts": [70000]}}, "policy config restricted-common-ports.blockedPorts.0: "
                                                             "70000 is greater than the maximum of 65535"),
    ({"restricted-ssh": {"blockedPorts": [22]}}, "policy config restricted-ssh.blockedPorts: the policy has no such "
                                                 "property; it has: exemptions"),
    ({"all": "loud"}, "policy config all: enforcement level 'loud' is not one of advisory, mandatory, disabled, "
                      "remediate"),
])
def test_bad_policy_configuration_is_refused(pack, user, problem):
    from preflight.analyzer import PolicyConfigError
    with pytest.raises(PolicyConfigError) as caught:
        effective_config(pack.info(), user)
    assert str(caught.value) == problem


# ---- deploy-time remediation through the protocol's Remediate ----

def remediated(pack, registration, user_config) -> dict[str, dict]:
    from google.protobuf import json_format
    with configured(pack, user_config):
        response = pack.remediate(registration)
    return {r.policyName: json_format.MessageToDict(r.properties) for r in response.remediations}


def test_remediate_public_acl_and_access_block(pack):
    def program():
        b = aws.s3.Bucket("site")
        aws.s3.BucketAcl("site-acl", bucket=b.id, acl="public-read")
        aws.s3.BucketPublicAccessBlock("site-pab", bucket=b.id, block_public_acls=False, block_public_policy=True)
    regs = {r.name: r for r in record(program)}
    fixes = remediated(pack, regs["site-acl"], {S3_PUBLIC_ACCESS: "remediate"})
    assert fixes == {S3_PUBLIC_ACCESS: {**regs["site-acl"].inputs, "acl": "private"}}
    fixes = remediated(pack, regs["site-pab"], {S3_PUBLIC_ACCESS: "remediate"})
    assert fixes[S3_PUBLIC_ACCESS] == {"bucket": regs["site-pab"].inputs["bucket"], "blockPublicAcls": True,
                                       "blockPublicPolicy": True, "ignorePublicAcls": True,
                                       "restrictPublicBuckets": True}
    assert remediated(pack, regs["site-acl"], {}) == {}  # disabled by default


def test_remediate_world_ssh_keeps_the_rest(pack):
    (sg,) = [r for r in record(lambda: aws.ec2.SecurityGroup("sg", ingress=[
        {"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ["0.0.0.0/0", "10.0.0.0/8"]},
        {"protocol": "tcp", "from_port": 22, "to_port": 22, "ipv6_cidr_blocks": ["::/0"]},
        {"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}])) if r.name == "sg"]
    fixes = remediated(pack, sg, {"restricted-ssh": "remediate"})
    assert fixes["restricted-ssh"]["ingress"] == [
        {"protocol": "tcp", "fromPort": 22.0, "toPort": 22.0, "cidrBlocks": ["10.0.0.0/8"]},
        {"protocol": "tcp", "fromPort": 443.0, "toPort": 443.0, "cidrBlocks": ["0.0.0.0/0"]}]


def test_remediate_trail_validation_and_ebs_default(pack):
    regs = {r.name: r for r in record(lambda: (
        aws.cloudtrail.Trail("t", name="t", s3_bucket_name="b", enable_log_file_validation=False),
        aws.ebs.EncryptionByDefault("d", enabled=False)))}
    assert remediated(pack, regs["t"], {"cloud-trail-log-file-validation-enabled": "remediate"})[
        "cloud-trail-log-file-validation-enabled"]["enableLogFileValidation"] is True
    assert remediated(pack, regs["d"], {"ec2-ebs-encryption-by-default": "remediate"}) == {
        "ec2-ebs-encryption-by-default": {"enabled": True}}


def test_remediation_never_rewrites_unknown_values(pack):
    (acl,) = [r for r in record(lambda: aws.s3.BucketAcl("acl", bucket="b", acl="public-read")) if r.name == "acl"]
    acl.inputs["bucket"] = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    assert remediated(pack, acl, {S3_PUBLIC_ACCESS: "remediate"}) == {}


# ---- the gate on the lab stack ----

@pytest.fixture(scope="module")
def lab_registrations():
    project = Project.load(ROOT / "examples/public-bucket-lab")
    config, secrets = project.stack_config("lab")
    return run_program(project, "lab", config, secrets)


def test_lab_fails_with_exactly_the_three_rules(lab_registrations):
    document = judge(lab_registrations, "lab", ROOT / "policies", {})
    names = {r["urn"]: r["name"] for r in document["resources"]}
    mandatory = sorted((d["policy"], names[d["urn"]]) for d in document["diagnostics"]
                       if d["enforcementLevel"] == "mandatory")
    assert mandatory == [("encrypted-volumes", "lab-server"), ("restricted-ssh", "lab-admin"),
                         ("s3-bucket-public-read-prohibited", "lab-website")]
    assert not any(names[d["urn"]] == "lab-office" for d in document["diagnostics"])


def test_lab_remediation_fixes_the_bucket_and_the_ssh_rule(lab_registrations):
    import copy
    document = judge(copy.deepcopy(lab_registrations), "lab", ROOT / "policies",
                     json.loads((ROOT / "examples/public-bucket-lab/remediate.json").read_text()))
    names = {r["urn"]: r["name"] for r in document["resources"]}
    assert sorted((r["policy"], names[r["urn"]]) for r in document["remediations"]) == [
        (S3_PUBLIC_ACCESS, "lab-website-acl"), ("restricted-ssh", "lab-admin")]
    assert sorted((d["policy"], names[d["urn"]]) for d in document["diagnostics"]
                  if d["enforcementLevel"] == "mandatory") == [("encrypted-volumes", "lab-server")]


# ---- generated docs ----

def test_pack_readme_is_generated_from_the_catalog():
    from components.docs import pack_readme
    assert (ROOT / "policies/README.md").read_text() == pack_readme(), "policies/README.md is stale: run `make docs`"
    for rule in catalog.RULES:
        assert f"`{rule['name']}`" in pack_readme()
