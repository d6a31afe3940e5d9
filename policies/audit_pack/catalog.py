"""THE rule catalog: one entry per AWS Config managed rule that the baseline deploys.

Plain data, checked by a model in the tests (tests/test_catalog.py), never at import: importing
the catalog must stay cheap. Everything else reads it: the Config rules, conformance packs and
remediations of the program, and the names, metadata and levels of the CrossGuard policies.
Framework controls name their benchmark and version: CIS AWS Foundations v5.0.0 throughout (the newest version AWS maps its Config rules to, through Security Hub's CIS v5.0.0 standard).

Entry keys:
  name            AWS's kebab-case rule name; also the CrossGuard policy's name
  identifier      the Config managed rule's source identifier
  description     one sentence: what is compliant
  resource_types  CloudFormation types in scope ([] for account-level rules)
  parameters      input parameters and their defaults (sent to Config as one JSON string)
  trigger         {"changes": bool, "periodic": frequency or None}
  placement       "every-region" or "home-region" (account-level and IAM rules: one region)
  severity        low | medium | high | critical
  controls        framework controls, each "<framework> <version> <control id>"
  baseline        True for the rules the baseline always deploys (the seed pack's thirteen)
  remediation     {"document", "parameters", "automatic", "permissions", "deploy_time"} or None.
                  deploy_time names the pack policy whose `remediate` mirrors the runbook before
                  deployment (only where automatic remediation is safe). Parameter values:
                  "RESOURCE_ID" (the non-compliant resource), or a placeholder the program fills:
                  "{accountId}", "{auditKeyArn}". AutomationAssumeRole is always added.
  mirror          {"kind": "resource"|"stack", "enforcement": "mandatory"|"advisory"}
                  or {"kind": "none", "reason": why no check can exist before deployment}
  remediation_steps  what a user does to fix a violation
  url             the rule's page in AWS's documentation

Facts come from each rule's page in AWS's Config developer guide, Security Hub's control pages
(CIS and NIST 800-53 rev. 5 mappings) and the SSM Automation runbook reference.
"""

CIS = "CIS AWS Foundations v5.0.0"
NIST = "NIST 800-53 rev5"
DOCS = "https://docs.aws.amazon.com/config/latest/developerguide/"
DAILY = "TwentyFour_Hours"
SSM_RUN = ["ssm:GetAutomationExecution", "ssm:StartAutomationExecution"]


def _rule(name, identifier, description, *, resource_types=(), parameters=None, changes=False, periodic=None,
          placement="every-region", severity="medium", controls=(), remediation=None, mirror, steps, baseline=False):
    return {"name": name, "identifier": identifier, "description": description,
            "resource_types": list(resource_types), "parameters": dict(parameters or {}),
            "trigger": {"changes": changes, "periodic": periodic}, "placement": placement, "severity": severity,
            "controls": list(controls), "baseline": baseline, "remediation": remediation, "mirror": mirror,
            "remediation_steps": steps, "url": DOCS + name + ".html"}


def _mirror(kind, enforcement):
    return {"kind": kind, "enforcement": enforcement}


def _none(reason):
    return {"kind": "none", "reason": reason}


_PUBLIC_S3 = {"document": "AWS-DisableS3BucketPublicReadWrite", "parameters": {"S3BucketName": "RESOURCE_ID"},
              "automatic": True, "permissions": ["s3:GetBucketPublicAccessBlock", "s3:PutBucketPublicAccessBlock"],
              "deploy_time": "disable-s3-bucket-public-read-write"}
_S3_PUBLIC_NIST = [f"{NIST} {c}" for c in ("AC-3", "AC-4", "AC-6", "AC-21", "SC-7")]
_ENCRYPTION_NIST = [f"{NIST} {c}" for c in ("SC-13", "SC-28", "SC-28(1)")]
_MFA_NIST = [f"{NIST} {c}" for c in ("AC-2(1)", "IA-2(1)", "IA-2(2)", "IA-2(6)", "IA-2(8)")]

