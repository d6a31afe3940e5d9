"""The gate as an engine: programs people write run in their own process and environment, to a verdict,
and every way a run can go wrong fails closed (exit 2 with a message saying what failed).

Programs live in tests/programs/gate-*; each is a case of ../shared/cases (gate/, reliability/F-*).
Program environments are created under the repository's ignored ``.cache/`` (once, then reused), except
the test that checks creation itself, which makes a fresh one per run.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from .conftest import ROOT

PROGRAMS = ROOT / "tests" / "programs"
CACHE = ROOT / ".cache" / "audit-baseline"
PYTHON = str(ROOT / ".venv" / "bin" / "python")


# Gate runs with fixed inputs start together when the module starts (4 at a time): each run mostly waits
# (process start-up, gRPC round trips), so the module takes a fraction of the time of running them in turn.
PREFETCH = [
    ("gate-resource-reference", ("--format", "json"), "test", None),
    ("gate-dry-run", ("--format", "json"), "test", None),
    ("gate-invoke-results", ("--format", "json"), "test", None),
    ("gate-context", ("--format", "json"), "test", None),
    ("gate-context", ("--format", "json"), "test", {"PULUMI_CONFIG_PASSPHRASE": "bar"}),
    ("gate-remote-component", ("--format", "json"), "test", None),
    ("gate-remote-component", ("--strict",), "test", None),
    ("gate-exit0", ("--format", "json"), "t", None),
    ("gate-oscexit", ("--format", "json"), "t", None),
    ("gate-exit3", ("--format", "json"), "t", None),
    ("gate-prints", ("--format", "json"), "t", None),
    ("gate-transforms", ("--format", "json"), "test", None),
]
_started: dict = {}


def _key(program, args, stack, env, cache) -> tuple:
    return (program, tuple(args), stack, tuple(sorted((env or {}).items())), str(cache))


@pytest.fixture(scope="module", autouse=True)
def prefetch():
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=4) as pool:
        for program, args, stack, env in PREFETCH:
            _started[_key(program, args, stack, env, CACHE)] = pool.submit(
                _run_gate, program, *args, stack=stack, env=env)
        yield
        _started.clear()


def gate(program: str, *args: str, stack: str = "test", env: dict | None = None, cache=CACHE,
         timeout: float = 300) -> subprocess.CompletedProcess:
    started = _started.pop(_key(program, args, stack, env, cache), None)
    if started is not None:
        return started.result()
    return _run_gate(program, *args, stack=stack, env=env, cache=cache, timeout=timeout)


def _run_gate(program: str, *args: str, stack: str = "test", env: dict | None = None, cache=CACHE,
              timeout: float = 300) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE", "PULUMI_ORGANIZATION")}
    environment.update(AUDIT_BASELINE_CACHE=str(cache), **(env or {}))
    return subprocess.run([PYTHON, "-m", "preflight", "--program", str(PROGRAMS / program), "--stack", stack,
                           *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=environment)


def verdict(result: subprocess.CompletedProcess) -> list[tuple[str, str, str]]:
    return sorted((d["policy"], d["enforcementLevel"], d["urn"]) for d in json.loads(result.stdout)["diagnostics"])


def by_name(document: dict) -> dict:
    return {r["name"]: r for r in document["resources"]}


def processes_mentioning(text: str) -> list[str]:
    listing = subprocess.run(["ps", "-ww", "-eo", "pid=,args="], capture_output=True, text=True).stdout  # -ww: no
    return [line for line in listing.splitlines() if text in line and "ps -ww" not in line]  # truncation to $COLUMNS


# -- programs people write run to a verdict --

def test_a_resource_passed_where_its_name_is_expected_resolves_to_its_id():
    """gate/1: ``role=role`` (a resource reference) used to hang; the engine resolves it to the role's
    id (its name), as the CLI does for a provider that accepts no resource references."""
    result = gate("gate-resource-reference", "--format", "json")
    assert result.returncode == 0, result.stderr
    resources = by_name(json.loads(result.stdout))
    role = resources["role"]
    assert role["inputs"]["name"] == "role-b50c471"
    assert resources["attach"]["inputs"] == {
        "role": "role-b50c471", "policyArn": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}
    assert resources["attach"]["options"]["dependsOn"] == [role["urn"]]
    assert verdict(result) == []


def test_resource_and_stack_transforms_are_called_back_as_the_engine_does():
    """The program's own transforms run (the engine calls them back on the program's callbacks server): the
    pack judges the transformed group, and the stack transform's protect is recorded."""
    result = gate("gate-transforms", "--format", "json")
    assert result.returncode == 1, result.stderr
    group = by_name(json.loads(result.stdout))["ssh"]
    assert group["inputs"]["ingress"] == [{"protocol": "tcp", "cidrBlocks": ["0.0.0.0/0"], "fromPort": 22,
                                           "toPort": 22}]
    assert group["options"]["protect"] is True
    assert verdict(result) == [
        ("restricted-ssh", "mandatory", "urn:pulumi:test::transforms::aws:ec2/securityGroup:SecurityGroup::ssh")]


