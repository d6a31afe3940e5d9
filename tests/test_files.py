"""Malformed stack, project, policy-config and state files end in exit 2 naming the file (and line) and
what is wrong, never a traceback (reliability cases A-36, A-37, A-40, B-4, C-12, C-18)."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from common import UsageError
from preflight.files import (read_policy_config, read_project_file, read_stack_file, read_state_export,
                             read_yaml_file)

from .conftest import ROOT

CASES = Path(__file__).resolve().parent / "cases" / "reliability"


def preflight(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "preflight", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def project_with_stack(tmp_path: Path, stack_file: Path) -> Path:
    """This project as a program directory with one more stack file beside it (links, not copies)."""
    program = tmp_path / "program"
    program.mkdir()
    for entry in ROOT.iterdir():
        if not (entry.name.startswith("Pulumi.") and entry.name != "Pulumi.yaml"):
            (program / entry.name).symlink_to(entry)
    (program / stack_file.name).write_bytes(stack_file.read_bytes())
    return program


# -- the cases, end to end --

def test_a36_an_empty_stack_file_is_a_stack_without_aws_region(tmp_path):
    program = project_with_stack(tmp_path, CASES / "A-36" / "Pulumi.a36.yaml")
    result = preflight("--format", "json", "--program", str(program), "--stack", "a36")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == ("error: invalid stack configuration (1 problem):\n"
                             "  - aws:region: not set; set it with `pulumi config set aws:region us-east-1`\n")


def test_a37_a_stack_file_that_is_a_list(tmp_path):
    program = project_with_stack(tmp_path, CASES / "A-37" / "Pulumi.a37.yaml")
    result = preflight("--format", "json", "--program", str(program), "--stack", "a37")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (f"error: stack file: {program}/Pulumi.a37.yaml must be a mapping (e.g. `config:` then "
                             f"`aws:region: us-east-1`), found a list\n")


def test_a40_malformed_yaml_names_the_file_and_lines(tmp_path):
    program = project_with_stack(tmp_path, CASES / "A-40" / "Pulumi.a40.yaml")
    result = preflight("--format", "json", "--program", str(program), "--stack", "a40")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (f"error: stack file: {program}/Pulumi.a40.yaml is not valid YAML: while parsing a flow "
                             f"sequence at line 3, column 27: expected ',' or ']', but got '<stream end>' at line 4, "
                             f"column 1\n")


def test_b4_an_enforcement_level_that_is_a_list():
    path = CASES / "B-4" / "policy-config.json"
    result = preflight("--format", "json", "--policy-config", str(path))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (f"error: POLICY_CONFIG: {path}: policy 'all': the enforcement level must be one of "
                             f"advisory, mandatory, remediate, disabled (`all` takes a level, not an object); "
                             f"found a list\n")


def test_c12_an_export_whose_resource_type_is_a_number():
    path = CASES / "C-12" / "state.json"
    result = preflight("--format", "json", "--state", str(path))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (f"error: STATE: {path}: deployment.resources[2] "
                             f"(urn:pulumi:prod::proj::aws:ec2/securityGroup:SecurityGroup::open-ssh): `type` must be "
                             f"a resource type token such as aws:s3/bucket:Bucket, found the number 5\n")


def test_c18_an_export_without_resources_is_refused_not_passed():
    path = CASES / "C-18" / "state.json"
    result = preflight("--format", "json", "--state", str(path))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (f"error: STATE: {path} has no deployment.resources: the export holds no resources, so "
                             f"there is nothing to judge (export a stack that has been deployed)\n")


# -- the readers --

def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("text, config", [
    ("", {}),
    ("# only a comment\n", {}),
    ("encryptionsalt: v1:abc\n", {}),
    ("config:\n", {}),
    ("config:\n  aws:region: eu-west-1\n  audit-baseline:regions: [eu-west-1]\n",
     {"aws:region": "eu-west-1", "audit-baseline:regions": ["eu-west-1"]}),
])
def test_stack_file_config(tmp_path, text, config):
    assert read_stack_file(write(tmp_path, "Pulumi.s.yaml", text)) == config


@pytest.mark.parametrize("text, problem", [
    ("just text\n", " must be a mapping (e.g. `config:` then `aws:region: us-east-1`), found text"),
    ("config: [a, b]\n", ": `config` must be a mapping of namespace:key to value, found a list"),
    ("config:\n  1: x\n", ": config key 1 must be text such as `aws:region`, found the number 1"),
    ("config:\n  aws:region: us-east-1\n\taudit: x\n",
     " is not valid YAML: while scanning for the next token: found character '\\t' that "
     "cannot start any token at line 3, column 1"),
])
def test_stack_file_problems(tmp_path, text, problem):
    path = write(tmp_path, "Pulumi.s.yaml", text)
    with pytest.raises(UsageError) as error:
        read_stack_file(path)
    assert str(error.value) == f"stack file: {path}{problem}"


@pytest.mark.parametrize("text, problem", [
    ("- name\n", " must be a mapping with name and runtime, found a list"),
    ("runtime: python\n", ": `name` must be the project's name (text), found null"),
    ("name: p\n", ": `runtime` must be a runtime name such as python, or {name, options}; found null"),
    ("name: p\nruntime: {options: {}}\n", ": `runtime.name` must be a runtime such as python, found null"),
    ("name: p\nruntime: {name: python, options: [venv]}\n", ": `runtime.options` must be a mapping, found a list"),
    ("name: p\nruntime: python\nmain: 3\n", ": `main` must be a path relative to the project, found the number 3"),
    ("name: p\nruntime: python\n  main: x\n",
     " is not valid YAML: mapping values are not allowed here at line 3, column 7"),
])
def test_project_file_problems(tmp_path, text, problem):
    path = write(tmp_path, "Pulumi.yaml", text)
    with pytest.raises(UsageError) as error:
        read_project_file(path)
    assert str(error.value) == f"project file: {path}{problem}"


def test_project_file_through_the_gate(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: [p]\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    result = preflight("--format", "json", "--program", str(tmp_path))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"error: project file: {tmp_path}/Pulumi.yaml: `name` must be the project's name " \
                            f"(text), found a list\n"


@pytest.mark.parametrize("data", [
    {}, {"all": "advisory"}, {"restricted-ssh": "disabled", "s3-bucket-logging-enabled": {"enforcementLevel": "mandatory"}},
    {"iam-password-policy": {"minimumPasswordLength": 14}},
])
def test_policy_config_shapes_the_cli_accepts(tmp_path, data):
    assert read_policy_config(write(tmp_path, "pc.json", json.dumps(data))) == data


@pytest.mark.parametrize("data, problem", [
    (["advisory"], " must hold a JSON object of policy names, found a list"),
    ({"restricted-ssh": "warn"},
     ": policy 'restricted-ssh': the enforcement level must be one of advisory, mandatory, remediate, disabled; "
     "found 'warn'"),
    ({"restricted-ssh": {"enforcementLevel": None}},
     ": policy 'restricted-ssh': the enforcement level must be one of advisory, mandatory, remediate, disabled; "
     "found null"),
    ({"restricted-ssh": 1},
     ": policy 'restricted-ssh': the enforcement level must be one of advisory, mandatory, remediate, disabled; "
     "found the number 1"),
    ({"all": {"enforcementLevel": "advisory"}},
     ": policy 'all': the enforcement level must be one of advisory, mandatory, remediate, disabled (`all` takes "
     "a level, not an object); found a mapping"),
])
def test_policy_config_problems(tmp_path, data, problem):
    path = write(tmp_path, "pc.json", json.dumps(data))
    with pytest.raises(UsageError) as error:
        read_policy_config(path)
    assert str(error.value) == f"POLICY_CONFIG: {path}{problem}"


def test_json_syntax_errors_name_line_and_column(tmp_path):
    path = write(tmp_path, "pc.json", '{"all":\n  "advisory",\n}')
    with pytest.raises(UsageError) as error:
        read_policy_config(path)
    assert str(error.value) == (f"POLICY_CONFIG: {path} is not JSON: Expecting property name enclosed in double "
                                f"quotes at line 3, column 1")


URN = "urn:pulumi:s::p::aws:s3/bucket:Bucket::b"


@pytest.mark.parametrize("data, problem", [
    ([], " must hold a `pulumi stack export` object, found a list"),
    ({"deployment": {"resources": {}}}, ": deployment.resources must be a list, found a mapping"),
    ({"deployment": {"resources": []}}, ": deployment.resources is empty, so there is nothing to judge"),
    ({"deployment": {"resources": ["x"]}}, ": deployment.resources[0] must be an object, found text"),
    ({"deployment": {"resources": [{"urn": 3, "type": "aws:s3/bucket:Bucket"}]}},
     ": deployment.resources[0].urn must be a URN (urn:pulumi:...), found the number 3"),
    ({"deployment": {"resources": [{"urn": URN}]}},
     f": deployment.resources[0] ({URN}): `type` must be a resource type token such as aws:s3/bucket:Bucket, "
     f"found null"),
    ({"deployment": {"resources": [{"urn": URN, "type": "aws:s3/bucket:Bucket", "outputs": []}]}},
     f": deployment.resources[0] ({URN}): `outputs` must be an object, found a list"),
    ({"deployment": {"resources": [{"urn": URN, "type": "aws:s3/bucket:Bucket", "dependencies": "x"}]}},
     f": deployment.resources[0] ({URN}): `dependencies` must be a list, found text"),
])
def test_state_export_problems(tmp_path, data, problem):
    path = write(tmp_path, "state.json", json.dumps(data))
    with pytest.raises(UsageError) as error:
        read_state_export(path)
    assert str(error.value) == f"STATE: {path}{problem}"


def test_unreadable_files(tmp_path):
    with pytest.raises(UsageError) as error:
        read_yaml_file(tmp_path, "stack file")
    assert str(error.value) == f"stack file: {tmp_path} is a directory, not a file"
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"config:\n  a: \xe9\n")
    with pytest.raises(UsageError) as error:
        read_yaml_file(path, "stack file")
    assert str(error.value) == f"stack file: {path} is not UTF-8 text (byte 13)"
    assert not os.path.exists(tmp_path / "none.json")
    with pytest.raises(UsageError) as error:
        read_state_export(tmp_path / "none.json")
    assert str(error.value) == f"STATE: {tmp_path / 'none.json'} does not exist"
