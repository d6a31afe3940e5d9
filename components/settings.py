"""Typed, validated stack settings for the audit baseline: one pydantic model.

Every setting is one field of ``Settings``: its type says what is allowed (and the message when it
is not), its default, its config key (the camelCase of the attribute) and its documentation; the
README's settings table is generated from the fields (``FIELDS``). Reading the settings never
registers a resource: every mistake in the stack's config is collected and reported as one
``SettingsError`` before the program declares anything: unknown keys (with the closest key), each
invalid value (key, value, what is allowed), combinations and AWS limits (``limits``).
"""
from __future__ import annotations

import difflib
from collections import namedtuple
import json
import re
from dataclasses import dataclass
from typing import Annotated, Any, Callable, Collection, Literal, Mapping, Optional, Sequence

import pulumi
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, Strict, StringConstraints, \
    ValidationError
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from audit_pack import catalog

from . import limits, stack_keys
from .partitions import REGIONS
from .stack_keys import NAMESPACE

# CloudWatch Logs accepts only these retention periods (days); 0 would mean "never expire".
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096,
                      1827, 2192, 2557, 2922, 3288, 3653)
INSIGHT_TYPES = ("ApiCallRateInsight", "ApiErrorRateInsight")
SNAPSHOT_FREQUENCIES = ("One_Hour", "Three_Hours", "Six_Hours", "Twelve_Hours", "TwentyFour_Hours")
CONFIG_ROLES = ("service-linked", "existing-service-linked", "custom")
ACCOUNT_ROLES = ("standalone", "log-archive", "management", "audit")
# What each organization role needs besides organizationId and managementAccountId (attributes).
ROLE_NEEDS = {"log-archive": ("audit_account_id",), "management": ("log_archive_account_id", "audit_account_id"),
              "audit": ("log_archive_account_id",)}
_TRAIL_EXTRAS = ("cloud_watch_logs", "log_retention_days", "delivery_notifications", "log_readers", "alert_emails",
                 "alert_https_endpoints", "disabled_detections", "bucket_encryption")
_STORAGE = ("object_lock_mode", "object_lock_days", "glacier_after_days", "expire_after_days", "access_logging")
_CONFIG = ("recorder", "regions", "global_resources_region", "config_notifications", "recording_frequency",
           "snapshot_frequency", "config_role", "baseline_rules_as", "conformance_packs", "custom_conformance_packs",
           "disabled_rules", "blocked_ports", "password_max_age_days", "remediation", "automatic_remediation",
           "aggregator")
_INVESTIGATION = ("investigation", "bytes_scanned_cutoff", "investigation_accounts")
# Settings each organization role has no use for (attributes): setting one is an error, never silently ignored.
ROLE_IGNORES = {
    "log-archive": (*_TRAIL_EXTRAS, *_CONFIG, *_INVESTIGATION, "insights", "data_event_buckets",
                    "data_events_lambda", "config", "log_archive_stack", "log_archive_bucket_name",
                    "log_archive_config_bucket_name", "log_archive_key_arn"),
    "management": ("delivery_notifications", "log_readers", "bucket_encryption", *_STORAGE, *_INVESTIGATION, "baseline_rules_as", "conformance_packs",
                   "custom_conformance_packs", "disabled_rules", "blocked_ports", "password_max_age_days",
                   "remediation", "automatic_remediation", "aggregator", "config_role"),
    "audit": (*_TRAIL_EXTRAS, *_STORAGE, "recorder", "config_role", "config_notifications", "recording_frequency",
              "snapshot_frequency", "insights", "data_event_buckets", "data_events_lambda", "aggregator",
              "log_archive_config_bucket_name"),
}
ORGANIZATION_ONLY = ("log_archive_account_id", "audit_account_id", "log_archive_stack", "log_archive_bucket_name",
                     "log_archive_config_bucket_name",
                     "log_archive_key_arn", "stack_set_targets")
TEMPLATE_BODY_LIMIT = limits.TEMPLATE_BODY_BYTES.value  # UTF-8 bytes; a larger template must come from S3
IAM_RECORDING_REGIONS = limits.IAM_RECORDING_REGIONS  # regions where Config records IAM resources


