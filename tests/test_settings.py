"""Every stack-config mistake ends in one clear error naming the key, the value and what is allowed,
before any resource is registered."""
from __future__ import annotations

import pytest

from components.settings import FIELDS, REGIONS, Settings, SettingsError

from .conftest import FRESH_ACCOUNT_SETTINGS, ROOT, run_baseline

NS = "audit-baseline"

# (settings, region) -> the exact problem reported
MISTAKES = [
    ({"trailname": "x"}, f"{NS}:trailname: unknown setting; did you mean '{NS}:trailName'?"),
    ({"cloudWatchLog": "true"}, f"{NS}:cloudWatchLog: unknown setting; did you mean '{NS}:cloudWatchLogs'?"),
    ({"zzz": "1"}, f"{NS}:zzz: unknown setting; known keys: " + ", ".join(sorted(f.key for f in FIELDS))),
    ({"trailName": "a"}, f"{NS}:trailName: 'a' is not valid; expected 3-128 letters, digits, '.', '_' or '-', "
                         "starting and ending with a letter or digit"),
    ({"trailName": "bad name!"}, f"{NS}:trailName: 'bad name!' is not valid; expected 3-128 letters, digits, '.', "
                                 "'_' or '-', starting and ending with a letter or digit"),
    ({"logPrefix": "/logs/"}, f"{NS}:logPrefix: '/logs/' is not valid; expected an S3 key prefix without leading "
                              "or trailing '/'"),
    ({"organizationTrail": "yes"}, f"{NS}:organizationTrail: 'yes' is not valid; expected true or false"),
    ({"organizationTrail": "true"}, f"{NS}:organizationId: required when {NS}:organizationTrail is true; "
                                    "expected an AWS Organizations id such as o-a1b2c3d4e5"),
    ({"organizationTrail": "true", "organizationId": "org-1"},
     f"{NS}:organizationId: 'org-1' is not valid; expected an AWS Organizations id such as o-a1b2c3d4e5"),
    ({"organizationId": "o-abcdefghij"}, f"{NS}:organizationId: set to 'o-abcdefghij' but {NS}:organizationTrail "
                                         "is false; set organizationTrail to true or remove organizationId"),
    ({"bucketEncryption": "AES256"}, f"{NS}:bucketEncryption: 'AES256' is not valid; expected one of SSE-KMS, SSE-S3"),
    ({"glacierAfterDays": "ninety"}, f"{NS}:glacierAfterDays: 'ninety' is not valid; expected a whole number "
                                     "from 0 to 36500"),
    ({"glacierAfterDays": "-1"}, f"{NS}:glacierAfterDays: '-1' is not valid; expected a whole number from 0 to 36500"),
    ({"expireAfterDays": "400", "glacierAfterDays": "400"},
     f"{NS}:expireAfterDays: 400 must be greater than {NS}:glacierAfterDays (400), "
                                "or 0 to keep logs forever"),
    ({"expireAfterDays": "200", "glacierAfterDays": "0"},
     f"{NS}:expireAfterDays: 200 deletes audit logs before a year; expected 0 (never) or at least 365 "
     "(CIS AWS Foundations keeps a year of logs)"),
    ({"objectLockMode": "LEGAL_HOLD"}, f"{NS}:objectLockMode: 'LEGAL_HOLD' is not valid; expected one of none, "
                                      "GOVERNANCE, COMPLIANCE"),
    ({"objectLockDays": "30"}, f"{NS}:objectLockDays: set but {NS}:objectLockMode is 'none'; expected "
                               "objectLockMode GOVERNANCE or COMPLIANCE"),
    ({"objectLockMode": "COMPLIANCE", "objectLockDays": "4000"},
     f"{NS}:objectLockDays: 4000 is longer than {NS}:expireAfterDays (2557); locked objects cannot expire before "
     "their retention ends"),
    ({"dataEventBuckets": '["*", "my-bucket"]'}, f"{NS}:dataEventBuckets: \"*\" already covers every bucket; "
                                                 "expected [\"*\"] alone or a list of bucket names"),
    ({"dataEventBuckets": '["Not_A_Bucket"]'}, f"{NS}:dataEventBuckets: '[\"Not_A_Bucket\"]' is not valid; "
                                               "expected a list of S3 bucket names or \"*\" (\"Not_A_Bucket\" is not)"),
    ({"dataEventBuckets": "my-bucket"}, f"{NS}:dataEventBuckets: 'my-bucket' is not valid; expected a list of "
                                        "S3 bucket names or \"*\""),
    ({"insights": '["ApiCallRate"]'}, f"{NS}:insights: '[\"ApiCallRate\"]' is not valid; expected a list of "
                                      "Insights types (\"ApiCallRate\" is not)"),
    ({"insights": '["ApiCallRateInsight", "ApiCallRateInsight"]'},
     f"{NS}:insights: '[\"ApiCallRateInsight\", \"ApiCallRateInsight\"]' is not valid; expected a list of distinct "
     "Insights types"),
    ({"cloudWatchLogs": "true", "logRetentionDays": "10"},
     f"{NS}:logRetentionDays: '10' is not valid; expected one of " + ", ".join(map(str, (
         1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)))),
    ({"logRetentionDays": "30"}, f"{NS}:logRetentionDays: set but {NS}:cloudWatchLogs is false; expected "
                                 "cloudWatchLogs: true"),
    ({"logReaders": '["arn:aws:iam::12345:role/x"]'},
     f"{NS}:logReaders: '[\"arn:aws:iam::12345:role/x\"]' is not valid; expected a list of IAM role, user or "
     "account-root ARNs (\"arn:aws:iam::12345:role/x\" is not)"),
    ({"tags": '{"aws:owner": "me"}'}, f"{NS}:tags: '{{\"aws:owner\": \"me\"}}' is not valid; expected a map of tag "
                                      "keys (1-128 characters, not starting with aws:) to string values "
                                      "(at most 256 characters)"),
    ({"tags": '["a"]'}, f"{NS}:tags: '[\"a\"]' is not valid; expected a map of tag keys (1-128 characters, not "
                        "starting with aws:) to string values (at most 256 characters)"),
    ({"accessLogging": "1"}, f"{NS}:accessLogging: '1' is not valid; expected true or false"),
]


