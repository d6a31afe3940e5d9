"""`make -s plan` as users' tooling runs it: a subprocess, JSON alone on stdout, exit status 0/1/2."""
from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from .conftest import ROOT

RESOURCE_KEYS = {"urn", "type", "name", "parent", "custom", "inputs", "options"}
DIAGNOSTIC_KEYS = {"policy", "enforcementLevel", "severity", "urn", "message"}


def plan(*variables: str, program=None) -> subprocess.CompletedProcess:
    """`make -s plan ...`. GNU make reports any failing recipe as exit status 2."""
    args = ["make", "-s", "--no-print-directory", "-C", str(ROOT), "plan", *variables]
    if program is not None:
        args.append(f"PROGRAM={program}")
    # As a user runs it: not as a sub-make of `make test`.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    return subprocess.run(args, capture_output=True, text=True, timeout=300, env=env)


def preflight(*args: str) -> subprocess.CompletedProcess:
    """The command behind `make plan`, whose exit status is exactly 0, 1 or 2."""
    return subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "preflight", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def make_failed(status: int) -> str:
    """The line GNU make adds when the plan exits with ``status``."""
    line = next(n for n, text in enumerate((ROOT / "Makefile").read_text().splitlines(), 1) if text.startswith("plan:"))
    return f"make: *** [Makefile:{line + 1}: plan] Error {status}\n"