class SettingsError(pulumi.RunError):
    """Bad stack configuration. A ``RunError`` so that Pulumi prints the message without a traceback."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"invalid stack configuration ({len(self.problems)} problem"
                         f"{'s' if len(self.problems) != 1 else ''}):\n{lines}")


# ---- the types settings take. Config values arrive as text (structured ones as JSON text), so each
# type first turns text into its value, then pydantic checks it strictly. ``Expect`` says what is allowed
# in messages; an element's validator may add a detail (``_refuse``). ----

@dataclass(frozen=True)
class Expect:
    """What a setting allows, as messages say it; ``items`` for lists (what each element is)."""

    text: str
    items: str = ""


def _refuse(detail: str = "") -> PydanticCustomError:
    return PydanticCustomError("setting", "not allowed{detail}", {"detail": detail})


def _flag(raw: Any) -> Any:
    return raw.lower() == "true" if isinstance(raw, str) and raw.lower() in ("true", "false") else raw


def _whole_number(raw: Any) -> Any:
    return int(raw) if isinstance(raw, str) and re.fullmatch(r"-?\d+", raw.strip()) else raw


def _json(raw: Any) -> Any:
    """Structured config values reach the program as JSON text."""
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def _distinct(values: tuple) -> tuple:
    if len({json.dumps(v, sort_keys=True) for v in values}) != len(values):
        raise PydanticCustomError("distinct", "not distinct")
    return values


Flag = Annotated[bool, Strict(), BeforeValidator(_flag), Expect("true or false")]


def Whole(low: int, high: int):
    return Annotated[int, Strict(), Field(ge=low, le=high), BeforeValidator(_whole_number),
                     Expect(f"a whole number from {low} to {high}")]


def OneOf(*choices, expected: str = ""):
    match = (lambda raw: next((c for c in choices if str(raw) == str(c)), raw))
    return Annotated[Literal[choices], BeforeValidator(match),
                     Expect(expected or "one of " + ", ".join(map(str, choices)))]


def Text(pattern: str, expected: str):
    return Annotated[str, Strict(), StringConstraints(pattern=pattern), Expect(expected)]


def Checked(check: Callable[[Any], Any], expected: str):
    """A value ``check`` returns (parsed) or refuses with ``_refuse``."""
    return Annotated[Any, BeforeValidator(check), Expect(expected)]


def ListOf(item, items: str):
    return Annotated[tuple[item, ...], BeforeValidator(_json), AfterValidator(_distinct),
                     Expect(f"a list of {items}", items)]


def _known(names: Callable[[], Collection[str]], listed: bool = False):
    """One of ``names()`` (read when first needed), or refused with the closest name (or, ``listed``, all)."""
    def check(raw: Any) -> Any:
        if raw in names():
            return raw
        close = difflib.get_close_matches(str(raw), list(names()), n=1)
        raise _refuse(f"did you mean {close[0]}?" if close else "known: " + ", ".join(names()) if listed else "")
    return Checked(check, "")


def _detections() -> Collection[str]:
    from cloudtrail.detections import DETECTIONS_BY_NAME
    return DETECTIONS_BY_NAME


def _custom_pack(raw: Any) -> dict:
    if not isinstance(raw, dict) or set(raw) not in ({"name", "templateFile"}, {"name", "templateS3Uri"}):
        raise _refuse()
    if not isinstance(raw["name"], str) or not re.match(r"^[a-zA-Z][-a-zA-Z0-9]{0,50}$", raw["name"]):
        raise _refuse()  # 1-51 letters, digits or '-', starting with a letter
    if "templateS3Uri" in raw:
        if not isinstance(raw["templateS3Uri"], str) or not re.match(rf"^s3://{BUCKET_NAME}/.+", raw["templateS3Uri"]):
            raise _refuse()
        return dict(raw)
    path = raw["templateFile"]
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except (OSError, TypeError):
        raise _refuse(f"templateFile {path} was not found") from None
    if too_large := limits.template_body(path, data):
        raise _refuse(too_large)
    try:
        return {"name": raw["name"], "templateFile": path, "templateBody": data.decode("utf-8")}
    except UnicodeDecodeError:
        raise _refuse(f"templateFile {path} is not UTF-8 text") from None


TagKey = Annotated[str, StringConstraints(pattern=r"^(?![aA][wW][sS]:)[\w\s.:/=+\-@]{1,128}$")]
TAGS = Annotated[dict[TagKey, Annotated[str, Strict(), StringConstraints(max_length=256)]], BeforeValidator(_json),
                 Expect("a map of tag keys (1-128 characters, not starting with aws:) to string values "
                        "(at most 256 characters)")]
ACCOUNT_ID = r"^\d{12}$"
BUCKET_NAME = r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"  # an S3 bucket name (unanchored)
AccountId = Text(ACCOUNT_ID, "a 12-digit AWS account id")
BucketName = Text(rf"^{BUCKET_NAME}$", "an S3 bucket name")
IAM_ARN = r"^arn:aws[a-z-]*:iam::\d{12}:(root|(role|user)/[\w+=,.@/-]+)$"


def Setting(default: Any, allowed: str, doc: str) -> Any:
    """A field: its default, the README's 'allowed' column and 'what it does'."""
    return Field(default, description=doc, json_schema_extra={"allowed": allowed})


