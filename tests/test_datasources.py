"""Data-source answers in a described account, IAM policy documents rendered as the provider renders them,
and stack references from a STACK_OUTPUTS file."""
from __future__ import annotations

import json
import textwrap

import pytest

from common import UsageError
from preflight.account import Account, load_account
from preflight.datasources import (InvokeAnswer, answer_invoke, load_stack_outputs, read_stack_reference,
                                   render_policy_document, result_shape, stack_outputs_lookup,
                                   stack_reference_outputs)

from .conftest import ROOT

EXAMPLES = ROOT / "examples" / "accounts"
FRESH = Account.default()
DOC = "aws:iam/getPolicyDocument:getPolicyDocument"


def example(name: str) -> Account:
    return load_account(EXAMPLES / f"{name}.json")


def doc(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


# -- IAM policy documents --

def test_sets_render_in_reverse_order_and_single_values_as_strings():
    """The provider's documented "multiple condition keys" example, without the empty Sid (provider 5.0)."""
    rendered = render_policy_document({"statements": [{
        "actions": ["kms:Decrypt", "kms:GenerateDataKey"], "resources": ["*"],
        "conditions": [
            {"test": "ForAnyValue:StringEquals", "variable": "kms:EncryptionContext:service", "values": ["pi"]},
            {"test": "ForAnyValue:StringEquals", "variable": "kms:EncryptionContext:aws:pi:service", "values": ["rds"]}]}]})
    assert rendered["json"] == doc("""
        {
          "Version": "2012-10-17",
          "Statement": [
            {
              "Effect": "Allow",
              "Action": [
                "kms:GenerateDataKey",
                "kms:Decrypt"
              ],
              "Resource": "*",
              "Condition": {
                "ForAnyValue:StringEquals": {
                  "kms:EncryptionContext:aws:pi:service": "rds",
                  "kms:EncryptionContext:service": "pi"
                }
              }
            }
          ]
        }""")
    assert rendered["minifiedJson"] == (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:GenerateDataKey","kms:Decrypt"],'
        '"Resource":"*","Condition":{"ForAnyValue:StringEquals":{"kms:EncryptionContext:aws:pi:service":"rds",'
        '"kms:EncryptionContext:service":"pi"}}}]}')
    assert rendered["id"] == str(__import__("zlib").crc32(rendered["json"].encode()))


def test_policy_variables_principals_and_not_fields():
    rendered = render_policy_document({"version": "2012-10-17", "policyId": "bucket-policy", "statements": [
        {"sid": "Home", "actions": ["s3:ListBucket", "s3:ListBucket"], "resources": ["arn:aws:s3:::b"],
         "conditions": [{"test": "StringLike", "variable": "s3:prefix", "values": ["", "home/", "home/&{aws:username}/"]}]},
        {"effect": "Deny", "notActions": ["iam:*"], "notResources": ["arn:aws:s3:::b/home/&{aws:username}/*"],
         "principals": [{"type": "*", "identifiers": ["*"]}]},
        {"actions": ["sts:AssumeRole"], "principals": [
            {"type": "Service", "identifiers": ["firehose.amazonaws.com"]},
            {"type": "AWS", "identifiers": ["arn:aws:iam::111122223333:role/a", "111122223333"]},
            {"type": "Federated", "identifiers": ["cognito-identity.amazonaws.com"]}]},
        {"effect": "Deny", "actions": ["s3:*"], "notPrincipals": [{"type": "AWS", "identifiers": ["*"]}],
         "conditions": [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]},
                        {"test": "StringEquals", "variable": "aws:SourceArn", "values": ["a&b<c>"]}]},
    ]})
    assert json.loads(rendered["json"]) == {"Version": "2012-10-17", "Id": "bucket-policy", "Statement": [
        {"Sid": "Home", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b",
         "Condition": {"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/"]}}},
        {"Effect": "Deny", "NotAction": "iam:*", "NotResource": "arn:aws:s3:::b/home/${aws:username}/*",
         "Principal": "*"},
        {"Effect": "Allow", "Action": "sts:AssumeRole",
         "Principal": {"AWS": ["arn:aws:iam::111122223333:role/a", "111122223333"],
                       "Federated": "cognito-identity.amazonaws.com", "Service": "firehose.amazonaws.com"}},
        {"Effect": "Deny", "Action": "s3:*", "NotPrincipal": {"AWS": "*"},
         "Condition": {"Bool": {"aws:SecureTransport": "false"}, "StringEquals": {"aws:SourceArn": "a&b<c>"}}}]}
    # Go's encoder escapes HTML characters; key order is the provider's struct order.
    assert '"aws:SourceArn": "a\\u0026b\\u003cc\\u003e"' in rendered["json"]
    assert rendered["json"].index('"Version"') < rendered["json"].index('"Id"') < rendered["json"].index('"Statement"')


