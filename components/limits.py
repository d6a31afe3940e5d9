"""AWS limits every setting must respect, checked before any resource is declared.

Each limit is named, with its value and the AWS page that states it, and each check returns the
problems it finds as text ready for ``SettingsError`` (``<namespace>:<key>: ...``), naming the key,
the value (clipped, see ``show``) and the limit. A check never raises for a bad value.

Sources (AWS documentation, checked 2026-11-30):

- CloudTrail user guide, "Naming requirements for CloudTrail resources, S3 buckets, and KMS keys"
  and the ``InvalidTrailNameException`` reference: trail names are 3-128 of ``[A-Za-z0-9._-]``,
  start and end with a letter or digit, have no adjacent ``.``, ``_`` or ``-``, and are not in IP
  address format.
- CloudTrail API reference, ``CreateTrail.S3KeyPrefix``: at most 200 characters.
- CloudTrail user guide, "Quotas in AWS CloudTrail": at most 500 values for all conditions in all
  advanced event selectors of a trail (not adjustable).
- KMS API reference, ``CreateAlias.AliasName``: ``alias/`` then letters, digits, ``/``, ``_``, ``-``;
  at most 256 characters.
- SNS API reference, ``CreateTopic.Name``: 1-256 ASCII letters, digits, ``_`` and ``-``.
- "Tagging AWS resources" (Tag naming limits and requirements): at most 50 user tags per resource;
  keys up to 128 and values up to 256 Unicode characters of letters, digits, spaces and ``_.:/=+-@``.
- Config API reference, ``PutConformancePack.TemplateBody``: 1 to 51,200 bytes.
- KMS API reference, ``PutKeyPolicy.Policy``: at most 32,768 bytes.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from .stack_keys import NAMESPACE

SHOWN_CHARACTERS = 200
BASELINE_TAG = "audit-baseline"  # the tag the baseline adds to every taggable resource


@dataclass(frozen=True)
class Limit:
    """One AWS limit: what it bounds, its value and unit, and where AWS states it."""

    name: str
    value: int
    unit: str
    source: str
    keys: str = ""
    """The settings it bounds."""

    def __str__(self) -> str:
        return f"{self.name}: at most {self.value:,} {self.unit}"


TRAIL_NAME_LENGTH = Limit("CloudTrail trail name", 128, "characters", "CloudTrail naming requirements",
                          "trailName")
KEY_PREFIX_LENGTH = Limit("CloudTrail S3 key prefix", 200, "characters", "CreateTrail S3KeyPrefix", "logPrefix")
SELECTOR_VALUES = Limit("CloudTrail advanced event selectors", 500, "values across all conditions of a trail",
                        "Quotas in AWS CloudTrail", "dataEventBuckets, dataEventsLambda")
KMS_ALIAS_LENGTH = Limit("KMS alias name", 256, "characters", "CreateAlias AliasName", "trailName")
SNS_TOPIC_LENGTH = Limit("SNS topic name", 256, "characters", "CreateTopic Name", "trailName")
TAGS_PER_RESOURCE = Limit("tags per resource", 50, "user tags", "Tagging AWS resources", "tags")
TAG_VALUE_LENGTH = Limit("tag value", 256, "characters", "Tagging AWS resources", "tags")
TEMPLATE_BODY_BYTES = Limit("conformance pack template body", 51_200, "bytes (UTF-8)",
                            "PutConformancePack TemplateBody", "customConformancePacks")
KEY_POLICY_BYTES = Limit("KMS key policy", 32_768, "bytes", "PutKeyPolicy Policy", "logReaders")
# The audit key's policy without its readers is never smaller than this (its fixed statements for the
# account root and CloudTrail, with the shortest trail name, region and partition; tests measure it).
KEY_POLICY_WITHOUT_READERS = 1_300
# Not an AWS limit: the most text one setting may hold before the program parses it. The largest
# values AWS accepts are far smaller (497 bucket names, 50 tags, a 32 KB key policy of log readers), and
# a YAML alias bomb expands to millions of elements that would take gigabytes to parse.
VALUE_CHARACTERS = 100_000
LIMITS = (TRAIL_NAME_LENGTH, KEY_PREFIX_LENGTH, SELECTOR_VALUES, KMS_ALIAS_LENGTH, SNS_TOPIC_LENGTH,
          TAGS_PER_RESOURCE, TAG_VALUE_LENGTH, TEMPLATE_BODY_BYTES, KEY_POLICY_BYTES)

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

_ADJACENT_SEPARATORS = re.compile(r"[._-]{2}")
_IP_ADDRESS = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
_KMS_ALIAS = re.compile(r"^[A-Za-z0-9/_-]+$")  # CreateAlias AliasName
_SNS_TOPIC = re.compile(r"^[A-Za-z0-9_-]+$")
_TAG_PUNCTUATION = set("_.:/=+-@")


def show(value: Any, secret: bool = False) -> str:
    """A value as error messages quote it: text in quotes, data as JSON, clipped to SHOWN_CHARACTERS.

    A secret value is never shown. Clipping happens before any large value is rendered in full where
    possible (long text is cut, not copied), so a YAML alias bomb prints a few hundred characters.
    """
    if secret:
        return "[secret]"
    text = value if isinstance(value, str) else _json_head(value)
    if len(text) <= SHOWN_CHARACTERS:
        return f"'{text}'" if isinstance(value, str) else text
    head = text[:SHOWN_CHARACTERS]
    size = f"{len(value):,} characters" if isinstance(value, str) else "longer"
    return (f"'{head}...'" if isinstance(value, str) else f"{head}...") + f" ({size})"


def show_json(value: Any) -> str:
    """A value as JSON, clipped like ``show`` (list elements are quoted so)."""
    text = _json_head(value)
    return text if len(text) <= SHOWN_CHARACTERS else f"{text[:SHOWN_CHARACTERS]}... (longer)"


def _json_head(value: Any) -> str:
    """At most SHOWN_CHARACTERS + 1 characters of the value's JSON, without rendering all of it."""
    pieces, length = [], 0
    for chunk in json.JSONEncoder().iterencode(value):
        pieces.append(chunk)
        length += len(chunk)
        if length > SHOWN_CHARACTERS:
            break
    return "".join(pieces)


