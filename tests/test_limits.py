"""Settings refuse what AWS refuses: each limit at its value and one past it, keys in the wrong namespace,
YAML nulls, secure values the offline plan cannot decrypt, and values too large to echo.

The stack files under tests/stacks/ are the reliability cases A-6, A-7, A-43 and A-44, planned as users
plan them (`make plan STACK=<name>` with the stack file beside the program)."""
from __future__ import annotations

import json
import shutil

import pytest

from components import limits, stack_keys
from components.settings import FIELDS_BY_KEY, RECORDER_REQUIRED, Settings, SettingsError

from .conftest import FRESH_ACCOUNT_SETTINGS, ROOT, run_baseline
from .test_plan_cli import make_failed, plan

NS = "audit-baseline"
STACKS = ROOT / "tests" / "stacks"


def problems(settings: dict, **kwargs) -> list[str]:
    try:
        Settings.from_mapping({**FRESH_ACCOUNT_SETTINGS, **settings}, "us-east-1", **kwargs)
    except SettingsError as error:
        return error.problems
    return []


@pytest.fixture(scope="module")
def program_copy(tmp_path_factory):
    """The program beside which stack files are dropped, as a user copies one beside theirs."""
    root = tmp_path_factory.mktemp("program")
    for part in ("Pulumi.yaml", "__main__.py", "components", "policies", "cloudtrail"):
        source = ROOT / part
        (shutil.copytree if source.is_dir() else shutil.copy)(source, root / part)
    (root / ".venv").symlink_to(ROOT / ".venv")  # the virtualenv Pulumi.yaml names
    return root


def plan_stack(program_copy, name: str, text: str | None = None):
    target = program_copy / f"Pulumi.{name}.yaml"
    if text is None:
        shutil.copy(STACKS / f"Pulumi.{name}.yaml", target)
    else:
        target.write_text(text)
    return plan("FORMAT=json", f"STACK={name}", program=program_copy)


def refused(result, *lines: str) -> None:
    """Exit 2, nothing on stdout, and exactly these problems on stderr."""
    assert (result.returncode, result.stdout) == (2, "")
    count = f"{len(lines)} problem{'s' if len(lines) != 1 else ''}"
    assert result.stderr == (f"error: invalid stack configuration ({count}):\n"
                             + "".join(f"  - {line}\n" for line in lines) + make_failed(2))


# ---- the reliability cases (as given: without the now required recorder setting, which is reported too) ----

def test_a6_a_baseline_key_under_aws_names_the_namespace_it_belongs_to(program_copy):
    refused(plan_stack(program_copy, "a6"),
            "aws:cloudWatchLogs: 'cloudWatchLogs' is a setting of this project, not of the AWS provider; "
            f"set '{NS}:cloudWatchLogs' instead", RECORDER_REQUIRED)


def test_a7_a_misspelled_namespace_names_the_right_key(program_copy):
    refused(plan_stack(program_copy, "a7"),
            f"audit-baselin:expireAfterDays: unknown namespace 'audit-baselin'; did you mean '{NS}:expireAfterDays'?",
            RECORDER_REQUIRED)


def test_a43_a_thousand_data_event_buckets_name_the_selector_limit(program_copy):
    refused(plan_stack(program_copy, "a43"), RECORDER_REQUIRED,
            f"{NS}:dataEventBuckets: 1,000 buckets make 1,003 selector values; CloudTrail advanced event selectors: "
            "at most 500 values across all conditions of a trail (the baseline's own selectors take 3); expected "
            "at most 497 buckets, or [\"*\"] for every bucket")


def test_a44_a_dotted_trail_name_names_the_kms_alias_and_sns_topic(program_copy):
    refused(plan_stack(program_copy, "a44"), RECORDER_REQUIRED,
            f"{NS}:trailName: 'audit.trail' has '.', which KMS alias names and SNS topic names refuse, and the audit "
            "key's alias and the delivery topic are named after the trail (KMS alias names: letters, digits, '/', '_' "
            "and '-'; SNS topic names: letters, digits, '_' and '-'); expected a trail name of letters, digits, '_' "
            "and '-' only")