class Settings(BaseModel):
    """The validated settings of one stack. Build with ``Settings.from_config`` or ``Settings.from_mapping``;
    attributes are the snake_case of the config keys."""

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, regex_engine="python-re")

    region: str = Field("", alias="aws:region")
    trail_name: Text(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,126}[A-Za-z0-9]$",
                     "3-128 letters, digits, '.', '_' or '-', starting and ending with a letter or digit") = Setting(
        "audit-trail", "3-128 of [A-Za-z0-9._-]", "Name of the CloudTrail trail (its ARN is built from it).")
    log_prefix: Text(r"^(|[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*)$",
                     "an S3 key prefix without leading or trailing '/'") = Setting(
        "", "S3 key prefix", "S3 key prefix for the trail's logs (empty: `AWSLogs/` at the bucket's root).")
    organization_trail: Flag = Setting(
        False, "true/false",
        "Log every account of the AWS Organization (deploy from the management or delegated admin account).")
    organization_id: Text(r"^o-[a-z0-9]{10,32}$", "an AWS Organizations id such as o-a1b2c3d4e5") = Setting(
        None, "o-[a-z0-9]{10,32}", "The organization's id (`o-...`); required with `organizationTrail`.")
    management_account_id: AccountId = Setting(
        None, "12-digit account id",
        "The organization's management account, which owns an organization trail (its ARN, `aws:SourceArn` "
        "and `AWSLogs/<account>/` path). Required with `organizationTrail` when deploying from a delegated "
        "administrator account; the organization lookup checks it.")
    bucket_encryption: OneOf("SSE-KMS", "SSE-S3") = Setting(
        "SSE-KMS", "SSE-KMS, SSE-S3",
        "Default encryption of the log bucket: the audit key (SSE-KMS) or S3-managed keys (SSE-S3).")
    glacier_after_days: Whole(0, 36500) = Setting(
        90, "0-36500",
        "Move logs to S3 Glacier Instant Retrieval after this many days (0: never); Athena still reads them.")
    expire_after_days: Whole(0, 36500) = Setting(
        2557, "0, or 365-36500", "Delete logs after this many days (0: never). CIS asks for at least 365 "
        "(shorter is refused).")
    object_lock_mode: OneOf("none", "GOVERNANCE", "COMPLIANCE") = Setting(
        "none", "none, GOVERNANCE, COMPLIANCE",
        "S3 Object Lock on the log bucket (write-once logs). AWS Config then gets a bucket of its own.")
    object_lock_days: Whole(1, 36500) = Setting(365, "1-36500", "Default retention of locked log objects, in days.")
    protect_audit_data: Flag = Setting(
        True, "true/false",
        "Mark log buckets, the audit key and the log group `protect` so `pulumi destroy` refuses to delete them.")
    retain_on_delete: Flag = Setting(
        True, "true/false", "Keep log buckets, the audit key and the log group in AWS when they leave the program.")
    access_logging: Flag = Setting(
        True, "true/false",
        "Server access logging of the log bucket (and of Config's own bucket and Athena's results bucket) into a "
        "separate access-log bucket (CIS AWS Foundations v5.0.0 3.4).")
    data_event_buckets: ListOf(Text(rf"^(\*|{BUCKET_NAME})$", ""),
                               "S3 bucket names or \"*\"") = Setting(
        (), "list", "S3 object-level data events for these buckets (`[\"*\"]`: every bucket; costly).")
    data_events_lambda: Flag = Setting(False, "true/false", "Lambda invocation data events for every function.")
    insights: ListOf(OneOf(*INSIGHT_TYPES), "Insights types") = Setting(
        (), "ApiCallRateInsight, ApiErrorRateInsight", "CloudTrail Insights types to enable.")
    cloud_watch_logs: Flag = Setting(
        False, "true/false", "Also deliver the trail to an encrypted CloudWatch Logs group (needed for CIS alarms).")
    log_retention_days: OneOf(*LOG_RETENTION_DAYS) = Setting(
        365, "a CloudWatch Logs retention value", "Retention of the CloudWatch Logs group, in days.")
    delivery_notifications: Flag = Setting(
        False, "true/false", "An encrypted SNS topic notified of every log file delivery.")
    log_readers: ListOf(Text(IAM_ARN, "IAM ARNs"), "IAM role, user or account-root ARNs") = Setting(
        (), "list of IAM ARNs",
        "Principals allowed to decrypt the logs (empty: any principal of the account that IAM allows).")
    account_public_access_block: Flag = Setting(
        True, "true/false", "Block public access to S3 for the whole account (CIS AWS Foundations v5.0.0 2.1.4).")
    ebs_encryption_by_default: Flag = Setting(
        True, "true/false", "Encrypt new EBS volumes by default in the region (CIS AWS Foundations v5.0.0 5.1.1).")
    tags: TAGS = Setting({}, "map", "Tags added to every taggable resource.")
    # ---- AWS Config ----
    config: Flag = Setting(
        True, "true/false", "Deploy AWS Config: recorder, rules, conformance packs, remediation.")
    regions: ListOf(_known(lambda: REGIONS), "AWS region names") = Setting(
        (), "list of regions", "Regions where Config records and evaluates (empty: the home region only). "
        "Account-level and IAM rules run in the home region only.")
    # No default: whether the account already has a recorder cannot be seen by any pulumi-aws data source,
    # and a second customer-managed recorder or delivery channel in a region fails at `pulumi up`.
    recorder: OneOf("create", "existing") = Setting(
        None, "create, existing",
        "Required with `config`. `create`: a recorder and delivery channel in every region of `regions` (the "
        "account must have none there); `existing`: use the recorder already there (console, Security Hub, "
        "Control Tower) and deploy only rules, packs and remediation. Check with "
        "`aws configservice describe-configuration-recorders --region <region>`.")
    global_resources_region: OneOf(*IAM_RECORDING_REGIONS, expected="a region where AWS Config records IAM "
                                   "resources (available before February 2022): " + ", ".join(IAM_RECORDING_REGIONS)
                                   ) = Setting(
        None, "a region where Config records IAM",
        "Region that records the global IAM resource types and runs the IAM rules. Default: the home region; "
        "required when the home region cannot record IAM (launched after February 2022). Added to the "
        "regions Config covers.")
    config_notifications: Flag = Setting(
        False, "true/false",
        "An SNS topic per region notified by Config's delivery channel. AWS Config does not support "
        "KMS-encrypted topics, so this topic has no key; its policy refuses publishing without TLS.")
    recording_frequency: OneOf("CONTINUOUS", "DAILY") = Setting(
        "CONTINUOUS", "CONTINUOUS, DAILY",
        "Record every change, or one configuration item per resource a day (cheaper).")
    snapshot_frequency: OneOf(*SNAPSHOT_FREQUENCIES) = Setting(
        "TwentyFour_Hours", ", ".join(SNAPSHOT_FREQUENCIES),
        "How often Config delivers a configuration snapshot to the bucket.")
    config_role: OneOf(*CONFIG_ROLES) = Setting(
        "service-linked", ", ".join(CONFIG_ROLES),
        "The role of the recorder this stack creates (`recorder: create`): `service-linked` uses "
        "AWSServiceRoleForConfig, looked up and created only when missing (never deleted with the stack); "
        "`existing-service-linked` assumes it exists without looking; `custom`: a role with AWS_ConfigRole plus "
        "scoped write access.")
    baseline_rules_as: OneOf("rules", "pack") = Setting(
        "rules", "rules, pack",
        "Deploy the baseline's thirteen rules as individual Config `rules` or as one conformance `pack`.")
    conformance_packs: ListOf(OneOf("cis"), "pack names") = Setting(
        ("cis",), "[\"cis\"] or []", "Conformance packs rendered from the catalog (`cis`: CIS AWS Foundations "
        "v5.0.0 rules the baseline does not already deploy).")
    custom_conformance_packs: ListOf(Checked(_custom_pack, ""), "conformance pack objects") = Setting(
        (), "list of objects",
        "More packs: `{name, templateFile}` (a template of at most 51,200 bytes) or `{name, templateS3Uri}`.")
    disabled_rules: ListOf(_known(lambda: catalog.RULES_BY_NAME), "rule names from the catalog") = Setting(
        (), "list of rule names", "Catalog rules not to deploy (anywhere: individual, in packs, remediation).")
    blocked_ports: ListOf(Whole(1, 65535), "TCP ports (1-65535)") = Setting(
        (20, 21, 3389, 3306, 4333), "list of 1-65535", "TCP ports restricted-common-ports blocks from the internet.")
    password_max_age_days: Whole(0, 1095) = Setting(
        0, "0-1095", "iam-password-policy: flag passwords older than this many days (0: no expiry check; CIS AWS "
        "Foundations v5.0.0 asks only for length 14 and 24 remembered passwords).")
    remediation: Flag = Setting(
        True, "true/false", "Attach SSM Automation remediation to the rules that have a runbook.")
    automatic_remediation: Flag = Setting(
        True, "true/false", "Run remediation automatically where the catalog says it is safe (otherwise on request "
        "only).")
    organization_config: Flag = Setting(
        False, "true/false", "Organization mode: organization rules and conformance packs and an organization "
        "aggregator (deploy from the management or delegated admin account; needs organizationId).")
    investigation: Flag = Setting(
        True, "true/false", "Deploy the Athena workgroup, the projected CloudTrail table and the saved queries.")
    bytes_scanned_cutoff: Whole(10 * 1024 ** 2, 10 ** 15) = Setting(
        10 * 1024 ** 3, "10485760 (10 MB) or more",
        "Athena stops a query of the workgroup after it scans this many bytes (cost guard).")
    investigation_accounts: ListOf(Text(ACCOUNT_ID, ""), "12-digit account ids") = Setting(
        (), "list of account ids",
        "Accounts the CloudTrail table projects (an organization trail's members: all of them); empty: this "
        "account, or for an organization trail an `injected` projection each query names (`account = '...'`).")
    alerting: Flag = Setting(
        True, "true/false", "With cloudWatchLogs: a metric filter and an alarm per CIS monitoring detection.")
    alert_emails: ListOf(Text(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$", ""), "e-mail addresses") = Setting(
        (), "list of e-mail addresses", "E-mail addresses subscribed to the alarm topic (each must confirm).")
    alert_https_endpoints: ListOf(Text(r"^https://[^\s/]+(/\S*)?$", ""), "https:// URLs") = Setting(
        (), "list of https:// URLs", "HTTPS endpoints subscribed to the alarm topic.")
    disabled_detections: ListOf(_known(_detections, listed=True), "detection names") = Setting(
        (), "list of detection names", "Detections not to alarm on.")
    aggregator: OneOf("none", "account", "organization") = Setting(
        "none", "none, account, organization",
        "A Config aggregator over this account's regions (`account`) or the organization (`organization`).")

    # ---- an organization's baseline (issue 18): which part of it this stack deploys ----
    account_role: OneOf(*ACCOUNT_ROLES) = Setting(
        "standalone", ", ".join(ACCOUNT_ROLES),
        "Which part of the baseline this stack deploys: `standalone` (one account's whole baseline), or for an "
        "organization `log-archive` (the bucket and key every account delivers to), `management` (the "
        "organization trail and the StackSet that makes every member record) or `audit` (aggregator, "
        "organization rules, alarms, investigation). See \"An organization's baseline\".")
    log_archive_account_id: AccountId = Setting(
        None, "12-digit account id", "Organization roles: the log-archive account (owner of the bucket and key).")
    audit_account_id: AccountId = Setting(
        None, "12-digit account id", "Organization roles: the audit account, whose investigation role alone may "
        "read the log archive.")
    log_archive_stack: Text(r"^([A-Za-z0-9_.-]+/){0,2}[A-Za-z0-9_.-]+$", "a stack name such as "
                            "acme/audit-baseline/log-archive") = Setting(
        None, "org/project/stack", "Roles `management` and `audit`: the log-archive stack whose outputs "
        "(`logArchiveBucketName`, `logArchiveKeyArn`) a `pulumi.StackReference` reads.")
    log_archive_bucket_name: BucketName = Setting(
        None, "S3 bucket name", "Overrides the log-archive stack's `logArchiveBucketName`.")
    log_archive_config_bucket_name: BucketName = Setting(
        None, "S3 bucket name", "Overrides the log-archive stack's `logArchiveConfigBucketName` (Config's bucket, "
        "a bucket of its own when the archive has Object Lock; default: `logArchiveBucketName`).")
    log_archive_key_arn: Text(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[0-9a-f-]{36}$", "a KMS key ARN") = Setting(
        None, "KMS key ARN", "Overrides the log-archive stack's `logArchiveKeyArn`.")
    investigation_role_name: Text(r"^[\w+=,.@-]{1,64}$", "an IAM role name") = Setting(
        "audit-baseline-investigator", "IAM role name",
        "The audit account's investigation role: created by the `audit` stack, the only reader of the log archive.")
    stack_set_targets: ListOf(Text(r"^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$", ""),
                              "organization root (r-...) or OU (ou-...) ids") = Setting(
        (), "list of r-/ou- ids", "Role `management`: where the member-recording StackSet deploys (empty: the "
        "organization's root, i.e. every member account, present and future).")

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
        return tuple(dict.fromkeys((self.region, self.iam_region, *self.regions)))

    @property
    def effective_aggregator(self) -> str:
        return "organization" if self.organization_config else self.aggregator

    @property
    def object_lock(self) -> bool:
        return self.object_lock_mode != "none"

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], region: Optional[str], *, secrets: Collection[str] = (),
                     misplaced: Sequence[str] = ()) -> "Settings":
        """Validate raw config values (keys without namespace) and the AWS region; raise one SettingsError.

        ``secrets`` names the keys whose values are secret (never shown in a message); ``misplaced`` holds
        problems already found with keys outside this namespace (``stack_keys.misplaced``). Problems come
        in the order of the keys, then the region, the misplaced keys, combinations and AWS limits; the
        last two only once every value is valid.
        """
        by_key: dict[str, str] = {}
        accepted = {}
        for key, raw in values.items():
            spec = FIELDS_BY_KEY.get(key)
            if spec is None:
                close = difflib.get_close_matches(key, FIELDS_BY_KEY, n=1, cutoff=0.6)
                by_key[key] = f"{NAMESPACE}:{key}: unknown setting" + (
                    f"; did you mean '{NAMESPACE}:{close[0]}'?" if close else
                    f"; known keys: {', '.join(sorted(FIELDS_BY_KEY))}")
            elif key in secrets and raw == stack_keys.OFFLINE_SECRET:
                by_key[key] = (f"{NAMESPACE}:{key}: a secure value, which the offline plan cannot decrypt, so it was "
                               "not judged; run `pulumi preview` (which decrypts it), or set it in clear text in the "
                               "stack you plan offline")
            elif too_long := limits.value_size(key, raw):
                by_key[key] = too_long[0]
            elif raw is None or (raw == "" and spec.default != ""):
                default = "none" if spec.default is None else limits.show(spec.default)
                by_key[key] = (f"{NAMESPACE}:{key}: empty (a YAML null or ''); expected {spec.allowed}, or remove "
                               f"the key to use the default ({default})")
            else:
                accepted[key] = raw
        settings = None
        try:
            settings = cls.model_validate({**accepted, "aws:region": region or ""})
        except ValidationError as error:
            for e in error.errors():
                key = e["loc"][0]
                by_key.setdefault(key, f"{NAMESPACE}:{key}: {limits.show(accepted[key], key in secrets)} is not valid; "
                                       f"expected {_expected(FIELDS_BY_KEY[key].expect, e)}")
        problems = [by_key[key] for key in values if key in by_key]
        if region is None:
            problems.append("aws:region: not set; set it with `pulumi config set aws:region us-east-1`")
        elif region not in REGIONS:
            close = difflib.get_close_matches(region, REGIONS, n=1)
            problems.append(f"aws:region: {limits.show(region)} is not an AWS region"
                            + (f" (did you mean {close[0]}?)" if close else "") + "; expected one of "
                            + ", ".join(REGIONS))
        problems.extend(misplaced)
        if settings is not None and len(accepted) == sum(k in FIELDS_BY_KEY for k in values):
            # a combination is judged only once each of its values is valid
            problems.extend(_conflicts(settings, settings.model_fields_set, region if region in REGIONS else None))
            problems.extend(_limits(settings))
        if problems:
            raise SettingsError(problems)
        return settings

    @classmethod
    def from_config(cls) -> "Settings":
        """Read the stack's whole config: namespace ``audit-baseline``, ``aws:region``, and keys that belong
        to neither where they are (``stack_keys``)."""
        config = stack_keys.all_config()
        secret = {stack_keys.split(k)[1] for k in stack_keys.secret_keys(config) if stack_keys.split(k)[0] == NAMESPACE}
        return cls.from_mapping(stack_keys.project_values(config), pulumi.Config("aws").get("region"),
                                secrets=secret, misplaced=stack_keys.misplaced(config, FIELDS_BY_KEY))


