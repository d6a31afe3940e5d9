"""TypeScript and JavaScript programs (`runtime: nodejs`) through the Node SDK's own runner against the
offline engine: the verdicts, the reports (SARIF at the .ts/.js line), fail-closed runs, node_modules.

The programs' node_modules are installed once per machine (npm ci into the gate's cache, linked into
each program: they share one lockfile tree), so only the first run of this file pays for the install.
TypeScript is type-checked by default, as the CLI does (ts-ssh-open, ts-type-error); the other
TypeScript runs set PULUMI_NODEJS_TRANSPILE_ONLY=true, the runner's switch, which is also tested so.
"""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from .conftest import ROOT

PROGRAMS = ROOT / "tests/programs"
TRANSPILE_ONLY = {"PULUMI_NODEJS_TRANSPILE_ONLY": "true"}


def plan(program: str, *args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "audit_baseline", "plan", "--program",
                           str(PROGRAMS / program), "--stack", "test", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=900, env={**os.environ, **(env or {})})


def verdicts(document: dict) -> list[tuple[str, str, str]]:
    names = {r["urn"]: r["name"] for r in document["resources"]}
    return sorted((d["policy"], d["enforcementLevel"], names[d["urn"]]) for d in document["diagnostics"])


@pytest.fixture(scope="module")
def ssh_open():
    result = plan("ts-ssh-open", "--format", "json")  # the first run installs node_modules (once)
    assert result.returncode == 1, result.stderr
    return json.loads(result.stdout)


def test_typescript_world_open_ssh_fails_with_restricted_ssh(ssh_open):
    assert verdicts(ssh_open) == [("restricted-ssh", "mandatory", "bastion-ssh"),
                                  ("vpc-flow-logs-enabled", "advisory", "bastion-vpc")]
    assert ssh_open["summary"] == {"resources": 3, "mandatory": 1, "advisory": 1, "unjudged": 0}
    group = next(r for r in ssh_open["resources"] if r["name"] == "bastion-ssh")
    assert group["urn"] == "urn:pulumi:test::ts-ssh-open::aws:ec2/securityGroup:SecurityGroup::bastion-ssh"
    assert group["inputs"]["ingress"] == [{"protocol": "tcp", "fromPort": 22, "toPort": 22,
                                           "cidrBlocks": ["0.0.0.0/0"]}]
    # The stack's config reached the program (PULUMI_CONFIG), and so did its stack name.
    vpc = next(r for r in ssh_open["resources"] if r["name"] == "bastion-vpc")
    assert vpc["inputs"]["cidrBlock"] == "10.20.0.0/16" and vpc["inputs"]["tags"] == {"Name": "test-bastion"}
    # The security group's vpcId is the id the engine answered for the VPC (an output flowing on, known).
    assert group["inputs"]["vpcId"].startswith("bastion-vpc-") and vpc["urn"] in group["options"]["dependsOn"]


