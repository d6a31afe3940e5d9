"""`make plan STATE=<file>`: judge a stack's exported state (what already runs), offline."""
from __future__ import annotations

import json
import subprocess

import pytest

from preflight.runner import Project, run_program

from .conftest import ROOT

SECRET = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "AAABAKx..."}


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    """A `pulumi stack export` of the lab stack: inputs, outputs (with an encrypted secret) and a provider."""
    project = Project.load(ROOT / "examples/public-bucket-lab")
    config, secrets = project.stack_config("lab")
    provider_urn = "urn:pulumi:lab::public-bucket-lab::pulumi:providers:aws::default_7_51_1"
    resources = [{"urn": provider_urn, "custom": True, "id": "p", "type": "pulumi:providers:aws",
                  "inputs": {"region": "us-east-1"}, "outputs": {"region": "us-east-1"}}]
    for r in run_program(project, "lab", config, secrets):
        outputs = {**r.inputs, "arn": f"arn:aws:x:::{r.name}", "tagsAll": {}}
        if r.type == "aws:ec2/instance:Instance":
            outputs["userData"] = SECRET
        # What the cloud reports back: the bucket's own view of its ACL after the BucketAcl applied.
        entry = {"urn": r.urn, "custom": r.custom, "type": r.type, "inputs": r.inputs, "outputs": outputs,
                 "protect": r.protect, "dependencies": r.depends_on,
                 "propertyDependencies": r.property_dependencies}
        if r.custom:
            entry.update(id=r.id, provider=f"{provider_urn}::p")
        if r.parent:
            entry["parent"] = r.parent
        resources.append(entry)
    path = tmp_path_factory.mktemp("state") / "lab.json"
    path.write_text(json.dumps({"version": 3, "deployment": {"manifest": {"time": "2026-11-25T00:00:00Z"},
                                                             "resources": resources}}))
    return path


def test_exported_state_is_judged_like_the_program(export):
    result = subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "preflight", "--state", str(export),
                             "--format", "json"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert document["stack"] == "lab"
    names = {r["urn"]: r["name"] for r in document["resources"]}
    assert "default_7_51_1" not in names.values()
    assert sorted((d["policy"], names[d["urn"]]) for d in document["diagnostics"]
                  if d["enforcementLevel"] == "mandatory") == [
        ("encrypted-volumes", "lab-server"), ("restricted-ssh", "lab-admin"),
        ("s3-bucket-public-read-prohibited", "lab-website")]


def test_state_through_make(export):
    result = subprocess.run(["make", "-s", "--no-print-directory", "-C", str(ROOT), "plan", f"STATE={export}",
                             "FORMAT=json"], capture_output=True, text=True, timeout=300,
                            env={k: v for k, v in __import__("os").environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL")})
    assert result.returncode == 2 and json.loads(result.stdout)["summary"]["mandatory"] == 3


@pytest.mark.parametrize("content, problem", [
    ("not json", "is not JSON"),
    ('{"version": 3}', "is not a `pulumi stack export` document (no deployment.resources)"),
])
def test_bad_state_files_exit_2(tmp_path, content, problem):
    path = tmp_path / "state.json"
    path.write_text(content)
    result = subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "preflight", "--state", str(path)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert (result.returncode, result.stdout) == (2, "")
    assert problem in result.stderr