# One setting as the README and the messages name it: config key, attribute, default, doc, allowed, Expect.
FieldSpec = namedtuple("FieldSpec", "key attr default doc allowed expect")


def _spec(attr: str, info) -> FieldSpec:
    expect = next(m for m in info.metadata if isinstance(m, Expect))
    return FieldSpec(info.alias, attr, info.default, info.description, info.json_schema_extra["allowed"], expect)


FIELDS: tuple[FieldSpec, ...] = tuple(_spec(attr, info) for attr, info in Settings.model_fields.items()
                                      if attr != "region")
FIELDS_BY_KEY = {f.key: f for f in FIELDS}
FIELDS_BY_ATTR = {f.attr: f for f in FIELDS}

RECORDER_REQUIRED = (
    f"{NAMESPACE}:recorder: required with AWS Config (config: true); expected 'create' (this stack creates a "
    "configuration recorder and delivery channel in every region of regions; the account must have none "
    "there: Config allows one of each per account and region) or 'existing' (keep the recorder the account "
    "already has, e.g. from the console, Security Hub or Control Tower, and deploy only rules, conformance "
    "packs and remediation). Check each region with `aws configservice describe-configuration-recorders "
    "--region <region>`: an empty ConfigurationRecorders list means 'create'. Or set config: false")


