"""CIS alarms: exact filters and alarms from the program under mocks, and each filter matching exactly the
records its saved query returns, on the real logs (and labelled synthetic records built from real ones)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from cloudtrail.detections import DETECTIONS
from cloudtrail.filter_pattern import PatternError, compile_pattern
from components.settings import Settings, SettingsError

from .conftest import FRESH_ACCOUNT_SETTINGS, Plan, run_baseline
from .test_queries import DATA, INVICTUS_AS_OF, STRATUS_AS_OF, query, records_of, synthetic_set

ACCOUNT = "123456789012"
FILTER = "aws:cloudwatch/logMetricFilter:LogMetricFilter"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


@pytest.fixture(scope="module")
def plan():
    return run_baseline({"cloudWatchLogs": True, "alertEmails": ["soc@example.com"],
                         "alertHttpsEndpoints": ["https://hooks.example.com/aws"]})


def test_fourteen_cis_detections_with_their_controls():
    assert [d.cis.rsplit(" ", 1)[1] for d in DETECTIONS] == [f"4.{i}" for i in range(1, 15)]
    assert {d.cis.rsplit(" ", 1)[0] for d in DETECTIONS} == {"CIS AWS Foundations v1.4.0"}


def test_exact_filter_patterns(plan):
    patterns = {r.inputs["name"].removeprefix("audit-baseline-test-"): r.inputs["pattern"] for r in plan.of_type(FILTER)}
    assert patterns["root-account-usage"] == (
        '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }')
    assert patterns["unauthorized-api-calls"] == (
        '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }')
    assert patterns["kms-key-disable-or-deletion"] == (
        "{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion)) }")
    assert patterns["console-signin-without-mfa"] == (  # CIS's pattern: IAM users' successful sign-ins
        '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && '
        '($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }')
    assert patterns == {d.name: d.pattern for d in DETECTIONS}
    group = plan.one("aws:cloudwatch/logGroup:LogGroup").inputs["name"]
    assert {r.inputs["logGroupName"] for r in plan.of_type(FILTER)} == {group}
    root = next(r for r in plan.of_type(FILTER) if r.name == "audit-alerting-root-account-usage")
    assert root.inputs["metricTransformation"] == {"name": "RootAccountUsage", "namespace": "AuditBaseline/CIS/test",
                                                   "value": "1"}


def test_alarms_metric_threshold_and_action(plan):
    topic = plan.one("aws:sns/topic:Topic", "audit-alerting-alarms")
    alarm = next(r for r in plan.of_type(ALARM) if r.name == "audit-alerting-root-account-usage-alarm").inputs
    assert {k: alarm[k] for k in ("name", "namespace", "metricName", "statistic", "period", "evaluationPeriods",
                                  "threshold", "comparisonOperator", "treatMissingData", "alarmActions")} == {
        "name": "audit-baseline-test-root-account-usage", "namespace": "AuditBaseline/CIS/test",
        "metricName": "RootAccountUsage",
        "statistic": "Sum", "period": 300, "evaluationPeriods": 1, "threshold": 1,
        "comparisonOperator": "GreaterThanOrEqualToThreshold", "treatMissingData": "notBreaching",
        "alarmActions": [topic.id]}
    assert alarm["alarmDescription"] == "CIS AWS Foundations v1.4.0 4.3: Use of the root user"
    assert len(plan.of_type(ALARM)) == 14


def test_topic_is_encrypted_and_only_this_accounts_alarms_publish(plan):
    topic = plan.one("aws:sns/topic:Topic", "audit-alerting-alarms")
    assert topic.inputs["kmsMasterKeyId"] == plan.one("aws:cloudtrail/trail:Trail").inputs["kmsKeyId"]
    statements = Plan.statements(plan.one("aws:sns/topicPolicy:TopicPolicy", "audit-alerting-alarms-policy"))
    # exactly this stack's alarms (no wildcard another stack's alarm names could match)
    assert statements["CloudWatchAlarmsPublish"]["Condition"] == {
        "ArnLike": {"aws:SourceArn": [f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:audit-baseline-test-{d.name}"
                                        for d in DETECTIONS]},
        "StringEquals": {"aws:SourceAccount": ACCOUNT}}
    assert Plan.statements(plan.one("aws:kms/key:Key"))["CloudWatchAlarmsPublishEncrypted"]["Principal"] == {
        "Service": "cloudwatch.amazonaws.com"}
    subscriptions = sorted((r.inputs["protocol"], r.inputs["endpoint"]) for r in
                           plan.of_type("aws:sns/topicSubscription:TopicSubscription"))
    assert subscriptions == [("email", "soc@example.com"), ("https", "https://hooks.example.com/aws")]


def test_toggles_and_no_alarms_without_cloudwatch_logs():
    plan = run_baseline({"cloudWatchLogs": True, "disabledDetections": ["vpc-changes", "nacl-changes"]})
    names = {r.inputs["name"] for r in plan.of_type(ALARM)}
    assert len(names) == 12 and "audit-baseline-test-vpc-changes" not in names
    assert "audit-baseline-test-nacl-changes" not in names and "audit-baseline-test-root-account-usage" in names
    assert run_baseline().of_type(ALARM) == []


@pytest.mark.parametrize("settings, problem", [
    ({"cloudWatchLogs": True, "alertEmails": ["not-an-email"]},
     'audit-baseline:alertEmails: ["not-an-email"] is not valid; expected a list of e-mail addresses '
     '("not-an-email" is not)'),
    ({"cloudWatchLogs": True, "disabledDetections": ["vpc-change"]},
     'audit-baseline:disabledDetections: ["vpc-change"] is not valid; expected a list of detection names '
     '("vpc-change" is not: did you mean vpc-changes?)'),
    ({"alertEmails": ["soc@example.com"]},
     "audit-baseline:alertEmails: set but audit-baseline:cloudWatchLogs is false, and alarms read the trail's "
     "CloudWatch Logs group; expected cloudWatchLogs: true"),
])
def test_alerting_setting_mistakes(settings, problem):
    with pytest.raises(SettingsError) as caught:
        Settings.from_mapping({**FRESH_ACCOUNT_SETTINGS, **settings}, "us-east-1")
    assert caught.value.problems == [problem]


# ---- the filter pattern matcher itself ----

@pytest.mark.parametrize("pattern, record, expected", [
    ('{ $.a = "x*" }', {"a": "xyz"}, True),
    ('{ $.a = "*z" && $.b NOT EXISTS }', {"a": "xyz"}, True),
    ('{ $.a != "x" }', {}, False),
    ('{ $.a IS NULL }', {"a": None}, True),
    ('{ ($.a = 1) || ($.b.c[0] = "q") }', {"a": 2, "b": {"c": ["q"]}}, True),
    ('{ $.n >= 10 }', {"n": 12}, True),
    ('{ $.flag = true }', {"flag": True}, True),
])
def test_matcher(pattern, record, expected):
    assert compile_pattern(pattern)(record) is expected


def test_matcher_refuses_bad_patterns():
    with pytest.raises(PatternError):
        compile_pattern('$.a = "x"')
    with pytest.raises(PatternError):
        compile_pattern('{ ($.a = "x" }')


# ---- parity with the saved queries ----

@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    return synthetic_set(tmp_path_factory.mktemp("alerting"))


@pytest.mark.parametrize("detection", DETECTIONS, ids=[d.name for d in DETECTIONS])
def test_each_filter_matches_exactly_what_its_query_returns(detection, synthetic):
    match = compile_pattern(detection.pattern)
    total = 0
    for folder, as_of in ((DATA / "invictus-aws_dataset", INVICTUS_AS_OF), (DATA / "stratus-red-team", STRATUS_AS_OF),
                          (synthetic, INVICTUS_AS_OF)):
        since = (as_of - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
        matched = [r for r in records_of(folder) if r["eventTime"] >= since and match(r)]
        matched.sort(key=lambda r: r["eventID"])
        matched.sort(key=lambda r: r["eventTime"], reverse=True)
        rows = query(detection.query, folder, as_of)["rows"]
        assert [(r["eventTime"], r.get("eventName"), r.get("sourceIPAddress")) for r in matched] == [
            (row[0], row[2], row[6]) for row in rows], f"{detection.name} over {folder.name}"
        total += len(rows)
    assert total >= 1, f"{detection.name}: no record on any set"


def test_console_signin_without_mfa_is_iam_users_successful_signins_only():
    """CIS AWS Foundations (v1.4.0 4.2, Security Hub CloudWatch.2): IAM users, successful sign-ins."""
    (detection,) = [d for d in DETECTIONS if d.name == "console-signin-without-mfa"]
    match = compile_pattern(detection.pattern)

    def login(kind, outcome, mfa):
        return {"eventName": "ConsoleLogin", "userIdentity": {"type": kind},
                "responseElements": {"ConsoleLogin": outcome}, "additionalEventData": {"MFAUsed": mfa}}
    assert [match(login(*case)) for case in (("IAMUser", "Success", "No"), ("IAMUser", "Success", "Yes"),
                                             ("IAMUser", "Failure", "No"), ("AssumedRole", "Success", "No"),
                                             ("Root", "Success", "No"))] == [True, False, False, False, False]
