"""The account the gate imagines the program is deployed into (`make plan ACCOUNT=<file>`, `--account`).

The file is a JSON object; its shape is a contract (extend, never break)::

    {"accountId": "111122223333", "partition": "aws",
     "organization": {"id": "o-a1b2c3d4e5", "managementAccountId": "999988887777"},
     "serviceLinkedRoles": ["AWSServiceRoleForConfig"],
     "config": {"us-east-1": {"recorder": "default", "deliveryChannel": "default"}},
     "trails": [{"name": "org-trail", "homeRegion": "us-east-1", "organization": true}],
     "controlTower": false}

Every key is optional; an absent key means "none" (no organization, no service-linked role, no
recorder, no trail), ``accountId`` defaults to 123456789012 and ``partition`` to ``aws``.
Extensions (optional, ours): ``description`` (text saying what the example shows) and
``organization.delegatedAdministratorFor`` (the service principals this account is a delegated
administrator for, as `aws organizations list-delegated-services-for-account` lists them).

Facts the model relies on (checked 2026-11-30):

- One customer-managed configuration recorder and one delivery channel per account and region
  (AWS Config API reference, PutConfigurationRecorder / PutDeliveryChannel: "You can have only one
  delivery channel for each account for each Amazon Web Services Region").
- A service-linked role has a fixed name and path ``/aws-service-role/<service principal>/`` and
  exists once per account (IAM User Guide, "Using service-linked roles"); creating it again fails.
- Control Tower's member-account resources (recorder ``aws-controltower-BaselineConfigRecorder``,
  channel ``aws-controltower-BaselineConfigDeliveryChannel``, trail
  ``aws-controltower-BaselineCloudTrail``): AWS Control Tower User Guide, "Resource considerations
  for Account Factory" (account-factory-considerations.html).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from common import UsageError

DEFAULT_ACCOUNT_ID = "123456789012"
PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc")

# Service-linked roles this model ties to their service: role name -> the service principal that owns it
# (their path is /aws-service-role/<principal>/). Any other AWSServiceRoleFor... name is accepted too, with
# the path /aws-service-role/ only. Names and principals from the IAM User Guide ("AWS services that work
# with IAM") and each service's "Using service-linked roles" page.
SERVICE_LINKED_ROLES: dict[str, str] = {
    "AWSServiceRoleForConfig": "config.amazonaws.com",
    "AWSServiceRoleForConfigConforms": "config-conforms.amazonaws.com",
    "AWSServiceRoleForConfigMultiAccountSetup": "config-multiaccountsetup.amazonaws.com",
    "AWSServiceRoleForCloudTrail": "cloudtrail.amazonaws.com",
    "AWSServiceRoleForOrganizations": "organizations.amazonaws.com",
    "AWSServiceRoleForAWSControlTower": "controltower.amazonaws.com",
    "AWSServiceRoleForSecurityHub": "securityhub.amazonaws.com",
    "AWSServiceRoleForAmazonGuardDuty": "guardduty.amazonaws.com",
    "AWSServiceRoleForAccessAnalyzer": "access-analyzer.amazonaws.com",
    "AWSServiceRoleForAmazonMacie": "macie.amazonaws.com",
    "AWSServiceRoleForSSO": "sso.amazonaws.com",
    "AWSServiceRoleForSupport": "support.amazonaws.com",
    "AWSServiceRoleForTrustedAdvisor": "trustedadvisor.amazonaws.com",
    "AWSServiceRoleForCloudFormationStackSetsOrgMember": "member.org.stacksets.cloudformation.amazonaws.com",
    "AWSServiceRoleForCloudFormationStackSetsOrgAdmin": "stacksets.cloudformation.amazonaws.com",
    "AWSServiceRoleForAutoScaling": "autoscaling.amazonaws.com",
    "AWSServiceRoleForElasticLoadBalancing": "elasticloadbalancing.amazonaws.com",
    "AWSServiceRoleForECS": "ecs.amazonaws.com",
    "AWSServiceRoleForRDS": "rds.amazonaws.com",
    "AWSServiceRoleForAmazonEKS": "eks.amazonaws.com",
}

CONFIG_SERVICE = "config.amazonaws.com"
CONFIG_SLR = "AWSServiceRoleForConfig"

# The baseline's settings a conflict names (components/settings.py: NAMESPACE, "recorder", "configRole").
RECORDER_SETTING = "audit-baseline:recorder"
CONFIG_ROLE_SETTING = "audit-baseline:configRole"

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_ORG_ID = re.compile(r"^o-[a-z0-9]{10,32}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")
_SLR_NAME = re.compile(r"^AWSServiceRoleFor[\w+=,.@-]{1,47}$")  # IAM role-name characters, 64 at most
_SERVICE = re.compile(r"^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$")

# What each key allows, for error messages (keyed by the path with list indexes and regions as *).
ALLOWED: dict[str, str] = {
    "accountId": "12 digits as text, e.g. \"111122223333\"",
    "partition": ", ".join(PARTITIONS),
    "organization": "null (outside an organization) or {\"id\", \"managementAccountId\"}",
    "organization.id": "an organization id: o- then 10 to 32 lowercase letters or digits, e.g. \"o-a1b2c3d4e5\"",
    "organization.managementAccountId": "12 digits as text, e.g. \"999988887777\"",
    "organization.delegatedAdministratorFor": "a list of service principals, e.g. [\"cloudtrail.amazonaws.com\"]",
    "serviceLinkedRoles": "a list of service-linked role names (AWSServiceRoleFor..., as `aws iam list-roles "
                          "--path-prefix /aws-service-role/` lists them), e.g. \"AWSServiceRoleForConfig\"",
    "config": "an object of region -> {\"recorder\": name, \"deliveryChannel\": name}",
    "config.*": "{\"recorder\": name or null, \"deliveryChannel\": name or null}",
    "config.*.recorder": "the recorder's name (1-256 characters) or null",
    "config.*.deliveryChannel": "the delivery channel's name (1-256 characters) or null",
    "trails": "a list of {\"name\", \"homeRegion\", \"organization\"}",
    "trails.*": "{\"name\", \"homeRegion\", \"organization\": true/false}",
    "trails.*.name": "the trail's name (3-128 characters)",
    "trails.*.homeRegion": "an AWS region name, e.g. \"us-east-1\"",
    "trails.*.organization": "true or false",
    "controlTower": "true or false",
    "description": "text",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, populate_by_name=True)


class Organization(_Strict):
    """The organization the account belongs to (AWS Organizations)."""

    id: str
    management_account_id: str = Field(alias="managementAccountId")
    delegated_administrator_for: tuple[str, ...] = Field(default=(), alias="delegatedAdministratorFor")

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _ORG_ID.match(value):
            raise ValueError(f"{value!r} is not an organization id")
        return value

    @field_validator("management_account_id")
    @classmethod
    def _management(cls, value: str) -> str:
        if not _ACCOUNT_ID.match(value):
            raise ValueError(f"{value!r} is not 12 digits")
        return value

    @field_validator("delegated_administrator_for", mode="before")
    @classmethod
    def _services(cls, value: Any) -> Any:
        if isinstance(value, list):
            bad = [v for v in value if not isinstance(v, str) or not _SERVICE.match(v)]
            if bad:
                raise ValueError(f"{bad[0]!r} is not a service principal")
            return tuple(value)
        return value


class RegionConfig(_Strict):
    """AWS Config in one region: the names of the recorder and delivery channel that exist there."""

    recorder: Optional[str] = Field(default=None, min_length=1, max_length=256)
    delivery_channel: Optional[str] = Field(default=None, alias="deliveryChannel", min_length=1, max_length=256)


class Trail(_Strict):
    """A trail the account can see (its own, or an organization trail of the management account)."""

    name: str = Field(min_length=3, max_length=128)
    home_region: str = Field(alias="homeRegion")
    organization: bool = False

    @field_validator("home_region")
    @classmethod
    def _region(cls, value: str) -> str:
        if not _REGION.match(value):
            raise ValueError(f"{value!r} is not a region name")
        return value


class Account(_Strict):
    """An account description (see the module docstring for the JSON contract).

    Python names are snake_case; ``model_dump(by_alias=True)`` gives the contract's camelCase JSON.
    """

    account_id: str = Field(default=DEFAULT_ACCOUNT_ID, alias="accountId")
    partition: str = "aws"
    organization: Optional[Organization] = None
    service_linked_roles: tuple[str, ...] = Field(default=(), alias="serviceLinkedRoles")
    config: dict[str, RegionConfig] = Field(default_factory=dict)
    trails: tuple[Trail, ...] = ()
    control_tower: bool = Field(default=False, alias="controlTower")
    description: Optional[str] = None

    @field_validator("account_id")
    @classmethod
    def _account(cls, value: str) -> str:
        if not _ACCOUNT_ID.match(value):
            raise ValueError(f"{value!r} is not 12 digits")
        return value

    @field_validator("partition")
    @classmethod
    def _partition(cls, value: str) -> str:
        if value not in PARTITIONS:
            raise ValueError(f"{value!r} is not a partition")
        return value

    @field_validator("service_linked_roles", mode="before")
    @classmethod
    def _roles(cls, value: Any) -> Any:
        if isinstance(value, list):
            for role in value:
                if not isinstance(role, str) or not _SLR_NAME.match(role):
                    raise ValueError(f"{role!r} is not a service-linked role's name")
            return tuple(value)
        return value

    @field_validator("trails", mode="before")
    @classmethod
    def _trails(cls, value: Any) -> Any:
        return tuple(value) if isinstance(value, list) else value

    @field_validator("config")
    @classmethod
    def _regions(cls, value: dict) -> dict:
        for region in value:
            if not _REGION.match(region):
                raise ValueError(f"{region!r} is not a region name (an AWS region name, e.g. \"us-east-1\")")
        return value

    @model_validator(mode="after")
    def _control_tower_needs_an_organization(self) -> "Account":
        if self.control_tower and self.organization is None:
            raise ValueError("controlTower: true needs an organization (Control Tower governs the accounts of an "
                             "AWS Organization); set organization to {\"id\", \"managementAccountId\"} or "
                             "controlTower to false")
        return self

    # -- constructors --
    @classmethod
    def default(cls) -> "Account":
        """A fresh account: id 123456789012, partition aws, no organization, nothing of Config or CloudTrail."""
        return cls()

    # -- what the account has --
    @property
    def dns_suffix(self) -> str:
        return {"aws-cn": "amazonaws.com.cn", "aws-iso": "c2s.ic.gov", "aws-iso-b": "sc2s.sgov.gov",
                "aws-eusc": "amazonaws.eu"}.get(self.partition, "amazonaws.com")

    @property
    def is_management_account(self) -> bool:
        return self.organization is not None and self.organization.management_account_id == self.account_id

    def has_service_linked_role(self, service: str) -> bool:
        """Whether the account holds the service-linked role of ``service`` (a service principal)."""
        return any(SERVICE_LINKED_ROLES.get(r) == service for r in self.service_linked_roles)

    def service_linked_role_arn(self, name: str) -> str:
        """``arn:<partition>:iam::<account>:role/aws-service-role/<service>/<name>``."""
        return f"arn:{self.partition}:iam::{self.account_id}:role{role_path(name)}{name}"

    def recorder_in(self, region: str) -> Optional[str]:
        entry = self.config.get(region)
        return entry.recorder if entry else None

    def delivery_channel_in(self, region: str) -> Optional[str]:
        entry = self.config.get(region)
        return entry.delivery_channel if entry else None


def role_path(name: str) -> str:
    """A service-linked role's IAM path: ``/aws-service-role/<service principal>/``."""
    service = SERVICE_LINKED_ROLES.get(name)
    return f"/aws-service-role/{service}/" if service else "/aws-service-role/"