def value_size(key: str, raw: Any) -> list[str]:
    """Text longer than VALUE_CHARACTERS is refused before it is parsed."""
    if isinstance(raw, str) and len(raw) > VALUE_CHARACTERS:
        return [_problem(key, raw, f"is longer than the {VALUE_CHARACTERS:,} characters a setting may hold (did "
                                   "YAML aliases expand it?); expected a value of the size AWS accepts")]
    return []


def _problem(key: str, value: Any, text: str) -> str:
    return f"{NAMESPACE}:{key}: {show(value)} {text}"


def trail_name(name: str, *, delivery_notifications: bool) -> list[str]:
    """CloudTrail's own naming rules beyond the character set, then the services the name is reused in:
    the audit key's alias and, with delivery notifications, the SNS topic are named after the trail.
    (Lengths cannot overflow: 128 characters of trail name and the stack's slug stay far below the 256
    that KMS aliases and SNS topics allow.)"""
    if _ADJACENT_SEPARATORS.search(name):
        return [_problem("trailName", name, "has adjacent '.', '_' or '-', which CloudTrail refuses in trail "
                                            "names; expected single separators between letters or digits")]
    if _IP_ADDRESS.match(name):
        return [_problem("trailName", name, "is in IP address format, which CloudTrail refuses as a trail name; "
                                            "expected a name with letters")]
    # The alias and topic are named after the trail (``naming.key_alias``, ``naming.delivery_topic``).
    services = [("KMS alias names", _KMS_ALIAS, "letters, digits, '/', '_' and '-'")]
    if delivery_notifications:
        services.append(("SNS topic names", _SNS_TOPIC, "letters, digits, '_' and '-'"))
    refused = [(service, allowed, sorted({c for c in name if not pattern.match(c)}))
               for service, pattern, allowed in services]
    refused = [r for r in refused if r[2]]
    if not refused:
        return []
    characters = sorted({c for _, _, chars in refused for c in chars})
    return [_problem("trailName", name, "has " + ", ".join(f"'{c}'" for c in characters) + ", which "
                     + " and ".join(service for service, _, _ in refused) + " refuse, and the audit key's alias"
                     + (" and the delivery topic are" if delivery_notifications else " is")
                     + " named after the trail (" + "; ".join(f"{service}: {allowed}" for service, allowed, _
                                                               in refused)
                     + "); expected a trail name of letters, digits, '_' and '-' only")]


