"""S3 rules. A bucket is judged as Config sees it: one thing made of the bucket, its policy, its ACL,
its public access block and its ownership controls, whichever resources declare them (pulumi-aws 7
separate resources, or pulumi-aws 6 inline properties)."""
from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from ..props import UNKNOWN, as_dict, as_list, has_unknown, truthy
from ..registry import resource_check, stack_check

BUCKETS = {"aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"}
POLICY = {"aws:s3/bucketPolicy:BucketPolicy"}
ACL = {"aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2"}
PAB = {"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"}
OWNERSHIP = {"aws:s3/bucketOwnershipControls:BucketOwnershipControls"}
ACCOUNT_PAB = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
PUBLIC_GROUPS = {ALL_USERS, AUTHENTICATED_USERS}
ACCESS = {
    "read": {"actions": ("s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:ListBucketVersions"),
             "canned": {"public-read", "public-read-write", "authenticated-read"},
             "permissions": {"READ", "FULL_CONTROL"}},
    "write": {"actions": ("s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectAcl",
                          "s3:PutBucketAcl", "s3:PutBucketPolicy", "s3:DeleteBucket"),
              "canned": {"public-read-write"},
              "permissions": {"WRITE", "WRITE_ACP", "FULL_CONTROL"}},
}
# Condition keys that, with fixed values, make a statement non-public (S3's definition of "public").
RESTRICTING_KEYS = {"aws:sourceip", "aws:sourcearn", "aws:sourcevpc", "aws:sourcevpce", "aws:sourceaccount",
                    "aws:sourceowner", "aws:userid", "aws:principalarn", "aws:principalaccount",
                    "aws:principalorgid", "aws:principalorgpaths", "s3:dataaccesspointarn",
                    "s3:dataaccesspointaccount"}
NEGATED_OPERATORS = ("StringNotEquals", "StringNotLike", "ArnNotEquals", "ArnNotLike", "NotIpAddress")


@dataclass
class BucketView:
    """Everything the stack says about one bucket."""

    urn: Optional[str]
    name: Any
    policies: list = field(default_factory=list)  # (urn, document)
    acls: list = field(default_factory=list)      # (urn, canned, grants)
    pabs: list = field(default_factory=list)      # (urn, props)
    owner_enforced: Any = False
    incomplete: bool = False
    """Attachments may belong to this bucket without being seen (its name is not known yet)."""


def gather(resources: list[Mapping[str, Any]]) -> list[BucketView]:
    """Join buckets with the resources that configure them, by reference or by bucket name."""
    views: dict[str, BucketView] = {}
    by_name: dict[str, BucketView] = {}
    for r in resources:
        if r["type"] in BUCKETS:
            props = r["props"]
            view = BucketView(r["urn"], props.get("bucket"))
            views[r["urn"]] = view
            if isinstance(view.name, str):
                by_name[view.name] = view
            if "policy" in props:  # pulumi-aws 6 inline shape
                view.policies.append((r["urn"], props["policy"]))
            if "acl" in props or "grants" in props:
                view.acls.append((r["urn"], props.get("acl"), _v6_grants(props.get("grants"))))
    unnamed = [v for v in views.values() if not isinstance(v.name, str)]
    for r in resources:
        kind = r["type"]
        if kind not in POLICY | ACL | PAB | OWNERSHIP:
            continue
        view = _target(r, views, by_name, ambiguous=bool(unnamed))
        if view is None:  # its bucket cannot be known before deployment: no verdict either way
            for v in unnamed:
                v.incomplete = True
            continue
        props = r["props"]
        if kind in POLICY:
            view.policies.append((r["urn"], props.get("policy")))
        elif kind in ACL:
            policy = as_dict(props.get("accessControlPolicy"))
            grants = props.get("accessControlPolicy") if props.get("accessControlPolicy") is UNKNOWN else [
                (as_dict(g.get("grantee")).get("uri"), g.get("permission")) for g in as_list(policy.get("grants"))
                if isinstance(g, dict)]
            view.acls.append((r["urn"], props.get("acl"), grants))
        elif kind in PAB:
            view.pabs.append((r["urn"], props))
        elif kind in OWNERSHIP:
            rule = props.get("rule")
            view.owner_enforced = UNKNOWN if rule is UNKNOWN else as_dict(rule).get("objectOwnership") == "BucketOwnerEnforced"
    return list(views.values())


