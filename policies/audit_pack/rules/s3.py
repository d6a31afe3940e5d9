"""S3 rules. A bucket is judged as Config sees it: one thing made of the bucket, its policy, its ACL,
its public access block and its ownership controls, whichever resources declare them (pulumi-aws 7
separate resources, or pulumi-aws 6 inline properties)."""
from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from ..props import UNKNOWN, as_dict, as_list, has_unknown, truthy
from ..registry import ADVISORY, Finding, resource_check, stack_check

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
# (aws:SourceIp is judged apart: see _cidr_width.) Source: S3 User Guide, "The meaning of public".
RESTRICTING_KEYS = {"aws:sourcearn", "aws:sourcevpc", "aws:sourcevpce", "aws:sourceaccount", "aws:sourceowner",
                    "aws:userid", "aws:principalarn", "aws:principalaccount", "aws:principalorgid",
                    "aws:principalorgpaths", "s3:dataaccesspointarn", "s3:dataaccesspointaccount",
                    "s3:x-amz-server-side-encryption-aws-kms-key-id"}


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


def gather(index) -> list[BucketView]:
    """Join buckets with the resources that configure them, by reference or by bucket name (once per
    stack index: the read, write and TLS checks share the views, and none of them changes a view)."""
    return index.memo("s3.views", lambda: _gather(index))


def _gather(index) -> list[BucketView]:
    views: dict[str, BucketView] = {}
    by_name: dict[str, BucketView] = {}
    for r in index.of(*sorted(BUCKETS)):
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
    for r in index.of(*sorted(POLICY | ACL | PAB | OWNERSHIP)):
        kind = r["type"]
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


def _account_blocks(index, config) -> tuple[Any, Any]:
    """(policies restricted, ACLs restricted) at account level: from config, or this stack's account PAB."""
    if config.get("accountBlocksPublicAccess"):
        return True, True
    for r in index.of(ACCOUNT_PAB):
        return _blocks(r["props"])
    return False, False


def _blocks(p: Mapping[str, Any]) -> tuple[Any, Any]:
    """(policies restricted, ACLs restricted) by one public access block's flags."""
    return (_either(p.get("blockPublicPolicy"), p.get("restrictPublicBuckets")),
            _either(p.get("blockPublicAcls"), p.get("ignorePublicAcls")))


def _either(a: Any, b: Any) -> Any:
    a, b = truthy(a), truthy(b)
    if a is True or b is True:
        return True
    return UNKNOWN if UNKNOWN in (a, b) else False


def restricted(view: BucketView, account: tuple[Any, Any]) -> tuple[Any, Any]:
    """Whether public policies and public ACLs are restricted for this bucket (True, False or UNKNOWN)."""
    policy, acl = account
    for _urn, p in view.pabs:
        pab_policy, pab_acl = _blocks(p)
        policy, acl = _either(policy, pab_policy), _either(acl, pab_acl)
    return policy, acl


PUBLIC, BROAD = "public", "broad"


def policy_statements(document: Any, access: str) -> Any:
    """[(Sid or ``#index``, PUBLIC | BROAD)] for the Allow statements that grant ``access`` beyond fixed
    principals, per S3's own definition of a public policy; UNKNOWN when the document is not known yet.

    S3 ("The meaning of public", S3 User Guide, Blocking public access; and the
    PublicAccessBlockConfiguration API reference): a policy is public unless it grants access only to
    fixed values (values without a wildcard) of a principal (an AWS account, user, role or service
    principal; also by ``aws:PrincipalOrgID`` and the other principal keys), a set of CIDRs by
    ``aws:SourceIp``, ``aws:SourceArn``, ``aws:SourceVpc``, ``aws:SourceVpce``, ``aws:SourceOwner``,
    ``aws:SourceAccount``, ``s3:x-amz-server-side-encryption-aws-kms-key-id``, ``aws:userid`` (outside the
    pattern ``AROLEID:*``), ``s3:DataAccessPointArn`` (a wildcard in the access point name only, with a fixed
    account) or ``s3:DataAccessPointAccount``. Its examples: ``Principal: "*"`` and a federated principal are
    public; ``StringLike aws:SourceVpc vpc-*`` is public; ``StringEquals aws:SourceVpc vpc-91237329`` is not.

    What AWS leaves unsaid, decided here (see ``_condition_verdict``): which operators restrict (only the
    positive matching ones, without ``IfExists``: a negated operator or ``IfExists`` lets requests without
    the value through), and whether a very wide ``aws:SourceIp`` range restricts anything. ``0.0.0.0/0`` and
    ``::/0`` are the whole internet: PUBLIC. AWS documents no width beyond which a range counts as public, so
    a range wider than an IPv4 /8 or an IPv6 /32 (``0.0.0.0/1`` is half the IPv4 internet) is BROAD: reported
    as an advisory finding, never waved through silently and never a mandatory one."""
    if document is None:
        return []
    if has_unknown(document):
        return UNKNOWN
    found = []
    for i, s in enumerate(_statements(document)):
        if not isinstance(s, dict) or s.get("Effect") != "Allow" or not _public_principal(s):
            continue
        if not _covers(s, ACCESS[access]["actions"]):
            continue
        verdict = _condition_verdict(s.get("Condition"))
        if verdict is not None:
            found.append((str(s.get("Sid") or f"#{i}"), verdict))
    return found


