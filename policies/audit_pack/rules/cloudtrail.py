"""CloudTrail rules: log file validation, KMS encryption, multi-region trails."""
from __future__ import annotations

from typing import Any, Mapping

from ..props import UNKNOWN, as_list, has_unknown
from ..registry import resource_check, stack_check

TRAIL = ("aws:cloudtrail/trail:Trail",)


@resource_check("cloud-trail-log-file-validation-enabled", TRAIL,
                covers=("cloudtrail.Trail `enableLogFileValidation`",), unknown=("values computed at deployment",))
def log_file_validation(props: Mapping[str, Any], _config: Mapping[str, Any], kind: str = "") -> list[str]:
    value = props.get("enableLogFileValidation")
    if value is UNKNOWN or value is True:
        return []
    return ["enableLogFileValidation is not true: CloudTrail writes no signed digest files, so nobody can prove "
            "the logs were not altered. Set enable_log_file_validation=True on the trail."]


@resource_check("cloud-trail-encryption-enabled", TRAIL,
                covers=("cloudtrail.Trail `kmsKeyId` (SSE-S3 alone does not count)",),
                unknown=("whether the key's policy lets CloudTrail use it",))
def encryption(props: Mapping[str, Any], _config: Mapping[str, Any], kind: str = "") -> list[str]:
    value = props.get("kmsKeyId")
    if value is UNKNOWN or (isinstance(value, str) and value):
        return []
    return ["kmsKeyId is not set: the trail's logs are encrypted with S3-managed keys only, which this rule "
            "does not accept. Set kms_key_id to a customer-managed KMS key whose policy lets CloudTrail encrypt."]


def trail_gaps(props: Mapping[str, Any]) -> Any:
    """What keeps one trail from satisfying multi-region-cloudtrail-enabled ([] when it does); UNKNOWN when
    that depends on values not known yet."""
    problems = []
    multi = props.get("isMultiRegionTrail")
    logging = props.get("enableLogging")
    if multi is UNKNOWN or logging is UNKNOWN:
        return UNKNOWN
    if multi is not True:
        problems.append("isMultiRegionTrail is not true (the trail records one region only)")
    if logging is False:
        problems.append("enableLogging is false (the trail does not log)")
    gaps = _management_event_gaps(props)
    if gaps is UNKNOWN:
        return UNKNOWN
    return problems + gaps


@stack_check("multi-region-cloudtrail-enabled", TRAIL, covers=(
    "an account-level rule judged on the stack's trails together: satisfied when at least one cloudtrail.Trail "
    "is multi-region, logging, and records every management event, read and write, from every source "
    "(no selectors, basic `eventSelectors` or `advancedEventSelectors`); otherwise one advisory finding",
), unknown=("trails of the account declared outside the stack (the account may have a compliant one)",
            "selectors computed at deployment"))
def multi_region(index, _config) -> list[tuple]:
    """Config's MULTI_REGION_CLOUD_TRAIL_ENABLED is COMPLIANT when at least one trail of the account is a
    multi-region trail recording all management events, read and write, without excluded event sources
    (Config developer guide, multi-region-cloudtrail-enabled). The stack sees some of the account's trails:
    one of them satisfying the rule settles it; none satisfying gives one advisory finding (on the trail
    whose URN sorts first), since another stack may hold a trail that does."""
    trails = sorted(index.of(*TRAIL), key=lambda t: t["urn"])  # reported on the first by URN: stable
    if not trails:
        return []
    reasons = []
    for trail in trails:
        gaps = trail_gaps(trail["props"])
        if gaps is UNKNOWN or not gaps:
            return []  # this trail satisfies the rule, or may once its values are known
        reasons.append(f"{trail['name']}: {'; '.join(gaps)}")
    return [(trails[0]["urn"], "no trail of this stack is a multi-region trail recording every management event, "
                               "read and write (" + " | ".join(reasons) + "). The account passes if another trail "
                               "does; otherwise set is_multi_region_trail=True and record all management events "
                               "with no excluded event sources on one trail.")]


def _management_event_gaps(props: Mapping[str, Any]) -> Any:
    """Config wants management events, read and write, with no event source excluded; UNKNOWN when the
    selectors are not known yet."""
    advanced = props.get("advancedEventSelectors")
    basic = props.get("eventSelectors")
    if advanced is UNKNOWN or basic is UNKNOWN:
        return UNKNOWN
    advanced, basic = as_list(advanced), as_list(basic)
    if advanced:
        narrowed = []
        for selector in advanced:
            if selector is UNKNOWN or not isinstance(selector, Mapping):
                return UNKNOWN  # not known yet (or not a selector): no verdict
            fields = selector.get("fieldSelectors")
            if fields is UNKNOWN or has_unknown(fields):
                return UNKNOWN
            fields = [f for f in as_list(fields) if isinstance(f, Mapping)]
            if any(f.get("field") == "eventCategory" and f.get("equals") == ["Management"] for f in fields):
                narrowing = [f.get("field") for f in fields if f.get("field") in ("readOnly", "eventSource")]
                if not narrowing:
                    return []
                narrowed.extend(narrowing)
        if narrowed:
            return [f"advancedEventSelectors narrow management events by {', '.join(dict.fromkeys(narrowed))}: "
                    "record every management event, read and write, from every source."]
        return ["advancedEventSelectors select no management events: add a selector with "
                "eventCategory = Management."]
    if not basic:
        return []  # no selectors: CloudTrail records all management events, read and write
    for selector in basic:
        if not isinstance(selector, Mapping):
            return []
        include = selector.get("includeManagementEvents", True)
        read_write = selector.get("readWriteType", "All")
        if UNKNOWN in (include, read_write):
            return UNKNOWN
        if include is not False and read_write == "All":
            excluded = selector.get("excludeManagementEventSources")
            if excluded is UNKNOWN:
                return UNKNOWN
            if as_list(excluded):
                return ["eventSelectors exclude management event sources "
                        f"({', '.join(map(str, as_list(excluded)))}): "
                        "multi-region-cloudtrail-enabled requires all of them."]
            return []
    return ["eventSelectors do not record management events with readWriteType All: set "
            "include_management_events=True and read_write_type=\"All\"."]