@pytest.fixture(scope="module")
def dev_json():
    result = plan("FORMAT=json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_contract_shape(dev_json):
    assert set(dev_json) >= {"stack", "resources", "diagnostics", "summary"}
    assert dev_json["stack"] == "dev"
    for resource in dev_json["resources"]:
        assert set(resource) >= RESOURCE_KEYS
        assert {"protect", "retainOnDelete", "dependsOn"} <= set(resource["options"])
    assert dev_json["summary"] == {"resources": len(dev_json["resources"]), "mandatory": 0,
                                   "advisory": len(dev_json["diagnostics"]), "unjudged": 0}
    assert (dev_json["unjudged"], dev_json["invented"], dev_json["stackReferences"]) == ([], [], [])
    for d in dev_json["diagnostics"]:
        assert set(d) == DIAGNOSTIC_KEYS and d["enforcementLevel"] == "advisory"


def test_dev_stack_passes_its_own_pack_with_no_diagnostics(dev_json):
    assert dev_json["diagnostics"] == []


def test_dev_stack_resources(dev_json):
    by_name = {(r["type"], r["name"]): r for r in dev_json["resources"]}
    trail = by_name[("aws:cloudtrail/trail:Trail", "audit-trail")]
    assert trail["inputs"]["enableLogFileValidation"] is True and trail["custom"] is True
    assert trail["parent"] == by_name[("audit-baseline:trail:AuditTrail", "audit-trail")]["urn"]
    key = by_name[("aws:kms/key:Key", "audit-key")]
    assert (key["options"]["protect"], key["options"]["retainOnDelete"]) == (True, True)
    assert isinstance(key["inputs"]["policy"], str)  # JSON documents stay strings, as the engine sends them
    assert by_name[("pulumi:pulumi:Stack", "audit-baseline-dev")]["parent"] is None
    assert trail["urn"] == ("urn:pulumi:dev::audit-baseline::audit-baseline:index:AuditBaseline$"
                            "audit-baseline:trail:AuditTrail$aws:cloudtrail/trail:Trail::audit-trail")


def test_mandatory_violations_exit_1_with_exact_diagnostics():
    result = preflight("--format", "json", "--stack", "test", "--program", str(ROOT / "tests/programs/noncompliant"))
    assert result.returncode == 1, result.stderr
    through_make = plan("FORMAT=json", "STACK=test", program=ROOT / "tests/programs/noncompliant")
    assert (through_make.returncode, through_make.stdout, through_make.stderr) == (2, result.stdout,
                                                                                  make_failed(1))
    document = json.loads(result.stdout)
    bad_urn = "urn:pulumi:test::noncompliant::aws:cloudtrail/trail:Trail::bad"
    assert sorted((d["policy"], d["enforcementLevel"], d["severity"], d["urn"]) for d in document["diagnostics"]) == [
        ("cloud-trail-encryption-enabled", "mandatory", "medium", bad_urn),
        ("cloud-trail-log-file-validation-enabled", "mandatory", "medium", bad_urn)]
    # multi-region-cloudtrail-enabled is an account-level rule: the good trail satisfies it for the account
    assert document["summary"] == {"resources": 3, "mandatory": 2, "advisory": 0, "unjudged": 0}


def test_policy_config_all_advisory_exits_0(tmp_path):
    config = tmp_path / "policy.json"
    config.write_text(json.dumps({"all": "advisory"}))
    result = plan("FORMAT=json", "STACK=test", f"POLICY_CONFIG={config}",
                  program=ROOT / "tests/programs/noncompliant")
    assert result.returncode == 0, result.stderr
    levels = sorted((d["policy"], d["enforcementLevel"]) for d in json.loads(result.stdout)["diagnostics"])
    assert levels == [("cloud-trail-encryption-enabled", "advisory"),
                      ("cloud-trail-log-file-validation-enabled", "advisory")]


def test_policy_config_disables_one_policy(tmp_path):
    config = tmp_path / "policy.json"
    config.write_text(json.dumps({"cloud-trail-encryption-enabled": {"enforcementLevel": "disabled"}}))
    result = plan("FORMAT=json", "STACK=test", f"POLICY_CONFIG={config}",
                  program=ROOT / "tests/programs/noncompliant")
    assert result.returncode == 2
    assert sorted(d["policy"] for d in json.loads(result.stdout)["diagnostics"]) == [
        "cloud-trail-log-file-validation-enabled"]


def test_policy_config_naming_an_unknown_policy_exits_2(tmp_path):
    config = tmp_path / "policy.json"
    config.write_text(json.dumps({"no-such-rule": "mandatory"}))
    result = preflight("--format", "json", "--policy-config", str(config))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith(f"error: POLICY_CONFIG {config}: policy config names unknown policies: "
                                    "no-such-rule; the pack has: ")


def test_unknown_stack_exits_2():
    result = preflight("--format", "json", "--stack", "nope")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith("error: no stack 'nope': Pulumi.nope.yaml not found in ")


def test_bad_settings_exit_2_with_the_named_key_and_no_traceback(tmp_path):
    for part in ("Pulumi.yaml", "__main__.py", "components", "cloudtrail", "policies"):
        source = ROOT / part
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / part)
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")  # the virtualenv Pulumi.yaml names
    (tmp_path / "Pulumi.bad.yaml").write_text(
        "config:\n  aws:region: us-east-1\n  audit-baseline:recorder: create\n  audit-baseline:expireAfterDays: 30\n"
        "  audit-baseline:trailNme: x\n")
    result = plan("FORMAT=json", "STACK=bad", program=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert "Traceback" not in result.stderr
    assert result.stderr == (
        "error: invalid stack configuration (2 problems):\n"
        "  - audit-baseline:trailNme: unknown setting; did you mean 'audit-baseline:trailName'?\n"
        "  - audit-baseline:expireAfterDays: 30 deletes audit logs before a year; expected 0 (never) or at least "
        "365 (CIS AWS Foundations keeps a year of logs)\n" + make_failed(2))


def test_text_report_for_people():
    result = plan("STACK=test", program=ROOT / "tests/programs/noncompliant")
    assert result.returncode == 2
    lines = result.stdout.splitlines()
    assert lines[0] == "Stack test: 3 resources (policy pack aws-audit-baseline 0.1.0)"
    assert lines[2:5] == ["pulumi:pulumi:Stack  noncompliant-test",
                          "├─ aws:cloudtrail/trail:Trail  bad  [mandatory violation]",
                          "└─ aws:cloudtrail/trail:Trail  good"]
    at = lines.index("[mandatory, medium] cloud-trail-encryption-enabled: CloudTrail trails encrypt their logs with a "
                     "KMS key (SSE-KMS).")
    assert lines[at + 1].startswith("  - aws:cloudtrail/trail:Trail bad: kmsKeyId is not set")
    assert lines[at + 2].startswith("  fix: Set kms_key_id on the aws.cloudtrail.Trail")
    assert lines[-1] == "Summary: 3 resources, 2 mandatory and 0 advisory diagnostics. FAILED: mandatory policy violations."


def test_a_program_that_crashes_exits_2_showing_its_own_frames(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: crash\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text("settings = {}\nsettings['missing']\n")
    result = preflight("--format", "json", "--program", str(tmp_path))
    assert (result.returncode, result.stdout) == (2, "")
    lines = result.stderr.splitlines()
    assert lines[:3] == ["error: the program failed:", f"  File \"{tmp_path}/__main__.py\", line 2, in <module>",
                         "    settings['missing']"]
    assert lines[-1] == "KeyError: 'missing'" and "site-packages" not in result.stderr
