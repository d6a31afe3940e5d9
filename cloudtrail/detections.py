"""The CIS monitoring detections: one definition per event class, read by the alerting component, the
docs and the tests. Each names the saved query that finds the same events after the fact, and the
CloudWatch Logs filter pattern that catches them as they arrive; tests prove that both match exactly
the same records."""
from __future__ import annotations

from dataclasses import dataclass

CIS = "CIS AWS Foundations v1.4.0"


@dataclass(frozen=True)
class Detection:
    name: str
    cis: str
    query: str
    pattern: str
    description: str


def _names(*names: str) -> str:
    return " || ".join(f"($.eventName = {n})" for n in names)


def _source(source: str, *names: str) -> str:
    return f"{{ ($.eventSource = {source}) && ({_names(*names)}) }}"


DETECTIONS: tuple[Detection, ...] = (
    Detection("unauthorized-api-calls", f"{CIS} 4.1", "unauthorized_api_calls",
              '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
              "Calls refused for lack of permission"),
    Detection("console-signin-without-mfa", f"{CIS} 4.2", "console_login_without_mfa",
              # CIS's pattern: IAM users' successful sign-ins only. Federated (AssumedRole) sign-ins carry
              # MFAUsed "No" because MFA happens at the identity provider; failures are 4.6's business.
              '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && '
              '($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }',
              "Console sign-in without MFA"),
    Detection("root-account-usage", f"{CIS} 4.3", "root_account_usage",
              '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && '
              '$.eventType != "AwsServiceEvent" }',
              "Use of the root user"),
    Detection("iam-policy-changes", f"{CIS} 4.4", "iam_policy_changes", _source(
        "iam.amazonaws.com", "DeleteGroupPolicy", "DeleteRolePolicy", "DeleteUserPolicy", "PutGroupPolicy",
        "PutRolePolicy", "PutUserPolicy", "CreatePolicy", "DeletePolicy", "CreatePolicyVersion",
        "DeletePolicyVersion", "AttachRolePolicy", "DetachRolePolicy", "AttachUserPolicy", "DetachUserPolicy",
        "AttachGroupPolicy", "DetachGroupPolicy"), "IAM policy changes"),
    Detection("cloudtrail-changes", f"{CIS} 4.5", "cloudtrail_changes", _source(
        "cloudtrail.amazonaws.com", "CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging",
        "PutEventSelectors"), "CloudTrail configuration changes"),
    Detection("console-signin-failures", f"{CIS} 4.6", "console_signin_failures",
              '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }',
              "Console authentication failures"),
    Detection("kms-key-disable-or-deletion", f"{CIS} 4.7", "kms_key_disable_or_deletion", _source(
        "kms.amazonaws.com", "DisableKey", "ScheduleKeyDeletion"), "Customer keys disabled or scheduled for deletion"),
    Detection("s3-bucket-policy-changes", f"{CIS} 4.8", "s3_bucket_policy_changes", _source(
        "s3.amazonaws.com", "PutBucketAcl", "PutBucketPolicy", "PutBucketCors", "PutBucketLifecycle",
        "PutBucketReplication", "DeleteBucketPolicy", "DeleteBucketCors", "DeleteBucketLifecycle",
        "DeleteBucketReplication", "PutBucketPublicAccessBlock", "DeleteBucketPublicAccessBlock"),
        "S3 bucket policy, ACL and public access block changes"),
    Detection("config-changes", f"{CIS} 4.9", "config_changes", _source(
        "config.amazonaws.com", "StopConfigurationRecorder", "DeleteDeliveryChannel", "PutDeliveryChannel",
        "PutConfigurationRecorder", "DeleteConfigurationRecorder"), "AWS Config configuration changes"),
    Detection("security-group-changes", f"{CIS} 4.10", "security_group_changes", "{ " + _names(
        "AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress",
        "RevokeSecurityGroupEgress", "CreateSecurityGroup", "DeleteSecurityGroup") + " }", "Security group changes"),
    Detection("nacl-changes", f"{CIS} 4.11", "nacl_changes", "{ " + _names(
        "CreateNetworkAcl", "CreateNetworkAclEntry", "DeleteNetworkAcl", "DeleteNetworkAclEntry",
        "ReplaceNetworkAclEntry", "ReplaceNetworkAclAssociation") + " }", "Network ACL changes"),
    Detection("network-gateway-changes", f"{CIS} 4.12", "network_gateway_changes", "{ " + _names(
        "CreateCustomerGateway", "DeleteCustomerGateway", "AttachInternetGateway", "CreateInternetGateway",
        "DeleteInternetGateway", "DetachInternetGateway") + " }", "Network gateway changes"),
    Detection("route-table-changes", f"{CIS} 4.13", "route_table_changes", "{ " + _names(
        "CreateRoute", "CreateRouteTable", "ReplaceRoute", "ReplaceRouteTableAssociation", "DeleteRouteTable",
        "DeleteRoute", "DisassociateRouteTable") + " }", "Route table changes"),
    Detection("vpc-changes", f"{CIS} 4.14", "vpc_changes", "{ " + _names(
        "CreateVpc", "DeleteVpc", "ModifyVpcAttribute", "AcceptVpcPeeringConnection", "CreateVpcPeeringConnection",
        "DeleteVpcPeeringConnection", "RejectVpcPeeringConnection", "AttachClassicLinkVpc", "DetachClassicLinkVpc",
        "DisableVpcClassicLink", "EnableVpcClassicLink") + " }", "VPC changes"),
)

DETECTIONS_BY_NAME = {d.name: d for d in DETECTIONS}