def test_the_program_runs_as_a_preview():
    """gate/5: a program that refuses placeholder config only when deploying runs, as `pulumi preview`
    runs it (``is_dry_run()`` is True), and its public-read ACL is judged."""
    result = gate("gate-dry-run", "--format", "json")
    assert result.returncode == 1, result.stderr
    urn = "urn:pulumi:test::preview-guard::aws:s3/bucket:Bucket::content"
    assert verdict(result) == [("s3-bucket-public-read-prohibited", "mandatory", urn),
                               ("s3-bucket-ssl-requests-only", "advisory", urn)]


def test_data_sources_are_answered_like_aws():
    """gate/2: availability zones and an AMI lookup answer with typed values (the mocks gave {}, and the
    program crashed blaming itself); the VPC without flow logs is then judged."""
    result = gate("gate-invoke-results", "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    resources = by_name(document)
    assert resources["a"]["inputs"]["availabilityZone"] == "us-east-1a"
    assert resources["lc"]["inputs"]["imageId"].startswith("ami-")
    assert document["invented"] == []
    # the launch configuration's root volume comes from the AMI's snapshot: advisory (issue 13)
    assert verdict(result) == [
        ("encrypted-volumes", "advisory",
         "urn:pulumi:test::empty-invoke-results::aws:ec2/launchConfiguration:LaunchConfiguration::lc"),
        ("vpc-flow-logs-enabled", "advisory", "urn:pulumi:test::empty-invoke-results::aws:ec2/vpc:Vpc::vpc")]


def test_an_account_description_file_is_judged_against():
    """--account takes a description file (issue 12): an account where Config was switched on from the
    console already has the recorder and delivery channel the dev stack would create (its service-linked
    role is looked up and so not planned)."""
    result = subprocess.run([PYTHON, "-m", "preflight", "--format", "json", "--account",
                             str(ROOT / "examples/accounts/config-console.json")], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert (result.returncode, result.stdout) == (2, "")
    lines = result.stderr.splitlines()
    assert lines[0] == "error: the plan cannot be applied to the described account (2 problems):"
    assert [line.split(": ", 1)[0] for line in lines[1:]] == [
        "  - urn:pulumi:dev::audit-baseline::audit-baseline:index:AuditBaseline$audit-baseline:config:AuditConfig$"
        "audit-baseline:config:RegionalRecorder$aws:cfg/recorder:Recorder::audit-config-us-east-1-recorder",
        "  - urn:pulumi:dev::audit-baseline::audit-baseline:index:AuditBaseline$audit-baseline:config:AuditConfig$"
        "audit-baseline:config:RegionalRecorder$aws:cfg/deliveryChannel:DeliveryChannel::"
        "audit-config-us-east-1-channel"]


def test_organization_project_stack_account_and_stack_references_without_outputs():
    result = gate("gate-context", "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    resources = by_name(document)
    assert resources["context"]["inputs"] == {
        "bucket": "organization-context-test-123456789012",
        "tags": {"dryRun": "True", "token": "[secret]", "revealed": "[secret]"}}
    assert resources["web"]["inputs"]["vpcId"] == "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # unknown
    assert document["stackReferences"] == [{"name": "acme/network/prod", "outputs": "unknown"}]
    assert document["invented"] == [{"token": "aws:ecs/getCluster:getCluster", "calls": 1}]
    assert verdict(result) == [("s3-bucket-ssl-requests-only", "advisory",
                                "urn:pulumi:test::context::aws:s3/bucket:Bucket::context")]


def test_passphrase_secrets_stack_outputs_organization_and_account_id(tmp_path):
    """With PULUMI_CONFIG_PASSPHRASE the stack's secure value is decrypted as the CLI does (the program
    sees "test"), yet the report prints a secret as [secret]; stack outputs come from STACK_OUTPUTS."""
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"acme/network/prod": {"vpcId": "vpc-0abc"}}))
    result = gate("gate-context", "--format", "json", "--stack-outputs", str(outputs), "--account", "111122223333",
                  env={"PULUMI_CONFIG_PASSPHRASE": "foo", "PULUMI_ORGANIZATION": "acme"})
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    resources = by_name(document)
    assert resources["context"]["inputs"] == {
        "bucket": "acme-context-test-111122223333",
        "tags": {"dryRun": "True", "token": "[secret]", "revealed": "test"}}
    assert resources["web"]["inputs"]["vpcId"] == "vpc-0abc"
    assert document["stackReferences"] == [{"name": "acme/network/prod", "outputs": "known"}]


