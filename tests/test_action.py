"""The reusable GitHub Action (action.yml): what it declares, how this repository's workflow uses it,
and the step outputs it computes from the plan's JSON summary."""
from __future__ import annotations

import json
import os
import re
import subprocess

import pytest
import yaml

from .conftest import ROOT

ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
USE = yaml.safe_load((ROOT / ".github/workflows/gate-action.yml").read_text())
LAB = ROOT / "examples/public-bucket-lab"
INPUTS = {"program", "stack", "policy-config", "format", "strict", "upload-sarif"}
OUTPUTS = {"resources", "mandatory", "advisory", "unjudged", "status", "report", "sarif-file"}


def test_declared_inputs_and_outputs():
    assert set(ACTION["inputs"]) == INPUTS
    assert {name: spec["default"] for name, spec in ACTION["inputs"].items()} == {
        "program": ".", "stack": "dev", "policy-config": "", "format": "text", "strict": "false",
        "upload-sarif": "true"}
    assert set(ACTION["outputs"]) == OUTPUTS
    for name, spec in ACTION["outputs"].items():
        assert spec["value"] == f"${{{{ steps.plan.outputs.{name} }}}}"
        assert spec["description"]


def test_composite_steps_are_pinned_and_take_inputs_through_the_environment():
    assert ACTION["runs"]["using"] == "composite"
    steps = ACTION["runs"]["steps"]
    assert [s.get("id") for s in steps].count("plan") == 1
    text = (ROOT / "action.yml").read_text()
    assert set(re.findall(r"inputs\.([\w-]+)", text)) == INPUTS
    for step in steps:
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@v\d+(\.\d+)*", step["uses"]), step["uses"]
        else:
            assert step["shell"] == "bash"
            # An input expanded inside a script is a script injection; inputs go through env.
            assert "${{" not in step["run"], step["run"]
    plan = next(s for s in steps if s.get("id") == "plan")
    assert plan["run"].endswith("-m audit_baseline.action'") or plan["run"].endswith("-m audit_baseline.action")
    assert {k: v for k, v in plan["env"].items() if "inputs." in v} == {
        "AUDIT_BASELINE_PROGRAM": "${{ inputs.program }}", "AUDIT_BASELINE_STACK": "${{ inputs.stack }}",
        "AUDIT_BASELINE_POLICY_CONFIG": "${{ inputs.policy-config }}",
        "AUDIT_BASELINE_FORMAT": "${{ inputs.format }}", "AUDIT_BASELINE_STRICT": "${{ inputs.strict }}"}
    uploads = [s for s in steps if s.get("uses", "").startswith(("github/codeql-action/upload-sarif",
                                                                  "actions/upload-artifact"))]
    assert [s["with"].get("sarif_file", s["with"].get("path")) for s in uploads] == [
        "${{ steps.plan.outputs.sarif-file }}"] * 2
    assert steps[-1]["if"] == "steps.plan.outputs.status != '0'"


def test_this_repository_uses_the_action_on_its_lab():
    """actionlint (test_workflows) checks the workflow's syntax and expressions; the use of a local
    action's inputs and outputs is checked here against action.yml."""
    steps = USE["jobs"]["lab"]["steps"]
    gate = next(s for s in steps if s.get("uses") == "./")
    assert gate["with"]["program"] == "examples/public-bucket-lab" and gate["with"]["stack"] == "lab"
    assert set(gate["with"]) <= INPUTS
    text = (ROOT / ".github/workflows/gate-action.yml").read_text()
    used = set(re.findall(r"steps\.gate\.outputs\.([\w-]+)", text))
    assert used and used <= OUTPUTS
    assert gate["continue-on-error"] is True