RULES: tuple[dict, ...] = (
    # ---- the thirteen the baseline always deploys ----
    _rule("s3-bucket-public-read-prohibited", "S3_BUCKET_PUBLIC_READ_PROHIBITED",
          "S3 buckets do not allow public read access through their policy or ACL.",
          resource_types=["AWS::S3::Bucket"], changes=True, periodic=DAILY, severity="critical",
          controls=_S3_PUBLIC_NIST, remediation=_PUBLIC_S3, mirror=_mirror("stack", "mandatory"), baseline=True,
          steps="Turn on all four flags of an aws.s3.BucketPublicAccessBlock for the bucket, or remove the "
                "statements and ACL grants that give read access to everyone (Principal \"*\", AllUsers, "
                "AuthenticatedUsers)."),
    _rule("s3-bucket-public-write-prohibited", "S3_BUCKET_PUBLIC_WRITE_PROHIBITED",
          "S3 buckets do not allow public write access through their policy or ACL.",
          resource_types=["AWS::S3::Bucket"], changes=True, periodic=DAILY, severity="critical",
          controls=_S3_PUBLIC_NIST, remediation=_PUBLIC_S3, mirror=_mirror("stack", "mandatory"), baseline=True,
          steps="Turn on all four flags of an aws.s3.BucketPublicAccessBlock for the bucket, or remove the "
                "statements and ACL grants that let everyone write (s3:PutObject, s3:DeleteObject, WRITE, "
                "FULL_CONTROL)."),
    _rule("ec2-instance-no-public-ip", "EC2_INSTANCE_NO_PUBLIC_IP",
          "EC2 instances have no public IPv4 address.",
          resource_types=["AWS::EC2::Instance"], changes=True, severity="high", controls=_S3_PUBLIC_NIST,
          mirror=_mirror("stack", "mandatory"), baseline=True,
          steps="Set associate_public_ip_address=False on the instance (and on its launch template's network "
                "interfaces or launch configuration), launch it in a subnet without map_public_ip_on_launch, bind no "
                "Elastic IP to it, and reach it through a load balancer, SSM Session Manager or a VPN."),
    _rule("restricted-ssh", "INCOMING_SSH_DISABLED",
          "Security groups do not allow SSH (TCP 22) from 0.0.0.0/0 or ::/0.",
          resource_types=["AWS::EC2::SecurityGroup"], changes=True, periodic=DAILY, severity="high",
          controls=[f"{NIST} {c}" for c in ("AC-4", "CM-7", "SC-7", "SC-7(5)")],
          remediation={"document": "AWS-DisableIncomingSSHOnPort22", "parameters": {"SecurityGroupIds": "RESOURCE_ID"},
                       "automatic": True, "deploy_time": "restricted-ssh",
                       "permissions": ["ec2:DescribeSecurityGroups", "ec2:RevokeSecurityGroupIngress"]},
          mirror=_mirror("resource", "mandatory"), baseline=True,
          steps="Narrow the ingress rule's cidr_blocks / ipv6_cidr_blocks to your own networks, or remove it and "
                "use SSM Session Manager."),
    _rule("restricted-common-ports", "RESTRICTED_INCOMING_TRAFFIC",
          "Security groups do not allow TCP traffic to the blocked ports from 0.0.0.0/0 or ::/0.",
          resource_types=["AWS::EC2::SecurityGroup"], changes=True, periodic=DAILY, severity="high",
          parameters={"blockedPort1": "20", "blockedPort2": "21", "blockedPort3": "3389", "blockedPort4": "3306",
                      "blockedPort5": "4333"},
          controls=[f"{NIST} {c}" for c in ("AC-4", "CM-2", "CM-7", "SC-7", "SC-7(5)")],
          # The runbook removes every world-open ingress rule, not only the blocked ports: never automatic.
          remediation={"document": "AWSConfigRemediation-RemoveUnrestrictedSourceIngressRules",
                       "parameters": {"SecurityGroupId": "RESOURCE_ID"}, "automatic": False,
                       "permissions": ["ec2:DescribeSecurityGroups", "ec2:RevokeSecurityGroupIngress", *SSM_RUN]},
          mirror=_mirror("resource", "mandatory"), baseline=True,
          steps="Narrow the ingress rule's CIDR ranges for the blocked ports (20, 21, 3306, 3389, 4333 by default) "
                "to your own networks, or remove the rule."),
    _rule("root-account-mfa-enabled", "ROOT_ACCOUNT_MFA_ENABLED",
          "The account's root user has multi-factor authentication enabled.",
          periodic=DAILY, placement="home-region", severity="critical",
          controls=[f"{CIS} 1.4", *_MFA_NIST],
          mirror=_none("Account state: root MFA is enrolled in the console, not declared by any resource."),
          baseline=True, steps="Sign in as the root user and enrol a hardware or virtual MFA device."),
    _rule("iam-user-mfa-enabled", "IAM_USER_MFA_ENABLED",
          "Every IAM user has an MFA device.",
          resource_types=["AWS::IAM::User"], periodic=DAILY, placement="home-region", severity="high",
          controls=_MFA_NIST,
          mirror=_none("Account state: a user's MFA device is enrolled with codes from the device, after the "
                       "user exists; no resource declares it."),
          baseline=True, steps="Enrol an MFA device for each IAM user, or replace IAM users with IAM Identity Center."),
    _rule("cloudtrail-enabled", "CLOUD_TRAIL_ENABLED",
          "The account has at least one enabled CloudTrail trail.",
          periodic=DAILY, placement="home-region", severity="high",
          mirror=_none("Account state: whether any trail in the account is enabled cannot be seen from one "
                       "stack's resources."),
          baseline=True, steps="Create a trail (this baseline's AuditTrail) and start logging."),
    _rule("encrypted-volumes", "ENCRYPTED_VOLUMES",
          "Attached EBS volumes are encrypted.",
          resource_types=["AWS::EC2::Volume"], changes=True, severity="medium", controls=_ENCRYPTION_NIST,
          mirror=_mirror("stack", "mandatory"), baseline=True,
          steps="Set encrypted=True on the aws.ebs.Volume (or the instance's root and EBS block devices), "
                "optionally with kms_key_id; or turn on EBS encryption by default and say so in the policy config."),
    _rule("rds-storage-encrypted", "RDS_STORAGE_ENCRYPTED",
          "RDS DB instances have storage encryption enabled.",
          resource_types=["AWS::RDS::DBInstance"], changes=True, severity="medium",
          controls=[f"{CIS} 2.2.1", *_ENCRYPTION_NIST], mirror=_mirror("resource", "mandatory"), baseline=True,
          steps="Set storage_encrypted=True on the aws.rds.Instance or aws.rds.Cluster (existing storage cannot "
                "be encrypted in place: restore an encrypted copy of a snapshot)."),
    _rule("multi-region-cloudtrail-enabled", "MULTI_REGION_CLOUD_TRAIL_ENABLED",
          "At least one multi-region trail records all management events, read and write.",
          periodic=DAILY, placement="home-region", severity="high", controls=[f"{CIS} 3.1"],
          mirror=_mirror("stack", "advisory"), baseline=True,
          steps="Set is_multi_region_trail=True and record management events with read_write_type \"All\" and "
                "no excluded event sources."),
    _rule("cloud-trail-log-file-validation-enabled", "CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED",
          "CloudTrail trails have log file validation enabled (signed digest files).",
          resource_types=["AWS::CloudTrail::Trail"], periodic=DAILY, severity="medium", controls=[f"{CIS} 3.2"],
          remediation={"document": "AWSConfigRemediation-EnableCloudTrailLogFileValidation",
                       "parameters": {"TrailName": "RESOURCE_ID"}, "automatic": True,
                       "deploy_time": "cloud-trail-log-file-validation-enabled",
                       "permissions": ["cloudtrail:GetTrail", "cloudtrail:UpdateTrail", *SSM_RUN]},
          mirror=_mirror("resource", "mandatory"), baseline=True,
          steps="Set enable_log_file_validation=True on the aws.cloudtrail.Trail."),
    _rule("cloud-trail-encryption-enabled", "CLOUD_TRAIL_ENCRYPTION_ENABLED",
          "CloudTrail trails encrypt their logs with a KMS key (SSE-KMS).",
          resource_types=["AWS::CloudTrail::Trail"], periodic=DAILY, severity="medium",
          controls=[f"{CIS} 3.5", f"{NIST} AU-9", *_ENCRYPTION_NIST],
          # Manual only: the audit key's policy admits this baseline's trail alone (aws:SourceArn), so pointing
          # another trail at it would stop that trail's delivery.
          remediation={"document": "AWSConfigRemediation-EnableCloudTrailEncryptionWithKMS",
                       "parameters": {"TrailName": "RESOURCE_ID", "KMSKeyId": "{auditKeyArn}"}, "automatic": False,
                       "permissions": ["cloudtrail:GetTrail", "cloudtrail:UpdateTrail", *SSM_RUN]},
          mirror=_mirror("resource", "mandatory"), baseline=True,
          steps="Set kms_key_id on the aws.cloudtrail.Trail to a customer-managed key whose policy lets "
                "cloudtrail.amazonaws.com call kms:GenerateDataKey*."),

    # ---- CIS AWS Foundations v5.0.0 rules, deployed through the CIS conformance pack ----
    _rule("iam-root-access-key-check", "IAM_ROOT_ACCESS_KEY_CHECK",
          "The root user has no access keys.", periodic=DAILY, placement="home-region", severity="critical",
          controls=[f"{CIS} 1.3", *[f"{NIST} {c}" for c in ("AC-2(1)", "AC-6", "AC-6(10)")]],
          mirror=_none("Account state: root access keys are created in the console, never by a stack."),
          steps="Sign in as the root user and delete its access keys."),
    _rule("iam-password-policy", "IAM_PASSWORD_POLICY",
          "The account password policy meets the CIS requirements (length 14 or more, 24 passwords remembered).",
          periodic=DAILY, placement="home-region", severity="medium",
          # CIS v5.0.0 1.7/1.8 ask only for length and reuse (no expiry, no character classes). Config supplies
          # no parameter defaults through the API ("Default values are not supplied for the API, CLI, or SDK"),
          # so an absent parameter is not checked; MaxPasswordAge comes from the passwordMaxAgeDays setting.
          parameters={"MinimumPasswordLength": "14", "PasswordReusePrevention": "24"},
          controls=[f"{CIS} 1.7", f"{CIS} 1.8", *[f"{NIST} {c}" for c in ("AC-2(1)", "IA-5(1)")]],
          mirror=_mirror("resource", "advisory"),
          steps="Declare an aws.iam.AccountPasswordPolicy with minimum_password_length >= 14 and "
                "password_reuse_prevention >= 24 (CIS does not ask for expiry or character classes)."),
    _rule("mfa-enabled-for-iam-console-access", "MFA_ENABLED_FOR_IAM_CONSOLE_ACCESS",
          "IAM users with a console password have MFA.", periodic=DAILY, placement="home-region", severity="high",
          controls=[f"{CIS} 1.9", *_MFA_NIST],
          mirror=_none("Account state: MFA enrolment happens after the user and its login profile exist."),
          steps="Enrol an MFA device for every IAM user that has a console password."),
    _rule("access-keys-rotated", "ACCESS_KEYS_ROTATED",
          "Active IAM access keys are rotated within 90 days.", parameters={"maxAccessKeyAge": "90"},
          periodic=DAILY, placement="home-region", severity="medium",
          controls=[f"{CIS} 1.13", *[f"{NIST} {c}" for c in ("AC-2(1)", "AC-2(3)")]],
          mirror=_none("Runtime state: a key's age is only known after it exists."),
          steps="Create a new access key, move its users to it, deactivate and delete the old one."),
    _rule("s3-bucket-ssl-requests-only", "S3_BUCKET_SSL_REQUESTS_ONLY",
          "S3 bucket policies deny requests made without TLS.",
          resource_types=["AWS::S3::Bucket"], changes=True, severity="medium",
          controls=[f"{CIS} 2.1.1", *[f"{NIST} {c}" for c in ("AC-17(2)", "SC-8", "SC-8(1)", "SC-23")]],
          mirror=_mirror("stack", "advisory"),
          steps="Add a bucket policy statement that denies s3:* on the bucket and its objects when "
                "aws:SecureTransport is \"false\"."),
    _rule("s3-account-level-public-access-blocks-periodic", "S3_ACCOUNT_LEVEL_PUBLIC_ACCESS_BLOCKS_PERIODIC",
          "The account's S3 public access block has all four settings on.",
          parameters={"IgnorePublicAcls": "True", "BlockPublicPolicy": "True", "BlockPublicAcls": "True",
                      "RestrictPublicBuckets": "True"},
          periodic=DAILY, placement="home-region", severity="high", controls=[f"{CIS} 2.1.4", *_S3_PUBLIC_NIST],
          remediation={"document": "AWSConfigRemediation-ConfigureS3PublicAccessBlock",
                       "parameters": {"AccountId": "{accountId}"}, "automatic": False,
                       "permissions": ["s3:GetAccountPublicAccessBlock", "s3:PutAccountPublicAccessBlock", *SSM_RUN]},
          mirror=_mirror("resource", "advisory"),
          steps="Declare an aws.s3.AccountPublicAccessBlock with all four flags true (this baseline's "
                "accountPublicAccessBlock setting)."),
    _rule("ec2-ebs-encryption-by-default", "EC2_EBS_ENCRYPTION_BY_DEFAULT",
          "EBS encryption by default is enabled in the region.", periodic=DAILY, severity="medium",
          controls=[f"{CIS} 5.1.1", *_ENCRYPTION_NIST],
          remediation={"document": "AWSConfigRemediation-EnableEbsEncryptionByDefault", "parameters": {},
                       "automatic": True, "deploy_time": "ec2-ebs-encryption-by-default",
                       "permissions": ["ec2:EnableEbsEncryptionByDefault", "ec2:GetEbsEncryptionByDefault", *SSM_RUN]},
          mirror=_mirror("resource", "advisory"),
          steps="Declare aws.ebs.EncryptionByDefault(enabled=True) in every region you use."),
    _rule("cmk-backing-key-rotation-enabled", "CMK_BACKING_KEY_ROTATION_ENABLED",
          "Customer-managed symmetric KMS keys rotate automatically.",
          resource_types=["AWS::KMS::Key"], periodic=DAILY, severity="medium",
          controls=[f"{CIS} 3.6", *[f"{NIST} {c}" for c in ("SC-12", "SC-12(2)", "SC-28(3)")]],
          mirror=_mirror("resource", "advisory"), steps="Set enable_key_rotation=True on the aws.kms.Key."),
    _rule("vpc-flow-logs-enabled", "VPC_FLOW_LOGS_ENABLED",
          "VPCs have flow logs.", resource_types=["AWS::EC2::VPC"], periodic=DAILY, severity="medium",
          # No trafficType: the rule's page documents it only as "TrafficType of flow logs" (optional), i.e. the
          # one type to look for, and a VPC that logs ALL traffic (more than CIS 3.7's REJECT) must not be flagged
          # for lacking a REJECT-only flow log. Without it the rule checks that flow logs exist, like the mirror.
          controls=[f"{CIS} 3.7", *[f"{NIST} {c}" for c in ("AU-2", "AU-3", "AU-12", "CA-7")]],
          mirror=_mirror("stack", "advisory"),
          steps="Add an aws.ec2.FlowLog with vpc_id set to the VPC (traffic_type REJECT or ALL)."),
    _rule("vpc-default-security-group-closed", "VPC_DEFAULT_SECURITY_GROUP_CLOSED",
          "The default security group of every VPC has no inbound or outbound rules.",
          resource_types=["AWS::EC2::SecurityGroup"], changes=True, severity="medium",
          controls=[f"{CIS} 5.5", *[f"{NIST} {c}" for c in ("AC-4", "SC-7", "SC-7(5)")]],
          mirror=_mirror("resource", "advisory"),
          steps="Declare the VPC's aws.ec2.DefaultSecurityGroup with no ingress and no egress rules."),
)

RULES_BY_NAME = {rule["name"]: rule for rule in RULES}
BASELINE_RULES = tuple(rule["name"] for rule in RULES if rule["baseline"])


def cis_rules() -> tuple:
    """Rules mapped to a CIS AWS Foundations control, in catalog order."""
    return tuple(rule["name"] for rule in RULES if any(c.startswith(CIS) for c in rule["controls"]))