def test_a_wrong_passphrase_is_a_usage_error_naming_the_stack_file():
    result = gate("gate-context", "--format", "json", env={"PULUMI_CONFIG_PASSPHRASE": "bar"})
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (f"error: {PROGRAMS}/gate-context/Pulumi.test.yaml: incorrect passphrase "
                             "(PULUMI_CONFIG_PASSPHRASE does not unlock this stack's secrets)\n")


@pytest.fixture(scope="session")
def fresh_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("venv-cache")


def test_a_program_with_its_own_requirements_runs_in_an_environment_created_from_them(fresh_cache):
    """``pulumi_random`` is not in this project's .venv: the gate creates the program's environment from
    its requirements.txt (fresh for this run), says so on stderr, and reaches a verdict."""
    result = gate("gate-random", "--format", "json", cache=fresh_cache)
    assert result.returncode == 1, result.stderr
    assert f"preflight: creating the program's environment from {PROGRAMS}/gate-random/requirements.txt in " \
           f"{fresh_cache}/venvs/" in result.stderr
    assert verdict(result) == [
        ("restricted-ssh", "mandatory", "urn:pulumi:test::uses-random::aws:ec2/securityGroup:SecurityGroup::ssh"),
        ("s3-bucket-ssl-requests-only", "advisory", "urn:pulumi:test::uses-random::aws:s3/bucket:Bucket::open")]
    assert by_name(json.loads(result.stdout))["suffix"]["type"] == "random:index/randomId:RandomId"
    again = gate("gate-random", "--format", "json", cache=fresh_cache)  # cached: no second creation
    assert again.returncode == 1 and "creating the program's environment" not in again.stderr
    assert again.stdout == result.stdout