def _target(r, views, by_name, ambiguous: bool = False) -> Optional[BucketView]:
    for urn in r.get("deps", {}).get("bucket", []):
        if urn in views:
            return views[urn]
    name = r["props"].get("bucket")
    if isinstance(name, str) and name in by_name:
        return by_name[name]
    if name is UNKNOWN or ambiguous:
        return None  # the bucket it configures may be one of this stack's whose name is not known yet
    # A bucket declared elsewhere: judge what this stack adds to it, on this resource.
    key = f"external:{name if isinstance(name, str) else r['urn']}"
    if key not in views:
        views[key] = BucketView(None, name)
        if isinstance(name, str):
            by_name[name] = views[key]
    return views[key]


def _v6_grants(grants: Any) -> Any:
    if grants is UNKNOWN:
        return UNKNOWN
    out = []
    for g in as_list(grants):
        if isinstance(g, dict):
            for permission in as_list(g.get("permissions")):
                out.append((g.get("uri"), permission))
    return out


def _account_blocks(resources, config) -> tuple[Any, Any]:
    """(policies restricted, ACLs restricted) at account level: from config, or this stack's account PAB."""
    if config.get("accountBlocksPublicAccess"):
        return True, True
    for r in resources:
        if r["type"] == ACCOUNT_PAB:
            p = r["props"]
            return (_either(p.get("blockPublicPolicy"), p.get("restrictPublicBuckets")),
                    _either(p.get("blockPublicAcls"), p.get("ignorePublicAcls")))
    return False, False


def _either(a: Any, b: Any) -> Any:
    a, b = truthy(a), truthy(b)
    if a is True or b is True:
        return True
    return UNKNOWN if UNKNOWN in (a, b) else False


def restricted(view: BucketView, account: tuple[Any, Any]) -> tuple[Any, Any]:
    """Whether public policies and public ACLs are restricted for this bucket (True, False or UNKNOWN)."""
    policy, acl = account
    for _urn, p in view.pabs:
        policy = _either(policy, _either(p.get("blockPublicPolicy"), p.get("restrictPublicBuckets")))
        acl = _either(acl, _either(p.get("blockPublicAcls"), p.get("ignorePublicAcls")))
    return policy, acl


def policy_grants_public(document: Any, access: str) -> Any:
    """The Sids (or indexes) of statements that give ``access`` to everyone; UNKNOWN if not knowable."""
    if document is None:
        return []
    if has_unknown(document):
        return UNKNOWN
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return []
    statements = as_dict(document).get("Statement")
    statements = [statements] if isinstance(statements, dict) else as_list(statements)
    found = []
    for i, s in enumerate(statements):
        if not isinstance(s, dict) or s.get("Effect") != "Allow" or not _public_principal(s):
            continue
        if not _covers(s, ACCESS[access]["actions"]) or _restricted_by_condition(s.get("Condition")):
            continue
        found.append(str(s.get("Sid") or f"#{i}"))
    return found


def _public_principal(s: Mapping[str, Any]) -> bool:
    if "NotPrincipal" in s:
        return True
    principal = s.get("Principal")
    if principal == "*":
        return True
    if isinstance(principal, dict):
        aws = principal.get("AWS")
        return aws == "*" or (isinstance(aws, list) and "*" in aws)
    return False


def _covers(s: Mapping[str, Any], actions: tuple) -> bool:
    def patterns(value) -> list[str]:
        return [v.lower() for v in ([value] if isinstance(value, str) else as_list(value)) if isinstance(v, str)]

    if "NotAction" in s:
        excluded = patterns(s["NotAction"])
        return any(not any(fnmatch.fnmatchcase(a.lower(), p) for p in excluded) for a in actions)
    allowed = patterns(s.get("Action"))
    return any(fnmatch.fnmatchcase(a.lower(), p) for a in actions for p in allowed)


def _restricted_by_condition(condition: Any) -> bool:
    for operator, block in as_dict(condition).items():
        if not isinstance(operator, str) or operator.endswith("IfExists") or operator.startswith(NEGATED_OPERATORS):
            continue
        for key, values in as_dict(block).items():
            if not isinstance(key, str) or key.lower() not in RESTRICTING_KEYS:
                continue
            values = [values] if not isinstance(values, list) else values
            fixed = [v for v in values if isinstance(v, str) and not any(c in v for c in "*?$")
                     and v not in ("0.0.0.0/0", "::/0")]
            if fixed and len(fixed) == len(values):
                return True
    return False