def test_source_documents_then_statements_then_overrides():
    """The provider's documented source/override examples (without the empty Sid of provider < 5)."""
    source = render_policy_document({"statements": [
        {"actions": ["ec2:*"], "resources": ["*"]},
        {"sid": "SidToOverride", "actions": ["s3:*"], "resources": ["*"]}]})["json"]
    merged = render_policy_document({"sourcePolicyDocuments": [source], "statements": [
        {"sid": "SidToOverride", "actions": ["s3:*"], "resources": ["arn:aws:s3:::somebucket", "arn:aws:s3:::somebucket/*"]}]})
    assert merged["json"] == doc("""
        {
          "Version": "2012-10-17",
          "Statement": [
            {
              "Effect": "Allow",
              "Action": "ec2:*",
              "Resource": "*"
            },
            {
              "Sid": "SidToOverride",
              "Effect": "Allow",
              "Action": "s3:*",
              "Resource": [
                "arn:aws:s3:::somebucket/*",
                "arn:aws:s3:::somebucket"
              ]
            }
          ]
        }""")
    placeholder = render_policy_document({"statements": [
        {"sid": "OverridePlaceholder", "actions": ["ec2:DescribeAccountAttributes"], "resources": ["*"]}]})["json"]
    override = render_policy_document({"statements": [
        {"sid": "OverridePlaceholder", "actions": ["s3:GetObject"], "resources": ["*"]}]})["json"]
    politik = render_policy_document({"sourcePolicyDocuments": [placeholder], "overridePolicyDocuments": [override]})
    assert json.loads(politik["json"]) == {"Version": "2012-10-17", "Statement": [
        {"Sid": "OverridePlaceholder", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    one = render_policy_document({"statements": [{"sid": "One", "actions": ["s3:*"], "resources": ["*"]}]})["json"]
    two = render_policy_document({"statements": [{"actions": ["ec2:*"], "resources": ["*"]},
                                                 {"sid": "Two", "actions": ["iam:*"], "resources": ["*"]}]})["json"]
    three = render_policy_document({"statements": [{"sid": "One", "effect": "Deny", "actions": ["logs:*"],
                                                    "resources": ["*"]}]})["json"]
    combined = render_policy_document({"statements": [{"sid": "Two", "effect": "Deny", "actions": ["*"],
                                                       "resources": ["*"]}],
                                       "overridePolicyDocuments": [one, two, three]})
    assert json.loads(combined["json"])["Statement"] == [
        {"Sid": "Two", "Effect": "Allow", "Action": "iam:*", "Resource": "*"},
        {"Sid": "One", "Effect": "Deny", "Action": "logs:*", "Resource": "*"},
        {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}]


def test_source_document_principals_round_trip_as_the_provider_does():
    source = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["b", "a"], "Principal": {"AWS": ["111122223333", "arn:aws:iam::1:root"]},
         "Condition": {"Bool": {"aws:SecureTransport": True}}}]})
    rendered = json.loads(render_policy_document({"sourcePolicyDocuments": [source]})["json"])
    assert rendered["Statement"] == [{"Effect": "Allow", "Action": ["b", "a"],
                                      "Principal": {"AWS": ["arn:aws:iam::1:root", "111122223333"]},
                                      "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]


@pytest.mark.parametrize("args, failure", [
    ({"statements": [{"sid": "A", "actions": ["s3:*"]}, {"sid": "A", "actions": ["ec2:*"]}]},
     "writing IAM Policy Document: duplicate Sid (A). Remove the Sid or ensure the Sid is unique."),
    ({"sourcePolicyDocuments": ['{"Statement":[{"Sid":"A"}]}', '{"Statement":[{"Sid":"A"}]}']},
     "writing IAM Policy Document: merging source document 1: duplicate Sid (A) in source_policy_documents "
     "(statement 0). Remove the Sid or ensure Sids are unique."),
    ({"version": "2020-01-01"}, 'expected version to be one of ["2008-10-17" "2012-10-17"], got 2020-01-01'),
    ({"statements": [{"actions": ["s3:*"]}, {"effect": "allow", "actions": ["s3:*"]}]},
     'expected statement.1.effect to be one of ["Allow" "Deny"], got allow'),
])
def test_policy_documents_the_provider_refuses(args, failure):
    answer = answer_invoke(DOC, args, FRESH, "us-east-1")
    assert answer == InvokeAnswer({}, False, failure)


def test_policy_document_answer_has_every_output():
    answer = answer_invoke(DOC, {"statements": [{"actions": ["s3:GetObject"], "resources": ["*"]}]}, FRESH, "us-east-1")
    assert not answer.invented and answer.failure is None
    assert sorted(answer.result) == ["id", "json", "minifiedJson", "overrideJson", "overridePolicyDocuments",
                                     "policyId", "sourceJson", "sourcePolicyDocuments", "statements", "version"]
    assert answer.result["statements"] == [{"actions": ["s3:GetObject"], "resources": ["*"]}]
    assert answer.result["policyId"] is None


# -- IAM roles --

CONFIG_ROLE_PATH = "/aws-service-role/config.amazonaws.com/"


def test_get_roles_finds_configs_service_linked_role_only_where_it_exists():
    args = {"pathPrefix": CONFIG_ROLE_PATH}
    assert answer_invoke("aws:iam/getRoles:getRoles", args, FRESH, "us-east-1") == InvokeAnswer(
        {"arns": [], "id": "us-east-1", "nameRegex": None, "names": [], "pathPrefix": CONFIG_ROLE_PATH})
    console = answer_invoke("aws:iam/getRoles:getRoles", args, example("config-console"), "us-east-1")
    assert console == InvokeAnswer({
        "arns": ["arn:aws:iam::111122223333:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"],
        "id": "us-east-1", "nameRegex": None, "names": ["AWSServiceRoleForConfig"], "pathPrefix": CONFIG_ROLE_PATH})


def test_get_roles_filters_by_path_and_name():
    management = example("management-account")
    everything = answer_invoke("aws:iam/getRoles:getRoles", {}, management, "us-east-1").result
    assert everything["names"] == ["AWSServiceRoleForOrganizations", "AWSServiceRoleForCloudTrail"]
    by_regex = answer_invoke("aws:iam/getRoles:getRoles", {"nameRegex": "Trail$"}, management, "us-east-1").result
    assert by_regex["arns"] == [
        "arn:aws:iam::999988887777:role/aws-service-role/cloudtrail.amazonaws.com/AWSServiceRoleForCloudTrail"]
    assert answer_invoke("aws:iam/getRoles:getRoles", {"pathPrefix": CONFIG_ROLE_PATH}, management,
                         "us-east-1").result["names"] == []
    bad = answer_invoke("aws:iam/getRoles:getRoles", {"nameRegex": "Config("}, management, "us-east-1")
    assert bad.result == {} and bad.failure.startswith("invalid value for name_regex (must be a valid regular "
                                                       "expression): missing ), unterminated subpattern")


def test_a_service_linked_role_this_model_does_not_tie_to_a_service():
    account = Account.model_validate({"serviceLinkedRoles": ["AWSServiceRoleForResourceExplorer",
                                                            "AWSServiceRoleForConfig"]})
    every = answer_invoke("aws:iam/getRoles:getRoles", {"pathPrefix": "/aws-service-role/"}, account, "us-east-1")
    assert every.result["names"] == ["AWSServiceRoleForResourceExplorer", "AWSServiceRoleForConfig"]
    assert every.result["arns"][0] == "arn:aws:iam::123456789012:role/aws-service-role/AWSServiceRoleForResourceExplorer"
    config = answer_invoke("aws:iam/getRoles:getRoles", {"pathPrefix": CONFIG_ROLE_PATH}, account, "us-east-1")
    assert config.result["names"] == ["AWSServiceRoleForConfig"]


def test_get_role():
    missing = answer_invoke("aws:iam/getRole:getRole", {"name": "AWSServiceRoleForConfig"}, FRESH, "us-east-1")
    assert missing.result == {} and missing.failure.startswith(
        "reading IAM Role (AWSServiceRoleForConfig): operation error IAM: GetRole, https response error StatusCode: "
        "404, RequestID: ")
    assert missing.failure.endswith("NoSuchEntity: The role with name AWSServiceRoleForConfig cannot be found.")
    found = answer_invoke("aws:iam/getRole:getRole", {"name": "AWSServiceRoleForConfig"}, example("config-console"),
                          "us-east-1")
    assert (found.invented, found.failure) == (False, None)
    assert found.result["arn"] == \
        "arn:aws:iam::111122223333:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
    assert found.result["path"] == CONFIG_ROLE_PATH
    assert json.loads(found.result["assumeRolePolicy"])["Statement"][0]["Principal"] == \
        {"Service": "config.amazonaws.com"}
    customer = answer_invoke("aws:iam/getRole:getRole", {"name": "deployer"}, FRESH, "us-east-1")
    assert customer.invented and customer.result["arn"] == "arn:aws:iam::123456789012:role/deployer"


# -- organization --

ORG = "aws:organizations/getOrganization:getOrganization"


def test_get_organization_outside_an_organization_fails_as_aws_does():
    answer = answer_invoke(ORG, {}, FRESH, "us-east-1")
    assert answer.result == {} and not answer.invented
    assert answer.failure.startswith("reading Organizations Organization: operation error Organizations: "
                                     "DescribeOrganization, https response error StatusCode: 400, RequestID: ")
    assert answer.failure.endswith("AWSOrganizationsNotInUseException: Your account is not a member of an "
                                   "organization.")


def test_get_organization_from_a_member_lists_no_accounts():
    result = answer_invoke(ORG, {}, example("control-tower-member"), "us-east-1").result
    assert {k: result[k] for k in ("id", "arn", "masterAccountId", "masterAccountArn", "featureSet", "accounts",
                                   "nonMasterAccounts", "roots", "masterAccountName")} == {
        "id": "o-a1b2c3d4e5", "arn": "arn:aws:organizations::999988887777:organization/o-a1b2c3d4e5",
        "masterAccountId": "999988887777",
        "masterAccountArn": "arn:aws:organizations::999988887777:account/o-a1b2c3d4e5/999988887777",
        "featureSet": "ALL", "accounts": [], "nonMasterAccounts": [], "roots": [], "masterAccountName": None}


def test_get_organization_from_the_management_account_and_a_delegated_administrator():
    management = answer_invoke(ORG, {}, example("management-account"), "us-east-1").result
    assert [a["id"] for a in management["accounts"]] == ["999988887777"]
    assert management["nonMasterAccounts"] == []
    delegated = answer_invoke(ORG, {}, example("delegated-administrator"), "us-east-1").result
    assert [a["id"] for a in delegated["accounts"]] == ["999988887777", "444455556666"]
    assert [a["id"] for a in delegated["nonMasterAccounts"]] == ["444455556666"]
    assert delegated["awsServiceAccessPrincipals"] == ["cloudtrail.amazonaws.com", "config.amazonaws.com"]
    assert delegated["roots"][0]["policyTypes"] == [{"status": "ENABLED", "type": "SERVICE_CONTROL_POLICY"}]
    only = answer_invoke(ORG, {"returnOrganizationOnly": True}, example("delegated-administrator"), "us-east-1")
    assert only.result["accounts"] == [] and only.result["returnOrganizationOnly"] is True


# -- the account's identity and the region --

def test_the_region_argument_wins_and_defaults_to_us_east_1():
    assert answer_invoke("aws:index/getRegion:getRegion", {"region": "eu-north-1"}, FRESH, "us-east-1").result[
        "region"] == "eu-north-1"
    assert answer_invoke("aws:index/getRegion:getRegion", {}, FRESH).result["region"] == "us-east-1"


def test_caller_identity_partition_and_region():
    account = example("config-console")
    assert answer_invoke("aws:index/getCallerIdentity:getCallerIdentity", {}, account, "eu-west-1") == InvokeAnswer(
        {"accountId": "111122223333", "arn": "arn:aws:iam::111122223333:user/preflight", "id": "111122223333",
         "userId": "AIDAPREFLIGHTOFFLINE0"})
    assert answer_invoke("aws:index/getPartition:getPartition", {}, account, "eu-west-1").result == {
        "dnsSuffix": "amazonaws.com", "id": "aws", "partition": "aws", "reverseDnsPrefix": "com.amazonaws"}
    assert answer_invoke("aws:index/getRegion:getRegion", {}, account, "eu-west-1").result == {
        "description": "Europe (Ireland)", "endpoint": "ec2.eu-west-1.amazonaws.com", "id": "eu-west-1",
        "name": "eu-west-1", "region": "eu-west-1"}
    china = Account.model_validate({"partition": "aws-cn"})
    assert answer_invoke("aws:index/getPartition:getPartition", {}, china, "cn-north-1").result["dnsSuffix"] == \
        "amazonaws.com.cn"


def test_availability_zones():
    answer = answer_invoke("aws:index/getAvailabilityZones:getAvailabilityZones",
                           {"state": "available", "excludeNames": ["eu-west-1b"]}, FRESH, "us-east-1")
    assert answer.result == {"allAvailabilityZones": None, "excludeNames": ["eu-west-1b"], "excludeZoneIds": None,
                             "filters": None, "groupNames": ["us-east-1"], "id": "us-east-1",
                             "names": ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e",
                                       "us-east-1f"],
                             "region": "us-east-1", "state": "available",
                             "zoneIds": ["use1-az1", "use1-az2", "use1-az3", "use1-az4", "use1-az5", "use1-az6"]}
    sydney = answer_invoke("aws:index/getAvailabilityZones:getAvailabilityZones", {"excludeNames": ["ap-southeast-2b"]},
                           FRESH, "ap-southeast-2").result
    assert (sydney["names"], sydney["zoneIds"]) == (["ap-southeast-2a", "ap-southeast-2c"], ["apse2-az1", "apse2-az3"])


def test_service_accounts_principals_and_arns():
    assert answer_invoke("aws:index/getBillingServiceAccount:getBillingServiceAccount", {}, FRESH,
                         "us-east-1").result == {"arn": "arn:aws:iam::386209384616:root", "id": "386209384616"}
    assert answer_invoke("aws:elb/getServiceAccount:getServiceAccount", {}, FRESH, "eu-west-1").result == {
        "arn": "arn:aws:iam::156460612806:root", "id": "156460612806", "region": "eu-west-1"}
    assert answer_invoke("aws:elb/getServiceAccount:getServiceAccount", {"region": "mars-1"}, FRESH,
                         "us-east-1").failure == "unsupported AWS Region: mars-1"
    assert answer_invoke("aws:index/getServicePrincipal:getServicePrincipal", {"serviceName": "logs"}, FRESH,
                         "eu-west-1").result == {"id": "logs.eu-west-1.amazonaws.com", "name": "logs.amazonaws.com",
                                                 "region": "eu-west-1", "serviceName": "logs",
                                                 "suffix": "amazonaws.com"}
    arn = "arn:aws:iam::111122223333:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
    assert answer_invoke("aws:index/getArn:getArn", {"arn": arn}, FRESH, "us-east-1").result == {
        "account": "111122223333", "arn": arn, "id": arn, "partition": "aws", "region": "", "service": "iam",
        "resource": "role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"}


# -- EC2, ECR, Route 53, SSM, KMS --

def test_ami_from_owner_and_name_filter():
    args = {"mostRecent": True, "owners": ["amazon"],
            "filters": [{"name": "name", "values": ["al2023-ami-2023.*-x86_64"]}]}
    answer = answer_invoke("aws:ec2/getAmi:getAmi", args, FRESH, "us-east-1")
    result = answer.result
    assert not answer.invented
    assert result["id"] == result["imageId"] and result["id"].startswith("ami-") and len(result["id"]) == 21
    assert (result["name"], result["ownerId"], result["imageOwnerAlias"], result["architecture"]) == (
        "al2023-ami-2023.2026.0.20260101-x86_64", "137112412989", "amazon", "x86_64")
    assert result["owners"] == ["amazon"] and result["mostRecent"] is True and result["nameRegex"] is None
    assert result["arn"] == f"arn:aws:ec2:us-east-1::image/{result['id']}"
    assert sorted(result) == sorted(result_shape("aws:ec2/getAmi:getAmi").fields)
    again = answer_invoke("aws:ec2/getAmi:getAmi", args, FRESH, "us-east-1").result
    assert again["id"] == result["id"]  # stable across runs
    canonical = answer_invoke("aws:ec2/getAmi:getAmi", {"owners": ["099720109477"], "nameRegex":
                              r"^ubuntu/images/hvm-ssd/ubuntu-jammy-22\.04-amd64-server-\d+$"}, FRESH, "us-east-1").result
    assert (canonical["name"], canonical["ownerId"], canonical["imageOwnerAlias"]) == (
        "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-2026.0.20260101", "099720109477", "")
    ids = answer_invoke("aws:ec2/getAmiIds:getAmiIds", {"owners": ["self"]}, FRESH, "us-east-1").result
    assert len(ids["ids"]) == 1 and ids["ids"][0].startswith("ami-")


def test_default_vpc_subnets_and_security_group():
    vpc = answer_invoke("aws:ec2/getVpc:getVpc", {"default": True}, FRESH, "eu-west-1")
    assert not vpc.invented
    assert (vpc.result["cidrBlock"], vpc.result["default"], vpc.result["ownerId"]) == \
        ("172.31.0.0/16", True, "123456789012")
    subnets = answer_invoke("aws:ec2/getSubnets:getSubnets",
                            {"filters": [{"name": "vpc-id", "values": [vpc.result["id"]]}]}, FRESH, "eu-west-1")
    assert not subnets.invented and len(subnets.result["ids"]) == 3
    subnet = answer_invoke("aws:ec2/getSubnet:getSubnet", {"id": subnets.result["ids"][1]}, FRESH, "eu-west-1")
    assert not subnet.invented
    assert {k: subnet.result[k] for k in ("availabilityZone", "cidrBlock", "defaultForAz", "vpcId",
                                          "mapPublicIpOnLaunch")} == {
        "availabilityZone": "eu-west-1b", "cidrBlock": "172.31.16.0/20", "defaultForAz": True,
        "vpcId": vpc.result["id"], "mapPublicIpOnLaunch": True}
    group = answer_invoke("aws:ec2/getSecurityGroup:getSecurityGroup", {"name": "default", "vpcId": vpc.result["id"]},
                          FRESH, "eu-west-1")
    assert not group.invented
    assert (group.result["name"], group.result["description"], group.result["vpcId"]) == (
        "default", "default VPC security group", vpc.result["id"])
    tagged = answer_invoke("aws:ec2/getVpc:getVpc", {"tags": {"Name": "prod"}}, FRESH, "eu-west-1")
    assert tagged.invented and tagged.result["default"] is False


def test_ecr_route53_ssm_kms():
    token = answer_invoke("aws:ecr/getAuthorizationToken:getAuthorizationToken", {}, FRESH, "us-east-1").result
    assert token["proxyEndpoint"] == "https://123456789012.dkr.ecr.us-east-1.amazonaws.com"
    assert (token["userName"], token["registryId"]) == ("AWS", "123456789012")
    assert __import__("base64").b64decode(token["authorizationToken"]).decode() == f"AWS:{token['password']}"
    credentials = answer_invoke("aws:ecr/getCredentials:getCredentials", {"registryId": "111122223333"}, FRESH,
                                "us-east-1").result
    assert credentials["proxyEndpoint"] == "https://111122223333.dkr.ecr.us-east-1.amazonaws.com"
    zone = answer_invoke("aws:route53/getZone:getZone", {"name": "example.org."}, FRESH, "us-east-1").result
    assert zone["name"] == "example.org" and zone["zoneId"].startswith("Z") and len(zone["nameServers"]) == 4
    assert zone["arn"] == f"arn:aws:route53:::hostedzone/{zone['zoneId']}" and zone["privateZone"] is False
    parameter = answer_invoke("aws:ssm/getParameter:getParameter",
                              {"name": "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"},
                              FRESH, "us-east-1").result
    assert parameter["value"].startswith("ami-") and parameter["type"] == "String"
    assert parameter["arn"] == ("arn:aws:ssm:us-east-1:123456789012:parameter/aws/service/ami-amazon-linux-latest/"
                                "al2023-ami-kernel-default-x86_64")
    alias = answer_invoke("aws:kms/getAlias:getAlias", {"name": "alias/aws/s3"}, FRESH, "us-east-1").result
    key = answer_invoke("aws:kms/getKey:getKey", {"keyId": "alias/aws/s3"}, FRESH, "us-east-1").result
    assert alias["targetKeyId"] == key["keyId"] and alias["targetKeyArn"] == key["arn"]
    assert alias["arn"] == "arn:aws:kms:us-east-1:123456789012:alias/aws/s3" and key["keyManager"] == "AWS"


# -- everything else --

def test_any_other_aws_data_source_is_invented_with_every_field():
    answer = answer_invoke("aws:lambda/getFunction:getFunction", {"functionName": "handler"}, FRESH, "us-east-1")
    assert answer.invented and answer.failure is None
    assert sorted(answer.result) == sorted(result_shape("aws:lambda/getFunction:getFunction").fields)
    assert answer.result["functionName"] == "handler"  # arguments are echoed as the provider does
    assert answer.result["arn"] == "arn:aws:lambda:us-east-1:123456789012:function/handler"
    assert answer.result["qualifier"] is None  # an argument the program did not give
    instance = answer_invoke("aws:ec2/getInstance:getInstance", {}, FRESH, "us-east-1").result
    assert instance["ami"].startswith("ami-") and instance["availabilityZone"] == "us-east-1a"
    assert isinstance(instance["ebsBlockDevices"], list) and len(instance["ebsBlockDevices"]) == 1
    assert instance["ebsBlockDevices"][0]["snapshotId"].startswith("snap-")


def test_invented_arns_follow_each_services_format():
    bucket = answer_invoke("aws:s3/getBucket:getBucket", {"bucket": "logs"}, FRESH, "eu-west-1")
    assert bucket.invented and bucket.result["arn"] == "arn:aws:s3:::logs" and bucket.result["bucket"] == "logs"
    policy = answer_invoke("aws:iam/getPolicy:getPolicy", {"name": "deploy"}, FRESH, "eu-west-1").result
    assert policy["arn"] == "arn:aws:iam::123456789012:policy/deploy"
    function = answer_invoke("aws:lambda/getFunction:getFunction", {"functionName": "api"}, FRESH, "eu-west-1")
    assert function.result["arn"] == "arn:aws:lambda:eu-west-1:123456789012:function/api"


def test_regions_enabled_by_default():
    names = answer_invoke("aws:index/getRegions:getRegions", {}, FRESH, "us-east-1").result["names"]
    assert names == ["ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-southeast-1",
                     "ap-southeast-2", "ca-central-1", "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2",
                     "eu-west-3", "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2"]
    every = answer_invoke("aws:index/getRegions:getRegions", {"allRegions": True}, FRESH, "us-east-1").result
    assert {"af-south-1", "me-south-1", "ap-east-1"} <= set(every["names"]) and "cn-north-1" not in every["names"]
    china = Account.model_validate({"partition": "aws-cn"})
    assert answer_invoke("aws:index/getRegions:getRegions", {}, china, "cn-north-1").result["names"] == \
        ["cn-north-1", "cn-northwest-1"]


def test_a_provider_that_is_not_installed_gets_an_empty_invented_answer():
    assert answer_invoke("random:index/getRandomThing:getRandomThing", {}, FRESH, "us-east-1") == \
        InvokeAnswer({}, invented=True)


# -- stack references --

def test_stack_outputs_file_and_references(tmp_path):
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({"acme/network/prod": {"vpcId": "vpc-0a1b", "subnets": ["subnet-1"]},
                                "acme/network/dev": {"vpcId": "vpc-0dev"}}))
    outputs = load_stack_outputs(path)
    assert stack_reference_outputs("acme/network/prod", outputs) == {"vpcId": "vpc-0a1b", "subnets": ["subnet-1"]}
    assert stack_reference_outputs("network/dev", outputs, organization="acme") == {"vpcId": "vpc-0dev"}
    assert stack_reference_outputs("dev", outputs, organization="acme", project="network") == {"vpcId": "vpc-0dev"}
    assert stack_reference_outputs("network/dev", outputs) == {"vpcId": "vpc-0dev"}  # the one entry ending so
    assert stack_reference_outputs("acme/network/staging", outputs) is None
    assert read_stack_reference("acme/network/prod", outputs) == {
        "name": "acme/network/prod", "outputs": {"vpcId": "vpc-0a1b", "subnets": ["subnet-1"]},
        "secretOutputNames": []}
    assert read_stack_reference("acme/other/prod", outputs) is None
    assert load_stack_outputs(None) == {}
    lookup = stack_outputs_lookup(path, organization="acme", project="network")
    assert (lookup("prod"), lookup("staging")) == ({"vpcId": "vpc-0a1b", "subnets": ["subnet-1"]}, None)


