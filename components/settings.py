"""Typed, validated stack settings for the audit baseline.

Every setting is declared once in ``FIELDS`` (name, type, default, what is allowed, doc); the
loader, the error messages and the README's settings table all read that one list. Reading the
settings never registers a resource: every mistake in the stack's config is collected and
reported as one ``SettingsError`` before the program declares anything.
"""
from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional, Sequence

import pulumi

from pulumi_aws._enums import Region  # the provider's own list of regions; no resources imported

from audit_pack import catalog

NAMESPACE = "audit-baseline"

REGIONS: tuple[str, ...] = tuple(sorted(r.value for r in Region))

# CloudWatch Logs accepts only these retention periods (days); 0 would mean "never expire".
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096,
                      1827, 2192, 2557, 2922, 3288, 3653)
INSIGHT_TYPES = ("ApiCallRateInsight", "ApiErrorRateInsight")
BUCKET_ENCRYPTION = ("SSE-KMS", "SSE-S3")
OBJECT_LOCK_MODES = ("none", "GOVERNANCE", "COMPLIANCE")
RECORDER_MODES = ("create", "existing")
RECORDING_FREQUENCIES = ("CONTINUOUS", "DAILY")
SNAPSHOT_FREQUENCIES = ("One_Hour", "Three_Hours", "Six_Hours", "Twelve_Hours", "TwentyFour_Hours")
CONFIG_ROLES = ("service-linked", "existing-service-linked", "custom")
BASELINE_RULES_AS = ("rules", "pack")
CONFORMANCE_PACKS = ("cis",)
AGGREGATORS = ("none", "account", "organization")
TEMPLATE_BODY_LIMIT = 51_200  # characters; a larger template must come from S3

# Regions where AWS Config records the global IAM resource types (AWS::IAM::User, Group, Role, Policy):
# those where Config was available before February 2022. Every region launched later (Hyderabad,
# Melbourne, Zurich, Spain, UAE, Tel Aviv, Calgary, Malaysia, Thailand, Mexico, Taipei, New Zealand, ...)
# cannot record them; IAM rules there have nothing to evaluate. Source: AWS Config developer guide,
# "Recording AWS Resources | Global Resources" and the managed-rule pages (e.g. iam-user-no-policies-check:
# "All supported AWS regions except Asia Pacific (New Zealand), Asia Pacific (Thailand), Middle East (UAE),
# Asia Pacific (Hyderabad), Asia Pacific (Malaysia), Asia Pacific (Melbourne), Mexico (Central), Israel
# (Tel Aviv), Asia Pacific (Taipei), Canada West (Calgary), Europe (Spain), Europe (Zurich)").
# An allow-list, so that a region launched after this list was written is treated as not recording IAM.
IAM_RECORDING_REGIONS: tuple[str, ...] = (
    "af-south-1", "ap-east-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1",
    "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ca-central-1", "cn-north-1", "cn-northwest-1",
    "eu-central-1", "eu-north-1", "eu-south-1", "eu-west-1", "eu-west-2", "eu-west-3", "me-south-1",
    "sa-east-1", "us-east-1", "us-east-2", "us-gov-east-1", "us-gov-west-1", "us-west-1", "us-west-2")