def _expected(expect: Expect, error: Mapping[str, Any]) -> str:
    """What a message says is allowed: the setting's text, or for a list the element that is not."""
    if error["type"] == "distinct":
        return f"a list of distinct {expect.items}"
    if expect.items and len(error["loc"]) > 1 and isinstance(error["loc"][1], int):
        detail = (error.get("ctx") or {}).get("detail", "")
        return f"{expect.text} ({limits.show_json(error['input'])} is not{': ' + detail if detail else ''})"
    return expect.text


def _limits(s: Settings) -> list[str]:
    """AWS limits of the resources each setting reaches (``limits``)."""
    return [*limits.trail_name(s.trail_name, delivery_notifications=s.delivery_notifications),
            *limits.log_prefix(s.log_prefix), *limits.data_events(s.data_event_buckets, s.data_events_lambda),
            *limits.tags(s.tags), *limits.key_policy(s.log_readers)]


def _conflicts(s: Settings, given: Collection[str], home: Optional[str]) -> list[str]:
    """Problems that involve more than one setting; ``given`` names the attributes the stack sets."""
    ns, out = NAMESPACE, []
    org_id, expire = s.organization_id, s.expire_after_days
    if s.organization_trail and not org_id:
        out.append(f"{ns}:organizationId: required when {ns}:organizationTrail is true; expected an AWS Organizations "
                   "id such as o-a1b2c3d4e5")
    if org_id and not s.organization_trail and s.account_role == "standalone":
        out.append(f"{ns}:organizationId: set to '{org_id}' but {ns}:organizationTrail is false; set "
                   "organizationTrail to true or remove organizationId")
    if s.management_account_id and not s.organization_trail and s.account_role == "standalone":
        out.append(f"{ns}:managementAccountId: set but {ns}:organizationTrail is false; expected organizationTrail: "
                   "true or remove managementAccountId")
    out.extend(_role_conflicts(s, given))
    if s.config and s.recorder is None and s.account_role in ("standalone", "management"):
        out.append(RECORDER_REQUIRED)
    if s.config and home and home not in IAM_RECORDING_REGIONS and not s.global_resources_region:
        out.append(f"{ns}:globalResourcesRegion: required because the home region {home} cannot record IAM users, "
                   "groups, roles and policies (AWS Config records them only in regions available before February "
                   "2022); expected the region where the IAM rules will run and global resource types will be "
                   "recorded, one of " + ", ".join(IAM_RECORDING_REGIONS))
    elif not s.config and {"global_resources_region", "config_notifications"} & set(given):
        key = "globalResourcesRegion" if "global_resources_region" in given else "configNotifications"
        out.append(f"{ns}:{key}: set but {ns}:config is false; expected config: true or remove it")
    if expire and expire < 365:
        out.append(f"{ns}:expireAfterDays: {expire} deletes audit logs before a year; expected 0 (never) or at least "
                   "365 (CIS AWS Foundations keeps a year of logs)")
    elif expire and s.glacier_after_days and expire <= s.glacier_after_days:
        out.append(f"{ns}:expireAfterDays: {expire} must be greater than {ns}:glacierAfterDays "
                   f"({s.glacier_after_days}), or 0 to keep logs forever")
    if s.object_lock and expire and expire < s.object_lock_days:
        out.append(f"{ns}:objectLockDays: {s.object_lock_days} is longer than {ns}:expireAfterDays ({expire}); "
                   "locked objects cannot expire before their retention ends")
    if "object_lock_days" in given and not s.object_lock:
        out.append(f"{ns}:objectLockDays: set but {ns}:objectLockMode is 'none'; expected objectLockMode GOVERNANCE "
                   "or COMPLIANCE")
    if s.organization_config and not org_id:
        out.append(f"{ns}:organizationConfig: true needs {ns}:organizationId (and an organization trail); expected "
                   "organizationId such as o-a1b2c3d4e5")
    if s.aggregator == "organization" and not org_id:
        out.append(f"{ns}:aggregator: 'organization' needs {ns}:organizationId; expected 'account' or 'none', or set "
                   "organizationId")
    if s.organization_config and s.aggregator == "account":
        out.append(f"{ns}:aggregator: 'account' conflicts with {ns}:organizationConfig, which aggregates the "
                   "organization; expected 'organization' or 'none'")
    config_keys = [k for k in ("regions", "conformance_packs", "disabled_rules") if k in given]
    if not s.config and config_keys:
        out.append(f"{ns}:config: false, but {', '.join(FIELDS_BY_ATTR[k].key for k in config_keys)} configure AWS "
                   "Config; expected config: true or remove them")
    alert_keys = [k for k in ("alert_emails", "alert_https_endpoints", "disabled_detections") if getattr(s, k)]
    if alert_keys and not s.cloud_watch_logs:
        out.append(f"{ns}:{FIELDS_BY_ATTR[alert_keys[0]].key}: set but {ns}:cloudWatchLogs is false, and alarms read "
                   "the trail's CloudWatch Logs group; expected cloudWatchLogs: true")
    names = [pack["name"] for pack in s.custom_conformance_packs]
    if len(set(names)) != len(names):
        out.append(f"{ns}:customConformancePacks: two packs share a name; expected distinct names")
    if "*" in s.data_event_buckets and len(s.data_event_buckets) > 1:
        out.append(f"{ns}:dataEventBuckets: \"*\" already covers every bucket; expected [\"*\"] alone or a list of "
                   "bucket names")
    if "log_retention_days" in given and not s.cloud_watch_logs:
        out.append(f"{ns}:logRetentionDays: set but {ns}:cloudWatchLogs is false; expected cloudWatchLogs: true")
    return out