# ---- trail names: CloudTrail's rules and the services the name is reused in ----

def test_trail_name_length_at_and_past_the_limit():
    assert problems({"trailName": "a" * 128}) == []
    assert problems({"trailName": "a" * 129}) == [
        f"{NS}:trailName: '{'a' * 129}' is not valid; expected 3-128 letters, digits, '.', '_' or '-', starting and "
        "ending with a letter or digit"]


@pytest.mark.parametrize("name, problem", [
    ("my-_trail", "has adjacent '.', '_' or '-', which CloudTrail refuses in trail names; expected single "
                  "separators between letters or digits"),
    ("my--trail", "has adjacent '.', '_' or '-', which CloudTrail refuses in trail names; expected single "
                  "separators between letters or digits"),
    ("192.168.5.4", "is in IP address format, which CloudTrail refuses as a trail name; expected a name with letters"),
])
def test_trail_names_cloudtrail_refuses(name, problem):
    assert problems({"trailName": name}) == [f"{NS}:trailName: '{name}' {problem}"]


@pytest.mark.parametrize("name", ["my-trail", "my_trail-2", "192-168-5-4", "a1b"])
def test_trail_names_every_service_accepts(name):
    assert problems({"trailName": name, "deliveryNotifications": True}) == []


def test_the_sns_topic_is_named_only_when_it_is_created():
    assert problems({"trailName": "audit.trail"}) == [
        f"{NS}:trailName: 'audit.trail' has '.', which KMS alias names refuse, and the audit key's alias is named "
        "after the trail (KMS alias names: letters, digits, '/', '_' and '-'); expected a trail name of letters, "
        "digits, '_' and '-' only"]


# ---- the trail's S3 key prefix ----

def test_log_prefix_at_and_past_200_characters():
    at = "/".join(["p" * 99, "q" * 100])
    assert len(at) == 200 and problems({"logPrefix": at}) == []
    past = at + "r"
    assert problems({"logPrefix": past}) == [
        f"{NS}:logPrefix: '{past[:200]}...' (201 characters) has 201 characters; CloudTrail S3 key prefix: at most "
        "200 characters"]


# ---- advanced event selector values ----

def buckets(n: int) -> list[str]:
    return [f"bucket-{i:04d}" for i in range(n)]


@pytest.mark.parametrize("lambdas, most", [(False, 497), (True, 495)])
def test_data_event_buckets_at_and_past_500_selector_values(lambdas, most):
    assert problems({"dataEventBuckets": buckets(most), "dataEventsLambda": lambdas}) == []
    own = 3 + 2 * lambdas
    assert problems({"dataEventBuckets": buckets(most + 1), "dataEventsLambda": lambdas}) == [
        f"{NS}:dataEventBuckets: {most + 1} buckets make 501 selector values; CloudTrail advanced event selectors: "
        f"at most 500 values across all conditions of a trail (the baseline's own selectors take {own}); expected "
        f"at most {most} buckets, or [\"*\"] for every bucket"]


def test_the_selector_count_is_the_plans():
    plan_ = run_baseline({"dataEventBuckets": buckets(3), "dataEventsLambda": True})
    selectors = plan_.one("aws:cloudtrail/trail:Trail").inputs["advancedEventSelectors"]
    in_plan = sum(len(f.get(op, [])) for s in selectors for f in s["fieldSelectors"]
                  for op in ("equals", "startsWiths", "notEquals", "notStartsWiths", "endsWiths", "notEndsWiths"))
    assert in_plan == limits.selector_values(buckets(3), True) == 8
    assert limits.selector_values(["*"], True) == 5 and limits.selector_values([], False) == 0


# ---- tags ----

