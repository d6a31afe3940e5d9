"""What the program looks up about the account it is deployed into, before it declares anything.

Each lookup is one the offline gate can answer from an account description (``make plan ACCOUNT=...``):

- caller identity and partition (``aws.get_caller_identity``, ``aws.get_partition``);
- Config's service-linked role, through ``aws.iam.get_roles(path_prefix="/aws-service-role/config.amazonaws.com/")``,
  which returns an empty ``names`` list when the role is absent (``aws.iam.get_role`` would fail instead);
- the organization (``aws.organizations.get_organization``), only when an organization trail is asked for:
  it fails outside an organization.

A mismatch between the settings and the account is a ``SettingsError`` raised before any resource.
Facts: AWS Config developer guide, "Using Service-Linked Roles for AWS Config" (one role per account, fixed
name AWSServiceRoleForConfig); CloudTrail user guide, "Organization trails" and "Add a CloudTrail delegated
administrator" (the management account owns every organization trail, also one a delegated administrator
creates).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_aws as aws

from .settings import NAMESPACE, Settings, SettingsError

CONFIG_SLR_NAME = "AWSServiceRoleForConfig"
CONFIG_SLR_PATH_PREFIX = "/aws-service-role/config.amazonaws.com/"


@dataclass(frozen=True)
class Environment:
    """The account as the program found it (plain values, known before any resource is declared)."""

    account_id: str
    """The caller's account: where the stack's resources are created."""
    partition: str
    config_role_exists: bool = False
    """Config's service-linked role already exists (it is then used, never created or deleted)."""
    management_account_id: Optional[str] = None
    """With an organization trail: the organization's management account, which owns the trail."""

    @property
    def trail_account_id(self) -> str:
        """The account named in the trail's ARN, ``aws:SourceArn`` and ``AWSLogs/<account>/`` paths."""
        return self.management_account_id or self.account_id


def discover(settings: Settings, opts: Optional[pulumi.InvokeOptions] = None) -> Environment:
    """Look the account up; raise one ``SettingsError`` when the settings do not fit it."""
    s = settings
    identity = aws.get_caller_identity(opts=opts)
    partition = aws.get_partition(opts=opts).partition
    account = identity.account_id

    role_exists = False
    if s.config and s.recorder == "create" and s.config_role == "service-linked":
        roles = aws.iam.get_roles(path_prefix=CONFIG_SLR_PATH_PREFIX, opts=opts)
        role_exists = CONFIG_SLR_NAME in (roles.names or [])

    management = None
    if s.organization_trail:
        management = _organization_trail_owner(s, account, opts)
    return Environment(account_id=account, partition=partition, config_role_exists=role_exists,
                       management_account_id=management)


def _organization_trail_owner(s: Settings, account: str, opts) -> str:
    """The management account of the caller's organization, checked against the settings."""
    try:
        # DescribeOrganization only (no ListAccounts): any member account may call it.
        org = aws.organizations.get_organization(return_organization_only=True, opts=opts)
    except Exception as error:  # AWSOrganizationsNotInUseException, AccessDeniedException, ...
        raise SettingsError([f"{NAMESPACE}:organizationTrail: true, but the organization could not be looked up "
                             f"from account {account} ({_reason(error)}); expected an account of an AWS "
                             "Organization (its management account or the CloudTrail delegated administrator), "
                             "or organizationTrail: false"]) from None
    problems = []
    if s.organization_id and org.id != s.organization_id:
        problems.append(f"{NAMESPACE}:organizationId: '{s.organization_id}' is not this account's organization; "
                        f"expected '{org.id}'")
    master = org.master_account_id
    if account == master:
        if s.management_account_id and s.management_account_id != account:
            problems.append(f"{NAMESPACE}:managementAccountId: '{s.management_account_id}' but this is the "
                            f"management account {account}; expected '{account}' or remove the setting")
    elif not s.management_account_id:
        problems.append(f"{NAMESPACE}:managementAccountId: required with organizationTrail when deploying from "
                        f"account {account}, which is not the organization's management account (a delegated "
                        "administrator creates organization trails that the management account owns); expected "
                        f"the management account's id ('{master}' according to the organization)")
    elif s.management_account_id != master:
        problems.append(f"{NAMESPACE}:managementAccountId: '{s.management_account_id}' is not the management "
                        f"account of {org.id}; expected '{master}'")
    if problems:
        raise SettingsError(problems)
    return master


def _reason(error: Exception) -> str:
    """AWS's error code when the message names one (``AWSOrganizationsNotInUseException``), else its first line."""
    code = re.search(r"\b(\w+(?:Exception|Denied))\b", str(error))
    if code:
        return code.group(1)
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