def test_a_missing_dependency_is_named_as_the_programs_dependencies(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: missing\nruntime: python\n")
    (tmp_path / "Pulumi.test.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text("import pulumi_nosuchpackage\n")
    result = subprocess.run([PYTHON, "-m", "preflight", "--program", str(tmp_path), "--stack", "test"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines() == [
        "error: the program's dependencies failed (the gate's own environment (the program has no "
        "requirements.txt)):",
        f'  File "{tmp_path}/__main__.py", line 1, in <module>',
        "    import pulumi_nosuchpackage",
        "ModuleNotFoundError: No module named 'pulumi_nosuchpackage'"]


def test_the_gates_own_modules_never_shadow_the_programs_or_the_standard_library(tmp_path):
    """The launcher runs as a script from preflight/, whose modules (account, files, engine, ...) used to
    come first on the program's import path: a program's own ``account.py`` or the standard library's
    ``secrets`` (imported by pydantic) resolved to the gate's module instead."""
    (tmp_path / "Pulumi.yaml").write_text("name: shadow\nruntime: python\n")
    (tmp_path / "Pulumi.test.yaml").write_text("config:\n  aws:region: us-east-1\n")
    (tmp_path / "account.py").write_text("BUCKET = 'from-the-programs-own-module'\n")
    (tmp_path / "__main__.py").write_text(
        "import secrets\nimport pulumi_aws as aws\nimport account\n"
        "import os, sys\n"
        f"assert {str(ROOT / 'preflight')!r} not in [os.path.abspath(p or '.') for p in sys.path], sys.path\n"
        "assert hasattr(secrets, 'token_hex')\n"
        "aws.s3.Bucket('b', bucket=account.BUCKET)\n")
    result = subprocess.run([PYTHON, "-m", "preflight", "--program", str(tmp_path), "--stack", "test",
                             "--format", "json"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert by_name(json.loads(result.stdout))["b"]["inputs"]["bucket"] == "from-the-programs-own-module"


def test_requirements_that_do_not_install_are_named_as_the_programs_dependencies(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: badreq\nruntime: python\n")
    (tmp_path / "Pulumi.test.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text("import pulumi\n")
    (tmp_path / "requirements.txt").write_text("pulumi>=3,<4\n==not a requirement\n")
    result = gate(str(tmp_path), cache=tmp_path / "cache")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines()[-2:] == [
        f"error: the program's dependencies: could not install the program's requirements ({tmp_path}/requirements.txt):",
        f"ERROR: Invalid requirement: '==not a requirement' (from line 2 of {tmp_path}/requirements.txt)"]
    assert list((tmp_path / "cache" / "venvs").glob("*/.complete")) == []  # nothing half-made is kept


# -- nothing judged silently --

STANDIN_UNJUDGED = {
    "urn": "urn:pulumi:test::remote-component-invisible::awsx:ec2:Vpc::vpc", "type": "awsx:ec2:Vpc",
    "why": "a remote component: the awsx provider plugin builds its children (construct), which the offline "
           "gate does not run, so they were not judged"}


def test_a_remote_component_is_listed_as_unjudged():
    """gate/4 with a stand-in for pulumi_awsx (tests/programs/gate-remote-component/standin_awsx.py registers
    ``awsx:ec2:Vpc`` with ``remote=True`` exactly as pulumi_awsx does, without its heavy Docker providers).
    The real package: `make test-awsx`."""
    result = gate("gate-remote-component", "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["unjudged"] == [STANDIN_UNJUDGED]
    assert document["summary"] == {"resources": 2, "mandatory": 0, "advisory": 0, "unjudged": 1}
    assert verdict(result) == []


def test_strict_fails_on_unjudged_resources():
    text = gate("gate-remote-component", "--strict")
    assert text.returncode == 1
    assert text.stdout.splitlines()[-3:] == [
        f"[unjudged] awsx:ec2:Vpc vpc: {STANDIN_UNJUDGED['why']}", "",
        "Summary: 2 resources, 0 mandatory and 0 advisory diagnostics. FAILED: unjudged resources (strict). "
        "WARNING: 1 resource not judged (see [unjudged] above)."]


def test_sarif_carries_unjudged_resources_as_warning_notifications():
    from preflight.sarif import to_sarif
    document = {"stack": "test", "diagnostics": [], "pack": {"version": "1"}, "unjudged": [STANDIN_UNJUDGED],
                "resources": [{"urn": STANDIN_UNJUDGED["urn"], "type": "awsx:ec2:Vpc", "name": "vpc",
                               "source": {"uri": (PROGRAMS / "gate-remote-component/__main__.py").as_uri(),
                                          "line": 4}}]}
    run = to_sarif(document, root=ROOT)["runs"][0]
    assert run["results"] == []
    assert run["invocations"] == [{"executionSuccessful": True, "toolExecutionNotifications": [{
        "level": "warning", "descriptor": {"id": "unjudged"},
        "message": {"text": f"not judged: awsx:ec2:Vpc vpc: {STANDIN_UNJUDGED['why']}"},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": "tests/programs/gate-remote-component/__main__.py", "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": 4}},
            "logicalLocations": [{"fullyQualifiedName": STANDIN_UNJUDGED["urn"], "name": "vpc",
                                  "kind": "resource"}]}]}]}]


def test_text_report_warns_of_unjudged_invented_and_unknown():
    from preflight.report import to_text
    document = {"stack": "test", "resources": [], "diagnostics": [], "pack": {"name": "p", "version": "1"},
                "summary": {"resources": 0, "mandatory": 0, "advisory": 0, "unjudged": 1},
                "unjudged": [STANDIN_UNJUDGED], "invented": [{"token": "aws:ec2/getVpcs:getVpcs", "calls": 2}],
                "stackReferences": [{"name": "acme/network/prod", "outputs": "unknown"},
                                    {"name": "acme/dns/prod", "outputs": "known"}]}
    assert to_text(document).splitlines()[-5:] == [
        f"[unjudged] awsx:ec2:Vpc vpc: {STANDIN_UNJUDGED['why']}",
        "[invented] data source aws:ec2/getVpcs:getVpcs: no typed answer known offline; every field was filled "
        "with a placeholder",
        "[unknown] stack reference acme/network/prod: its outputs are unknown (give them with STACK_OUTPUTS)",
        "",
        "Summary: 0 resources, 0 mandatory and 0 advisory diagnostics. passed. WARNING: 1 resource not judged "
        "(see [unjudged] above)."]


@pytest.mark.skipif(os.environ.get("GATE_REAL_AWSX") != "1",
                    reason="opt-in (installs pulumi-awsx and its Docker providers): make test-awsx")
def test_the_real_awsx_vpc_is_listed_as_unjudged():
    result = gate("gate-remote-awsx", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["unjudged"] == [STANDIN_UNJUDGED]


# -- fails closed (../shared/cases/reliability/F-*) --

@pytest.mark.parametrize("program, how", [("gate-exit0", "sys.exit(0)"), ("gate-oscexit", "exit status 0"),
                                          ("gate-exit3", "sys.exit(3)"), ("gate-killed", "killed by signal 9")])
def test_a_program_that_exits_early_fails_the_gate(program, how):
    result = gate(program, "--format", "json", stack="t")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines()[-1] == (f"error: the program exited before it finished ({how}); a run that "
                                              "does not complete is never judged")


def test_a_program_that_hangs_ends_at_the_time_limit_leaving_no_process():
    began = time.monotonic()
    result = gate("gate-hangs", "--format", "json", "--timeout", "6", stack="t")
    assert (result.returncode, result.stdout) == (2, "")
    assert time.monotonic() - began < 30
    assert result.stderr.splitlines()[-1] == ("error: the program did not finish within 6 s (TIMEOUT); it was "
                                              "stopped and nothing was judged")
    assert processes_mentioning(str(PROGRAMS / "gate-hangs")) == []


def test_ctrl_c_stops_the_program_and_the_pack():
    environment = dict(os.environ, AUDIT_BASELINE_CACHE=str(CACHE))
    gate_process = subprocess.Popen([PYTHON, "-m", "preflight", "--program", str(PROGRAMS / "gate-hangs"),
                                     "--stack", "t", "--format", "json"], cwd=ROOT, env=environment,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    def children() -> list[str]:
        return subprocess.run(["ps", "-o", "pid=", "--ppid", str(gate_process.pid)], capture_output=True,
                              text=True).stdout.split()
    deadline = time.monotonic() + 120
    while (len(children()) < 2 or not processes_mentioning(str(PROGRAMS / "gate-hangs") + "/__main__.py")) \
            and time.monotonic() < deadline:
        time.sleep(0.2)
    started = children()
    assert len(started) == 2  # the program and the pack
    gate_process.send_signal(signal.SIGINT)
    stdout, stderr = gate_process.communicate(timeout=60)
    assert (gate_process.returncode, stdout) == (130, "")
    assert "error: interrupted; every process the gate started was stopped" in stderr.splitlines()
    time.sleep(0.2)
    alive = [pid for pid in started if subprocess.run(["ps", "-p", pid], capture_output=True).returncode == 0]
    assert alive == []


def test_json_stdout_carries_only_the_document_whatever_the_program_prints():
    result = gate("gate-prints", "--format", "json", stack="t")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)  # nothing but the document
    assert [r["type"] for r in document["resources"]] == ["pulumi:pulumi:Stack", "aws:s3/bucketV2:BucketV2"]
    for line in ("hello from print()", "hello from sys.stdout.write", "hello from os.write(1)",
                 "hello from a child process"):
        assert line in result.stderr.splitlines()


def test_an_exception_inside_a_policy_fails_the_run_and_is_shown(tmp_path):
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text("runtime: python\nversion: 0.0.1\n")
    (pack / "__main__.py").write_text(
        "from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy\n\n"
        "def validate(args, report_violation):\n"
        "    raise RuntimeError('policy bug: ' + args.resource_type)\n\n"
        "PolicyPack(name='raising', enforcement_level=EnforcementLevel.MANDATORY, policies=[\n"
        "    ResourceValidationPolicy(name='raises', description='Always raises.', validate=validate)])\n")
    result = gate("gate-dry-run", "--format", "json", "--pack", str(pack))
    assert (result.returncode, result.stdout) == (2, "")
    first = result.stderr.splitlines().index(
        "error: the policy pack failed while judging urn:pulumi:test::preview-guard::pulumi:pulumi:Stack::"
        "preview-guard-test: Exception calling application: policy bug: pulumi:pulumi:Stack")
    assert "RuntimeError: policy bug: pulumi:pulumi:Stack" in result.stderr.splitlines()[first + 1:]