def test_tags_at_and_past_50_counting_the_baselines_own():
    assert problems({"tags": {f"k{i}": "v" for i in range(49)}}) == []
    assert problems({"tags": {f"k{i}": "v" for i in range(50)}}) == [
        f"{NS}:tags: 50 tags plus the baseline's own 'audit-baseline' tag make 51; tags per resource: at most 50 "
        "user tags; expected at most 49 tags"]
    # Overriding the baseline's own tag adds none.
    assert problems({"tags": {**{f"k{i}": "v" for i in range(49)}, "audit-baseline": "yes"}}) == []


def test_tag_values_with_characters_aws_refuses():
    assert problems({"tags": {"team": "Sécurité 2/3 @hq"}}) == []
    assert problems({"tags": {"team": "a;b"}}) == [
        f"{NS}:tags: the value of 'team', 'a;b', has characters AWS refuses in tag values; expected letters, digits, "
        "spaces and _ . : / = + - @"]


# ---- the audit key's policy ----

def readers_of(size: int) -> list[str]:
    """Reader ARNs whose JSON list is exactly ``size`` bytes."""
    arns = [f"arn:aws:iam::123456789012:role/reader-{i:05d}" for i in range(700)]
    while len(json.dumps(arns)) > size:
        arns.pop()
    last = arns.pop()
    room = size - len(json.dumps(arns + [last]))
    return arns + [last[:-5] + "x" * room + last[-5:]]


def test_log_readers_at_and_past_the_key_policy_limit():
    at = readers_of(32_768 - limits.KEY_POLICY_WITHOUT_READERS)
    assert problems({"logReaders": at}) == []
    past = readers_of(32_768 - limits.KEY_POLICY_WITHOUT_READERS + 1)
    assert problems({"logReaders": past}) == [
        f"{NS}:logReaders: {len(past)} ARNs make the audit key's policy at least 32,769 bytes; KMS key policy: at most "
        "32,768 bytes; expected fewer readers (for example one role that people assume)"]


def test_the_key_policy_without_readers_is_never_smaller_than_the_bound():
    reader = "arn:aws:iam::123456789012:role/r"
    plan_ = run_baseline({"config": False, "trailName": "abc", "alerting": False, "logReaders": [reader]},
                         region="eu-west-1")
    policy = plan_.one("aws:kms/key:Key", "audit-key").inputs["policy"]
    without = len(policy.encode()) - len(json.dumps([reader]))
    assert without >= limits.KEY_POLICY_WITHOUT_READERS and without - limits.KEY_POLICY_WITHOUT_READERS < 100


# ---- conformance pack templates, in bytes ----

@pytest.mark.parametrize("text, fits", [("#" * 51_200, True), ("#" * 51_201, False),
                                        ("#" + "é" * 25_599 + "#", True),   # 51,200 bytes
                                        ("é" * 25_601, False)])            # 25,601 characters, 51,202 bytes
def test_template_body_is_counted_in_bytes(tmp_path, text, fits):
    path = tmp_path / "pack.yaml"
    path.write_text(text, encoding="utf-8")
    found = problems({"customConformancePacks": [{"name": "mine", "templateFile": str(path)}]})
    if fits:
        assert found == []
    else:
        size = len(text.encode())
        (problem,) = found
        assert problem.endswith(f"is not: {path} has {size:,} bytes, over the 51,200 bytes allowed in a template "
                                "body; upload it to S3 and name it with templateS3Uri instead)")


# ---- YAML nulls ----

def test_yaml_nulls_and_empty_values_name_the_key_and_the_default():
    assert problems({"trailName": None, "cloudWatchLogs": "", "organizationId": None}) == [
        f"{NS}:trailName: empty (a YAML null or ''); expected 3-128 of [A-Za-z0-9._-], or remove the key to use "
        "the default ('audit-trail')",
        f"{NS}:cloudWatchLogs: empty (a YAML null or ''); expected true/false, or remove the key to use the "
        "default (false)",
        f"{NS}:organizationId: empty (a YAML null or ''); expected o-[a-z0-9]{{10,32}}, or remove the key to use "
        "the default (none)"]
    assert problems({"logPrefix": ""}) == []  # empty is this key's default