def parse_account(data: Any, source: str) -> Account:
    """An :class:`Account` from already-parsed JSON; ``source`` names the file in errors (UsageError)."""
    if not isinstance(data, dict):
        raise UsageError(f"ACCOUNT: {source} must hold a JSON object (an account description), found "
                         f"{_kind(data)}; keys allowed: {', '.join(_top_keys())}")
    try:
        return Account.model_validate(data)
    except ValidationError as error:
        raise UsageError(_message(error, source)) from None


def load_account(path: Optional[str | Path]) -> Account:
    """The account described by the JSON file at ``path`` (None: :meth:`Account.default`).

    Raises ``common.UsageError`` naming the file, the key (e.g. ``organization.id``) and what the key
    allows; a JSON syntax error names the line and column.
    """
    if path is None or path == "":
        return Account.default()
    from .files import read_json_file
    return parse_account(read_json_file(path, "ACCOUNT"), str(path))


def _top_keys() -> list[str]:
    return [f.alias or name for name, f in Account.model_fields.items()]


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "text", list: "a list",
            dict: "an object"}.get(type(value), type(value).__name__)


def _message(error: ValidationError, source: str) -> str:
    """Up to three problems of a pydantic error in one line: file, then per problem the key, what is wrong and
    what the key allows."""
    problems = []
    for item in error.errors():
        loc = [str(p) for p in item["loc"]]
        key = "".join(f"[{p}]" if isinstance(raw, int) else (f".{p}" if i else p)
                      for i, (p, raw) in enumerate(zip(loc, item["loc"]))) or "(top level)"
        pattern = ".".join("*" if (p.isdigit() or (i == 1 and loc[0] == "config")) else p
                           for i, p in enumerate(loc))
        kind = item["type"]
        if kind == "extra_forbidden":
            parent = pattern.rsplit(".", 1)[0] if "." in pattern else ""
            allowed = _allowed_keys(parent)
            problems.append(f"{key}: unknown key; allowed here: {', '.join(allowed)}")
            continue
        if kind == "missing":
            problems.append(f"{key}: required; allowed: {ALLOWED.get(pattern, 'see the README')}")
            continue
        detail = item["msg"].removeprefix("Value error, ")
        if not loc:  # a rule across keys: the message names them
            problems.append(detail)
            continue
        found = item.get("input")
        if kind.endswith("_type") or kind == "model_type":
            detail = f"found {_kind(found)}"
        problems.append(f"{key}: {detail}; allowed: {ALLOWED.get(pattern, 'see the README')}")
    rest = len(problems) - 3
    more = f" (and {rest} more problem{'s' if rest > 1 else ''})" if rest > 0 else ""
    return f"ACCOUNT: {source}: " + "; ".join(problems[:3]) + more