@pytest.mark.parametrize("content, problem", [
    ('["acme/network/prod"]', " must hold a JSON object of \"<org>/<project>/<stack>\" -> {output name: value}, "
                              "found list"),
    ('{"network/prod": {}}', ": key 'network/prod' must be a fully qualified stack name \"<org>/<project>/<stack>\" "
                             "(letters, digits, '-', '_', '.')"),
    ('{"acme/network/prod": ["vpc"]}', ": acme/network/prod: the outputs must be an object of output name -> value, "
                                       "found list"),
    ('{"acme/network/prod": {', " is not JSON: Expecting property name enclosed in double quotes at line 1, "
                                "column 24"),
])
def test_malformed_stack_outputs(tmp_path, content, problem):
    path = tmp_path / "outputs.json"
    path.write_text(content)
    with pytest.raises(UsageError) as error:
        load_stack_outputs(path)
    assert str(error.value) == f"STACK_OUTPUTS: {path}{problem}"


# -- through the provider SDK itself --

def test_every_typed_answer_has_exactly_the_result_types_fields():
    account = example("delegated-administrator")
    args = {"aws:iam/getRole:getRole": {"name": "AWSServiceRoleForConfig"},
            "aws:index/getArn:getArn": {"arn": "arn:aws:s3:::bucket"},
            "aws:ecr/getCredentials:getCredentials": {"registryId": "444455556666"}}
    from preflight.datasources import HANDLERS
    checked = []
    for token in HANDLERS:
        shape = result_shape(token)
        if shape is None:  # tokens of older SDKs, answered for programs pinned to them
            assert token in ("aws:ec2/getAvailabilityZones:getAvailabilityZones", "aws:ec2/getSubnetIds:getSubnetIds")
            continue
        answer = answer_invoke(token, args.get(token, {}), account, "us-east-1")
        assert (answer.failure, sorted(answer.result)) == (None, sorted(shape.fields)), token
        checked.append(token)
    assert len(checked) == 26
    for token, args_ in (("aws:iam/getRole:getRole", {"name": "deployer"}),
                         ("aws:organizations/getOrganization:getOrganization", {}),
                         ("aws:ec2/getVpc:getVpc", {"tags": {"Name": "x"}})):
        member = answer_invoke(token, args_, example("control-tower-member"), "us-east-1").result
        assert sorted(member) == sorted(result_shape(token).fields), token