def test_a_yaml_null_in_a_stack_file(program_copy):
    refused(plan_stack(program_copy, "null", "config:\n  aws:region: us-east-1\n  audit-baseline:recorder: create\n"
                                             "  audit-baseline:trailName:\n"),
            f"{NS}:trailName: empty (a YAML null or ''); expected 3-128 of [A-Za-z0-9._-], or remove the key to "
            "use the default ('audit-trail')")


# ---- namespaces and provider keys ----

def test_each_limit_names_settings_that_exist():
    assert {k for lim in limits.LIMITS for k in lim.keys.split(", ")} <= set(FIELDS_BY_KEY)
    assert str(limits.SELECTOR_VALUES) == ("CloudTrail advanced event selectors: at most 500 values across all "
                                           "conditions of a trail")


def test_provider_keys_come_from_the_installed_provider():
    keys = stack_keys.provider_keys()
    assert {"region", "profile", "defaultTags", "skipCredentialsValidation", "assumeRoles"} <= keys
    assert not {"cloudWatchLogs", "trailName"} & keys


def test_misplaced_keys():
    config = ["aws:region", "aws:profile", "pulumi:template", "random:seed", f"{NS}:trailName",
              "aws:trailName", "aws:regoin", "aws:zzzz", "Audit-Baseline:tags", "audit_baseline:cloudWatchLog",
              "auditbaseline:nothingLikeIt"]
    assert stack_keys.misplaced(config, FIELDS_BY_KEY) == [
        f"aws:trailName: 'trailName' is a setting of this project, not of the AWS provider; set '{NS}:trailName' "
        "instead",
        "aws:regoin: not a setting of the AWS provider (pulumi-aws); did you mean 'aws:region'?",
        "aws:zzzz: not a setting of the AWS provider (pulumi-aws); the provider's keys are "
        + ", ".join(sorted(stack_keys.provider_keys())),
        f"Audit-Baseline:tags: unknown namespace 'Audit-Baseline'; did you mean '{NS}:tags'?",
        f"audit_baseline:cloudWatchLog: unknown namespace 'audit_baseline'; did you mean '{NS}:cloudWatchLogs'?",
        f"auditbaseline:nothingLikeIt: unknown namespace 'auditbaseline'; this project's namespace is '{NS}'",
    ]


def test_the_program_reads_every_namespace():
    from preflight.runner import ProgramConfigError
    with pytest.raises(ProgramConfigError) as caught:
        _run({"aws:regoin": "us-east-1"})
    assert str(caught.value) == ("invalid stack configuration (1 problem):\n  - aws:regoin: not a setting of the "
                                 "AWS provider (pulumi-aws); did you mean 'aws:region'?")


def _run(extra: dict, secret_keys=()):
    from preflight.runner import Project, run_program
    config = {"aws:region": "us-east-1", **{f"{NS}:{k}": v for k, v in FRESH_ACCOUNT_SETTINGS.items()}, **extra}
    return run_program(Project.load(ROOT), "test", config, list(secret_keys))


# ---- secure values and long values ----

def test_a_secure_value_the_offline_plan_cannot_decrypt_says_so():
    from preflight.runner import ProgramConfigError
    with pytest.raises(ProgramConfigError) as caught:
        _run({f"{NS}:cloudWatchLogs": "true", f"{NS}:alertEmails": "[secret]"}, [f"{NS}:alertEmails"])
    assert str(caught.value) == (
        f"invalid stack configuration (1 problem):\n  - {NS}:alertEmails: a secure value, which the offline plan "
        "cannot decrypt, so it was not judged; run `pulumi preview` (which decrypts it), or set it in clear text "
        "in the stack you plan offline")