def acl_grants_public(canned: Any, grants: Any, access: str) -> Any:
    if canned is UNKNOWN or grants is UNKNOWN:
        return UNKNOWN
    spec = ACCESS[access]
    found = []
    if isinstance(canned, str) and canned in spec["canned"]:
        found.append(f"acl \"{canned}\"")
    for uri, permission in grants or []:
        if UNKNOWN in (uri, permission):
            return UNKNOWN
        if isinstance(uri, str) and uri in PUBLIC_GROUPS and isinstance(permission, str) \
                and permission in spec["permissions"]:
            found.append(f"{permission} to {uri.rsplit('/', 1)[-1]}")
    return found


def public_access(resources, config, access: str) -> list[tuple[str, str]]:
    account = _account_blocks(resources, config)
    out = []
    for view in gather(list(resources)):
        policy_restricted, acl_restricted = restricted(view, account)
        for urn, document in view.policies:
            sids = policy_grants_public(document, access)
            if sids is UNKNOWN or not sids or policy_restricted is not False:
                continue
            out.append((view.urn or urn,
                        f"bucket policy statement(s) {', '.join(sids)} allow public {access} access (Principal \"*\" "
                        "without a fixed-value condition) and no public access block restricts public policies. "
                        "Turn on block_public_policy and restrict_public_buckets in an aws.s3.BucketPublicAccessBlock, "
                        "or limit the statement to named principals."))
        for urn, canned, grants in view.acls:
            found = acl_grants_public(canned, grants, access)
            if found is UNKNOWN or not found or acl_restricted is not False or view.owner_enforced is not False:
                continue
            out.append((view.urn or urn,
                        f"the bucket ACL grants public {access} access ({'; '.join(found)}) and no public access "
                        "block restricts public ACLs. Use acl \"private\" (or BucketOwnerEnforced ownership), or turn "
                        "on block_public_acls and ignore_public_acls in an aws.s3.BucketPublicAccessBlock."))
    return out


@stack_check("s3-bucket-public-read-prohibited")
def public_read(resources, config):
    return public_access(resources, config, "read")


@stack_check("s3-bucket-public-write-prohibited")
def public_write(resources, config):
    return public_access(resources, config, "write")


@stack_check("s3-bucket-ssl-requests-only")
def ssl_requests_only(resources, config):
    out = []
    for view in gather(list(resources)):
        if view.urn is None or view.incomplete:
            continue  # a bucket declared elsewhere, or one whose policy may not be seen yet
        documents = [d for _, d in view.policies]
        if any(has_unknown(d) for d in documents):
            continue
        if not any(_denies_insecure_transport(d) for d in documents):
            out.append((view.urn, "no bucket policy statement denies requests without TLS. Add a statement "
                                  "{Effect: Deny, Principal: \"*\", Action: \"s3:*\", Resource: [bucket ARN, "
                                  "bucket ARN/*], Condition: {Bool: {\"aws:SecureTransport\": \"false\"}}}."))
    return out


def _denies_insecure_transport(document: Any) -> bool:
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return False
    statements = as_dict(document).get("Statement")
    for s in [statements] if isinstance(statements, dict) else as_list(statements):
        if not isinstance(s, dict) or s.get("Effect") != "Deny" or not _covers(s, ("s3:GetObject", "s3:PutObject")):
            continue
        for operator, block in as_dict(s.get("Condition")).items():
            if operator in ("Bool", "BoolIfExists"):
                for key, value in as_dict(block).items():
                    if key.lower() == "aws:securetransport" and str(value).lower() in ("false", "['false']"):
                        return True
    return False


@resource_check("s3-account-level-public-access-blocks-periodic", (ACCOUNT_PAB,))
def account_public_access_block(props, _config, kind: str = ACCOUNT_PAB):
    off = [k for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
           if truthy(props.get(k)) is False]
    if not off:
        return []
    return [f"{', '.join(off)} {'is' if len(off) == 1 else 'are'} not true: the account's public access block "
            "leaves S3 open to public ACLs or policies. Set all four flags to true."]
