"""CloudTrail policies through the real analyzer protocol, on trails recorded from pulumi_aws constructors.

Scenarios mirror each rule's PASS / FAIL / SKIP cases."""
from __future__ import annotations

import pulumi_aws as aws
import pytest

from preflight.mocks import Registration

from .conftest import all_verdicts, messages, record, verdicts

KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
UNKNOWN_BOOL = "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7"
UNKNOWN_ARRAY = "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2"


def trail(name: str, **kwargs) -> Registration:
    defaults = dict(s3_bucket_name="logs", is_multi_region_trail=True, enable_log_file_validation=True,
                    kms_key_id=KEY)
    defaults.update(kwargs)
    (found,) = [r for r in record(lambda: aws.cloudtrail.Trail(name, name=name, **defaults))
                if r.type == "aws:cloudtrail/trail:Trail"]
    return found


def raw_trail(name: str, **inputs) -> Registration:
    """A trail as the engine sends it during preview, with values that are not known yet."""
    base = {"name": name, "s3BucketName": "logs", "isMultiRegionTrail": True, "enableLogFileValidation": True,
            "kmsKeyId": KEY}
    base.update(inputs)
    return Registration(urn=f"urn:pulumi:test::fixtures::aws:cloudtrail/trail:Trail::{name}",
                        type="aws:cloudtrail/trail:Trail", name=name, custom=True, parent=None, inputs=base)


def test_pass_hardened_trail(pack):
    assert verdicts(pack, [trail("hardened")]) == []


def test_fail_log_file_validation_off(pack):
    bad = trail("no-validation", enable_log_file_validation=False)
    assert verdicts(pack, [bad]) == [("cloud-trail-log-file-validation-enabled", "mandatory", "no-validation")]
    assert messages(pack, bad)["cloud-trail-log-file-validation-enabled"] == (
        "CloudTrail trails have log file validation enabled (signed digest files).\n"
        "enableLogFileValidation is not true: CloudTrail writes no signed digest files, so nobody can prove the "
        "logs were not altered. Set enable_log_file_validation=True on the trail.")


def test_fail_log_file_validation_unset(pack):
    assert verdicts(pack, [trail("unset", enable_log_file_validation=None)]) == [
        ("cloud-trail-log-file-validation-enabled", "mandatory", "unset")]


def test_fail_no_kms_key(pack):
    bad = trail("sse-s3", kms_key_id=None)
    assert verdicts(pack, [bad]) == [("cloud-trail-encryption-enabled", "mandatory", "sse-s3")]
    assert "kmsKeyId is not set" in messages(pack, bad)["cloud-trail-encryption-enabled"]


def test_advisory_single_region(pack):
    assert all_verdicts(pack, [trail("one-region", is_multi_region_trail=False)]) == [
        ("multi-region-cloudtrail-enabled", "advisory", "one-region")]


def test_advisory_write_only_management_events(pack):
    bad = trail("write-only", event_selectors=[aws.cloudtrail.TrailEventSelectorArgs(
        read_write_type="WriteOnly", include_management_events=True)])
    assert all_verdicts(pack, [bad]) == [("multi-region-cloudtrail-enabled", "advisory", "write-only")]


def test_advisory_excluded_kms_events(pack):
    bad = trail("no-kms-events", event_selectors=[aws.cloudtrail.TrailEventSelectorArgs(
        read_write_type="All", include_management_events=True,
        exclude_management_event_sources=["kms.amazonaws.com"])])
    assert all_verdicts(pack, [bad]) == [("multi-region-cloudtrail-enabled", "advisory", "no-kms-events")]
    (diagnostic,) = pack.analyze_stack([bad]).diagnostics
    assert "kms.amazonaws.com" in diagnostic.message and diagnostic.urn == bad.urn


def test_pass_advanced_selectors_with_all_management_events(pack):
    good = trail("advanced", advanced_event_selectors=[aws.cloudtrail.TrailAdvancedEventSelectorArgs(
        name="mgmt", field_selectors=[aws.cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs(
            field="eventCategory", equals=["Management"])])])
    assert all_verdicts(pack, [good]) == []


