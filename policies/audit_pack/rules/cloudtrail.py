"""CloudTrail rules: log file validation, KMS encryption, multi-region trails."""
from __future__ import annotations

from typing import Any, Mapping

from ..props import UNKNOWN, as_list, has_unknown
from ..registry import resource_check

TRAIL = ("aws:cloudtrail/trail:Trail",)


@resource_check("cloud-trail-log-file-validation-enabled", TRAIL)
def log_file_validation(props: Mapping[str, Any], _config: Mapping[str, Any], kind: str = "") -> list[str]:
    value = props.get("enableLogFileValidation")
    if value is UNKNOWN or value is True:
        return []
    return ["enableLogFileValidation is not true: CloudTrail writes no signed digest files, so nobody can prove "
            "the logs were not altered. Set enable_log_file_validation=True on the trail."]


@resource_check("cloud-trail-encryption-enabled", TRAIL)
def encryption(props: Mapping[str, Any], _config: Mapping[str, Any], kind: str = "") -> list[str]:
    value = props.get("kmsKeyId")
    if value is UNKNOWN or (isinstance(value, str) and value):
        return []
    return ["kmsKeyId is not set: the trail's logs are encrypted with S3-managed keys only, which this rule "
            "does not accept. Set kms_key_id to a customer-managed KMS key whose policy lets CloudTrail encrypt."]


@resource_check("multi-region-cloudtrail-enabled", TRAIL)
def multi_region(props: Mapping[str, Any], _config: Mapping[str, Any], kind: str = "") -> list[str]:
    problems = []
    if props.get("isMultiRegionTrail") is not True and props.get("isMultiRegionTrail") is not UNKNOWN:
        problems.append("isMultiRegionTrail is not true: the trail records one region only. "
                        "Set is_multi_region_trail=True.")
    problems.extend(_management_event_gaps(props))
    return problems


def _management_event_gaps(props: Mapping[str, Any]) -> list[str]:
    """Config wants management events, read and write, with no event source excluded."""
    advanced = props.get("advancedEventSelectors")
    basic = props.get("eventSelectors")
    if advanced is UNKNOWN or basic is UNKNOWN:
        return []
    advanced, basic = as_list(advanced), as_list(basic)
    if advanced:
        for selector in advanced:
            if selector is UNKNOWN or not isinstance(selector, Mapping):
                return []
            fields = selector.get("fieldSelectors")
            if fields is UNKNOWN or has_unknown(fields):
                return []
            fields = as_list(fields)
            if any(isinstance(f, Mapping) and f.get("field") == "eventCategory" and f.get("equals") == ["Management"]
                   for f in fields):
                narrowing = [f.get("field") for f in fields if isinstance(f, Mapping)
                             and f.get("field") in ("readOnly", "eventSource")]
                if narrowing:
                    return [f"advancedEventSelectors narrow management events by {', '.join(narrowing)}: "
                            "record every management event, read and write, from every source."]
                return []
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
            return []
        if include is not False and read_write == "All":
            excluded = selector.get("excludeManagementEventSources")
            if excluded is UNKNOWN:
                return []
            if as_list(excluded):
                return ["eventSelectors exclude management event sources "
                        f"({', '.join(map(str, as_list(excluded)))}): "
                        "multi-region-cloudtrail-enabled requires all of them."]
            return []
    return ["eventSelectors do not record management events with readWriteType All: set "
            "include_management_events=True and read_write_type=\"All\"."]