_ORG_ID = re.compile(r"^o-[a-z0-9]{10,32}$")
_TRAIL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,126}[A-Za-z0-9]$")
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_IAM_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:(root|(role|user)/[\w+=,.@/-]+)$")
_TAG_KEY = re.compile(r"^[\w\s.:/=+\-@]{1,128}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_HTTPS = re.compile(r"^https://[^\s/]+(/\S*)?$")
_PACK_NAME = re.compile(r"^[a-zA-Z][-a-zA-Z0-9]{0,50}$")
_S3_URI = re.compile(r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/.+")
_PREFIX = re.compile(r"^[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*$")


class SettingsError(pulumi.RunError):
    """Bad stack configuration. A ``RunError`` so that Pulumi prints the message without a traceback."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"invalid stack configuration ({len(self.problems)} problem"
                         f"{'s' if len(self.problems) != 1 else ''}):\n{lines}")


class _Invalid(Exception):
    """One setting's value is wrong: ``allowed`` says what would be right."""

    def __init__(self, allowed: str, detail: str = ""):
        super().__init__(allowed)
        self.allowed, self.detail = allowed, detail


# ---- value parsers: raw config value (str or JSON-decoded) -> typed value, or _Invalid ----

def _bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise _Invalid("true or false")


def _int_between(low: int, high: int) -> Callable[[Any], int]:
    def parse(raw: Any) -> int:
        value = None
        if isinstance(raw, int) and not isinstance(raw, bool):
            value = raw
        elif isinstance(raw, str) and re.fullmatch(r"-?\d+", raw.strip()):
            value = int(raw)
        if value is None or not low <= value <= high:
            raise _Invalid(f"a whole number from {low} to {high}")
        return value
    return parse


def _one_of(choices: Sequence[Any]) -> Callable[[Any], Any]:
    def parse(raw: Any) -> Any:
        for choice in choices:
            if str(raw) == str(choice):
                return choice
        raise _Invalid("one of " + ", ".join(str(c) for c in choices))
    return parse


def _matching(pattern: re.Pattern[str], allowed: str) -> Callable[[Any], str]:
    def parse(raw: Any) -> str:
        if not isinstance(raw, str) or not pattern.match(raw):
            raise _Invalid(allowed)
        return raw
    return parse


def _list_of(item: Callable[[Any], Any], allowed: str) -> Callable[[Any], tuple]:
    def parse(raw: Any) -> tuple:
        value = _json(raw)
        if not isinstance(value, list):
            raise _Invalid(f"a list of {allowed}")
        out = []
        for element in value:
            try:
                out.append(item(element))
            except _Invalid as bad:
                detail = f": {bad.detail}" if bad.detail else ""
                raise _Invalid(f"a list of {allowed} ({json.dumps(element)} is not{detail})") from None
        if len({json.dumps(v, sort_keys=True) for v in out}) != len(out):
            raise _Invalid(f"a list of distinct {allowed}")
        return tuple(out)
    return parse


def _tags(raw: Any) -> dict:
    value = _json(raw)
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and _TAG_KEY.match(k) and not k.lower().startswith("aws:")
            and isinstance(v, str) and len(v) <= 256 for k, v in value.items()):
        raise _Invalid("a map of tag keys (1-128 characters, not starting with aws:) to string values "
                       "(at most 256 characters)")
    return dict(value)


def _json(raw: Any) -> Any:
    """Structured config values reach the program as JSON text."""
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def _data_event_bucket(raw: Any) -> str:
    if raw == "*" or (isinstance(raw, str) and _BUCKET_NAME.match(raw)):
        return raw
    raise _Invalid("S3 bucket names, or \"*\" for every bucket")


def _region(raw: Any) -> str:
    if raw in REGIONS:
        return raw
    close = difflib.get_close_matches(str(raw), REGIONS, n=1)
    raise _Invalid("AWS region names", f"did you mean {close[0]}?" if close else "")


def _rule_name(raw: Any) -> str:
    if raw in catalog.RULES_BY_NAME:
        return raw
    close = difflib.get_close_matches(str(raw), catalog.RULES_BY_NAME, n=1)
    raise _Invalid("rule names from the catalog", f"did you mean {close[0]}?" if close else "")


def _detection(raw: Any) -> str:
    from cloudtrail.detections import DETECTIONS_BY_NAME
    if raw in DETECTIONS_BY_NAME:
        return raw
    close = difflib.get_close_matches(str(raw), DETECTIONS_BY_NAME, n=1)
    raise _Invalid("detection names", f"did you mean {close[0]}?" if close else
                   "known: " + ", ".join(DETECTIONS_BY_NAME))


def _matching_region_with_iam() -> Callable[[Any], str]:
    def parse(raw: Any) -> str:
        if raw in IAM_RECORDING_REGIONS:
            return raw
        raise _Invalid("a region where AWS Config records IAM resources (available before February 2022): "
                       + ", ".join(IAM_RECORDING_REGIONS))
    return parse


def _port(raw: Any) -> int:
    return _int_between(1, 65535)(raw)


def _custom_pack(raw: Any) -> dict:
    allowed = ('objects {"name": ..., "templateFile": <path>} or {"name": ..., "templateS3Uri": "s3://..."}')
    if not isinstance(raw, dict) or set(raw) not in ({"name", "templateFile"}, {"name", "templateS3Uri"}):
        raise _Invalid(allowed)
    if not isinstance(raw["name"], str) or not _PACK_NAME.match(raw["name"]):
        raise _Invalid(allowed + " whose name is 1-51 letters, digits or '-', starting with a letter")
    if "templateS3Uri" in raw:
        if not isinstance(raw["templateS3Uri"], str) or not _S3_URI.match(raw["templateS3Uri"]):
            raise _Invalid(allowed + " with templateS3Uri like s3://bucket/key")
        return dict(raw)
    path = raw["templateFile"]
    try:
        with open(path, encoding="utf-8") as handle:
            body = handle.read()
    except (OSError, TypeError):
        raise _Invalid(allowed, f"templateFile {path} was not found") from None
    if len(body) > TEMPLATE_BODY_LIMIT:
        raise _Invalid(allowed, f"{path} has {len(body):,} characters, over the {TEMPLATE_BODY_LIMIT:,} allowed "
                                "in a template body; upload it to S3 and name it with templateS3Uri instead")
    return {"name": raw["name"], "templateFile": path, "templateBody": body}


@dataclass(frozen=True)
class Field:
    """One stack setting: its config key, attribute name, default, parser and documentation."""

    key: str
    attr: str
    default: Any
    parse: Callable[[Any], Any]
    doc: str
    allowed: str = ""


FIELDS: tuple[Field, ...] = (
    Field("trailName", "trail_name", "audit-trail",
          _matching(_TRAIL_NAME, "3-128 letters, digits, '.', '_' or '-', starting and ending with a letter or digit"),
          "Name of the CloudTrail trail (its ARN is built from it).", "3-128 of [A-Za-z0-9._-]"),
    Field("logPrefix", "log_prefix", "",
          lambda raw: "" if raw == "" else _matching(_PREFIX, "an S3 key prefix without leading or trailing '/'")(raw),
          "S3 key prefix for the trail's logs (empty: `AWSLogs/` at the bucket's root).", "S3 key prefix"),
    Field("organizationTrail", "organization_trail", False, _bool,
          "Log every account of the AWS Organization (deploy from the management or delegated admin account).",
          "true/false"),
    Field("organizationId", "organization_id", None,
          _matching(_ORG_ID, "an AWS Organizations id such as o-a1b2c3d4e5"),
          "The organization's id (`o-...`); required with `organizationTrail`.", "o-[a-z0-9]{10,32}"),
    Field("managementAccountId", "management_account_id", None,
          _matching(re.compile(r"^\d{12}$"), "a 12-digit AWS account id"),
          "The organization's management account, which owns an organization trail (its ARN, `aws:SourceArn` "
          "and `AWSLogs/<account>/` path). Required with `organizationTrail` when deploying from a delegated "
          "administrator account; the organization lookup checks it.", "12-digit account id"),
    Field("bucketEncryption", "bucket_encryption", "SSE-KMS", _one_of(BUCKET_ENCRYPTION),
          "Default encryption of the log bucket: the audit key (SSE-KMS) or S3-managed keys (SSE-S3).",
          "SSE-KMS, SSE-S3"),
    Field("glacierAfterDays", "glacier_after_days", 90, _int_between(0, 36500),
          "Move logs to S3 Glacier Flexible Retrieval after this many days (0: never).", "0-36500"),
    Field("expireAfterDays", "expire_after_days", 2557, _int_between(0, 36500),
          "Delete logs after this many days (0: never). CIS asks for at least 365.", "0-36500"),
    Field("objectLockMode", "object_lock_mode", "none", _one_of(OBJECT_LOCK_MODES),
          "S3 Object Lock on the log bucket (write-once logs). AWS Config then gets a bucket of its own.",
          "none, GOVERNANCE, COMPLIANCE"),
    Field("objectLockDays", "object_lock_days", 365, _int_between(1, 36500),
          "Default retention of locked log objects, in days.", "1-36500"),
    Field("protectAuditData", "protect_audit_data", True, _bool,
          "Mark log buckets, the audit key and the log group `protect` so `pulumi destroy` refuses to delete them.",
          "true/false"),
    Field("retainOnDelete", "retain_on_delete", True, _bool,
          "Keep log buckets, the audit key and the log group in AWS when they leave the program.", "true/false"),
    Field("accessLogging", "access_logging", True, _bool,
          "Server access logging of the log bucket into a separate access-log bucket (CIS AWS Foundations v5.0.0 3.4).",
          "true/false"),
    Field("dataEventBuckets", "data_event_buckets", (), _list_of(_data_event_bucket, "S3 bucket names or \"*\""),
          "S3 object-level data events for these buckets (`[\"*\"]`: every bucket; costly).", "list"),
    Field("dataEventsLambda", "data_events_lambda", False, _bool,
          "Lambda invocation data events for every function.", "true/false"),
    Field("insights", "insights", (), _list_of(_one_of(INSIGHT_TYPES), "Insights types"),
          "CloudTrail Insights types to enable.", "ApiCallRateInsight, ApiErrorRateInsight"),
    Field("cloudWatchLogs", "cloud_watch_logs", False, _bool,
          "Also deliver the trail to an encrypted CloudWatch Logs group (needed for CIS alarms).", "true/false"),
    Field("logRetentionDays", "log_retention_days", 365, _one_of(LOG_RETENTION_DAYS),
          "Retention of the CloudWatch Logs group, in days.", "a CloudWatch Logs retention value"),
    Field("deliveryNotifications", "delivery_notifications", False, _bool,
          "An encrypted SNS topic notified of every log file delivery.", "true/false"),
    Field("logReaders", "log_readers", (),
          _list_of(_matching(_IAM_ARN, "IAM ARNs"), "IAM role, user or account-root ARNs"),
          "Principals allowed to decrypt the logs (empty: any principal of the account that IAM allows).",
          "list of IAM ARNs"),
    Field("accountPublicAccessBlock", "account_public_access_block", True, _bool,
          "Block public access to S3 for the whole account (CIS AWS Foundations v5.0.0 2.1.4).", "true/false"),
    Field("ebsEncryptionByDefault", "ebs_encryption_by_default", True, _bool,
          "Encrypt new EBS volumes by default in the region (CIS AWS Foundations v5.0.0 5.1.1).", "true/false"),
    Field("tags", "tags", {}, _tags, "Tags added to every taggable resource.", "map"),
    # ---- AWS Config ----
    Field("config", "config", True, _bool, "Deploy AWS Config: recorder, rules, conformance packs, remediation.",
          "true/false"),
    Field("regions", "regions", (), _list_of(_region, "AWS region names"),
          "Regions where Config records and evaluates (empty: the home region only). Account-level and IAM "
          "rules run in the home region only.", "list of regions"),
    # No default: whether the account already has a recorder cannot be seen by any pulumi-aws data source,
    # and a second customer-managed recorder or delivery channel in a region fails at `pulumi up`.
    Field("recorder", "recorder", None, _one_of(RECORDER_MODES),
          "Required with `config`. `create`: a recorder and delivery channel in every region of `regions` (the "
          "account must have none there); `existing`: use the recorder already there (console, Security Hub, "
          "Control Tower) and deploy only rules, packs and remediation. Check with "
          "`aws configservice describe-configuration-recorders --region <region>`.", "create, existing"),
    Field("globalResourcesRegion", "global_resources_region", None, _matching_region_with_iam(),
          "Region that records the global IAM resource types and runs the IAM rules. Default: the home region; "
          "required when the home region cannot record IAM (launched after February 2022). Added to the "
          "regions Config covers.", "a region where Config records IAM"),
    Field("configNotifications", "config_notifications", False, _bool,
          "An SNS topic per region notified by Config's delivery channel. AWS Config does not support "
          "KMS-encrypted topics, so this topic has no key; its policy refuses publishing without TLS.",
          "true/false"),
    Field("recordingFrequency", "recording_frequency", "CONTINUOUS", _one_of(RECORDING_FREQUENCIES),
          "Record every change, or one configuration item per resource a day (cheaper).", "CONTINUOUS, DAILY"),
    Field("snapshotFrequency", "snapshot_frequency", "TwentyFour_Hours", _one_of(SNAPSHOT_FREQUENCIES),
          "How often Config delivers a configuration snapshot to the bucket.", ", ".join(SNAPSHOT_FREQUENCIES)),
    Field("configRole", "config_role", "service-linked", _one_of(CONFIG_ROLES),
          "The role of the recorder this stack creates (`recorder: create`): `service-linked` uses "
          "AWSServiceRoleForConfig, looked up and created only when missing (never deleted with the stack); "
          "`existing-service-linked` assumes it exists without looking; `custom`: a role with AWS_ConfigRole plus "
          "scoped write access.", ", ".join(CONFIG_ROLES)),
    Field("baselineRulesAs", "baseline_rules_as", "rules", _one_of(BASELINE_RULES_AS),
          "Deploy the baseline's thirteen rules as individual Config `rules` or as one conformance `pack`.",
          "rules, pack"),
    Field("conformancePacks", "conformance_packs", ("cis",), _list_of(_one_of(CONFORMANCE_PACKS), "pack names"),
          "Conformance packs rendered from the catalog (`cis`: CIS AWS Foundations v5.0.0 rules the baseline "
          "does not already deploy).", "[\"cis\"] or []"),
    Field("customConformancePacks", "custom_conformance_packs", (),
          _list_of(_custom_pack, "conformance pack objects"),
          "More packs: `{name, templateFile}` (a template of at most 51,200 characters) or "
          "`{name, templateS3Uri}`.", "list of objects"),
    Field("disabledRules", "disabled_rules", (), _list_of(_rule_name, "rule names from the catalog"),
          "Catalog rules not to deploy (anywhere: individual, in packs, remediation).", "list of rule names"),
    Field("blockedPorts", "blocked_ports", (20, 21, 3389, 3306, 4333), _list_of(_port, "TCP ports (1-65535)"),
          "TCP ports restricted-common-ports blocks from the internet.", "list of 1-65535"),
    Field("passwordMaxAgeDays", "password_max_age_days", 0, _int_between(0, 1095),
          "iam-password-policy: flag passwords older than this many days (0: no expiry check; CIS AWS "
          "Foundations v5.0.0 asks only for length 14 and 24 remembered passwords).", "0-1095"),
    Field("remediation", "remediation", True, _bool,
          "Attach SSM Automation remediation to the rules that have a runbook.", "true/false"),
    Field("automaticRemediation", "automatic_remediation", True, _bool,
          "Run remediation automatically where the catalog says it is safe (otherwise on request only).",
          "true/false"),
    Field("organizationConfig", "organization_config", False, _bool,
          "Organization mode: organization rules and conformance packs and an organization aggregator "
          "(deploy from the management or delegated admin account; needs organizationId).", "true/false"),
    Field("investigation", "investigation", True, _bool,
          "Deploy the Athena workgroup, the projected CloudTrail table and the saved queries.", "true/false"),
    Field("bytesScannedCutoff", "bytes_scanned_cutoff", 10 * 1024 ** 3, _int_between(10 * 1024 ** 2, 10 ** 15),
          "Athena stops a query of the workgroup after it scans this many bytes (cost guard).",
          "10485760 (10 MB) or more"),
    Field("investigationAccounts", "investigation_accounts", (),
          _list_of(_matching(re.compile(r"^\d{12}$"), "12-digit account ids"), "12-digit account ids"),
          "Accounts the CloudTrail table projects (an organization trail's members); empty: this account.",
          "list of account ids"),
    Field("alerting", "alerting", True, _bool,
          "With cloudWatchLogs: a metric filter and an alarm per CIS monitoring detection.", "true/false"),
    Field("alertEmails", "alert_emails", (), _list_of(_matching(_EMAIL, "e-mail addresses"), "e-mail addresses"),
          "E-mail addresses subscribed to the alarm topic (each must confirm).", "list of e-mail addresses"),
    Field("alertHttpsEndpoints", "alert_https_endpoints", (),
          _list_of(_matching(_HTTPS, "https:// URLs"), "https:// URLs"),
          "HTTPS endpoints subscribed to the alarm topic.", "list of https:// URLs"),
    Field("disabledDetections", "disabled_detections", (), _list_of(_detection, "detection names"),
          "Detections not to alarm on.", "list of detection names"),
    Field("aggregator", "aggregator", "none", _one_of(AGGREGATORS),
          "A Config aggregator over this account's regions (`account`) or the organization (`organization`).",
          "none, account, organization"),
)

FIELDS_BY_KEY = {f.key: f for f in FIELDS}
FIELDS_BY_ATTR = {f.attr: f for f in FIELDS}


@dataclass(frozen=True)
class Settings:
    """The validated settings of one stack. Build with ``Settings.from_config`` or ``Settings.from_mapping``."""

    region: str
    trail_name: str = "audit-trail"
    log_prefix: str = ""
    organization_trail: bool = False
    organization_id: Optional[str] = None
    management_account_id: Optional[str] = None
    bucket_encryption: str = "SSE-KMS"
    glacier_after_days: int = 90
    expire_after_days: int = 2557
    object_lock_mode: str = "none"
    object_lock_days: int = 365
    protect_audit_data: bool = True
    retain_on_delete: bool = True
    access_logging: bool = True
    data_event_buckets: tuple = ()
    data_events_lambda: bool = False
    insights: tuple = ()
    cloud_watch_logs: bool = False
    log_retention_days: int = 365
    delivery_notifications: bool = False
    log_readers: tuple = ()
    account_public_access_block: bool = True
    ebs_encryption_by_default: bool = True
    tags: Mapping[str, str] = field(default_factory=dict)
    config: bool = True
    regions: tuple = ()
    recorder: Optional[str] = None
    global_resources_region: Optional[str] = None
    config_notifications: bool = False
    recording_frequency: str = "CONTINUOUS"
    snapshot_frequency: str = "TwentyFour_Hours"
    config_role: str = "service-linked"
    baseline_rules_as: str = "rules"
    conformance_packs: tuple = ("cis",)
    custom_conformance_packs: tuple = ()
    disabled_rules: tuple = ()
    blocked_ports: tuple = (20, 21, 3389, 3306, 4333)
    password_max_age_days: int = 0
    remediation: bool = True
    automatic_remediation: bool = True
    organization_config: bool = False
    aggregator: str = "none"
    investigation: bool = True
    bytes_scanned_cutoff: int = 10 * 1024 ** 3
    investigation_accounts: tuple = ()
    alerting: bool = True
    alert_emails: tuple = ()
    alert_https_endpoints: tuple = ()
    disabled_detections: tuple = ()

    @property
    def alerting_on(self) -> bool:
        return self.alerting and self.cloud_watch_logs

    @property
    def iam_region(self) -> str:
        """Where Config records the global IAM types and the IAM rules run: the home region when it can
        record them, otherwise ``globalResourcesRegion`` (required then)."""
        return self.global_resources_region or self.region

    @property
    def config_regions(self) -> tuple:
        """The home region first, then the IAM region, then the other regions Config covers."""
        ordered = (self.region, self.iam_region, *self.regions)
        return tuple(dict.fromkeys(ordered))

    @property
    def effective_aggregator(self) -> str:
        return "organization" if self.organization_config else self.aggregator

    @property
    def object_lock(self) -> bool:
        return self.object_lock_mode != "none"

    @property
    def data_events(self) -> bool:
        return bool(self.data_event_buckets) or self.data_events_lambda

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], region: Optional[str]) -> "Settings":
        """Validate raw config values (keys without namespace) and the AWS region; raise one SettingsError."""
        problems: list[str] = []
        parsed: dict[str, Any] = {}
        for key, raw in values.items():
            spec = FIELDS_BY_KEY.get(key)
            if spec is None:
                close = difflib.get_close_matches(key, FIELDS_BY_KEY, n=1, cutoff=0.6)
                hint = f"; did you mean '{NAMESPACE}:{close[0]}'?" if close else \
                    f"; known keys: {', '.join(sorted(FIELDS_BY_KEY))}"
                problems.append(f"{NAMESPACE}:{key}: unknown setting{hint}")
                continue
            try:
                parsed[spec.attr] = spec.parse(raw)
            except _Invalid as bad:
                problems.append(f"{NAMESPACE}:{key}: {_show(raw)} is not valid; expected {bad.allowed}")

        if region is None:
            problems.append("aws:region: not set; set it with `pulumi config set aws:region us-east-1`")
        elif region not in REGIONS:
            close = difflib.get_close_matches(region, REGIONS, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            problems.append(f"aws:region: {_show(region)} is not an AWS region{hint}; expected one of "
                            + ", ".join(REGIONS))

        invalid = {FIELDS_BY_KEY[k].attr for k in values if k in FIELDS_BY_KEY and FIELDS_BY_KEY[k].attr not in parsed}
        if not invalid:  # a combination is judged only once each of its values is valid
            # "_region": the home region (aws:region) when valid, for checks that depend on it
            problems.extend(_conflicts({**parsed, "_region": region if region in REGIONS else None}))
        if problems:
            raise SettingsError(problems)
        return cls(region=region or "", **parsed)

    @classmethod
    def from_config(cls) -> "Settings":
        """Read the stack's config (namespace ``audit-baseline`` and ``aws:region``)."""
        return cls.from_mapping(project_config_values(), pulumi.Config("aws").get("region"))


RECORDER_REQUIRED = (
    f"{NAMESPACE}:recorder: required with AWS Config (config: true); expected 'create' (this stack creates a "
    "configuration recorder and delivery channel in every region of regions; the account must have none "
    "there: Config allows one of each per account and region) or 'existing' (keep the recorder the account "
    "already has, e.g. from the console, Security Hub or Control Tower, and deploy only rules, conformance "
    "packs and remediation). Check each region with `aws configservice describe-configuration-recorders "
    "--region <region>`: an empty ConfigurationRecorders list means 'create'. Or set config: false")


def _show(raw: Any) -> str:
    return json.dumps(raw) if not isinstance(raw, str) else f"'{raw}'"


def _conflicts(p: Mapping[str, Any]) -> list[str]:
    """Problems that involve more than one setting (``p``: parsed values by attribute, plus ``_region``)."""
    out = []
    org_trail, org_id = p.get("organization_trail", False), p.get("organization_id")
    if org_trail and not org_id:
        out.append(f"{NAMESPACE}:organizationId: required when {NAMESPACE}:organizationTrail is true; "
                   "expected an AWS Organizations id such as o-a1b2c3d4e5")
    if org_id and not org_trail:
        out.append(f"{NAMESPACE}:organizationId: set to '{org_id}' but {NAMESPACE}:organizationTrail is false; "
                   "set organizationTrail to true or remove organizationId")
    if p.get("management_account_id") and not org_trail:
        out.append(f"{NAMESPACE}:managementAccountId: set but {NAMESPACE}:organizationTrail is false; "
                   "expected organizationTrail: true or remove managementAccountId")
    if p.get("config", True):
        if p.get("recorder") is None:
            out.append(RECORDER_REQUIRED)
        home = p.get("_region")
        if home and home not in IAM_RECORDING_REGIONS and not p.get("global_resources_region"):
            out.append(f"{NAMESPACE}:globalResourcesRegion: required because the home region {home} cannot record "
                       "IAM users, groups, roles and policies (AWS Config records them only in regions available "
                       "before February 2022); expected the region where the IAM rules will run and global resource "
                       "types will be recorded, one of " + ", ".join(IAM_RECORDING_REGIONS))
    elif "global_resources_region" in p or "config_notifications" in p:
        key = "globalResourcesRegion" if "global_resources_region" in p else "configNotifications"
        out.append(f"{NAMESPACE}:{key}: set but {NAMESPACE}:config is false; expected config: true or remove it")
    glacier, expire = p.get("glacier_after_days", 90), p.get("expire_after_days", 2557)
    if expire and expire < 365:
        out.append(f"{NAMESPACE}:expireAfterDays: {expire} deletes audit logs before a year; "
                   "expected 0 (never) or at least 365 (CIS AWS Foundations keeps a year of logs)")
    elif expire and glacier and expire <= glacier:
        out.append(f"{NAMESPACE}:expireAfterDays: {expire} must be greater than "
                   f"{NAMESPACE}:glacierAfterDays ({glacier}), or 0 to keep logs forever")
    if p.get("object_lock_mode", "none") != "none" and expire and expire < p.get("object_lock_days", 365):
        out.append(f"{NAMESPACE}:objectLockDays: {p.get('object_lock_days', 365)} is longer than "
                   f"{NAMESPACE}:expireAfterDays ({expire}); locked objects cannot expire before their retention ends")
    if "object_lock_days" in p and p.get("object_lock_mode", "none") == "none":
        out.append(f"{NAMESPACE}:objectLockDays: set but {NAMESPACE}:objectLockMode is 'none'; "
                   "expected objectLockMode GOVERNANCE or COMPLIANCE")
    if p.get("organization_config") and not org_id:
        out.append(f"{NAMESPACE}:organizationConfig: true needs {NAMESPACE}:organizationId (and an organization "
                   "trail); expected organizationId such as o-a1b2c3d4e5")
    if p.get("aggregator") == "organization" and not org_id:
        out.append(f"{NAMESPACE}:aggregator: 'organization' needs {NAMESPACE}:organizationId; expected "
                   "'account' or 'none', or set organizationId")
    if p.get("organization_config") and p.get("aggregator") == "account":
        out.append(f"{NAMESPACE}:aggregator: 'account' conflicts with {NAMESPACE}:organizationConfig, which "
                   "aggregates the organization; expected 'organization' or 'none'")
    if not p.get("config", True) and any(k in p for k in ("regions", "conformance_packs", "disabled_rules")):
        set_keys = [k for k in ("regions", "conformance_packs", "disabled_rules") if k in p]
        out.append(f"{NAMESPACE}:config: false, but {', '.join(FIELDS_BY_ATTR[k].key for k in set_keys)} "
                   "configure AWS Config; expected config: true or remove them")
    alert_keys = [k for k in ("alert_emails", "alert_https_endpoints", "disabled_detections") if p.get(k)]
    if alert_keys and not p.get("cloud_watch_logs", False):
        out.append(f"{NAMESPACE}:{FIELDS_BY_ATTR[alert_keys[0]].key}: set but {NAMESPACE}:cloudWatchLogs is false, "
                   "and alarms read the trail's CloudWatch Logs group; expected cloudWatchLogs: true")
    names = [pack["name"] for pack in p.get("custom_conformance_packs", ())]
    if len(set(names)) != len(names):
        out.append(f"{NAMESPACE}:customConformancePacks: two packs share a name; expected distinct names")
    buckets = p.get("data_event_buckets", ())
    if "*" in buckets and len(buckets) > 1:
        out.append(f"{NAMESPACE}:dataEventBuckets: \"*\" already covers every bucket; expected [\"*\"] alone "
                   "or a list of bucket names")
    if "log_retention_days" in p and not p.get("cloud_watch_logs", False):
        out.append(f"{NAMESPACE}:logRetentionDays: set but {NAMESPACE}:cloudWatchLogs is false; "
                   "expected cloudWatchLogs: true")
    return out


def project_config_values() -> dict[str, Any]:
    """Every ``audit-baseline:*`` key of the stack's config, namespace stripped.

    The SDK offers no listing of keys, so read both places the language host puts config.
    """
    from pulumi.runtime import config as runtime_config

    merged = dict(runtime_config.get_config_env())
    merged.update(runtime_config.CONFIG.get())
    prefix = NAMESPACE + ":"
    out = {}
    for key, value in merged.items():
        if key.startswith(prefix):
            name = key[len(prefix):]
            # The CLI also accepts the older "audit-baseline:config:key" form.
            out[name.removeprefix("config:")] = value
    return out