def test_the_runner_and_the_program_agree_on_the_placeholder(tmp_path):
    from preflight.runner import Project
    (tmp_path / "Pulumi.yaml").write_text("name: audit-baseline\nruntime: python\n")
    (tmp_path / "__main__.py").write_text("")
    (tmp_path / "Pulumi.s.yaml").write_text("config:\n  audit-baseline:alertEmails:\n    secure: AAABAJ2f\n")
    config, secrets = Project.load(tmp_path).stack_config("s")
    assert (config, secrets) == ({f"{NS}:alertEmails": stack_keys.OFFLINE_SECRET}, [f"{NS}:alertEmails"])


def test_a_decrypted_secret_is_never_echoed():
    assert problems({"trailName": "bad name!"}, secrets={"trailName"}) == [
        f"{NS}:trailName: [secret] is not valid; expected 3-128 letters, digits, '.', '_' or '-', starting and "
        "ending with a letter or digit"]


def test_long_values_are_clipped():
    found = problems({"trailName": "x" * 99_999 + "!"})
    assert found == [f"{NS}:trailName: '{'x' * 200}...' (100,000 characters) is not valid; expected 3-128 "
                     "letters, digits, '.', '_' or '-', starting and ending with a letter or digit"]
    assert limits.show(list(range(100_000))).endswith("... (longer)") and len(limits.show(list(range(100_000)))) < 260


def test_values_at_and_past_the_size_a_setting_may_hold():
    at = json.dumps(["ApiCallRateInsight"]).ljust(100_000)  # JSON text may end in blanks
    assert len(at) == 100_000 and problems({"insights": at}) == []
    assert problems({"insights": at + " "}) == [
        f"{NS}:insights: '{at[:200]}...' (100,001 characters) is longer than the 100,000 characters a setting may "
        "hold (did YAML aliases expand it?); expected a value of the size AWS accepts"]


def test_a_yaml_alias_bomb_prints_a_few_hundred_characters(program_copy):
    levels = ["  a0: &a0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]"]
    for i in range(1, 6):
        levels.append(f"  a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    text = ("bomb:\n" + "\n".join(levels) + "\nconfig:\n  aws:region: us-east-1\n  audit-baseline:recorder: create\n"
            "  audit-baseline:tags: *a5\n")
    result = plan_stack(program_copy, "bomb", text)
    assert (result.returncode, result.stdout) == (2, "")
    assert len(result.stderr) < 800, len(result.stderr)
    assert f"  - {NS}:tags: '[[[[[[\"lol\", \"lol\"" in result.stderr
    assert "characters) is longer than the 100,000 characters a setting may hold" in result.stderr


def test_keys_the_cli_hands_over_in_the_environment_are_read_too(monkeypatch):
    """Under `pulumi up` the language host passes config as PULUMI_CONFIG and secret keys as
    PULUMI_CONFIG_SECRET_KEYS; the program reads both, not only what the SDK was told."""
    from pulumi.runtime import config as runtime_config
    token = runtime_config.CONFIG.set({})
    try:
        monkeypatch.setenv("PULUMI_CONFIG", json.dumps({
            "aws:region": "us-east-1", f"{NS}:recorder": "create", "aws:cloudWatchLogs": "true",
            f"{NS}:alertHttpsEndpoints": "not a url"}))
        monkeypatch.setenv("PULUMI_CONFIG_SECRET_KEYS", json.dumps([f"{NS}:alertHttpsEndpoints"]))
        with pytest.raises(SettingsError) as caught:
            Settings.from_config()
    finally:
        runtime_config.CONFIG.reset(token)
    assert caught.value.problems == [
        f"{NS}:alertHttpsEndpoints: [secret] is not valid; expected a list of https:// URLs",
        f"aws:cloudWatchLogs: 'cloudWatchLogs' is a setting of this project, not of the AWS provider; set "
        f"'{NS}:cloudWatchLogs' instead"]