def test_advisory_advanced_selectors_read_only(pack):
    field = aws.cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs
    bad = trail("advanced-read", advanced_event_selectors=[aws.cloudtrail.TrailAdvancedEventSelectorArgs(
        name="mgmt", field_selectors=[field(field="eventCategory", equals=["Management"]),
                                      field(field="readOnly", equals=["true"])])])
    assert all_verdicts(pack, [bad]) == [("multi-region-cloudtrail-enabled", "advisory", "advanced-read")]


def test_advisory_advanced_selectors_without_management(pack):
    field = aws.cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs
    bad = trail("data-only", advanced_event_selectors=[aws.cloudtrail.TrailAdvancedEventSelectorArgs(
        name="data", field_selectors=[field(field="eventCategory", equals=["Data"]),
                                      field(field="resources.type", equals=["AWS::S3::Object"])])])
    assert all_verdicts(pack, [bad]) == [("multi-region-cloudtrail-enabled", "advisory", "data-only")]


def test_every_rule_failing_at_once(pack):
    bad = trail("worst", enable_log_file_validation=False, kms_key_id=None, is_multi_region_trail=False)
    assert all_verdicts(pack, [bad]) == [("cloud-trail-encryption-enabled", "mandatory", "worst"),
                                     ("cloud-trail-log-file-validation-enabled", "mandatory", "worst"),
                                     ("multi-region-cloudtrail-enabled", "advisory", "worst")]


# ---- SKIP: values unknown during preview never yield a violation ----

@pytest.mark.parametrize("inputs", [
    {"kmsKeyId": UNKNOWN_STRING},
    {"enableLogFileValidation": UNKNOWN_BOOL},
    {"isMultiRegionTrail": UNKNOWN_BOOL},
    {"eventSelectors": UNKNOWN_ARRAY},
    {"eventSelectors": [{"readWriteType": UNKNOWN_STRING, "includeManagementEvents": True}]},
])
def test_skip_unknown_values(pack, inputs):
    assert all_verdicts(pack, [raw_trail("unknown", **inputs)]) == []


# ---- a policy never raises, whatever shape arrives ----

@pytest.mark.parametrize("inputs, expected", [
    ({"eventSelectors": "not-a-list"}, []),
    ({"eventSelectors": [7, None]}, []),
    ({"advancedEventSelectors": [{"fieldSelectors": "oops"}]}, [("multi-region-cloudtrail-enabled", "advisory", "odd")]),
    ({"advancedEventSelectors": [None]}, []),
    ({"kmsKeyId": 12.0, "enableLogFileValidation": "yes"}, [("cloud-trail-encryption-enabled", "mandatory", "odd"),
                                                           ("cloud-trail-log-file-validation-enabled", "mandatory",
                                                            "odd")]),
])
def test_odd_shapes_never_raise(pack, inputs, expected):
    # A policy that raised would surface here as a gRPC error instead of a response.
    assert all_verdicts(pack, [raw_trail("odd", **inputs)]) == expected


def test_a_failing_check_gives_no_verdict_instead_of_raising(monkeypatch, capsys):
    from audit_pack import catalog, pack as pack_module
    from audit_pack.registry import RESOURCE_RULES, ResourceRule

    def broken(_props, _config, kind=""):
        raise KeyError("boom")

    rule = catalog.RULES_BY_NAME["cloud-trail-encryption-enabled"]
    monkeypatch.setitem(RESOURCE_RULES, rule["name"], ResourceRule(rule["name"], frozenset({"t:m:T"}), broken))
    policy = pack_module._resource_policy(rule)

    class Args:
        resource_type, props, name = "t:m:T", {"a": 1}, "broken"

        def get_config(self):
            return {}

    reported = []
    policy.validate(Args(), lambda message, urn=None: reported.append(message))
    assert reported == []
    assert "policy cloud-trail-encryption-enabled: internal error, no verdict: KeyError('boom')" in capsys.readouterr().err


def test_other_resource_types_are_ignored(pack):
    bucket = [r for r in record(lambda: aws.s3.Bucket("plain")) if r.type == "aws:s3/bucket:Bucket"]
    assert verdicts(pack, bucket) == []