def _allowed_keys(parent: str) -> list[str]:
    model = {"": Account, "organization": Organization, "config.*": RegionConfig, "trails.*": Trail}.get(parent)
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()]


# -- singletons the plan must not create again --

SLR_TYPE = "aws:iam/serviceLinkedRole:ServiceLinkedRole"
RECORDER_TYPE = "aws:cfg/recorder:Recorder"
CHANNEL_TYPE = "aws:cfg/deliveryChannel:DeliveryChannel"
PROVIDER_TYPE = "pulumi:providers:aws"


def _field(registration: Any, name: str, default: Any = None) -> Any:
    if isinstance(registration, Mapping):
        return registration.get(name, default)
    return getattr(registration, name, default)


def _region_reader(registrations: list, stack_region: Optional[str]):
    """A function of a registration -> its region: its ``region`` input, else its explicit provider's
    ``region``, else the stack's (None when none is known)."""
    provider_regions = {}
    for r in registrations:
        if _field(r, "type") == PROVIDER_TYPE:
            region = (_field(r, "inputs") or {}).get("region")
            ref = f"{_field(r, 'urn')}::{_field(r, 'id') or ''}"
            provider_regions[_field(r, "urn")] = provider_regions[ref] = region

    def region_of(r: Any) -> Optional[str]:
        inputs = _field(r, "inputs") or {}
        if isinstance(inputs.get("region"), str) and inputs["region"]:
            return inputs["region"]
        provider = _field(r, "provider") or ""
        by_provider = provider_regions.get(provider) or provider_regions.get(provider.rsplit("::", 1)[0])
        return by_provider or stack_region
    return region_of