def _role_conflicts(s: Settings, given: Collection[str]) -> list[str]:
    """What an organization role needs, and the organization keys a standalone stack must not carry."""
    ns, role, out = NAMESPACE, s.account_role, []
    if role == "standalone":
        extra = [FIELDS_BY_ATTR[k].key for k in ORGANIZATION_ONLY if k in given]
        if extra:
            out.append(f"{ns}:{extra[0]}: set but {ns}:accountRole is 'standalone'; expected accountRole "
                       "log-archive, management or audit, or remove " + ", ".join(extra))
        return out
    for attr in ("organization_id", "management_account_id", *ROLE_NEEDS[role]):
        if not getattr(s, attr):
            out.append(f"{ns}:{FIELDS_BY_ATTR[attr].key}: required with accountRole '{role}'; expected "
                       f"{FIELDS_BY_ATTR[attr].allowed}")
    if role in ("management", "audit") and not s.log_archive_stack and not (
            s.log_archive_bucket_name and s.log_archive_key_arn):
        out.append(f"{ns}:logArchiveStack: required with accountRole '{role}' unless both logArchiveBucketName and "
                   "logArchiveKeyArn are set; expected the log-archive stack's name (org/project/stack)")
    unused = [FIELDS_BY_ATTR[k].key for k in ROLE_IGNORES[role] if k in given]
    if unused:
        out.append(f"{ns}:{unused[0]}: has no effect with accountRole '{role}'; remove {', '.join(unused)}")
    if s.stack_set_targets and role != "management":
        out.append(f"{ns}:stackSetTargets: set but accountRole is '{role}'; the StackSet is the management stack's")
    if s.organization_trail or s.organization_config:
        key = "organizationTrail" if s.organization_trail else "organizationConfig"
        out.append(f"{ns}:{key}: a standalone setting; with accountRole '{role}' the roles deploy the organization "
                   "trail (management) and organization rules (audit); remove it")
    return out