def log_prefix(prefix: str) -> list[str]:
    if len(prefix) > KEY_PREFIX_LENGTH.value:
        return [_problem("logPrefix", prefix, f"has {len(prefix):,} characters; {KEY_PREFIX_LENGTH}")]
    return []


def selector_values(buckets: Sequence[str], lambdas: bool) -> int:
    """Values the trail's advanced event selectors hold (``trail._event_selectors``): 1 for management
    events; for S3 objects 2 (eventCategory, resources.type) plus one ARN prefix per bucket unless
    ``*``; 2 for Lambda. 0 when the trail needs no advanced selectors (classic selector)."""
    if not buckets and not lambdas:
        return 0
    count = 1
    if buckets:
        count += 2 + (0 if "*" in buckets else len(buckets))
    if lambdas:
        count += 2
    return count


def data_events(buckets: Sequence[str], lambdas: bool) -> list[str]:
    count = selector_values(buckets, lambdas)
    if count <= SELECTOR_VALUES.value:
        return []
    room = SELECTOR_VALUES.value - selector_values(["x"], lambdas) + 1
    return [f"{NAMESPACE}:dataEventBuckets: {len(buckets):,} buckets make {count:,} selector values; "
            f"{SELECTOR_VALUES} (the baseline's own selectors take {count - len(buckets)}); expected at most "
            f"{room:,} buckets, or [\"*\"] for every bucket"]


def tags(user_tags: Mapping[str, str]) -> list[str]:
    """The count (the baseline's own tag included), and each value's length and characters."""
    problems = []
    total = len({BASELINE_TAG, *user_tags})
    if total > TAGS_PER_RESOURCE.value:
        problems.append(f"{NAMESPACE}:tags: {len(user_tags):,} tags plus the baseline's own "
                        f"'{BASELINE_TAG}' tag make {total:,}; {TAGS_PER_RESOURCE}; expected at most "
                        f"{TAGS_PER_RESOURCE.value - 1} tags")
    for key, value in user_tags.items():
        if not all(c.isalnum() or c.isspace() or c in _TAG_PUNCTUATION for c in value):
            problems.append(f"{NAMESPACE}:tags: the value of {show(key)}, {show(value)}, has characters AWS "
                            "refuses in tag values; expected letters, digits, spaces and _ . : / = + - @")
    return problems


def key_policy(readers: Sequence[str]) -> list[str]:
    """The log readers are principals of the audit key's one policy; with the statements it always holds,
    the policy is at least this large (a lower bound: a larger one is refused by KMS for certain)."""
    if not readers:
        return []
    size = KEY_POLICY_WITHOUT_READERS + len(json.dumps(list(readers)).encode())
    if size <= KEY_POLICY_BYTES.value:
        return []
    return [f"{NAMESPACE}:logReaders: {len(readers):,} ARNs make the audit key's policy at least {size:,} bytes; "
            f"{KEY_POLICY_BYTES}; expected fewer readers (for example one role that people assume)"]


def template_body(path: str, body: bytes) -> str:
    """Why a custom pack's template is too large ("" when it fits), counted in UTF-8 bytes as Config
    counts it: a template of 51,200 characters with accented letters is over the limit."""
    if len(body) <= TEMPLATE_BODY_BYTES.value:
        return ""
    return (f"{path} has {len(body):,} bytes, over the {TEMPLATE_BODY_BYTES.value:,} bytes allowed in a template "
            "body; upload it to S3 and name it with templateS3Uri instead")