def _statements(document: Any) -> list:
    """A policy document's statements (a JSON string or parsed; one statement or a list); [] if malformed."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return []
    statements = as_dict(document).get("Statement")
    return [statements] if isinstance(statements, dict) else as_list(statements)


def _public_principal(s: Mapping[str, Any]) -> bool:
    """Whether the statement's principals are anything but fixed ones (S3's definition: ``*``, a wildcard
    in a principal, a federated principal, or ``NotPrincipal`` with Allow)."""
    if "NotPrincipal" in s:
        return True
    principal = s.get("Principal")
    if isinstance(principal, str):
        return principal == "*" or _wild(principal)
    if isinstance(principal, dict):
        for kind, values in principal.items():
            if kind == "Federated":
                return True
            for v in [values] if not isinstance(values, list) else values:
                if isinstance(v, bool) or not isinstance(v, (str, int)) or (isinstance(v, str) and _wild(v)):
                    return True  # an account id may arrive as a number; anything else is not a fixed principal
    return False


def _wild(value: str) -> bool:
    return "*" in value or "?" in value or "${" in value


def _covers(s: Mapping[str, Any], actions: tuple) -> bool:
    def patterns(value) -> list[str]:
        return [v.lower() for v in ([value] if isinstance(value, str) else as_list(value)) if isinstance(v, str)]

    if "NotAction" in s:
        excluded = patterns(s["NotAction"])
        return any(not any(fnmatch.fnmatchcase(a.lower(), p) for p in excluded) for a in actions)
    allowed = patterns(s.get("Action"))
    return any(fnmatch.fnmatchcase(a.lower(), p) for a in actions for p in allowed)


# Positive operators that limit a key to the listed values (the ``ForAnyValue:`` form too; ``ForAllValues:``
# is true when the key is absent, ``IfExists`` likewise, and negated operators admit everything else).
RESTRICTING_OPERATORS = {"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike",
                         "ipaddress"}
BROAD_IPV4_PREFIX, BROAD_IPV6_PREFIX = 8, 32


def _condition_verdict(condition: Any) -> Optional[str]:
    """None when the condition limits the statement to fixed values (not public), BROAD when only a very
    wide ``aws:SourceIp`` range limits it, PUBLIC otherwise. Conditions are ANDed: one fixed key suffices."""
    verdict = PUBLIC
    for operator, block in as_dict(condition).items():
        if not isinstance(operator, str):
            continue
        op = operator.lower()
        op = op[len("foranyvalue:"):] if op.startswith("foranyvalue:") else op
        if op not in RESTRICTING_OPERATORS:
            continue
        for key, values in as_dict(block).items():
            if not isinstance(key, str):
                continue
            values = values if isinstance(values, list) else [values]
            if not values or not all(isinstance(v, str) for v in values):
                continue
            key = key.lower()
            if key == "aws:sourceip":
                if op != "ipaddress":
                    continue
                widths = [_cidr_width(v) for v in values]
                if any(w is None or w == PUBLIC for w in widths):
                    continue
                if all(w == "narrow" for w in widths):
                    return None
                verdict = BROAD
            elif op != "ipaddress" and _fixed(key, values):
                return None
    return verdict


def _fixed(key: str, values: list) -> bool:
    if key in ("s3:dataaccesspointarn",):
        # a wildcard is allowed in the access point name, as long as the account is fixed
        return all(not _wild(v.rsplit("accesspoint/", 1)[0]) for v in values)
    if key == "aws:userid":
        return all(not _wild(v) for v in values)
    return key in RESTRICTING_KEYS and all(not _wild(v) for v in values)


def _cidr_width(value: str) -> Optional[str]:
    """"narrow", BROAD or PUBLIC for one ``aws:SourceIp`` value; None if it is not an address or CIDR."""
    import ipaddress
    try:
        network = ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return None
    if network.prefixlen == 0:
        return PUBLIC
    limit = BROAD_IPV4_PREFIX if network.version == 4 else BROAD_IPV6_PREFIX
    return BROAD if network.prefixlen < limit else "narrow"


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


def public_access(index, config, access: str) -> list[Finding]:
    account = _account_blocks(index, config)
    out = []
    for view in gather(index):
        policy_restricted, acl_restricted = restricted(view, account)
        for urn, document in view.policies:
            found = policy_statements(document, access)
            if found is UNKNOWN or not found or policy_restricted is not False:
                continue
            public = [sid for sid, verdict in found if verdict == PUBLIC]
            broad = [sid for sid, verdict in found if verdict == BROAD]
            if public:
                out.append(Finding(view.urn or urn,
                    f"bucket policy statement(s) {', '.join(public)} allow public {access} access (a principal that "
                    "is not fixed, without a fixed-value condition) and no public access block restricts public "
                    "policies. Turn on block_public_policy and restrict_public_buckets in an "
                    "aws.s3.BucketPublicAccessBlock, or limit the statement to named principals."))
            elif broad:
                out.append(Finding(view.urn or urn,
                    f"bucket policy statement(s) {', '.join(broad)} allow {access} access to everyone within a "
                    f"very wide aws:SourceIp range (wider than an IPv4 /{BROAD_IPV4_PREFIX} or an IPv6 "
                    f"/{BROAD_IPV6_PREFIX}). AWS does not document whether S3 counts such a range as public; "
                    "narrow it to your own networks, or name the principals.", ADVISORY))
        for urn, canned, grants in view.acls:
            found = acl_grants_public(canned, grants, access)
            if found is UNKNOWN or not found or acl_restricted is not False or view.owner_enforced is not False:
                continue
            out.append(Finding(view.urn or urn,
                        f"the bucket ACL grants public {access} access ({'; '.join(found)}) and no public access "
                        "block restricts public ACLs. Use acl \"private\" (or BucketOwnerEnforced ownership), or turn "
                        "on block_public_acls and ignore_public_acls in an aws.s3.BucketPublicAccessBlock."))
    return out


_PUBLIC_COVERS = (
    "the bucket joined with every resource that configures it, by reference or by bucket name: s3.Bucket / "
    "s3.BucketV2 (and their pulumi-aws 6 inline `policy`, `acl`, `grants`), s3.BucketPolicy, s3.BucketAcl(V2) "
    "(canned ACL or grants to AllUsers / AuthenticatedUsers), s3.BucketPublicAccessBlock, "
    "s3.BucketOwnershipControls (BucketOwnerEnforced disables ACLs), s3.AccountPublicAccessBlock",
    "policy statements judged by S3's own definition of public: `Principal: \"*\"`, `{AWS: \"*\"}`, wildcard or "
    "federated principals, `NotPrincipal`; restricted only by fixed values of S3's listed condition keys with "
    "a positive operator (no `IfExists`, no negation)",
    "`aws:SourceIp` of 0.0.0.0/0 or ::/0 is public; a range wider than IPv4 /8 or IPv6 /32 gives an advisory "
    "finding (AWS documents no threshold)",
    "a bucket declared in another stack: what this stack adds is judged on the attaching resource",
)
_PUBLIC_UNKNOWN = (
    "the account's public access block when the stack does not declare one (say so with "
    "`accountBlocksPublicAccess`)",
    "policy documents or flags computed from values not known at preview",
    "attachments whose bucket name is not known yet",
)
_S3_TYPES = sorted(BUCKETS | POLICY | ACL | PAB | OWNERSHIP | {ACCOUNT_PAB})


@stack_check("s3-bucket-public-read-prohibited", _S3_TYPES, covers=_PUBLIC_COVERS, unknown=_PUBLIC_UNKNOWN)
def public_read(index, config):
    return public_access(index, config, "read")


@stack_check("s3-bucket-public-write-prohibited", _S3_TYPES, covers=_PUBLIC_COVERS, unknown=_PUBLIC_UNKNOWN)
def public_write(index, config):
    return public_access(index, config, "write")


@stack_check("s3-bucket-ssl-requests-only", _S3_TYPES,
             covers=("every bucket of the stack with the policies attached to it (s3.BucketPolicy or the inline "
                     "`policy`): a Deny of s3 object access when `aws:SecureTransport` is false",),
             unknown=("policies computed from values not known at preview", "buckets declared in another stack"))
def ssl_requests_only(index, config):
    out = []
    for view in gather(index):
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
    for s in _statements(document):
        if not isinstance(s, dict) or s.get("Effect") != "Deny" or not _covers(s, ("s3:GetObject", "s3:PutObject")):
            continue
        for operator, block in as_dict(s.get("Condition")).items():
            if operator in ("Bool", "BoolIfExists"):
                for key, value in as_dict(block).items():
                    if key.lower() == "aws:securetransport" and str(value).lower() in ("false", "['false']"):
                        return True
    return False


@resource_check("s3-account-level-public-access-blocks-periodic", (ACCOUNT_PAB,),
                covers=("s3.AccountPublicAccessBlock: each of the four flags",),
                unknown=("the account's setting when no stack declares it",))
def account_public_access_block(props, _config, kind: str = ACCOUNT_PAB):
    off = [k for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
           if truthy(props.get(k)) is False]
    if not off:
        return []
    return [f"{', '.join(off)} {'is' if len(off) == 1 else 'are'} not true: the account's public access block "
            "leaves S3 open to public ACLs or policies. Set all four flags to true."]
