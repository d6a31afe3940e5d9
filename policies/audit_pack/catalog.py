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
  remediation     {"document", "parameters", "automatic", "permissions"} or None
  mirror          {"kind": "resource"|"stack", "enforcement": "mandatory"|"advisory"}
                  or {"kind": "none", "reason": why no check can exist before deployment}
  remediation_steps  what a user does to fix a violation
  url             the rule's page in AWS's documentation
"""

CIS = "CIS AWS Foundations v5.0.0"
DOCS = "https://docs.aws.amazon.com/config/latest/developerguide/"

RULES: tuple[dict, ...] = (
    {
        "name": "cloudtrail-enabled",
        "identifier": "CLOUD_TRAIL_ENABLED",
        "description": "The account has at least one enabled CloudTrail trail.",
        "resource_types": [],
        "parameters": {},
        "trigger": {"changes": False, "periodic": "TwentyFour_Hours"},
        "placement": "home-region",
        "severity": "high",
        "controls": [],
        "remediation": None,
        "mirror": {"kind": "none", "reason": "Account state: whether any trail in the account is enabled "
                                              "cannot be seen from one stack's resources."},
        "remediation_steps": "Create a trail (this baseline's AuditTrail) and start logging.",
        "url": DOCS + "cloudtrail-enabled.html",
    },
    {
        "name": "multi-region-cloudtrail-enabled",
        "identifier": "MULTI_REGION_CLOUD_TRAIL_ENABLED",
        "description": "At least one multi-region trail records all management events, read and write.",
        "resource_types": [],
        "parameters": {},
        "trigger": {"changes": False, "periodic": "TwentyFour_Hours"},
        "placement": "home-region",
        "severity": "high",
        "controls": [f"{CIS} 3.1"],
        "remediation": None,
        "mirror": {"kind": "resource", "enforcement": "advisory"},
        "remediation_steps": "Set is_multi_region_trail=True and record management events with "
                             "read_write_type \"All\" and no excluded event sources.",
        "url": DOCS + "multi-region-cloudtrail-enabled.html",
    },
    {
        "name": "cloud-trail-log-file-validation-enabled",
        "identifier": "CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED",
        "description": "CloudTrail trails have log file validation enabled (signed digest files).",
        "resource_types": ["AWS::CloudTrail::Trail"],
        "parameters": {},
        "trigger": {"changes": False, "periodic": "TwentyFour_Hours"},
        "placement": "every-region",
        "severity": "medium",
        "controls": [f"{CIS} 3.2"],
        "remediation": {
            "document": "AWSConfigRemediation-EnableCloudTrailLogFileValidation",
            "parameters": {"TrailName": "RESOURCE_ID"},
            "automatic": True,
            "permissions": ["cloudtrail:GetTrail", "cloudtrail:UpdateTrail",
                            "ssm:GetAutomationExecution", "ssm:StartAutomationExecution"],
        },
        "mirror": {"kind": "resource", "enforcement": "mandatory"},
        "remediation_steps": "Set enable_log_file_validation=True on the aws.cloudtrail.Trail.",
        "url": DOCS + "cloud-trail-log-file-validation-enabled.html",
    },
    {
        "name": "cloud-trail-encryption-enabled",
        "identifier": "CLOUD_TRAIL_ENCRYPTION_ENABLED",
        "description": "CloudTrail trails encrypt their logs with a KMS key (SSE-KMS).",
        "resource_types": ["AWS::CloudTrail::Trail"],
        "parameters": {},
        "trigger": {"changes": False, "periodic": "TwentyFour_Hours"},
        "placement": "every-region",
        "severity": "medium",
        "controls": [f"{CIS} 3.5"],
        "remediation": {
            "document": "AWSConfigRemediation-EnableCloudTrailEncryptionWithKMS",
            "parameters": {"TrailName": "RESOURCE_ID", "KMSKeyId": "{auditKeyArn}"},
            "automatic": False,
            "permissions": ["cloudtrail:GetTrail", "cloudtrail:UpdateTrail",
                            "ssm:GetAutomationExecution", "ssm:StartAutomationExecution"],
        },
        "mirror": {"kind": "resource", "enforcement": "mandatory"},
        "remediation_steps": "Set kms_key_id on the aws.cloudtrail.Trail to a customer-managed key whose "
                             "policy lets cloudtrail.amazonaws.com call kms:GenerateDataKey*.",
        "url": DOCS + "cloud-trail-encryption-enabled.html",
    },
)

RULES_BY_NAME = {rule["name"]: rule for rule in RULES}