def test_sarif_points_at_the_typescript_line_that_declared_the_resource(ssh_open):
    from preflight.sarif import to_sarif
    sarif = to_sarif(ssh_open, ROOT)
    located = sorted((r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                      r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in sarif["runs"][0]["results"])
    source = (PROGRAMS / "ts-ssh-open/index.ts").read_text().splitlines()
    assert located == [("restricted-ssh", "tests/programs/ts-ssh-open/index.ts", 15),
                       ("vpc-flow-logs-enabled", "tests/programs/ts-ssh-open/index.ts", 9)]
    assert "new aws.ec2.SecurityGroup(\"bastion-ssh\"" in source[15 - 1]
    assert "new aws.ec2.Vpc(\"bastion-vpc\"" in source[9 - 1]


def test_the_same_program_fixed_passes(ssh_open):
    result = plan("ts-ssh-fixed", "--format", "json", env=TRANSPILE_ONLY)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert verdicts(document) == [("vpc-flow-logs-enabled", "advisory", "bastion-vpc")]
    group = next(r for r in document["resources"] if r["name"] == "bastion-ssh")
    assert group["inputs"]["ingress"][0]["cidrBlocks"] == ["198.51.100.0/24"]  # config.require("adminCidr")


def test_javascript_public_read_acl_fails_with_s3_bucket_public_read_prohibited(ssh_open):
    result = plan("js-public-read")
    assert result.returncode == 1, result.stderr
    assert "[mandatory, critical] s3-bucket-public-read-prohibited" in result.stdout
    assert result.stdout.endswith("Summary: 4 resources, 1 mandatory and 1 advisory diagnostics. "
                                  "FAILED: mandatory policy violations.\n")
    sarif = json.loads(plan("js-public-read", "--format", "sarif").stdout)
    assert sorted((r["ruleId"], r["level"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                   r["locations"][0]["physicalLocation"]["region"]["startLine"])
                  for r in sarif["runs"][0]["results"]) == [
        ("s3-bucket-public-read-prohibited", "error", "tests/programs/js-public-read/index.js", 7),
        ("s3-bucket-ssl-requests-only", "warning", "tests/programs/js-public-read/index.js", 7)]


def test_a_program_that_exits_early_is_never_judged(ssh_open):
    result = plan("js-exits-early", "--format", "json")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines()[-1] == ("error: the program exited before it finished (exit status 1); "
                                              "a run that does not complete is never judged; its output is above")


def test_a_throwing_typescript_program_shows_its_own_frames(ssh_open):
    result = plan("ts-throws", "--format", "json", env=TRANSPILE_ONLY)
    assert (result.returncode, result.stdout) == (2, "")
    program = PROGRAMS / "ts-throws/index.ts"
    assert result.stderr.endswith(
        "error: the program failed:\n"
        f"Running program '{program}' failed with an unhandled exception:\n"
        "Error: no room for subnets in 10.0.0.0/28\n"
        f"    at subnetCount ({program}:6:11)\n"
        f"    at Object.<anonymous> ({program}:9:24)\n")


def test_a_program_that_does_not_type_check_fails_as_pulumi_preview_does(ssh_open):
    result = plan("ts-type-error", "--format", "json")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.endswith(
        "error: the program failed:\n"
        f"Running program '{PROGRAMS / 'ts-type-error/index.ts'}' failed with an unhandled exception:\n"
        "TSError: ⨯ Unable to compile TypeScript:\n"
        "index.ts(4,51): error TS2322: Type 'string' is not assignable to type 'Input<boolean>'.\n")


def test_time_limit(ssh_open, tmp_path):
    hangs = tmp_path / "js-hangs"
    hangs.mkdir()
    for name in ("package.json", "package-lock.json", "Pulumi.test.yaml"):
        (hangs / name).write_text((PROGRAMS / "js-exits-early" / name).read_text())
    (hangs / "Pulumi.yaml").write_text("name: js-hangs\nruntime: nodejs\n")
    (hangs / "index.js").write_text('const aws = require("@pulumi/aws");\nnew aws.s3.Bucket("b");\n'
                                    "setInterval(() => {}, 1000);\n")
    result = subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "audit_baseline", "plan", "--program", str(hangs),
                             "--stack", "test", "--timeout", "20"], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines()[-1] == ("error: the program did not finish within 20 s (TIMEOUT); it was "
                                              "stopped and nothing was judged")
    assert (hangs / "node_modules").is_symlink()  # the same lockfile tree: linked, not installed again


def test_node_modules_are_keyed_by_the_dependency_tree_not_the_package_name():
    from preflight.node import dependency_key
    keys = {dependency_key(PROGRAMS / p) for p in ("ts-ssh-open", "ts-ssh-fixed", "js-public-read", "ts-throws",
                                                  "ts-type-error", "js-exits-early")}
    assert len(keys) == 1 and next(iter(keys))[1] is True


def test_runtime_options_are_checked(tmp_path):
    from common import UsageError
    from preflight.runner import Project
    (tmp_path / "Pulumi.yaml").write_text("name: x\nruntime:\n  name: nodejs\n  options:\n    typescript: yes-please\n")
    with pytest.raises(UsageError, match=r"runtime.options.typescript must be true or false, not 'yes-please'"):
        Project.load(tmp_path)
    (tmp_path / "Pulumi.yaml").write_text("name: x\nruntime: nodejs\nmain: src/index.ts\n")
    with pytest.raises(UsageError, match=r"the program's entry point .*src/index.ts does not exist"):
        Project.load(tmp_path)
    (tmp_path / "Pulumi.yaml").write_text("name: x\nruntime: go\n")
    with pytest.raises(UsageError, match=r"runtime is 'go'; preflight runs python and nodejs programs"):
        Project.load(tmp_path)


def test_a_program_without_the_sdk_says_what_is_missing(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: bare\nruntime: nodejs\n")
    (tmp_path / "Pulumi.test.yaml").write_text("config: {}\n")
    (tmp_path / "index.js").write_text("")
    (tmp_path / "node_modules").mkdir()
    result = subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "audit_baseline", "plan", "--program",
                             str(tmp_path), "--stack", "test"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (f"error: the program's dependencies: {tmp_path / 'node_modules'} has no @pulumi/pulumi "
                             "(its program runner @pulumi/pulumi/cmd/run is missing): add @pulumi/pulumi to the "
                             "program's dependencies and install them\n")


def test_a_dangling_node_modules_link_is_linked_anew(ssh_open, tmp_path):
    """The cache was cleared after a run: the program's node_modules link points nowhere; the gate
    installs (or finds) the dependency tree again and links it."""
    program = tmp_path / "site"
    program.mkdir()
    for name in ("package.json", "package-lock.json", "Pulumi.yaml", "Pulumi.test.yaml", "index.js"):
        (program / name).write_text((PROGRAMS / "js-public-read" / name).read_text())
    (program / "node_modules").symlink_to(tmp_path / "gone")
    result = subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "audit_baseline", "plan", "--program",
                             str(program), "--stack", "test", "--format", "json"], cwd=ROOT, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 1, result.stderr
    assert verdicts(json.loads(result.stdout)) == [("s3-bucket-public-read-prohibited", "mandatory", "site"),
                                                   ("s3-bucket-ssl-requests-only", "advisory", "site")]
    from preflight.environment import cache_root
    from preflight.node import dependency_key
    key, _ = dependency_key(program)
    assert (program / "node_modules").resolve() == (cache_root() / "node" / key / "node_modules").resolve()


def test_an_install_that_fails_is_the_programs_dependencies_failure(tmp_path):
    """npm ci refuses a lockfile that does not match package.json (before any download): exit 2, the
    dependencies named as the cause, npm's own words, and nothing left in the cache."""
    from preflight.environment import cache_root
    from preflight.node import dependency_key
    program = tmp_path / "drifted"
    program.mkdir()
    for name in ("package-lock.json", "Pulumi.yaml", "Pulumi.test.yaml", "index.js"):
        (program / name).write_text((PROGRAMS / "js-public-read" / name).read_text())
    manifest = json.loads((PROGRAMS / "js-public-read/package.json").read_text())
    manifest["dependencies"]["left-pad"] = "^1.3.0"  # added to package.json, never locked
    (program / "package.json").write_text(json.dumps(manifest))
    result = subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "audit_baseline", "plan", "--program",
                             str(program), "--stack", "test"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert (result.returncode, result.stdout) == (2, "")
    assert f"error: the program's dependencies: `npm ci` failed for {program}:\n" in result.stderr
    assert "npm error Missing: left-pad@1.3.0 from lock file\n" in result.stderr  # npm's own words
    key, _ = dependency_key(program)
    assert not (cache_root() / "node" / key).exists() and not (program / "node_modules").exists()