def test_the_sdk_reads_the_answers_with_its_own_types():
    """The real pulumi_aws functions under the SDK's mock engine, answered by answer_invoke: the SDK's
    result classes check each field's type, so a wrong wire name or type fails here."""
    import pulumi
    import pulumi_aws as aws

    from preflight.runner import run_under_mocks

    account = example("config-console")
    seen = {}

    class Answers(pulumi.runtime.Mocks):
        def call(self, args):
            answer = answer_invoke(args.token, dict(args.args), account, "eu-west-1")
            assert answer.failure is None, answer.failure
            return answer.result

        def new_resource(self, args):
            return f"{args.name}-id", dict(args.inputs)

    def program():
        seen["roles"] = aws.iam.get_roles(path_prefix="/aws-service-role/config.amazonaws.com/")
        seen["document"] = aws.iam.get_policy_document(statements=[aws.iam.GetPolicyDocumentStatementArgs(
            actions=["s3:GetObject"], resources=["arn:aws:s3:::b/*"],
            principals=[aws.iam.GetPolicyDocumentStatementPrincipalArgs(type="Service",
                                                                        identifiers=["config.amazonaws.com"])],
            conditions=[aws.iam.GetPolicyDocumentStatementConditionArgs(
                test="StringEquals", variable="aws:SourceAccount", values=["111122223333"])])])
        seen["ami"] = aws.ec2.get_ami(most_recent=True, owners=["amazon"],
                                      filters=[aws.ec2.GetAmiFilterArgs(name="name", values=["al2023-ami-*"])])
        seen["zones"] = aws.get_availability_zones(state="available")
        seen["vpc"] = aws.ec2.get_vpc(default=True)
        seen["identity"] = aws.get_caller_identity()
        seen["function"] = aws.lambda_.get_function(function_name="handler")

    from unittest import mock
    import preflight.mocks
    with mock.patch.object(preflight.mocks, "AwsMocks", lambda **_: Answers()):
        run_under_mocks(program, config={"aws:region": "eu-west-1"})
    assert seen["roles"].names == ["AWSServiceRoleForConfig"]
    assert json.loads(seen["document"].json)["Statement"][0]["Principal"] == {"Service": "config.amazonaws.com"}
    assert seen["ami"].block_device_mappings[0].ebs["volume_size"] == "8"
    assert seen["zones"].names == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    assert seen["vpc"].cidr_block == "172.31.0.0/16" and seen["vpc"].default is True
    assert seen["identity"].account_id == "111122223333"
    assert seen["function"].function_name == "handler" and seen["function"].arn.startswith("arn:aws:lambda:eu-west-1:")