def action(tmp_path, **inputs) -> tuple[int, dict, str, str]:
    """Run the Action's plan step as the runner does; return (exit status, step outputs, stdout, stderr)."""
    outputs = tmp_path / "github_output"
    outputs.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "AUDIT_BASELINE_"))}
    env.update({f"AUDIT_BASELINE_{k.upper()}": v for k, v in inputs.items()},
               AUDIT_BASELINE_REPORTS=str(tmp_path), GITHUB_OUTPUT=str(outputs),
               GITHUB_STEP_SUMMARY=str(tmp_path / "summary.md"), PYTHONPATH=str(ROOT))
    result = subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "audit_baseline.action"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    values = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    return result.returncode, values, result.stdout, result.stderr


def test_the_lab_fails_and_the_outputs_are_the_json_summary(tmp_path):
    status, outputs, stdout, stderr = action(tmp_path, program=str(LAB), stack="lab", format="json")
    assert status == 0, stderr
    report = json.loads((tmp_path / "audit-baseline/plan.json").read_text())
    assert json.loads(stdout) == report
    assert report["summary"] == {"resources": 7, "mandatory": 3, "advisory": 2, "unjudged": 0}
    assert outputs == {"resources": "7", "mandatory": "3", "advisory": "2", "unjudged": "0", "status": "1",
                       "report": str(tmp_path / "audit-baseline/plan.json"),
                       "sarif-file": str(tmp_path / "audit-baseline/plan.sarif")}
    sarif = json.loads((tmp_path / "audit-baseline/plan.sarif").read_text())
    assert sorted((r["ruleId"], r["level"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
                  for r in sarif["runs"][0]["results"]) == [
        ("ec2-instance-no-public-ip", "warning", "examples/public-bucket-lab/__main__.py"),
        ("encrypted-volumes", "error", "examples/public-bucket-lab/__main__.py"),
        ("restricted-ssh", "error", "examples/public-bucket-lab/__main__.py"),
        ("s3-bucket-public-read-prohibited", "error", "examples/public-bucket-lab/__main__.py"),
        ("s3-bucket-ssl-requests-only", "warning", "examples/public-bucket-lab/__main__.py")]
    assert "| 7 | 3 | 2 | 0 |" in (tmp_path / "summary.md").read_text()


def test_policy_config_and_strict_are_the_plans(tmp_path):
    """policy-config is --policy-config; strict is --strict (unjudged resources fail the gate)."""
    config = tmp_path / "all-advisory.json"
    config.write_text('{"all": "advisory"}')
    _, lenient, stdout, _ = action(tmp_path, program=str(LAB), stack="lab", policy_config=str(config))
    assert (lenient["mandatory"], lenient["advisory"], lenient["status"]) == ("0", "5", "0")
    assert stdout.endswith("Summary: 7 resources, 0 mandatory and 5 advisory diagnostics. passed.\n")
    remote = ROOT / "tests/programs/gate-remote-component"
    _, unjudged, _, _ = action(tmp_path, program=str(remote), stack="test")
    assert (unjudged["unjudged"], unjudged["mandatory"], unjudged["status"]) == ("1", "0", "0")
    _, strict, _, _ = action(tmp_path, program=str(remote), stack="test", strict="true")
    assert (strict["unjudged"], strict["mandatory"], strict["status"]) == ("1", "0", "1")


@pytest.mark.parametrize("inputs, message", [
    ({"format": "xml"}, "error: input format: 'xml' is not one of text, json, sarif\n"),
    ({"strict": "yes"}, "error: input strict: 'yes' is not true or false\n"),
])
def test_inputs_it_cannot_use(tmp_path, inputs, message):
    status, outputs, stdout, stderr = action(tmp_path, program=str(LAB), stack="lab", **inputs)
    assert (status, outputs, stdout, stderr) == (2, {}, "", message)


def test_a_program_that_cannot_be_planned_sets_status_2(tmp_path):
    status, outputs, stdout, stderr = action(tmp_path, program=str(LAB), stack="nope")
    assert (status, stdout) == (0, "")
    assert outputs == {"report": "", "sarif-file": "", "resources": "", "mandatory": "", "advisory": "",
                       "unjudged": "", "status": "2"}
    assert stderr == f"error: no stack 'nope': Pulumi.nope.yaml not found in {LAB} (stacks: lab)\n"