def singleton_conflicts(registrations: Iterable[Any], account: Account,
                        stack_region: Optional[str] = None) -> list[str]:
    """Planned resources the described account already has and can hold only once, one message each.

    ``registrations``: what the gate recorded (``preflight.mocks.Registration`` objects or dicts with
    ``urn``, ``type``, ``inputs`` and optionally ``provider``). ``stack_region``: the stack's
    ``aws:region``, used for a resource that names no region of its own (the resource's ``region``
    input wins, then its explicit provider's ``region``).

    Checked: a service-linked role the account already has (Config's is ``AWSServiceRoleForConfig``,
    one per account); a configuration recorder or delivery channel in a region where the account
    already has one, or a second one planned in the same region (one of each per account and
    region). Each message names the resource and the baseline setting to change
    (``audit-baseline:configRole``, ``audit-baseline:recorder``).
    """
    registrations = list(registrations)
    region_of = _region_reader(registrations, stack_region)
    problems: list[str] = []
    planned: dict[tuple[str, Optional[str]], str] = {}
    for r in registrations:
        typ, urn, inputs = _field(r, "type"), _field(r, "urn"), _field(r, "inputs") or {}
        if typ == SLR_TYPE:
            service = inputs.get("awsServiceName")
            if inputs.get("customSuffix") or not isinstance(service, str):
                continue
            if account.has_service_linked_role(service):
                name = next(n for n in account.service_linked_roles if SERVICE_LINKED_ROLES.get(n) == service)
                fix = (f"set {CONFIG_ROLE_SETTING} to existing-service-linked (the baseline then looks the role up "
                       f"instead of creating it)" if service == CONFIG_SERVICE
                       else "remove it from the program or import the existing role")
                problems.append(f"{urn}: the account already has the service-linked role {name} of {service} "
                                f"(one per account; creating it again fails); {fix}")
            elif (typ, service) in planned:
                problems.append(f"{urn}: a second service-linked role of {service} in the plan (one per account; "
                                f"the first is {planned[(typ, service)]})")
            else:
                planned[(typ, service)] = urn
        elif typ in (RECORDER_TYPE, CHANNEL_TYPE):
            what = "configuration recorder" if typ == RECORDER_TYPE else "delivery channel"
            region = region_of(r)
            if region is None:
                continue
            existing = account.recorder_in(region) if typ == RECORDER_TYPE else account.delivery_channel_in(region)
            if existing:
                problems.append(f"{urn}: the account already has a {what} ({existing!r}) in {region}, and AWS Config "
                                f"allows one per account and region; set {RECORDER_SETTING} to existing (rules and "
                                f"packs then use the account's own recorder)")
            elif (typ, region) in planned:
                problems.append(f"{urn}: a second {what} planned in {region} (AWS Config allows one per account "
                                f"and region; the first is {planned[(typ, region)]}); plan one per region")
            else:
                planned[(typ, region)] = urn
    return problems