def test_reading_result_types_leaves_the_sdks_functions_callable():
    """In a fresh interpreter (the SDK loads its modules lazily), reading a result type first must not
    rebind ``aws.iam.get_policy_document`` to its module."""
    import subprocess
    import sys
    code = ("from preflight.datasources import result_shape\n"
            "assert result_shape('aws:iam/getPolicyDocument:getPolicyDocument') is not None\n"
            "import pulumi_aws as aws, inspect\n"
            "print(inspect.isfunction(aws.iam.get_policy_document), inspect.isfunction(aws.ec2.get_ami))\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stdout) == (0, "True True\n"), result.stderr


def test_another_providers_sdk_is_read_from_the_programs_environment():
    """Any Pulumi SDK (awsx, random, ...) installed where the program runs: a generated-layout fixture package
    stands in for one, found only through ``sdk_paths`` (the program's site-packages), never imported."""
    import sys
    sdk = str(ROOT / "tests" / "fixtures" / "sdk")
    token = "preflightfake:index/getWidget:getWidget"
    answer = answer_invoke(token, {"widgetName": "front"}, FRESH, "eu-west-1", sdk_paths=[sdk])
    assert answer == InvokeAnswer({"id": "front", "widgetName": "front",
                                   "ports": [{"port": 443, "protocol": "preflight-protocol"}], "enabled": False,
                                   "labels": {}, "ownerAccountId": "123456789012"}, invented=True)
    assert answer_invoke(token, {}, FRESH, "eu-west-1", sdk_paths=[sdk]).result["widgetName"] is None
    assert "pulumi_preflightfake" not in sys.modules
    assert answer_invoke(token, {}, FRESH, "eu-west-1") == InvokeAnswer({}, invented=True)  # not on sys.path


@pytest.mark.parametrize("module, result", [
    ("pulumi_aws.ec2.get_ami", "GetAmiResult"), ("pulumi_aws.ec2.get_launch_template", "GetLaunchTemplateResult"),
    ("pulumi_aws.organizations.get_organization", "GetOrganizationResult"),
    ("pulumi_aws.lambda_.get_function", "GetFunctionResult"), ("pulumi_aws.get_availability_zones",
                                                                 "GetAvailabilityZonesResult")])
def test_the_source_reader_sees_what_the_sdk_declares(module, result):
    """The result types read from the sources match the SDK's own view of its classes (names, optionality,
    lists, nested objects), here for pulumi_aws."""
    import importlib
    import typing

    from pulumi._types import _raw_return_hints

    from preflight import sdk_types

    def expected(hint):
        origin, args = typing.get_origin(hint), typing.get_args(hint)
        if origin is typing.Union:
            return ("optional", expected(next(a for a in args if a is not type(None))))
        if origin in (list, typing.Sequence, __import__("collections").abc.Sequence):
            return ("list", expected(args[0]))
        if origin in (dict, typing.Mapping, __import__("collections").abc.Mapping):
            return ("map", expected(args[1]))
        if isinstance(hint, type) and hasattr(hint, "_pulumi_output_type"):
            return ("object", {k: expected(v) for k, v in _raw_return_hints(hint).items()})
        return ({str: ("str",), bool: ("bool",), int: ("int",), float: ("float",)}.get(hint, ("any",)))

    def read(typ, depth=0):
        typ = sdk_types.resolve(typ)
        if typ[0] == "object":
            return ("object", {k: read(v, depth + 1) for k, v in typ[1].items()} if depth < 3 else ...)
        if typ[0] in ("optional", "list", "map"):
            return (typ[0], read(typ[1], depth))
        return typ

    def trim(typ, depth=0):
        if typ[0] == "object":
            return ("object", {k: trim(v, depth + 1) for k, v in typ[1].items()} if depth < 3 else ...)
        if typ[0] in ("optional", "list", "map"):
            return (typ[0], trim(typ[1], depth))
        return typ

    cls = getattr(importlib.import_module(module), result)
    package, name = module.split(".")[0], module.rsplit(".", 1)[-1]
    mod = module.split(".")[1] if module.count(".") == 2 else "index"
    function = "get" + "".join(p.title() for p in name.split("_")[1:])
    token = f"aws:{mod.rstrip('_')}/{function}:{function}"
    shape = result_shape(token)
    assert shape is not None, token
    assert {k: read(v) for k, v in shape.fields.items()} == \
        {k: trim(expected(v)) for k, v in _raw_return_hints(cls).items()}


def test_the_programs_interpreter_names_where_its_sdks_are(tmp_path):
    from preflight.sdk_types import sdk_paths_for
    paths = sdk_paths_for(str(ROOT / ".venv" / "bin" / "python"))
    assert any(p.endswith("site-packages") and (__import__("pathlib").Path(p) / "pulumi_aws").is_dir() for p in paths)
    assert result_shape("aws:iam/getRoles:getRoles", paths).arguments == frozenset({"nameRegex", "pathPrefix"})
    assert sdk_paths_for(str(tmp_path / "no-python")) == ()


def test_odd_arguments_never_raise():
    """Whatever a program passes (nulls, wrong shapes), every typed lookup answers or fails as a lookup."""
    from preflight.datasources import HANDLERS
    odd = [{}, {"name": None}, {"filters": None}, {"filters": [{"name": "x"}]}, {"filters": "x"}, {"statements": [{}]},
           {"statements": [None]}, {"owners": None}, {"keyId": None}, {"arn": None}, {"tags": None},
           {"excludeNames": None}, {"id": None}, {"availabilityZone": "zz"}, {"region": None}]
    for token in HANDLERS:
        for args in odd:
            answer = answer_invoke(token, args, FRESH, "us-east-1")
            assert isinstance(answer.result, dict) and (answer.failure is None or answer.result == {}), (token, args)