@pytest.mark.parametrize("settings, problem", MISTAKES, ids=[str(i) for i in range(len(MISTAKES))])
def test_each_mistake_is_one_named_problem(settings, problem):
    with pytest.raises(SettingsError) as caught:
        Settings.from_mapping({**FRESH_ACCOUNT_SETTINGS, **settings}, "us-east-1")
    assert caught.value.problems == [problem]


def test_there_are_at_least_twenty_distinct_mistakes():
    assert len({problem for _, problem in MISTAKES}) >= 20


def test_bad_region_names_the_key_the_value_and_a_suggestion():
    with pytest.raises(SettingsError) as caught:
        Settings.from_mapping(dict(FRESH_ACCOUNT_SETTINGS), "us-east-9")
    (problem,) = caught.value.problems
    assert problem.startswith("aws:region: 'us-east-9' is not an AWS region (did you mean us-east-2?); "
                              "expected one of ")
    assert "eu-west-1" in problem and "us-gov-west-1" in problem


def test_missing_region():
    with pytest.raises(SettingsError) as caught:
        Settings.from_mapping(dict(FRESH_ACCOUNT_SETTINGS), None)
    assert caught.value.problems == ["aws:region: not set; set it with `pulumi config set aws:region us-east-1`"]


def test_all_problems_are_reported_together():
    with pytest.raises(SettingsError) as caught:
        Settings.from_mapping({**FRESH_ACCOUNT_SETTINGS, "trailNam": "x", "accessLogging": "maybe"}, "mars-1")
    assert [p.split(":")[0] + ":" + p.split(":")[1] for p in caught.value.problems] == [
        f"{NS}:trailNam", f"{NS}:accessLogging", "aws:region"]
    assert str(caught.value).startswith("invalid stack configuration (3 problems):\n  - ")


def test_defaults_are_the_hardened_ones():
    s = Settings.from_mapping(dict(FRESH_ACCOUNT_SETTINGS), "eu-central-1")
    assert (s.region, s.trail_name, s.bucket_encryption, s.protect_audit_data, s.retain_on_delete,
            s.access_logging, s.account_public_access_block, s.ebs_encryption_by_default, s.object_lock) == (
        "eu-central-1", "audit-trail", "SSE-KMS", True, True, True, True, True, False)


def test_structured_values_are_accepted_as_json_text_and_as_data():
    s = Settings.from_mapping({**FRESH_ACCOUNT_SETTINGS, "insights": '["ApiErrorRateInsight"]',
                               "dataEventBuckets": ["a-bucket"], "tags": {"team": "sec"}, "glacierAfterDays": 30,
                               "expireAfterDays": "400"}, "us-east-1")
    assert (s.insights, s.data_event_buckets, dict(s.tags), s.glacier_after_days, s.expire_after_days) == (
        ("ApiErrorRateInsight",), ("a-bucket",), {"team": "sec"}, 30, 400)


def test_regions_come_from_the_provider():
    assert {"us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1", "cn-north-1"} <= set(REGIONS)


def test_program_registers_nothing_when_settings_are_bad():
    from preflight.runner import ProgramConfigError
    with pytest.raises(ProgramConfigError) as caught:
        run_baseline({"cloudWatchLogz": "true"})
    assert str(caught.value) == (f"invalid stack configuration (1 problem):\n  - {NS}:cloudWatchLogz: unknown "
                                 f"setting; did you mean '{NS}:cloudWatchLogs'?")
    assert [r.type for r in caught.value.registrations] == ["pulumi:pulumi:Stack"]


def test_readme_tables_are_generated_from_code():
    from components.docs import render_readme
    readme = (ROOT / "README.md").read_text()
    assert render_readme(readme) == readme, "README.md is stale: run `make docs`"
    assert all(f"| `{f.key}` |" in readme for f in FIELDS)