RULE_TYPES = ("aws:cfg/rule:Rule", "aws:cfg/conformancePack:ConformancePack")


def recorder_gaps(registrations: Iterable[Any], account: Account, stack_region: Optional[str] = None) -> list[str]:
    """Regions where the plan puts Config rules or conformance packs but neither the described account nor
    the plan has a configuration recorder: ``pulumi up`` would fail there (PutConfigRule answers
    NoAvailableConfigurationRecorderException; a conformance pack needs recording on: AWS Config Developer
    Guide, "Prerequisites for conformance packs"). One message per region, naming a resource and the
    setting to change (``audit-baseline:recorder``). Regions are read as :func:`singleton_conflicts` reads them.
    """
    registrations = list(registrations)
    region_of = _region_reader(registrations, stack_region)
    recorders, users = set(), {}
    for r in registrations:
        typ = _field(r, "type")
        if typ == RECORDER_TYPE:
            recorders.add(region_of(r))
        elif typ in RULE_TYPES:
            users.setdefault(region_of(r), []).append(_field(r, "urn"))
    problems = []
    for region, urns in sorted(users.items(), key=lambda item: item[0] or ""):
        if region is None or region in recorders or account.recorder_in(region):
            continue
        urns = sorted(urns)
        problems.append(f"{urns[0]}{f' and {len(urns) - 1} more Config rules or packs' if len(urns) > 1 else ''}: "
                        f"no configuration recorder in {region} (the account has none there and the plan creates "
                        f"none), so AWS Config refuses rules and conformance packs there "
                        f"(NoAvailableConfigurationRecorderException); set {RECORDER_SETTING} to create, or switch "
                        f"Config on in {region} first")
    return problems
