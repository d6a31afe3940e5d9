"""`policies/` is self-contained as `pulumi policy publish` uploads it: copied alone under another name,
given its own virtualenv from its own requirements.txt, and started as the CLI starts it."""
from __future__ import annotations

import shutil
import subprocess
import sys

import pulumi_aws as aws
import pytest
import yaml

from preflight.analyzer import LEVEL_NAMES, PackClient

from .conftest import ROOT, record


@pytest.fixture(scope="module")
def installed_pack(tmp_path_factory):
    consumer = tmp_path_factory.mktemp("consumer") / "aws-audit-baseline-0.1.0"  # not named "policies"
    shutil.copytree(ROOT / "policies", consumer, ignore=shutil.ignore_patterns("__pycache__", "venv"))
    settings = yaml.safe_load((consumer / "PulumiPolicy.yaml").read_text())
    venv = consumer / settings["runtime"]["options"]["virtualenv"]
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    subprocess.run([str(venv / "bin/python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "-r", str(consumer / "requirements.txt")], check=True, timeout=600, capture_output=True)
    return consumer, venv / "bin/python"


def test_pack_directory_declares_what_publishing_needs():
    settings = yaml.safe_load((ROOT / "policies/PulumiPolicy.yaml").read_text())
    assert settings["runtime"] == {"name": "python", "options": {"toolchain": "pip", "virtualenv": "venv"}}
    assert str(settings["version"]) == "0.1.0"
    requirements = (ROOT / "policies/requirements.txt").read_text()
    assert "pulumi-policy>=1.19,<2" in requirements and "pulumi_aws" not in requirements.replace("-", "_")


def test_installed_alone_it_starts_and_judges(installed_pack):
    folder, python = installed_pack
    (trail,) = [r for r in record(lambda: aws.cloudtrail.Trail("t", name="t", s3_bucket_name="b"))
                if r.type == "aws:cloudtrail/trail:Trail"]
    with PackClient(folder, python=str(python)) as pack:
        info = pack.info()
        assert info.name == "aws-audit-baseline"
        assert "cloud-trail-encryption-enabled" in {p.name for p in info.policies}
        found = sorted((d.policyName, LEVEL_NAMES[d.enforcementLevel]) for d in pack.analyze(trail).diagnostics)
        stack = sorted((d.policyName, LEVEL_NAMES[d.enforcementLevel]) for d in pack.analyze_stack([trail]).diagnostics)
    assert found == [("cloud-trail-encryption-enabled", "mandatory"),
                     ("cloud-trail-log-file-validation-enabled", "mandatory")]
    assert stack == [("multi-region-cloudtrail-enabled", "advisory")]
